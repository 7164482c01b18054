import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import iconv from "iconv-lite";
import { describe, expect, it, vi } from "vitest";
import type { Encoding } from "../model/encoding.js";
import {
  CharsetWalks,
  charIndexAt,
  decodedPlausibility,
  decodeWindow,
  DOUBLE_BYTE_TABLES_FILE,
  plausibility,
  sniffAsciiCompatible,
  syncPoint,
  utf8SequenceCounts,
  windowExtent,
  type DecodedWindow,
} from "./window.js";
import { seededBytes, seededIntegers } from "../../test/random.js";

describe("decodeWindow", () => {
  it("starts and ends where windowExtent says, without decoding, in every encoding", () => {
    const next = seededIntegers(7);
    const encodings: Encoding[] = ["utf-8", "gb18030", "big5", "utf-16le", "utf-16be"];
    for (let round = 0; round < 300; round++) {
      // Random bytes, text in each encoding and runs of ASCII, so that characters are cut at both ends.
      const text = iconv.encode("维族 EM_RACE 種族 skin 😀 ", encodings[round % 5]!);
      const bytes = new Uint8Array(
        Buffer.concat([seededBytes(round, next(64)), text, seededBytes(round + 1000, next(64))]),
      );
      const base = next(3) === 0 ? 0 : 1000 + next(5000);
      for (const encoding of encodings) {
        // Within the bytes in memory, as the analyzer asks (before the artifact's start when base is 0).
        const from = base === 0 ? next(bytes.length) - 8 : base + next(bytes.length);
        const to = Math.max(from, base) + next(base + bytes.length - Math.max(from, base) + 1);
        const anchor = Math.max(from, base) + next(Math.max(1, to - Math.max(from, base)));
        const window = decodeWindow(bytes, base, encoding, from, to, anchor);
        expect(windowExtent(bytes, base, encoding, from, to, anchor), `${encoding} round ${round}`).toEqual({
          start: window.start,
          end: window.end,
        });
      }
    }
  });

  it("starts at the artifact's first byte in GB18030 even with no separator before the hit", () => {
    const bytes = new Uint8Array(iconv.encode("EM_NATION_TYPE_UYGUR, // 维族(新疆)", "gb18030"));
    const window = decodeWindow(bytes, 0, "gb18030", 0, bytes.length, 15);
    expect(window.start).toBe(0);
    expect(window.text).toBe("EM_NATION_TYPE_UYGUR, // 维族(新疆)");
  });

  it("inside a file, resynchronises after a byte that cannot be a trail byte", () => {
    const bytes = new Uint8Array(iconv.encode("维族 EM_RACE", "gb18030"));
    // Starting in the middle of 维 (its trail byte) must not invent a character.
    const window = decodeWindow(bytes, 100, "gb18030", 101, 100 + bytes.length, 106);
    expect(window.text).toBe("EM_RACE");
    expect(window.start).toBe(105);
  });
});

/** The straightforward decoder (one iconv call per double-byte character) that decodeWindow must agree with. */
function referenceDecode(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor: number,
): { text: string; start: number; end: number; byteAt: number[] } {
  const lowest = Math.max(base, from);
  const limit = Math.min(base + bytes.length, to) - base;
  let at =
    lowest === 0 && (encoding === "gb18030" || encoding === "big5")
      ? lowest - base
      : syncPoint(encoding, bytes, lowest - base, Math.max(lowest, Math.min(anchor, to)) - base);
  const start = at + base;
  let text = "";
  const byteAt: number[] = [];
  while (at < limit) {
    let size = 1;
    const lead = bytes[at]!;
    if (encoding === "utf-16le" || encoding === "utf-16be") {
      if (at + 2 > limit) break;
      size = 2;
      const pair = bytes.subarray(at, at + 2);
      text += String.fromCharCode(
        encoding === "utf-16le" ? pair[0]! | (pair[1]! << 8) : (pair[0]! << 8) | pair[1]!,
      );
      byteAt.push(at + base);
    } else {
      size = characterLength(encoding, bytes, at, limit);
      const piece =
        lead < 0x80
          ? String.fromCharCode(lead)
          : size === 1
            ? "\ufffd"
            : iconv.decode(Buffer.from(bytes.subarray(at, at + size)), encoding);
      text += piece;
      for (let k = 0; k < piece.length; k++) byteAt.push(at + base);
    }
    at += size;
  }
  byteAt.push(at + base);
  return { text, start, end: at + base, byteAt };
}

