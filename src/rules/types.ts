import type { ScopeKind } from "../model/finding.js";

/** The `where` clause of a pattern, as written in YAML (kebab-case keys). Every given condition must hold. */
export interface WhereSpec {
  readonly "identifier-any"?: readonly string[];
  readonly "identifier-none"?: readonly string[];
  readonly "scope-kind"?: readonly Exclude<ScopeKind, "none">[];
  readonly "scope-name-any"?: readonly string[];
  readonly "scope-name-none"?: readonly string[];
  readonly "scope-any"?: readonly string[];
  readonly "scope-min"?: number;
  readonly "scope-none"?: readonly string[];
  readonly "near-any"?: readonly string[];
  readonly "near-none"?: readonly string[];
  readonly "near-chars"?: number;
  readonly "line-any"?: readonly string[];
  readonly "line-none"?: readonly string[];
  readonly "not-within"?: readonly string[];
  readonly "in-comment"?: boolean;
}

/** One pattern of a rule, as written in YAML. */
export interface PatternSpec {
  readonly message: string;
  readonly terms: readonly string[];
  readonly case?: "insensitive" | "sensitive";
  readonly boundary?: "token" | "none";
  readonly where?: WhereSpec;
}

export const WHERE_KEYS = [
  "identifier-any",
  "identifier-none",
  "scope-kind",
  "scope-name-any",
  "scope-name-none",
  "scope-any",
  "scope-min",
  "scope-none",
  "near-any",
  "near-none",
  "near-chars",
  "line-any",
  "line-none",
  "not-within",
  "in-comment",
] as const satisfies readonly (keyof WhereSpec)[];

/** Default distance for `near-any` / `near-none` when `near-chars` is absent. */
export const DEFAULT_NEAR_CHARS = 80;
