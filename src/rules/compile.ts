import { createHash } from "node:crypto";
import type { Rule } from "../model/rule.js";
import { compileNeedles, type Needle, type TermSpec } from "../match/needles.js";
import { compileWhere, type CompiledWhere } from "../analyze/conditions.js";
import { hasNonAscii } from "../analyze/tokenizer.js";
import type { PatternSpec } from "./types.js";

/** A pattern that refers to a term, and whether that reference needs token boundaries. */
export interface TermRef {
  readonly pattern: number;
  readonly tokenBoundary: boolean;
}

/** One literal of the pack (shared by every pattern that lists it with the same case handling). */
export interface CompiledTerm {
  readonly id: number;
  readonly text: string;
  readonly caseInsensitive: boolean;
  readonly refs: readonly TermRef[];
  /** Every reference needs token boundaries: a hit failing the raw boundary test can be dropped at once. */
  readonly allTokenBoundary: boolean;
  /** Positions of camel humps (lower → upper) in any spelling of the term (`SkinColor` → [4]). */
  readonly humps: readonly number[];
}

export interface CompiledPattern {
  readonly index: number;
  readonly ruleIndex: number;
  readonly ruleId: string;
  readonly messageId: string;
  readonly where: CompiledWhere;
}

export interface CompiledRulePack {
  readonly rules: readonly Rule[];
  /** From compileNeedles over all terms; needle.termId indexes `terms`. */
  readonly needles: readonly Needle[];
  /** sha256 hex over the canonical rule content (sorted by id; origins left out). */
  readonly hash: string;
  readonly terms: readonly CompiledTerm[];
  readonly patterns: readonly CompiledPattern[];
}

/** JSON with object keys sorted, so the hash does not depend on the order fields were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const RULE_FORMAT_VERSION = "custodiet-rules/1";

export function rulePackHash(rules: readonly Rule[]): string {
  const sorted = [...rules]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((rule) => Object.fromEntries(Object.entries(rule).filter(([key]) => key !== "origin")));
  return createHash("sha256")
    .update(canonicalJson({ format: RULE_FORMAT_VERSION, rules: sorted }))
    .digest("hex");
}

/** The patterns of a validated rule (the model keeps them opaque). */
export function patternsOf(rule: Rule): readonly PatternSpec[] {
  return rule.patterns as readonly PatternSpec[];
}

/**
 * Every pattern of the pack in order. Its `where` clause is compiled into matchers when first read: the
 * bundled pack's clauses hold ~4,000 words (~25 ms to tokenize before the JIT warms up), and a scan reads
 * only the clauses of patterns it has hits for. The result is the same either way.
 */
function compilePatterns(rules: readonly Rule[]): CompiledPattern[] {
  const patterns: CompiledPattern[] = [];
  rules.forEach((rule, ruleIndex) => {
    for (const spec of patternsOf(rule)) {
      const pattern = { index: patterns.length, ruleIndex, ruleId: rule.id, messageId: spec.message };
      Object.defineProperty(pattern, "where", {
        enumerable: true,
        configurable: true,
        get(): CompiledWhere {
          const where = compileWhere(spec.where);
          Object.defineProperty(pattern, "where", { value: where, enumerable: true, writable: false });
          return where;
        },
      });
      patterns.push(pattern as CompiledPattern);
    }
  });
  return patterns;
}

/**
 * Compiles validated rules: dedupes terms across the pack (same text and case handling → one term),
 * compiles every term into byte needles and every `where` clause into matchers. Deterministic.
 */
export function compileRulePack(rules: readonly Rule[]): CompiledRulePack {
  const termIds = new Map<string, number>();
  const specs: TermSpec[] = [];
  const refs: TermRef[][] = [];
  const humps: Set<number>[] = [];
  let index = 0;
  for (const rule of rules) {
    for (const pattern of patternsOf(rule)) {
      const caseInsensitive = (pattern.case ?? "insensitive") === "insensitive";
      for (const text of new Set(pattern.terms)) {
        const key = `${caseInsensitive ? "i" : "s"}:${caseInsensitive ? text.toLowerCase() : text}`;
        let id = termIds.get(key);
        if (id === undefined) {
          id = specs.length;
          termIds.set(key, id);
          specs.push({ text, caseInsensitive });
          refs.push([]);
          humps.push(new Set());
        }
        for (let at = 1; at < text.length; at++) {
          if (/[a-z]/.test(text.charAt(at - 1)) && /[A-Z]/.test(text.charAt(at))) humps[id]!.add(at);
        }
        const tokenBoundary = (pattern.boundary ?? (hasNonAscii(text) ? "none" : "token")) === "token";
        refs[id]!.push({ pattern: index, tokenBoundary });
      }
      index++;
    }
  }
  const terms: CompiledTerm[] = specs.map((spec, id) => ({
    id,
    text: spec.text,
    caseInsensitive: spec.caseInsensitive,
    refs: refs[id]!,
    allTokenBoundary: refs[id]!.every((ref) => ref.tokenBoundary),
    humps: [...humps[id]!].sort((a, b) => a - b),
  }));
  return assembleRulePack({ rules, needles: compileNeedles(specs), hash: rulePackHash(rules), terms });
}

/** What compileRulePack computes apart from the conditions: what the rule cache keeps. */
export type RulePackParts = Omit<CompiledRulePack, "patterns">;

/**
 * The pack from parts that compileRulePack made for the same rules (kept by the rule cache); only the `where`
 * clauses are compiled again, which is faster than reading their matchers back.
 */
export function assembleRulePack(parts: RulePackParts): CompiledRulePack {
  return { ...parts, patterns: compilePatterns(parts.rules) };
}
