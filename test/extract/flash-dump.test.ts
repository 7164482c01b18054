import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ENUM_TEXT,
  FLASH_OFFSETS,
  buildFlashDumps,
  hasTool,
  libfaceBytes,
  tar,
  ubifsLibBytes,
  withSpareAreas,
} from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { jffs2Crc } from "../../src/extract/jffs2-extractor.js";
import type { ScanReport } from "../../src/model/report.js";
import { cleanupTempDirs, newTempDir, runOnce } from "./drive.js";

// Whole flash dumps (bootloader noise, a kernel or zeros, then the root file system at a partition offset,
// erased flash and more noise), built by the fixture script with mkfs.jffs2, mkfs.ubifs and ubinize: the
// carver cuts the file system out and the engine opens it with its reader.

const haveTools =
  hasTool("mkfs.jffs2") && hasTool("mkfs.ubifs") && hasTool("ubinize") && hasTool("mksquashfs");
if (!haveTools && process.env.CI !== undefined)
  throw new Error("mkfs.jffs2 / mkfs.ubifs / ubinize (mtd-utils) or mksquashfs missing in CI");

let made: Record<string, string> = {};
let dir = "";
beforeAll(async () => {
  dir = await newTempDir();
  ({ made } = buildFlashDumps(dir));
}, 120_000);
afterAll(cleanupTempDirs);

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

const CASES = [
  {
    dump: "flash-jffs2-le.bin",
    image: "flash-jffs2-le.img",
    kind: "jffs2",
    vias: ["file", "carve", "jffs2"],
    lib: libfaceBytes(),
  },
  {
    dump: "flash-jffs2-be.bin",
    image: "flash-jffs2-be.img",
    kind: "jffs2",
    vias: ["file", "carve", "jffs2"],
    lib: libfaceBytes(),
  },
  {
    dump: "flash-ubi.bin",
    image: "ubifs-ubi.img",
    kind: "ubi",
    vias: ["file", "carve", "ubi", "ubifs"],
    lib: ubifsLibBytes(),
  },
  {
    dump: "flash-ubifs.bin",
    image: "ubifs-lzo.img",
    kind: "ubifs",
    vias: ["file", "carve", "ubifs"],
    lib: ubifsLibBytes(),
  },
] as const;

describe.skipIf(!haveTools)(
  "end to end: a scan of a flash dump finds the enum inside its file system",
  () => {
    let report: ScanReport;
    beforeAll(async () => {
      report = await scan({ paths: CASES.map(({ dump }) => made[dump]!), jobs: 1 });
    }, 120_000);

    it.each(CASES)("$dump: file → carve → $kind … → file, with offsets and hashes", (c) => {
      const at = FLASH_OFFSETS[c.dump]!;
      const finding = report.findings.find(
        (f) =>
          f.layers[0]!.path.endsWith(c.dump) &&
          f.layers.at(-1)!.path === "usr/lib/libface.so" &&
          f.match === ENUM_TEXT,
      );
      expect(finding, JSON.stringify(report.findings.map((f) => f.location))).toBeDefined();
      const layers = finding!.layers;
      expect(layers.map((layer) => layer.via)).toEqual(c.vias);
      expect(layers[0]!.sha256).toBe(sha256(readFileSync(made[c.dump]!)));
      // The carved slice is exactly the image the tool wrote: it starts at the partition offset and ends
      // before the erased flash and noise that follow it.
      const image = readFileSync(join(dir, c.image));
      expect(layers[1]).toMatchObject({
        path: `0x${at.toString(16)}.${c.kind}`,
        carvedAt: at,
        offsetInParent: at,
        size: image.length,
        sha256: sha256(image),
      });
      expect(finding!.encoding).toBe("utf-16le");
      expect(finding!.offset).toBe(c.lib.indexOf(ENUM_UTF16));
      expect(layers.at(-1)!.sha256).toBe(sha256(c.lib));
      if (c.kind === "jffs2") {
        // The file's offset in the image is the header of its first data node (an inode node).
        const node = layers[2]!.offsetInParent!;
        const little = c.dump.includes("-le");
        expect(little ? image.readUInt16LE(node) : image.readUInt16BE(node)).toBe(0x1985);
        expect(little ? image.readUInt16LE(node + 2) : image.readUInt16BE(node + 2)).toBe(0xe002);
      }
    });

    it.each(CASES)("$dump: every layer scanned, nothing partial or corrupt", (c) => {
      const entries = report.coverage.filter((entry) => entry.layers[0]!.path.endsWith(c.dump));
      expect(entries.filter((entry) => entry.status === "partial")).toEqual([]);
      expect(entries.filter((entry) => entry.reason === "corrupt")).toEqual([]);
      const carved = entries.find(
        (entry) => entry.layers.length === 2 && entry.layers[1]!.carvedAt === FLASH_OFFSETS[c.dump],
      );
      expect(carved?.format).toBe(c.kind);
      expect(carved?.location).toBe(`${made[c.dump]}@0x${FLASH_OFFSETS[c.dump]!.toString(16)}`);
    });
  },
);

