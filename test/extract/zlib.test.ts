import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { adler32, inflatesAt, isZlibHeader, plausibleFirstBlock } from "../../src/extract/zlib-extractor.js";
import { tempFolder } from "../helpers.js";
import { seededBytes } from "../random.js";

const HEADER = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

/** An R lazy-load database's layout: per entry, its inflated length (big-endian) and a zlib stream. */
function lazyLoadDatabase(entries: readonly Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(entry.length);
    parts.push(length, deflateSync(entry));
  }
  return Buffer.concat(parts);
}

describe("zlib streams", () => {
  it("in a file that is one stream are read, and the finding is located inside it", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "face.h.zlib"), deflateSync(Buffer.from(HEADER)));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.find((c) => c.location.endsWith("face.h.zlib"))).toMatchObject({
      status: "scanned",
      format: "zlib",
    });
    const finding = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    expect(finding?.layers.map((layer) => layer.via)).toEqual(["file", "zlib"]);
    expect(finding?.layers[1]).toMatchObject({ path: "zlib@0", offsetInParent: 0 });
    expect(finding?.offset).toBe(HEADER.indexOf("EM_NATION_TYPE_UYGUR"));
  });

  it("in a random-looking database of streams are all read, where the blob used to be unknown-format", async () => {
    const dir = tempFolder();
    // Random-looking entries (as compressed data reads), one of them the header.
    const entries = [
      seededBytes(1, 200_000),
      Buffer.from(HEADER),
      seededBytes(2, 150_000),
      seededBytes(3, 10),
    ];
    const database = lazyLoadDatabase(entries);
    writeFileSync(join(dir, "Rdata.rdb"), database);
    const report = await scan({ paths: [dir], jobs: 1 });
    const top = report.coverage.find((c) => c.location.endsWith("Rdata.rdb"));
    expect(top).toMatchObject({ status: "scanned", format: "zlib" });
    const children = report.coverage.filter((c) => c.location.includes("Rdata.rdb!zlib@"));
    expect(children).toHaveLength(4);
    expect(children.every((c) => c.status === "scanned")).toBe(true);
    const second = 4 + deflateSync(entries[0]!).length + 4;
    const finding = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    expect(finding?.location).toMatch(new RegExp(`Rdata\\.rdb!zlib@${second}$`, "u"));
  });

  it("one after another by the thousand are each read, the header's among them", async () => {
    const dir = tempFolder();
    const streams = Array.from({ length: 3000 }, (_, index) =>
      deflateSync(Buffer.from(index === 2000 ? HEADER : `entry ${index}`)),
    );
    writeFileSync(join(dir, "objects.pack"), Buffer.concat([seededBytes(13, 300_000), ...streams]));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((c) => c.location.includes("objects.pack!zlib@"))).toHaveLength(3000);
    const at = 300_000 + streams.slice(0, 2000).reduce((sum, stream) => sum + stream.length, 0);
    expect(report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR")?.location).toMatch(
      new RegExp(`objects\\.pack!zlib@${at}$`, "u"),
    );
  });

  it("between encrypted bytes are read, and the blob still says what it could not read", async () => {
    const dir = tempFolder();
    const stream = deflateSync(Buffer.from(HEADER.repeat(50)));
    const blob = Buffer.concat([seededBytes(4, 300_000), stream, seededBytes(5, 700_000)]);
    writeFileSync(join(dir, "firmware.bin"), blob);
    const report = await scan({ paths: [dir], jobs: 1 });
    const top = report.coverage.find((c) => c.location.endsWith("firmware.bin"));
    expect(top).toMatchObject({ status: "partial", reason: "unknown-format", format: "zlib" });
    expect(top?.detail).toMatch(/^1 zlib stream read, 0\.\d% of the bytes/u);
    expect(report.findings.some((f) => f.location.endsWith("firmware.bin!zlib@300000"))).toBe(true);
  });

  it("are not taken from random bytes, nor from a stream whose checksum is wrong", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "encrypted.bin"), seededBytes(6, 1 << 20));
    const damaged = Buffer.concat([seededBytes(7, 300_000), deflateSync(Buffer.from(HEADER))]);
    damaged[damaged.length - 1]! ^= 1; // the last byte of the Adler-32
    writeFileSync(join(dir, "damaged.bin"), damaged);
    const report = await scan({ paths: [dir], jobs: 1 });
    for (const name of ["encrypted.bin", "damaged.bin"]) {
      const entry = report.coverage.find((c) => c.location.endsWith(name));
      expect(entry).toMatchObject({ status: "partial", reason: "unknown-format" });
      expect(entry?.format).toBeUndefined();
      expect(entry?.detail).toMatch(/^random-looking throughout/u);
    }
    expect(report.coverage).toHaveLength(2);
    expect(report.findings).toEqual([]);
  });

  it("that expand past the ratio budget are cut and recorded, not inflated without end", async () => {
    const dir = tempFolder();
    // 64 MiB of zeros in ~64 KB, between random bytes so that the blob is judged opaque. Read from there,
    // the stream may expand to 50 times the ~1.06 MB left: 53 MB.
    const bomb = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
    const blob = Buffer.concat([seededBytes(8, 1_000_000), bomb, seededBytes(12, 1_000_000)]);
    writeFileSync(join(dir, "bomb.bin"), blob);
    const report = await scan({ paths: [dir], jobs: 1, budgets: { maxRatio: 50 } });
    const skipped = report.coverage.find((c) => c.location.endsWith("bomb.bin!zlib@1000000"));
    expect(skipped).toMatchObject({ status: "skipped", reason: "budget-ratio" });
    expect(skipped?.detail).toMatch(/^stopped after \d+ bytes while decompressing$/u);
  });

  it("checksum as zlib does, and pass the first-block check whatever deflate wrote", () => {
    expect(adler32(Buffer.from("Wikipedia"))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    const big = seededBytes(9, 100_000);
    expect(adler32(big)).toBe(deflateSync(big).readUInt32BE(deflateSync(big).length - 4));
    const inputs = [
      seededBytes(10, 3000),
      Buffer.from("abc".repeat(2000)),
      Buffer.from(Array.from({ length: 5000 }, (_, index) => (index * 31) % 7)),
      Buffer.alloc(0),
      Buffer.from(HEADER),
    ];
    for (const input of inputs)
      for (const level of [0, 1, 6, 9])
        for (const strategy of [
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FIXED,
          constants.Z_HUFFMAN_ONLY,
          constants.Z_RLE,
        ]) {
          const stream = deflateSync(input, { level, strategy });
          expect(isZlibHeader(stream)).toBe(true);
          expect(plausibleFirstBlock(stream.subarray(2))).toBe(true);
          expect(inflatesAt(stream, 0)).toBe(true);
        }
  });

  it("are looked for at few random places: most candidate headers fail the first-block check", () => {
    const random = seededBytes(11, 4 << 20);
    let candidates = 0;
    let plausible = 0;
    for (let at = 0; at < random.length - 2; at++) {
      if (!isZlibHeader(random, at)) continue;
      candidates++;
      if (plausibleFirstBlock(random.subarray(at + 2, at + 2 + 65536))) plausible++;
    }
    expect(candidates).toBeGreaterThan(150);
    expect(plausible).toBeLessThan(candidates / 20);
  });
});
