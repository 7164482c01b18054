import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crc32, hasTool } from "../../scripts/build-fixtures.mjs";
import { memorySource } from "../sources/byte-source.js";
import {
  CARVE_SIGNATURES,
  type Candidate,
  carveExtractor,
  findSignatures,
  isCarveStart,
} from "./carve-extractor.js";
import type { ChildArtifact, ExtractEvent } from "./extractor.js";
import { jffs2Crc } from "./jffs2-extractor.js";
import { DEFAULT_BUDGETS } from "./registry.js";

const work = mkdtempSync(join(tmpdir(), "custodiet-carve-test-"));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function carve(blob: Uint8Array, timeoutMs = 30_000): Promise<ExtractEvent[]> {
  const events: ExtractEvent[] = [];
  const context = {
    tempDir: mkdtempSync(join(work, "x-")),
    budgets: { ...DEFAULT_BUDGETS, maxFileSize: 1 << 30 },
    depth: 0,
    remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
    signal: AbortSignal.timeout(timeoutMs),
    name: "dump.bin",
  };
  for await (const event of carveExtractor.extract(memorySource(blob), context)) events.push(event);
  return events;
}

const children = (events: ExtractEvent[]): ChildArtifact[] =>
  events.filter((event): event is ChildArtifact => event.kind === "child");

/** Size of a carved child, in memory or in a file. */
const sizeOf = (child: ChildArtifact): number => child.bytes?.length ?? readFileSync(child.file!).length;

/** A zero-filled blob (binary-looking) with `parts` copied in at their offsets. */
function blobWith(size: number, parts: [number, Uint8Array][]): Buffer {
  const blob = Buffer.alloc(size);
  for (const [at, bytes] of parts) blob.set(bytes, at);
  return blob;
}

/** A little-endian JFFS2 node header with a valid header CRC. */
function jffs2Header(type: number, totlen: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x1985, 0);
  header.writeUInt16LE(type, 2);
  header.writeUInt32LE(totlen, 4);
  header.writeUInt32LE(jffs2Crc(header.subarray(0, 8)), 8);
  return header;
}

/** A UBI erase-counter header (version 1, VID header at 2 KiB, data at 4 KiB) of image `seq`. */
function ubiEcHeader(seq: number): Buffer {
  const header = Buffer.alloc(64);
  header.write("UBI#", 0, "latin1");
  header[4] = 1;
  header.writeUInt32BE(2048, 16);
  header.writeUInt32BE(4096, 20);
  header.writeUInt32BE(seq, 24);
  header.writeUInt32BE((crc32(header.subarray(0, 60)) ^ 0xffffffff) >>> 0, 60);
  return header;
}

describe("flash file-system signatures", () => {
  it("are needles of at least 4 bytes (two-byte magics would wake the prefilter on every pair)", () => {
    const flash = CARVE_SIGNATURES.filter(({ kind }) => ["ubi", "ubifs", "jffs2"].includes(kind));
    expect(flash.length).toBe(14);
    expect(flash.every(({ magic }) => magic.length >= 4)).toBe(true);
  });

  it("JFFS2 starts only on 4 KiB boundaries, UBIFS on 512-byte ones, the rest anywhere", () => {
    expect([0x1000, 0x1004, 0x1800, 0x20000].map((at) => isCarveStart("jffs2", at))).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([0x200, 0x208].map((at) => isCarveStart("ubifs", at))).toEqual([true, false]);
    expect(isCarveStart("ubi", 0x1234)).toBe(true);
  });
});