describe.skipIf(!haveTools)("a NAND dump with the spare areas of its pages", () => {
  it("is carved at its stride, its spare areas cut out, and its UBI opened down to the file", async () => {
    const dump = "flash-nand-oob.bin";
    const at = FLASH_OFFSETS[dump]!;
    const report = await scan({ paths: [made[dump]!], jobs: 1 });
    const finding = report.findings.find(
      (f) => f.layers.at(-1)!.path === "usr/lib/libface.so" && f.match === ENUM_TEXT,
    );
    expect(finding, JSON.stringify(report.coverage.map((entry) => entry.location))).toBeDefined();
    const layers = finding!.layers;
    expect(layers.map((layer) => layer.via)).toEqual(["file", "carve", "nand", "ubi", "ubifs"]);
    // The carved slice is the UBI image's erase blocks, each page followed by its 64-byte spare area.
    const image = readFileSync(join(dir, "ubifs-ubi.img"));
    expect(layers[1]).toMatchObject({ carvedAt: at, size: (image.length / 2048) * 2112 });
    // Without its spare areas it is, byte for byte, the image ubinize wrote.
    expect(layers[2]).toMatchObject({
      path: "data-2048+64",
      element: "2048-byte pages, 64-byte spare areas removed",
      size: image.length,
      sha256: sha256(image),
    });
    expect(finding!.offset).toBe(ubifsLibBytes().indexOf(ENUM_UTF16));
    expect(layers.at(-1)!.sha256).toBe(sha256(ubifsLibBytes()));
    expect(
      report.coverage.filter(
        (entry) =>
          entry.status !== "scanned" && entry.reason !== "not-a-regular-file" && entry.reason !== "duplicate",
      ),
    ).toEqual([]);
  }, 60_000);

  it("a JFFS2 in it: carved, its spare areas cut out once its nodes are seen cut at page ends", async () => {
    const dump = "flash-jffs2-nand.bin";
    const report = await scan({ paths: [made[dump]!], jobs: 1 });
    const finding = report.findings.find(
      (f) => f.layers.at(-1)!.path === "usr/lib/libface.so" && f.match === ENUM_TEXT,
    );
    expect(finding, JSON.stringify(report.coverage.map((entry) => entry.location))).toBeDefined();
    const layers = finding!.layers;
    expect(layers.map((layer) => layer.via)).toEqual(["file", "carve", "nand", "jffs2"]);
    expect(layers[1]!.carvedAt).toBe(FLASH_OFFSETS[dump]);
    // Without its spare areas, the carved slice is the image mkfs.jffs2 wrote.
    const image = readFileSync(join(dir, "flash-jffs2-nand.img"));
    expect(layers[2]).toMatchObject({ path: "data-2048+64", size: image.length, sha256: sha256(image) });
    expect(layers.at(-1)!.sha256).toBe(sha256(libfaceBytes()));
    // Nothing is damaged: no node was lost.
    expect(report.coverage.filter((entry) => entry.status === "partial")).toEqual([]);
    // The image itself, with no spare areas, is read as it is.
    const plain = await runOnce(image);
    expect(plain.children.map((c) => c.via)).not.toContain("nand");
    expect(plain.events.filter((event) => event.kind === "partial")).toEqual([]);
  }, 60_000);

  it("a squashfs in it: carved to its length with the spares, and read without them", async () => {
    const dump = "flash-squashfs-nand.bin";
    const report = await scan({ paths: [made[dump]!], jobs: 1 });
    const finding = report.findings.find(
      (f) => f.layers.at(-1)!.path === "usr/lib/libface.so" && f.match === ENUM_TEXT,
    );
    expect(finding, JSON.stringify(report.coverage.map((entry) => entry.location))).toBeDefined();
    const layers = finding!.layers;
    expect(layers.map((layer) => layer.via)).toEqual(["file", "carve", "nand", "squashfs"]);
    // The squashfs's bytes_used, as mksquashfs wrote them (it pads the file to 4 KiB after them).
    const image = readFileSync(join(dir, "flash-squashfs-nand.img"));
    const used = Number(image.readBigUInt64LE(40));
    expect(layers[1]).toMatchObject({ carvedAt: FLASH_OFFSETS[dump] });
    expect(layers[2]).toMatchObject({ size: used, sha256: sha256(image.subarray(0, used)) });
    expect(layers.at(-1)!.sha256).toBe(sha256(libfaceBytes()));
    expect(report.coverage.filter((entry) => entry.status === "partial")).toEqual([]);
    // The same image without spare areas reads as it is.
    expect((await runOnce(image)).children.map((c) => c.via)).not.toContain("nand");
  }, 60_000);

  it("is opened as a file of its own too, in other page layouts", async () => {
    const image = readFileSync(join(dir, "ubifs-ubi.img"));
    const inputs: string[] = [];
    for (const [page, spare] of [
      [2048, 64],
      [2048, 128],
    ] as const) {
      const path = join(dir, `ubi-${page}+${spare}.nand`);
      writeFileSync(path, withSpareAreas(image, page, spare));
      inputs.push(path);
    }
    const report = await scan({ paths: inputs, jobs: 1 });
    for (const [index, layout] of ["2048+64", "2048+128"].entries()) {
      const found = report.findings.find(
        (f) => f.layers[0]!.path === inputs[index] && f.layers.at(-1)!.path === "usr/lib/libface.so",
      );
      expect(found?.layers.map((layer) => [layer.via, layer.path])).toEqual([
        ["file", inputs[index]],
        ["nand", `data-${layout}`],
        ["ubi", "rootfs"],
        ["ubifs", "usr/lib/libface.so"],
      ]);
      expect(found?.layers[1]!.sha256).toBe(sha256(image));
    }
  }, 60_000);

  it("is one carve, and a plain UBI image is never read as one", async () => {
    expect((await runOnce(made["flash-nand-oob.bin"]!)).children.map((c) => [c.carvedAt, c.name])).toEqual([
      [FLASH_OFFSETS["flash-nand-oob.bin"], `0x${FLASH_OFFSETS["flash-nand-oob.bin"]!.toString(16)}.ubi`],
    ]);
    const plain = await runOnce(readFileSync(join(dir, "ubifs-ubi.img")));
    expect(plain.children.map((c) => c.via)).not.toContain("nand");
  });
});

