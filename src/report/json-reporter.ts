import type { ScanReport } from "../model/report.js";

/**
 * Keys that come first, in this order, in any object of the report; other keys follow alphabetically.
 * The order is fixed here rather than taken from how the engine happened to build the objects, so the
 * output is byte-identical whatever code path produced an equal report.
 */
const KEY_ORDER = [
  "schemaVersion",
  "tool",
  "rulePack",
  "generatedAt",
  "inputs",
  "options",
  "summary",
  "rules",
  "findings",
  "coverage",
  // rule summaries
  "id",
  "title",
  "description",
  // findings
  "ruleId",
  "messageId",
  "category",
  "basis",
  "severity",
  "confidence",
  "location",
  "layers",
  "offset",
  "length",
  "encoding",
  "line",
  "column",
  "match",
  "matchHex",
  "excerpt",
  "excerptMatch",
  "scope",
  "data",
  "fingerprint",
  // layers and coverage
  "path",
  "status",
  "reason",
  "detail",
  "bytesScanned",
  "format",
  "sha256",
  "size",
  "via",
  "offsetInParent",
  "carvedAt",
  "element",
  // nested
  "name",
  "version",
  "hash",
  "ruleCount",
  "needleCount",
  "kind",
  "byCategory",
  "byBasis",
  "bySeverity",
  "artifacts",
];

const RANK = new Map(KEY_ORDER.map((key, index) => [key, index]));

function compareKeys(a: string, b: string): number {
  const rankA = RANK.get(a) ?? Number.MAX_SAFE_INTEGER;
  const rankB = RANK.get(b) ?? Number.MAX_SAFE_INTEGER;
  if (rankA !== rankB) return rankA - rankB;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of a JSON value whose objects have their keys in canonical order; drops undefined members. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => canonicalize(item));
  if (value !== null && typeof value === "object") {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort(compareKeys)) {
      const member = source[key];
      if (member !== undefined) out[key] = canonicalize(member);
    }
    return out;
  }
  return value;
}

/** Canonical JSON: stable key order, 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}

/** The scan report as JSON, described by schema/scan-report.schema.json. */
export function formatJson(report: ScanReport): string {
  return stableJson(report);
}
