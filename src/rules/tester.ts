import type { Encoding } from "../model/encoding.js";
import type { Hit } from "../model/hit.js";
import type { Rule, RuleSample } from "../model/rule.js";
import { buildAutomaton, StreamMatcher, type Automaton } from "../match/automaton.js";
import { encodeTerm } from "../match/needles.js";
import { analyzeBytes, type Detection, type RejectListener, type Rejection } from "../analyze/analyzer.js";
import type { CompiledRulePack } from "./compile.js";

export interface SampleResult {
  readonly side: "match" | "no-match";
  /** 0-based position of the sample in its list. */
  readonly index: number;
  readonly name?: string;
  readonly encoding: Encoding;
  readonly passed: boolean;
  /** Why it failed (absent when it passed). */
  readonly reason?: string;
}

export interface RuleTestResult {
  readonly ruleId: string;
  readonly file: string;
  readonly passed: boolean;
  readonly samples: readonly SampleResult[];
}

export interface RuleTestReport {
  readonly rules: readonly RuleTestResult[];
  /** Rules whose samples all passed / rules with at least one failing sample. */
  readonly passed: number;
  readonly failed: number;
  readonly samplesPassed: number;
  readonly samplesFailed: number;
}

const automata = new WeakMap<CompiledRulePack, Automaton>();

function automatonOf(pack: CompiledRulePack): Automaton {
  let automaton = automata.get(pack);
  if (automaton === undefined) {
    automaton = buildAutomaton(pack.needles);
    automata.set(pack, automaton);
  }
  return automaton;
}

/** Scans bytes with the real matcher and analyzer; returns every detection (all rules of the pack). */
export function scanBytes(bytes: Uint8Array, pack: CompiledRulePack, onReject?: RejectListener): Detection[] {
  return analyzeBytes(rawHits(bytes, pack), bytes, pack, onReject);
}

/** The raw hits of the pack's needles in the bytes, before any analysis. */
export function rawHits(bytes: Uint8Array, pack: CompiledRulePack): Hit[] {
  const automaton = automatonOf(pack);
  const hits: Hit[] = [];
  new StreamMatcher(automaton).push(bytes, (needleId, offset) => {
    const needle = automaton.needles[needleId]!;
    hits.push({
      needleId,
      termId: needle.termId,
      encoding: needle.encodings[0]!,
      offset,
      length: needle.bytes.length,
    });
  });
  return hits;
}

/** Why the hits of a rule's terms were rejected, at most three distinct reasons. */
function explain(rejections: readonly Rejection[]): string {
  if (rejections.length === 0) return " (no term of the rule occurs in the sample in this encoding)";
  const reasons = [...new Set(rejections.map((r) => `"${r.term}" at byte ${r.offset}: ${r.reason}`))];
  const shown = reasons.slice(0, 3).join("; ");
  return ` (${shown}${reasons.length > 3 ? `; and ${reasons.length - 3} more` : ""})`;
}

function describe(detection: Detection): string {
  const scope = detection.scope
    ? ` in ${detection.scope.kind}${detection.scope.name ? ` ${detection.scope.name}` : ""}`
    : "";
  return `"${detection.match}" at byte ${detection.offset} (${detection.encoding}, message ${detection.messageId}${scope})`;
}

function runSample(
  rule: Rule,
  sample: RuleSample,
  side: "match" | "no-match",
  index: number,
  pack: CompiledRulePack,
): SampleResult {
  const encoding = sample.encoding ?? "utf-8";
  const base = { side, index, ...(sample.name === undefined ? {} : { name: sample.name }), encoding };
  const bytes = encodeTerm(sample.text, encoding);
  if (bytes === undefined)
    return { ...base, passed: false, reason: `the text cannot be written in ${encoding}` };
  const rejections: Rejection[] = [];
  const mine = scanBytes(bytes, pack, (rejection) => {
    if (rejection.ruleId === rule.id) rejections.push(rejection);
  }).filter((detection) => detection.ruleId === rule.id);
  if (side === "match") {
    if (mine.length > 0) return { ...base, passed: true };
    return { ...base, passed: false, reason: `expected a match, found none${explain(rejections)}` };
  }
  if (mine.length === 0) return { ...base, passed: true };
  return { ...base, passed: false, reason: `expected no match, found ${mine.map(describe).join("; ")}` };
}

/**
 * Runs every inline sample of every rule (encoded in its named encoding) through the real matcher and
 * analyzer of the whole pack. A `match` sample passes when the rule detects something in it, a `no-match`
 * sample when it detects nothing.
 */
export function testRules(pack: CompiledRulePack): RuleTestReport {
  const rules: RuleTestResult[] = [];
  let samplesPassed = 0;
  let samplesFailed = 0;
  for (const rule of pack.rules) {
    const samples = [
      ...rule.tests.match.map((sample, index) => runSample(rule, sample, "match", index, pack)),
      ...rule.tests.noMatch.map((sample, index) => runSample(rule, sample, "no-match", index, pack)),
    ];
    for (const sample of samples) {
      if (sample.passed) samplesPassed++;
      else samplesFailed++;
    }
    rules.push({ ruleId: rule.id, file: rule.origin.file, passed: samples.every((s) => s.passed), samples });
  }
  const passed = rules.filter((rule) => rule.passed).length;
  return { rules, passed, failed: rules.length - passed, samplesPassed, samplesFailed };
}