describe.skipIf(!haveTools)("two JFFS2 partitions with erased flash between them", () => {
  it("are carved as two file systems, each file at its own partition's offset", async () => {
    const dump = "flash-jffs2-two.bin";
    const report = await scan({ paths: [made[dump]!], jobs: 1 });
    const carves = report.coverage.filter((entry) => entry.layers.length === 2);
    const config = readFileSync(join(dir, "flash-jffs2-config.img"));
    const root = readFileSync(join(dir, "flash-jffs2-le.img"));
    expect(
      carves.map((entry) => [entry.layers[1]!.carvedAt, entry.layers[1]!.size, entry.layers[1]!.sha256]),
    ).toEqual([
      [0x20000, config.length, sha256(config)],
      [0x60000, root.length, sha256(root)],
    ]);
    const files = report.coverage.filter((entry) => entry.layers.length === 3).map((entry) => entry.location);
    expect(files).toEqual(
      expect.arrayContaining([
        `${made[dump]}@0x20000!etc/network.conf`,
        `${made[dump]}@0x20000!etc/passwd`,
        `${made[dump]}@0x60000!usr/lib/libface.so`,
      ]),
    );
    const finding = report.findings.find((f) => f.match === ENUM_TEXT);
    expect(finding?.layers[1]!.carvedAt).toBe(0x60000);
  }, 60_000);
});

