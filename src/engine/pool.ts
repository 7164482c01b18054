import { statSync } from "node:fs";
import type { Worker } from "node:worker_threads";
import { shareAutomaton } from "../match/automaton.js";
import type { CompiledRulePack } from "../rules/compile.js";
import { scanArtifact, type ArtifactScanner } from "./scan-artifact.js";
import { compileScanSetup, createArtifactScanner } from "./scanner-setup.js";
import { takeWorker, workerScript } from "./scan-worker.js";
import { START_WORKERS_AT_BYTES } from "./threads.js";
import {
  interruptedResult,
  transferable,
  type ArtifactResult,
  type ArtifactTask,
  type HandOver,
  type PostedSetup,
  type ScanSetup,
  type WorkerSetup,
} from "./task.js";
import type { FromWorker, ToWorker } from "./worker.js";
import type { Hasher } from "./hasher.js";

/** Runs artifact tasks: in this thread for one job, on worker threads for more. */
export interface TaskRunner {
  /** `handOver`: see scanArtifact; a worker's children come back by message. */
  run(task: ArtifactTask, handOver?: HandOver): Promise<ArtifactResult>;
  close(): Promise<void>;
  /** Worker threads started so far (0 while every task runs in this thread), and what they did. */
  readonly workers: WorkerCounts;
}

export interface WorkerCounts {
  readonly started: number;
  /** Started workers that have their setup and take tasks. */
  readonly ready: number;
  /** Tasks whose results came from workers. */
  readonly tasks: number;
  /** The most tasks one worker held at once (the one it scanned and those waiting, see `AHEAD`). */
  readonly mostHeld: number;
  /** Streams the workers hashed on hashing threads of their own (see `hashThreadOn`). */
  readonly hashedOnThreads: number;
}

export function createTaskRunner(
  setup: WorkerSetup,
  jobs: number,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
  pack?: CompiledRulePack,
  hasher?: Hasher,
): TaskRunner {
  // The pack and the automaton are built once, here; workers receive them ready to use.
  const built = compileScanSetup(setup, pack);
  const scanner = createArtifactScanner(built, onBytes, signal);
  // Tasks scanned in this thread hash on the caller's hashing thread, if it gave one.
  const inline = hasher ? { ...scanner, hasher } : scanner;
  const script = jobs > 1 ? workerScript() : undefined;
  if (script === undefined) return inlineRunner(inline);
  return new WorkerPool(script, built, jobs, onBytes, inline);
}

function postedSetup(setup: ScanSetup): PostedSetup {
  const { rules, needles, hash, terms } = setup.pack;
  return { ...setup, pack: { rules, needles, hash, terms }, automaton: shareAutomaton(setup.automaton) };
}

function inlineRunner(scanner: ArtifactScanner): TaskRunner {
  return {
    run: (task, handOver) => scanArtifact(task, scanner, handOver),
    close: () => Promise.resolve(),
    workers: { started: 0, ready: 0, tasks: 0, mostHeld: 0, hashedOnThreads: 0 },
  };
}

interface Job {
  readonly task: ArtifactTask;
  readonly handOver: HandOver | undefined;
  readonly resolve: (result: ArtifactResult) => void;
  /** `taskBytes`, while the workers have not started. */
  readonly bytes: number;
}

interface Slot {
  worker: Worker;
  /** The worker has its setup and takes tasks. */
  ready: boolean;
  /** Tasks sent to the worker, in order: it scans the first and has the others waiting (see `AHEAD`). */
  jobs: Job[];
}

/**
 * Tasks a worker holds at most: the one it scans and the next. A worker that held only one waited, after
 * each, for this thread to take its result and send another, which this thread does only between steps of
 * its own scan: a quarter of a worker's time on the bench corpus.
 */
const AHEAD = 2;

