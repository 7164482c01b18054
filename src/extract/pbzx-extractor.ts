import type { ByteSource } from "../model/bytes.js";
import {
  ascii,
  ChildWriter,
  child,
  ContainerBudget,
  COPY_CHUNK,
  partial,
  startsWith,
  viewOf,
} from "./child-writer.js";
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * pbzx, the `Payload` of a newer macOS installer package (and of a `.xip`): a cpio archive cut into chunks
 * of 16 MiB, each compressed on its own as an xz stream (or stored, where xz did not make it smaller).
 *
 * Layout: `pbzx`, a big-endian u64 (the chunk size), then chunks, each a u64 of flags (bit 24: another
 * chunk follows; the low bits: the chunk's size uncompressed) and a u64 length, then that many bytes.
 *
 * The chunks are one stream cut in pieces: a file of the cpio may cross from one chunk into the next, so
 * each chunk read alone (as carving finds them) gives fragments. Here they are joined into one xz file of
 * several streams, which the xz reader then unpacks whole; a stored chunk is written as an xz stream whose
 * LZMA2 chunks are uncompressed ones, so the join stays one file for one reader.
 */

const MAGIC = ascii("pbzx");
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const MORE = 0x01000000n;
/** LZMA2 stores at most this many bytes in one uncompressed chunk. */
const LZMA2_STORED = 1 << 16;

/** The first chunk header is sane: a length that fits the file. */
export function isPbzx(head: Uint8Array, size: number): boolean {
  if (!startsWith(head, MAGIC) || head.length < 28) return false;
  const length = viewOf(head).getBigUint64(20, false);
  return length > 0n && length <= BigInt(size - 28);
}

/** A multiple-of-four xz variable-length integer. */
function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function padded(bytes: number[]): number[] {
  while (bytes.length % 4 !== 0) bytes.push(0);
  return bytes;
}

/**
 * `data` as one xz stream (no check) of one LZMA2 block made of uncompressed chunks: what xz itself writes
 * for data it cannot compress, and any xz reader takes.
 */
export function storedXz(data: Uint8Array): Uint8Array {
  const flags = [0x00, 0x00];
  const header = [...XZ_MAGIC, ...flags, ...u32le(crc32(Uint8Array.from(flags)))];
  // Block header: its size / 4 - 1, flags (one filter, no sizes), LZMA2 with a 64 KiB dictionary (one stored
  // chunk's size), padding, CRC.
  const blockHeader = padded([0x02, 0x00, 0x21, 0x01, 0x08]);
  blockHeader.push(...u32le(crc32(Uint8Array.from(blockHeader))));
  const chunks: Uint8Array[] = [];
  let compressed = 0;
  for (let at = 0; at < data.length; at += LZMA2_STORED) {
    const piece = data.subarray(at, at + LZMA2_STORED);
    // 1: stored, dictionary reset (the first); 2: stored, no reset.
    chunks.push(
      Uint8Array.from([at === 0 ? 0x01 : 0x02, (piece.length - 1) >> 8, (piece.length - 1) & 0xff]),
      piece,
    );
    compressed += 3 + piece.length;
  }
  chunks.push(Uint8Array.of(0x00));
  compressed += 1;
  const blockPadding = (4 - (compressed % 4)) % 4;
  const index = padded([
    0x00,
    ...varint(1),
    ...varint(blockHeader.length + compressed),
    ...varint(data.length),
  ]);
  index.push(...u32le(crc32(Uint8Array.from(index))));
  const backward = [...u32le(index.length / 4 - 1), ...flags];
  const footer = [...u32le(crc32(Uint8Array.from(backward))), ...backward, 0x59, 0x5a];
  const parts = [
    Uint8Array.from(header),
    Uint8Array.from(blockHeader),
    ...chunks,
    new Uint8Array(blockPadding),
    Uint8Array.from(index),
    Uint8Array.from(footer),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A chunk stored uncompressed is at most the chunk size, 16 MiB in Apple's packages. */
const MAX_STORED_CHUNK = 64 * 1024 * 1024;
/** Chunks read at most, as a bound on a damaged or hostile header chain (a 1 TiB payload has 65,536). */
const MAX_CHUNKS = 1 << 20;

export async function* extractPbzx(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const name = `${context.name}.xz`;
  const budget = new ContainerBudget(context, "pbzx");
  const refused = budget.admit(name, source.size);
  if (refused !== undefined) {
    yield refused;
    return;
  }
  const writer = new ChildWriter(context.tempDir, name);
  let at = 12;
  let chunks = 0;
  let trouble: string | undefined;
  try {
    for (;;) {
      if (context.signal.aborted) {
        await writer.discard();
        yield partial("budget-time", "time budget ran out");
        return;
      }
      if (at + 16 > source.size) {
        trouble = `chunk header at ${at} cut off at the end of the file`;
        break;
      }
      const header = viewOf(await source.read(at, 16));
      const flags = header.getBigUint64(0, false);
      const length = header.getBigUint64(8, false);
      const start = at + 16;
      if (length === 0n || length > BigInt(source.size - start)) {
        trouble = `chunk at ${at} claims ${length} bytes, past the end of the file`;
        break;
      }
      const size = Number(length);
      if (startsWith(await source.read(start, XZ_MAGIC.length), XZ_MAGIC)) {
        for (let from = start; from < start + size; from += COPY_CHUNK)
          await writer.write(await source.read(from, Math.min(COPY_CHUNK, start + size - from)));
      } else if (size <= MAX_STORED_CHUNK) await writer.write(storedXz(await source.read(start, size)));
      else {
        trouble = `stored chunk at ${at} of ${size} bytes, larger than any pbzx writer makes`;
        break;
      }
      at = start + size;
      chunks++;
      if ((flags & MORE) === 0n) break;
      if (chunks >= MAX_CHUNKS) {
        trouble = `more than ${MAX_CHUNKS} chunks`;
        break;
      }
    }
  } catch (error) {
    await writer.discard();
    throw error;
  }
  if (chunks > 0) yield child(name, "pbzx", await writer.finish());
  else await writer.discard();
  if (trouble !== undefined) yield partial("corrupt", `pbzx: ${trouble} (${chunks} chunks read)`);
}

export const pbzxExtractor = {
  name: "pbzx",
  detect: (head: Uint8Array, source: ByteSource) => isPbzx(head, source.size),
  extract: extractPbzx,
} satisfies Extractor;
