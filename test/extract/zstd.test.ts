import { mkdirSync, copyFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, lz4LinkedText, zstdRaw } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { frameHeaderLength, isZstd, zstdLength } from "../../src/extract/zstd.js";
import type { ScanReport } from "../../src/model/report.js";
import {
  childBytes,
  cleanupTempDirs,
  contains,
  display,
  fixtures,
  newTempDir,
  openAll,
  runOnce,
} from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");
const never = new AbortController().signal;

/** A ZstdInput over bytes in memory. */
const input = (bytes: Uint8Array) => ({
  size: bytes.length,
  read: (offset: number, length: number) => Promise.resolve(bytes.subarray(offset, offset + length)),
});

const u32le = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
};

/** A skippable frame (magic 0x184D2A5n) holding `data`. */
const skippable = (data: Buffer, n = 0): Buffer =>
  Buffer.concat([u32le(0x184d2a50 + n), u32le(data.length), data]);

describe("zstd frames walked without decoding", () => {
  const text = Buffer.from(`${"row\n".repeat(40_000)}${ENUM_TEXT}\n`);
  const frame = zstdRaw(text);

  it("finds where frames of raw blocks end, also after skippable frames and with noise after them", async () => {
    expect(frameHeaderLength(frame)).toBe(13);
    expect(isZstd(frame)).toBe(true);
    const noise = Buffer.alloc(100, 0xa5);
    expect(await zstdLength(input(Buffer.concat([frame, noise])), 0, never)).toBe(frame.length);
    // Two frames in a row are one stream; a skippable frame between them too.
    const two = Buffer.concat([frame, skippable(Buffer.alloc(4)), frame, noise]);
    expect(await zstdLength(input(two), 0, never)).toBe(two.length - noise.length);
    // A skippable frame after the last frame may be what follows (LZ4 uses the same magics): left out.
    const trailing = Buffer.concat([frame, skippable(Buffer.alloc(16), 3)]);
    expect(await zstdLength(input(trailing), 0, never)).toBe(frame.length);
    // A stream that starts with skippable frames (pzstd) is a zstd stream; noise after the magic is not.
    expect(isZstd(Buffer.concat([skippable(Buffer.alloc(4)), frame]))).toBe(true);
    expect(isZstd(Buffer.concat([skippable(Buffer.alloc(4)), noise]))).toBe(false);
  });

  it("refuses a cut frame, a reserved block type, an oversized block and a reserved descriptor bit", async () => {
    expect(await zstdLength(input(frame.subarray(0, frame.length - 1)), 0, never)).toBeUndefined();
    const reservedType = Buffer.from(frame);
    reservedType[13] = reservedType[13]! | 0x06;
    expect(await zstdLength(input(reservedType), 0, never)).toBeUndefined();
    const oversized = Buffer.from(frame);
    // Block_Size 2^20 + 1 in a raw block: more than the 128 KiB a block may hold.
    const word = 1 | (((1 << 20) + 1) << 3);
    oversized.set([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff], 13);
    expect(await zstdLength(input(oversized), 0, never)).toBeUndefined();
    const reservedBit = Buffer.from(frame);
    reservedBit[4] = reservedBit[4]! | 0x08;
    expect(frameHeaderLength(reservedBit)).toBeUndefined();
    expect(await zstdLength(input(reservedBit), 0, never)).toBeUndefined();
    expect(isZstd(reservedBit)).toBe(false);
  });

  it("stops when aborted", async () => {
    const stop = new AbortController();
    stop.abort();
    expect(await zstdLength(input(frame), 0, stop.signal)).toBeUndefined();
  });
});

describe.skipIf(skipWithoutTools)("zstd streams written by zstd and pzstd", () => {
  let made: Record<string, string> = {};
  let report: ScanReport;
  beforeAll(async () => {
    const built = await fixtures();
    made = built.made;
    const tree = join(await newTempDir(), "zstd");
    mkdirSync(tree);
    for (const name of ["parallel.zst", "zstd-firmware.blob"])
      copyFileSync(join(built.dir, name), join(tree, name));
    report = await scan({ paths: [tree], jobs: 1 });
  }, 120_000);
  afterAll(cleanupTempDirs);

  it("opens a stream that starts with a skippable frame, as pzstd writes it, whole", async () => {
    const run = await runOnce(made["parallel.zst"]!);
    expect(run.format).toBe("zstd");
    expect(run.events.filter((e) => e.kind === "partial")).toEqual([]);
    const bytes = Buffer.from(await childBytes(run.children[0]!));
    expect(bytes.subarray(-lz4LinkedText().length).equals(lz4LinkedText())).toBe(true);
    expect(contains(bytes, ENUM_UTF16)).toBeGreaterThan(0);
  });

  it("carving cuts a checksummed stream of two frames out of a firmware blob, to its exact length", async () => {
    // 4 KiB of noise, the stream, 4 KiB of noise.
    const blob = await readFile(made["zstd-firmware.blob"]!);
    expect(await zstdLength(input(blob), 0x1000, never)).toBe(blob.length - 0x2000);
    const { leaves } = await openAll(made["zstd-firmware.blob"]!);
    const leaf = leaves.find((l) => l.layers.length === 3);
    expect(display(leaf!.layers)).toBe("zstd-firmware.blob@0x1000!0x1000");
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBeGreaterThan(0);
    expect(Buffer.from(leaf!.bytes).subarray(-lz4LinkedText().length).equals(lz4LinkedText())).toBe(true);
  });

  it("reports a term once, in the decoded bytes, not again in the stream's literal run", async () => {
    // The stream's second frame keeps the enum's name as plain literal bytes.
    expect(contains(await readFile(made["zstd-firmware.blob"]!), Buffer.from(ENUM_TEXT))).toBeGreaterThan(0);
    const where = (name: string) =>
      report.findings
        .filter((f) => f.layers[0]!.path.endsWith(`/${name}`))
        .map((f) => f.layers.map((layer) => layer.via).join(" > "));
    const firmware = where("zstd-firmware.blob");
    expect(firmware.length).toBeGreaterThan(0);
    expect(new Set(firmware)).toEqual(new Set(["file > carve > zstd"]));
    expect(new Set(where("parallel.zst"))).toEqual(new Set(["file > zstd"]));
    const coverage = report.coverage.filter((c) => c.status !== "scanned");
    expect(coverage).toEqual([]);
  });
});
