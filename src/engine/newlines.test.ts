import { describe, expect, it } from "vitest";
import { countNewlines, countsWithSimd, lineStartBefore, type NewlineUnit } from "./newlines.js";

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
