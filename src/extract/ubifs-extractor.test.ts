import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MARKER,
  UBIFS_COMPRESSIONS,
  buildUbifsFixtures,
  ubifsLibBytes,
} from "../../scripts/build-fixtures.mjs";
import { seededIntegers } from "../../test/random.js";
import { skipWithoutTools } from "../../test/extract/tools.js";
import { cleanupTempDirs, runOnce } from "../../test/extract/drive.js";
import { ubifsCrc, ubifsExtractor } from "./ubifs-extractor.js";

const LEB = 126976;

let dir = "";
const images = new Map<string, Uint8Array>();
beforeAll(() => {
  if (skipWithoutTools) return;
  dir = mkdtempSync(join(tmpdir(), "custodiet-ubifs-test-"));
  const { made } = buildUbifsFixtures(dir);
  for (const comp of UBIFS_COMPRESSIONS)
    images.set(comp, new Uint8Array(readFileSync(made[`ubifs-${comp}.img`]!)));
});
afterAll(async () => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  await cleanupTempDirs();
});

type Result = Awaited<ReturnType<typeof runOnce>>;

const extract = (image: Uint8Array, options: Parameters<typeof runOnce>[1] = {}) =>
  runOnce(image, { extractor: ubifsExtractor, name: "ubifs.img", ...options });

function bytesOf(result: Result, name: string): Buffer | undefined {
  const found = result.children.find((c) => c.name === name);
  return found?.bytes === undefined ? undefined : Buffer.from(found.bytes);
}

const SPARSE = (() => {
  const out = Buffer.alloc(65536);
  out.write(MARKER, 40960);
  return out;
})();

/** The expected tree: every regular file and its bytes. */
const FILES: [string, Buffer][] = [
  ["etc/empty", Buffer.alloc(0)],
  ["etc/readme.txt", Buffer.from(`${MARKER} readme\n`)],
  ["usr/lib/libface.so", ubifsLibBytes()],
  ["var/lib/a/b/c/deep.txt", Buffer.from(`${MARKER} deep\n`)],
  ["var/sparse.bin", SPARSE],
];

interface Node {
  readonly at: number;
  readonly type: number;
  readonly inum: number;
  readonly block: number;
}

/** Nodes of an image found by magic and type (the test's own look, independent of the reader). */
function nodes(image: Uint8Array): Node[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const out: Node[] = [];
  for (let at = 0; at + 32 <= image.length; at += 8) {
    if (view.getUint32(at, true) !== 0x06101831) continue;
    out.push({
      at,
      type: image[at + 20]!,
      inum: view.getUint32(at + 24, true),
      block: view.getUint32(at + 28, true) & 0x1fffffff,
    });
  }
  return out;
}

function u32(image: Uint8Array, at: number): number {
  return new DataView(image.buffer, image.byteOffset).getUint32(at, true);
}

function setU32(image: Uint8Array, at: number, value: number): void {
  new DataView(image.buffer, image.byteOffset).setUint32(at, value, true);
}

function flip(image: Uint8Array, at: number, mask: number): void {
  image[at] = (image[at] ?? 0) ^ mask;
}

/** Rewrites a node's CRC after a deliberate change, so that only the change is under test. */
function reseal(image: Uint8Array, at: number): void {
  setU32(image, at + 4, ubifsCrc(image.subarray(at + 8, at + u32(image, at + 16))));
}

/** The inode number of the library (the inode node of 12,000 bytes). */
function libInum(image: Uint8Array): number {
  const view = new DataView(image.buffer, image.byteOffset);
  const inode = nodes(image).find((n) => n.type === 0 && view.getUint32(n.at + 48, true) === 12000)!;
  return inode.inum;
}

/** A UBIFS node: common header (magic, CRC, sqnum, length, type) and `body`. */
function ubifsNode(type: number, sqnum: number, body: Uint8Array): Uint8Array {
  const node = new Uint8Array(24 + body.length);
  const view = new DataView(node.buffer);
  view.setUint32(0, 0x06101831, true);
  view.setBigUint64(8, BigInt(sqnum), true);
  view.setUint32(16, node.length, true);
  node[20] = type;
  node.set(body, 24);
  reseal(node, 0);
  return node;
}