/** Character lengths written out from the encodings' definitions. */
function characterLength(encoding: Encoding, bytes: Uint8Array, at: number, limit: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return 1;
  if (encoding === "utf-8") {
    const want =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (want === 0 || at + want > limit) return 1;
    for (let k = 1; k < want; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return 1;
    const second = bytes[at + 1]!;
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f)) return 1;
    if ((lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return 1;
    return want;
  }
  if (lead === 0x80 || lead === 0xff || at + 1 >= limit) return 1;
  const second = bytes[at + 1]!;
  if (encoding === "big5")
    return (second >= 0x40 && second <= 0x7e) || (second >= 0xa1 && second <= 0xfe) ? 2 : 1;
  if (second >= 0x30 && second <= 0x39) {
    if (at + 3 >= limit) return 1;
    return bytes[at + 2]! >= 0x81 &&
      bytes[at + 2]! <= 0xfe &&
      bytes[at + 3]! >= 0x30 &&
      bytes[at + 3]! <= 0x39
      ? 4
      : 1;
  }
  return second >= 0x40 && second <= 0xfe && second !== 0x7f ? 2 : 1;
}

/** charIndexAt for every offset from two before the window to two after it. */
function indicesOf(window: DecodedWindow): (number | undefined)[] {
  const indices: (number | undefined)[] = [];
  for (let offset = window.start - 2; offset <= window.end + 2; offset++)
    indices.push(charIndexAt(window, offset));
  return indices;
}

/** What indicesOf should give, from the reference decoder's byte offsets. */
function expectedIndices(window: DecodedWindow, byteAt: readonly number[]): (number | undefined)[] {
  const indices: (number | undefined)[] = [];
  for (let offset = window.start - 2; offset <= window.end + 2; offset++) {
    const index = firstIndexOf(byteAt, offset);
    indices.push(index === -1 ? undefined : index);
  }
  return indices;
}

/** The first index of `offset` in the ascending list (-1 when absent). */
function firstIndexOf(list: readonly number[], offset: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  return list[low] === offset ? low : -1;
}

/** Deterministic pseudo-random bytes: text in the encoding mixed with binary noise. */
function mixedBytes(seed: number, encoding: Encoding): Uint8Array {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 8;
  };
  const parts: Uint8Array[] = [];
  const texts = [
    "EM_NATION_TYPE_UYGUR, // 维族(新疆) ",
    "膚色 黃種人 ",
    'race: "white", 😀 ',
    "typedef enum { A, B } X;\n",
    // Characters of different lengths side by side (runs of one shape in the wide table).
    "é维😀😀维维éé人",
  ];
  const iconvName = encoding === "utf-16le" ? "utf16le" : encoding === "utf-16be" ? "utf16be" : encoding;
  for (let k = 0; k < 40; k++) {
    if (next() % 2 === 0) parts.push(new Uint8Array(iconv.encode(texts[next() % texts.length]!, iconvName)));
    else parts.push(Uint8Array.from({ length: 1 + (next() % 64) }, () => next() & 0xff));
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe("decodeWindow agrees with a straightforward decoder", () => {
  it("on valid UTF-8 text with characters of every length, cut anywhere", () => {
    const bytes = new Uint8Array(Buffer.from("ab 维族(新疆) 😀 é\u0000 x".repeat(20), "utf8"));
    for (let cut = 0; cut < 12; cut++) {
      const window = decodeWindow(bytes, 7, "utf-8", 7 + cut, 7 + bytes.length - cut, 7 + 40);
      const expected = referenceDecode(bytes, 7, "utf-8", 7 + cut, 7 + bytes.length - cut, 7 + 40);
      expect(window.text).toBe(expected.text);
      expect([window.start, window.end]).toEqual([expected.start, expected.end]);
      expect(indicesOf(window)).toEqual(expectedIndices(window, expected.byteAt));
    }
  });

  it("maps characters to bytes without a table when every character is one byte", () => {
    const bytes = new Uint8Array(
      Buffer.from("typedef enum { EM_RACE_ASIAN, EM_RACE_WHITE } EM_RACE;\n\u0000\u00ff", "latin1"),
    );
    for (const encoding of ["utf-8", "gb18030", "big5"] as const) {
      const window = decodeWindow(bytes, 50, encoding, 40, 50 + bytes.length, 60);
      const expected = referenceDecode(bytes, 50, encoding, 40, 50 + bytes.length, 60);
      expect(window.text).toBe(expected.text);
      expect(window.wide).toBeUndefined();
      for (let offset = 45; offset <= 50 + bytes.length + 2; offset++) {
        const index = firstIndexOf(expected.byteAt, offset);
        expect(charIndexAt(window, offset)).toBe(index === -1 ? undefined : index);
      }
    }
  });

  const encodings: Encoding[] = ["utf-8", "gb18030", "big5", "utf-16le", "utf-16be"];
  for (const encoding of encodings) {
    it(`on mixed text and noise in ${encoding}`, () => {
      for (let seed = 1; seed <= 60; seed++) {
        const bytes = mixedBytes(seed, encoding);
        const base = seed % 3 === 0 ? 0 : 1000 * seed;
        const from = base + (seed % 17) - 8;
        const to = base + bytes.length - (seed % 23) + 5;
        const anchor = base + ((seed * 131) % bytes.length);
        const window = decodeWindow(bytes, base, encoding, from, to, anchor);
        const expected = referenceDecode(bytes, base, encoding, from, to, anchor);
        expect(window.text).toBe(expected.text);
        expect([window.start, window.end]).toEqual([expected.start, expected.end]);
        expect(indicesOf(window)).toEqual(expectedIndices(window, expected.byteAt));
      }
    });
  }
});

/** The scoring as first written: per code point, common Han characters looked up as strings. */
function referencePlausibility(text: string): number {
  const common = new Set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所",
  );
  let score = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0xfffd) score -= 4;
    else if (code >= 0x20 && code < 0x7f) score += 1;
    else if (code === 0x09 || code === 0x0a || code === 0x0d) score += 1;
    else if (common.has(char)) score += 3;
    else if (code >= 0x4e00 && code <= 0x9fff) score += 0;
    else if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef)) score += 1;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xe000 && code <= 0xf8ff)) score -= 1;
    else if (code >= 0xd800 && code <= 0xdfff) score -= 2;
  }
  return score;
}