describe.skipIf(!hasTool("mkfs.jffs2"))("a JFFS2 image of many small files", () => {
  it("makes one candidate per node header, of which findSignatures keeps the 4 KiB-aligned ones", async () => {
    const root = join(work, "tree");
    for (let d = 0; d < 20; d += 1) {
      mkdirSync(join(root, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f += 1) writeFileSync(join(root, `d${d}`, `f${f}`), `file ${d}/${f}\n`);
    }
    const image = join(work, "small.jffs2");
    execFileSync("mkfs.jffs2", ["-l", "-q", "-e", "64KiB", "-r", root, "-o", image]);
    const bytes = readFileSync(image);
    const dump = Buffer.concat([Buffer.alloc(0x10000), bytes, Buffer.alloc(0x10000, 0xff)]);
    const all = CARVE_SIGNATURES.filter(({ kind }) => kind === "jffs2").reduce((sum, { magic }) => {
      let count = 0;
      for (let at = dump.indexOf(Buffer.from(magic)); at >= 0; at = dump.indexOf(Buffer.from(magic), at + 1))
        count += 1;
      return sum + count;
    }, 0);
    // 2,000 files and 20 directories: a dirent and an inode node each.
    expect(all).toBeGreaterThan(4000);
    const kept: Candidate[] = [];
    for await (const candidate of findSignatures(memorySource(dump), AbortSignal.timeout(10_000)))
      if (candidate.kind === "jffs2") kept.push(candidate);
    expect(kept.every((candidate) => candidate.offset % 4096 === 0)).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(Math.ceil(bytes.length / 4096));
    expect(kept[0]?.offset).toBe(0x10000);
    const carved = children(await carve(dump));
    expect(carved.map((child) => [child.carvedAt, sizeOf(child)])).toEqual([[0x10000, bytes.length]]);
  });
});

describe("hostile flash headers", () => {
  it("a CRC-valid JFFS2 node claiming 4 GiB ends the carve at the end of the blob, without a hang", async () => {
    const blob = blobWith(0x40000, [[0x10000, jffs2Header(0xe001, 0xfffffff0)]]);
    const carved = children(await carve(blob, 5_000));
    expect(carved.map((child) => [child.carvedAt, sizeOf(child)])).toEqual([[0x10000, 0x30000]]);
  });

  it("a CRC-valid JFFS2 node shorter than its header carves nothing", async () => {
    expect(children(await carve(blobWith(0x40000, [[0x10000, jffs2Header(0xe002, 8)]])))).toEqual([]);
  });

  it("a lone cleanmarker (an erased JFFS2 partition) carves nothing", async () => {
    const erased = Buffer.alloc(0x20000, 0xff);
    jffs2Header(0x2003, 12).copy(erased, 0);
    expect(children(await carve(blobWith(0x40000, [[0x10000, erased]])))).toEqual([]);
  });

  it("UBI ends at the first PEB without an erase-counter header of the same image", async () => {
    const peb = 0x20000;
    const parts: [number, Uint8Array][] = [0, 1, 2].map((n) => [0x20000 + n * peb, ubiEcHeader(7)]);
    // The fourth PEB belongs to another UBI image (another image_seq).
    parts.push([0x20000 + 3 * peb, ubiEcHeader(8)]);
    const carved = children(await carve(blobWith(0x20000 + 5 * peb, parts)));
    expect(carved.map((child) => [child.carvedAt, sizeOf(child)])).toEqual([
      [0x20000, 3 * peb],
      // The other image has a single PEB before the end of the blob: no second header, no PEB size.
    ]);
  });

  it("a UBIFS superblock declaring more LEBs than the blob holds is cut at the end of the blob", async () => {
    const node = Buffer.alloc(4096);
    node.writeUInt32LE(0x06101831, 0);
    node.writeUInt32LE(4096, 16);
    node[20] = 6;
    node.writeUInt32LE(2048, 32);
    node.writeUInt32LE(126976, 36);
    node.writeUInt32LE(1000, 40);
    node.writeUInt32LE((crc32(node.subarray(8)) ^ 0xffffffff) >>> 0, 4);
    const carved = children(await carve(blobWith(0x100000, [[0x10000, node]])));
    expect(carved.map((child) => [child.carvedAt, sizeOf(child)])).toEqual([[0x10000, 0xf0000]]);
    // One bit off in the node and it is not a superblock.
    node[100] = 1;
    expect(children(await carve(blobWith(0x100000, [[0x10000, node]])))).toEqual([]);
  });
});