/**
 * Tasks this thread scans at once, between handing others out. A container 7-Zip extracts (in a thread of
 * its own) leaves this thread mostly waiting: with one task at a time the members it handed on were all
 * scanned by the workers, and a squashfs of 7,911 files took 4.3-4.5 s where `--jobs 1` (four at once)
 * took 3.6-3.75 s; with two, 3.6-3.7 s. With four, 211 Debian packages took no less time and peaked 40-140
 * MB higher.
 */
const INLINE_AT_ONCE = 2;

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Each worker costs ~150 ms of CPU before it scans at full speed (its modules, the charset tables and JIT
 * of the analyzer), so they start only for work that will pay for them: once START_WORKERS_AT_BYTES wait
 * while this thread scans, or tasks have been waiting this long. (The CLI may have started their threads
 * already, see `prestartWorkers`; the pool takes those.)
 */
const START_WORKERS_AFTER_MS = 500;

/** The bytes a task will read (0 when unknown). */
function taskBytes(task: ArtifactTask): number {
  if (task.bytes !== undefined) return task.bytes.length;
  if (task.range !== undefined) return task.inflated ?? task.range.length;
  try {
    return statSync(task.file!).size;
  } catch {
    return 0;
  }
}

/**
 * A fixed pool of worker threads, one artifact per task; a worker that dies is replaced.
 *
 * This thread is one of the `jobs`: it scans tasks itself (INLINE_AT_ONCE at once) between handing them
 * out, beside `jobs - 1` workers, so N jobs keep N threads busy (not N workers plus a dispatcher) and one
 * worker fewer has to start. The workers start only when enough work waits (above), so a small scan is done
 * in this thread before a worker could have helped. Where a task runs never changes its result.
 */
