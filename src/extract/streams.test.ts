import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { memorySource } from "../sources/byte-source.js";
import { safeTempName, tookTempDir } from "./child-writer.js";
import { deflateLength, inflateRawAt } from "./streams.js";

const never = new AbortController().signal;

async function inflated(
  bytes: Uint8Array,
  offset = 0,
): Promise<{ output: Buffer; consumed: number; error?: string }> {
  const state = { consumed: -1 };
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of inflateRawAt(memorySource(bytes), offset, state))
      parts.push(Buffer.from(chunk));
  } catch (error) {
    return { output: Buffer.concat(parts), consumed: state.consumed, error: String(error) };
  }
  return { output: Buffer.concat(parts), consumed: state.consumed };
}

describe("raw deflate streams, small ones inflated in one call", () => {
  const text = Buffer.from("民族 race skin ".repeat(2000));
  const packed = deflateRawSync(text);
  const trailer = Buffer.from("TRAILER-not-deflate");

  it("gives the output and the compressed length, with data after the stream left alone", async () => {
    const bytes = Buffer.concat([Buffer.alloc(7, 0xaa), packed, trailer]);
    const { output, consumed, error } = await inflated(bytes, 7);
    expect(error).toBeUndefined();
    expect(output.equals(text)).toBe(true);
    expect(consumed).toBe(packed.length);
    expect(await deflateLength(memorySource(bytes), 7, 1 << 20, never)).toBe(packed.length);
  });

  it("reads a stream longer than one call takes, and one that inflates to more than one call may make", async () => {
    // Random bytes do not compress: 200 KiB of deflate data, past the 64 KiB one call reads.
    const noise = randomBytes(200 * 1024);
    const long = deflateRawSync(noise);
    const a = await inflated(Buffer.concat([long, trailer]));
    expect(a.output.equals(noise)).toBe(true);
    expect(a.consumed).toBe(long.length);
    // 20 MiB of zeros packs into ~20 KB: within one call's input, past its 8 MiB of output.
    const zeros = Buffer.alloc(20 << 20);
    const bomb = deflateRawSync(zeros);
    const b = await inflated(bomb);
    expect(b.output.length).toBe(zeros.length);
    expect(b.consumed).toBe(bomb.length);
    expect(await deflateLength(memorySource(bomb), 0, 30 << 20, never)).toBe(bomb.length);
    // A limit on the output holds on either path.
    expect(await deflateLength(memorySource(bomb), 0, 1 << 20, never)).toBeUndefined();
    expect(await deflateLength(memorySource(packed), 0, text.length - 1, never)).toBeUndefined();
  });

  it("yields what inflates before damage, then fails; a cut stream has no length", async () => {
    const cut = packed.subarray(0, packed.length - 20);
    const a = await inflated(cut);
    expect(a.error).toMatch(/unexpected end/u);
    expect(a.output.length).toBeGreaterThan(0);
    expect(text.subarray(0, a.output.length).equals(a.output)).toBe(true);
    expect(await deflateLength(memorySource(cut), 0, 1 << 20, never)).toBeUndefined();
    // A block type 3 (reserved) is invalid deflate at once.
    expect(
      await deflateLength(memorySource(Buffer.from([0x07, 0, 0, 0])), 0, 1 << 20, never),
    ).toBeUndefined();
    expect((await inflated(Buffer.from([0x07, 0, 0, 0]))).error).toMatch(/invalid/u);
  });
});

describe("temp folders made when a file is first named in them", () => {
  it("makes the folder on the first name and says so once", () => {
    const root = mkdtempSync(join(tmpdir(), "custodiet-test-"));
    try {
      const dir = join(root, "a", "b");
      expect(tookTempDir(dir)).toBe(false);
      const first = safeTempName(dir, "../../etc/passwd");
      expect(existsSync(dir)).toBe(true);
      expect(first.startsWith(`${dir}/`)).toBe(true);
      expect(first.endsWith("passwd")).toBe(true);
      expect(safeTempName(dir, "x")).not.toBe(first);
      expect(tookTempDir(dir)).toBe(true);
      expect(tookTempDir(dir)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
