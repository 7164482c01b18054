/**
 * Where a source may read chunks into: e.g. memory the hashing thread shares, so that a chunk is hashed
 * where it was read.
 */
export interface ChunkBuffers {
  /**
   * A buffer of exactly `length` bytes, or undefined (none to spare: the source uses its own). The owner
   * may wait for one to come free unless `wait` is false (a read far ahead, which can as well come later).
   */
  acquire(length: number, wait?: boolean): Uint8Array | undefined;
  /** The source is done with a buffer `acquire` gave: the consumer has moved past its chunk. */
  release(buffer: Uint8Array): void;
  /**
   * Optional: fills `buffer` (one `acquire` gave) with one pread of file descriptor `fd` at the 0-based
   * `position` on the thread that owns the buffers, so that this thread's core is left to the consumer.
   * Resolves to the byte count like a read, or to undefined when that thread did not read (a read error,
   * or it is gone): the source then reads itself, which reports any error as it always did. Waiting starts
   * only once it is awaited, so a read done by then costs no wait at all. Returns undefined at once when
   * that thread will not read it (the source reads it itself, right away).
   */
  read?(fd: number, buffer: Uint8Array, position: number): PromiseLike<number | undefined> | undefined;
}

/**
 * The one bytes interface: a file on disk, an archive member spilled to a temp file and a carved stream
 * all look the same to the matcher and the analyzer.
 */
/** A range of a file: `length` bytes from the 0-based `offset`. */
export interface FileRange {
  readonly offset: number;
  readonly length: number;
}

/** A range of the file at `file`; with `inflated`, the range holds raw-deflated bytes of that length. */
export interface FileSpan {
  readonly file: string;
  readonly range: FileRange;
  readonly inflated?: number;
}

export interface ByteSource {
  /** Size in bytes. */
  readonly size: number;
  /**
   * Where the bytes lie on disk, when they are one range of one file read as it is (not held in memory): the
   * file, and the offset of this source's first byte in it. A container's member stored as it is can then be
   * handed on as that range of the file instead of a copy.
   */
  readonly file?: { readonly path: string; readonly offset: number };
  /**
   * Reads up to `length` bytes starting at the 0-based `offset`; shorter at the end. A source that reads (a
   * file) reads into `into` when it is long enough, and returns a view of it: the caller keeps `into` for
   * the result alone while it uses it. Others may ignore it.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * Streams the whole content in order, in chunks of at most `chunkSize` bytes. With `reuse`, a chunk is
   * only valid until the next one is requested (the source may read into the same buffer again), which
   * spares an allocation per chunk on the hot path; without it every chunk may be kept. A source that reads
   * (a file) then reads into buffers from `buffers` where it has some to spare; others ignore them.
   */
  chunks(chunkSize: number, reuse?: boolean, buffers?: ChunkBuffers): AsyncIterable<Uint8Array>;
  /** Releases file handles. Idempotent. */
  close(): Promise<void>;
}
