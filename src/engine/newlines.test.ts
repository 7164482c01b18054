import { describe, expect, it } from "vitest";
import {
  countNewlines,
  countsWithSimd,
  LINE_INDEX_STEP,
  LineIndex,
  lineAt,
  lineStartBefore,
  type NewlineUnit,
} from "./newlines.js";

/** Deterministic bytes, dense in 0A and 00 so that every lane and partner case occurs. */
function bytesWith(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const pick = state >>> 24;
    bytes[index] = pick < 60 ? 0x0a : pick < 120 ? 0 : pick;
  }
  return bytes;
}

function bruteCount(bytes: Uint8Array, unit: NewlineUnit): number {
  let count = 0;
  for (let index = 0; index < bytes.length; index++) {
    if (unit === "byte") count += bytes[index] === 0x0a ? 1 : 0;
    else if (index % 2 === 0 && index + 1 < bytes.length) {
      const value = bytes[index]! | (bytes[index + 1]! << 8);
      count += value === (unit === "utf-16le" ? 0x000a : 0x0a00) ? 1 : 0;
    }
  }
  return count;
}

describe("countNewlines", () => {
  it("runs the WebAssembly SIMD loop on Node 20", () => {
    expect(countsWithSimd()).toBe(true);
  });

  const units: NewlineUnit[] = ["byte", "utf-16le", "utf-16be"];
  it("agrees with a byte-by-byte count for every length, offset and unit, with and without SIMD", () => {
    const data = bytesWith(70_000, 7);
    for (const unit of units) {
      for (const [from, length] of [
        [0, 0],
        [0, 1],
        [3, 15],
        [2, 16],
        [1, 17],
        [0, 4079],
        [0, 4080],
        [5, 4081],
        [0, 255 * 16 * 3 + 9],
        [4, 65_000],
      ] as const) {
        const slice = data.subarray(from, from + length);
        const expected = bruteCount(slice, unit);
        expect(countNewlines(slice, unit), `${unit} ${from}+${length}`).toBe(expected);
        expect(countNewlines(slice, unit, false), `${unit} ${from}+${length} plain`).toBe(expected);
      }
    }
  });

  it("counts past the 8-bit lane limit and across its 1 MiB windows", () => {
    const allNewlines = new Uint8Array((1 << 20) * 2 + 333).fill(0x0a);
    expect(countNewlines(allNewlines, "byte")).toBe(allNewlines.length);
    const wide = new Uint8Array((1 << 20) + 6);
    for (let index = 0; index < wide.length; index += 2) wide[index] = 0x0a;
    expect(countNewlines(wide, "utf-16le")).toBe(wide.length / 2);
    expect(countNewlines(wide, "utf-16be")).toBe(0);
  });
});

describe("lineStartBefore", () => {
  it("finds the start of the line holding an offset", () => {
    const text = Buffer.from("ab\ncd\n\nef", "latin1");
    expect(lineStartBefore(text, 1, "byte")).toBe(-1);
    expect(lineStartBefore(text, 4, "byte")).toBe(3);
    expect(lineStartBefore(text, 7, "byte")).toBe(7);
    const le = Buffer.from("a\nb\u0a0ac", "utf16le");
    // "\u0a0a" is not a newline unit; the one before it is.
    expect(lineStartBefore(le, le.length, "utf-16le")).toBe(4);
    const be = Buffer.from("a\nb", "utf16le").swap16();
    expect(lineStartBefore(be, be.length, "utf-16be")).toBe(4);
    expect(lineStartBefore(be, 3, "utf-16be")).toBe(-1);
  });
});

/** The line of `offset` by brute force over the whole stream: what locating lines from the start gives. */
function bruteLineAt(data: Uint8Array, offset: number, unit: NewlineUnit): { line: number; start: number } {
  const even = unit === "byte" ? offset : offset - (offset % 2);
  const line = 1 + bruteCount(data.subarray(0, even), unit);
  const found = lineStartBefore(data, even, unit);
  if (unit === "utf-16le" && offset !== even && data[even] === 0x0a && (data[even + 1] ?? 0) === 0)
    return { line: line + 1, start: even + 2 };
  return { line, start: Math.max(0, found) };
}

