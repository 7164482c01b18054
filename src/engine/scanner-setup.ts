import type { Rule } from "../model/rule.js";
import type { Automaton } from "../match/automaton.js";
import { compileRulePack, type CompiledRulePack } from "../rules/compile.js";
import { packCache } from "../rules/rule-cache.js";
import { cachedAutomaton } from "./automaton-cache.js";
import { scanNeedles } from "./scan-needles.js";
import type { ArtifactScanner } from "./scan-artifact.js";
import type { ScanSetup, WorkerSetup } from "./task.js";

/** Automata already built in this thread, by pack: a program that scans again with one pack builds once. */
const built = new WeakMap<CompiledRulePack, Automaton>();

/**
 * Compiles the rule pack (unless the caller already has it) and builds the automaton, once per scan. A pack
 * loaded with a cache folder finds its automaton there when it was built before.
 */
export function compileScanSetup(setup: WorkerSetup, compiled?: CompiledRulePack): ScanSetup {
  const pack = compiled ?? compileRulePack(setup.rules as readonly Rule[]);
  let automaton = built.get(pack);
  if (automaton === undefined) {
    const cache = packCache(pack);
    automaton = cachedAutomaton(
      scanNeedles(pack),
      cache?.directory,
      cache && { key: cache.key, needles: pack.needles },
    );
    built.set(pack, automaton);
  }
  return {
    pack,
    automaton,
    budgets: setup.budgets,
    chunkSize: setup.chunkSize,
    hashThread: setup.hashThread ?? false,
  };
}

/** A scanner over an already built setup (in this thread or, received from it, in a worker). */
export function createArtifactScanner(
  setup: ScanSetup,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
): ArtifactScanner {
  return {
    pack: setup.pack,
    automaton: setup.automaton,
    budgets: setup.budgets,
    chunkSize: setup.chunkSize,
    ...(onBytes ? { onBytes } : {}),
    ...(signal ? { signal } : {}),
  };
}
