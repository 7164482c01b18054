import { open, type FileHandle } from "node:fs/promises";
import type { ByteSource } from "../model/bytes.js";

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
        // Never allocate more than the file holds: most files are far smaller than a chunk.
        const bufferSize = Math.max(1, Math.min(chunkSize, size));
        const shared = reuse ? new Uint8Array(bufferSize) : undefined;
        while (true) {
          // A fresh buffer per chunk unless the consumer promised not to keep it.
          const buffer = shared ?? new Uint8Array(Math.max(1, Math.min(chunkSize, size - position)));
          // A file that grows while it is read is read to its end, still in bounded chunks.
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) return;
          position += bytesRead;
          yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
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
