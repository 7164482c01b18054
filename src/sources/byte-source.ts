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
        // A reused chunk comes from this thread's pool: no fresh (page-faulting) buffer per file.
        const shared = reuse ? acquireBuffer(Math.max(1, chunkSize)) : undefined;
        try {
          while (true) {
            // A fresh buffer per chunk unless the consumer promised not to keep it; never more than the file holds.
            const buffer = shared ?? new Uint8Array(Math.max(1, Math.min(chunkSize, size - position)));
            // A file that grows while it is read is read to its end, still in bounded chunks.
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
            if (bytesRead === 0) return;
            position += bytesRead;
            yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
          }
        } finally {
          if (shared) releaseBuffer(shared);
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
