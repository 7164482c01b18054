import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_BUDGETS } from "../extract/registry.js";
import { encodeTerm } from "../match/needles.js";
import { loadRulePack } from "../rules/loader.js";
import { createTaskRunner, type TaskRunner } from "./pool.js";
import { prestartWorkers, workersWaiting } from "./scan-worker.js";
import { holdsBytes } from "./threads.js";
import { runSevenZip } from "../extract/seven-zip.js";
import type { ArtifactResult, ArtifactTask } from "./task.js";

const temp = mkdtempSync(join(tmpdir(), "custodiet-pool-"));
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

/** Deterministic filler bytes with a planted identifier (UTF-16LE) in the middle. */
function artifact(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let seed = index + 1;
  for (let at = 0; at < size; at++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[at] = seed >>> 23;
  }
  bytes.set(encodeTerm(" EM_NATION_TYPE_UYGUR, ", "utf-16le")!, size >>> 1);
  return bytes;
}

function task(index: number, size: number): ArtifactTask {
  return {
    id: index,
    parents: [],
    origin: { path: `blob-${index}.bin`, via: "file" },
    bytes: artifact(index, size),
    depth: 0,
    leafOnly: true,
    tempDir: join(temp, `a${index}`),
    remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
  };
}

/** Runs `count` tasks of `size` bytes each, or of sizes cycling through `size` when it is a list. */
function runBatch(
  runner: TaskRunner,
  count: number,
  size: number | readonly number[],
): Promise<ArtifactResult[]> {
  const sizes = typeof size === "number" ? [size] : size;
  return Promise.all(
    Array.from({ length: count }, (_, index) => runner.run(task(index, sizes[index % sizes.length]!))),
  );
}

async function runAll(
  runner: TaskRunner,
  count: number,
  size: number | readonly number[],
): Promise<ArtifactResult[]> {
  try {
    return await runBatch(runner, count, size);
  } finally {
    await runner.close();
  }
}

/** Starts the pool's worker (a first batch of 15 MB does) and waits until it takes tasks. */
async function withWorkerReady(pooled: TaskRunner): Promise<void> {
  await runBatch(pooled, 5, 3 << 20);
  await vi.waitFor(
    () => {
      expect(pooled.workers.ready).toBe(1);
    },
    { timeout: 20_000, interval: 20 },
  );
}

describe("the task runner", () => {
  it("gives the same results in this thread and on workers, which start only for enough work", async () => {
    const pack = await loadRulePack();
    const setup = { rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 };
    const none = (): void => undefined;

    const alone = createTaskRunner(setup, 1, none, undefined, pack);
    const expected = await runAll(alone, 5, 3 << 20);
    expect(expected.every((result) => result.detections.length > 0)).toBe(true);

    // Many tasks of unequal sizes, for a worker that is ready: it holds the next task while it scans one,
    // and each result still comes back for its own task.
    const sizes = [5 << 20, 64 << 10, 2 << 20, 300 << 10, 1 << 20];
    const manyAlone = await runAll(createTaskRunner(setup, 1, none, undefined, pack), 30, sizes);

    const pooled = createTaskRunner(setup, 2, none, undefined, pack);
    try {
      // 9 MB waiting while this thread scans two tasks start the worker. This thread is one of the two
      // jobs: one worker beside it.
      expect(await runBatch(pooled, 5, 3 << 20)).toEqual(expected);
      expect(pooled.workers.started).toBe(1);
      await vi.waitFor(
        () => {
          expect(pooled.workers.ready).toBe(1);
        },
        { timeout: 20_000, interval: 20 },
      );
      expect(await runBatch(pooled, 30, sizes)).toEqual(manyAlone);
      expect(pooled.workers.tasks).toBeGreaterThan(1);
      expect(pooled.workers.mostHeld).toBe(2);
    } finally {
      await pooled.close();
    }

    // A worker started ahead (as the CLI does) is the one the pool takes.
    prestartWorkers(1);
    expect(workersWaiting()).toBe(1);
    const ahead = createTaskRunner(setup, 2, none, undefined, pack);
    expect(await runAll(ahead, 5, 3 << 20)).toEqual(expected);
    expect(ahead.workers.started).toBe(1);
    expect(workersWaiting()).toBe(0);

    // A few small artifacts are done in this thread before workers could help.
    const small = createTaskRunner(setup, 2, none, undefined, pack);
    const smallResults = await runAll(small, 3, 4096);
    expect(small.workers.started).toBe(0);
    expect(smallResults.map((result) => result.status)).toEqual(["scanned", "scanned", "scanned"]);
  });

  it("gives workers hashing threads of their own when asked, with the same results", async () => {
    const pack = await loadRulePack();
    const setup = { rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 };
    const none = (): void => undefined;
    const sizes = [5 << 20, 64 << 10, 2 << 20, 300 << 10, 1 << 20];
    const expected = await runAll(createTaskRunner(setup, 1, none, undefined, pack), 20, sizes);

    for (const hashThread of [false, true]) {
      const pooled = createTaskRunner({ ...setup, hashThread }, 2, none, undefined, pack);
      try {
        await withWorkerReady(pooled);
        const before = pooled.workers.tasks;
        expect(await runBatch(pooled, 20, sizes)).toEqual(expected);
        expect(pooled.workers.tasks).toBeGreaterThan(before);
        // Streams of 256 KiB and more go to the worker's thread once it runs; none without one.
        if (hashThread) expect(pooled.workers.hashedOnThreads).toBeGreaterThan(0);
        else expect(pooled.workers.hashedOnThreads).toBe(0);
      } finally {
        await pooled.close();
      }
    }
  });
});

