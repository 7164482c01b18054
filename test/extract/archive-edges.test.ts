// Archive layouts that real tools write and a hand-written reader easily gets wrong: zip64 records behind a
// prepended header, zip64 sizes in local headers, and GNU tar's sparse members in all four of its formats
// (followed by a plain member, which must still be found).
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  writeFileSync,
  readFileSync,
  ftruncateSync,
} from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { readZipDirectory } from "../../src/extract/zip-extractor.js";
import { memorySource } from "../../src/sources/byte-source.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

afterAll(cleanupTempDirs);

const ENUM =
  "typedef enum tagEM_NATION_TYPE { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

function u16(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}
function u32(value: number): number[] {
  return [...u16(value & 0xffff), ...u16(value >>> 16)];
}
function u64(value: number): number[] {
  return [...u32(value % 2 ** 32), ...u32(Math.floor(value / 2 ** 32))];
}

/**
 * `zip` as Info-ZIP writes it for streamed input: the same zip with a zip64 end record and locator before the
 * end record, whose own fields are not saturated.
 */
function withZip64EndRecord(zip: Uint8Array): Uint8Array {
  const eocd = zip.length - 22;
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  const record = [
    ...[0x50, 0x4b, 0x06, 0x06],
    ...u64(44),
    ...u16(45),
    ...u16(45),
    ...u32(0),
    ...u32(0),
    ...u64(count),
    ...u64(count),
    ...u64(cdSize),
    ...u64(cdOffset),
  ];
  const locator = [...[0x50, 0x4b, 0x06, 0x07], ...u32(0), ...u64(eocd), ...u32(1)];
  return Uint8Array.from([...zip.subarray(0, eocd), ...record, ...locator, ...zip.subarray(eocd)]);
}

describe("zip64", () => {
  it("reads the central directory of a zip64 archive behind a prepended script (Info-ZIP, self-extractors)", async () => {
    const zip = withZip64EndRecord(zipSync({ "face.h": Buffer.from(ENUM) }, { level: 0 }));
    const script = Buffer.from(`#!/bin/sh\necho "self-extracting"\nexit 0\n${"#".repeat(300)}\n`);
    const whole = Uint8Array.from([...script, ...zip]);
    const directory = await readZipDirectory(memorySource(whole));
    expect(directory?.problem).toBeUndefined();
    expect(directory?.entries.map((entry) => [entry.name, entry.size])).toEqual([["face.h", ENUM.length]]);
    // The member's local header is where the directory says, in the prepended file.
    expect(
      Buffer.from(whole.subarray(directory!.entries[0]!.localOffset, directory!.entries[0]!.localOffset + 4)),
    ).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

    const dir = tempFolder();
    writeFileSync(join(dir, "installer.run"), whole);
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    const finding = report.findings.find((f) => f.match === "EM_NATION_TYPE_UYGUR");
    // Carved from the offset where the zip starts.
    expect(finding?.location).toMatch(/installer\.run@0x[0-9a-f]+!face\.h$/u);
  });

  it("takes zip64 sizes from a local header's extra field when there is no central directory", async () => {
    const data = Buffer.from(ENUM);
    const name = Buffer.from("face.h");
    const extra = [...u16(1), ...u16(16), ...u64(data.length), ...u64(data.length)];
    const local = [
      ...[0x50, 0x4b, 0x03, 0x04],
      ...u16(45),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(0),
      ...u32(0xffffffff),
      ...u32(0xffffffff),
      ...u16(name.length),
      ...u16(extra.length),
    ];
    // Cut off before its central directory: only the local header tells the sizes.
    const truncated = Uint8Array.from([...local, ...name, ...extra, ...data, 0x50, 0x4b, 0x01]);
    const run = await runOnce(truncated);
    expect(run.format).toBe("zip");
    expect(run.children.map((child) => child.name)).toEqual(["face.h"]);
    expect(Buffer.from(await childBytes(run.children[0]!)).toString()).toBe(ENUM);
  });
});

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One tar header block; `gnu` writes old GNU magic ("ustar  "), else POSIX ustar. */
function tarHeader(
  name: string,
  size: number,
  type: string,
  options: { gnu?: boolean; fill?: (block: Buffer) => void } = {},
): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, "utf8");
  block.write(octal(0o644, 8), 100, "latin1");
  block.write(octal(0, 8), 108, "latin1");
  block.write(octal(0, 8), 116, "latin1");
  block.write(octal(size, 12), 124, "latin1");
  block.write(octal(0, 12), 136, "latin1");
  block.write(type, 156, "latin1");
  block.write(options.gnu === true ? "ustar  \0" : "ustar\x0000", 257, "latin1");
  options.fill?.(block);
  block.write("        ", 148, "latin1");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + " ", 148, "latin1");
  return block;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

