import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { ChunkBuffers } from "../model/bytes.js";

/**
 * SHA-256 of every layer, computed either in this thread or, when a core would otherwise sit idle, on a
 * hashing thread beside it, so that hashing no longer runs in series with matching.
 *
 * The hashing thread shares blocks of memory with this thread (a SharedArrayBuffer). A file is read
 * straight into blocks lent by `buffers`; `update` with such a chunk only tells the hashing thread where
 * it lies, without copying it, and any other chunk is copied into a free block first. A block is lent
 * again once the hashing thread is done with it and its reader has released it. `digest` queues the end
 * of the stream and waits for its digest, which by then is mostly computed.
 */
export interface StreamHash {
  update(chunk: Uint8Array): void;
  /** Hex digest of everything passed to `update`; ends the stream. */
  digest(): string;
  /** Ends the stream without a digest (an aborted artifact). */
  dispose(): void;
  /** Hashed on the hashing thread (for tests and measurements). */
  readonly threaded: boolean;
  /** Buffers to read chunks into, which `update` hands to the hashing thread without a copy. */
  readonly buffers?: ChunkBuffers;
}

export interface Hasher {
  /** A new stream; `size` is the expected byte count (small streams are hashed in this thread). */
  create(size: number): StreamHash;
  /**
   * `create`, once the hashing thread runs if the stream is long enough for it (the thread starts with
   * the first such stream): else the first streams of a scan, which start together, would all be hashed
   * in this thread (the bench corpus: 135 MB of its first four files).
   */
  open(size: number): Promise<StreamHash>;
  /** Resolves once streams can go to the hashing thread (true), or never will (false). */
  readonly ready: Promise<boolean>;
  close(): Promise<void>;
}

/** Streams shorter than this are hashed in place: handing them over would cost more than it saves. */
const MIN_THREADED_BYTES = 1 << 20;
/**
 * A new stream is hashed in this thread when the hashing thread has this many operations (chunks of up to
 * 4 MiB) still to do.
 */
const MAX_BEHIND = 6;
/**
 * Shared blocks, each as large as the scan's default chunk. Up to four tasks interleave, each holding
 * two (the chunk being matched and the one being read ahead); the rest let the hashing thread fall
 * behind for a while before this thread waits. The memory is only touched as blocks are used.
 */
const BLOCKS = 12;
const BLOCK_BYTES = 4 << 20;
/** Blocks never lent to readers, so that a copy always finds a block once the hashing thread moves on. */
const RESERVED_BLOCKS = 2;
/** Queued operations (a small ring of records; the data stays in the blocks). */
const RECORDS = 32;
/** A hashing thread whose loop does not run this long after it was started is given up. */
const START_MS = 10_000;
/** A hashing thread that does not answer in this long has died; the artifact is recorded as partial. */
const WAIT_MS = 60_000;

/** Fields per record: state, operation, stream id, start (byte offset in the blocks), length, block. */
const FIELDS = 6;
const STATE = 0;
const OPERATION = 1;
const STREAM = 2;
const START = 3;
const LENGTH = 4;
const BLOCK = 5;
/** Record states. */
const FREE = 0;
const FULL = 1;
/** Operations. */
const UPDATE = 0;
const FINAL = 1;
const DROP = 2;
const EXIT = 3;
/** After the records: per block, 1 while the hashing thread may still read it. */
const BUSY = RECORDS * FIELDS;
/** Records done by the hashing thread so far (wrapping); notified after each one. */
const DONE = BUSY + BLOCKS;
/** Set by the hashing thread when its loop ends for any reason. */
const STOPPED = DONE + 1;
/**
 * Set by the hashing thread when its loop runs. Only then are streams sent to it: this thread waits on
 * the hashing thread without turning its event loop, so it must never wait for a thread that has not
 * started yet (its start needs this event loop) or failed to start (whose error event would need it too).
 */
const RUNNING = STOPPED + 1;
/** Then the digest of each record's FINAL operation, 32 bytes (8 fields) each. */
const DIGESTS = RUNNING + 1;
const HEADER_FIELDS = DIGESTS + RECORDS * 8;

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
  return {
    create: () => inlineHash(),
    open: () => Promise.resolve(inlineHash()),
    ready: Promise.resolve(false),
    close: () => Promise.resolve(),
  };
}

