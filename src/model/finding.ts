import type { Encoding } from "./encoding.js";
import type { LocationLayer } from "./location.js";
import type { Basis, Category, Confidence, Severity } from "./rule.js";

/** What kind of scope the analyzer found around the hit. */
export type ScopeKind =
  "enum" | "struct" | "class" | "list" | "object" | "comment" | "string-table" | "text" | "none";

/**
 * A confirmed match of a rule, as plain data. Offsets are 0-based bytes in the leaf (last layer);
 * line and column are 1-based, column counted in characters of the decoded line.
 */
export interface Finding {
  readonly ruleId: string;
  /** Selects the wording in describeFinding(); e.g. "enum-member", "field", "comment", "api-attribute". */
  readonly messageId: string;
  readonly category: Category;
  readonly basis: Basis;
  readonly severity: Severity;
  readonly confidence: Confidence;
  /** Display form of the location chain, e.g. `sdk.zip!include/dhnetsdk.h`. */
  readonly location: string;
  readonly layers: readonly LocationLayer[];
  readonly offset: number;
  readonly length: number;
  readonly encoding: Encoding;
  readonly line?: number;
  readonly column?: number;
  /** The matched text, decoded. */
  readonly match: string;
  /** Lower-case hex of the matched bytes. */
  readonly matchHex: string;
  /** Bounded decoded excerpt around the match, control characters escaped. */
  readonly excerpt: string;
  /** Character range of the match inside `excerpt` [start, end). */
  readonly excerptMatch: readonly [number, number];
  /** Enclosing scope, when one was found. */
  readonly scope?: { readonly kind: ScopeKind; readonly name?: string };
  /** Extra data for describeFinding() (e.g. the sibling tokens that confirmed it). */
  readonly data: Readonly<Record<string, string>>;
  /** sha256 over rule id, leaf hash, matched bytes and ordinal of that triple within the leaf. */
  readonly fingerprint: string;
}
