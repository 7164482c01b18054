import { describe, expect, it } from "vitest";
import {
  makeFinding,
  makeReport,
  RULES,
  layer,
  interruptedReport,
  sampleReport,
  scanned,
} from "../../test/report/sample-report.js";
import { formatText } from "./text-reporter.js";

describe("formatText", () => {
  it("groups findings by location, each location once, in report order", () => {
    const report = sampleReport();
    const text = formatText(report);
    const locations = [...new Set(report.findings.map((finding) => finding.location))];
    const positions = locations.map((location) => text.indexOf(`\n${location}\n`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const location of locations) expect(text.split(`\n${location}\n`)).toHaveLength(2);
  });

  it("shows offset, encoding, line:col and the highlighted match", () => {
    const text = formatText(sampleReport());
    expect(text).toContain("line 1204:5  offset 48213 (0xbc55), 20 bytes, GB18030 (GBK)");
    expect(text).toContain("«EM_NATION_TYPE_UYGUR»");
    expect(text).toContain("offset 70000 (0x11170), 40 bytes, UTF-16LE");
  });

  it("summarises by severity, category and basis, and lists what was not scanned with the reason", () => {
    const text = formatText(sampleReport());
    expect(text).toContain("7 findings: 3 critical, 2 high, 2 medium");
    expect(text).toMatch(/by category: Ethnicity 5, Race 1, Skin colour 1/u);
    expect(text).toMatch(/by basis: +Inferred from face, body or voice 4/u);
    expect(text).toContain("8 scanned, 1 partial, 2 skipped");
    expect(text).toMatch(
      /skipped +sdk\/tools\/update\.zip: encrypted \(zip entry firmware\.img is encrypted/u,
    );
    expect(text).toMatch(/partial +sdk\/firmware\.bin: took too long/u);
  });

  it("does not repeat a coverage detail that only says what the reason says", () => {
    const loop = layer("sdk/loop1", "");
    const report = makeReport(
      [],
      [
        {
          location: "sdk/loop1",
          layers: [loop],
          status: "skipped",
          reason: "symlink-loop",
          detail: "symbolic link loop",
          bytesScanned: 0,
        },
      ],
      RULES,
    );
    const text = formatText(report);
    expect(text).toMatch(/skipped +sdk\/loop1: symbolic link loop\n/u);
    expect(text).not.toContain("symbolic link loop (symbolic link loop)");
  });

  it("uses ANSI colour only when asked", () => {
    const report = sampleReport();
    expect(formatText(report)).not.toContain("\u001b[");
    expect(formatText(report, { color: true })).toContain("\u001b[7m«EM_NATION_TYPE_UYGUR»");
  });

  it("never passes control characters from a scanned file to the terminal", () => {
    const evil = layer("evil\u001b[2J\u001b]0;pwned\u0007.h", "x");
    const finding = makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [evil],
      offset: 0,
      encoding: "utf-8",
      match: "EM_NATION_TYPE_UYGUR",
      before: "\u001b[31m",
      after: "\u009b1m",
    });
    const text = formatText(makeReport([finding], [scanned([evil])], RULES));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u);
    expect(text).toContain("evil\\x1b[2J\\x1b]0;pwned\\x07.h");
  });

  it("says so when there is nothing", () => {
    const text = formatText(makeReport([], [scanned([layer("a.h", "a")])], RULES));
    expect(text).toContain("No findings.");
    expect(text).toContain("1 scanned, 0 partial, 0 skipped");
  });

  it("says up front that a stopped scan's report is partial", () => {
    expect(formatText(sampleReport())).not.toContain("INTERRUPTED");
    const text = formatText(interruptedReport());
    expect(text.split("\n")[1]).toMatch(/^INTERRUPTED: the scan was stopped after 6 artifacts/u);
    expect(text).toContain("sdk/late.zip: the scan was stopped (while this was being scanned)");
  });
});
