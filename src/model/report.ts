import type { CoverageEntry } from "./coverage.js";
import type { Finding } from "./finding.js";
import type { Basis, Category, Rule, Severity } from "./rule.js";

export const REPORT_SCHEMA_VERSION = "1.1.0";

/** What a reporter needs to know about each rule that produced a finding (and the pack as a whole). */
export type RuleSummary = Pick<
  Rule,
  | "id"
  | "title"
  | "description"
  | "category"
  | "basis"
  | "severity"
  | "confidence"
  | "references"
  | "compliance"
  | "vendors"
>;

/**
 * The scan report: JSON-safe, deterministic for the same inputs except `generatedAt`.
 * Findings are sorted by location, offset, rule id; coverage by location.
 */
export interface ScanReport {
  readonly schemaVersion: string;
  readonly tool: { readonly name: "custodiet"; readonly version: string };
  readonly rulePack: { readonly hash: string; readonly ruleCount: number; readonly needleCount: number };
  readonly generatedAt: string;
  /** The paths the user named, as given, "/" separators. */
  readonly inputs: readonly string[];
  readonly options: { readonly minSeverity: Severity; readonly maxFileSize: number };
  /** Rules that produced at least one finding, sorted by id. */
  readonly rules: readonly RuleSummary[];
  readonly findings: readonly Finding[];
  readonly coverage: readonly CoverageEntry[];
  /**
   * Set when the scan was stopped before it finished (Ctrl-C, or its memory full): what happened, in words.
   * The findings are those made until then; artifacts waiting (and, on Ctrl-C, those being scanned) are
   * `interrupted` in the coverage; files the walk had not reached are not listed.
   */
  readonly interrupted?: string;
  readonly summary: {
    readonly findings: number;
    readonly byCategory: Readonly<Partial<Record<Category, number>>>;
    readonly byBasis: Readonly<Partial<Record<Basis, number>>>;
    readonly bySeverity: Readonly<Partial<Record<Severity, number>>>;
    readonly artifacts: { readonly scanned: number; readonly partial: number; readonly skipped: number };
    readonly bytesScanned: number;
  };
}
