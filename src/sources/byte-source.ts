import { closeSync, constants, fstatSync, openSync, read, readSync } from "node:fs";
import { resolve } from "node:path";
import { inflateRawSync } from "node:zlib";
import type { ByteSource, ChunkBuffers, FileRange } from "../model/bytes.js";

/**
 * Read buffers kept per thread, by size, a few per size (tasks run interleaved): for `chunks(size, true)`,
 * small files and the reads of clusters of hits. A fresh buffer faults its pages in (~8 us each on a
 * paravirtualized machine) and its memory drives the garbage collector.
 */
const pooled = new Map<number, Uint8Array[]>();
const POOLED_PER_SIZE = 8;
/** Larger buffers are not kept between files. */
const POOLED_MAX_BYTES = 16 << 20;

/** A buffer of `size` bytes from this thread's pool (the one given back last), or a new one. */
export function acquireBuffer(size: number): Uint8Array {
  return pooled.get(size)?.pop() ?? new Uint8Array(size);
}

/** Gives a buffer back to this thread's pool: the caller, and every view of it, are done with it. */
export function releaseBuffer(buffer: Uint8Array): void {
  if (buffer.length > POOLED_MAX_BYTES) return;
  const free = pooled.get(buffer.length) ?? [];
  if (free.length < POOLED_PER_SIZE) free.push(buffer);
  pooled.set(buffer.length, free);
}

/**
 * Files up to this size are read whole with one synchronous read: for a small file, the trips through
 * libuv's thread pool (open, stat, read, read, close, each a wake-up of another thread) cost far more
 * than reading it. /usr/include (7,911 files, 115 MB): 3.7 s with 1.5 s of system time before.
 */
export const SMALL_FILE_BYTES = 256 * 1024;
/** `read` reads ranges up to this size synchronously, for the same reason. */
const SMALL_RANGE_BYTES = 256 * 1024;

/**
 * Chunks requested ahead of the consumer when another thread reads them (`ChunkBuffers.read`): one read
 * may wait behind a slice of hashing there, so two are in flight while the consumer works on a third.
 */
const READ_AHEAD = 2;
/** `readThrough` lets the event loop turn at least once per this many chunks. */
const YIELD_EVERY = 8;

/** Reads with pread on libuv's threads, keeping the event loop free. */
function preadAsync(
  fd: number,
  into: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, into, offset, length, position, (error, bytesRead) => {
      if (error) reject(error);
      else resolve(bytesRead);
    });
  });
}

/**
 * A ByteSource over a file on disk. Small files are read into memory at once (into `into` when it has room
 * for SMALL_FILE_BYTES + 1 bytes: the source's bytes are then views of it, which the caller must not reuse
 * while they are in use); larger ones are read with pread in chunks, never holding more than two of them.
 * Only regular files are opened (O_NONBLOCK: a file swapped for a FIFO after the walk must not block the
 * open).
 */
export function openFileSource(path: string, range?: FileRange, into?: Uint8Array): Promise<ByteSource> {
  // An error thrown in the executor rejects the promise.
  return new Promise((resolve) => {
    resolve(openFileSourceNow(path, range, into));
  });
}

