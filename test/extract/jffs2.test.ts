import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ENUM_TEXT,
  JFFS2_ENUM_AT,
  MARKER,
  hasTool,
  jffs2PageFile,
  libfaceBytes,
} from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { jffs2Crc } from "../../src/extract/jffs2-extractor.js";
import type { ScanReport } from "../../src/model/report.js";
import {
  type Run,
  childBytes,
  cleanupTempDirs,
  contains,
  display,
  fixtures,
  openAll,
  runOnce,
} from "./drive.js";

// JFFS2 images written by mkfs.jffs2 (mtd-utils, installed by .ci/run) and sumtool: both byte orders and
// every compressor mkfs.jffs2 offers, read back file by file; damaged copies give notices, not throws.

const haveTools = hasTool("mkfs.jffs2") && hasTool("sumtool");
if (!haveTools && process.env.CI !== undefined)
  throw new Error("mkfs.jffs2 / sumtool (mtd-utils) missing in CI");

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
}, 120_000);
afterAll(cleanupTempDirs);

const EXPECTED = new Map<string, Buffer>([
  ["etc/empty", Buffer.alloc(0)],
  ["etc/readme.txt", Buffer.from(`${MARKER} readme\n`)],
  // libface.so.1 is a hard link to this inode: one child, named by its first path.
  ["usr/lib/libface.so", libfaceBytes()],
  ["usr/share/face/deep/attributes.bin", jffs2PageFile()],
]);

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

/** The compressor byte of every inode node with data, read independently of the extractor. */
function compressors(image: Buffer): Set<number> {
  const le = image[0] === 0x85;
  const found = new Set<number>();
  for (let pos = 0; pos + 12 <= image.length;) {
    const magic = le ? image.readUInt16LE(pos) : image.readUInt16BE(pos);
    if (magic !== 0x1985) {
      pos += 4;
      continue;
    }
    const type = le ? image.readUInt16LE(pos + 2) : image.readUInt16BE(pos + 2);
    const totlen = le ? image.readUInt32LE(pos + 4) : image.readUInt32BE(pos + 4);
    const csize = le ? image.readUInt32LE(pos + 48) : image.readUInt32BE(pos + 48);
    if (type === 0xe002 && csize > 0) found.add(image[pos + 56]!);
    pos += (totlen + 3) & ~3;
  }
  return found;
}

function patchHeader(image: Buffer, at: number, totlen: number): void {
  const le = image[0] === 0x85;
  if (le) image.writeUInt32LE(totlen, at + 4);
  else image.writeUInt32BE(totlen, at + 4);
  const crc = jffs2Crc(image.subarray(at, at + 8));
  if (le) image.writeUInt32LE(crc, at + 8);
  else image.writeUInt32BE(crc, at + 8);
}

/** Image offsets of the inode nodes of the inode whose number is `ino`. */
function inodeNodes(image: Buffer, ino: number): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 68 <= image.length;) {
    if (image.readUInt16LE(pos) !== 0x1985) {
      pos += 4;
      continue;
    }
    if (image.readUInt16LE(pos + 2) === 0xe002 && image.readUInt32LE(pos + 12) === ino) out.push(pos);
    pos += (image.readUInt32LE(pos + 4) + 3) & ~3;
  }
  return out;
}

