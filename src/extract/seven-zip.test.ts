import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_BUDGETS } from "../../test/extract/drive.js";
import { ustarOf } from "../../test/ustar.js";
import { memorySource } from "../sources/byte-source.js";
import type { ExtractEvent } from "./extractor.js";
import {
  extractWithSevenZip,
  openSevenZipSession,
  parseSlt,
  runSevenZip,
  sevenZipWorkersStarted,
} from "./seven-zip.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "custodiet-7z-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseSlt", () => {
  it("reads entries after the separator, with modes, sizes and unnamed single streams", () => {
    const listing = [
      "Path = in",
      "Type = squashfs",
      "",
      "----------",
      "Path = etc/link",
      "Folder = -",
      "Size = 11",
      "Packed Size = 11",
      "Mode = lrwxrwxrwx",
      "",
      "Path = usr",
      "Folder = +",
      "Size = ",
      "Mode = drwxr-xr-x",
      "",
      "Size = 278",
      "Packed Size = 152",
      "",
    ].join("\n");
    expect(parseSlt(listing)).toEqual([
      expect.objectContaining({ path: "etc/link", symlink: true, folder: false, size: 11, packedSize: 11 }),
      expect.objectContaining({ path: "usr", folder: true, size: undefined }),
      expect.objectContaining({ path: "", folder: false, size: 278 }),
    ]);
  });
});

describe("runSevenZip", () => {
  it("terminates the worker when the time budget runs out", async () => {
    const started = Date.now();
    const result = await runSevenZip(["b", "-md22", "-mmt1"], dir, { signal: AbortSignal.timeout(300) });
    expect(result.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.runIf(existsSync("/proc/self/fd"))(
    "a command ended by the time budget, or by closing its session, leaves no descriptor open",
    { timeout: 60_000 },
    async () => {
      for (const ending of ["budget", "close"] as const) {
        const tempDir = await mkdtemp(join(dir, `${ending}-`));
        /** The files this process holds open in the test's folder. */
        const openHere = (): string[] =>
          readdirSync("/proc/self/fd").flatMap((fd) => {
            try {
              const target = readlinkSync(`/proc/self/fd/${fd}`);
              return target.startsWith(tempDir) ? [target] : [];
            } catch {
              return [];
            }
          });
        await writeFile(
          join(tempDir, "in.tar"),
          ustarOf(
            Array.from({ length: 400 }, (_, index) => [`m${index}.txt`, "x".repeat(64 * 1024)] as const),
          ),
        );
        await mkdir(join(tempDir, "out"));
        await mkdir(join(tempDir, "pins"));
        const budget = new AbortController();
        const session = await openSevenZipSession(tempDir, budget.signal);
        let closed = 0;
        const firstClosed = new Promise<void>((resolve) => {
          void session
            .run(["x", "-y", "-ttar", "-oout", "in.tar"], {
              pin: {
                dir: "out",
                to: join(tempDir, "pins"),
                // Ended while it writes: the spool has been written to.
                onClosed: () => {
                  if (++closed === 1) resolve();
                },
              },
            })
            .then((result) => {
              if (ending === "budget") expect(result.aborted).toBe(true);
            });
        });
        await firstClosed;
        if (ending === "budget") budget.abort();
        await session.close();
        expect(closed).toBeGreaterThan(0);
        // The spool is closed once the worker is stopped.
        const deadline = Date.now() + 10_000;
        while (openHere().length > 0 && Date.now() < deadline)
          await new Promise((wait) => setTimeout(wait, 20));
        expect(openHere(), ending).toEqual([]);
      }
    },
  );

  it("stops writing at the byte cap", async () => {
    await writeFile(join(dir, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 1));
    const made = await runSevenZip(["a", "-tgzip", "big.gz", "big.bin"], dir, {
      signal: new AbortController().signal,
    });
    expect(made.exitCode).toBe(0);
    const result = await runSevenZip(["x", "-y", "-oout", "big.gz"], dir, {
      signal: new AbortController().signal,
      maxWrite: 1024 * 1024,
    });
    expect(result.capped).toBe(true);
    expect(result.exitCode).not.toBe(0);
  });

  it("a failing run is contained and the next run works", async () => {
    await writeFile(
      join(dir, "garbage.7z"),
      Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), Buffer.alloc(100, 0xff)]),
    );
    const bad = await runSevenZip(["x", "-y", "-ogarbage", "garbage.7z"], dir, {
      signal: new AbortController().signal,
    });
    expect(bad.exitCode).not.toBe(0);
    const good = await runSevenZip(["i"], dir, { signal: new AbortController().signal });
    expect(good.exitCode).toBe(0);
    expect(good.stdout).toContain("SquashFS");
  });

  it("keeps a worker for the next command once its commands ended, not one the time budget ended", async () => {
    const never = new AbortController().signal;
    expect((await runSevenZip(["i"], dir, { signal: never })).exitCode).toBe(0);
    const before = sevenZipWorkersStarted();
    for (let k = 0; k < 4; k++) expect((await runSevenZip(["i"], dir, { signal: never })).exitCode).toBe(0);
    expect(sevenZipWorkersStarted()).toBe(before);
    // A failing command leaves its worker usable; a terminated one is not used again.
    await writeFile(join(dir, "bad.7z"), Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 1, 2]));
    expect((await runSevenZip(["t", "bad.7z"], dir, { signal: never })).exitCode).not.toBe(0);
    expect(sevenZipWorkersStarted()).toBe(before);
    const stopped = await runSevenZip(["b", "-md22", "-mmt1"], dir, { signal: AbortSignal.timeout(300) });
    expect(stopped.aborted).toBe(true);
    const after = await runSevenZip(["i"], dir, { signal: never });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain("SquashFS");
    expect(sevenZipWorkersStarted()).toBe(before + 1);
  });

  it("runs the next command on the instance one that ended well left, and on a new one after an error", async () => {
    const never = new AbortController().signal;
    const session = await openSevenZipSession(dir, never);
    try {
      await writeFile(join(dir, "reuse.txt"), "EM_NATION_TYPE_UYGUR\n".repeat(1000));
      const made = await session.run(["a", "-txz", "reuse.xz", "reuse.txt"]);
      expect(made.exitCode).toBe(0);
      const listed = await session.run(["l", "-slt", "reuse.xz"]);
      expect(listed.freshInstance).toBe(false);
      expect(listed.stdout).toContain("Size = 21000");
      await writeFile(join(dir, "broken.xz"), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 9, 9, 9, 9]));
      const broken = await session.run(["x", "-y", "-obroken", "broken.xz"]);
      expect(broken.exitCode).not.toBe(0);
      expect(broken.freshInstance).toBe(false);
      // The error exit may have left 7-Zip half done: the next command starts afresh, and works.
      const extracted = await session.run(["x", "-y", "-oout-reuse", "reuse.xz"]);
      expect(extracted.freshInstance).toBe(true);
      expect(extracted.exitCode).toBe(0);
      expect(await readFile(join(dir, "out-reuse", "reuse"), "utf8")).toBe(
        "EM_NATION_TYPE_UYGUR\n".repeat(1000),
      );
      // Many commands on one instance: its stack and descriptors do not run out.
      for (let round = 0; round < 70; round += 1) {
        const again = await session.run(["l", "-slt", "reuse.xz"]);
        expect(again.exitCode).toBe(0);
        expect(again.stdout).toContain("Size = 21000");
      }
    } finally {
      await session.close();
    }
  });
});

