import { describe, expect, it } from "vitest";
import { seededIntegers } from "../../test/random.js";
import { bagHas, compileWhere, listHas, TokenCache, wordBag } from "./conditions.js";
import { tokenSpans, type TokenSpan } from "./tokenizer.js";

describe("listHas", () => {
  it("answers as testing every entry of the list would, in small and shared bags", () => {
    const where = compileWhere({
      "near-any": [
        "skin color",
        "SkinColor",
        "race",
        "face",
        "人脸",
        "glasses",
        "eye",
        "beard",
        "faces",
        "x",
      ],
      "near-none": ["nothing", "see here", "eyes", "ATTR"],
    });
    // Two lists, so that what a bag's token stretch remembers for one list cannot answer for the other.
    const lists = [where.nearAny!, where.nearNone!];
    const texts = [
      "NET_FACE_ATTR { byRace; bySkinColor; byGlasses } // 人脸属性",
      "skincolors and races of the eyes",
      "nothing to see here",
      "trace embrace racer",
      "the skin color of faces with beards",
      "人脸",
      "",
    ];
    for (const text of texts) {
      const cache = new TokenCache(text);
      for (const [shared, tokens] of [
        [false, undefined],
        [true, undefined],
        [false, cache],
        [false, cache],
      ] as const) {
        const bag = wordBag(text, 0, text.length, shared, tokens);
        for (const [skipStart, skipEnd] of [
          [-1, -1],
          [0, 8],
          [4, text.length],
        ] as const) {
          for (const list of lists) {
            const expected = list.some((m) => bagHas(bag, m, skipStart, skipEnd));
            expect(listHas(bag, list, skipStart, skipEnd)).toBe(expected);
          }
        }
      }
    }
  });
});

describe("TokenCache", () => {
  it("gives the tokens tokenSpans gives for any range, as ranges come and go in any order", () => {
    // A seeded generator over characters that make humps, digits, separators, CJK and U+0130.
    const next = seededIntegers(7);
    const alphabet = ["a", "b", "Z", "R", "9", "0", "_", " ", "\n", "人", "\u0130", "-", "."];
    for (let round = 0; round < 20; round++) {
      let text = "";
      const length = next(400);
      for (let k = 0; k < length; k++) text += alphabet[next(alphabet.length)]!;
      if (round % 5 === 0) text += "x".repeat(300); // a word too long to widen over
      const cache = new TokenCache(text);
      for (let query = 0; query < 60; query++) {
        const from = next(text.length + 1);
        const to = Math.min(text.length, from + next(120));
        const expected = tokenSpans(text, from, to);
        // Spans from the cache carry an id besides: compare what a bag reads of them.
        const plain = (spans: readonly TokenSpan[] | undefined) =>
          spans?.map(({ token, start, end }) => ({ token, start, end }));
        expect(plain(cache.spansIn(from, to)) ?? expected).toEqual(expected);
        const bag = wordBag(text, from, to, false, cache);
        expect(plain(bag.spans)).toEqual(expected);
        expect(bag.lower).toBe(text.slice(from, to).toLowerCase());
        expect(bag.offset).toBe(from);
      }
    }
  });
});