describe.skipIf(!haveTools)("JFFS2 images from mkfs.jffs2", () => {
  const variants: [string, number[]][] = [
    ["jffs2-le.img", [0, 6]],
    ["jffs2-be.img", [0, 6]],
    ["jffs2-rtime.img", [0, 2]],
    ["jffs2-none.img", [0]],
    ["jffs2-size.img", [0, 6, 7]],
    ["jffs2-lzo.img", [0, 7]],
    ["jffs2-summary.img", [0]],
  ];

  it.each(variants)("%s: every regular file, whole and in order", async (name, expected) => {
    const image = readFileSync(made[name]!);
    expect([...compressors(image)].sort()).toEqual(expected); // the fixture exercises what it claims
    const run = await runOnce(made[name]!);
    expect(run.format).toBe("jffs2");
    expect(run.events.filter((event) => event.kind !== "child")).toEqual([]);
    expect(run.children.map((entry) => entry.name)).toEqual([...EXPECTED.keys()]);
    for (const entry of run.children) {
      expect(Buffer.from(await childBytes(entry)).equals(EXPECTED.get(entry.name)!), entry.name).toBe(true);
      // offsetInParent points at an inode node of the image (the one holding the file's first byte).
      if (entry.name === "etc/empty") expect(entry.offsetInParent).toBeUndefined();
      else {
        const at = entry.offsetInParent!;
        const le = image[0] === 0x85;
        expect(le ? image.readUInt16LE(at + 2) : image.readUInt16BE(at + 2)).toBe(0xe002);
        expect(le ? image.readUInt32LE(at + 44) : image.readUInt32BE(at + 44)).toBe(0);
      }
    }
  });

  it("mkfs.jffs2's header CRC is the kernel's crc32(0, …) that the reader checks", () => {
    for (const name of ["jffs2-le.img", "jffs2-be.img"]) {
      const image = readFileSync(made[name]!);
      const stored = name.includes("-le") ? image.readUInt32LE(8) : image.readUInt32BE(8);
      expect(jffs2Crc(image.subarray(0, 8))).toBe(stored);
    }
  });

  it("the enum across the page boundary is only in the rebuilt file, at its file offset", async () => {
    const image = readFileSync(made["jffs2-le.img"]!);
    expect(contains(image, ENUM_UTF16)).toBe(-1); // zlib pages: the raw image does not show it
    const run = await runOnce(made["jffs2-le.img"]!);
    const file = run.children.find((entry) => entry.name.endsWith("attributes.bin"))!;
    expect(contains(await childBytes(file), ENUM_UTF16)).toBe(JFFS2_ENUM_AT);
  });

  it("a JFFS2 image inside a uImage is handed over and opened", async () => {
    const { leaves } = await openAll(made["jffs2.uimage"]!);
    const chains = leaves.map((leaf) => display(leaf.layers));
    expect(chains).toContain("jffs2.uimage!rootfs!usr/share/face/deep/attributes.bin");
    const leaf = leaves.find((entry) => display(entry.layers).endsWith("libface.so"))!;
    expect(leaf.layers.map((layer) => layer.via)).toEqual(["file", "uimage", "jffs2"]);
  });
});

function notes(run: Run): string {
  return run.events
    .map((event) => (event.kind === "partial" ? `${event.reason}: ${event.detail}` : ""))
    .join("\n");
}