/** Deterministic chunk lengths: tiny, odd, even and step-sized, up to `max`; all `max` when `seed` is 0. */
function chunkLengths(seed: number, max: number): () => number {
  if (seed === 0) return () => max;
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) >>> 0;
    const pick = state >>> 28;
    return pick < 3 ? 1 + (pick & 1) : pick < 8 ? 1 + ((state >>> 8) % 997) : 1 + ((state >>> 4) % max);
  };
}

describe("LineIndex and lineAt", () => {
  const units: NewlineUnit[] = ["byte", "utf-16le", "utf-16be"];
  /** Dense newlines (many per step) and sparse ones (lines longer than a step and than the reach). */
  const streams: [string, Uint8Array][] = [
    ["dense", bytesWith(3 * LINE_INDEX_STEP + 4_321, 11)],
    [
      "sparse",
      (() => {
        const bytes = new Uint8Array(5 * LINE_INDEX_STEP + 777).fill(0x41);
        for (const at of [10, 11, 70_000, 70_001, 70_002, 200_000, 200_003, 330_000]) bytes[at] = 0x0a;
        for (const at of [11, 70_001, 200_001]) bytes[at] = 0;
        return bytes;
      })(),
    ],
  ];
  const reach = (1 << 16) + 4;

  it("gives every offset the line and line start of a count from the start, under any chunking", () => {
    for (const [name, data] of streams) {
      for (const unit of units) {
        // Chunks of 1 and 3 bytes start at every step boundary and right after it (odd: a cut code unit).
        for (const [seed, max] of [
          [0, 1],
          [0, 3],
          [1, 7],
          [2, 5_000],
          [3, 3 * LINE_INDEX_STEP],
        ] as const) {
          const index = new LineIndex(unit);
          const next = chunkLengths(seed, max);
          for (let at = 0; at < data.length;) {
            const length = Math.min(data.length - at, next());
            index.push(data.subarray(at, at + length));
            at += length;
          }
          expect(index.size).toBe(data.length);
          for (let offset = 0; offset < data.length; offset += offset < 200 ? 1 : 997) {
            const even = offset - (offset % 2);
            const from = Math.min(index.stepBefore(even).start, Math.max(0, even - reach));
            const got = lineAt(index, offset, data.subarray(from, offset + 2), from);
            const expected = bruteLineAt(data, offset, unit);
            const where = `${name} ${unit} chunks ${seed} offset ${offset}`;
            expect(got.line, where).toBe(expected.line);
            // The start is known when it lies in the bytes read; otherwise it is too far back for a column.
            if (expected.start >= from) expect(got.start, where).toBe(expected.start);
            else {
              expect(got.start, where).toBeUndefined();
              expect(offset - expected.start, where).toBeGreaterThan(1 << 16);
            }
          }
        }
      }
    }
  });

  it("counts a UTF-16 newline split between two chunks once, in either byte order", () => {
    for (const unit of ["utf-16le", "utf-16be"] as const) {
      const text = Buffer.from("a\nb\n".repeat(40_000), "utf16le");
      if (unit === "utf-16be") text.swap16();
      const data = new Uint8Array(text);
      const index = new LineIndex(unit);
      // Every chunk boundary is odd, so every newline unit is cut in two.
      for (let at = 0; at < data.length; at += 3) index.push(data.subarray(at, at + 3));
      const offset = data.length - 2;
      const from = index.stepBefore(offset).start;
      expect(lineAt(index, offset, data.subarray(from), from).line).toBe(80_000);
    }
  });

  it("counts from the start when nothing was pushed (a short artifact)", () => {
    const data = Buffer.from("one\ntwo\nthree EM_RACE_TYPE", "latin1");
    const got = lineAt(new LineIndex("byte"), data.indexOf("EM_"), data, 0);
    expect(got).toEqual({ line: 3, start: 8 });
  });
});
