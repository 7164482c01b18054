import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { lendScanArena, returnScanArena, WINDOW_BYTES } from "../match/index.js";
import type { ChunkBuffers } from "../model/bytes.js";

/**
 * SHA-256 of every layer, computed either in this thread or, when a core would otherwise sit idle, on a
 * hashing thread beside it, so that hashing no longer runs in series with matching.
 *
 * The hashing thread shares blocks of memory with this thread (a SharedArrayBuffer: the reader region of a
 * scan arena where WebAssembly has one, so the matcher scans the blocks where they lie). A file is read
 * straight into blocks lent by `buffers`, by the hashing thread itself (`buffers.read`: a pread there
 * costs this thread nothing, where a read on libuv's threads wakes one that takes this core for a while);
 * `update` with such a chunk only tells the hashing thread where it lies, without copying it, and any
 * other chunk is copied into a free block first. A block is lent again once the hashing thread is done
 * with it and its reader has released it. `digest` queues the end of the stream and waits for its
 * digest, which by then is mostly computed.
 */
export interface StreamHash {
  update(chunk: Uint8Array): void;
  /** Hex digest of everything passed to `update`; ends the stream. */
  digest(): string;
  /**
   * `digest`, waiting with the event loop turning: other streams in flight go on (matching their chunks)
   * while the hashing thread finishes this one, instead of the whole thread waiting for it.
   */
  digestAsync(): Promise<string>;
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
  /**
   * Starts the hashing thread now (a hasher in this thread has none): its start then overlaps whatever
   * comes before the first stream long enough for it, instead of delaying that stream.
   */
  prepare(): void;
  close(): Promise<void>;
}

/**
 * Streams shorter than this are hashed in place: handing them over would cost more than it saves. Longer
 * files are read into the hashing thread's blocks (files up to 256 KiB are read whole), so this thread
 * neither reads nor hashes them.
 */
export const MIN_THREADED_BYTES = 256 << 10;
/**
 * A new stream is hashed in this thread when the hashing thread has this many operations (chunks of up to
 * 4 MiB) still to do.
 */
const MAX_BEHIND = 6;
/**
 * Shared blocks, each as large as the scan's default chunk. Up to four tasks interleave, each holding
 * the chunk being matched and up to two being read ahead, into blocks that are idle (else the reader's own
 * buffers); the hashing thread may fall behind by what is left. The memory is only touched as blocks are
 * used, the lowest first, and each page's first touch is a page fault: on a virtual machine where faults are
 * dear, 16 blocks (~12 touched on the bench corpus) cost 0.15-0.2 s more CPU than 8 and ran 4-6% slower with
 * `--jobs 1`; a single large file and many small ones ran as fast with 8.
 */
const BLOCKS = 8;
/** Just over 4 MiB: four of the matcher's windows, which it scans where they lie (see lendScanArena). */
const BLOCK_BYTES = 4 * WINDOW_BYTES;
/** Blocks never lent to readers, so that a copy always finds a block once the hashing thread moves on. */
const RESERVED_BLOCKS = 2;
/** Queued operations (a small ring of records; the data stays in the blocks). */
const RECORDS = 32;
/**
 * A read is left to the reader (libuv's threads, as without a hashing thread) while the hashing thread has
 * this many chunks still to hash: it is then the slower of the two threads (one long file: hashing alone
 * takes it as long as matching takes this thread), and reading too would make this thread wait for it.
 */
const READ_BEHIND = 3;
/** Queued reads (a ring of their own, served before any hashing that waits). */
const READS = 16;
/** The hashing thread hashes in slices of this many bytes and serves reads that arrive in between. */
const HASH_SLICE = 1 << 20;
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
/** Bumped and notified by this thread after queuing anything: the hashing thread waits on it when idle. */
const BELL = RUNNING + 1;
/** Reads done by the hashing thread so far (wrapping); notified after each one. */
const READS_DONE = BELL + 1;
/** Then the read records: state, file descriptor, position (low and high 32 bits), start, length, block. */
const READ_RECORDS = READS_DONE + 1;
const READ_FIELDS = 7;
const READ_FD = 1;
const READ_LOW = 2;
const READ_HIGH = 3;
const READ_START = 4;
const READ_LENGTH = 5;
const READ_BLOCK = 6;
/** Per block, the state of the last read into it (READ_*), notified when it changes, and its byte count. */
const READ_STATE = READ_RECORDS + READS * READ_FIELDS;
const READ_BYTES = READ_STATE + BLOCKS;
const READ_PENDING = 1;
const READ_DONE = 2;
const READ_FAILED = 3;
/** Then the digest of each record's FINAL operation, 32 bytes (8 fields) each. */
const DIGESTS = READ_BYTES + BLOCKS;
const HEADER_FIELDS = DIGESTS + RECORDS * 8;

