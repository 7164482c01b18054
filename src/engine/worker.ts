import { parentPort } from "node:worker_threads";
import { createArtifactScanner } from "./scanner-setup.js";
import { scanArtifact, type ArtifactScanner } from "./scan-artifact.js";
import { assembleRulePack } from "../rules/compile.js";
import { isStrayPdfJsRejection } from "../extract/pdf-extractor.js";
import { transferable, type ArtifactTask, type PostedSetup } from "./task.js";
import { threadedHasher, type Hasher, type StreamHash } from "./hasher.js";

/** Messages from the pool to a worker: the setup once (built by the main thread), then tasks. */
export type ToWorker =
  | { readonly type: "setup"; readonly setup: PostedSetup }
  | { readonly type: "task"; readonly task: ArtifactTask };

/** Messages from a worker to the pool. */
export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "bytes"; readonly bytes: number }
  | {
      readonly type: "child";
      /** The task being scanned, whose child this is (see HandOver). */
      readonly id: number;
      readonly layer: import("../model/location.js").LocationLayer;
      readonly child: import("./task.js").ChildTask;
    }
  | {
      readonly type: "result";
      readonly result: import("./task.js").ArtifactResult;
      /** Streams hashed on this worker's hashing thread since its last result. */
      readonly hashedOnThread: number;
    }
  | { readonly type: "failed"; readonly id: number; readonly message: string };

/** The hasher, counting the streams it hands to its thread. */
function counting(hasher: Hasher, count: () => void): Hasher {
  const noted = (stream: StreamHash): StreamHash => {
    if (stream.threaded) count();
    return stream;
  };
  return {
    create: (size) => noted(hasher.create(size)),
    open: async (size) => noted(await hasher.open(size)),
    get ready() {
      return hasher.ready;
    },
    prepare: () => {
      hasher.prepare();
    },
    close: () => hasher.close(),
  };
}

const port = parentPort;
if (port !== null) {
  // As in the CLI (src/cli/bin.ts): pdf.js's stray rejections pass, any other ends the thread.
  process.on("unhandledRejection", (reason) => {
    if (!isStrayPdfJsRejection(reason)) throw reason;
  });
  let scanner: ArtifactScanner | undefined;
  let pendingBytes = 0;
  let hashedOnThread = 0;
  /** Tasks are scanned one after another, in the order sent: the pool may send the next before this one ends. */
  let previous: Promise<void> = Promise.resolve();
  const scan = (task: ArtifactTask, current: ArtifactScanner): Promise<void> =>
    scanArtifact(task, current, (layer, child) => {
      port.postMessage({ type: "child", id: task.id, layer, child } satisfies FromWorker);
    }).then(
      (scanned) => {
        let result = scanned;
        if (pendingBytes > 0) port.postMessage({ type: "bytes", bytes: pendingBytes } satisfies FromWorker);
        pendingBytes = 0;
        const children = result.children.map((child) =>
          child.bytes === undefined ? child : { ...child, bytes: transferable(child.bytes) },
        );
        const buffers = children.flatMap((child) => (child.bytes ? [child.bytes.buffer as ArrayBuffer] : []));
        const transfer = buffers.filter((buffer, index) => buffers.indexOf(buffer) === index);
        result = { ...result, children };
        port.postMessage({ type: "result", result, hashedOnThread } satisfies FromWorker, transfer);
        hashedOnThread = 0;
      },
      (error: unknown) => {
        port.postMessage({
          type: "failed",
          id: task.id,
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies FromWorker);
      },
    );
  port.on("message", (message: ToWorker) => {
    if (message.type === "setup") {
      const setup = { ...message.setup, pack: assembleRulePack(message.setup.pack) };
      // A hashing thread of its own, started first: its blocks are the scan arena this thread's kernel is
      // then built on (see lendScanArena), so that the kernel scans them where they lie. The thread ends
      // with this one.
      const hasher = setup.hashThread
        ? counting(threadedHasher(), () => {
            hashedOnThread++;
          })
        : undefined;
      hasher?.prepare();
      const created = createArtifactScanner(setup, (bytes) => {
        pendingBytes += bytes;
        if (pendingBytes >= 32 << 20) {
          port.postMessage({ type: "bytes", bytes: pendingBytes } satisfies FromWorker);
          pendingBytes = 0;
        }
      });
      scanner = hasher === undefined ? created : { ...created, hasher };
      port.postMessage({ type: "ready" } satisfies FromWorker);
      return;
    }
    const current = scanner;
    if (current === undefined) throw new Error("worker used before setup");
    previous = previous.then(() => scan(message.task, current));
  });
}
