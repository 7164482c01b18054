import { open, type FileHandle } from "node:fs/promises";
import type { ByteSource } from "../model/bytes.js";

/** Read buffers kept per thread for `chunks(size, true)`, by size; a few per size (tasks run interleaved). */
const pooled = new Map<number, Uint8Array[]>();
const POOLED_PER_SIZE = 8;
/** Larger chunk buffers are not kept between files. */
const POOLED_MAX_BYTES = 16 << 20;

function acquireBuffer(size: number): Uint8Array {
  return pooled.get(size)?.pop() ?? new Uint8Array(size);
}

function releaseBuffer(buffer: Uint8Array): void {
  if (buffer.length > POOLED_MAX_BYTES) return;
  const free = pooled.get(buffer.length) ?? [];
  if (free.length < POOLED_PER_SIZE) free.push(buffer);
  pooled.set(buffer.length, free);
}

/** A ByteSource over a file on disk; reads with pread, never holds more than one chunk. */
export async function openFileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, "r");
  let closed = false;
  try {
    const info = await handle.stat();
    const size = info.size;
    return {
      size,
      async read(offset, length) {
        const start = Math.max(0, Math.min(offset, size));
        const want = Math.max(0, Math.min(length, size - start));
        const buffer = new Uint8Array(want);
        let filled = 0;
        while (filled < want) {
          const { bytesRead } = await handle.read(buffer, filled, want - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === want ? buffer : buffer.subarray(0, filled);
      },
      async *chunks(chunkSize, reuse = false) {
        let position = 0;
        if (!reuse) {
          while (true) {
            // A fresh buffer per chunk, never more than the file holds; a growing file is read to its end.
            const buffer = new Uint8Array(Math.max(1, Math.min(chunkSize, size - position)));
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
            if (bytesRead === 0) return;
            position += bytesRead;
            yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
          }
        }
        // Reused chunks come from this thread's pool (no fresh, page-faulting buffer per file). A file of
        // more than one chunk is read ahead: the next chunk is read on libuv's threads into a second
        // buffer while the consumer works on this one.
        const length = Math.max(1, chunkSize);
        const ahead = size > length;
        const buffers = ahead ? [acquireBuffer(length), acquireBuffer(length)] : [acquireBuffer(length)];
        let turn = 0;
        let pending = handle.read(buffers[0]!, 0, length, 0);
        try {
          while (true) {
            const { bytesRead } = await pending;
            if (bytesRead === 0) return;
            position += bytesRead;
            const current = buffers[turn]!;
            if (ahead) {
              turn = 1 - turn;
              pending = handle.read(buffers[turn]!, 0, length, position);
            }
            yield bytesRead === length ? current : current.subarray(0, bytesRead);
            if (!ahead) pending = handle.read(current, 0, length, position);
          }
        } finally {
          // A read still landing in a buffer must finish before the buffer goes back to the pool.
          if (ahead) await pending.catch(() => undefined);
          for (const buffer of buffers) releaseBuffer(buffer);
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
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
