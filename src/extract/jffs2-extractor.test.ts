import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { memorySource } from "../sources/byte-source.js";
import type { Budgets, ChildArtifact, ExtractEvent, PartialNotice, SkippedMember } from "./extractor.js";
import { jffs2Crc, jffs2Extractor } from "./jffs2-extractor.js";
import { DEFAULT_BUDGETS } from "./registry.js";
import { rtimeCompress, rtimeDecompress } from "./rtime.js";

// A small JFFS2 node writer, so that the cases mkfs.jffs2 never writes (overwrites, holes, deletions,
// loops, damage) can be built byte by byte. The CRC itself is checked against mkfs.jffs2 output in
// test/extract/jffs2.test.ts.

const S_IFREG = 0o100644;
const S_IFDIR = 0o040755;
const S_IFLNK = 0o120777;

function finish(bytes: Uint8Array, type: number, le: boolean): Uint8Array {
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x1985, le);
  view.setUint16(2, type, le);
  view.setUint32(4, bytes.length, le);
  view.setUint32(8, jffs2Crc(bytes.subarray(0, 8)), le);
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  return padded;
}

interface InodeSpec {
  ino: number;
  version: number;
  mode?: number;
  isize: number;
  offset?: number;
  dsize?: number;
  compr?: number;
  data?: Uint8Array;
}

function inode(spec: InodeSpec, le = true): Uint8Array {
  const data = spec.data ?? new Uint8Array(0);
  const bytes = new Uint8Array(68 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(12, spec.ino, le);
  view.setUint32(16, spec.version, le);
  view.setUint32(20, spec.mode ?? S_IFREG, le);
  view.setUint32(28, spec.isize, le);
  view.setUint32(44, spec.offset ?? 0, le);
  view.setUint32(48, data.length, le);
  view.setUint32(52, spec.dsize ?? data.length, le);
  bytes[56] = spec.compr ?? 0;
  view.setUint32(60, jffs2Crc(data), le);
  bytes.set(data, 68);
  finishHeaderFirst(bytes, 0xe002, le);
  view.setUint32(64, jffs2Crc(bytes.subarray(0, 60)), le);
  return finish(bytes, 0xe002, le);
}

function dirent(pino: number, version: number, ino: number, name: string, type = 8, le = true): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const bytes = new Uint8Array(40 + nameBytes.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(12, pino, le);
  view.setUint32(16, version, le);
  view.setUint32(20, ino, le);
  bytes[28] = nameBytes.length;
  bytes[29] = type;
  bytes.set(nameBytes, 40);
  view.setUint32(36, jffs2Crc(nameBytes), le);
  finishHeaderFirst(bytes, 0xe001, le);
  view.setUint32(32, jffs2Crc(bytes.subarray(0, 32)), le);
  return finish(bytes, 0xe001, le);
}

/** The node CRC covers the header, so the header is written before it. */
function finishHeaderFirst(bytes: Uint8Array, type: number, le: boolean): void {
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x1985, le);
  view.setUint16(2, type, le);
  view.setUint32(4, bytes.length, le);
  view.setUint32(8, jffs2Crc(bytes.subarray(0, 8)), le);
}

/** The node as the kernel obsoletes it on NOR flash: the ACCURATE bit cleared, the CRCs left as written. */
function obsoleted(node: Uint8Array, le = true): Uint8Array {
  const out = node.slice();
  const view = new DataView(out.buffer);
  view.setUint16(2, view.getUint16(2, le) & ~0x2000, le);
  return out;
}

function cleanmarker(le = true): Uint8Array {
  return finish(new Uint8Array(12), 0x2003, le);
}

function image(...nodes: Uint8Array[]): Uint8Array {
  return Buffer.concat(nodes);
}