describe("plausibility", () => {
  it("scores per code point: surrogate pairs count once, lone surrogates against", () => {
    const samples = [
      "的是在 abc\t",
      "\ud83d\ude00\ud83d x \ude00\ud800",
      "\ufffd\u0001\u0085\ue000 。ａ 鿿",
      "",
      "\ud800",
    ];
    for (const text of samples) expect(plausibility(text)).toBe(referencePlausibility(text));
  });
});

describe("decodedPlausibility", () => {
  it("scores bytes as plausibility scores their decoding", () => {
    for (const encoding of ["gb18030", "big5", "utf-8"] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const bytes = mixedBytes(seed, encoding);
        const anchor = (seed * 37) % bytes.length;
        const expected = plausibility(
          decodeWindow(bytes, 0, encoding, seed, bytes.length - seed, anchor).text,
        );
        expect(decodedPlausibility(bytes, 0, encoding, seed, bytes.length - seed, anchor)).toBe(expected);
      }
    }
  });

  it("scores every two-byte character, and four-byte GB18030 ones, as their decoding", () => {
    for (const encoding of ["gb18030", "big5"] as const) {
      for (let lead = 0x81; lead <= 0xfe; lead++) {
        // Each pair of the row after an ASCII letter, and a four-byte sequence with this lead.
        const parts: number[] = [];
        for (let trail = 0x40; trail <= 0xfe; trail++) parts.push(0x61, lead, trail);
        parts.push(lead, 0x31, 0x81 + (lead % 0x7e), 0x30 + (lead % 10), 0x20);
        const bytes = Uint8Array.from(parts);
        const expected = plausibility(decodeWindow(bytes, 0, encoding, 0, bytes.length, 0).text);
        expect(decodedPlausibility(bytes, 0, encoding, 0, bytes.length, 0), `${encoding} row ${lead}`).toBe(
          expected,
        );
      }
    }
  });
});

