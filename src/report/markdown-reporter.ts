import { describeHidden, listedGaps } from "./gaps.js";
import type { ScanReport } from "../model/report.js";
import { BASES, CATEGORIES, SEVERITIES } from "../model/rule.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";
import {
  BASIS_LABELS,
  CATEGORY_LABELS,
  COVERAGE_REASON_LABELS,
  ENCODING_LABELS,
  SEVERITY_LABELS,
  formatBytes,
  orderedCounts,
  plural,
} from "./labels.js";
import { escapeControls } from "./sanitize.js";

/**
 * Escapes text so Markdown shows it literally: no emphasis, links, HTML, entities or table breaks, while
 * ordinary text (dots, dashes, brackets of a version number) stays readable when pasted as plain text.
 * Line breaks become spaces (a table cell is one line).
 */
export function escapeMarkdown(text: string): string {
  return escapeControls(text.replace(/\r\n|[\r\n]/gu, " "))
    .replace(/[\\`*_[\]<>|#~]/gu, (char) => `\\${char}`)
    .replace(/&(?=#?\w+;)/gu, "&amp;");
}

/** Text as an inline code span: shown verbatim; only a pipe needs escaping inside a GFM table. */
export function markdownCode(text: string): string {
  const clean = escapeControls(text.replace(/\r\n|[\r\n]/gu, " ")).replace(/\|/gu, "\\|");
  const longest = Math.max(0, ...[...clean.matchAll(/`+/gu)].map((run) => run[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Coverage entries listed per status and reason; the rest are counted (the JSON report lists them all). */
const MARKDOWN_GAPS_PER_REASON = 50;

/** A summary a person can paste into an email, then one table row per finding and the coverage gaps. */
export function formatMarkdown(report: ScanReport): string {
  const rules = ruleIndex(report.rules);
  const summary = report.summary;
  const out: string[] = ["# custodiet scan report", ""];
  const inputs = report.inputs.map((input) => escapeMarkdown(input)).join(", ");
  const { scanned, partial, skipped } = summary.artifacts;
  out.push(
    `custodiet ${escapeMarkdown(report.tool.version)} scanned ${inputs === "" ? "the inputs" : inputs} ` +
      `(${plural(scanned, "artifact")} scanned, ${partial} partly, ${skipped} not scanned; ${formatBytes(summary.bytesScanned)}) ` +
      `with rule pack ${report.rulePack.hash.slice(0, 12)} and found **${plural(summary.findings, "finding")}**.`,
  );
  if (report.interrupted !== undefined)
    out.push(
      "",
      `> **Interrupted:** ${escapeMarkdown(report.interrupted)}. The findings are those made until then; what was not scanned may hold more.`,
    );
  if (summary.findings > 0) {
    out.push("");
    const severities = orderedCounts(summary.bySeverity, [...SEVERITIES].reverse());
    out.push(
      `- **By severity:** ${severities.map(([key, count]) => `${SEVERITY_LABELS[key]} ${count}`).join(", ")}`,
    );
    const categories = orderedCounts(summary.byCategory, CATEGORIES);
    out.push(
      `- **By category:** ${categories.map(([key, count]) => `${CATEGORY_LABELS[key]} ${count}`).join(", ")}`,
    );
    const bases = orderedCounts(summary.byBasis, BASES);
    out.push(`- **By basis:** ${bases.map(([key, count]) => `${BASIS_LABELS[key]} ${count}`).join(", ")}`);
    const flagged = new Map<string, number>();
    for (const finding of report.findings) {
      for (const flag of describeFinding(finding, rules.get(finding.ruleId)).complianceFlags) {
        flagged.set(flag.label, (flagged.get(flag.label) ?? 0) + 1);
      }
    }
    if (flagged.size > 0) {
      out.push(
        `- **Flagged for review under:** ${[...flagged.entries()]
          .map(([label, count]) => `${escapeMarkdown(label)} (${count})`)
          .join(", ")}`,
      );
    }
    out.push("");
    out.push("Compliance references are flags for a person to check, not legal conclusions.");
    out.push("");
    out.push("| Severity | Category | Basis | Match | Location | Offset | Encoding | Rule |");
    out.push("| --- | --- | --- | --- | --- | ---: | --- | --- |");
    for (const finding of report.findings) {
      const description = describeFinding(finding, rules.get(finding.ruleId));
      const line = finding.line === undefined ? "" : ` (line ${finding.line})`;
      out.push(
        `| ${SEVERITY_LABELS[finding.severity]} | ${CATEGORY_LABELS[finding.category]} | ${BASIS_LABELS[finding.basis]} ` +
          `| ${markdownCode(finding.match)} | ${markdownCode(finding.location)}${line} | ${finding.offset} ` +
          `| ${ENCODING_LABELS[finding.encoding]} | ${escapeMarkdown(description.title)} |`,
      );
    }
  }
  const { shown, hidden } = listedGaps(report.coverage, MARKDOWN_GAPS_PER_REASON);
  if (shown.length > 0) {
    out.push("", "## Not scanned or partly scanned", "");
    out.push("| Status | Location | Reason |");
    out.push("| --- | --- | --- |");
    for (const entry of shown) {
      const reason = entry.reason === undefined ? "" : COVERAGE_REASON_LABELS[entry.reason];
      const detail = entry.detail === undefined ? "" : ` (${escapeMarkdown(entry.detail)})`;
      out.push(`| ${entry.status} | ${markdownCode(entry.location)} | ${reason}${detail} |`);
    }
    if (hidden.length > 0)
      out.push(
        "",
        `And ${hidden.map((group) => describeHidden(group)).join("; ")}: all are in the JSON report.`,
      );
  }
  return `${out.join("\n")}\n`;
}
