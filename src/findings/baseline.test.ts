import { describe, expect, it } from "vitest";
import { draft07Validator, errorsOf } from "../../test/report/schema-validators.js";
import {
  hikHeader,
  makeFinding,
  makeReport,
  RULES,
  sampleCoverage,
  sampleFindings,
  sampleReport,
} from "../../test/report/sample-report.js";
import { applyBaseline, BaselineError, createBaseline, parseBaseline, type Baseline } from "./baseline.js";

const TODAY = "2026-11-28";

describe("baselines", () => {
  it("a baseline hides exactly its findings, and a new finding on the same line still shows", () => {
    const report = sampleReport();
    const baseline = createBaseline(report, "accepted: vendor header, reported in 2020");
    // The same line of HCNetSDK.h gains a second attribute: another rule, other bytes.
    const sameLine = makeFinding({
      ruleId: "person-record-ethnicity",
      messageId: "field",
      category: "ethnicity",
      basis: "profiling-data",
      severity: "high",
      layers: [hikHeader],
      offset: 9130,
      encoding: "utf-8",
      match: "byEthnic",
      line: 311,
      column: 20,
    });
    const next = makeReport([...sampleFindings(), sameLine], sampleCoverage(), RULES);
    const result = applyBaseline(next, baseline, TODAY);
    expect(result.report.findings).toEqual([sameLine]);
    expect(result.suppressed).toBe(report.findings.length);
    expect(result.unused).toEqual([]);
    expect(result.report.summary.findings).toBe(1);
    expect(result.report.rules.map((rule) => rule.id)).toEqual(["person-record-ethnicity"]);
  });

  it("is bound to the leaf's content: the same bytes in a changed file show again", () => {
    const report = sampleReport();
    const baseline = createBaseline(report, "accepted");
    const changed = report.findings.map((finding) => ({
      ...finding,
      layers: finding.layers.map((layer, index) =>
        index === finding.layers.length - 1 ? { ...layer, sha256: "0".repeat(64) } : layer,
      ),
    }));
    const result = applyBaseline({ ...report, findings: changed }, baseline, TODAY);
    expect(result.report.findings).toHaveLength(report.findings.length);
    expect(result.unused).toHaveLength(baseline.entries.length);
  });

  it("hides only one finding when only one entry is kept, and reports unused and expired entries", () => {
    const report = sampleReport();
    const full = createBaseline(report, "accepted");
    const [first, second, third] = full.entries;
    const stray = { ...first!, matchHex: "00ff" };
    const baseline: Baseline = {
      schemaVersion: "1",
      entries: [first!, { ...second!, expires: TODAY }, { ...third!, expires: "2026-11-29" }, stray],
    };
    const result = applyBaseline(report, baseline, TODAY);
    expect(result.expired).toEqual([{ ...second!, expires: TODAY }]);
    expect(result.unused).toEqual([stray]);
    const key = (ruleId: string, leaf: string, hex: string): string => `${ruleId}/${leaf}/${hex}`;
    const entryKeys = (entries: readonly (typeof first)[]): Set<string> =>
      new Set(entries.map((entry) => key(entry!.ruleId, entry!.leafSha256, entry!.matchHex)));
    const findingKey = (finding: (typeof report.findings)[number]): string =>
      key(finding.ruleId, finding.layers[finding.layers.length - 1]!.sha256, finding.matchHex);
    const hiddenKeys = entryKeys([first, third]);
    const expected = report.findings.filter((finding) => !hiddenKeys.has(findingKey(finding)));
    expect(result.report.findings).toEqual(expected);
    expect(result.suppressed).toBe(report.findings.length - expected.length);
    // The expired entry's findings are back.
    const expiredKeys = entryKeys([second]);
    expect(result.report.findings.some((finding) => expiredKeys.has(findingKey(finding)))).toBe(true);
  });

  it("writes entries with a reason, sorted, valid against the schema, and reads them back", () => {
    const baseline = createBaseline(sampleReport(), "reviewed by the desk", { expires: "2027-06-30" });
    const validate = draft07Validator("baseline.schema.json");
    expect(validate(baseline), errorsOf(validate)).toBe(true);
    expect(
      baseline.entries.every(
        (entry) => entry.reason === "reviewed by the desk" && entry.expires === "2027-06-30",
      ),
    ).toBe(true);
    const ids = baseline.entries.map((entry) => entry.ruleId);
    expect([...ids].sort()).toEqual(ids);
    expect(parseBaseline(JSON.stringify(baseline))).toEqual(baseline);
  });

  it("refuses a baseline without a reason, a bad date or bad hex, naming the entry", () => {
    expect(() => createBaseline(sampleReport(), " ")).toThrow(BaselineError);
    expect(() => createBaseline(sampleReport(), "x", { expires: "2027-02-30" })).toThrow(/not a date/u);
    const good = createBaseline(sampleReport(), "x");
    const without = { ...good, entries: [{ ...good.entries[0]!, reason: "" }] };
    expect(() => parseBaseline(JSON.stringify(without), "b.json")).toThrow(
      'b.json: entries[0]: "reason" must be a non-empty string',
    );
    const badHex = { ...good, entries: [{ ...good.entries[0]!, matchHex: "XYZ" }] };
    expect(() => parseBaseline(JSON.stringify(badHex))).toThrow(/matchHex/u);
    expect(() => parseBaseline("{")).toThrow(/not JSON/u);
  });
});
