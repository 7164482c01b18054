import { describe, expect, it } from "vitest";
import { REPORT_SCHEMA_VERSION } from "../model/report.js";
import type { ScanReport } from "../model/report.js";
import { draft07Validator, errorsOf } from "../../test/report/schema-validators.js";
import { interruptedReport, sampleReport, xssReport } from "../../test/report/sample-report.js";
import { formatSarif, formatSarifPieces } from "./sarif-reporter.js";
import { canonicalize, formatJson, jsonPieces, stableJson, stableJsonPieces } from "./json-reporter.js";

/** The same report with every object's keys inserted in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).reverse())
      out[key] = reversedKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

describe("formatJson", () => {
  const validate = draft07Validator("scan-report.schema.json");

  it("is valid against schema/scan-report.schema.json", () => {
    for (const report of [sampleReport(), xssReport(), interruptedReport()]) {
      const json: unknown = JSON.parse(formatJson(report));
      expect(validate(json), errorsOf(validate)).toBe(true);
    }
  });

  it("the schema rejects what the model forbids", () => {
    const json = JSON.parse(formatJson(sampleReport())) as { findings: Record<string, unknown>[] };
    json.findings[0]!["basis"] = "guessed";
    expect(validate(json)).toBe(false);
    const extra = JSON.parse(formatJson(sampleReport())) as Record<string, unknown>;
    extra["unexpected"] = 1;
    expect(validate(extra)).toBe(false);
  });

  it("is byte-identical whatever order the keys were built in", () => {
    const report = sampleReport();
    expect(formatJson(reversedKeys(report) as ScanReport)).toBe(formatJson(report));
  });

  it("uses 2-space indentation, a trailing newline and the model's schema version first", () => {
    const text = formatJson(sampleReport());
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe(`  "schemaVersion": "${REPORT_SCHEMA_VERSION}",`);
    expect(Object.keys(JSON.parse(text) as object).slice(0, 4)).toEqual([
      "schemaVersion",
      "tool",
      "rulePack",
      "generatedAt",
    ]);
    const finding = (JSON.parse(text) as { findings: object[] }).findings[0]!;
    expect(Object.keys(finding).slice(0, 3)).toEqual(["ruleId", "messageId", "category"]);
  });

  it("round-trips the report unchanged", () => {
    const report = sampleReport();
    expect(JSON.parse(formatJson(report))).toEqual(canonicalize(report));
    expect(JSON.parse(formatJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe("stableJson in pieces", () => {
  /** JSON.stringify's own canonical text, the reference the pieces must equal byte for byte. */
  const reference = (value: unknown) => `${JSON.stringify(canonicalize(value), null, 2)}\n`;

  it("equals one JSON.stringify of the canonical value, for reports and for awkward values", () => {
    const values: unknown[] = [
      sampleReport(),
      xssReport(),
      reversedKeys(sampleReport()),
      {},
      [],
      { a: [], b: {}, c: { d: [] } },
      { a: undefined, b: [undefined, 1, { c: undefined }], e: { f: undefined } },
      [[], [[1, [2, { x: "multi\nline" }]]], { y: [{}] }],
      { 'key with "quotes" and \u2028': "值 ✓", n: null, t: true, f: 1.5e-7 },
      "just a string",
      42,
      null,
    ];
    for (const value of values) {
      const pieces = [...stableJsonPieces(value)];
      expect(pieces.join("")).toBe(reference(value));
      expect(stableJson(value)).toBe(reference(value));
    }
  });

  it("cuts a report into a piece per top-level member and per finding and coverage entry", () => {
    const report = sampleReport();
    const pieces = [...stableJsonPieces(report)];
    const largest = Math.max(...pieces.map((piece) => piece.length));
    expect(largest).toBeLessThan(formatJson(report).length / 4);
    expect(pieces.length).toBeGreaterThan(report.findings.length + report.coverage.length);
  });
});

describe("jsonPieces", () => {
  it("equals JSON.stringify(value, null, 2), keys in their own order, cut at any depth", () => {
    const values: unknown[] = [
      sampleReport(),
      reversedKeys(xssReport()),
      { a: undefined, b: [undefined, 1, { c: undefined }], e: { f: undefined }, g: [] },
      [[], [[1, [2, { x: "multi\nline" }]]], { y: [{}] }],
      { z: 1, a: { "10": 2, "2": 3, b: null }, 'key \u2028 "': "值 ✓" },
      "just a string",
      null,
    ];
    for (const value of values)
      for (const depth of [0, 1, 2, 3, 6, 20])
        expect([...jsonPieces(value, depth)].join("")).toBe(JSON.stringify(value, null, 2));
  });

  it("cuts a SARIF log down to each artifact and notification, with the same text as formatSarif", () => {
    for (const report of [sampleReport(), xssReport(), interruptedReport()]) {
      const pieces = [...formatSarifPieces(report)];
      const text = formatSarif(report);
      expect(pieces.join("")).toBe(text);
      const artifacts = (JSON.parse(text) as { runs: { artifacts: unknown[] }[] }).runs[0]!.artifacts;
      expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(
        Math.max(...artifacts.map((artifact) => JSON.stringify(artifact, null, 2).length)) * 12,
      );
      expect(pieces.length).toBeGreaterThan(artifacts.length);
    }
  });
});