/** The hashing thread's loop, run as an eval'd CommonJS worker (no file to locate, from sources or dist). */
const HASH_THREAD = `
const { workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { control, data } = workerData;
const header = new Int32Array(control);
const digests = new Uint8Array(control, ${DIGESTS * 4});
const bytes = new Uint8Array(data);
const streams = new Map();
try {
Atomics.store(header, ${RUNNING}, 1);
for (let sequence = 0; ; sequence++) {
  const record = sequence % ${RECORDS};
  const base = record * ${FIELDS};
  while (Atomics.load(header, base + ${STATE}) !== ${FULL}) Atomics.wait(header, base + ${STATE}, ${FREE});
  const operation = header[base + ${OPERATION}];
  const stream = header[base + ${STREAM}];
  if (operation === ${EXIT}) break;
  if (operation === ${UPDATE}) {
    let hash = streams.get(stream);
    if (hash === undefined) streams.set(stream, (hash = createHash("sha256")));
    const start = header[base + ${START}];
    hash.update(bytes.subarray(start, start + header[base + ${LENGTH}]));
    Atomics.store(header, ${BUSY} + header[base + ${BLOCK}], 0);
  } else {
    const hash = streams.get(stream) ?? createHash("sha256");
    streams.delete(stream);
    if (operation === ${FINAL}) digests.set(hash.digest(), record * 32);
  }
  Atomics.store(header, base + ${STATE}, ${FREE});
  Atomics.add(header, ${DONE}, 1);
  Atomics.notify(header, ${DONE});
}
} finally {
  // Whoever waits sees this at once instead of waiting for a thread that is gone.
  Atomics.store(header, ${STOPPED}, 1);
  Atomics.notify(header, ${DONE});
}
`;

