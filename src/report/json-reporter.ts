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

/** How a value is cut into pieces: members deeper than `depth` are written by one JSON.stringify call each. */
interface PieceShape {
  readonly depth: number;
  /** Keys in the report's canonical order (else in the objects' own order, as JSON.stringify writes them). */
  readonly canonical: boolean;
}

function* pieces(value: unknown, indent: string, depth: number, shape: PieceShape): Generator<string> {
  if (depth < shape.depth && value !== null && typeof value === "object") {
    const inner = `${indent}  `;
    if (Array.isArray(value)) {
      if (value.length > 0) {
        yield "[\n";
        for (let index = 0; index < value.length; index++) {
          yield inner;
          // As JSON.stringify writes an array's undefined: null.
          yield* value[index] === undefined ? ["null"] : pieces(value[index], inner, depth + 1, shape);
          yield index < value.length - 1 ? ",\n" : "\n";
        }
        yield `${indent}]`;
        return;
      }
    } else {
      const source = value as Record<string, unknown>;
      const keys = Object.keys(source).filter((key) => source[key] !== undefined);
      if (shape.canonical) keys.sort(compareKeys);
      if (keys.length > 0) {
        yield "{\n";
        for (let index = 0; index < keys.length; index++) {
          const key = keys[index]!;
          yield `${inner}${JSON.stringify(key)}: `;
          yield* pieces(source[key], inner, depth + 1, shape);
          yield index < keys.length - 1 ? ",\n" : "\n";
        }
        yield `${indent}}`;
        return;
      }
    }
  }
  const text = JSON.stringify(shape.canonical ? canonicalize(value) : value, null, 2);
  yield indent === "" ? text : text.replaceAll("\n", `\n${indent}`);
}

/**
 * stableJson's text in pieces (one per top-level member, and one per item of those): a report of 91,000
 * artifacts is written to a file without ever being one 80 MB string (two bytes per character once a single
 * character is not Latin-1) plus its encoded copy.
 */
export function* stableJsonPieces(value: unknown): Generator<string> {
  yield* pieces(value, "", 0, { depth: 2, canonical: true });
  yield "\n";
}

/**
 * `JSON.stringify(value, null, 2)`'s text, for plain data, in pieces down to `depth` levels: for output that
 * may be longer than the longest string Node can make (a SARIF log of half a million artifacts).
 */
export function jsonPieces(value: unknown, depth: number): Generator<string> {
  return pieces(value, "", 0, { depth, canonical: false });
}

/** Canonical JSON: stable key order, 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return [...stableJsonPieces(value)].join("");
}

/** The scan report as JSON, described by schema/scan-report.schema.json. */
export function formatJson(report: ScanReport): string {
  return stableJson(report);
}

/** formatJson's text in pieces, for writing a large report to a file. */
export function formatJsonPieces(report: ScanReport): Iterable<string> {
  return stableJsonPieces(report);
}
