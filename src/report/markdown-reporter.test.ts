import { describe, expect, it } from "vitest";
import {
  makeFinding,
  makeReport,
  RULES,
  layer,
  sampleReport,
  scanned,
  interruptedReport,
} from "../../test/report/sample-report.js";
import { escapeMarkdown, formatMarkdown, markdownCode } from "./markdown-reporter.js";

describe("formatMarkdown", () => {
  it("starts with a summary paragraph and has one table row per finding", () => {
    const report = sampleReport();
    const text = formatMarkdown(report);
    expect(text).toContain("found **7 findings**");
    expect(text).toContain("- **By severity:** Critical 3, High 2, Medium 2");
    const rows = text.split("\n").filter((line) => /^\| (?:Critical|High|Medium|Low|Info) \|/u.test(line));
    expect(rows).toHaveLength(report.findings.length);
    expect(text).toContain("## Not scanned or partly scanned");
  });

  it("escapes pipes and markup so a cell stays one cell and shows text", () => {
    expect(escapeMarkdown("a|b")).toBe("a\\|b");
    expect(escapeMarkdown("<img src=x>")).toBe("\\<img src=x\\>");
    expect(escapeMarkdown("[x](javascript:y)")).toBe("\\[x\\](javascript:y)");
    expect(escapeMarkdown("&lt;b&gt; 1.0-rc")).toBe("&amp;lt;b&amp;gt; 1.0-rc");
    expect(markdownCode("a`b|c")).toBe("``a`b\\|c``");
    expect(escapeMarkdown("line\nbreak")).toBe("line break");
    const evil = layer("a|b<script>.h", "x");
    const finding = makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [evil],
      offset: 0,
      encoding: "utf-8",
      match: "X|Y",
    });
    const text = formatMarkdown(makeReport([finding], [scanned([evil])], RULES));
    const row = text.split("\n").find((line) => line.startsWith("| Critical"))!;
    expect(row.split(/(?<!\\)\|/u)).toHaveLength(10);
    // Inside a code span the markup is shown verbatim; outside of one it must not appear at all.
    expect(row).toContain("`a\\|b<script>.h`");
    expect(text.replace(/`[^`]*`/gu, "")).not.toContain("<script>");
  });

  it("says that a stopped scan's report is partial", () => {
    expect(formatMarkdown(sampleReport())).not.toContain("Interrupted");
    expect(formatMarkdown(interruptedReport())).toContain(
      "> **Interrupted:** the scan was stopped after 6 artifacts",
    );
  });
});
