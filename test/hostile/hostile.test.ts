import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cpioNewc,
  MARKER,
  nestedBomb,
  nestedZip,
  sevenZip,
  tar,
  zipBomb,
} from "../../scripts/build-fixtures.mjs";
import { DEFAULT_BUDGETS } from "../../src/extract/registry.js";
import {
  childBytes,
  cleanupTempDirs,
  contains,
  fixtures,
  newTempDir,
  openAll,
  runOnce,
  TEST_BUDGETS,
} from "../extract/drive.js";
import { ROOT } from "../helpers.js";
import { skipWithoutTools } from "../extract/tools.js";

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

/** Samples the resident set size while `work` runs; returns the peak growth in bytes. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const base = process.memoryUsage().rss;
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss - base);
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss - base);
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe("bombs", () => {
  it("a gigabyte of zeros in a 1 MB zip is skipped by the ratio budget in well under a second", async () => {
    const bomb = zipBomb(1024);
    expect(bomb.length).toBeLessThan(1.2e6);
    const started = Date.now();
    const { result: run, peak } = await peakRss(() => runOnce(bomb, { budgets: DEFAULT_BUDGETS }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(peak).toBeLessThan(1024 ** 3);
    expect(run.children).toEqual([]);
    expect(run.skipped).toEqual([expect.objectContaining({ name: "zeros.bin", reason: "budget-ratio" })]);
  });

  it("a bomb whose header lies about its size is stopped while inflating", async () => {
    const bomb = zipBomb(1024, { declaredSize: 1000 });
    const started = Date.now();
    const { result: run, peak } = await peakRss(() => runOnce(bomb, { budgets: DEFAULT_BUDGETS }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(peak).toBeLessThan(1024 ** 3);
    expect(run.children).toEqual([]);
    expect(run.skipped).toEqual([expect.objectContaining({ reason: "budget-ratio" })]);
  });

  it("7-Zip formats: an xz bomb and a solid 7z bomb are skipped by the ratio budget", async () => {
    const dir = await newTempDir();
    await writeFile(join(dir, "zeros-a.bin"), Buffer.alloc(32 * 1024 * 1024));
    await writeFile(join(dir, "zeros-b.bin"), Buffer.alloc(32 * 1024 * 1024));
    await sevenZip(dir, ["a", "-txz", "-bd", "zeros.xz", "zeros-a.bin"]);
    await sevenZip(dir, ["a", "-t7z", "-ms=on", "-bd", "zeros.7z", "zeros-a.bin", "zeros-b.bin"]);
    const xz = await runOnce(join(dir, "zeros.xz"), { budgets: DEFAULT_BUDGETS });
    expect(xz.format).toBe("xz");
    expect(xz.children).toEqual([]);
    expect(xz.skipped).toEqual([expect.objectContaining({ reason: "budget-ratio" })]);
    const solid = await runOnce(join(dir, "zeros.7z"), { budgets: DEFAULT_BUDGETS });
    expect(solid.format).toBe("7z");
    expect(solid.children).toEqual([]);
    expect(solid.skipped.map((skipped) => skipped.reason)).toEqual(["budget-ratio", "budget-ratio"]);
  });

  it("a 42.zip-style nested bomb finishes in seconds and records the budget", async () => {
    const dir = await newTempDir();
    const path = join(dir, "42.zip");
    await writeFile(path, nestedBomb(3, 16, 1024));
    const started = Date.now();
    const { result, peak } = await peakRss(() => openAll(path, { budgets: DEFAULT_BUDGETS }));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(peak).toBeLessThan(1024 ** 3);
    // 4096 gigabyte bombs at the bottom: none is expanded, each is recorded.
    const ratio = result.notices.filter(
      (notice) => notice.kind === "skipped" && notice.reason === "budget-ratio",
    );
    expect(ratio.length).toBe(16 ** 3);
    expect(result.written).toBeLessThan(100 * 1024 * 1024);
  });

  it("nesting 100 deep stops at the depth budget", async () => {
    const dir = await newTempDir();
    const path = join(dir, "deep.zip");
    await writeFile(path, nestedZip(100));
    const { leaves, notices } = await openAll(path, { budgets: { ...TEST_BUDGETS, maxDepth: 10 } });
    expect(Math.max(...leaves.map((leaf) => leaf.layers.length))).toBe(11);
    expect(notices).toEqual([expect.objectContaining({ kind: "partial", reason: "budget-depth" })]);
  });

  it("the member-count budget is recorded", async () => {
    const entries: [string, Uint8Array][] = Array.from({ length: 50 }, (_, i) => [
      `f${i}.txt`,
      Buffer.from(`file ${i}`),
    ]);
    const run = await runOnce(tar(entries), { budgets: { ...TEST_BUDGETS, maxMembers: 10 } });
    expect(run.children).toHaveLength(10);
    expect(run.skipped).toEqual([expect.objectContaining({ reason: "budget-members" })]);
  });

  it("the member-count budget is recorded once for 7-Zip formats too", async () => {
    const entries: [string, Uint8Array][] = Array.from({ length: 50 }, (_, i) => [
      `f${i}.txt`,
      Buffer.from(`file ${i}`),
    ]);
    const run = await runOnce(cpioNewc(entries), { budgets: { ...TEST_BUDGETS, maxMembers: 10 } });
    expect(run.format).toBe("cpio");
    expect(run.children).toHaveLength(10);
    expect(run.skipped).toEqual([expect.objectContaining({ reason: "budget-members" })]);
  });

  it("the total-bytes budget is recorded", async () => {
    const entries: [string, Uint8Array][] = Array.from({ length: 5 }, (_, i) => [
      `f${i}.bin`,
      Buffer.alloc(1000, i),
    ]);
    const run = await runOnce(tar(entries), { remainingBytes: 2500 });
    expect(run.children).toHaveLength(2);
    expect(run.skipped.map((skipped) => skipped.reason)).toEqual([
      "budget-total-bytes",
      "budget-total-bytes",
      "budget-total-bytes",
    ]);
  });
});

describe.skipIf(skipWithoutTools)("names and links never leave the temp area", () => {
  const evil = `custodiet-evil-${process.pid}.txt`;
  const traversal = [`../../../../${evil}`, `/tmp/${evil}`, `..\\..\\${evil}`];

  async function expectContained(run: { tempDir: string; children: { file?: string }[] }): Promise<void> {
    for (const child of run.children)
      if (child.file !== undefined) expect(child.file.startsWith(run.tempDir + sep)).toBe(true);
    await expect(stat(join(tmpdir(), evil))).rejects.toThrow();
    await expect(stat(join("/", evil))).rejects.toThrow();
    for (const file of await listFiles(run.tempDir)) expect(file.startsWith(run.tempDir + sep)).toBe(true);
  }

  it("zip: traversal and absolute names are labels only", async () => {
    const run = await runOnce(made["unix-modes.zip"]!);
    expect(run.children.map((child) => child.name).sort()).toEqual(["../../evil.txt", "/abs/path.txt"]);
    expect(run.skipped).toEqual([expect.objectContaining({ name: "link", reason: "not-a-regular-file" })]);
    await expectContained(run);
  });

  it("tar: traversal names are labels; symlink loops and escapes are recorded", async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 7); // spills to a temp file
    const archive = tar([
      [traversal[0]!, big],
      [traversal[1]!, Buffer.from("abs")],
      ["a", null, { symlink: "b" }],
      ["b", null, { symlink: "a" }],
      ["x/escape", null, { symlink: "/etc" }],
      ["x/escape/passwd", Buffer.from("write through link")],
    ]);
    const run = await runOnce(archive);
    expect(run.children.map((child) => child.name)).toEqual([traversal[0], traversal[1], "x/escape/passwd"]);
    expect(run.children[0]!.file).toBeDefined();
    expect(run.skipped.map((skipped) => skipped.reason)).toEqual(Array(3).fill("not-a-regular-file"));
    await expectContained(run);
  });

  it("7-Zip formats (cpio): traversal, absolute names and links stay inside", async () => {
    const archive = cpioNewc([
      [traversal[0]!, Buffer.from(`${MARKER} 1`)],
      [traversal[1]!, Buffer.from(`${MARKER} 2`)],
      ["link", "/etc", { symlink: true }],
      ["link/evil", Buffer.from("through link")],
      ["loop-a", "loop-b", { symlink: true }],
      ["loop-b", "loop-a", { symlink: true }],
    ]);
    const run = await runOnce(archive);
    expect(run.format).toBe("cpio");
    expect(run.children.length).toBeGreaterThanOrEqual(2);
    for (const child of run.children)
      expect(contains(await childBytes(child), MARKER) >= 0 || child.name.endsWith("evil")).toBe(true);
    expect(run.skipped.filter((skipped) => skipped.reason === "not-a-regular-file").length).toBe(3);
    await expectContained(run);
  });

  it("squashfs symlink loop: completes, links recorded", async () => {
    const run = await runOnce(made["rootfs-gzip.squashfs"]!);
    expect(run.skipped.every((skipped) => skipped.reason === "not-a-regular-file")).toBe(true);
    expect(run.skipped).toHaveLength(3);
    await expectContained(run);
  });
});

describe("garbage", () => {
  const MAGICS: [string, number[], number?][] = [
    ["zip", [0x50, 0x4b, 0x03, 0x04]],
    ["dahua", [0x44, 0x48, 0x03, 0x04]],
    ["gzip", [0x1f, 0x8b, 0x08, 0x00]],
    ["bzip2", [...Buffer.from("BZh9"), 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]],
    ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
    ["7z", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
    ["rar", [...Buffer.from("Rar!"), 0x1a, 0x07, 0x00]],
    ["cab", [...Buffer.from("MSCF"), 0, 0, 0, 0]],
    ["cpio", [...Buffer.from("070701")]],
    ["ar", [...Buffer.from("!<arch>\n")]],
    ["rpm", [0xed, 0xab, 0xee, 0xdb]],
    ["squashfs", [...Buffer.from("hsqs"), ...new Array<number>(24).fill(0), 4, 0]],
    ["chm", [...Buffer.from("ITSF"), 3, 0, 0, 0]],
    ["ole", [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
    ["pdf", [...Buffer.from("%PDF-1.7\n")]],
    ["dex", [...Buffer.from("dex\n035\0")]],
    ["iso", [...Buffer.from("CD001")], 0x8001],
  ];
  for (const [name, magic, at = 0] of MAGICS) {
    it(`${name}: random bytes behind a valid magic finish without throwing`, async () => {
      const bytes = randomBytes(at + 128 * 1024);
      Buffer.from(magic).copy(bytes, at);
      const run = await runOnce(bytes, { timeoutMs: 20_000 });
      expect(
        run.children.every((child) => child.file === undefined || child.file.startsWith(run.tempDir)),
      ).toBe(true);
    });
  }

  it("a malformed PDF gives a corrupt notice, not an exception", async () => {
    const run = await runOnce(made["malformed.pdf"]!);
    expect(run.format).toBe("pdf");
    expect(run.children).toEqual([]);
    expect(run.events).toEqual([expect.objectContaining({ kind: "partial", reason: "corrupt" })]);
  });

  it("a sparse 10 GB file is carved in bounded memory and finds the stream at 5 GB", async () => {
    const dir = await newTempDir();
    const path = join(dir, "sparse.bin");
    const handle = await open(path, "w");
    const at = 5 * 1024 ** 3 + 12345;
    await handle.write(Buffer.from([0, 1, 2, 3]), 0, 4, 0);
    await handle.write(gzipSync(Buffer.from(`${MARKER} deep in a sparse file`)), 0, undefined, at);
    await handle.truncate(10 * 1024 ** 3);
    await handle.close();
    // Run in a plain Node process on the build (npm test builds first): vitest's worker heap makes the
    // garbage collection of 2,560 read buffers several times slower than in the real engine.
    const script = `
      const { detectFormat, DEFAULT_BUDGETS } = await import(${JSON.stringify(join(ROOT, "dist/extract/index.js"))});
      const { openFileSource } = await import(${JSON.stringify(join(ROOT, "dist/sources/byte-source.js"))});
      const source = await openFileSource(${JSON.stringify(path)});
      const extractor = await detectFormat(await source.read(0, 65536), source);
      const context = { tempDir: ${JSON.stringify(dir)}, budgets: DEFAULT_BUDGETS, depth: 0, remainingBytes: 1e12,
        signal: AbortSignal.timeout(200000), name: "sparse.bin" };
      const events = [];
      for await (const event of extractor.extract(source, context)) events.push({ ...event, bytes: undefined });
      process.stdout.write(JSON.stringify({ format: extractor.name, events, rss: process.resourceUsage().maxRSS }));
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const measured = JSON.parse(result.stdout) as { format: string; events: unknown[]; rss: number };
    expect(measured.format).toBe("carve");
    expect(measured.events).toEqual([expect.objectContaining({ kind: "child", carvedAt: at, via: "carve" })]);
    // maxRSS is in kilobytes.
    expect(measured.rss / 1024).toBeLessThan(1024);
  }, 240_000);
});