describe("double-byte tables", () => {
  it("decode every two-byte GB18030 and Big5 character as iconv-lite decodes it alone", () => {
    for (const encoding of ["gb18030", "big5"] as const) {
      const actual: string[] = [];
      const expected: string[] = [];
      for (let lead = 0x81; lead <= 0xfe; lead++) {
        for (let trail = 0x40; trail <= 0xfe; trail++) {
          const pair = Uint8Array.of(lead, trail);
          const window = decodeWindow(pair, 0, encoding, 0, 2, 0);
          const isPair = encoding === "gb18030" ? trail !== 0x7f : trail <= 0x7e || trail >= 0xa1; // the trail bytes charLength accepts
          if (!isPair) continue;
          actual.push(window.text);
          expected.push(iconv.decode(Buffer.from(pair), encoding));
        }
      }
      expect(actual.length).toBeGreaterThan(15_000);
      expect(actual).toEqual(expected);
    }
  });

  /** A fresh copy of this module (empty tables), as a scanning thread starts with. */
  const freshWindow = async (): Promise<typeof import("./window.js")> => {
    vi.resetModules();
    return import("./window.js");
  };
  /** Every two-byte sequence charLength takes for a character, decoded one by one, and as iconv-lite does. */
  const everyPair = (window: typeof import("./window.js")): { actual: string[]; expected: string[] } => {
    const actual: string[] = [];
    const expected: string[] = [];
    for (const encoding of ["gb18030", "big5"] as const) {
      for (let lead = 0x81; lead <= 0xfe; lead++) {
        for (let trail = 0x40; trail <= 0xfe; trail++) {
          if (encoding === "gb18030" ? trail === 0x7f : trail > 0x7e && trail < 0xa1) continue;
          const pair = Uint8Array.of(lead, trail);
          actual.push(window.decodeWindow(pair, 0, encoding, 0, 2, 0).text);
          expected.push(iconv.decode(Buffer.from(pair), encoding));
        }
      }
    }
    return { actual, expected };
  };

  it("read from the file the build writes, decode every pair as iconv-lite does", async () => {
    const built = readFileSync(new URL(`../../dist/analyze/${DOUBLE_BYTE_TABLES_FILE}`, import.meta.url));
    const window = await freshWindow();
    expect(window.mergeDoubleByteTables(built)).toBe(true);
    const { actual, expected } = everyPair(window);
    expect(actual.length).toBeGreaterThan(30_000);
    expect(actual).toEqual(expected);
    // Every four-byte GB18030 sequence, each on a line of its own.
    const lines: number[] = [];
    for (let b1 = 0x81; b1 <= 0xfe; b1++)
      for (let b2 = 0x30; b2 <= 0x39; b2++)
        for (let b3 = 0x81; b3 <= 0xfe; b3++)
          for (let b4 = 0x30; b4 <= 0x39; b4++) lines.push(b1, b2, b3, b4, 0x0a);
    const four = Uint8Array.from(lines);
    // From the file's runs alone, without asking iconv-lite.
    const asked = vi.spyOn(iconv, "decode");
    const decoded = window.decodeWindow(four, 0, "gb18030", 0, four.length, 0).text;
    expect(asked).not.toHaveBeenCalled();
    asked.mockRestore();
    expect(decoded.split("\n")).toHaveLength(126 * 10 * 126 * 10 + 1);
    expect(decoded === iconv.decode(Buffer.from(four), "gb18030")).toBe(true);
    expect(window.decodeWhole(Uint8Array.of(0x81, 0x35, 0xf4, 0x37, 0x90, 0x30, 0x81, 0x30), "gb18030")).toBe(
      "\ue7c7\u{10000}",
    );
  });

  it("merged into tables that already know some pairs, keep those and add the rest", async () => {
    const file = (await freshWindow()).encodeDoubleByteTables();
    const window = await freshWindow();
    // Rows filled from iconv-lite first, and a pair charLength never takes (remembered as it decodes alone).
    window.decodeWindow(new Uint8Array(iconv.encode("维族(新疆) 維吾爾", "gb18030")), 0, "gb18030", 0, 17, 0);
    window.decodeWindow(new Uint8Array(iconv.encode("維吾爾", "big5")), 0, "big5", 0, 6, 0);
    expect(window.mergeDoubleByteTables(file)).toBe(true);
    const { actual, expected } = everyPair(window);
    expect(actual).toEqual(expected);
  });

  it("are not taken from a file made for another iconv-lite or another layout", async () => {
    const window = await freshWindow();
    const file = window.encodeDoubleByteTables();
    const header = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
    const version = header.indexOf("iconv-lite@");
    expect(version).toBeGreaterThan(0);
    const otherVersion = Uint8Array.from(file);
    otherVersion[version + "iconv-lite@".length] = "9".charCodeAt(0);
    const fresh = await freshWindow();
    expect(fresh.mergeDoubleByteTables(otherVersion)).toBe(false);
    expect(fresh.mergeDoubleByteTables(file.subarray(0, file.length - 1))).toBe(false);
    expect(fresh.mergeDoubleByteTables(new Uint8Array(3))).toBe(false);
    const badHeader = Uint8Array.from(file);
    badHeader[4] = "x".charCodeAt(0);
    expect(fresh.mergeDoubleByteTables(badHeader)).toBe(false);
    // Nothing was merged: the pairs still decode as iconv-lite decodes them, filled row by row.
    const { actual, expected } = everyPair(fresh);
    expect(actual).toEqual(expected);
  });
});