function body(length: number, fill: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = new Uint8Array(length);
  fill(new DataView(bytes.buffer), bytes);
  return bytes;
}

function dent(sqnum: number, parent: number, name: string, inum: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  return ubifsNode(
    2,
    sqnum,
    body(32 + nameBytes.length + 1, (view, bytes) => {
      view.setUint32(0, parent, true);
      view.setUint32(4, ((2 << 29) | nameBytes.length) >>> 0, true);
      view.setBigUint64(16, BigInt(inum), true);
      view.setUint16(26, nameBytes.length, true);
      bytes.set(nameBytes, 32);
    }),
  );
}

function inode(sqnum: number, inum: number, size: number, nlink = 1, flags = 0): Uint8Array {
  return ubifsNode(
    0,
    sqnum,
    body(136, (view) => {
      view.setUint32(0, inum, true);
      view.setBigUint64(24, BigInt(size), true);
      view.setUint32(68, nlink, true);
      view.setUint32(84, flags, true);
      view.setUint32(80, 0o100644, true);
    }),
  );
}

function data(sqnum: number, inum: number, block: number, bytes: Uint8Array): Uint8Array {
  return ubifsNode(
    1,
    sqnum,
    body(24 + bytes.length, (view, out) => {
      view.setUint32(0, inum, true);
      view.setUint32(4, ((1 << 29) | block) >>> 0, true);
      view.setUint32(16, bytes.length, true);
      out.set(bytes, 24);
    }),
  );
}

function trun(sqnum: number, inum: number, size: number): Uint8Array {
  return ubifsNode(
    4,
    sqnum,
    body(32, (view) => {
      view.setUint32(0, inum, true);
      view.setBigUint64(24, BigInt(size), true);
    }),
  );
}

function ref(sqnum: number, lnum: number, offs: number): Uint8Array {
  return ubifsNode(
    8,
    sqnum,
    body(40, (view) => {
      view.setUint32(0, lnum, true);
      view.setUint32(4, offs, true);
    }),
  );
}

describe("UBIFS node CRC", () => {
  it("is CRC-32 seeded with 0xffffffff, without the final inversion", () => {
    expect(ubifsCrc(new TextEncoder().encode("123456789"))).toBe(~0xcbf43926 >>> 0);
  });
});

