import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appendFileSync, truncateSync } from "node:fs";
import { threadedHasher, type StreamHash } from "../engine/hasher.js";
import type { ByteSource, ChunkBuffers } from "../model/bytes.js";
import { memorySource, openFileSource, openInflatedRange } from "./byte-source.js";
import { deflateRawSync } from "node:zlib";

const folder = mkdtempSync(join(tmpdir(), "custodiet-source-"));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function fileOf(length: number, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 0xff;
  const path = join(folder, `f-${length}-${seed}`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

async function collect(chunks: AsyncIterable<Uint8Array>, copy: boolean): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(copy ? chunk.slice() : chunk);
  return Buffer.concat(parts);
}

/**
 * Streams `source` into `buffers` and closes the file after the second chunk, so that the next reads fail;
 * the stream must end in that read's own error. Returns the chunks seen (each a full one).
 */
async function closedAfterTwoChunks(source: ByteSource, buffers: ChunkBuffers): Promise<number> {
  let chunks = 0;
  await expect(async () => {
    for await (const chunk of source.chunks(CHUNK, true, buffers)) {
      expect(chunk.length).toBe(CHUNK);
      if (++chunks === 2) await source.close();
    }
  }).rejects.toThrow(/EBADF/u);
  return chunks;
}

describe("openFileSource", () => {
  it("streams every byte in order, with and without reused (read-ahead) buffers", async () => {
    for (const length of [0, 1, 4095, 4096, 4097, 3 * 4096 + 100]) {
      const { path, bytes } = fileOf(length, length);
      const source = await openFileSource(path);
      try {
        expect(Buffer.compare(await collect(source.chunks(4096, true), true), bytes), `reuse ${length}`).toBe(
          0,
        );
        expect(Buffer.compare(await collect(source.chunks(4096), false), bytes), `fresh ${length}`).toBe(0);
      } finally {
        await source.close();
      }
    }
  });

  it("hands out each reused chunk intact until the next is asked for, also after an early stop", async () => {
    const first = fileOf(5 * 4096 + 7, 1);
    const second = fileOf(3 * 4096, 2);
    const a = await openFileSource(first.path);
    const b = await openFileSource(second.path);
    try {
      // Stop `a` after one chunk while its read-ahead is in flight; the pool must not hand that buffer to
      // `b` before the read has landed.
      for await (const chunk of a.chunks(4096, true)) {
        expect(Buffer.compare(chunk, first.bytes.subarray(0, 4096))).toBe(0);
        break;
      }
      let position = 0;
      for await (const chunk of b.chunks(4096, true)) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        expect(Buffer.compare(chunk, second.bytes.subarray(position, position + chunk.length))).toBe(0);
        position += chunk.length;
      }
      expect(position).toBe(second.bytes.length);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const fifo = join(folder, "pipe");
    execFileSync("mkfifo", [fifo]);
    await expect(openFileSource(fifo)).rejects.toThrow(/not a regular file/u);
  });

  it("reads a small file whole, in any chunk size, and closes twice without harm", async () => {
    const { path, bytes } = fileOf(1000, 9);
    const source = await openFileSource(path);
    expect(source.size).toBe(1000);
    expect(Buffer.compare(await collect(source.chunks(300, true), true), bytes)).toBe(0);
    await source.close();
    await source.close();
  });

  it("reads ranges", async () => {
    const { path, bytes } = fileOf(10_000, 3);
    const source = await openFileSource(path);
    try {
      expect(Buffer.compare(await source.read(9_000, 5_000), bytes.subarray(9_000))).toBe(0);
      expect((await source.read(20_000, 10)).length).toBe(0);
    } finally {
      await source.close();
    }
  });

  it("reads small and large ranges of a streamed file, and fails with the read's own error once closed", async () => {
    const { path, bytes } = fileOf(600_000, 4);
    const source = await openFileSource(path);
    // Small ranges are read at once, large ones on libuv's threads: both the same.
    expect(Buffer.compare(await source.read(123, 4000), bytes.subarray(123, 4123))).toBe(0);
    expect(Buffer.compare(await source.read(1000, 500_000), bytes.subarray(1000, 501_000))).toBe(0);
    expect(Buffer.compare(await source.read(599_000, 5000), bytes.subarray(599_000))).toBe(0);
    await source.close();
    await expect(source.read(0, 4000)).rejects.toThrow(/EBADF/u);
    await expect(source.read(0, 500_000)).rejects.toThrow(/EBADF/u);
  });

  it("reads a range into the caller's buffer when it is long enough", async () => {
    const { path, bytes } = fileOf(600_000, 5);
    const source = await openFileSource(path);
    try {
      const into = new Uint8Array(550_000).fill(0xee);
      for (const [offset, length] of [
        [10, 4000],
        [1000, 500_000],
        [590_000, 50_000],
      ] as const) {
        const got = await source.read(offset, length, into);
        expect(got.buffer).toBe(into.buffer);
        expect(Buffer.compare(got, bytes.subarray(offset, offset + length))).toBe(0);
      }
      // Too short for the range: a buffer of its own.
      const small = new Uint8Array(100);
      const got = await source.read(0, 4000, small);
      expect(got.buffer).not.toBe(small.buffer);
      expect(Buffer.compare(got, bytes.subarray(0, 4000))).toBe(0);
    } finally {
      await source.close();
    }
  });
});

/** A chunk size; files of over four such chunks are streamed (smaller ones are read whole at once). */
const CHUNK = 64 * 1024;

/**
 * Checks a chunk read at `position` of a file cut to `cut` bytes while it was read: bytes before the cut are
 * the file's; bytes past it, read ahead while the cut happened, are its old bytes or zeros (a read racing a
 * truncation copies the zeros of the pages going away: one run in six here, on ext4).
 */
function expectReadAcrossCut(chunk: Uint8Array, bytes: Uint8Array, position: number, cut: number): void {
  const kept = Math.max(0, Math.min(chunk.length, cut - position));
  expect(Buffer.compare(chunk.subarray(0, kept), bytes.subarray(position, position + kept))).toBe(0);
  let other = 0;
  for (let k = kept; k < chunk.length; k++) if (chunk[k] !== 0 && chunk[k] !== bytes[position + k]) other++;
  expect(other).toBe(0);
}

/** Lends up to `limit` buffers, then none, and records what it lent and got back. */
function lender(limit: number): ChunkBuffers & { held: Set<Uint8Array>; lent: number; returned: number } {
  const held = new Set<Uint8Array>();
  return {
    held,
    lent: 0,
    returned: 0,
    acquire(length) {
      if (held.size >= limit) return undefined;
      const buffer = new Uint8Array(length);
      held.add(buffer);
      this.lent++;
      return buffer;
    },
    release(buffer) {
      expect(held.delete(buffer)).toBe(true);
      // Scribbled over at once, as the next reader would: a chunk still in use shows it.
      buffer.fill(0xee);
      this.returned++;
    },
  };
}

describe("a range of a file", () => {
  it("reads only the range, at any chunk size, with and without buffers, and says where it lies", async () => {
    const { path, bytes } = fileOf(9 * CHUNK + 333, 21);
    // [offset, length]: a large range inside, one running to the end, one past the end, a small one.
    for (const [offset, length] of [
      [CHUNK + 17, 5 * CHUNK + 3],
      [2 * CHUNK, 7 * CHUNK + 333],
      [8 * CHUNK, 4 * CHUNK],
      [100, 5000],
    ] as const) {
      const expected = bytes.subarray(offset, offset + length);
      const source = await openFileSource(path, { offset, length });
      try {
        expect(source.size, `size ${offset}`).toBe(expected.length);
        if (expected.length > 256 * 1024) expect(source.file).toEqual({ path, offset });
        for (const chunkSize of [4096, CHUNK, 3 * CHUNK])
          expect(Buffer.compare(await collect(source.chunks(chunkSize, true), true), expected)).toBe(0);
        expect(Buffer.compare(await collect(source.chunks(CHUNK), false), expected)).toBe(0);
        const buffers = lender(4);
        expect(Buffer.compare(await collect(source.chunks(CHUNK, true, buffers), true), expected)).toBe(0);
        expect(buffers.held.size).toBe(0);
        // Reads are clamped to the range: the bytes after it are the next member's, never this one's.
        expect(Buffer.compare(await source.read(expected.length - 10, 1000), expected.subarray(-10))).toBe(0);
        expect((await source.read(expected.length, 10)).length).toBe(0);
        expect(Buffer.compare(await source.read(3, 7), expected.subarray(3, 10))).toBe(0);
      } finally {
        await source.close();
      }
    }
  });

  it("a range of a range lies where both offsets add up", async () => {
    const { path, bytes } = fileOf(8 * CHUNK, 22);
    const outer = await openFileSource(path, { offset: CHUNK, length: 5 * CHUNK + 2000 });
    const inner = await openFileSource(outer.file!.path, {
      offset: outer.file!.offset + 1000,
      length: 4 * CHUNK + 10,
    });
    try {
      expect(inner.file).toEqual({ path, offset: CHUNK + 1000 });
      const got = await collect(inner.chunks(CHUNK, true), true);
      expect(Buffer.compare(got, bytes.subarray(CHUNK + 1000, 5 * CHUNK + 1010))).toBe(0);
    } finally {
      await outer.close();
      await inner.close();
    }
  });
});

describe("chunks into lent buffers", () => {
  it("reads into the given buffers, each given back once, only after the consumer moved past it", async () => {
    // [file length, chunk size, buffers to lend]: read ahead, lending fewer than wanted, one chunk.
    for (const [length, chunkSize, limit] of [
      [5 * CHUNK + 7, CHUNK, 8],
      [5 * CHUNK + 7, CHUNK, 1],
      [5 * CHUNK, CHUNK, 8],
      [5 * CHUNK, 8 * CHUNK, 8],
    ] as const) {
      const { path, bytes } = fileOf(length, 5);
      const source = await openFileSource(path);
      const buffers = lender(limit);
      try {
        let position = 0;
        for await (const chunk of source.chunks(chunkSize, true, buffers)) {
          // Another task runs meanwhile: the read-ahead lands, the chunk must stay intact.
          await new Promise((resolve) => setTimeout(resolve, 1));
          expect(Buffer.compare(chunk, bytes.subarray(position, position + chunk.length))).toBe(0);
          position += chunk.length;
          expect(buffers.held.size).toBeLessThanOrEqual(Math.min(limit, 2));
        }
        expect(position).toBe(bytes.length);
        expect(buffers.held.size).toBe(0);
        expect(buffers.returned).toBe(buffers.lent);
        expect(buffers.lent).toBeGreaterThan(0);
      } finally {
        await source.close();
      }
    }
  });

  it("gives every buffer back after an early stop, once the read ahead has landed", async () => {
    const { path, bytes } = fileOf(6 * CHUNK, 6);
    const source = await openFileSource(path);
    const buffers = lender(8);
    try {
      for await (const chunk of source.chunks(CHUNK, true, buffers)) {
        expect(Buffer.compare(chunk, bytes.subarray(0, CHUNK))).toBe(0);
        break;
      }
      expect(buffers.held.size).toBe(0);
      expect(buffers.lent).toBe(2);
    } finally {
      await source.close();
    }
  });

  it("gives every buffer back when a read fails", async () => {
    const { path } = fileOf(6 * CHUNK, 9);
    const source = await openFileSource(path);
    const buffers = lender(8);
    const chunks = await closedAfterTwoChunks(source, buffers);
    expect(chunks).toBeGreaterThanOrEqual(2);
    expect(buffers.held.size).toBe(0);
    expect(buffers.returned).toBe(buffers.lent);
  });

  it("reads a file that grows or shrinks while read up to where it ends", async () => {
    const grown = fileOf(5 * CHUNK, 7);
    const source = await openFileSource(grown.path);
    const buffers = lender(8);
    const extra = new Uint8Array(5000).fill(7);
    try {
      let position = 0;
      for await (const chunk of source.chunks(CHUNK, true, buffers)) {
        if (position === 0) appendFileSync(grown.path, extra);
        position += chunk.length;
      }
      expect(position).toBe(5 * CHUNK + extra.length);
      expect(buffers.held.size).toBe(0);
    } finally {
      await source.close();
    }
    const shrunk = fileOf(5 * CHUNK, 8);
    const second = await openFileSource(shrunk.path);
    try {
      let position = 0;
      for await (const chunk of second.chunks(CHUNK, true, buffers)) {
        if (position === 0) truncateSync(shrunk.path, CHUNK + 10);
        expectReadAcrossCut(chunk, shrunk.bytes, position, CHUNK + 10);
        position += chunk.length;
      }
      // The read ahead may have landed before the cut.
      expect([CHUNK + 10, 2 * CHUNK]).toContain(position);
      expect(buffers.held.size).toBe(0);
    } finally {
      await second.close();
    }
  });

  it("streams bytes in memory as they are, without borrowing", async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, index) => index);
    const buffers = lender(8);
    expect([...(await collect(memorySource(bytes).chunks(3, true, buffers), true))]).toEqual([...bytes]);
    expect(buffers.lent).toBe(0);
  });
});