describe.skipIf(!haveTools)("carving a flash dump, one layer", () => {
  const carvedAt = async (input: string | Uint8Array): Promise<(number | undefined)[]> => {
    const run = await runOnce(input);
    return run.children.map((child) => child.carvedAt);
  };

  it("cuts each file system once: nodes and cleanmarkers inside a carved image start no carve", async () => {
    expect(await carvedAt(made["flash-jffs2-le.bin"]!)).toEqual([FLASH_OFFSETS["flash-jffs2-le.bin"]]);
    // The BE dump holds a uImage kernel at 0x20000 before the file system.
    expect(await carvedAt(made["flash-jffs2-be.bin"]!)).toEqual([
      0x20000,
      FLASH_OFFSETS["flash-jffs2-be.bin"],
    ]);
    expect(await carvedAt(made["flash-ubi.bin"]!)).toEqual([FLASH_OFFSETS["flash-ubi.bin"]]);
    expect(await carvedAt(made["flash-ubifs.bin"]!)).toEqual([FLASH_OFFSETS["flash-ubifs.bin"]]);
  });

  it("crosses a torn write inside an erase block and stops at a block of noise", async () => {
    const dump = readFileSync(made["flash-jffs2-le.bin"]!);
    const image = readFileSync(made["flash-jffs2-le.img"]!);
    const at = FLASH_OFFSETS["flash-jffs2-le.bin"]!;
    // Dirt over the header of the image's first inode node (not on a 4 KiB boundary): the walk must
    // cross it to the nodes behind it.
    const inode = image.indexOf(Buffer.from([0x85, 0x19, 0x02, 0xe0]));
    expect(inode % 4096).not.toBe(0);
    const torn = Buffer.from(dump);
    torn.fill(0x5a, at + inode, at + inode + 24);
    const run = await runOnce(torn);
    expect(
      run.children.map((child) => [child.carvedAt, child.file === undefined ? child.bytes!.length : 0]),
    ).toEqual([[at, image.length]]);
  });
});

/** Binary-looking noise (with NUL bytes) of `length` bytes. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i += 1) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = i % 97 === 0 ? 0 : x >> 16;
  }
  return out;
}

/** A JFFS2 node header of `type`, 64 bytes long, with its header CRC (or a wrong one). */
function jffs2Header(type: number, littleEndian: boolean, goodCrc: boolean): Buffer {
  const header = Buffer.alloc(12);
  if (littleEndian) {
    header.writeUInt16LE(0x1985, 0);
    header.writeUInt16LE(type, 2);
    header.writeUInt32LE(64, 4);
  } else {
    header.writeUInt16BE(0x1985, 0);
    header.writeUInt16BE(type, 2);
    header.writeUInt32BE(64, 4);
  }
  const crc = (jffs2Crc(header.subarray(0, 8)) ^ (goodCrc ? 0 : 1)) >>> 0;
  if (littleEndian) header.writeUInt32LE(crc, 8);
  else header.writeUInt32BE(crc, 8);
  return header;
}

