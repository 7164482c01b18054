import { describe, expect, it } from "vitest";
import type { CoverageEntry } from "../model/coverage.js";
import { layer, makeReport, RULES, scanned } from "../../test/report/sample-report.js";
import { listedGaps } from "./gaps.js";
import { formatHtml } from "./html-reporter.js";
import { formatMarkdown } from "./markdown-reporter.js";
import { formatText } from "./text-reporter.js";

/** A firmware's root file system: busybox's symbolic links by the hundred, and one corrupt archive among them. */
function firmwareCoverage(): CoverageEntry[] {
  const root = layer("fw.bin", "fw");
  const entries: CoverageEntry[] = [scanned([root], "squashfs")];
  for (let k = 0; k < 300; k++) {
    const link = layer(`bin/applet${k}`, "", "squashfs");
    entries.push({
      location: `fw.bin!bin/applet${k}`,
      layers: [root, link],
      status: "skipped",
      reason: "not-a-regular-file",
      detail: "symbolic link to busybox, not followed",
      bytesScanned: 0,
    });
    if (k === 250) {
      const broken = layer("opt/update.tgz", "broken", "squashfs");
      entries.push({
        location: "fw.bin!opt/update.tgz",
        layers: [root, broken],
        status: "partial",
        reason: "corrupt",
        detail: "unexpected end of data",
        bytesScanned: 6,
      });
    }
  }
  return entries;
}

describe("coverage gaps in the human reports", () => {
  it("lists a few of each status and reason, every other kind whole, and counts the rest", () => {
    const { shown, hidden } = listedGaps(firmwareCoverage(), 20);
    expect(shown.filter((entry) => entry.reason === "not-a-regular-file")).toHaveLength(20);
    expect(shown.filter((entry) => entry.reason === "corrupt")).toHaveLength(1);
    expect(hidden).toEqual([{ status: "skipped", reason: "not-a-regular-file", count: 280 }]);
    expect(listedGaps(firmwareCoverage(), 1000).hidden).toEqual([]);
  });

  it("keeps the corrupt archive in sight in text, Markdown and HTML", () => {
    const report = makeReport([], firmwareCoverage(), RULES);
    const text = formatText(report);
    expect(text).toContain("partial  fw.bin!opt/update.tgz: corrupt");
    expect(text).toContain("… and 280 more skipped: not a regular file (listed in the JSON report)");
    expect(text.split("\n").filter((line) => line.includes("applet"))).toHaveLength(20);
    const markdown = formatMarkdown(report);
    expect(markdown).toContain("And 250 more skipped: not a regular file: all are in the JSON report.");
    expect(markdown).toContain("`fw.bin!opt/update.tgz`");
    const html = formatHtml(report);
    expect(html).toContain("And 100 more skipped: not a regular file: all are in the JSON report.");
    expect(html).toContain("fw.bin!opt/update.tgz");
  });
});
