import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { ENCODINGS, type Encoding } from "../model/encoding.js";
import { compileNeedles, encodeTerm } from "./needles.js";

/** The reference: iconv-lite both ways, undefined when the text does not come back unchanged. */
function roundTrip(text: string, encoding: Encoding): number[] | undefined {
  const bytes = iconv.encode(text, encoding, { addBOM: false });
  return iconv.decode(bytes, encoding, { stripBOM: false }) === text ? [...bytes] : undefined;
}

/** Strings that exercise every fast path and its edges: ASCII (all 128), CJK, emoji, BOM, lone surrogates. */
function samples(): string[] {
  const list = [
    "",
    "\ufeff",
    "\ufeffabc",
    "\ud800",
    "a\udc00b",
    "x\ud83d",
    "😀",
    "a😀b",
    "维族",
    "€",
    "\x80",
    "ÿ",
  ];
  for (let code = 0; code < 0x80; code++)
    list.push(String.fromCharCode(code), `Ab${String.fromCharCode(code)}`);
  // A fixed pseudo-random mix of code units from several ranges.
  const ranges = [
    [0x20, 0x7f],
    [0x80, 0x800],
    [0x4e00, 0x9fff],
    [0xd800, 0xe000],
    [0xe000, 0x10000],
  ] as const;
  let seed = 7;
  const next = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % limit;
  };
  for (let index = 0; index < 2000; index++) {
    let text = "";
    for (let length = 1 + next(5); length > 0; length--) {
      const [from, to] = ranges[next(ranges.length)]!;
      text += String.fromCharCode(from + next(to - from));
    }
    list.push(text);
  }
  return list;
}

describe("encodeTerm", () => {
  it("gives iconv-lite's round-trip result in every encoding", () => {
    for (const text of samples())
      for (const encoding of ENCODINGS) {
        const bytes = encodeTerm(text, encoding);
        expect(
          bytes === undefined ? undefined : [...bytes],
          `${JSON.stringify(text)} in ${encoding}`,
        ).toEqual(roundTrip(text, encoding));
      }
  });
});

describe("compileNeedles", () => {
  it("marks exactly the bytes of the term's ASCII letters for folding, in every encoding", () => {
    // Big5 and GB18030 trail bytes can be letter values (人 is A4 48 in Big5): those must stay unmarked.
    const text = "Race人种x";
    const needles = compileNeedles([{ text, caseInsensitive: true }]);
    for (const needle of needles) {
      const encoding = needle.encodings[0]!;
      const expected: number[] = [];
      for (const char of text) {
        const width = roundTrip(char, encoding)!.length;
        const mark = /[a-z]/i.test(char) ? (encoding === "utf-16be" ? 1 : 0) : -1;
        for (let index = 0; index < width; index++) expected.push(index === mark ? 1 : 0);
      }
      expect([...needle.bytes]).toEqual(roundTrip(text, encoding));
      expect([...needle.foldMask], encoding).toEqual(expected);
    }
    expect(needles.flatMap((needle) => needle.encodings).sort()).toEqual([...ENCODINGS].sort());
  });

  it("marks nothing for case-sensitive terms", () => {
    for (const needle of compileNeedles([{ text: "byRace", caseInsensitive: false }]))
      expect(needle.foldMask.every((bit) => bit === 0)).toBe(true);
  });
});