describe("no carve from planted magics", () => {
  const TYPES = [0xe001, 0xe002, 0xc001, 0xc002, 0x2003, 0x2004];

  it("JFFS2 node, UBI and UBIFS magics with bad CRCs at erase-block offsets carve nothing", async () => {
    const blob = noise(0x100000, 5);
    let at = 0x1000;
    for (const type of TYPES) {
      for (const little of [true, false]) {
        jffs2Header(type, little, false).copy(blob, at);
        at += 0x1000;
      }
    }
    // UBI erase-counter headers (version 1) on two consecutive 128 KiB PEBs, with a wrong CRC.
    for (const peb of [0x40000, 0x60000]) {
      Buffer.from("UBI#\x01").copy(blob, peb);
      blob.writeUInt32BE(0x1000, peb + 20);
      blob.writeUInt32BE(0xdeadbeef, peb + 60);
    }
    // A UBIFS superblock node header (type 6, 4096 bytes) with a wrong CRC.
    Buffer.from([0x31, 0x18, 0x10, 0x06]).copy(blob, 0x80000);
    blob.writeUInt32LE(4096, 0x80000 + 16);
    blob[0x80000 + 20] = 6;
    blob.writeUInt32LE(126976, 0x80000 + 36);
    blob.writeUInt32LE(4, 0x80000 + 40);
    const run = await runOnce(blob);
    expect(run.format).toBe("carve");
    expect(run.children).toEqual([]);
    // The control: the same blob with one dirent header made valid carves exactly that node.
    jffs2Header(0xe001, true, true).copy(blob, 0x1000);
    const valid = await runOnce(blob);
    expect(valid.children.map((child) => [child.carvedAt, child.bytes?.length])).toEqual([[0x1000, 64]]);
  });

  it.each([0x10004, 0x10010, 0x10800, 0x10ffc])(
    "a valid JFFS2 node header at the unaligned offset %s carves nothing",
    async (offset) => {
      const blob = noise(0x40000, 9);
      jffs2Header(0xe002, true, true).copy(blob, offset);
      jffs2Header(0xe001, false, true).copy(blob, offset + 0x8000);
      expect((await runOnce(blob)).children).toEqual([]);
      // The control: at the erase-block boundary before it, the same header is carved.
      jffs2Header(0xe002, true, true).copy(blob, offset & ~0xfff);
      expect((await runOnce(blob)).children.map((child) => child.carvedAt)).toEqual([offset & ~0xfff]);
    },
  );
});

describe("a blob with more node headers than the scan keeps as carving candidates", () => {
  it("is searched again by the carver, so a stream after them is still carved", async () => {
    // 120,000 JFFS2 dirent magics off the 4 KiB grid (as the nodes of a large image of small files
    // would be), then a gzip stream holding the library.
    const nodes = Buffer.alloc(120_000 * 8);
    for (let at = 4; at < nodes.length; at += 8) nodes.set([0x85, 0x19, 0x01, 0xe0], at);
    const gz = gzipSync(libfaceBytes());
    const blob = Buffer.concat([Buffer.alloc(0x1000), nodes, Buffer.alloc(0x1000), gz, Buffer.alloc(64)]);
    const path = join(dir, "many-nodes.bin");
    writeFileSync(path, blob);
    const report = await scan({ paths: [path], jobs: 1 });
    const finding = report.findings.find((f) => f.match === ENUM_TEXT);
    expect(finding?.layers.map((layer) => layer.via)).toEqual(["file", "carve", "gzip"]);
    expect(finding?.layers[1]!.carvedAt).toBe(blob.length - 64 - gz.length);
  }, 60_000);
});

describe.skipIf(!haveTools)("a JFFS2 image inside a tar", () => {
  it("is opened through tar, not carved as well", async () => {
    const path = join(dir, "rootfs.tar");
    writeFileSync(path, tar([["rootfs.jffs2", readFileSync(made["flash-jffs2-le.img"]!)]]));
    const report = await scan({ paths: [path], jobs: 1 });
    const finding = report.findings.find((f) => f.match === ENUM_TEXT);
    expect(finding?.layers.map((layer) => layer.via)).toEqual(["file", "tar", "jffs2"]);
    expect(report.findings.filter((f) => f.layers.some((layer) => layer.via === "carve"))).toEqual([]);
    expect(report.coverage.filter((entry) => entry.location.includes("@0x"))).toEqual([]);
    expect(report.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
  }, 60_000);
});