function openFileSourceNow(path: string, range?: FileRange, into?: Uint8Array): ByteSource {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let closed = false;
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`not a regular file: ${path}`);
    /** Where this source's first byte is in the file, and how many bytes from there it may read. */
    const base = range?.offset ?? 0;
    const limit = range?.length ?? Number.POSITIVE_INFINITY;
    const size = range === undefined ? info.size : Math.max(0, Math.min(range.length, info.size - base));
    /** Reads at a position of this source: a whole file's reads go on to its end, a range's stop at the range's. */
    const readAt = (
      buffer: Uint8Array,
      offset: number,
      length: number,
      position: number,
    ): Promise<number> => {
      const wanted = Math.max(0, Math.min(length, limit - position));
      return wanted === 0 ? Promise.resolve(0) : preadAsync(fd, buffer, offset, wanted, base + position);
    };
    const readAtSync = (buffer: Uint8Array, offset: number, length: number, position: number): number => {
      const wanted = Math.max(0, Math.min(length, limit - position));
      return wanted === 0 ? 0 : readSync(fd, buffer, offset, wanted, base + position);
    };
    if (size <= SMALL_FILE_BYTES) {
      // One byte more than the size shows a file that grew since its stat: that one is streamed instead.
      const bytes =
        into !== undefined && into.length > SMALL_FILE_BYTES
          ? into.subarray(0, size + 1)
          : new Uint8Array(size + 1);
      let filled = 0;
      while (filled < bytes.length) {
        const got = readAtSync(bytes, filled, bytes.length - filled, filled);
        if (got === 0) break;
        filled += got;
        // A read that stops at the stat's size, short of the byte past it, has met the end: one more
        // (a system call, ~10 us here) would only return nothing.
        if (filled === size) break;
      }
      if (filled <= size) {
        closeSync(fd);
        closed = true;
        return memorySource(bytes.subarray(0, filled));
      }
    }
    /**
     * Reused chunks come from `buffers`, else from this thread's pool (no fresh, page-faulting buffer per
     * file). A file of more than one chunk is read ahead: the next chunk is read on libuv's threads into
     * another buffer while the consumer works on this one. A buffer goes back once the consumer has
     * moved past its chunk, never to be read into again before.
     */
    async function* readAhead(chunkSize: number, buffers?: ChunkBuffers): AsyncGenerator<Uint8Array> {
      const length = Math.max(1, chunkSize);
      const ahead = size > length;
      const lent = new Set<Uint8Array>();
      const take = (): Uint8Array => {
        const buffer = buffers?.acquire(length);
        if (buffer === undefined) return acquireBuffer(length);
        lent.add(buffer);
        return buffer;
      };
      const give = (buffer: Uint8Array): void => {
        if (lent.delete(buffer)) buffers!.release(buffer);
        else releaseBuffer(buffer);
      };
      let position = 0;
      let reading: Uint8Array | undefined = take();
      let pending = readAt(reading, 0, length, 0);
      let shown: Uint8Array | undefined;
      try {
        while (reading !== undefined) {
          const bytesRead = await pending;
          const filled: Uint8Array = reading;
          reading = undefined;
          if (bytesRead === 0) {
            give(filled);
            return;
          }
          position += bytesRead;
          if (ahead) {
            reading = take();
            pending = readAt(reading, 0, length, position);
          }
          shown = filled;
          yield bytesRead === length ? filled : filled.subarray(0, bytesRead);
          shown = undefined;
          give(filled);
          if (!ahead) {
            reading = take();
            pending = readAt(reading, 0, length, position);
          }
        }
      } finally {
        if (shown !== undefined) give(shown);
        if (reading !== undefined) {
          // A read still landing in a buffer must finish before the buffer goes back.
          await pending.catch(() => undefined);
          give(reading);
        }
      }
    }
    /** A read requested ahead: into which buffer, from where, and its byte count once done. */
    interface Pending {
      readonly buffer: Uint8Array;
      /** The buffer is the owner's (else this thread's pool's). */
      readonly lent: boolean;
      readonly position: number;
      /** Read by the buffers' owner (undefined: it did not), into a buffer it lent. */
      readonly lentRead: PromiseLike<number | undefined> | undefined;
      /** Read here (undefined: by the owner). */
      readonly ownRead: Promise<number> | undefined;
      /** The other thread neither read nor stopped in time: its buffer is never given back. */
      abandoned: boolean;
    }
    /**
     * `readAhead` for buffers whose owner reads into them on its own thread (`buffers.read`): up to
     * READ_AHEAD chunks are requested while the consumer works on one, each at the position the previous
     * one ends at if it is full. A short chunk (the end of the file, or a file cut under us) makes the
     * chunks requested past it be dropped and the next one read where it really starts, so the chunks, the
     * reads and their errors are those of `readAhead`. Buffers the owner cannot spare are read here.
     */
    async function* readThrough(
      chunkSize: number,
      buffers: ChunkBuffers,
      read: NonNullable<ChunkBuffers["read"]>,
    ): AsyncGenerator<Uint8Array> {
      const length = Math.max(1, chunkSize);
      const queue: Pending[] = [];
      /** Requests the read at `position`; one ahead of the next needed is only made into a lent buffer free now. */
      const request = (position: number, ahead = false): boolean => {
        const lentBuffer = buffers.acquire(length, !ahead);
        if (lentBuffer === undefined && ahead) return false;
        const buffer = lentBuffer ?? acquireBuffer(length);
        const lentRead = lentBuffer === undefined ? undefined : read(fd, buffer, position);
        const ownRead = lentRead === undefined ? readAt(buffer, 0, length, position) : undefined;
        // Awaited in order later; an error surfaces when the consumer reaches that chunk.
        ownRead?.catch(() => undefined);
        queue.push({ buffer, lent: lentBuffer !== undefined, position, lentRead, ownRead, abandoned: false });
        return true;
      };
      /** The read's byte count; a read the owner did not do is done here, which reports its error. */
      const bytesOf = async (pending: Pending): Promise<number> => {
        if (pending.ownRead !== undefined) return pending.ownRead;
        const bytesRead = await landed(pending);
        return bytesRead ?? readAt(pending.buffer, 0, length, pending.position);
      };
      /** Waits for the owner's read into the buffer to land (or for the owner to have stopped). */
      const landed = async (pending: Pending): Promise<number | undefined> => {
        try {
          return await pending.lentRead;
        } catch (error) {
          pending.abandoned = true;
          throw error;
        }
      };
      const give = (pending: Pending): void => {
        if (pending.abandoned) return;
        if (pending.lent) buffers.release(pending.buffer);
        else releaseBuffer(pending.buffer);
      };
      /** Gives back every queued buffer once its read has landed. */
      const drop = async (): Promise<void> => {
        for (const pending of queue.splice(0)) {
          await (pending.ownRead ?? landed(pending)).catch(() => undefined);
          give(pending);
        }
      };
      let shown: Pending | undefined;
      let count = 0;
      try {
        request(0);
        for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
          let bytesRead: number;
          try {
            bytesRead = await bytesOf(head);
          } catch (error) {
            give(head);
            throw error;
          }
          if (bytesRead === 0) {
            give(head);
            return;
          }
          const end = head.position + bytesRead;
          if (queue.length > 0 && queue[0]!.position !== end) await drop();
          if (queue.length === 0) request(end);
          // Further ahead only within the size seen at open; the read at the end finds out if it grew.
          while (queue.length < READ_AHEAD && queue[queue.length - 1]!.position + length < size)
            if (!request(queue[queue.length - 1]!.position + length, true)) break;
          // Chunks read ahead are often ready at once: let the event loop turn now and then all the same
          // (signals, timers, other tasks' reads).
          if (++count % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
          shown = head;
          yield bytesRead === length ? head.buffer : head.buffer.subarray(0, bytesRead);
          shown = undefined;
          give(head);
        }
      } finally {
        if (shown !== undefined) give(shown);
        // Reads still landing in buffers must finish before the buffers go back (and the file closes).
        await drop();
      }
    }
    const source: ByteSource = {
      size,
      file: { path: resolve(path), offset: base },
      async read(offset, length, into) {
        const start = Math.max(0, Math.min(offset, size));
        const want = Math.max(0, Math.min(length, size - start));
        // A buffer of the caller's: no fresh pages to fault in for every read of a cluster of hits.
        const buffer =
          into !== undefined && into.length >= want ? into.subarray(0, want) : new Uint8Array(want);
        // Small ranges (hit analysis, line numbers) are read at once, like small files: handing each to
        // libuv's threads cost more than the read, and the woken thread took this thread's core meanwhile.
        const now = want <= SMALL_RANGE_BYTES;
        let filled = 0;
        while (filled < want) {
          const bytesRead = now
            ? readAtSync(buffer, filled, want - filled, start + filled)
            : await readAt(buffer, filled, want - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === want ? buffer : buffer.subarray(0, filled);
      },
      async *chunks(chunkSize, reuse = false, buffers) {
        let position = 0;
        if (!reuse) {
          while (true) {
            // A fresh buffer per chunk, never more than the file holds; a growing file is read to its end.
            const buffer = new Uint8Array(Math.max(1, Math.min(chunkSize, size - position)));
            const bytesRead = await readAt(buffer, 0, buffer.length, position);
            if (bytesRead === 0) return;
            position += bytesRead;
            yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
          }
        }
        // The owner's reads fill a whole buffer: a range, which must stop at its end, reads for itself.
        const read = range === undefined ? buffers?.read?.bind(buffers) : undefined;
        if (buffers !== undefined && read !== undefined) yield* readThrough(chunkSize, buffers, read);
        else yield* readAhead(chunkSize, buffers);
      },
      close() {
        if (!closed) {
          closed = true;
          closeSync(fd);
        }
        return Promise.resolve();
      },
    };
    return source;
  } catch (error) {
    if (!closed) closeSync(fd);
    throw error;
  }
}