/** utf8SequenceCounts written plainly: a lead byte's sequence counts as valid when node's isUtf8 says so. */
function referenceUtf8Counts(bytes: Uint8Array, begin: number, end: number) {
  let valid = 0;
  let invalid = 0;
  for (let at = begin; at < end;) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      at++;
      continue;
    }
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (lead >= 0xc0 && at + length <= bytes.length && isUtf8(bytes.subarray(at, at + length))) {
      valid++;
      at += length;
    } else {
      invalid++;
      at++;
    }
  }
  return { valid, invalid };
}

describe("charset walks", () => {
  /** Text in one charset with random bytes between, some long enough to hold no byte below 0x30. */
  function walkedBytes(seed: number, encoding: "utf-8" | "gb18030" | "big5"): Uint8Array {
    const next = seededIntegers(seed);
    const parts: Uint8Array[] = [];
    for (let k = 0; k < 30; k++) parts.push(mixedBytes(seed * 100 + k, encoding));
    for (let k = 0; k < 10; k++)
      parts.splice(
        next(parts.length),
        0,
        Uint8Array.from({ length: 1 + next(400) }, () => 0x30 + next(0xd0)),
      );
    return new Uint8Array(Buffer.concat(parts));
  }

  it("count UTF-8 sequences and score double-byte readings as reading each range does", () => {
    let walked = 0;
    for (const encoding of ["utf-8", "gb18030", "big5"] as const)
      for (let seed = 1; seed <= 6; seed++) {
        const bytes = walkedBytes(seed, encoding);
        const walks = new CharsetWalks(bytes);
        const next = seededIntegers(seed + 50);
        for (let k = 0; k < 400; k++) {
          const begin = next(bytes.length);
          const end = Math.min(bytes.length, begin + next(k % 4 === 0 ? 64 : 5000));
          const counts = utf8SequenceCounts(bytes, begin, end);
          expect(counts).toEqual(referenceUtf8Counts(bytes, begin, end));
          expect(walks.utf8Counts(begin, end), `${encoding} ${seed} ${begin}-${end}`).toEqual(counts);
          const anchor = begin + next(Math.max(1, end - begin));
          for (const charset of ["gb18030", "big5"] as const) {
            const expected = decodedPlausibility(bytes, 0, charset, begin, end, anchor);
            expect(decodedPlausibility(bytes, 0, charset, begin, end, anchor, walks)).toBe(expected);
            if (walks.doubleByteScore(charset, syncPoint(charset, bytes, begin, anchor), end) !== undefined)
              walked++;
          }
          const candidates = ["utf-8", "gb18030", "big5"] as const;
          expect(sniffAsciiCompatible(bytes, 0, begin, end, anchor, candidates, walks)).toBe(
            sniffAsciiCompatible(bytes, 0, begin, end, anchor, candidates),
          );
        }
      }
    // Most ranges start where the stretch's reading starts a character: the totals were used.
    expect(walked).toBeGreaterThan(5000);
  });
});
