import type { Rule } from "../model/rule.js";
import { buildAutomaton } from "../match/index.js";
import { scanNeedles } from "./scan-needles.js";
import { compileRulePack, type CompiledRulePack } from "../rules/index.js";
import type { ArtifactScanner } from "./scan-artifact.js";
import type { WorkerSetup } from "./task.js";

/** Compiles the rule pack and automaton once per thread. */
export function createArtifactScanner(
  setup: WorkerSetup,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
  compiled?: CompiledRulePack,
): ArtifactScanner {
  const pack = compiled ?? compileRulePack(setup.rules as readonly Rule[]);
  return {
    pack,
    automaton: buildAutomaton(scanNeedles(pack)),
    budgets: setup.budgets,
    chunkSize: setup.chunkSize,
    ...(onBytes ? { onBytes } : {}),
    ...(signal ? { signal } : {}),
  };
}