const text = (value: string) => new TextEncoder().encode(value);

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function extract(
  bytes: Uint8Array,
  options: { budgets?: Partial<Budgets>; signal?: AbortSignal } = {},
): Promise<{
  children: ChildArtifact[];
  skipped: SkippedMember[];
  notices: PartialNotice[];
  files: Map<string, Buffer>;
}> {
  const tempDir = await mkdtemp(join(tmpdir(), "custodiet-jffs2-"));
  tempDirs.push(tempDir);
  const budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
  const events: ExtractEvent[] = [];
  const context = {
    tempDir,
    budgets,
    depth: 0,
    remainingBytes: budgets.maxTotalBytes,
    signal: options.signal ?? AbortSignal.timeout(20_000),
    name: "test.jffs2",
  };
  for await (const event of jffs2Extractor.extract(memorySource(bytes), context)) events.push(event);
  const children = events.filter((event): event is ChildArtifact => event.kind === "child");
  const files = new Map<string, Buffer>();
  for (const entry of children) {
    files.set(entry.name, entry.bytes ? Buffer.from(entry.bytes) : await readFile(entry.file!));
  }
  return {
    children,
    skipped: events.filter((event): event is SkippedMember => event.kind === "skipped"),
    notices: events.filter((event): event is PartialNotice => event.kind === "partial"),
    files,
  };
}

describe("rtime", () => {
  it("round-trips runs, repeats and every byte value", () => {
    const input = Buffer.concat([
      Buffer.alloc(3000, 0),
      Buffer.from("abcabcabcabcabc xyz xyz xyz"),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.alloc(600, 0x41),
    ]);
    const packed = rtimeCompress(input);
    expect(packed.length).toBeLessThan(input.length / 3);
    expect(Buffer.from(rtimeDecompress(packed, input.length)!)).toEqual(input);
  });

  it("refuses input that ends early or repeats past the output", () => {
    const packed = rtimeCompress(Buffer.alloc(100, 7));
    expect(rtimeDecompress(packed.subarray(0, 1), 100)).toBeUndefined();
    expect(rtimeDecompress(Uint8Array.from([7, 0, 7, 200]), 100)).toBeUndefined();
  });
});

describe("jffs2 detection", () => {
  it("claims a node header with a valid CRC in either byte order, not the magic alone", () => {
    expect(jffs2Extractor.detect(cleanmarker(true))).toBe(true);
    expect(jffs2Extractor.detect(cleanmarker(false))).toBe(true);
    const forged = cleanmarker(true);
    forged[5] = 1; // totlen changed without a new header CRC
    expect(jffs2Extractor.detect(forged)).toBe(false);
    expect(jffs2Extractor.detect(Uint8Array.from([0x85, 0x19, 3, 0x20, 12, 0, 0, 0, 0, 0, 0, 0]))).toBe(
      false,
    );
  });
});

