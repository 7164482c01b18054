import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";

/**
 * SHA-256 of every layer, computed either in this thread or, when a core would otherwise sit idle, on a
 * hashing thread beside it, so that hashing no longer runs in series with matching.
 *
 * The hashing thread shares a ring of slots with this thread (a SharedArrayBuffer). `update` copies a
 * chunk into the next free slot and returns at once; the hashing thread takes the slots in order.
 * `digest` queues the end of the stream and waits for its digest, which by then is mostly computed.
 */
export interface StreamHash {
  update(chunk: Uint8Array): void;
  /** Hex digest of everything passed to `update`; ends the stream. */
  digest(): string;
  /** Ends the stream without a digest (an aborted artifact). */
  dispose(): void;
  /** Hashed on the hashing thread (for tests and measurements). */
  readonly threaded: boolean;
}

export interface Hasher {
  /** A new stream; `size` is the expected byte count (small streams are hashed in this thread). */
  create(size: number): StreamHash;
  /** Resolves once streams can go to the hashing thread (true), or never will (false). */
  readonly ready: Promise<boolean>;
  close(): Promise<void>;
}

/** Streams shorter than this are hashed in place: handing them over would cost more than it saves. */
const MIN_THREADED_BYTES = 1 << 20;
const SLOTS = 4;
const SLOT_BYTES = 2 << 20;
/** A hashing thread that does not answer in this long has died; the artifact is recorded as partial. */
const WAIT_MS = 60_000;

/** Header fields per slot: state, length, stream id, operation. */
const FIELDS = 4;
const STATE = 0;
const LENGTH = 1;
const STREAM = 2;
const OPERATION = 3;
/** Slot states. */
const FREE = 0;
const FULL = 1;
/** Operations. */
const UPDATE = 0;
const FINAL = 1;
const DROP = 2;
const EXIT = 3;
/** After the slot headers: set by the hashing thread when its loop ends for any reason. */
const STOPPED = SLOTS * FIELDS;
/**
 * Set by the hashing thread when its loop runs. Only then are streams sent to it: this thread waits on
 * slots without turning its event loop, so it must never wait for a thread that has not started yet (its
 * start needs this event loop) or failed to start (whose error event would need it too).
 */
const RUNNING = STOPPED + 1;

function inlineHash(): StreamHash {
  const hash: Hash = createHash("sha256");
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => hash.digest("hex"),
    dispose: () => undefined,
    threaded: false,
  };
}

/** Hashes in this thread. */
export function inlineHasher(): Hasher {
  return { create: () => inlineHash(), ready: Promise.resolve(false), close: () => Promise.resolve() };
}

/** The hashing thread's loop, run as an eval'd CommonJS worker (no file to locate, from sources or dist). */
const HASH_THREAD = `
const { workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { control, data, slots, slotBytes } = workerData;
const header = new Int32Array(control);
const bytes = new Uint8Array(data);
const streams = new Map();
try {
Atomics.store(header, ${RUNNING}, 1);
for (let sequence = 0; ; sequence++) {
  const slot = sequence % slots;
  const base = slot * ${FIELDS};
  while (Atomics.load(header, base + ${STATE}) !== ${FULL}) Atomics.wait(header, base + ${STATE}, ${FREE});
  const operation = header[base + ${OPERATION}];
  const stream = header[base + ${STREAM}];
  const start = slot * slotBytes;
  if (operation === ${EXIT}) break;
  if (operation === ${UPDATE}) {
    let hash = streams.get(stream);
    if (hash === undefined) streams.set(stream, (hash = createHash("sha256")));
    hash.update(bytes.subarray(start, start + header[base + ${LENGTH}]));
  } else {
    const hash = streams.get(stream) ?? createHash("sha256");
    streams.delete(stream);
    if (operation === ${FINAL}) bytes.set(hash.digest(), start);
  }
  Atomics.store(header, base + ${STATE}, ${FREE});
  Atomics.notify(header, base + ${STATE});
}
} finally {
  // Whoever waits on a slot sees this at once instead of waiting for a thread that is gone.
  Atomics.store(header, ${STOPPED}, 1);
  for (let slot = 0; slot < slots; slot++) Atomics.notify(header, slot * ${FIELDS} + ${STATE});
}
`;

