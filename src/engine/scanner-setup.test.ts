import { describe, expect, it } from "vitest";
import { shareAutomaton } from "../match/automaton.js";
import { loadRulePack } from "../rules/loader.js";
import { DEFAULT_BUDGETS } from "../extract/registry.js";
import { compileScanSetup } from "./scanner-setup.js";
import { scanNeedles } from "./scan-needles.js";

describe("compileScanSetup", () => {
  it("builds what a worker receives by structured clone, unchanged by the trip", async () => {
    const pack = await loadRulePack();
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 }, pack);
    expect(setup.automaton.needles).toEqual(scanNeedles(pack));
    const posted = { ...setup, automaton: shareAutomaton(setup.automaton) };
    const received = structuredClone(posted);
    expect(received.pack).toEqual(pack);
    expect(received.automaton.transitions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...received.automaton.transitions]).toEqual([...setup.automaton.transitions]);
    expect(received.budgets).toEqual(DEFAULT_BUDGETS);
  });

  it("compiles the rules itself when given no pack", async () => {
    const pack = await loadRulePack();
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 });
    expect(setup.pack.hash).toBe(pack.hash);
    expect(setup.pack.needles).toEqual(pack.needles);
  });
});