interface HashThread {
  readonly running: () => boolean;
  /** Operations queued for the hashing thread that it has not finished yet. */
  readonly behind: () => number;
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
  const create = (size: number): StreamHash => {
    if (size < MIN_THREADED_BYTES || closed) return inlineHash();
    const started = start();
    // A hashing thread far behind (it shares its core with reads and the compiler) would make this thread
    // wait: this stream is hashed here instead, where waiting time is spent hashing.
    return started.running() && started.behind() < MAX_BEHIND ? started.stream() : inlineHash();
  };
  return {
    create,
    async open(size) {
      // Resolves once the thread runs or has failed (its error and exit events settle it).
      if (size >= MIN_THREADED_BYTES && !closed) await start().ready;
      return create(size);
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

/** Block states on this side. */
const IDLE = 0;
/** Lent to a reader, not handed to the hashing thread yet. */
const LENT = 1;
/** Lent, and handed to the hashing thread. */
const LENT_SENT = 2;

function startHashThread(): HashThread {
  const control = new SharedArrayBuffer(HEADER_FIELDS * 4);
  const data = new SharedArrayBuffer(BLOCKS * BLOCK_BYTES);
  const header = new Int32Array(control);
  const digests = new Uint8Array(control, DIGESTS * 4);
  const bytes = new Uint8Array(data);
  const worker = new Worker(HASH_THREAD, {
    eval: true,
    // Not the parent's flags: `--input-type=module` would make this CommonJS code an ES module.
    execArgv: [],
    workerData: { control, data },
  });
  let failure: string | undefined;
  // Until the thread's loop runs, streams are hashed here.
  const running = (): boolean =>
    failure === undefined && Atomics.load(header, RUNNING) === 1 && Atomics.load(header, STOPPED) === 0;
  const ready = new Promise<boolean>((settle) => {
    // A thread that neither runs nor fails in START_MS never will: streams are then hashed here (`open`
    // waits on this, so it must settle).
    const deadline = setTimeout(() => {
      failure ??= `hashing thread did not start in ${START_MS / 1000} s`;
      settle(false);
    }, START_MS);
    // The worker keeps the process alive until it settles this; the deadline alone must not.
    deadline.unref();
    const resolve = (value: boolean): void => {
      clearTimeout(deadline);
      settle(value);
    };
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
  // Once started (or failed), the thread never keeps the process alive on its own; before, a stream
  // waiting in `open` needs it to (nothing else may be pending).
  void ready.then(() => {
    worker.unref();
  });
  /** Records queued so far (wrapping like DONE). */
  let sequence = 0;
  let nextStream = 1;
  let closed = false;
  const blockState = new Uint8Array(BLOCKS);
  let lent = 0;

  /** Sequence numbers wrap at 2^32: `a` is at or past `b` when their difference is not negative. */
  const reached = (a: number, b: number): boolean => ((a - b) | 0) >= 0;
  /** Waits, without turning the event loop, until `done` holds or the hashing thread is gone. */
  const waitFor = (done: () => boolean): void => {
    let deadline = 0;
    while (!done()) {
      if (failure !== undefined) throw new Error(failure);
      if (Atomics.load(header, STOPPED) !== 0) throw new Error("hashing thread stopped");
      const now = Date.now();
      if (deadline === 0) deadline = now + WAIT_MS;
      else if (now > deadline) throw new Error("hashing thread stopped answering");
      const seen = Atomics.load(header, DONE);
      if (done()) return;
      Atomics.wait(header, DONE, seen, 50);
    }
  };
  /** A block neither lent nor being hashed (the lowest, so that few pages are touched), or -1. */
  const idleBlock = (): number => {
    for (let block = 0; block < BLOCKS; block++)
      if (blockState[block] === IDLE && Atomics.load(header, BUSY + block) === 0) return block;
    return -1;
  };
  const waitIdleBlock = (): number => {
    let block = idleBlock();
    if (block < 0) waitFor(() => (block = idleBlock()) >= 0);
    return block;
  };
  /** Queues one operation; `block` (or -1) is busy until the hashing thread has read `length` bytes at `start`. */
  const send = (stream: number, operation: number, block = -1, start = 0, length = 0): number => {
    if (closed) throw new Error("hasher closed");
    const at = sequence;
    // The record's previous use must be done.
    waitFor(() => reached(Atomics.load(header, DONE), at - RECORDS + 1));
    sequence = (sequence + 1) | 0;
    const base = (at & (RECORDS - 1)) * FIELDS;
    if (block >= 0) Atomics.store(header, BUSY + block, 1);
    header[base + OPERATION] = operation;
    header[base + STREAM] = stream;
    header[base + START] = start;
    header[base + LENGTH] = length;
    header[base + BLOCK] = block;
    Atomics.store(header, base + STATE, FULL);
    Atomics.notify(header, base + STATE);
    return at;
  };

  const buffers: ChunkBuffers = {
    acquire(length) {
      if (length > BLOCK_BYTES || closed || lent >= BLOCKS - RESERVED_BLOCKS || !running()) return undefined;
      let block: number;
      try {
        // The reserved blocks are never lent: some block is idle or being hashed, never waited on in vain.
        block = waitIdleBlock();
      } catch {
        return undefined;
      }
      blockState[block] = LENT;
      lent++;
      return new Uint8Array(data, block * BLOCK_BYTES, length);
    },
    release(buffer) {
      const block = lentBlock(buffer);
      if (block < 0) return;
      blockState[block] = IDLE;
      lent--;
    },
  };
  /** The block `chunk` lies in, if it is one lent out and still held, else -1. */
  const lentBlock = (chunk: Uint8Array): number => {
    if (chunk.buffer !== data) return -1;
    const block = Math.floor(chunk.byteOffset / BLOCK_BYTES);
    if (chunk.byteOffset + chunk.length > (block + 1) * BLOCK_BYTES || blockState[block] === IDLE) return -1;
    return block;
  };

  const threadedHash = (): StreamHash => {
    const stream = nextStream++;
    let ended = false;
    return {
      update(chunk) {
        const block = lentBlock(chunk);
        if (block >= 0 && blockState[block] === LENT) {
          // Read into shared memory already: only say where.
          send(stream, UPDATE, block, chunk.byteOffset, chunk.length);
          blockState[block] = LENT_SENT;
          return;
        }
        if (closed) throw new Error("hasher closed");
        for (let at = 0; at < chunk.length; at += BLOCK_BYTES) {
          const piece = chunk.subarray(at, Math.min(chunk.length, at + BLOCK_BYTES));
          const copy = waitIdleBlock();
          bytes.set(piece, copy * BLOCK_BYTES);
          send(stream, UPDATE, copy, copy * BLOCK_BYTES, piece.length);
        }
      },
      digest() {
        ended = true;
        const at = send(stream, FINAL);
        waitFor(() => reached(Atomics.load(header, DONE), at + 1));
        const record = at & (RECORDS - 1);
        return Buffer.from(digests.subarray(record * 32, record * 32 + 32)).toString("hex");
      },
      dispose() {
        if (ended || closed || failure !== undefined) return;
        ended = true;
        send(stream, DROP);
      },
      threaded: true,
      buffers,
    };
  };

  return {
    running,
    behind: () => (sequence - Atomics.load(header, DONE)) | 0,
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