function paxData(records: [string, string][]): Buffer {
  const lines = records.map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    return `${length}${body}`;
  });
  return Buffer.from(lines.join(""), "utf8");
}

/** A sparse file of `realSize` bytes: pieces of text at the offsets given, zeros elsewhere. */
function sparseFile(
  realSize: number,
  pieces: [number, string][],
): { whole: Buffer; map: [number, number][]; stored: Buffer } {
  const whole = Buffer.alloc(realSize);
  const map: [number, number][] = [];
  for (const [offset, text] of pieces) {
    whole.write(text, offset, "latin1");
    map.push([offset, text.length]);
  }
  const stored = Buffer.concat(map.map(([offset, length]) => whole.subarray(offset, offset + length)));
  return { whole, map, stored };
}

/** The same sparse file in GNU tar's four sparse formats, each followed by a plain member. */
function sparseTars(file: ReturnType<typeof sparseFile>): Record<string, Buffer> {
  const { whole, map, stored } = file;
  const after = tarHeader("after.h", ENUM.length, "0");
  const plain = Buffer.concat([after, padded(Buffer.from(ENUM))]);
  const end = Buffer.alloc(2 * BLOCK);
  const pax = (records: [string, string][], data: Buffer): Buffer => {
    const header = paxData(records);
    return Buffer.concat([
      tarHeader("PaxHeaders/sparse", header.length, "x"),
      padded(header),
      tarHeader("GNUSparseFile.0/sparse", data.length, "0"),
      padded(data),
    ]);
  };
  // Old GNU: four map entries in the header, the rest in extension blocks of 21.
  const entry = (block: Buffer, at: number, [offset, length]: [number, number]): void => {
    block.write(octal(offset, 12), at, "latin1");
    block.write(octal(length, 12), at + 12, "latin1");
  };
  const extensions: Buffer[] = [];
  for (let first = 4; first < map.length; first += 21) {
    const block = Buffer.alloc(BLOCK);
    map.slice(first, first + 21).forEach((piece, index) => {
      entry(block, index * 24, piece);
    });
    block[504] = first + 21 < map.length ? 1 : 0;
    extensions.push(block);
  }
  const oldGnu = Buffer.concat([
    tarHeader("sparse", stored.length, "S", {
      gnu: true,
      fill: (block) => {
        map.slice(0, 4).forEach((piece, index) => {
          entry(block, 386 + index * 24, piece);
        });
        block[482] = map.length > 4 ? 1 : 0;
        block.write(octal(whole.length, 12), 483, "latin1");
      },
    }),
    ...extensions,
    padded(stored),
  ]);
  const mapText = `${map.length}\n${map.map(([offset, length]) => `${offset}\n${length}\n`).join("")}`;
  return {
    "old GNU": Buffer.concat([oldGnu, plain, end]),
    "pax 0.0": Buffer.concat([
      pax(
        [
          ["GNU.sparse.size", String(whole.length)],
          ["GNU.sparse.numblocks", String(map.length)],
          ...map.flatMap(([offset, length]): [string, string][] => [
            ["GNU.sparse.offset", String(offset)],
            ["GNU.sparse.numbytes", String(length)],
          ]),
          ["GNU.sparse.name", "sparse"],
        ],
        stored,
      ),
      plain,
      end,
    ]),
    "pax 0.1": Buffer.concat([
      pax(
        [
          ["GNU.sparse.size", String(whole.length)],
          ["GNU.sparse.numblocks", String(map.length)],
          ["GNU.sparse.map", map.flat().join(",")],
          ["GNU.sparse.name", "sparse"],
        ],
        stored,
      ),
      plain,
      end,
    ]),
    "pax 1.0": Buffer.concat([
      pax(
        [
          ["GNU.sparse.major", "1"],
          ["GNU.sparse.minor", "0"],
          ["GNU.sparse.name", "sparse"],
          ["GNU.sparse.realsize", String(whole.length)],
        ],
        Buffer.concat([padded(Buffer.from(mapText)), stored]),
      ),
      plain,
      end,
    ]),
  };
}