/**
 * A ByteSource over the bytes `range` of the file at `path` inflates to (raw deflate), which must be exactly
 * `size` bytes: a small member of a zip on disk, inflated once by its extractor and held in memory, handed
 * on this way when members had to leave memory (instead of written to a temp file and read back).
 */
export async function openInflatedRange(path: string, range: FileRange, size: number): Promise<ByteSource> {
  const packed = await openFileSource(path, range);
  let bytes: Uint8Array;
  try {
    if (packed.size !== range.length) throw new Error(`${path} is shorter than it was when extracted`);
    const inflated = inflateRawSync(await packed.read(0, range.length), { maxOutputLength: size + 1 });
    if (inflated.length !== size)
      throw new Error(
        `deflated range inflates to ${inflated.length} bytes, not the ${size} it did when extracted`,
      );
    bytes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
  } finally {
    await packed.close();
  }
  return memorySource(bytes);
}

/** A ByteSource over bytes already in memory (small members, samples in rule tests). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      const start = Math.max(0, Math.min(offset, bytes.length));
      return Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + Math.max(0, length))));
    },
    async *chunks(chunkSize) {
      for (let position = 0; position < bytes.length; position += chunkSize) {
        yield await Promise.resolve(bytes.subarray(position, position + chunkSize));
      }
    },
    close() {
      return Promise.resolve();
    },
  };
}