interface HashThread {
  readonly running: () => boolean;
  readonly ready: Promise<boolean>;
  readonly stream: () => StreamHash;
  readonly close: () => Promise<void>;
}

/**
 * A hashing thread shared by every stream of this thread (streams may interleave). It starts with the
 * first stream long enough to be worth it, so a scan of small files never starts it.
 */
export function threadedHasher(): Hasher {
  let thread: HashThread | undefined;
  let closed = false;
  const start = (): HashThread => (thread ??= startHashThread());
  return {
    create(size) {
      if (size < MIN_THREADED_BYTES || closed) return inlineHash();
      const started = start();
      return started.running() ? started.stream() : inlineHash();
    },
    get ready() {
      return closed ? Promise.resolve(false) : start().ready;
    },
    async close() {
      closed = true;
      await thread?.close();
    },
  };
}

function startHashThread(): HashThread {
  const control = new SharedArrayBuffer((RUNNING + 1) * 4);
  const data = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  const header = new Int32Array(control);
  const bytes = new Uint8Array(data);
  const worker = new Worker(HASH_THREAD, {
    eval: true,
    // Not the parent's flags: `--input-type=module` would make this CommonJS code an ES module.
    execArgv: [],
    workerData: { control, data, slots: SLOTS, slotBytes: SLOT_BYTES },
  });
  // The thread never keeps the process alive on its own; an error marks it dead for the waits below.
  worker.unref();
  let failure: string | undefined;
  // Until the thread's loop runs, streams are hashed here.
  const running = (): boolean =>
    failure === undefined && Atomics.load(header, RUNNING) === 1 && Atomics.load(header, STOPPED) === 0;
  const ready = new Promise<boolean>((resolve) => {
    const poll = (): void => {
      if (running()) resolve(true);
      else if (failure !== undefined || closed) resolve(false);
      else setTimeout(poll, 5);
    };
    worker.on("online", poll);
    worker.on("error", (error) => {
      failure = error.message;
      resolve(false);
    });
    worker.on("exit", (code) => {
      failure ??= `hashing thread exited with code ${code}`;
      resolve(false);
    });
  });
  let sequence = 0;
  let nextStream = 1;
  let closed = false;

  /** Waits until `slot` is free again (the hashing thread has taken what was in it). */
  const waitFree = (slot: number): void => {
    const field = slot * FIELDS + STATE;

    const deadline = Date.now() + WAIT_MS;
    while (Atomics.load(header, field) !== FREE) {
      if (failure !== undefined) throw new Error(failure);
      if (Atomics.load(header, STOPPED) !== 0) throw new Error("hashing thread stopped");
      if (Date.now() > deadline) throw new Error("hashing thread stopped answering");
      Atomics.wait(header, field, FULL, 50);
    }
  };
  /** Claims the next slot in ring order, fills it and hands it over. Returns the slot. */
  const send = (stream: number, operation: number, chunk?: Uint8Array): number => {
    if (closed) throw new Error("hasher closed");
    const slot = sequence++ % SLOTS;
    waitFree(slot);
    const base = slot * FIELDS;
    if (chunk !== undefined) bytes.set(chunk, slot * SLOT_BYTES);
    header[base + LENGTH] = chunk?.length ?? 0;
    header[base + STREAM] = stream;
    header[base + OPERATION] = operation;
    Atomics.store(header, base + STATE, FULL);
    Atomics.notify(header, base + STATE);
    return slot;
  };

  const threadedHash = (): StreamHash => {
    const stream = nextStream++;
    let ended = false;
    return {
      update(chunk) {
        for (let at = 0; at < chunk.length; at += SLOT_BYTES)
          send(stream, UPDATE, chunk.subarray(at, Math.min(chunk.length, at + SLOT_BYTES)));
      },
      digest() {
        ended = true;
        const slot = send(stream, FINAL);
        waitFree(slot);
        return Buffer.from(bytes.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + 32)).toString("hex");
      },
      dispose() {
        if (ended || closed || failure !== undefined) return;
        ended = true;
        send(stream, DROP);
      },
      threaded: true,
    };
  };

  return {
    running,
    ready,
    stream: threadedHash,
    async close() {
      if (closed) return;
      if (failure === undefined) {
        try {
          send(0, EXIT);
        } catch {
          // Already dead: terminate below.
        }
      }
      closed = true;
      await worker.terminate();
    },
  };
}