describe.skipIf(skipWithoutTools)("UBIFS images written by mkfs.ubifs", () => {
  it("the superblock CRC mkfs.ubifs wrote is the one computed here, and only UBIFS is claimed", () => {
    const image = images.get("lzo")!;
    expect(u32(image, 4)).toBe(ubifsCrc(image.subarray(8, 4096)));
    expect(ubifsExtractor.detect(image.subarray(0, 65536))).toBe(true);
    const damaged = image.slice(0, 65536);
    flip(damaged, 100, 1);
    expect(ubifsExtractor.detect(damaged)).toBe(false);
  });

  it.each(UBIFS_COMPRESSIONS)("%s: every file comes out whole, with its path", async (comp) => {
    const image = images.get(comp)!;
    const result = await extract(image);
    expect(result.notices).toEqual([]);
    expect(result.children.map((c) => c.name)).toEqual(FILES.map(([name]) => name));
    for (const [name, bytes] of FILES) expect(bytesOf(result, name)?.equals(bytes), name).toBe(true);
    expect(result.skipped.map((s) => [s.name, s.reason])).toEqual([
      ["etc/escape", "not-a-regular-file"],
      ["usr/lib/libface.so.1", "duplicate"],
    ]);
    expect(result.skipped[0]!.detail).toContain("/etc/passwd");
  });

  it("each file's offset in the volume is its first data node", async () => {
    const image = images.get("lzo")!;
    const result = await extract(image);
    const lib = result.children.find((c) => c.name === "usr/lib/libface.so")!;
    const at = lib.offsetInParent!;
    expect(u32(image, at)).toBe(0x06101831);
    expect(image[at + 20]).toBe(1);
    expect(u32(image, at + 24)).toBe(libInum(image));
    expect(u32(image, at + 28) & 0x1fffffff).toBe(0);
    // An empty file has no data node.
    expect(result.children.find((c) => c.name === "etc/empty")!.offsetInParent).toBeUndefined();
  });

  it("a flipped byte in a data node zeroes that block only, and the notice names the file", async () => {
    const image = images.get("lzo")!.slice();
    const inum = libInum(image);
    const node = nodes(image).find((n) => n.type === 1 && n.inum === inum && n.block === 1)!;
    flip(image, node.at + 60, 0x40);
    const result = await extract(image);
    const lib = bytesOf(result, "usr/lib/libface.so")!;
    expect(lib.subarray(0, 4096).equals(ubifsLibBytes().subarray(0, 4096))).toBe(true);
    expect(lib.subarray(4096, 8192).equals(Buffer.alloc(4096))).toBe(true);
    expect(lib.subarray(8192).equals(ubifsLibBytes().subarray(8192))).toBe(true);
    expect(result.notices.map((n) => n.reason)).toEqual(["corrupt"]);
    expect(result.notices[0]!.detail).toMatch(
      /^ubifs: usr\/lib\/libface\.so: 1 block damaged, read as zeros \(node at \d+:\d+ fails its CRC\)$/,
    );
    expect(bytesOf(result, "etc/readme.txt")?.equals(FILES[1]![1])).toBe(true);
  });

  it("an index branch pointing at another file block's node is caught by the node's key", async () => {
    const image = images.get("none")!.slice();
    const inum = libInum(image);
    const found = nodes(image);
    const block0 = found.find((n) => n.type === 1 && n.inum === inum && n.block === 0)!;
    let patched = false;
    for (const index of found.filter((n) => n.type === 9)) {
      const count = image[index.at + 24]! | (image[index.at + 25]! << 8);
      const branch = (u32(image, index.at + 16) - 28) / count;
      for (let i = 0; i < count; i += 1) {
        const at = index.at + 28 + i * branch;
        if (u32(image, at + 12) !== inum || u32(image, at + 16) !== ((1 << 29) | 1) >>> 0) continue;
        setU32(image, at, Math.floor(block0.at / LEB));
        setU32(image, at + 4, block0.at % LEB);
        setU32(image, at + 8, u32(image, block0.at + 16));
        reseal(image, index.at);
        patched = true;
      }
    }
    expect(patched).toBe(true);
    const result = await extract(image);
    const lib = bytesOf(result, "usr/lib/libface.so")!;
    expect(lib.subarray(4096, 8192).equals(Buffer.alloc(4096))).toBe(true);
    expect(lib.subarray(0, 4096).equals(ubifsLibBytes().subarray(0, 4096))).toBe(true);
    expect(result.notices.map((n) => n.detail)).toEqual([
      `ubifs: usr/lib/libface.so: 1 block damaged, read as zeros (the index points at a node other than block 1 of inode ${inum})`,
    ]);
  });

  it("a zstd frame declaring more than a block is refused before fzstd allocates it", async () => {
    const image = images.get("zstd")!.slice();
    const inum = libInum(image);
    const node = nodes(image).find((n) => n.type === 1 && n.inum === inum && n.block === 0)!;
    expect(image[node.at + 48 + 4]).toBe(0x60); // single segment, 2-byte content size (as mkfs.ubifs writes)
    image[node.at + 48 + 5] = 0xff;
    image[node.at + 48 + 6] = 0xff;
    reseal(image, node.at);
    const result = await extract(image);
    expect(bytesOf(result, "usr/lib/libface.so")!.subarray(0, 4096).equals(Buffer.alloc(4096))).toBe(true);
    expect(result.notices[0]!.detail).toContain("zstd: zstd frame declares 65791 bytes");
  });

  it("a damaged master node in LEB 1 is noted and the copy in LEB 2 is used", async () => {
    const image = images.get("zlib")!.slice();
    flip(image, LEB + 50, 0xff);
    const result = await extract(image);
    expect(result.notices.map((n) => n.detail)).toEqual([
      "ubifs: master node at 1:0 is damaged; used master 2",
    ]);
    expect(result.children.map((c) => c.name)).toEqual(FILES.map(([name]) => name));
  });

  it("with both master nodes damaged, all erase blocks are scanned and the files still come out", async () => {
    const image = images.get("lzo")!.slice();
    flip(image, LEB + 50, 0xff);
    flip(image, 2 * LEB + 50, 0xff);
    const result = await extract(image);
    expect(result.notices[0]!.detail).toMatch(/^ubifs: no valid master node; files rebuilt by scanning/);
    for (const [name, bytes] of FILES) expect(bytesOf(result, name)?.equals(bytes), name).toBe(true);
  });

  it("a damaged index node falls back to the scan", async () => {
    const image = images.get("none")!.slice();
    const root = u32(image, LEB + 48) * LEB + u32(image, LEB + 52);
    expect(image[root + 20]).toBe(9);
    flip(image, root + 30, 0x01);
    const result = await extract(image);
    expect(result.notices[0]!.detail).toContain("fails its CRC; files rebuilt by scanning");
    for (const [name, bytes] of FILES) expect(bytesOf(result, name)?.equals(bytes), name).toBe(true);
  });

  it("an index node pointing at itself ends (no hang) and falls back to the scan", async () => {
    const image = images.get("lzo")!.slice();
    const rootLnum = u32(image, LEB + 48);
    const rootOffs = u32(image, LEB + 52);
    const root = rootLnum * LEB + rootOffs;
    // Every branch of the root points back at the root, same length; the node stays CRC-valid.
    const count = image[root + 24]! | (image[root + 25]! << 8);
    const branch = (u32(image, root + 16) - 28) / count;
    for (let i = 0; i < count; i += 1) {
      setU32(image, root + 28 + i * branch, rootLnum);
      setU32(image, root + 32 + i * branch, rootOffs);
      setU32(image, root + 36 + i * branch, u32(image, root + 16));
    }
    reseal(image, root);
    const result = await extract(image);
    expect(result.notices[0]!.detail).toMatch(
      /^ubifs: index (node .* has the wrong level|node .* is reached twice|points at a non-index)/,
    );
    expect(result.children.map((c) => c.name)).toEqual(FILES.map(([name]) => name));
  });

  it("the journal after the last commit is replayed: new, deleted and truncated files", async () => {
    const clean = images.get("lzo")!;
    const image = new Uint8Array(clean.length + 2 * LEB).fill(0xff);
    image.set(clean);
    const view = new DataView(image.buffer);
    const logLnum = u32(image, LEB + 44);
    expect(image[logLnum * LEB + 20]).toBe(10); // the commit-start node of the master's commit
    const commitSqnum = Number(view.getBigUint64(logLnum * LEB + 8, true));
    // mkfs.ubifs writes the commit-start node after the master node; a kernel commit writes it before.
    let sqnum = Math.max(Number(view.getBigUint64(LEB + 8, true)), commitSqnum) + 1;
    const found = nodes(image);
    const dentOf = (name: string) =>
      found.find(
        (n) =>
          n.type === 2 &&
          new TextDecoder().decode(image.subarray(n.at + 56, n.at + 56 + name.length + 1)) === `${name}\0`,
      )!;
    const etc = Number(view.getBigUint64(dentOf("etc").at + 40, true));
    const lib = libInum(image);
    const readme = Number(view.getBigUint64(dentOf("readme.txt").at + 40, true));
    const libInode = found.find((n) => n.type === 0 && n.inum === lib)!;
    const libInodeBytes = image.slice(libInode.at, libInode.at + u32(image, libInode.at + 16));
    new DataView(libInodeBytes.buffer).setBigUint64(8, BigInt(sqnum + 10), true);
    reseal(libInodeBytes, 0);
    const text = new TextEncoder().encode(`${MARKER} journal`);
    const journal = [
      dent(sqnum++, etc, "new.txt", 1000),
      inode(sqnum++, 1000, text.length),
      data(sqnum++, 1000, 0, text),
      dent(sqnum++, etc, "readme.txt", 0), // an unlink: the entry's deletion, the inode with no links
      inode(sqnum++, readme, 0, 0),
      trun(sqnum++, lib, 4096),
      libInodeBytes, // the library inode written again after the truncation (size 12,000: a hole)
      inode(sqnum++, 1002, 4, 1, 0x20), // an extended attribute's value: not a file
      inode(sqnum++, 1003, 4), // a regular file no directory names (unlinked while open)
      data(sqnum++, 1003, 0, text.subarray(0, 4)),
    ];
    let at = 13 * LEB;
    for (const node of journal) {
      image.set(node, at);
      at += Math.ceil(node.length / 8) * 8;
    }
    // A directory entry in an erase block only an older commit referenced: not replayed.
    image.set(dent(commitSqnum - 5, etc, "old.txt", 1001), 14 * LEB);
    image.set(inode(commitSqnum - 4, 1001, 0), 14 * LEB + 128);
    expect(image.subarray(logLnum * LEB + 2048, logLnum * LEB + 2176).every((b) => b === 0xff)).toBe(true);
    image.set(ref(sqnum++, 13, 0), logLnum * LEB + 2048);
    image.set(ref(commitSqnum - 6, 14, 0), logLnum * LEB + 2048 + 64);
    const result = await extract(image);
    expect(result.notices).toEqual([]);
    expect(result.children.map((c) => c.name)).toEqual([
      "etc/empty",
      "etc/new.txt",
      "unlinked/inode-1003",
      "usr/lib/libface.so",
      "var/lib/a/b/c/deep.txt",
      "var/sparse.bin",
    ]);
    expect(bytesOf(result, "etc/new.txt")?.equals(text)).toBe(true);
    const expected = Buffer.alloc(12000);
    ubifsLibBytes().copy(expected, 0, 0, 4096);
    expect(bytesOf(result, "usr/lib/libface.so")?.equals(expected)).toBe(true);
  });

  it("a truncated volume gives notices and what is left, without throwing", async () => {
    const image = images.get("lzo")!;
    for (const cut of [10, 4095, 4096 + 100, LEB + 600, Math.floor(image.length / 2), image.length - 5000]) {
      const result = await extract(image.subarray(0, cut));
      expect(result.notices.length + result.children.length).toBeGreaterThan(0);
      if (cut < 4096) expect(result.notices[0]!.detail).toBe("ubifs: superblock node truncated");
    }
  });

  it("an unknown compression is a skipped member naming it; fscrypt contents are skipped as encrypted", async () => {
    const image = images.get("lzo")!.slice();
    const inum = libInum(image);
    const data = nodes(image).find((n) => n.type === 1 && n.inum === inum && n.block === 2)!;
    image[data.at + 44] = 9;
    reseal(image, data.at);
    const readme = nodes(image).find((n) => n.type === 0 && u32(image, n.at + 48) === FILES[1]![1].length)!;
    setU32(image, readme.at + 108, u32(image, readme.at + 108) | 0x40);
    reseal(image, readme.at);
    const result = await extract(image);
    const skipped = new Map(result.skipped.map((s) => [s.name, s]));
    expect(skipped.get("usr/lib/libface.so")?.reason).toBe("unsupported");
    expect(skipped.get("usr/lib/libface.so")?.detail).toContain("unknown compression 9");
    expect(skipped.get("etc/readme.txt")?.reason).toBe("encrypted");
    expect(result.notices).toEqual([
      {
        kind: "partial",
        reason: "encrypted",
        detail:
          "ubifs: 2 files not read: etc/readme.txt (fscrypt-encrypted), usr/lib/libface.so (unknown compression 9)",
      },
    ]);
    expect(result.children.map((c) => c.name)).toEqual([
      "etc/empty",
      "var/lib/a/b/c/deep.txt",
      "var/sparse.bin",
    ]);
  });

  it("the member budget and the abort signal stop it with a record", async () => {
    const image = images.get("lzo")!;
    const few = await extract(image, { budgets: { maxMembers: 2 } });
    expect(few.children).toHaveLength(2);
    expect(few.skipped.some((s) => s.reason === "budget-members")).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const aborted = await extract(image, { signal: controller.signal });
    expect(aborted.children).toHaveLength(0);
    expect(aborted.notices.map((n) => n.reason)).toEqual(["budget-time"]);
  });

  it("random damage anywhere never throws or hangs", async () => {
    const next = seededIntegers(11);
    const clean = images.get("zstd")!;
    const used = nodes(clean).map((n) => n.at);
    for (let round = 0; round < 60; round += 1) {
      const image = clean.slice();
      for (let flips = 1 + next(8); flips > 0; flips -= 1) {
        // Mostly inside nodes (where damage matters), sometimes anywhere.
        const at = round % 4 === 0 ? next(image.length) : used[next(used.length)]! + next(64);
        image[at] = next(256);
      }
      const result = await extract(image);
      expect(result.children.length + result.notices.length).toBeGreaterThan(0);
    }
  });
});
