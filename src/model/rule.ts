import type { Encoding } from "./encoding.js";

/** The classes of EU AI Act Art. 5(1)(g). */
export const CATEGORIES = [
  "ethnicity",
  "race",
  "skin-colour",
  "religion",
  "political-opinion",
  "trade-union",
  "sex-life-or-orientation",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** How the software comes to know the attribute. */
export const BASES = ["inferred", "id-document", "reserved", "profiling-data"] as const;
export type Basis = (typeof BASES)[number];

/** Ordered from least to most severe. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CONFIDENCES = ["low", "medium", "high"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** One inline test sample of a rule. */
export interface RuleSample {
  readonly text: string;
  /** The sample is encoded in this charset before it is scanned; utf-8 when absent. */
  readonly encoding?: Encoding;
  /** A short label shown when the sample fails. */
  readonly name?: string;
}

/** Where a rule was read from, for error messages (line is 1-based). */
export interface RuleOrigin {
  readonly file: string;
  readonly line: number;
}

/**
 * A rule as data. The pattern and condition vocabulary is defined by the rule schema
 * (schema/rule.schema.json) and interpreted by src/analyze; it is kept opaque here so that
 * model/ stays free of analyzer details.
 */
export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly category: Category;
  readonly basis: Basis;
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly references: readonly string[];
  /** Compliance flag ids, e.g. "eu-ai-act-art-5-1-g", "eu-ai-act-annex-iii-1-b", "us-ndaa-889". */
  readonly compliance: readonly string[];
  /** Vendors whose vocabulary this rule follows (e.g. "dahua", "hikvision"); drives the NDAA §889 flag. */
  readonly vendors: readonly string[];
  readonly patterns: readonly unknown[];
  readonly conditions?: unknown;
  readonly tests: { readonly match: readonly RuleSample[]; readonly noMatch: readonly RuleSample[] };
  readonly origin: RuleOrigin;
}
