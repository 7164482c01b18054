import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUbifsFixtures, ubifsLibBytes } from "../../scripts/build-fixtures.mjs";
import { seededBytes, seededIntegers } from "../../test/random.js";
import { skipWithoutTools } from "../../test/extract/tools.js";
import { LzoError, lzo1xDecompress } from "./lzo.js";

/** One UBIFS data node as mkfs.ubifs wrote it: key (inode, block), uncompressed size, compression, payload. */
interface DataNode {
  readonly key: string;
  readonly size: number;
  readonly compression: number;
  readonly payload: Uint8Array;
}

/** Every data node of an image, found by its magic and type alone (independent of the UBIFS reader). */
function dataNodes(image: Uint8Array): DataNode[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const nodes: DataNode[] = [];
  for (let at = 0; at + 48 <= image.length; at += 8) {
    if (view.getUint32(at, true) !== 0x06101831 || image[at + 20] !== 1) continue;
    const len = view.getUint32(at + 16, true);
    nodes.push({
      key: `${view.getUint32(at + 24, true)}:${view.getUint32(at + 28, true) & 0x1fffffff}`,
      size: view.getUint32(at + 40, true),
      compression: view.getUint16(at + 44, true),
      payload: image.subarray(at + 48, at + len),
    });
  }
  return nodes;
}

let dir = "";
let lzoNodes: DataNode[] = [];
let plainBlocks = new Map<string, Uint8Array>();
beforeAll(() => {
  if (skipWithoutTools) return;
  dir = mkdtempSync(join(tmpdir(), "custodiet-lzo-test-"));
  const { made } = buildUbifsFixtures(dir);
  lzoNodes = dataNodes(readFileSync(made["ubifs-lzo.img"]!)).filter((node) => node.compression === 1);
  plainBlocks = new Map(
    dataNodes(readFileSync(made["ubifs-none.img"]!)).map((node) => [node.key, node.payload]),
  );
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipWithoutTools)("LZO1X data written by mkfs.ubifs", () => {
  it("every LZO data node decompresses to the same block the uncompressed image holds", () => {
    expect(lzoNodes.length).toBeGreaterThanOrEqual(4);
    for (const node of lzoNodes) {
      const out = lzo1xDecompress(node.payload, 4096);
      expect(out.length).toBe(node.size);
      expect(Buffer.from(out).equals(Buffer.from(plainBlocks.get(node.key)!))).toBe(true);
    }
  });

  it("the library's third block (the enum's second half) comes out byte for byte", () => {
    const tail = Buffer.from(ubifsLibBytes().subarray(8192));
    const found = lzoNodes.some((node) => Buffer.from(lzo1xDecompress(node.payload, 4096)).equals(tail));
    expect(found).toBe(true);
  });

  it("output past the given length is an error, not a longer buffer", () => {
    const node = lzoNodes.find((n) => n.size === 4096)!;
    expect(() => lzo1xDecompress(node.payload, 4095)).toThrow(LzoError);
  });

  it("every truncation of a real stream throws LzoError", () => {
    const node = lzoNodes.find((n) => n.size === 4096)!;
    for (let cut = 0; cut < node.payload.length; cut += 1) {
      expect(() => lzo1xDecompress(node.payload.subarray(0, cut), 4096)).toThrow(LzoError);
    }
  });

  it("damaged real streams give output or LzoError, nothing else", () => {
    const next = seededIntegers(7);
    let errors = 0;
    for (let round = 0; round < 2000; round += 1) {
      const node = lzoNodes[next(lzoNodes.length)]!;
      const damaged = node.payload.slice();
      for (let flips = 1 + next(3); flips > 0; flips -= 1) damaged[next(damaged.length)] = next(256);
      try {
        expect(lzo1xDecompress(damaged, 4096).length).toBeLessThanOrEqual(4096);
      } catch (error) {
        expect(error).toBeInstanceOf(LzoError);
        errors += 1;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});

describe("LZO1X streams", () => {
  it("decodes a literal run, an overlapping match and the end marker", () => {
    // 4 literals "abcd", then an M2 match of 6 bytes at distance 4 (it reads what it writes), then EOF.
    const out = lzo1xDecompress(Uint8Array.from([21, 97, 98, 99, 100, 0xac, 0, 0x11, 0, 0]), 64);
    expect(new TextDecoder().decode(out)).toBe("abcdabcdab");
  });

  it("decodes a version-1 zero run only in a version-1 stream", () => {
    // 17, version 1; 4 literals; zero run of ((2 | 1 << 3) + 4) = 14 bytes; end marker.
    const stream = Uint8Array.from([17, 1, 21, 97, 98, 99, 100, 0x1a, 0xfc, 0xff, 1, 0x11, 0, 0]);
    const out = lzo1xDecompress(stream, 64);
    expect([...out]).toEqual([97, 98, 99, 100, ...Array<number>(14).fill(0)]);
    // The same instruction in a classic stream is an M4 match far before the start of the output.
    expect(() => lzo1xDecompress(stream.subarray(2), 64)).toThrow(LzoError);
  });

  it("rejects a match before the output, bytes after the end, and a missing end", () => {
    expect(() => lzo1xDecompress(Uint8Array.from([21, 97, 98, 99, 100, 0x7c, 9, 0x11, 0, 0]), 64)).toThrow(
      /before the start/,
    );
    expect(() => lzo1xDecompress(Uint8Array.from([18, 97, 0x11, 0, 0, 5]), 64)).toThrow(/after the end/);
    expect(() => lzo1xDecompress(Uint8Array.from([21, 97, 98, 99, 100]), 64)).toThrow(LzoError);
    expect(() => lzo1xDecompress(Uint8Array.from([21, 97, 98, 99, 100, 0x11, 0, 0]), 3)).toThrow(
      /output overrun/,
    );
  });

  it("random input gives output or LzoError, and ends quickly", () => {
    const started = performance.now();
    for (let seed = 1; seed <= 3000; seed += 1) {
      const input = seededBytes(seed, 1 + (seed % 300));
      if (seed % 3 === 0) input[0] = 17; // exercise the version-1 path too
      try {
        expect(lzo1xDecompress(input, 4096).length).toBeLessThanOrEqual(4096);
      } catch (error) {
        expect(error).toBeInstanceOf(LzoError);
      }
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
