import { describe, expect, it } from "vitest";
import { bagHas, compileWhere, listHas, wordBag } from "./conditions.js";

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
    });
    const list = where.nearAny!;
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
      for (const shared of [false, true]) {
        const bag = wordBag(text, 0, text.length, shared);
        for (const [skipStart, skipEnd] of [
          [-1, -1],
          [0, 8],
          [4, text.length],
        ] as const) {
          const expected = list.some((m) => bagHas(bag, m, skipStart, skipEnd));
          expect(listHas(bag, list, skipStart, skipEnd)).toBe(expected);
        }
      }
    }
  });
});