describe("extractWithSevenZip", () => {
  it(
    "hands on each member as 7-Zip closes it, and both of two members of one name",
    { timeout: 60_000 },
    async () => {
      const members = [
        ["a.txt", "first a"],
        ["dir/b.txt", "EM_NATION_TYPE_UYGUR"],
        ...Array.from({ length: 40 }, (_, index) => [`many/m${index}.txt`, `member ${index}`] as const),
        ["a.txt", "second a, written over the first"],
        // Never written to (closed empty), and large (written in many pieces).
        ["empty.txt", ""],
        ["big/rootfs.img", `${"0123456789abcdef".repeat(600_000)}EM_NATION_TYPE_UYGUR`],
      ] as const;
      const tempDir = await mkdtemp(join(dir, "pinned-"));
      const closed: string[] = [];
      const session = await openSevenZipSession(tempDir, new AbortController().signal);
      try {
        await writeFile(join(tempDir, "in.tar"), ustarOf(members));
        await mkdir(join(tempDir, "out"));
        await mkdir(join(tempDir, "pins"));
        const run = await session.run(["x", "-y", "-ttar", "-oout", "in.tar"], {
          pin: {
            dir: "out",
            to: join(tempDir, "pins"),
            onClosed: ({ name, file, size, offset }) => {
              const whole = readFileSync(file);
              // The size it gives is the file's, or its range's in a spool.
              if (offset === undefined) expect(size).toBe(whole.length);
              else expect(offset + size).toBeLessThanOrEqual(whole.length);
              closed.push(`${name}=${whole.toString("utf8", offset ?? 0, (offset ?? 0) + size)}`);
            },
          },
        });
        expect(run.exitCode).toBe(0);
        // Every file was named, with its bytes, before the command's result came.
        expect(closed.sort()).toEqual(members.map(([name, text]) => `${name}=${text}`).sort());
        // All went to one spool: a host file for each member cost ~70 µs to create.
        expect(readdirSync(join(tempDir, "pins"))).toEqual(["spool"]);
      } finally {
        await session.close();
      }
      const events: ExtractEvent[] = [];
      const context = {
        tempDir: await mkdtemp(join(dir, "extract-")),
        budgets: TEST_BUDGETS,
        depth: 0,
        remainingBytes: 1e9,
        signal: new AbortController().signal,
        name: "in.tar",
      };
      for await (const event of extractWithSevenZip(memorySource(ustarOf(members)), context, {
        via: "tar",
        type: "tar",
      }))
        events.push(event);
      const children = events.flatMap((event) => {
        if (event.kind !== "child") return [];
        const whole = readFileSync(event.file!);
        const { offset, length } = event.range ?? { offset: 0, length: whole.length };
        return [`${event.name}=${whole.toString("utf8", offset, offset + length)}`];
      });
      // Each member once, the two of one name both: the first is pinned before the second replaces it.
      expect(children.sort()).toEqual(members.map(([name, text]) => `${name}=${text}`).sort());
      expect(events.filter((event) => event.kind !== "child")).toEqual([]);
    },
  );
});