describe("memorySource", () => {
  it("streams the bytes in chunks", async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, index) => index);
    expect([...(await collect(memorySource(bytes).chunks(3), true))]).toEqual([...bytes]);
  });
});

describe("chunks read on the hashing thread", () => {
  const hasher = threadedHasher();
  afterAll(() => hasher.close());

  /**
   * The hashing thread's buffers, counting what was lent, given back, read there, and given back while a
   * read into it was still under way (never allowed). `before` may hold a read back until it resolves.
   */
  async function threadBuffers(before?: (position: number) => Promise<void>): Promise<
    ChunkBuffers & {
      stream: StreamHash;
      lent: number;
      returned: number;
      readThere: number;
      completed: number;
      early: number;
    }
  > {
    expect(await hasher.ready).toBe(true);
    const stream = hasher.create(1 << 30);
    const inner = stream.buffers!;
    const reading = new Set<Uint8Array>();
    const counted = {
      stream,
      lent: 0,
      returned: 0,
      readThere: 0,
      completed: 0,
      early: 0,
      acquire(length: number, wait?: boolean) {
        const buffer = inner.acquire(length, wait);
        if (buffer !== undefined) counted.lent++;
        return buffer;
      },
      release(buffer: Uint8Array) {
        counted.returned++;
        if (reading.has(buffer)) counted.early++;
        inner.release(buffer);
      },
      read(fd: number, buffer: Uint8Array, position: number) {
        const count = (bytesRead: number | undefined): number | undefined => {
          reading.delete(buffer);
          if (bytesRead !== undefined) counted.readThere++;
          counted.completed++;
          return bytesRead;
        };
        // As the owner does: a read it will not do is said at once, without a promise.
        const now = before === undefined ? inner.read!(fd, buffer, position) : undefined;
        if (before === undefined && now === undefined) return undefined;
        reading.add(buffer);
        return (async () => {
          try {
            await before?.(position);
            return count(await (now ?? inner.read!(fd, buffer, position)));
          } finally {
            reading.delete(buffer);
          }
        })();
      },
    };
    return counted;
  }

  it("streams every byte in order, full chunks then a short last one, and hashes them", async () => {
    for (const length of [5 * CHUNK + 1, 8 * CHUNK, 11 * CHUNK + 123]) {
      const { path, bytes } = fileOf(length, 11);
      const source = await openFileSource(path);
      const buffers = await threadBuffers();
      try {
        const lengths: number[] = [];
        let position = 0;
        for await (const chunk of source.chunks(CHUNK, true, buffers)) {
          // Other work meanwhile: the reads ahead land, this chunk must stay intact.
          await new Promise((resolve) => setTimeout(resolve, 1));
          expect(Buffer.compare(chunk, bytes.subarray(position, position + chunk.length))).toBe(0);
          buffers.stream.update(chunk);
          lengths.push(chunk.length);
          position += chunk.length;
        }
        expect(position).toBe(length);
        expect(lengths.slice(0, -1).every((chunkLength) => chunkLength === CHUNK)).toBe(true);
        expect(lengths.at(-1)).toBe(length % CHUNK || CHUNK);
        expect(buffers.stream.digest()).toBe(createHash("sha256").update(bytes).digest("hex"));
        // Reads are left to this thread only while the hashing thread is behind.
        expect(buffers.readThere).toBeGreaterThan(0);
        expect(buffers.returned).toBe(buffers.lent);
      } finally {
        await source.close();
      }
    }
  });

  it("reads a range in this thread, into the hashing thread's buffers, and stops at its end", async () => {
    const { path, bytes } = fileOf(12 * CHUNK, 23);
    const buffers = await threadBuffers();
    const source = await openFileSource(path, { offset: 3 * CHUNK + 5, length: 6 * CHUNK + 1 });
    try {
      const got = await collect(source.chunks(CHUNK, true, buffers), true);
      expect(Buffer.compare(got, bytes.subarray(3 * CHUNK + 5, 9 * CHUNK + 6))).toBe(0);
      // The owner reads whole buffers from where it is told: a range's reads are not handed to it.
      expect(buffers.readThere).toBe(0);
      expect(buffers.returned).toBe(buffers.lent);
    } finally {
      await source.close();
      buffers.stream.dispose();
    }
  });

  it("interleaves streams of several files", async () => {
    const files = [fileOf(9 * CHUNK + 5, 12), fileOf(5 * CHUNK, 13), fileOf(6 * CHUNK + 999, 14)];
    const sources = await Promise.all(files.map((file) => openFileSource(file.path)));
    const all = await Promise.all(files.map(() => threadBuffers()));
    try {
      const iterators = sources.map((source, index) =>
        source.chunks(CHUNK, true, all[index])[Symbol.asyncIterator](),
      );
      const positions = files.map(() => 0);
      for (let open = files.length; open > 0;) {
        open = 0;
        for (const [index, iterator] of iterators.entries()) {
          if (positions[index] === -1) continue;
          const next = await iterator.next();
          if (next.done === true) {
            expect(positions[index]).toBe(files[index]!.bytes.length);
            positions[index] = -1;
            continue;
          }
          open++;
          const at = positions[index]!;
          expect(Buffer.compare(next.value, files[index]!.bytes.subarray(at, at + next.value.length))).toBe(
            0,
          );
          all[index]!.stream.update(next.value);
          positions[index] = at + next.value.length;
        }
      }
      for (const [index, buffers] of all.entries()) {
        expect(buffers.stream.digest()).toBe(createHash("sha256").update(files[index]!.bytes).digest("hex"));
        expect(buffers.returned).toBe(buffers.lent);
      }
    } finally {
      await Promise.all(sources.map((source) => source.close()));
    }
  });

  it("gives every buffer back after an early stop, only once the reads ahead have landed", async () => {
    const { path, bytes } = fileOf(8 * CHUNK, 15);
    const source = await openFileSource(path);
    // The reads ahead are still under way when the consumer stops.
    const buffers = await threadBuffers((position) =>
      position === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 20)),
    );
    const given: Uint8Array[] = [];
    const release = buffers.release.bind(buffers);
    buffers.release = (buffer) => {
      // Scribbled over as the next reader would; a read landing later shows through.
      buffer.fill(0xee);
      given.push(buffer);
      release(buffer);
    };
    try {
      for await (const chunk of source.chunks(CHUNK, true, buffers)) {
        expect(Buffer.compare(chunk, bytes.subarray(0, CHUNK))).toBe(0);
        break;
      }
      buffers.stream.dispose();
      expect(buffers.lent).toBeGreaterThan(1);
      expect(buffers.returned).toBe(buffers.lent);
      expect(buffers.early).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const buffer of given) expect(buffer.every((byte) => byte === 0xee)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it("fails with the read's own error when the file cannot be read mid-way, giving every buffer back", async () => {
    const { path } = fileOf(8 * CHUNK, 16);
    const source = await openFileSource(path);
    const buffers = await threadBuffers();
    const chunks = await closedAfterTwoChunks(source, buffers);
    expect(chunks).toBeGreaterThanOrEqual(2);
    expect(chunks).toBeLessThan(8);
    expect(buffers.returned).toBe(buffers.lent);
    buffers.stream.dispose();
  });

  it("reads a file cut or grown under it up to where it ends", async () => {
    const shrunk = fileOf(8 * CHUNK, 17);
    const source = await openFileSource(shrunk.path);
    const buffers = await threadBuffers();
    try {
      let position = 0;
      const cut = CHUNK + 10;
      for await (const chunk of source.chunks(CHUNK, true, buffers)) {
        if (position === 0) truncateSync(shrunk.path, cut);
        expectReadAcrossCut(chunk, shrunk.bytes, position, cut);
        position += chunk.length;
      }
      // The reads ahead may have landed before the cut.
      expect([cut, 2 * CHUNK, 3 * CHUNK]).toContain(position);
      expect(buffers.returned).toBe(buffers.lent);
    } finally {
      await source.close();
    }
    const grown = fileOf(5 * CHUNK, 18);
    const second = await openFileSource(grown.path);
    const extra = new Uint8Array(5000).fill(7);
    try {
      let position = 0;
      for await (const chunk of second.chunks(CHUNK, true, buffers)) {
        if (position === 0) appendFileSync(grown.path, extra);
        position += chunk.length;
      }
      expect(position).toBe(5 * CHUNK + extra.length);
      expect(buffers.returned).toBe(buffers.lent);
    } finally {
      await second.close();
    }
  });

  it("reads on from where a short chunk ends, not where the chunks read ahead of it began", async () => {
    const { path, bytes } = fileOf(8 * CHUNK, 20);
    const source = await openFileSource(path);
    // The file is cut before the second chunk is read, and grown back before the third (read ahead) is.
    let cut = (): void => undefined;
    const wasCut = new Promise<void>((resolve) => (cut = resolve));
    const buffers = await threadBuffers(async (position) => {
      if (position === CHUNK) await wasCut;
      if (position !== 2 * CHUNK) return;
      await wasCut;
      while (buffers.completed < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      writeFileSync(path, bytes);
    });
    const lengths: number[] = [];
    try {
      let position = 0;
      for await (const chunk of source.chunks(CHUNK, true, buffers)) {
        if (position === 0) {
          truncateSync(path, CHUNK + 10);
          cut();
        }
        expect(Buffer.compare(chunk, bytes.subarray(position, position + chunk.length))).toBe(0);
        lengths.push(chunk.length);
        position += chunk.length;
      }
      expect(lengths.slice(0, 2)).toEqual([CHUNK, 10]);
      expect(position).toBe(bytes.length);
      expect(buffers.returned).toBe(buffers.lent);
      expect(buffers.early).toBe(0);
    } finally {
      await source.close();
    }
  });

  it("reads on in this thread once the hashing thread is gone", async () => {
    const { path, bytes } = fileOf(8 * CHUNK + 3, 19);
    const own = threadedHasher();
    expect(await own.ready).toBe(true);
    const stream = own.create(1 << 30);
    const source = await openFileSource(path);
    try {
      let position = 0;
      for await (const chunk of source.chunks(CHUNK, true, stream.buffers)) {
        if (position === 0) await own.close();
        expect(Buffer.compare(chunk, bytes.subarray(position, position + chunk.length))).toBe(0);
        position += chunk.length;
      }
      expect(position).toBe(bytes.length);
    } finally {
      await source.close();
    }
  });
});

describe("a deflated range of a file", () => {
  it("reads as the bytes it inflates to, and fails clearly when it no longer inflates to their size", async () => {
    const { bytes } = fileOf(100_000, 5);
    const packed = deflateRawSync(bytes);
    const path = join(folder, "deflated-range");
    writeFileSync(path, Buffer.concat([Buffer.from("head"), packed, Buffer.from("tail")]));
    const range = { offset: 4, length: packed.length };
    const source = await openInflatedRange(path, range, bytes.length);
    expect(source.size).toBe(bytes.length);
    expect(Buffer.compare(await collect(source.chunks(4096), true), bytes)).toBe(0);
    await source.close();
    await expect(openInflatedRange(path, range, bytes.length - 1)).rejects.toThrow(
      /inflates to 100000 bytes/u,
    );
    await expect(
      openInflatedRange(path, { offset: 0, length: packed.length }, bytes.length),
    ).rejects.toThrow();
    truncateSync(path, 10);
    await expect(openInflatedRange(path, range, bytes.length)).rejects.toThrow(/shorter than it was/u);
  });
});