describe.skipIf(!haveTools)("damaged JFFS2 images give notices, never a throw or a hang", () => {
  const image = () => Buffer.from(readFileSync(made["jffs2-le.img"]!));
  const run = (bytes: Buffer) => runOnce(new Uint8Array(bytes), { timeoutMs: 10_000 });
  const attributesIno = async () => {
    const result = await runOnce(made["jffs2-le.img"]!);
    const file = result.children.find((entry) => entry.name.endsWith("attributes.bin"))!;
    return readFileSync(made["jffs2-le.img"]!).readUInt32LE(file.offsetInParent! + 12);
  };

  it("a flipped byte in a data node: that node is dropped and counted, the other files are whole", async () => {
    const bytes = image();
    const second = inodeNodes(bytes, await attributesIno()).find(
      (at) => bytes.readUInt32LE(at + 44) === 4096,
    )!;
    bytes[second + 68 + 10]! ^= 0x40;
    const result = await run(bytes);
    const notices = result.events.filter((event) => event.kind === "partial");
    expect(notices).toEqual([expect.objectContaining({ reason: "corrupt" })]);
    expect(notices[0]!.detail).toContain("1 nodes with a bad data or name CRC");
    expect(notices[0]!.detail).toContain("data nodes lost from usr/share/face/deep/attributes.bin");
    const attributes = Buffer.from(await childBytes(result.children.find((c) => c.name.endsWith(".bin"))!));
    expect(attributes.subarray(0, 4096).equals(jffs2PageFile().subarray(0, 4096))).toBe(true);
    expect(attributes.subarray(4096, 8192).equals(Buffer.alloc(4096))).toBe(true); // the lost page reads as a hole
    const lib = result.children.find((c) => c.name === "usr/lib/libface.so")!;
    expect(Buffer.from(await childBytes(lib)).equals(libfaceBytes())).toBe(true);
  });

  it("a truncated image gives what it can plus a notice", async () => {
    const bytes = image();
    const cut = bytes.subarray(0, inodeNodes(bytes, await attributesIno()).at(-1)! + 40);
    const result = await run(Buffer.from(cut));
    expect(result.format).toBe("jffs2");
    expect(notes(result)).toMatch(/^corrupt: jffs2: a node at offset \d+ runs past the end/m);
    // The files before the cut are whole; the cut file keeps its first pages, its last one reads as a hole.
    const attributes = Buffer.from(await childBytes(result.children.find((c) => c.name.endsWith(".bin"))!));
    expect(attributes.length).toBe(10000);
    expect(attributes.subarray(0, 8192).equals(jffs2PageFile().subarray(0, 8192))).toBe(true);
    expect(attributes.subarray(8192).equals(Buffer.alloc(10000 - 8192))).toBe(true);
  });

  it("a node whose header claims a huge totlen (with a valid header CRC) is not followed", async () => {
    const bytes = image();
    patchHeader(bytes, 0, 0xffff_fff0); // the cleanmarker at offset 0
    const result = await run(bytes);
    expect(result.format).toBe("jffs2");
    expect(result.children.map((entry) => entry.name)).toEqual([...EXPECTED.keys()]);
    expect(notes(result)).toContain("corrupt: jffs2: a node at offset 0 runs past the end");
  });

  it("a dirent naming its own ancestor directory (a loop) is not followed", async () => {
    const bytes = image();
    const lib = (await runOnce(made["jffs2-le.img"]!)).children.find((c) => c.name === "usr/lib/libface.so")!;
    const libIno = bytes.readUInt32LE(lib.offsetInParent! + 12);
    // Find the dirent naming libface.so: its pino is usr/lib; add usr/lib/loop → the root's "usr" inode.
    const dirents = new Map<string, { pino: number; ino: number }>();
    for (let pos = 0; pos + 40 <= bytes.length;) {
      if (bytes.readUInt16LE(pos) !== 0x1985) {
        pos += 4;
        continue;
      }
      if (bytes.readUInt16LE(pos + 2) === 0xe001) {
        const name = bytes.subarray(pos + 40, pos + 40 + bytes[pos + 28]!).toString();
        dirents.set(name, { pino: bytes.readUInt32LE(pos + 12), ino: bytes.readUInt32LE(pos + 20) });
      }
      pos += (bytes.readUInt32LE(pos + 4) + 3) & ~3;
    }
    const libDir = [...dirents.values()].find((entry) => entry.ino === libIno)!.pino;
    const usr = dirents.get("usr")!.ino;
    const loop = Buffer.alloc(44);
    loop.writeUInt32LE(libDir, 12);
    loop.writeUInt32LE(1000, 16);
    loop.writeUInt32LE(usr, 20);
    loop[28] = 4;
    loop[29] = 4; // DT_DIR
    loop.write("loop", 40);
    loop.writeUInt32LE(jffs2Crc(loop.subarray(40, 44)), 36);
    loop.writeUInt16LE(0x1985, 0);
    loop.writeUInt16LE(0xe001, 2);
    patchHeader(loop, 0, 44);
    loop.writeUInt32LE(jffs2Crc(loop.subarray(0, 32)), 32);
    const result = await run(Buffer.concat([bytes, loop]));
    expect(result.children.map((entry) => entry.name)).toEqual([...EXPECTED.keys()]);
    expect(notes(result)).toContain("1 directory entries forming a loop");
  });
});

describe.skipIf(!haveTools)("end to end: a scan finds the enum inside a JFFS2 image", () => {
  let report: ScanReport;
  beforeAll(async () => {
    report = await scan({ paths: [made["jffs2-le.img"]!, made["jffs2.uimage"]!], jobs: 1 });
  }, 120_000);

  it("reports the page-boundary enum with the chain file → jffs2, hashes and the file offset", () => {
    const finding = report.findings.find(
      (f) =>
        f.layers[0]!.path.endsWith("jffs2-le.img") &&
        f.layers.at(-1)!.path === "usr/share/face/deep/attributes.bin" &&
        f.match.includes("UYGUR"),
    );
    expect(finding, JSON.stringify(report.findings.map((f) => f.location))).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "jffs2"]);
    expect(finding!.layers.every((layer) => /^[0-9a-f]{64}$/.test(layer.sha256))).toBe(true);
    expect(finding!.layers[1]!.offsetInParent).toBeGreaterThan(0);
    expect(finding!.encoding).toBe("utf-16le");
    expect(finding!.offset).toBeGreaterThanOrEqual(JFFS2_ENUM_AT);
    expect(finding!.offset).toBeLessThan(JFFS2_ENUM_AT + ENUM_UTF16.length);
  });

  it("the same file through a uImage carries the uImage layer too", () => {
    const finding = report.findings.find(
      (f) => f.layers[0]!.path.endsWith("jffs2.uimage") && f.layers.at(-1)!.path === "usr/lib/libface.so",
    );
    expect(finding).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "uimage", "jffs2"]);
  });
});
