import type { Formatter } from "./formatter.js";
import { formatCsv } from "./csv-reporter.js";
import { formatHtml } from "./html-reporter.js";
import { formatJson } from "./json-reporter.js";
import { formatMarkdown } from "./markdown-reporter.js";
import { formatSarif } from "./sarif-reporter.js";
import { formatText } from "./text-reporter.js";

export const FORMATS = ["text", "json", "sarif", "html", "csv", "md"] as const;
export type Format = (typeof FORMATS)[number];

/** Every report format, by its --format name. Adding a format is one file and one line here. */
export const formatters = {
  text: formatText,
  json: formatJson,
  sarif: formatSarif,
  html: formatHtml,
  csv: formatCsv,
  md: formatMarkdown,
} as const satisfies Record<Format, Formatter>;

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

/** The usual file extension of each format, for default output names. */
export const FORMAT_EXTENSIONS = {
  text: "txt",
  json: "json",
  sarif: "sarif",
  html: "html",
  csv: "csv",
  md: "md",
} as const satisfies Record<Format, string>;

export type { Formatter, FormatOptions } from "./formatter.js";
export { describeFinding } from "./describe-finding.js";
export type { ComplianceFlag, FindingDescription } from "./describe-finding.js";
export { formatCsv, formatHtml, formatJson, formatMarkdown, formatSarif, formatText };
export { stableJson } from "./json-reporter.js";
