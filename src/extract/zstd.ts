/**
 * Zstandard frames (RFC 8878) walked without decoding them: a frame's header and block headers give the
 * length of every block, so a stream's end is found by stepping from block to block. Carving uses this to
 * cut a zstd stream out of a firmware blob; decoding is 7-Zip's (see `zstdExtractor`).
 */

/** A zstd frame's magic, 0xFD2FB528 little-endian. */
export const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames have the magics 0x184D2A50-0x184D2A5F (pzstd writes one first, with the frame sizes). */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Block_Maximum_Size: no block's content is longer. */
const MAX_BLOCK = 128 * 1024;
/** Window_Log runs from 10 to 41 (RFC 8878 3.1.1.1.2); decoders refuse more than 31. */
const MAX_WINDOW_LOG = 31;
/** A carved skippable frame holds metadata; larger ones are taken for noise. */
const MAX_SKIPPABLE = 1 << 20;

export interface ZstdInput {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function isSkippable(magic: number): boolean {
  return (magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC;
}

/**
 * Whether `head` starts a zstd stream: a frame, or skippable frames (as pzstd writes first) followed by a
 * frame within `head`.
 */
export function isZstd(head: Uint8Array): boolean {
  let at = 0;
  while (at + 8 <= head.length) {
    const magic = u32(head, at);
    if (magic === FRAME_MAGIC) return frameHeaderLength(head.subarray(at)) !== undefined;
    if (!isSkippable(magic)) return false;
    const size = u32(head, at + 4);
    if (size > MAX_SKIPPABLE) return false;
    at += 8 + size;
  }
  return false;
}

/**
 * The length of a frame's header (magic, descriptor, window, dictionary ID, content size) at the start of
 * `head`, or undefined when the descriptor is invalid (its reserved bit set, a window beyond what decoders
 * take) or `head` is too short.
 */
export function frameHeaderLength(head: Uint8Array): number | undefined {
  if (head.length < 6 || u32(head, 0) !== FRAME_MAGIC) return undefined;
  const descriptor = head[4]!;
  if ((descriptor & 0x08) !== 0) return undefined;
  const singleSegment = (descriptor & 0x20) !== 0;
  const sizeFlag = descriptor >> 6;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  if (!singleSegment && head[5]! >> 3 > MAX_WINDOW_LOG - 10) return undefined;
  const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + sizeBytes;
  return length <= head.length ? length : undefined;
}

/**
 * The length of the zstd stream at `offset` (carving): its frames walked block by block, and the skippable
 * frames and further frames that follow at once. Undefined when the first frame is invalid (a reserved block
 * type, a block longer than a block may be) or cut off by the end of the input.
 */
export async function zstdLength(
  input: ZstdInput,
  offset: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  let position = offset;
  let frameEnds = offset;
  for (;;) {
    if (signal.aborted) return undefined;
    const head = await input.read(position, 18);
    if (head.length < 8) break;
    const magic = u32(head, 0);
    if (isSkippable(magic)) {
      const end = position + 8 + u32(head, 4);
      if (u32(head, 4) > MAX_SKIPPABLE || end > input.size) break;
      position = end;
      continue;
    }
    const headerLength = frameHeaderLength(head);
    if (headerLength === undefined) break;
    const end = await frameEnd(input, position, headerLength, (head[4]! & 0x04) !== 0, signal);
    if (end === undefined) {
      if (position === offset) return undefined;
      break;
    }
    position = end;
    frameEnds = end;
  }
  // A stream ends with a frame, not with skippable frames that may belong to what follows (LZ4's skippable
  // frames have the same magics).
  return frameEnds > offset ? frameEnds - offset : undefined;
}

/** Where the frame at `start` ends: after its last block and content checksum; undefined if invalid. */
async function frameEnd(
  input: ZstdInput,
  start: number,
  headerLength: number,
  checksum: boolean,
  signal: AbortSignal,
): Promise<number | undefined> {
  let at = start + headerLength;
  for (;;) {
    if (signal.aborted) return undefined;
    const field = await input.read(at, 3);
    if (field.length < 3) return undefined;
    const word = field[0]! | (field[1]! << 8) | (field[2]! << 16);
    const last = (word & 1) === 1;
    const type = (word >> 1) & 3;
    const size = word >>> 3;
    // Raw and compressed blocks carry `size` bytes, RLE one byte repeated `size` times.
    if (type === 3 || size > MAX_BLOCK || (type === 2 && size === 0)) return undefined;
    at += 3 + (type === 1 ? 1 : size);
    if (at > input.size) return undefined;
    if (last) break;
  }
  at += checksum ? 4 : 0;
  return at <= input.size ? at : undefined;
}