/** Atomics.waitAsync (Node 16+; typed only from the ES2024 lib on). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync: (
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ) => { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

function inlineHash(): StreamHash {
  const hash: Hash = createHash("sha256");
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => hash.digest("hex"),
    digestAsync: () => Promise.resolve(hash.digest("hex")),
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
    prepare: () => undefined,
    close: () => Promise.resolve(),
  };
}

/** The hashing thread's loop, run as an eval'd CommonJS worker (no file to locate, from sources or dist). */
const HASH_THREAD = `
const { workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { readSync } = require("node:fs");
const { control, data } = workerData;
const header = new Int32Array(control);
const digests = new Uint8Array(control, ${DIGESTS * 4});
const bytes = new Uint8Array(data);
const streams = new Map();
let reads = 0;
// Reads first: this thread's reader waits for them, while hashing can wait.
const serveReads = () => {
  for (;;) {
    const base = ${READ_RECORDS} + (reads % ${READS}) * ${READ_FIELDS};
    if (Atomics.load(header, base) !== ${FULL}) return;
    const block = header[base + ${READ_BLOCK}];
    let state = ${READ_DONE};
    let got = 0;
    try {
      const position = header[base + ${READ_HIGH}] * 4294967296 + (header[base + ${READ_LOW}] >>> 0);
      got = readSync(header[base + ${READ_FD}], bytes, header[base + ${READ_START}], header[base + ${READ_LENGTH}], position);
    } catch {
      // The reader reads again itself, which reports the error as it always did.
      state = ${READ_FAILED};
    }
    header[${READ_BYTES} + block] = got;
    Atomics.store(header, base, ${FREE});
    reads++;
    Atomics.store(header, ${READ_STATE} + block, state);
    Atomics.notify(header, ${READ_STATE} + block);
    Atomics.add(header, ${READS_DONE}, 1);
    Atomics.notify(header, ${READS_DONE});
  }
};
try {
Atomics.store(header, ${RUNNING}, 1);
for (let sequence = 0; ; sequence++) {
  const record = sequence % ${RECORDS};
  const base = record * ${FIELDS};
  for (;;) {
    const bell = Atomics.load(header, ${BELL});
    serveReads();
    if (Atomics.load(header, base + ${STATE}) === ${FULL}) break;
    Atomics.wait(header, ${BELL}, bell);
  }
  const operation = header[base + ${OPERATION}];
  const stream = header[base + ${STREAM}];
  if (operation === ${EXIT}) break;
  if (operation === ${UPDATE}) {
    let hash = streams.get(stream);
    if (hash === undefined) streams.set(stream, (hash = createHash("sha256")));
    const start = header[base + ${START}];
    const end = start + header[base + ${LENGTH}];
    for (let at = start; at < end; at += ${HASH_SLICE}) {
      hash.update(bytes.subarray(at, Math.min(end, at + ${HASH_SLICE})));
      serveReads();
    }
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
  Atomics.notify(header, ${READS_DONE});
  for (let block = 0; block < ${BLOCKS}; block++) Atomics.notify(header, ${READ_STATE} + block);
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
  const start = (): HashThread => (thread ??= takePrestarted() ?? startHashThread());
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
    prepare() {
      if (!closed) start();
    },
    async close() {
      closed = true;
      await thread?.close();
    },
  };
}

/** A hashing thread started ahead by `prestartHashThread`, for the next hasher that needs one. */
let prestarted: HashThread | undefined;

function takePrestarted(): HashThread | undefined {
  const thread = prestarted;
  prestarted = undefined;
  return thread;
}

/**
 * Starts a hashing thread now, for the next `threadedHasher` that needs one to take over: a thread takes
 * ~40 ms to start, which then overlaps whatever comes first (the CLI loading its rule pack). One that no
 * hasher takes costs that start and then sleeps; it never keeps the process alive once it runs. Resolves
 * as `Hasher.ready` does.
 */
export function prestartHashThread(): Promise<boolean> {
  prestarted ??= startHashThread();
  return prestarted.ready;
}

/** Block states on this side. */
const IDLE = 0;
/** Lent to a reader, not handed to the hashing thread yet. */
const LENT = 1;
/** Lent, and handed to the hashing thread. */
const LENT_SENT = 2;

function startHashThread(): HashThread {
  const control = new SharedArrayBuffer(HEADER_FIELDS * 4);
  // The blocks are the reader region of a scan arena: the automaton's kernel, built on it next, scans them
  // where they are (see lendScanArena). Offsets sent to the thread are offsets in `data`.
  const arena = lendScanArena(BLOCKS * BLOCK_BYTES);
  const data = arena?.buffer ?? new SharedArrayBuffer(BLOCKS * BLOCK_BYTES);
  const blocksBase = arena?.base ?? 0;
  const blockStart = (block: number): number => blocksBase + block * BLOCK_BYTES;
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
  // waiting in `open` needs it to (nothing else may be pending). A thread being closed stays referenced
  // until it has exited (see close).
  void ready.then(() => {
    if (!closed) worker.unref();
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
  const waitFor = (done: () => boolean, counter = DONE): void => {
    let deadline = 0;
    while (!done()) {
      if (failure !== undefined) throw new Error(failure);
      if (Atomics.load(header, STOPPED) !== 0) throw new Error("hashing thread stopped");
      const now = Date.now();
      if (deadline === 0) deadline = now + WAIT_MS;
      else if (now > deadline) throw new Error("hashing thread stopped answering");
      const seen = Atomics.load(header, counter);
      if (done()) return;
      Atomics.wait(header, counter, seen, 50);
    }
  };
  /**
   * A block neither lent, nor being hashed, nor still being read into (given back too early, or by a thread
   * that stopped answering), the lowest, so that few pages are touched; or -1.
   */
  const idleBlock = (): number => {
    for (let block = 0; block < BLOCKS; block++)
      if (
        blockState[block] === IDLE &&
        Atomics.load(header, BUSY + block) === 0 &&
        Atomics.load(header, READ_STATE + block) !== READ_PENDING
      )
        return block;
    return -1;
  };
  const waitIdleBlock = (): number => {
    let block = idleBlock();
    if (block < 0) waitFor(() => (block = idleBlock()) >= 0);
    return block;
  };
  /** Queues one operation; `block` (or -1) is busy until the hashing thread has read `length` bytes at `start`. */
  /** Digests of FINAL records awaited asynchronously, by sequence: taken out before their record is reused. */
  const unread = new Set<number>();
  const taken = new Map<number, string>();
  const digestOf = (at: number): string => {
    const record = at & (RECORDS - 1);
    return Buffer.from(digests.subarray(record * 32, record * 32 + 32)).toString("hex");
  };
  const send = (stream: number, operation: number, block = -1, start = 0, length = 0): number => {
    if (closed) throw new Error("hasher closed");
    const at = sequence;
    // The record's previous use must be done.
    waitFor(() => reached(Atomics.load(header, DONE), at - RECORDS + 1));
    // A digest still awaited in that record is kept before the record is used again.
    const previous = (at - RECORDS) | 0;
    if (unread.delete(previous)) taken.set(previous, digestOf(previous));
    sequence = (sequence + 1) | 0;
    const base = (at & (RECORDS - 1)) * FIELDS;
    if (block >= 0) Atomics.store(header, BUSY + block, 1);
    header[base + OPERATION] = operation;
    header[base + STREAM] = stream;
    header[base + START] = start;
    header[base + LENGTH] = length;
    header[base + BLOCK] = block;
    Atomics.store(header, base + STATE, FULL);
    ring();
    return at;
  };
  /** Wakes the hashing thread if it waits for work. */
  const ring = (): void => {
    Atomics.add(header, BELL, 1);
    Atomics.notify(header, BELL);
  };
  /** Reads queued so far (wrapping like READS_DONE). */
  let readSequence = 0;
  /** Queues a pread of `length` bytes at `position` of `fd` into the blocks at `start`, inside `block`. */
  const sendRead = (fd: number, block: number, start: number, length: number, position: number): void => {
    const at = readSequence;
    waitFor(() => reached(Atomics.load(header, READS_DONE), at - READS + 1), READS_DONE);
    readSequence = (readSequence + 1) | 0;
    const base = READ_RECORDS + (at & (READS - 1)) * READ_FIELDS;
    Atomics.store(header, READ_STATE + block, READ_PENDING);
    header[base + READ_FD] = fd;
    header[base + READ_LOW] = position % 2 ** 32;
    header[base + READ_HIGH] = Math.floor(position / 2 ** 32);
    header[base + READ_START] = start;
    header[base + READ_LENGTH] = length;
    header[base + READ_BLOCK] = block;
    Atomics.store(header, base + STATE, FULL);
    ring();
  };
  /** Resolves once `header[index]` is no longer `value`, or after 50 ms; the event loop turns meanwhile. */
  const changeOf = async (index: number, value: number): Promise<void> => {
    const waiting = waitAsync(header, index, value, 50);
    if (!waiting.async) return;
    // A pending waitAsync does not keep the process alive; this timer does, while it waits.
    const alive = setTimeout(() => undefined, 1000);
    await waiting.value;
    clearTimeout(alive);
  };
  /**
   * The byte count of the read into `block` once it is done, or undefined when the hashing thread failed it
   * or is gone (the reader reads itself: no one else writes into the block any more). Waits with the event
   * loop turning; a thread that neither reads nor stops within WAIT_MS is an error.
   */
  const awaitRead = async (block: number): Promise<number | undefined> => {
    let deadline = 0;
    for (;;) {
      const state = Atomics.load(header, READ_STATE + block);
      if (state === READ_DONE) return header[READ_BYTES + block];
      if (state !== READ_PENDING) return undefined;
      if (failure !== undefined || Atomics.load(header, STOPPED) !== 0) return undefined;
      const now = Date.now();
      if (deadline === 0) deadline = now + WAIT_MS;
      else if (now > deadline) throw new Error("hashing thread stopped reading");
      await changeOf(READ_STATE + block, READ_PENDING);
    }
  };

  const buffers: ChunkBuffers = {
    acquire(length, wait = true) {
      if (length > BLOCK_BYTES || closed || lent >= BLOCKS - RESERVED_BLOCKS || !running()) return undefined;
      let block: number;
      try {
        // The reserved blocks are never lent: some block is idle or being hashed, never waited on in vain.
        block = wait ? waitIdleBlock() : idleBlock();
      } catch {
        return undefined;
      }
      if (block < 0) return undefined;
      blockState[block] = LENT;
      lent++;
      return new Uint8Array(data, blockStart(block), length);
    },
    release(buffer) {
      const block = lentBlock(buffer);
      if (block < 0) return;
      blockState[block] = IDLE;
      lent--;
    },
    read(fd, buffer, position) {
      const block = lentBlock(buffer);
      // Only into a lent block not handed over yet: the hashing thread may still be hashing any other.
      if (block < 0 || blockState[block] !== LENT || closed || !running()) return undefined;
      if (Atomics.load(header, READ_STATE + block) === READ_PENDING)
        return Promise.reject(new Error("a read into this buffer is still under way"));
      if (((sequence - Atomics.load(header, DONE)) | 0) >= READ_BEHIND) return undefined;
      try {
        sendRead(fd, block, buffer.byteOffset, buffer.length, position);
      } catch {
        Atomics.store(header, READ_STATE + block, 0);
        return undefined;
      }
      // Waits only once awaited: by then the read is mostly done, and no wait is set up at all.
      let waiting: Promise<number | undefined> | undefined;
      return {
        then(fulfilled, rejected) {
          waiting ??= awaitRead(block);
          return waiting.then(fulfilled, rejected);
        },
      };
    },
  };
  /** The block `chunk` lies in, if it is one lent out and still held, else -1. */
  const lentBlock = (chunk: Uint8Array): number => {
    if (chunk.buffer !== data) return -1;
    const block = Math.floor((chunk.byteOffset - blocksBase) / BLOCK_BYTES);
    if (block < 0 || block >= BLOCKS || chunk.byteOffset + chunk.length > blockStart(block + 1)) return -1;
    return blockState[block] === IDLE ? -1 : block;
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
          bytes.set(piece, blockStart(copy));
          send(stream, UPDATE, copy, blockStart(copy), piece.length);
        }
      },
      digest() {
        ended = true;
        const at = send(stream, FINAL);
        waitFor(() => reached(Atomics.load(header, DONE), at + 1));
        return digestOf(at);
      },
      async digestAsync() {
        ended = true;
        const at = send(stream, FINAL);
        unread.add(at);
        try {
          let deadline = 0;
          while (!reached(Atomics.load(header, DONE), at + 1)) {
            if (failure !== undefined) throw new Error(failure);
            if (Atomics.load(header, STOPPED) !== 0) throw new Error("hashing thread stopped");
            const now = Date.now();
            if (deadline === 0) deadline = now + WAIT_MS;
            else if (now > deadline) throw new Error("hashing thread stopped answering");
            const seen = Atomics.load(header, DONE);
            if (reached(seen, at + 1)) break;
            await changeOf(DONE, seen);
          }
          return taken.get(at) ?? digestOf(at);
        } finally {
          unread.delete(at);
          taken.delete(at);
        }
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
      // Held open until it has exited: the thread is unreferenced once started (or given up), and a wait
      // for a thread that holds nothing open lets the process end with this promise unsettled (a scan that
      // ended while its thread was still starting exited with code 13 and wrote no report).
      worker.ref();
      await worker.terminate();
      // Nothing reads into or hashes the blocks any more: the next hashing thread may lend them again.
      if (arena !== undefined) returnScanArena(arena);
    },
  };
}