describe("GNU tar sparse members", () => {
  // 30 pieces: more than the old GNU header holds, so two extension blocks follow it.
  const pieces: [number, string][] = Array.from({ length: 30 }, (_, index) => [
    index * 10_000 + 17,
    index === 29 ? ENUM : `piece ${index}\n`,
  ]);
  const file = sparseFile(301_000, pieces);

  for (const [format, tar] of Object.entries(sparseTars(file))) {
    it(`${format}: the whole file is extracted, holes as zeros, and the member after it is still read`, async () => {
      const run = await runOnce(tar);
      expect(run.format).toBe("tar");
      expect(run.events.filter((event) => event.kind !== "child")).toEqual([]);
      expect(run.children.map((child) => child.name)).toEqual(["sparse", "after.h"]);
      expect(Buffer.from(await childBytes(run.children[0]!)).equals(file.whole)).toBe(true);
      expect(Buffer.from(await childBytes(run.children[1]!)).toString()).toBe(ENUM);
      // Not one range of the archive: no offset in it is claimed.
      expect(run.children[0]!.offsetInParent).toBeUndefined();
    });
  }

  it("a map that does not fit its data skips that member only", async () => {
    const tar = sparseTars(file)["pax 0.1"]!;
    // Claim a real size smaller than the map's last piece.
    const broken = Buffer.from(
      tar.toString("latin1").replace(/GNU\.sparse\.size=301000/u, "GNU.sparse.size=000100"),
      "latin1",
    );
    const run = await runOnce(broken);
    expect(run.skipped.map((skip) => [skip.name, skip.reason])).toEqual([["sparse", "corrupt"]]);
    expect(run.children.map((child) => child.name)).toEqual(["after.h"]);
  });

  const gnuTar =
    (spawnSync("tar", ["--version"], { encoding: "utf8" }).stdout as string | null)?.includes("GNU tar") ??
    false;
  it.skipIf(!gnuTar)("matches what GNU tar itself writes, in each sparse format", async () => {
    const dir = tempFolder();
    const path = join(dir, "sparse");
    const fd = openSync(path, "w");
    ftruncateSync(fd, file.whole.length);
    for (const [offset, text] of pieces) writeSync(fd, Buffer.from(text, "latin1"), 0, text.length, offset);
    closeSync(fd);
    mkdirSync(join(dir, "out"));
    const formats: [string, string[]][] = [
      ["gnu", ["--format=gnu"]],
      ["pax-0.0", ["--format=posix", "--sparse-version=0.0"]],
      ["pax-0.1", ["--format=posix", "--sparse-version=0.1"]],
      ["pax-1.0", ["--format=posix", "--sparse-version=1.0"]],
    ];
    for (const [label, flags] of formats) {
      const out = join(dir, "out", `${label}.tar`);
      const made = spawnSync("tar", ["--sparse", ...flags, "-cf", out, "-C", dir, "sparse"], {
        encoding: "utf8",
      });
      expect(made.status, made.stderr).toBe(0);
      const run = await runOnce(new Uint8Array(readFileSync(out)));
      expect(
        run.children.map((child) => child.name),
        label,
      ).toEqual(["sparse"]);
      expect(Buffer.from(await childBytes(run.children[0]!)).equals(file.whole), label).toBe(true);
    }
  });
});