class WorkerPool implements TaskRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  /** The setup as posted to workers, made once (the automaton's tables move into SharedArrayBuffers). */
  private posted: PostedSetup | undefined;
  /** The tasks this thread is scanning (INLINE_AT_ONCE at most). */
  private readonly inlineRuns = new Set<Promise<void>>();
  /** Bytes of the queued tasks, counted until the workers start. */
  private queuedBytes = 0;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private started = 0;
  private workerTasks = 0;
  private mostHeld = 0;
  private hashedOnThreads = 0;

  constructor(
    private readonly script: URL,
    private readonly setup: ScanSetup,
    private readonly size: number,
    private readonly onBytes: (bytes: number) => void,
    private readonly inline: ArtifactScanner,
  ) {}

  private spawn(): Slot {
    const worker = takeWorker(this.script);
    this.started++;
    const slot: Slot = { worker, ready: false, jobs: [] };
    worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") {
        slot.ready = true;
        this.pump();
      } else if (message.type === "bytes") this.onBytes(message.bytes);
      else if (message.type === "child") {
        // From the task the worker scans, which is its first.
        const job = slot.jobs[0];
        if (job?.task.id === message.id) job.handOver?.(message.layer, message.child);
      } else if (message.type === "result") {
        this.hashedOnThreads += message.hashedOnThread;
        this.finish(slot, message.result);
      } else this.finish(slot, crashResult(slot.jobs[0]!.task, message.message));
    });
    worker.on("error", (error) => {
      this.replace(slot, error.message);
    });
    worker.on("exit", (code) => {
      if (!this.closed) this.replace(slot, `worker exited with code ${code}`);
    });
    this.posted ??= postedSetup(this.setup);
    worker.postMessage({ type: "setup", setup: this.posted } satisfies ToWorker);
    return slot;
  }

  private replace(slot: Slot, why: string): void {
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const [busy, ...waiting] = slot.jobs;
    slot.jobs = [];
    void slot.worker.terminate();
    const fresh = this.spawn();
    this.slots[index] = fresh;
    // The task it was scanning is recorded as the crash; the ones it held but had not begun are scanned elsewhere.
    this.queue.unshift(...waiting);
    for (const job of waiting) this.queuedBytes += job.bytes;
    if (busy) busy.resolve(crashResult(busy.task, why));
    this.pump();
  }

  private finish(slot: Slot, result: ArtifactResult): void {
    this.workerTasks++;
    slot.jobs.shift()?.resolve(result);
    this.pump();
  }

  private pump(): void {
    if (this.closed) return;
    const ready = this.slots.filter((slot) => slot.ready);
    // Each idle worker and this thread get tasks first; then workers take one ahead while enough wait
    // that the last tasks are not held by one worker while another thread has none.
    for (const slot of ready) if (slot.jobs.length === 0) this.sendNext(slot);
    while (this.inlineRuns.size < INLINE_AT_ONCE) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.queuedBytes -= next.bytes;
      this.runInline(next);
    }
    for (const slot of ready)
      while (slot.jobs.length < AHEAD && this.queue.length > ready.length) this.sendNext(slot);
    if (this.queue.length === 0 || this.slots.length > 0) return;
    if (this.queuedBytes >= START_WORKERS_AT_BYTES) this.startWorkers();
    else
      this.startTimer ??= setTimeout(() => {
        if (!this.closed && this.queue.length > 0 && this.slots.length === 0) this.startWorkers();
      }, START_WORKERS_AFTER_MS);
  }

  get workers(): WorkerCounts {
    const ready = this.slots.filter((slot) => slot.ready).length;
    return {
      started: this.started,
      ready,
      tasks: this.workerTasks,
      mostHeld: this.mostHeld,
      hashedOnThreads: this.hashedOnThreads,
    };
  }

  private startWorkers(): void {
    clearTimeout(this.startTimer);
    // This thread is the last of the jobs.
    for (let index = 0; index < this.size - 1; index++) this.slots.push(this.spawn());
  }

  private sendNext(slot: Slot): void {
    const job = this.queue.shift();
    if (job === undefined) return;
    this.queuedBytes -= job.bytes;
    const bytes = job.task.bytes && transferable(job.task.bytes);
    const task = bytes ? { ...job.task, bytes } : job.task;
    try {
      slot.worker.postMessage({ type: "task", task } satisfies ToWorker, bytes ? [bytes.buffer] : []);
      slot.jobs.push(job);
      this.mostHeld = Math.max(this.mostHeld, slot.jobs.length);
    } catch (error) {
      job.resolve(crashResult(job.task, error instanceof Error ? error.message : String(error)));
    }
  }

  private runInline(job: Job): void {
    const run = scanArtifact(job.task, this.inline, job.handOver).then(
      (result) => {
        job.resolve(result);
      },
      (error: unknown) => {
        // As a worker reports it; a task stopped with the scan is no crash.
        job.resolve(
          this.inline.signal?.aborted === true
            ? interruptedResult(job.task)
            : crashResult(job.task, describeError(error)),
        );
      },
    );
    this.inlineRuns.add(run);
    void run.finally(() => {
      this.inlineRuns.delete(run);
      this.pump();
    });
  }

  run(task: ArtifactTask, handOver?: HandOver): Promise<ArtifactResult> {
    return new Promise((resolve) => {
      const bytes = this.slots.length === 0 ? taskBytes(task) : 0;
      this.queuedBytes += bytes;
      this.queue.push({ task, handOver, resolve, bytes });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.startTimer);
    // Nothing waits forever on a closed pool (e.g. after Ctrl-C).
    for (const slot of this.slots)
      for (const job of slot.jobs.splice(0)) job.resolve(interruptedResult(job.task));
    for (const queued of this.queue.splice(0)) queued.resolve(interruptedResult(queued.task));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    // A task scanned in this thread stops soon after the scan's signal; its temp files go before the scan's.
    await Promise.all(this.inlineRuns);
  }
}

/** A task whose worker crashed is recorded, never lost silently. */
function crashResult(task: ArtifactTask, why: string): ArtifactResult {
  return {
    id: task.id,
    layer: { path: task.origin.path, via: task.origin.via, sha256: "", size: 0 },
    detections: [],
    status: "skipped",
    reason: "unreadable",
    detail: `scanner crashed on this artifact: ${why.split("\n")[0] ?? why}`,
    bytesScanned: 0,
    children: [],
    skipped: [],
  };
}
