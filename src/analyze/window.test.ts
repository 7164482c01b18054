import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { Encoding } from "../model/encoding.js";
import { decodeWindow, syncPoint } from "./window.js";

describe("decodeWindow", () => {
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
  ];
  const iconvName = encoding === "utf-16le" ? "utf16le" : encoding === "utf-16be" ? "utf16be" : encoding;
  for (let k = 0; k < 40; k++) {
    if (next() % 2 === 0) parts.push(new Uint8Array(iconv.encode(texts[next() % texts.length]!, iconvName)));
    else parts.push(Uint8Array.from({ length: 1 + (next() % 64) }, () => next() & 0xff));
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe("decodeWindow agrees with a straightforward decoder", () => {
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
        expect([...window.charStarts].map((at) => at + window.start)).toEqual(expected.byteAt);
      }
    });
  }
});
