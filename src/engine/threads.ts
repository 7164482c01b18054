import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
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

/** Whether SHA-256 runs on a thread of its own: with one job and a spare core, unless the options say. */
export function hashThreadOn(options: Pick<ThreadOptions, "jobs" | "hashThread">): boolean {
  return options.hashThread ?? (jobsOf(options) === 1 && availableParallelism() > 1);
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
