import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, lz4LinkedText } from "../../scripts/build-fixtures.mjs";
import { lzopHeader } from "../../src/extract/lzop-extractor.js";
import { childBytes, cleanupTempDirs, contains, display, fixtures, openAll, runOnce } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

describe.skipIf(skipWithoutTools)("lzop files written by Debian's lzop", () => {
  it("are decoded block by block under the name their header holds, checksums checked", async () => {
    const run = await runOnce(made["face.lzo"]!);
    expect(run.format).toBe("lzop");
    expect(run.events.filter((e) => e.kind === "partial")).toEqual([]);
    expect(run.children.map((c) => c.name)).toEqual(["libface.so"]);
    expect(contains(await childBytes(run.children[0]!), ENUM_UTF16)).toBeGreaterThan(0);
    // Text over several 256 KiB blocks, with the data's CRC-32 as well as its Adler-32.
    const long = await runOnce(made["long.lzo"]!);
    expect(long.events.filter((e) => e.kind === "partial")).toEqual([]);
    const text = Buffer.from(await childBytes(long.children[0]!));
    expect(text.equals(Buffer.concat(Array.from({ length: 8 }, () => lz4LinkedText())))).toBe(true);
  });

  it("a damaged block's data is noticed by its checksum", async () => {
    const bytes = Buffer.from(await readFile(made["long.lzo"]!));
    const header = lzopHeader(bytes)!;
    // Inside the first block's compressed data: past its sizes and checksums.
    bytes[header.length + 40]! ^= 0x01;
    const run = await runOnce(bytes, { name: "long.lzo" });
    const notes = run.events.flatMap((e) => (e.kind === "partial" ? [e.detail] : []));
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0]).toMatch(/lzo|checksum/u);
  });

  it("carving cuts lzop files out of a firmware blob to their exact lengths", async () => {
    const blob = await readFile(made["lzo-firmware.blob"]!);
    const file = await readFile(made["face.lzo"]!);
    expect(blob.indexOf(file)).toBe(0x800);
    const { leaves } = await openAll(made["lzo-firmware.blob"]!);
    const leaf = leaves.find((l) => contains(l.bytes, ENUM_UTF16) >= 0 && l.layers.length === 3);
    expect(display(leaf!.layers)).toBe("lzo-firmware.blob@0x800!libface.so");
    const carved = leaves.filter((l) => l.layers.length === 2);
    const long = await readFile(made["long.lzo"]!);
    expect(carved.map((l) => [l.layers[1]!.carvedAt, l.bytes.length])).toEqual([
      [0x800, file.length],
      [0x1000 + file.length, long.length],
    ]);
  });
});
