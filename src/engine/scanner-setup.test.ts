import { describe, expect, it } from "vitest";
import { shareAutomaton } from "../match/automaton.js";
import { assembleRulePack } from "../rules/compile.js";
import { loadRulePack } from "../rules/loader.js";
import { DEFAULT_BUDGETS } from "../extract/registry.js";
import { compileScanSetup } from "./scanner-setup.js";
import { scanNeedles } from "./scan-needles.js";

describe("compileScanSetup", () => {
  it("builds what a worker receives by structured clone, unchanged by the trip", async () => {
    const pack = await loadRulePack();
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 }, pack);
    expect(setup.automaton.needles).toEqual(scanNeedles(pack));
    // What the pool posts: the pack without its patterns, the automaton in shared memory.
    const { rules, needles, hash, terms } = pack;
    const received = structuredClone({
      ...setup,
      pack: { rules, needles, hash, terms },
      automaton: shareAutomaton(setup.automaton),
    });
    expect(assembleRulePack(received.pack)).toEqual(pack);
    expect(received.automaton.transitions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...received.automaton.transitions]).toEqual([...setup.automaton.transitions]);
    expect(received.automaton.needles).toEqual(setup.automaton.needles);
    expect(received.budgets).toEqual(DEFAULT_BUDGETS);
  });

  it("compiles the rules itself when given no pack", async () => {
    const pack = await loadRulePack();
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 });
    expect(setup.pack.hash).toBe(pack.hash);
    expect(setup.pack.needles).toEqual(pack.needles);
  });
});
