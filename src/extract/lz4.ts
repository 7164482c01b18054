import type { ByteSource } from "../model/bytes.js";
import { trailingBytes, type StreamOutcome } from "./child-writer.js";

/**
 * LZ4: the block format (as squashfs and the frame formats store it), the xxHash32 checksum the frame
 * format uses, and the headers of its two frame formats: the current one (`04 22 4d 18`, what `lz4`
 * writes) and the legacy one (`02 21 4c 18`, what `lz4 -l` and Linux kernels and initramfs images use).
 */

/**
 * Decodes one LZ4 block into `output` from `start`, writing no further than `limit`, and returns where its
 * output ends. Matches may reach back before `start`, into what `output` already holds (the previous
 * blocks of a frame whose blocks are linked); never before 0.
 */
export function lz4DecodeInto(input: Uint8Array, output: Uint8Array, start: number, limit: number): number {
  let ip = 0;
  let op = start;
  const end = Math.min(limit, output.length);
  while (ip < input.length) {
    const token = input[ip++]!;
    let literal = token >>> 4;
    if (literal === 15) {
      let byte = 255;
      while (byte === 255 && ip < input.length) {
        byte = input[ip++]!;
        literal += byte;
      }
    }
    if (ip + literal > input.length || op + literal > end) throw new Error("lz4: literal run out of bounds");
    output.set(input.subarray(ip, ip + literal), op);
    ip += literal;
    op += literal;
    // The last sequence has literals only.
    if (ip >= input.length) break;
    if (ip + 2 > input.length) throw new Error("lz4: truncated match offset");
    const offset = input[ip]! | (input[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error("lz4: bad match offset");
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let byte = 255;
      while (byte === 255 && ip < input.length) {
        byte = input[ip++]!;
        match += byte;
      }
    }
    if (op + match > end) throw new Error("lz4: output too large");
    if (offset >= match) {
      output.copyWithin(op, op - offset, op - offset + match);
      op += match;
    } else {
      // An overlapping match repeats the last `offset` bytes: copied a period at a time, then the copy
      // itself as the source of twice as much (a run of zeros is one byte, doubled).
      const from = op - offset;
      for (let left = match, period = offset; left > 0;) {
        const n = Math.min(period, left);
        output.copyWithin(op, from, from + n);
        op += n;
        left -= n;
        period += n;
      }
    }
  }
  return op;
}

/** One LZ4 block on its own (no history), at most `maxOutput` bytes. */
export function lz4Block(input: Uint8Array, maxOutput: number): Uint8Array {
  const out = new Uint8Array(maxOutput);
  return out.subarray(0, lz4DecodeInto(input, out, 0, maxOutput));
}

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

const rotl = (value: number, bits: number): number => (value << bits) | (value >>> (32 - bits));
const round = (acc: number, lane: number): number =>
  Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
const u32 = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

/** xxHash32 with seed 0, fed in pieces (the frame format's header, block and content checksums). */
export class Xxh32 {
  private v1 = (PRIME1 + PRIME2) | 0;
  private v2 = PRIME2 | 0;
  private v3 = 0;
  private v4 = -PRIME1 | 0;
  private readonly pending = new Uint8Array(16);
  private pendingLength = 0;
  private total = 0;

  update(bytes: Uint8Array): this {
    this.total += bytes.length;
    let at = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(16 - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      at = take;
      if (this.pendingLength < 16) return this;
      this.stripe(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + 16 <= bytes.length; at += 16) this.stripe(bytes, at);
    this.pending.set(bytes.subarray(at), 0);
    this.pendingLength = bytes.length - at;
    return this;
  }

  private stripe(bytes: Uint8Array, at: number): void {
    this.v1 = round(this.v1, u32(bytes, at));
    this.v2 = round(this.v2, u32(bytes, at + 4));
    this.v3 = round(this.v3, u32(bytes, at + 8));
    this.v4 = round(this.v4, u32(bytes, at + 12));
  }

  digest(): number {
    let hash =
      this.total >= 16
        ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0
        : PRIME5;
    hash = (hash + this.total) | 0;
    let at = 0;
    for (; at + 4 <= this.pendingLength; at += 4)
      hash = Math.imul(rotl((hash + Math.imul(u32(this.pending, at), PRIME3)) | 0, 17), PRIME4);
    for (; at < this.pendingLength; at++)
      hash = Math.imul(rotl((hash + Math.imul(this.pending[at]!, PRIME5)) | 0, 11), PRIME1);
    hash ^= hash >>> 15;
    hash = Math.imul(hash, PRIME2);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, PRIME3);
    hash ^= hash >>> 16;
    return hash >>> 0;
  }
}

export function xxh32(bytes: Uint8Array): number {
  return new Xxh32().update(bytes).digest();
}

export const LZ4_FRAME_MAGIC = [0x04, 0x22, 0x4d, 0x18] as const;
export const LZ4_LEGACY_MAGIC = [0x02, 0x21, 0x4c, 0x18] as const;
const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, then their size. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** A legacy frame's blocks each hold 8 MiB when decoded (the last one less). */
export const LEGACY_BLOCK = 8 << 20;
/** The most a legacy block can take compressed: LZ4_compressBound(8 MiB). */
export const LEGACY_BOUND = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16;
/** Matches reach back at most 64 KiB: what a linked block may refer to. */
export const LZ4_HISTORY = 64 * 1024;

export interface Lz4FrameHeader {
  /** Bytes of magic and descriptor, up to the first block. */
  readonly length: number;
  /** The largest a block of this frame decodes to. */
  readonly blockMax: number;
  /** Blocks do not refer to earlier ones. */
  readonly independent: boolean;
  readonly blockChecksum: boolean;
  readonly contentChecksum: boolean;
  readonly contentSize: number | undefined;
}

/**
 * The header of a current-format frame at `at`, checked (version 01, reserved bits clear, a defined block
 * size, the header checksum), or undefined.
 */
export function lz4FrameHeader(bytes: Uint8Array, at = 0): Lz4FrameHeader | undefined {
  if (at + 7 > bytes.length || u32(bytes, at) !== FRAME_MAGIC) return undefined;
  const flags = bytes[at + 4]!;
  const bd = bytes[at + 5]!;
  if (flags >>> 6 !== 1 || (flags & 0x02) !== 0 || (bd & 0x8f) !== 0) return undefined;
  const sizeCode = (bd >>> 4) & 7;
  if (sizeCode < 4) return undefined;
  const hasSize = (flags & 0x08) !== 0;
  const hasDictionary = (flags & 0x01) !== 0;
  const descriptorEnd = at + 6 + (hasSize ? 8 : 0) + (hasDictionary ? 4 : 0);
  if (descriptorEnd + 1 > bytes.length) return undefined;
  const check = (xxh32(bytes.subarray(at + 4, descriptorEnd)) >>> 8) & 0xff;
  if (check !== bytes[descriptorEnd]) return undefined;
  const contentSize = hasSize ? u32(bytes, at + 6) + u32(bytes, at + 10) * 0x1_0000_0000 : undefined;
  return {
    length: descriptorEnd + 1 - at,
    blockMax: 1 << (8 + 2 * sizeCode),
    independent: (flags & 0x20) !== 0,
    blockChecksum: (flags & 0x10) !== 0,
    contentChecksum: (flags & 0x04) !== 0,
    contentSize,
  };
}

export function isLz4Legacy(bytes: Uint8Array, at = 0): boolean {
  if (at + 8 > bytes.length || u32(bytes, at) !== LEGACY_MAGIC) return false;
  const first = u32(bytes, at + 4);
  return first > 0 && first <= LEGACY_BOUND;
}

/** Where an LZ4 file is read from. */
type Lz4Input = Pick<ByteSource, "size" | "read">;

const magicAt = (bytes: Uint8Array, at: number): number => (at + 4 <= bytes.length ? u32(bytes, at) : -1);

/**
 * Decodes every frame of an LZ4 file from its start (current, legacy and skippable frames, concatenated as
 * `lz4 -d` reads them) and yields the output in pieces, each a fresh copy. Damage throws, after what came
 * before it was yielded; anything after the last frame is counted in `outcome.trailing`.
 */
export async function* lz4Frames(input: Lz4Input, outcome: StreamOutcome): AsyncGenerator<Uint8Array> {
  let position = 0;
  let frames = 0;
  while (position < input.size) {
    const head = await input.read(position, 32);
    const magic = magicAt(head, 0);
    if (magic === FRAME_MAGIC) {
      const header = lz4FrameHeader(head);
      if (header === undefined) throw new Error(`lz4: bad frame header at ${position}`);
      position += header.length;
      yield* frameBlocks(input, header, position, frames, outcome, (end) => (position = end));
    } else if (magic === LEGACY_MAGIC) {
      position += 4;
      yield* legacyBlocks(input, position, (end) => (position = end));
    } else if (magic >= 0 && (magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      position += 8 + u32(head, 4);
    } else {
      if (frames === 0 && position === 0) throw new Error("lz4: not an LZ4 frame");
      outcome.trailing = await trailingBytes(input, position);
      return;
    }
    frames += 1;
  }
}

async function* frameBlocks(
  input: Lz4Input,
  header: Lz4FrameHeader,
  start: number,
  frame: number,
  outcome: StreamOutcome,
  done: (end: number) => void,
): AsyncGenerator<Uint8Array> {
  // Linked blocks decode after the last 64 KiB of output, which their matches may refer to.
  const window = new Uint8Array((header.independent ? 0 : LZ4_HISTORY) + header.blockMax);
  const content = header.contentChecksum ? new Xxh32() : undefined;
  let kept = 0;
  let produced = 0;
  let position = start;
  for (;;) {
    const sizeField = await input.read(position, 4);
    if (sizeField.length < 4) throw new Error(`lz4: frame ${frame + 1} ends without its end mark`);
    const word = u32(sizeField, 0);
    position += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const length = word & 0x7fffffff;
    if (length > header.blockMax)
      throw new Error(`lz4: a block of ${length} bytes in a frame of ${header.blockMax}`);
    const data = await input.read(position, length);
    if (data.length < length) throw new Error(`lz4: block truncated at ${position + data.length}`);
    position += length + (header.blockChecksum ? 4 : 0);
    let end: number;
    if (stored) {
      window.set(data, kept);
      end = kept + length;
    } else {
      end = lz4DecodeInto(data, window, kept, kept + header.blockMax);
    }
    const piece = window.slice(kept, end);
    content?.update(piece);
    produced += piece.length;
    yield piece;
    if (header.independent) continue;
    // Keep the last 64 KiB as the next block's history.
    const from = Math.max(0, end - LZ4_HISTORY);
    window.copyWithin(0, from, end);
    kept = end - from;
  }
  if (content !== undefined) {
    const sum = await input.read(position, 4);
    position += 4;
    if (sum.length < 4) throw new Error(`lz4: frame ${frame + 1} ends before its checksum`);
    if (u32(sum, 0) !== content.digest())
      outcome.mismatches.push(`frame ${frame + 1}: content checksum does not match`);
  }
  if (header.contentSize !== undefined && header.contentSize !== produced)
    outcome.mismatches.push(`frame ${frame + 1}: declares ${header.contentSize} bytes, decoded ${produced}`);
  done(position);
}

async function* legacyBlocks(
  input: Lz4Input,
  start: number,
  done: (end: number) => void,
): AsyncGenerator<Uint8Array> {
  let position = start;
  let window: Uint8Array | undefined;
  while (position + 4 <= input.size) {
    const sizeField = await input.read(position, 4);
    const length = u32(sizeField, 0);
    // Another frame follows, or something that is not a block (a kernel's appended size, padding).
    if (length === FRAME_MAGIC || length === LEGACY_MAGIC || length === 0 || length > LEGACY_BOUND) break;
    // Linux appends the decoded size after the last block: four bytes and nothing more.
    if (position + 4 + length > input.size && position + 4 === input.size) {
      position += 4;
      break;
    }
    const data = await input.read(position + 4, length);
    if (data.length < length) throw new Error(`lz4: legacy block truncated at ${position + 4 + data.length}`);
    window ??= new Uint8Array(LEGACY_BLOCK);
    const end = lz4DecodeInto(data, window, 0, LEGACY_BLOCK);
    position += 4 + length;
    yield window.slice(0, end);
  }
  done(position);
}

/**
 * The length of the LZ4 stream at `offset` of a blob (carving): its frames walked block by block, up to
 * the last end mark (or, for a legacy frame, the first word that cannot be a block's size). The first
 * block must decode; undefined when it does not, or when a frame is cut off.
 */
export async function lz4Length(
  input: Lz4Input,
  offset: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  let position = offset;
  const stopped = (): boolean => signal.aborted;
  const first = { checked: false };
  /** Decodes the stream's first compressed block once, with no history: garbage rarely does. */
  const firstBlock = (data: Uint8Array, max: number): boolean => {
    if (first.checked) return true;
    first.checked = true;
    try {
      lz4DecodeInto(data, new Uint8Array(max), 0, max);
      return true;
    } catch {
      return false;
    }
  };
  for (;;) {
    if (stopped()) return undefined;
    const head = await input.read(position, 32);
    const magic = magicAt(head, 0);
    if (magic === FRAME_MAGIC) {
      const header = lz4FrameHeader(head);
      if (header === undefined) break;
      let at = position + header.length;
      for (;;) {
        if (stopped()) return undefined;
        const field = await input.read(at, 4);
        if (field.length < 4) return undefined;
        const word = u32(field, 0);
        at += 4;
        if (word === 0) break;
        const length = word & 0x7fffffff;
        if (length > header.blockMax || at + length > input.size) return undefined;
        if (
          (word & 0x80000000) === 0 &&
          !first.checked &&
          !firstBlock(await input.read(at, length), header.blockMax)
        )
          return undefined;
        at += length + (header.blockChecksum ? 4 : 0);
      }
      position = at + (header.contentChecksum ? 4 : 0);
    } else if (magic === LEGACY_MAGIC && isLz4Legacy(head)) {
      let at = position + 4;
      while (at + 4 <= input.size) {
        if (stopped()) return undefined;
        const length = u32(await input.read(at, 4), 0);
        if (length === 0 || length > LEGACY_BOUND || at + 4 + length > input.size) break;
        if (!first.checked && !firstBlock(await input.read(at + 4, length), LEGACY_BLOCK)) return undefined;
        at += 4 + length;
      }
      if (at === position + 4) return undefined;
      position = at;
    } else break;
    if (position > input.size) return undefined;
  }
  return position > offset ? position - offset : undefined;
}