describe("children handed on while their container is extracted", () => {
  it("come from a worker as from this thread, each once, with the container's layer", async () => {
    // A 7z of 20 members: 7-Zip writes each to its spool, and each range of it is handed on as it is closed.
    const folder = mkdtempSync(join(temp, "seven-"));
    const names = Array.from({ length: 20 }, (_, index) => `m${String(index).padStart(2, "0")}.h`);
    for (const [index, name] of names.entries())
      writeFileSync(join(folder, name), `/* ${index} */ enum { EM_NATION_TYPE_UYGUR = ${index} };\n`);
    const made = await runSevenZip(["a", "-t7z", "c.7z", ...names], folder, {
      signal: new AbortController().signal,
    });
    expect(made.exitCode).toBe(0);
    const container = (id: number): ArtifactTask => ({
      id,
      parents: [],
      origin: { path: `c${id}.7z`, via: "file" },
      file: join(folder, "c.7z"),
      depth: 0,
      leafOnly: false,
      tempDir: join(temp, `seven-a${id}`),
      remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
    });
    const pack = await loadRulePack();
    const setup = { rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 1 << 20 };
    const none = (): void => undefined;
    const runContainers = async (runner: TaskRunner, ids: readonly number[]) =>
      Promise.all(
        ids.map(async (id) => {
          const handed: string[] = [];
          const result = await runner.run(container(id), (layer, child) => {
            expect(layer).toEqual(expect.objectContaining({ path: `c${id}.7z`, via: "file" }));
            expect(child.file).toBeDefined();
            handed.push(`${child.origin.path} ${child.origin.via} ${child.size}`);
          });
          // Each handed child came with the layer the result gives.
          return { result, handed: handed.sort() };
        }),
      );
    const alone = createTaskRunner(setup, 1, none, undefined, pack);
    const [expected] = await runContainers(alone, [100]);
    await alone.close();
    expect(expected!.result.children).toEqual([]);
    expect(expected!.result.format).toBe("7z");
    expect(expected!.handed).toHaveLength(20);
    expect(expected!.handed[0]).toMatch(/^m00\.h 7z \d+$/u);

    const pooled = createTaskRunner(setup, 2, none, undefined, pack);
    try {
      await withWorkerReady(pooled);
      const before = pooled.workers.tasks;
      const ids = [101, 102, 103, 104, 105, 106];
      const runs = await runContainers(pooled, ids);
      // Some ran on the worker.
      expect(pooled.workers.tasks).toBeGreaterThan(before);
      for (const run of runs) {
        expect(run.handed).toEqual(expected!.handed);
        expect(run.result.children).toEqual([]);
        expect(run.result.layer.sha256).toBe(expected!.result.layer.sha256);
      }
    } finally {
      await pooled.close();
    }
  }, 60_000);
});

describe("telling whether the inputs hold enough work for workers", () => {
  it("adds up file sizes, breadth first, among the first entries", () => {
    const root = mkdtempSync(join(temp, "tree-"));
    mkdirSync(join(root, "small"));
    for (let index = 0; index < 5; index++)
      writeFileSync(join(root, "small", `f${index}`), Buffer.alloc(1000));
    expect(holdsBytes(["small"], root, 8 << 20)).toBe(false);
    expect(holdsBytes(["small"], root, 5000)).toBe(true);
    expect(holdsBytes(["small/f0", "small/f1"], root, 2000)).toBe(true);
    mkdirSync(join(root, "deep", "er"), { recursive: true });
    writeFileSync(join(root, "deep", "er", "big"), Buffer.alloc(9 << 20));
    expect(holdsBytes(["."], root, 8 << 20)).toBe(true);
    // Missing inputs count nothing (the walk reports them).
    expect(holdsBytes(["missing"], root, 1)).toBe(false);
    // A tree of more entries than it looks at is not judged.
    mkdirSync(join(root, "many"));
    for (let index = 0; index < 1100; index++)
      writeFileSync(join(root, "many", `f${String(index).padStart(4, "0")}`), "");
    writeFileSync(join(root, "many", "zz-last"), Buffer.alloc(9 << 20));
    expect(holdsBytes(["many"], root, 8 << 20)).toBe(false);
  });
});