describe("streams carved out of a blob", () => {
  /** Bytes that hold no signature and no term: a repeating ramp. */
  const filler = (length: number): Buffer =>
    Buffer.from(Array.from({ length }, (_, index) => (index * 7) % 200));
  const hasXz = spawnSync("xz", ["--version"]).status === 0;

  it("are read without calling the bytes after them damage (the carve cannot know where they end)", async () => {
    const { gzipSync } = await import("node:zlib");
    const streams: Buffer[] = [gzipSync(Buffer.from(ENUM))];
    // LZMA-alone streams have no end the carve could find without decoding them.
    if (hasXz) streams.push(spawnSync("xz", ["-c", "--format=lzma"], { input: ENUM }).stdout);
    const dir = tempFolder();
    writeFileSync(
      join(dir, "firmware.bin"),
      Buffer.concat(streams.flatMap((stream) => [filler(5000), stream]).concat(filler(5000))),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    const carvedFindings = report.findings.filter(
      (f) => f.match === "EM_NATION_TYPE_UYGUR" && f.layers.length > 2,
    );
    expect(carvedFindings.length).toBe(streams.length);
  });

  it("a stream named as a file still notes bytes after its end", async () => {
    const { gzipSync } = await import("node:zlib");
    const dir = tempFolder();
    writeFileSync(
      join(dir, "face.h.gz"),
      Buffer.concat([gzipSync(Buffer.from(ENUM)), Buffer.from("GARBAGE AFTER")]),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((entry) => [entry.status, entry.reason])).toContainEqual([
      "partial",
      "corrupt",
    ]);
  });
});

describe("a carve's wrong guess", () => {
  /** An LZMA-alone header as liblzma accepts one (dictionary 2^23, 5,000 bytes declared), then no stream. */
  const falseLzma = (): Buffer => {
    const header = Buffer.alloc(13);
    header[0] = 0x5d;
    header.writeUInt32LE(1 << 23, 1);
    header.writeUInt32LE(5000, 5);
    return Buffer.concat([header, Buffer.from([0, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(3000, 0xff)]);
  };

  it("is not recorded as damage when 7-Zip does not take the slice for that format", async () => {
    const dir = tempFolder();
    const filler = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 13) % 200));
    writeFileSync(join(dir, "module.o"), Buffer.concat([filler, falseLzma(), filler]));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    // The slice itself was searched, and is not said to be an LZMA stream.
    const slice = report.coverage.find((entry) => entry.layers.length === 2);
    expect(slice?.format).toBeUndefined();
  });

  it("an LZMA header that declares a handful of bytes is not carved at all (Go object files hold many)", async () => {
    const dir = tempFolder();
    const header = falseLzma();
    header.writeUInt32LE(14, 5);
    writeFileSync(join(dir, "object.o"), Buffer.concat([Buffer.alloc(100, 0x90), header]));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((entry) => entry.location)).toEqual([
      join(dir, "object.o").split("\\").join("/"),
    ]);
  });

  /**
   * A header 7-Zip takes for LZMA (dictionary 2^25, 256 bytes declared) over bytes that look like object code
   * (mostly zeros): it lists the slice and then fails with "Data Error", as with FFTW's and LLVM's `.o` files.
   */
  const undecodableLzma = (): Buffer => {
    const header = falseLzma().subarray(0, 13);
    header.writeUInt32LE(1 << 25, 1);
    header.writeUInt32LE(256, 5);
    const code = Buffer.from("00001c0000000000e400000011ca0000", "hex");
    return Buffer.concat([header, code, Buffer.alloc(1784)]);
  };

  it("is not recorded as damage when 7-Zip takes the slice for LZMA but cannot decode it", async () => {
    const dir = tempFolder();
    const filler = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 13) % 200));
    writeFileSync(join(dir, "hc2cf.o"), Buffer.concat([filler, undecodableLzma(), filler]));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    // What 7-Zip wrote before it gave up is searched all the same.
    expect(report.coverage.some((entry) => entry.layers.length === 3)).toBe(true);
  });

  it("a file that is such a stream is still recorded as damaged", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "payload.lzma"), undecodableLzma());
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage[0]).toMatchObject({ status: "partial", reason: "corrupt" });
    expect(report.coverage[0]!.detail).toContain("Data Error");
  });

  it("a file of that format that 7-Zip cannot open is still recorded", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "payload.lzma"), falseLzma());
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((entry) => [entry.status, entry.reason])).toContainEqual([
      "partial",
      "corrupt",
    ]);
  });
});

describe("empty containers", () => {
  it("an ar archive of nothing but its signature (glibc's libdl.a) is scanned, not damaged", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "libdl.a"), "!<arch>\n");
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((entry) => [entry.status, entry.reason])).toEqual([["scanned", undefined]]);
  });
});
