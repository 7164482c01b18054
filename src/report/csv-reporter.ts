import type { ScanReport } from "../model/report.js";
import { describeFinding, ruleIndex } from "./describe-finding.js";

const COLUMNS = [
  "severity",
  "category",
  "basis",
  "confidence",
  "rule_id",
  "title",
  "location",
  "leaf_sha256",
  "outer_sha256",
  "offset",
  "length",
  "encoding",
  "line",
  "column",
  "match",
  "match_hex",
  "excerpt",
  "scope",
  "compliance_flags",
  "message",
  "fingerprint",
] as const;

/**
 * A cell as RFC 4180 wants it, and inert in a spreadsheet: a value that starts with = + - @ (or a tab or
 * carriage return, which some spreadsheets skip before such a sign) gets a leading apostrophe, so a file
 * name like `=HYPERLINK(…)` is shown, not run.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/u.test(text)) text = `'${text}`;
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}

/** One row per finding, CRLF line ends as RFC 4180 says, a header row first. */
export function formatCsv(report: ScanReport): string {
  const rules = ruleIndex(report.rules);
  const rows: string[] = [COLUMNS.join(",")];
  for (const finding of report.findings) {
    const description = describeFinding(finding, rules.get(finding.ruleId));
    const leaf = finding.layers[finding.layers.length - 1];
    const scope =
      finding.scope === undefined
        ? undefined
        : `${finding.scope.kind}${finding.scope.name === undefined ? "" : ` ${finding.scope.name}`}`;
    const cells: (string | number | undefined)[] = [
      finding.severity,
      finding.category,
      finding.basis,
      finding.confidence,
      finding.ruleId,
      description.title,
      finding.location,
      leaf?.sha256,
      finding.layers[0]?.sha256,
      finding.offset,
      finding.length,
      finding.encoding,
      finding.line,
      finding.column,
      finding.match,
      finding.matchHex,
      finding.excerpt,
      scope,
      description.complianceFlags.map((flag) => flag.label).join("; "),
      description.message,
      finding.fingerprint,
    ];
    rows.push(cells.map((cell) => csvCell(cell)).join(","));
  }
  return `${rows.join("\r\n")}\r\n`;
}
