import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isLzmaAlone } from "./seven-zip-formats.js";

/** An LZMA-alone header: properties, dictionary size, 64-bit uncompressed size, then the first data byte. */
function header(dictionary: number, size: bigint, first = 0, properties = 0x5d): Uint8Array {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  bytes[0] = properties;
  view.setUint32(1, dictionary, true);
  view.setBigUint64(5, size, true);
  bytes[13] = first;
  return bytes;
}

const UNKNOWN = 0xffff_ffff_ffff_ffffn;

function hasXz(): boolean {
  try {
    execFileSync("xz", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("isLzmaAlone", () => {
  it.skipIf(!hasXz())("accepts what xz --format=lzma writes, at every preset", () => {
    for (const preset of ["-0", "-1", "-6", "-9"]) {
      const input = Buffer.concat([randomBytes(5000), Buffer.alloc(5000, 0x41)]);
      const lzma = execFileSync("xz", ["--format=lzma", preset, "-c"], { input });
      expect(isLzmaAlone(lzma), preset).toBe(true);
    }
  });

  it("accepts the headers liblzma accepts", () => {
    expect(isLzmaAlone(header(1 << 23, UNKNOWN))).toBe(true);
    expect(isLzmaAlone(header(3 << 20, 123_456n))).toBe(true); // 2^21 + 2^20
    expect(isLzmaAlone(header(1 << 12, 1n))).toBe(true);
    expect(isLzmaAlone(header(1 << 30, (1n << 38n) - 1n))).toBe(true);
  });

  it("rejects the byte patterns of binaries that only look like one", () => {
    // Seen carving /usr/lib: 5d 00 00 12 00 is a dictionary of 9 * 2^17, neither 2^n nor 2^n + 2^(n-1).
    expect(isLzmaAlone(header(0x0012_0000, 0x25_8300_1000n))).toBe(false);
    // The range coder's first byte is not 0.
    expect(isLzmaAlone(header(1 << 17, 4_251_975_697n, 0x4d))).toBe(false);
    // A size of 0 (nothing to scan) or of 2^38 and more.
    expect(isLzmaAlone(header(1 << 20, 0n))).toBe(false);
    expect(isLzmaAlone(header(1 << 20, 1n << 38n))).toBe(false);
    expect(isLzmaAlone(header(1 << 11, UNKNOWN))).toBe(false);
    expect(isLzmaAlone(header(1 << 23, UNKNOWN, 0, 0x5e))).toBe(false);
    expect(isLzmaAlone(header(1 << 23, UNKNOWN).subarray(0, 13))).toBe(false);
  });

  it("reads the header at an offset", () => {
    const bytes = new Uint8Array(100);
    bytes.set(header(1 << 16, 4096n), 40);
    expect(isLzmaAlone(bytes, 40)).toBe(true);
    expect(isLzmaAlone(bytes, 39)).toBe(false);
  });
});
