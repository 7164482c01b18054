import { lstatSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { MIN_THREADED_BYTES } from "./hasher.js";
import type { ScanOptions } from "./scan.js";

/**
 * How many threads a scan uses, decided from its options alone: kept apart from the scan itself so that the
 * CLI can start the hashing thread before it loads the scanner (see `hashesOnThread`).
 */
type ThreadOptions = Pick<ScanOptions, "paths" | "cwd" | "jobs" | "hashThread">;

/** Scanning threads: this one and jobs - 1 workers. */
export function jobsOf(options: Pick<ThreadOptions, "jobs">): number {
  return Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
}

/**
 * Whether SHA-256 runs on threads of its own, one beside each scanning thread: when the machine has a core
 * for each (two per job), unless the options say. With more jobs than half the cores, the cores are busy
 * scanning and each thread hashes what it reads itself.
 */
export function hashThreadOn(options: Pick<ThreadOptions, "jobs" | "hashThread">): boolean {
  return options.hashThread ?? 2 * jobsOf(options) <= availableParallelism();
}

/** Whether some input may hold a stream long enough for the hashing thread: a folder, or a file of 256 KiB or more. */
export function mayHoldLongStreams(paths: readonly string[], cwd: string): boolean {
  for (const path of paths) {
    try {
      const info = statSync(resolve(cwd, path));
      if (!info.isFile() || info.size >= MIN_THREADED_BYTES) return true;
    } catch {
      return true; // the walk reports it; the thread may still be needed for the others
    }
  }
  return false;
}

/**
 * Whether a scan with these options hashes on a thread of its own beside the scanning thread (see
 * `ScanOptions.hashThread`) and may need it (shorter streams are hashed in place). The CLI starts the thread
 * early when it will.
 */
export function hashesOnThread(options: ThreadOptions): boolean {
  return hashThreadOn(options) && mayHoldLongStreams(options.paths, options.cwd ?? process.cwd());
}

/** Bytes of tasks waiting that make the pool start its workers (below that, this thread scans them alone). */
export const START_WORKERS_AT_BYTES = 8 << 20;
/** Files and folders looked at, at most, to tell whether the inputs hold START_WORKERS_AT_BYTES. */
const LOOK_AHEAD_ENTRIES = 1000;

/**
 * Whether the inputs hold at least `least` bytes in files, found among their first LOOK_AHEAD_ENTRIES
 * files and folders (breadth first; links are not followed). A tree of more, smaller files is not judged:
 * false.
 */
export function holdsBytes(paths: readonly string[], cwd: string, least: number): boolean {
  // Breadth first: entries are looked at in the order they were queued, and no more are queued than looked at.
  const queued = paths.slice(0, LOOK_AHEAD_ENTRIES).map((path) => resolve(cwd, path));
  let total = 0;
  for (let at = 0; at < queued.length; at++) {
    try {
      const info = lstatSync(queued[at]!);
      if (info.isFile()) total += info.size;
      else if (info.isDirectory())
        for (const name of readdirSync(queued[at]!)) {
          if (queued.length >= LOOK_AHEAD_ENTRIES) break;
          queued.push(join(queued[at]!, name));
        }
    } catch {
      // the walk reports it
    }
    if (total >= least) return true;
  }
  return false;
}

/**
 * How many worker threads a scan with these options may start early: jobs - 1, when its inputs hold enough
 * work for the pool to start them (START_WORKERS_AT_BYTES in files among the first ones); else none. The
 * CLI then starts them before it loads the scanner.
 */
export function workersAhead(options: ThreadOptions): number {
  const jobs = jobsOf(options);
  return jobs > 1 && holdsBytes(options.paths, options.cwd ?? process.cwd(), START_WORKERS_AT_BYTES)
    ? jobs - 1
    : 0;
}
