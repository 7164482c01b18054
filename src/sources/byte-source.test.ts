import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memorySource, openFileSource } from "./byte-source.js";

const folder = mkdtempSync(join(tmpdir(), "custodiet-source-"));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function fileOf(length: number, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 0xff;
  const path = join(folder, `f-${length}-${seed}`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

async function collect(chunks: AsyncIterable<Uint8Array>, copy: boolean): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(copy ? chunk.slice() : chunk);
  return Buffer.concat(parts);
}

describe("openFileSource", () => {
  it("streams every byte in order, with and without reused (read-ahead) buffers", async () => {
    for (const length of [0, 1, 4095, 4096, 4097, 3 * 4096 + 100]) {
      const { path, bytes } = fileOf(length, length);
      const source = await openFileSource(path);
      try {
        expect(Buffer.compare(await collect(source.chunks(4096, true), true), bytes), `reuse ${length}`).toBe(
          0,
        );
        expect(Buffer.compare(await collect(source.chunks(4096), false), bytes), `fresh ${length}`).toBe(0);
      } finally {
        await source.close();
      }
    }
  });

  it("hands out each reused chunk intact until the next is asked for, also after an early stop", async () => {
    const first = fileOf(5 * 4096 + 7, 1);
    const second = fileOf(3 * 4096, 2);
    const a = await openFileSource(first.path);
    const b = await openFileSource(second.path);
    try {
      // Stop `a` after one chunk while its read-ahead is in flight; the pool must not hand that buffer to
      // `b` before the read has landed.
      for await (const chunk of a.chunks(4096, true)) {
        expect(Buffer.compare(chunk, first.bytes.subarray(0, 4096))).toBe(0);
        break;
      }
      let position = 0;
      for await (const chunk of b.chunks(4096, true)) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        expect(Buffer.compare(chunk, second.bytes.subarray(position, position + chunk.length))).toBe(0);
        position += chunk.length;
      }
      expect(position).toBe(second.bytes.length);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const fifo = join(folder, "pipe");
    execFileSync("mkfifo", [fifo]);
    await expect(openFileSource(fifo)).rejects.toThrow(/not a regular file/u);
  });

  it("reads a small file whole, in any chunk size, and closes twice without harm", async () => {
    const { path, bytes } = fileOf(1000, 9);
    const source = await openFileSource(path);
    expect(source.size).toBe(1000);
    expect(Buffer.compare(await collect(source.chunks(300, true), true), bytes)).toBe(0);
    await source.close();
    await source.close();
  });

  it("reads ranges", async () => {
    const { path, bytes } = fileOf(10_000, 3);
    const source = await openFileSource(path);
    try {
      expect(Buffer.compare(await source.read(9_000, 5_000), bytes.subarray(9_000))).toBe(0);
      expect((await source.read(20_000, 10)).length).toBe(0);
    } finally {
      await source.close();
    }
  });
});

describe("memorySource", () => {
  it("streams the bytes in chunks", async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, index) => index);
    expect([...(await collect(memorySource(bytes).chunks(3), true))]).toEqual([...bytes]);
  });
});
