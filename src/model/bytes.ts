/**
 * Where a source may read chunks into: e.g. memory the hashing thread shares, so that a chunk is hashed
 * where it was read.
 */
export interface ChunkBuffers {
  /** A buffer of exactly `length` bytes, or undefined (none to spare: the source uses its own). */
  acquire(length: number): Uint8Array | undefined;
  /** The source is done with a buffer `acquire` gave: the consumer has moved past its chunk. */
  release(buffer: Uint8Array): void;
}

/**
 * The one bytes interface: a file on disk, an archive member spilled to a temp file and a carved stream
 * all look the same to the matcher and the analyzer.
 */
export interface ByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes starting at the 0-based `offset`; shorter at the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
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
