import { basename, extname } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRulePack } from "../../src/rules/loader.js";
import { testRules } from "../../src/rules/tester.js";

/** The meta-test of the bundled pack: every rule has docs, samples on both sides, an id equal to its file name, and passes its samples. */
const pack = await loadRulePack({ builtin: true });
const report = testRules(pack);

describe("bundled rule pack", () => {
  it("loads (an empty pack is valid)", () => {
    expect(pack.rules.length).toBe(report.rules.length);
  });

  for (const rule of pack.rules) {
    describe(rule.id, () => {
      it("has docs, references and samples on both sides", () => {
        expect(rule.title.trim()).not.toBe("");
        expect(rule.description.trim().length).toBeGreaterThan(20);
        expect(rule.references.length).toBeGreaterThan(0);
        expect(rule.tests.match.length).toBeGreaterThan(0);
        expect(rule.tests.noMatch.length).toBeGreaterThan(0);
      });

      it("has an id equal to its file name", () => {
        expect(basename(rule.origin.file, extname(rule.origin.file))).toBe(rule.id);
      });

      it("passes its inline samples", () => {
        const result = report.rules.find((r) => r.ruleId === rule.id)!;
        const failures = result.samples
          .filter((sample) => !sample.passed)
          .map((s) => `${s.side}[${s.index}]${s.name === undefined ? "" : ` ${s.name}`}: ${s.reason ?? ""}`);
        expect(failures).toEqual([]);
      });
    });
  }
});
