import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, lz4LinkedText } from "../../scripts/build-fixtures.mjs";
import { lz4Length, Xxh32, xxh32 } from "../../src/extract/lz4.js";
import { openFileSource } from "../../src/sources/byte-source.js";
import { childBytes, cleanupTempDirs, contains, display, fixtures, openAll, runOnce } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

const u32le = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
};

/** A current-format frame around `blocks` (each a 4-byte size word and its data), 4 MiB blocks. */
function frame(blocks: Buffer[], flags = 0x60): Buffer {
  const descriptor = Buffer.from([flags, 0x70]);
  const check = (xxh32(descriptor) >>> 8) & 0xff;
  return Buffer.concat([u32le(0x184d2204), descriptor, Buffer.from([check]), ...blocks, u32le(0)]);
}

/** One compressed block that decodes to `length` zeros: a literal zero, then one long match of it. */
function zerosBlock(length: number): Buffer {
  const bytes = [0x1f, 0x00, 0x01, 0x00];
  // One literal, a match of 4 + 15 + the extension bytes, one literal at the end.
  let rest = length - 2 - 4 - 15;
  while (rest >= 255) {
    bytes.push(255);
    rest -= 255;
  }
  bytes.push(rest);
  const block = Buffer.from([...bytes, 0x10, 0x00]);
  // The matched run, then one literal zero to end the block (LZ4 ends every block with literals).
  return Buffer.concat([u32le(block.length), block]);
}

describe("xxHash32", () => {
  it("matches the reference value of the empty input and is the same fed in pieces", () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    const data = randomBytes(1000);
    const whole = xxh32(data);
    for (const cut of [1, 3, 15, 16, 17, 500, 999]) {
      const hash = new Xxh32().update(data.subarray(0, cut)).update(data.subarray(cut)).digest();
      expect(hash, `cut at ${cut}`).toBe(whole);
    }
    expect(xxh32(data.subarray(0, 999))).not.toBe(whole);
  });
});

describe("LZ4 frames built here", () => {
  it("decodes a block of one long match, and bounds a bomb by the ratio budget", async () => {
    const small = await runOnce(frame([zerosBlock(100_000)]), { name: "zeros.lz4" });
    expect(small.format).toBe("lz4");
    expect(small.events.filter((event) => event.kind === "partial")).toEqual([]);
    const bytes = await childBytes(small.children[0]!);
    expect(bytes.length).toBe(100_000);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    expect(small.children[0]!.name).toBe("zeros");

    // 64 blocks of 4 MiB of zeros from ~16 KB each: 256 MiB out of ~1 MB.
    const bomb = frame(Array.from({ length: 64 }, () => zerosBlock(4 << 20)));
    const run = await runOnce(bomb, { name: "bomb.lz4", budgets: { maxRatio: 100 } });
    expect(run.children).toEqual([]);
    expect(run.skipped.map((event) => event.reason)).toEqual(["budget-ratio"]);
  });

  it("records a bad content checksum, a truncated frame and bytes after the last frame", async () => {
    const content = frame([zerosBlock(5000)], 0x64);
    // The content checksum follows the end mark; this one is wrong.
    const wrong = Buffer.concat([content, u32le(0x12345678)]);
    const checked = await runOnce(wrong, { name: "x.lz4" });
    expect((await childBytes(checked.children[0]!)).length).toBe(5000);
    expect(checked.events.filter((e) => e.kind === "partial").map((e) => e.detail)).toEqual([
      "lz4: frame 1: content checksum does not match",
    ]);
    const right = Buffer.concat([content, u32le(xxh32(new Uint8Array(5000)))]);
    expect((await runOnce(right, { name: "x.lz4" })).events.filter((e) => e.kind === "partial")).toEqual([]);

    const cut = await runOnce(frame([zerosBlock(5000), zerosBlock(5000)]).subarray(0, 20), { name: "x.lz4" });
    expect(cut.events.filter((e) => e.kind === "partial").map((e) => e.reason)).toEqual(["corrupt"]);

    const trailing = await runOnce(Buffer.concat([frame([zerosBlock(10)]), Buffer.from("junk")]), {
      name: "x.lz4",
    });
    expect(trailing.children).toHaveLength(1);
    expect(trailing.events.filter((e) => e.kind === "partial").map((e) => e.detail)).toEqual([
      "4 bytes after the last lz4 frame were not read as lz4",
    ]);
    const padded = await runOnce(Buffer.concat([frame([zerosBlock(10)]), Buffer.alloc(300)]), {
      name: "x.lz4",
    });
    expect(padded.events.filter((e) => e.kind === "partial")).toEqual([]);
  });

  it("a match reaching before the block's output in an independent frame is damage, not a crash", async () => {
    const block = Buffer.from([0x04, 0x10, 0x00]);
    const run = await runOnce(frame([Buffer.concat([u32le(block.length), block])]), { name: "x.lz4" });
    expect(run.children).toEqual([]);
    expect(run.events).toEqual([{ kind: "partial", reason: "corrupt", detail: "lz4: bad match offset" }]);
  });
});

describe.skipIf(skipWithoutTools)("LZ4 files written by Debian's lz4", () => {
  it("a frame's content checksum is xxHash32 of its content", async () => {
    const run = await runOnce(made["libface.so.lz4"]!);
    const content = await childBytes(run.children[0]!);
    const file = await readFile(made["libface.so.lz4"]!);
    expect(file.readUInt32LE(file.length - 4)).toBe(xxh32(content));
    expect(contains(content, ENUM_UTF16)).toBeGreaterThan(0);
  });

  it("linked 64 KiB blocks decode with the block before as history", async () => {
    const file = await readFile(made["linked.lz4"]!);
    const run = await runOnce(made["linked.lz4"]!);
    expect(run.events.filter((e) => e.kind === "partial")).toEqual([]);
    const content = Buffer.from(await childBytes(run.children[0]!));
    expect(content.equals(lz4LinkedText())).toBe(true);
    // The second enum is a match into the first block: only the decoded text holds it twice.
    const count = (bytes: Buffer): number => bytes.toString("latin1").split(ENUM_TEXT).length - 1;
    expect(count(content)).toBe(2);
    expect(count(file)).toBe(1);
  });

  it("a legacy frame with a kernel's appended size is read whole, the size not taken for damage", async () => {
    const run = await runOnce(made["kernel.lz4"]!);
    expect(run.format).toBe("lz4");
    expect(run.events.filter((e) => e.kind === "partial")).toEqual([]);
    expect(run.children.map((child) => child.name)).toEqual(["kernel"]);
    const libface = await childBytes((await runOnce(made["libface.so.lz4"]!)).children[0]!);
    expect(Buffer.from(await childBytes(run.children[0]!)).equals(Buffer.from(libface))).toBe(true);
  });

  it("carving cuts a frame out of a firmware blob at its offset and to its exact length", async () => {
    // 4 KiB of noise, the frame, 4 KiB of noise.
    const blob = await readFile(made["lz4-firmware.blob"]!);
    const source = await openFileSource(made["lz4-firmware.blob"]!);
    try {
      expect(await lz4Length(source, 0x1000, new AbortController().signal)).toBe(blob.length - 0x2000);
    } finally {
      await source.close();
    }
    const { leaves } = await openAll(made["lz4-firmware.blob"]!);
    const leaf = leaves.find((l) => l.layers.length === 3);
    expect(display(leaf!.layers)).toBe("lz4-firmware.blob@0x1000!0x1000");
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBeGreaterThan(0);
    expect(Buffer.from(leaf!.bytes).subarray(-lz4LinkedText().length).equals(lz4LinkedText())).toBe(true);
  });
});