describe("jffs2 tree and data", () => {
  const root = (ino: number, name: string, type = 8) => dirent(1, ino, ino, name, type);

  it("applies data nodes in version order over holes and cuts the file to the latest isize", async () => {
    const { files, notices, children } = await extract(
      image(
        cleanmarker(),
        root(2, "a.bin"),
        // Version 3 overwrites part of version 1; version 2 leaves a hole (zeros) from 10 to 20.
        inode({ ino: 2, version: 3, isize: 30, offset: 4, data: text("XY") }),
        inode({ ino: 2, version: 1, isize: 10, offset: 0, data: text("0123456789") }),
        inode({ ino: 2, version: 2, isize: 30, offset: 20, data: text("abcdefghij") }),
        // Version 5 truncates to 25 bytes (the newest node decides the size, wherever it lies);
        // version 4 is a zero node (a hole punched in the data).
        inode({ ino: 2, version: 5, isize: 25 }),
        inode({ ino: 2, version: 4, isize: 30, offset: 6, dsize: 2, compr: 1 }),
      ),
    );
    expect(notices).toEqual([]);
    expect(files.get("a.bin")).toEqual(
      Buffer.concat([text("0123XY\0\x0089"), Buffer.alloc(10), text("abcde")]),
    );
    // The child points at the node holding its first byte.
    expect(children[0]!.offsetInParent).toBe(12 + 48 + 72);
  });

  it("decodes zlib (with and without its header) and rtime nodes", async () => {
    const page = Buffer.concat([
      Buffer.alloc(2000, 0),
      text("EM_NATION_TYPE_UYGUR"),
      Buffer.alloc(2076, 0x20),
    ]);
    const { files, notices } = await extract(
      image(
        root(2, "z"),
        inode({ ino: 2, version: 1, isize: 4096, dsize: 4096, compr: 6, data: deflateSync(page) }),
        root(3, "raw"),
        inode({
          ino: 3,
          version: 1,
          isize: 4096,
          dsize: 4096,
          compr: 6,
          data: deflateSync(page).subarray(2, -4),
        }),
        root(4, "r"),
        inode({ ino: 4, version: 1, isize: 4096, dsize: 4096, compr: 2, data: rtimeCompress(page) }),
      ),
    );
    expect(notices).toEqual([]);
    expect([...files.keys()]).toEqual(["r", "raw", "z"]);
    for (const bytes of files.values()) expect(bytes).toEqual(page);
  });

  it("builds paths from root inode 1; the newest dirent per name wins; deleted names leave orphans", async () => {
    const { files, children, notices } = await extract(
      image(
        dirent(1, 1, 2, "etc", 4),
        inode({ ino: 2, version: 1, mode: S_IFDIR, isize: 0 }),
        dirent(2, 2, 3, "old.conf"),
        dirent(2, 5, 0, "old.conf"), // deleted at version 5
        inode({ ino: 3, version: 1, isize: 4, data: text("gone") }),
        dirent(2, 3, 4, "cfg"),
        dirent(2, 4, 5, "cfg"), // renamed over: inode 4 is left without a name
        inode({ ino: 4, version: 1, isize: 3, data: text("one") }),
        inode({ ino: 5, version: 1, isize: 3, data: text("two") }),
        dirent(2, 6, 5, "hard"), // a second name of inode 5
        dirent(2, 7, 6, "link", 10),
        inode({ ino: 6, version: 1, mode: S_IFLNK, isize: 11, data: text("/etc/passwd") }),
        dirent(2, 8, 7, "empty"),
        inode({ ino: 7, version: 1, isize: 0 }),
      ),
    );
    expect(notices).toEqual([]);
    expect(children.map((entry) => entry.name)).toEqual(["etc/cfg", "etc/empty", "orphan-3", "orphan-4"]);
    expect(files.get("etc/cfg")!.toString()).toBe("two");
    expect(files.get("etc/empty")!.length).toBe(0);
    expect(files.get("orphan-3")!.toString()).toBe("gone");
    expect(files.get("orphan-4")!.toString()).toBe("one");
  });

  it("ignores obsoleted nodes of live files and rebuilds files deleted on NOR flash as deleted-<ino>", async () => {
    const input = Buffer.from(
      image(
        root(2, "f"),
        obsoleted(inode({ ino: 2, version: 1, isize: 3, data: text("old") })),
        inode({ ino: 2, version: 2, isize: 3, data: text("new") }),
        obsoleted(root(9, "gone")),
        obsoleted(inode({ ino: 9, version: 2, isize: 8, offset: 4, data: text("4567") })),
        obsoleted(inode({ ino: 9, version: 1, isize: 4, data: text("0123") })),
      ),
    );
    const original = Buffer.from(input);
    const { files, notices, children } = await extract(input);
    expect(input.equals(original)).toBe(true); // the evidence is read, never written (Buffer.slice is a view)
    expect(notices).toEqual([]);
    expect(children.map((entry) => entry.name)).toEqual(["f", "deleted-9"]);
    expect(files.get("f")!.toString()).toBe("new");
    expect(files.get("deleted-9")!.toString()).toBe("01234567");
  });

  it("does not follow a dirent that points back to an ancestor (a loop), and says so", async () => {
    const { children, notices } = await extract(
      image(
        dirent(1, 1, 2, "a", 4),
        inode({ ino: 2, version: 1, mode: S_IFDIR, isize: 0 }),
        dirent(2, 2, 3, "b", 4),
        inode({ ino: 3, version: 1, mode: S_IFDIR, isize: 0 }),
        dirent(3, 3, 2, "up", 4), // a/b/up → a
        dirent(3, 4, 1, "root", 4), // a/b/root → the root
        dirent(3, 5, 4, "f"),
        inode({ ino: 4, version: 1, isize: 1, data: text("f") }),
      ),
      { signal: AbortSignal.timeout(5000) },
    );
    expect(children.map((entry) => entry.name)).toEqual(["a/b/f"]);
    expect(notices.map((notice) => notice.reason)).toEqual(["corrupt"]);
    expect(notices[0]!.detail).toContain("2 directory entries forming a loop");
  });

  it("skips nodes with a bad node or data CRC, counted in one notice, and keeps older versions", async () => {
    const newer = inode({ ino: 2, version: 2, isize: 3, data: text("new") });
    newer[70]! ^= 1; // a flipped data byte: data CRC fails
    const badHeaderCrc = inode({ ino: 2, version: 3, isize: 3, data: text("bad") });
    badHeaderCrc[20]! ^= 1; // inside the CRC-covered header (mode)
    const { files, notices } = await extract(
      image(root(2, "f"), inode({ ino: 2, version: 1, isize: 3, data: text("old") }), newer, badHeaderCrc),
    );
    expect(files.get("f")!.toString()).toBe("old");
    expect(notices).toHaveLength(1);
    expect(notices[0]!.detail).toContain("1 nodes with a bad node CRC");
    expect(notices[0]!.detail).toContain("1 nodes with a bad data or name CRC");
  });

  it("reports unsupported compressors by name with node and file counts, never dropping a file silently", async () => {
    const { children, skipped, notices } = await extract(
      image(
        root(2, "lzma.bin"),
        inode({ ino: 2, version: 1, isize: 4096, dsize: 4096, compr: 8, data: text("not really lzma") }),
        root(3, "mixed.bin"),
        inode({ ino: 3, version: 1, isize: 8192, offset: 0, dsize: 4096, compr: 1 }),
        inode({ ino: 3, version: 2, isize: 8192, offset: 4096, dsize: 4096, compr: 5, data: text("rubin") }),
      ),
    );
    expect(children.map((entry) => entry.name)).toEqual(["mixed.bin"]);
    expect(skipped.map((entry) => [entry.name, entry.reason])).toEqual([["lzma.bin", "unsupported"]]);
    expect(skipped[0]!.detail).toContain("lzma");
    const details = notices.map((notice) => `${notice.reason}: ${notice.detail}`);
    expect(details).toEqual([
      expect.stringMatching(/^unsupported: .*1 data nodes in 1 files use the lzma compressor.*lzma\.bin/),
      expect.stringMatching(
        /^unsupported: .*1 data nodes in 1 files use the dynrubin compressor.*mixed\.bin/,
      ),
    ]);
  });

  it("rejects a huge totlen, absurd sizes and a lying isize without allocating them", async () => {
    const huge = cleanmarker();
    const view = new DataView(huge.buffer);
    view.setUint32(4, 0x7fff_fff0, true);
    view.setUint32(8, jffs2Crc(huge.subarray(0, 8)), true);
    const absurd = inode({ ino: 3, version: 1, isize: 10, dsize: 0x100000, data: text("x") });
    const { files, notices, skipped } = await extract(
      image(
        cleanmarker(),
        huge,
        root(2, "f"),
        inode({ ino: 2, version: 1, isize: 3, data: text("abc") }),
        root(3, "g"),
        absurd,
        root(4, "bomb"),
        inode({ ino: 4, version: 1, isize: 0xffff_ffff, data: text("tiny") }),
      ),
      { budgets: { maxFileSize: 1024 * 1024 * 1024 } },
    );
    expect(files.get("f")!.toString()).toBe("abc");
    // g's only node was refused: its name is reported, not silently dropped.
    expect(skipped.map((entry) => [entry.name, entry.reason])).toEqual([
      ["g", "corrupt"],
      ["bomb", "too-large"],
    ]);
    const details = notices.map((notice) => notice.detail).join("\n");
    expect(details).toContain("1 inode nodes with impossible sizes");
    expect(details).toContain("runs past the end of the image");
  });

  it("writes big files through the child writer, in order, and counts them in the budget", async () => {
    const pages: Uint8Array[] = [];
    const nodes: Uint8Array[] = [root(2, "big")];
    const size = 3 * 1024 * 1024 + 100;
    for (let offset = 0, version = 1; offset < size; offset += 4096, version += 1) {
      const page = Buffer.alloc(Math.min(4096, size - offset), offset / 4096);
      pages.push(page);
      nodes.push(
        inode({
          ino: 2,
          version,
          isize: size,
          offset,
          data: deflateSync(page),
          dsize: page.length,
          compr: 6,
        }),
      );
    }
    const { files } = await extract(image(...nodes));
    expect(files.get("big")!.equals(Buffer.concat(pages))).toBe(true);
    const over = await extract(image(...nodes), { budgets: { maxTotalBytes: size - 1 } });
    expect(over.skipped.map((entry) => entry.reason)).toEqual(["budget-total-bytes"]);
  });

  it("stops with a time notice when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { children, notices } = await extract(
      image(root(2, "f"), inode({ ino: 2, version: 1, isize: 1, data: text("f") })),
      { signal: controller.signal },
    );
    expect(children).toEqual([]);
    expect(notices.map((notice) => notice.reason)).toContain("budget-time");
  });

  it("reads a big-endian image the same way", async () => {
    const { files } = await extract(
      image(dirent(1, 1, 2, "f", 8, false), inode({ ino: 2, version: 1, isize: 2, data: text("be") }, false)),
    );
    expect(files.get("f")!.toString()).toBe("be");
  });

  it("steps over a node of 2 GiB or more (its padded length is no negative number)", async () => {
    // A padding node claiming 2 GiB, on a source that is that big: erased flash behind a small image.
    const head = image(dirent(1, 1, 2, "f"), inode({ ino: 2, version: 1, isize: 5, data: text("hello") }));
    const padding = new Uint8Array(12);
    const view = new DataView(padding.buffer);
    view.setUint16(0, 0x1985, true);
    view.setUint16(2, 0x2004, true);
    view.setUint32(4, 0x8000_0000, true);
    view.setUint32(8, jffs2Crc(padding.subarray(0, 8)), true);
    const bytes = Buffer.concat([head, padding]);
    const size = bytes.length + 0x8000_0000 + 0x1000;
    const source = memorySource(bytes);
    const big = {
      ...source,
      size,
      read: (offset: number, length: number) => {
        const out = new Uint8Array(Math.max(0, Math.min(length, size - offset))).fill(0xff);
        if (offset < bytes.length) out.set(bytes.subarray(offset, offset + out.length));
        return Promise.resolve(out);
      },
    };
    const tempDir = await mkdtemp(join(tmpdir(), "custodiet-jffs2-"));
    tempDirs.push(tempDir);
    const events: ExtractEvent[] = [];
    const context = {
      tempDir,
      budgets: DEFAULT_BUDGETS,
      depth: 0,
      remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
      signal: AbortSignal.timeout(20_000),
      name: "big.jffs2",
    };
    for await (const event of jffs2Extractor.extract(big, context)) events.push(event);
    expect(events.filter((event) => event.kind === "partial")).toEqual([]);
    const children = events.filter((event): event is ChildArtifact => event.kind === "child");
    expect(children.map((child) => child.name)).toEqual(["f"]);
  });
});
