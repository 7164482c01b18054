import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { scanArtifact, type ArtifactScanner } from "./scan-artifact.js";
import { createArtifactScanner } from "./scanner-setup.js";
import type { CompiledRulePack } from "../rules/index.js";
import { transferable, type ArtifactResult, type ArtifactTask, type WorkerSetup } from "./task.js";
import type { FromWorker, ToWorker } from "./worker.js";

/** Runs artifact tasks: in this thread for one job, on worker threads for more. */
export interface TaskRunner {
  run(task: ArtifactTask): Promise<ArtifactResult>;
  close(): Promise<void>;
}

/** The compiled worker script; when running from sources (tests), the built copy in dist/ is used. */
function workerScript(): URL | undefined {
  const beside = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../dist/engine/worker.js", import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

export function createTaskRunner(
  setup: WorkerSetup,
  jobs: number,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
  pack?: CompiledRulePack,
): TaskRunner {
  const script = jobs > 1 ? workerScript() : undefined;
  // In this thread the pack the caller compiled is used as it is.
  if (script === undefined) return inlineRunner(createArtifactScanner(setup, onBytes, signal, pack));
  return new WorkerPool(script, setup, jobs, onBytes);
}

function inlineRunner(scanner: ArtifactScanner): TaskRunner {
  return {
    run: (task) => scanArtifact(task, scanner),
    close: () => Promise.resolve(),
  };
}

interface Slot {
  worker: Worker;
  busy: { task: ArtifactTask; resolve: (r: ArtifactResult) => void } | undefined;
}

/** A fixed pool of worker threads, one artifact per task; a worker that dies is replaced. */
class WorkerPool implements TaskRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: { task: ArtifactTask; resolve: (r: ArtifactResult) => void }[] = [];
  private closed = false;

  constructor(
    private readonly script: URL,
    private readonly setup: WorkerSetup,
    size: number,
    private readonly onBytes: (bytes: number) => void,
  ) {
    for (let index = 0; index < size; index++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const slot: Slot = { worker, busy: undefined };
    worker.on("message", (message: FromWorker) => {
      if (message.type === "bytes") this.onBytes(message.bytes);
      else if (message.type === "result") this.finish(slot, message.result);
      else if (message.type === "failed") this.finish(slot, crashResult(slot.busy!.task, message.message));
    });
    worker.on("error", (error) => {
      this.replace(slot, error.message);
    });
    worker.on("exit", (code) => {
      if (!this.closed) this.replace(slot, `worker exited with code ${code}`);
    });
    worker.postMessage({ type: "setup", setup: this.setup } satisfies ToWorker);
    return slot;
  }

  private replace(slot: Slot, why: string): void {
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const busy = slot.busy;
    slot.busy = undefined;
    void slot.worker.terminate();
    const fresh = this.spawn();
    this.slots[index] = fresh;
    if (busy) busy.resolve(crashResult(busy.task, why));
    this.pump();
  }

  private finish(slot: Slot, result: ArtifactResult): void {
    const busy = slot.busy;
    slot.busy = undefined;
    busy?.resolve(result);
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      slot.busy = next;
      const bytes = next.task.bytes && transferable(next.task.bytes);
      const task = bytes ? { ...next.task, bytes } : next.task;
      try {
        slot.worker.postMessage({ type: "task", task } satisfies ToWorker, bytes ? [bytes.buffer] : []);
      } catch (error) {
        slot.busy = undefined;
        next.resolve(crashResult(next.task, error instanceof Error ? error.message : String(error)));
      }
    }
  }

  run(task: ArtifactTask): Promise<ArtifactResult> {
    return new Promise((resolve) => {
      this.queue.push({ task, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // Nothing waits forever on a closed pool (e.g. after Ctrl-C).
    for (const slot of this.slots) {
      if (slot.busy) slot.busy.resolve(crashResult(slot.busy.task, "scan stopped"));
      slot.busy = undefined;
    }
    for (const queued of this.queue.splice(0)) queued.resolve(crashResult(queued.task, "scan stopped"));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
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
