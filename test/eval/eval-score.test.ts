import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import type { Basis, Category } from "../../src/model/rule.js";
import type { EvalFile } from "../../scripts/build-eval-corpus.mjs";
import { scoreSplit } from "../../scripts/eval.mjs";

/** Only the fields the scorer reads; the rest of a Finding does not matter here. */
function finding(ruleId: string, category: Category, basis: Basis): Finding {
  return { ruleId, category, basis, match: "x", offset: 0, encoding: "utf-8" } as unknown as Finding;
}

const files: EvalFile[] = [
  {
    path: "dev/a.h",
    split: "dev",
    note: "",
    expected: [
      { category: "race", basis: "inferred", term: "byRace" },
      { category: "ethnicity", basis: "reserved", term: "byEthnic" },
    ],
  },
  { path: "dev/b.c", split: "dev", note: "", expected: [] },
  {
    path: "dev/c.py",
    split: "dev",
    note: "",
    expected: [{ category: "race", basis: "inferred", term: "race" }],
  },
];

describe("eval scoring", () => {
  it("counts pairs per file: found, missed, false (wrong basis or negative firing)", () => {
    const result = scoreSplit(
      "dev",
      files,
      new Map([
        [
          "dev/a.h",
          [
            finding("r-race", "race", "inferred"),
            finding("r-race", "race", "inferred"),
            finding("r-eth", "ethnicity", "inferred"),
          ],
        ],
        ["dev/b.c", [finding("r-race", "race", "inferred")]],
      ]),
      [],
    );
    expect(result.summary).toMatchObject({
      expectedPairs: 3,
      foundPairs: 1,
      missedPairs: 2,
      falsePairs: 2,
      negativesFiring: 1,
      positivesWithWrongPairs: 1,
      findings: 4,
    });
    expect(result.summary.precision).toBeCloseTo(1 / 3);
    expect(result.summary.recall).toBeCloseTo(1 / 3);
    expect(result.perRule.get("r-race")).toMatchObject({ truePositives: 2, falsePositives: 1 });
    expect(result.perRule.get("r-eth")).toMatchObject({
      truePositives: 0,
      falsePositives: 1,
      bases: { inferred: 1 },
    });
    expect(result.perCategory.get("race")).toMatchObject({
      expected: 2,
      found: 1,
      missed: 1,
      falsePositives: 1,
    });
    expect(result.perCategory.get("ethnicity")).toMatchObject({
      expected: 1,
      found: 0,
      missed: 1,
      falsePositives: 1,
    });
    expect(result.perFile.find((f) => f.path === "dev/c.py")?.misses).toEqual([
      { category: "race", basis: "inferred", term: "race" },
    ]);
  });

  it("is perfect when every expected pair is found and nothing else fires", () => {
    const result = scoreSplit(
      "dev",
      files,
      new Map([
        ["dev/a.h", [finding("r-race", "race", "inferred"), finding("r-res", "ethnicity", "reserved")]],
        ["dev/c.py", [finding("r-race", "race", "inferred")]],
      ]),
      [],
    );
    expect(result.summary).toMatchObject({ missedPairs: 0, falsePairs: 0, precision: 1, recall: 1 });
  });

  it("tolerates optional pairs without requiring them", () => {
    const ambiguous: EvalFile = {
      path: "dev/d.md",
      split: "dev",
      note: "",
      expected: [{ category: "ethnicity", basis: "inferred", term: "ethnicity" }],
      optional: [{ category: "race", basis: "inferred", term: "人种" }],
    };
    const withBoth = scoreSplit(
      "dev",
      [ambiguous],
      new Map([
        ["dev/d.md", [finding("r-eth", "ethnicity", "inferred"), finding("r-race", "race", "inferred")]],
      ]),
      [],
    );
    expect(withBoth.summary).toMatchObject({ expectedPairs: 1, foundPairs: 1, falsePairs: 0 });
    const onlyOptional = scoreSplit(
      "dev",
      [ambiguous],
      new Map([["dev/d.md", [finding("r-race", "race", "inferred")]]]),
      [],
    );
    expect(onlyOptional.summary).toMatchObject({
      expectedPairs: 1,
      foundPairs: 0,
      missedPairs: 1,
      falsePairs: 0,
    });
  });
});
