import { Readable } from "node:stream";
import { createInflateRaw, inflateRawSync, type InflateRaw } from "node:zlib";
import type { ByteSource } from "../model/bytes.js";
import { COPY_CHUNK, compactBytes } from "./child-writer.js";

/** Reads `length` bytes of `source` from `offset` in chunks. */
export async function* rangeChunks(
  source: ByteSource,
  offset: number,
  length: number,
  chunkSize = COPY_CHUNK,
): AsyncGenerator<Uint8Array> {
  const end = Math.min(source.size, offset + length);
  for (let position = offset; position < end;) {
    const chunk = await source.read(position, Math.min(chunkSize, end - position));
    if (chunk.length === 0) return;
    position += chunk.length;
    yield chunk;
  }
}

/**
 * Pipes compressed chunks through a zlib transform and yields the output. Breaking out of the loop
 * destroys the transform, so a bomb stops as soon as the consumer stops.
 */
export async function* transformChunks(
  input: AsyncIterable<Uint8Array>,
  transform: InflateRaw,
): AsyncGenerator<Uint8Array> {
  const readable = Readable.from(input, { objectMode: false });
  readable.on("error", (error) => transform.destroy(error));
  readable.pipe(transform);
  try {
    for await (const chunk of transform as AsyncIterable<Buffer>) {
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } finally {
    readable.unpipe(transform);
    readable.destroy();
    transform.destroy();
  }
}

export function inflateRaw(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  return transformChunks(input, createInflateRaw({ chunkSize: 256 * 1024 }));
}

/**
 * A deflate stream that ends within this many bytes is inflated in one call, not through a zlib stream: a
 * stream's thread trips and its 256 KiB output buffer cost more than inflating the small resources a
 * Chrome `.pak` or a firmware table holds by the thousand.
 */
const ONE_CALL_INPUT = 64 * 1024;
/** The most output one call may make; a stream that inflates to more is read as a stream. */
const ONE_CALL_OUTPUT = 8 * 1024 * 1024;

type OneCall =
  | { readonly kind: "done"; readonly output: Uint8Array; readonly consumed: number }
  /** Not complete within ONE_CALL_INPUT bytes, or more output than allowed: read it as a stream. */
  | { readonly kind: "stream" }
  /** Invalid deflate data: a stream fails at the same byte however it is fed. */
  | { readonly kind: "invalid" };

/** Inflates the raw deflate stream at `offset` in one call, when it is small (see ONE_CALL_INPUT). */
async function inflateInOneCall(source: ByteSource, offset: number, maxOutput: number): Promise<OneCall> {
  const input = await source.read(offset, Math.min(ONE_CALL_INPUT, source.size - offset));
  try {
    const { buffer, engine } = inflateRawSync(input, {
      info: true,
      maxOutputLength: Math.max(1, Math.min(maxOutput, ONE_CALL_OUTPUT)),
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const output = compactBytes(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    return { kind: "done", output, consumed: engine.bytesWritten };
  } catch (error) {
    return (error as { code?: unknown }).code === "Z_DATA_ERROR" ? { kind: "invalid" } : { kind: "stream" };
  }
}

/**
 * Inflates the raw deflate stream starting at `offset`, yielding its output; afterwards
 * `state.consumed` holds the compressed length (data after the end of the stream is not read as deflate).
 */
export async function* inflateRawAt(
  source: ByteSource,
  offset: number,
  state: { consumed: number },
): AsyncGenerator<Uint8Array> {
  const once = await inflateInOneCall(source, offset, ONE_CALL_OUTPUT);
  if (once.kind === "done") {
    state.consumed = once.consumed;
    if (once.output.length > 0) yield once.output;
    return;
  }
  // Damaged data too: the stream yields what inflates before the damage, then fails.
  const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
  const readable = Readable.from(rangeChunks(source, offset, source.size - offset, 256 * 1024));
  readable.on("error", (error) => inflater.destroy(error));
  readable.pipe(inflater);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    state.consumed = inflater.bytesWritten;
  } finally {
    readable.unpipe(inflater);
    readable.destroy();
    inflater.destroy();
  }
}

/**
 * Finds the compressed length of the raw deflate stream starting at `offset` by inflating it and
 * discarding the output; undefined when the data is not a complete deflate stream within `maxOutput`.
 */
export async function deflateLength(
  source: ByteSource,
  offset: number,
  maxOutput: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const once = await inflateInOneCall(source, offset, maxOutput);
  if (once.kind === "done") return once.consumed;
  if (once.kind === "invalid") return undefined;
  const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
  let produced = 0;
  let ended = false;
  const readable = Readable.from(rangeChunks(source, offset, source.size - offset, 256 * 1024));
  readable.on("error", (error) => inflater.destroy(error));
  readable.pipe(inflater);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      produced += chunk.length;
      if (produced > maxOutput || signal.aborted) return undefined;
    }
    ended = true;
  } catch {
    return undefined;
  } finally {
    readable.unpipe(inflater);
    readable.destroy();
    if (!ended) inflater.destroy();
  }
  return inflater.bytesWritten;
}
