/**
 * The one bytes interface: a file on disk, an archive member spilled to a temp file and a carved stream
 * all look the same to the matcher and the analyzer.
 */
export interface ByteSource {
  /** Size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes starting at the 0-based `offset`; shorter at the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Streams the whole content in order, in chunks of at most `chunkSize` bytes. */
  chunks(chunkSize: number): AsyncIterable<Uint8Array>;
  /** Releases file handles. Idempotent. */
  close(): Promise<void>;
}
