import type { Needle } from "../match/index.js";
import type { CompiledRulePack } from "../rules/index.js";

/**
 * The needles one scan pass streams every artifact through: the rule pack's needles (ids 0..n-1, as
 * compiled). Kept in one place so every thread builds the same automaton.
 */
export function scanNeedles(pack: CompiledRulePack): readonly Needle[] {
  return pack.needles;
}
