import { describeHidden, listedGaps } from "./gaps.js";
import type { CoverageEntry } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { ScanReport } from "../model/report.js";
import { BASES, CATEGORIES, SEVERITIES } from "../model/rule.js";
import type { Severity } from "../model/rule.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";
import type { FormatOptions } from "./formatter.js";
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

const ANSI = {
  reset: "\u001b[0m",
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  yellow: "\u001b[33m",
  blue: "\u001b[34m",
  magenta: "\u001b[35m",
  cyan: "\u001b[36m",
  inverse: "\u001b[7m",
} as const;

type Style = keyof typeof ANSI;

const SEVERITY_STYLE = {
  critical: "magenta",
  high: "red",
  medium: "yellow",
  low: "blue",
  info: "dim",
} as const satisfies Record<Severity, Style>;

/** Groups items by a key, keeping the order of first appearance (the report is already sorted). */
function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return [...groups.entries()];
}

/** The terminal report: findings grouped by location, then the summary and the coverage. */
export function formatText(report: ScanReport, options: FormatOptions = {}): string {
  const color = options.color === true;
  const paint = (style: Style, text: string): string => (color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const rules = ruleIndex(report.rules);
  const out: string[] = [];

  out.push(
    paint(
      "bold",
      `custodiet ${escapeControls(report.tool.version)} · rule pack ${report.rulePack.hash.slice(0, 12)} (${plural(report.rulePack.ruleCount, "rule")})`,
    ),
  );
  if (report.interrupted !== undefined)
    out.push(
      paint(
        "yellow",
        `INTERRUPTED: ${escapeControls(report.interrupted)}. The findings are those made until then; what was not scanned may hold more.`,
      ),
    );
  out.push("");

  for (const [location, findings] of groupBy(report.findings, (finding) => finding.location)) {
    out.push(paint("bold", escapeControls(location)));
    const leaf = findings[0]?.layers[findings[0].layers.length - 1];
    if (leaf !== undefined) out.push(paint("dim", `  sha256 ${leaf.sha256}`));
    for (const finding of findings) out.push(...findingLines(finding, rules.get(finding.ruleId), paint));
    out.push("");
  }

  out.push(...summaryLines(report, paint));
  out.push("");
  out.push(...coverageLines(report.coverage, report.summary, paint));
  return `${out.join("\n")}\n`;
}

function findingLines(
  finding: Finding,
  rule: Parameters<typeof describeFinding>[1],
  paint: (style: Style, text: string) => string,
): string[] {
  const description = describeFinding(finding, rule);
  const severity = paint(
    SEVERITY_STYLE[finding.severity],
    SEVERITY_LABELS[finding.severity].toUpperCase().padEnd(8),
  );
  const position =
    finding.line === undefined
      ? ""
      : `line ${finding.line}${finding.column === undefined ? "" : `:${finding.column}`}  `;
  const [start, end] = finding.excerptMatch;
  const excerpt = finding.excerpt;
  const highlighted =
    escapeControls(excerpt.slice(0, start)) +
    paint("inverse", `«${escapeControls(excerpt.slice(start, end))}»`) +
    escapeControls(excerpt.slice(end));
  const flags = description.complianceFlags.map((flag) => flag.label).join(", ");
  return [
    `  ${severity} ${CATEGORY_LABELS[finding.category]} · ${BASIS_LABELS[finding.basis]}  ${paint("cyan", escapeControls(finding.ruleId))}  ${escapeControls(description.title)}`,
    `           ${position}offset ${finding.offset} (0x${finding.offset.toString(16)}), ${plural(finding.length, "byte")}, ${ENCODING_LABELS[finding.encoding]}`,
    `           ${escapeControls(description.message)}`,
    `           ${paint("dim", "│")} ${highlighted}`,
    ...(flags === "" ? [] : [`           ${paint("dim", `flags: ${flags}`)}`]),
  ];
}

function summaryLines(report: ScanReport, paint: (style: Style, text: string) => string): string[] {
  const summary = report.summary;
  const lines = [paint("bold", "Summary")];
  if (summary.findings === 0) {
    lines.push("  No findings.");
    return lines;
  }
  const severities = orderedCounts(summary.bySeverity, [...SEVERITIES].reverse())
    .map(([key, count]) => `${count} ${SEVERITY_LABELS[key].toLowerCase()}`)
    .join(", ");
  lines.push(`  ${plural(summary.findings, "finding")}: ${severities}`);
  lines.push(
    `  by category: ${orderedCounts(summary.byCategory, CATEGORIES)
      .map(([key, count]) => `${CATEGORY_LABELS[key]} ${count}`)
      .join(", ")}`,
  );
  lines.push(
    `  by basis:    ${orderedCounts(summary.byBasis, BASES)
      .map(([key, count]) => `${BASIS_LABELS[key]} ${count}`)
      .join(", ")}`,
  );
  return lines;
}

/** Coverage entries listed per status and reason; the rest are counted (the JSON report lists them all). */
const TEXT_GAPS_PER_REASON = 20;

function coverageLines(
  coverage: readonly CoverageEntry[],
  summary: ScanReport["summary"],
  paint: (style: Style, text: string) => string,
): string[] {
  const { scanned, partial, skipped } = summary.artifacts;
  const lines = [
    paint("bold", "Coverage"),
    `  ${scanned} scanned, ${partial} partial, ${skipped} skipped; ${formatBytes(summary.bytesScanned)} searched`,
  ];
  const { shown, hidden } = listedGaps(coverage, TEXT_GAPS_PER_REASON);
  for (const entry of shown) {
    const reason = entry.reason === undefined ? "" : COVERAGE_REASON_LABELS[entry.reason];
    // A detail that only repeats the reason's label ("symbolic link loop (symbolic link loop)") is left out.
    const detail =
      entry.detail === undefined || entry.detail === reason ? "" : ` (${escapeControls(entry.detail)})`;
    const status = paint(entry.status === "skipped" ? "yellow" : "dim", entry.status.padEnd(8));
    lines.push(`  ${status} ${escapeControls(entry.location)}: ${reason}${detail}`);
  }
  for (const group of hidden)
    lines.push(paint("dim", `  … and ${describeHidden(group)} (listed in the JSON report)`));
  return lines;
}
