import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starting the pool's worker threads, kept apart from the pool so that the CLI can start them before it
 * loads the scanner: a worker takes ~150 ms to load its modules, which then overlaps this thread loading its
 * own and the rule pack, instead of following them.
 */

/** The compiled worker script; when running from sources (tests), the built copy in dist/ is used. */
export function workerScript(): URL | undefined {
  const beside = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../dist/engine/worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

function startWorker(script: URL): Worker {
  return new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
}

interface Prestarted {
  readonly worker: Worker;
  /** It failed or ended before a pool took it. */
  dead: boolean;
  /** Marks it dead; listens for its error and exit until a pool takes it. */
  readonly died: () => void;
}

const prestarted: Prestarted[] = [];

/**
 * Starts `count` worker threads now, for the next pool to take (`takeWorker`). One that no pool takes never
 * keeps the process alive, and one that fails before it is taken is dropped (its error goes nowhere else).
 */
export function prestartWorkers(count: number): void {
  const script = workerScript();
  if (script === undefined) return;
  while (prestarted.length < count) {
    const worker = startWorker(script);
    const entry: Prestarted = {
      worker,
      dead: false,
      died: () => {
        entry.dead = true;
      },
    };
    worker.unref();
    worker.on("error", entry.died);
    worker.on("exit", entry.died);
    prestarted.push(entry);
  }
}

/** Workers started ahead that no pool has taken yet. */
export function workersWaiting(): number {
  return prestarted.length;
}

/** A prestarted worker that is still alive, or a new one. */
export function takeWorker(script: URL): Worker {
  for (let entry = prestarted.shift(); entry !== undefined; entry = prestarted.shift()) {
    if (entry.dead) continue;
    entry.worker.off("error", entry.died);
    entry.worker.off("exit", entry.died);
    entry.worker.ref();
    return entry.worker;
  }
  return startWorker(script);
}
