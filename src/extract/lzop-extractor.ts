import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, decodedChild, trailingBytes, type StreamOutcome } from "./child-writer.js";
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { strippedName } from "./gzip-extractor.js";
import { lzo1xDecompress } from "./lzo.js";
import { adler32 } from "./zlib-extractor.js";

/**
 * lzop files (`.lzo`; a kernel or root file system in older firmware, what U-Boot's LZO images hold): the
 * header as lzop writes it (versions 0.90 to 1.04), then blocks of up to 64 MiB compressed with LZO1X, each
 * with the checksums the header's flags ask for. Several files written one after another (`lzop` appends)
 * are one child, as `lzop -d` writes them.
 */

export const LZOP_MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const F_ADLER32_D = 0x1;
const F_ADLER32_C = 0x2;
const F_H_EXTRA_FIELD = 0x40;
const F_CRC32_D = 0x100;
const F_CRC32_C = 0x200;
const F_H_FILTER = 0x800;
const F_H_CRC32 = 0x1000;
/** lzop never writes blocks larger than this. */
const MAX_BLOCK = 64 << 20;

export interface LzopHeader {
  /** Bytes of magic and header, up to the first block. */
  readonly length: number;
  readonly flags: number;
  /** The name stored in the header (the file lzop compressed), if any. */
  readonly name: string | undefined;
}

const u16 = (bytes: Uint8Array, at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
const u32 = (bytes: Uint8Array, at: number): number =>
  ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;

/** The header at `at`, checked (magic, version, method, its own checksum), or undefined. */
export function lzopHeader(bytes: Uint8Array, at = 0): LzopHeader | undefined {
  for (let i = 0; i < LZOP_MAGIC.length; i++) if (bytes[at + i] !== LZOP_MAGIC[i]) return undefined;
  let p = at + LZOP_MAGIC.length;
  const need = (n: number): boolean => p + n <= bytes.length;
  if (!need(4)) return undefined;
  const version = u16(bytes, p);
  if (version < 0x0900 || version > 0x1fff) return undefined;
  p += 4;
  if (version >= 0x0940) p += 2;
  if (!need(1)) return undefined;
  const method = bytes[p++]!;
  if (method < 1 || method > 3) return undefined;
  if (version >= 0x0940) p += 1;
  if (!need(4)) return undefined;
  const flags = u32(bytes, p);
  p += 4;
  if ((flags & F_H_FILTER) !== 0) p += 4;
  p += version >= 0x0940 ? 12 : 8;
  if (!need(1)) return undefined;
  const nameLength = bytes[p++]!;
  if (!need(nameLength + 4)) return undefined;
  const nameBytes = bytes.subarray(p, p + nameLength);
  p += nameLength;
  const checked = bytes.subarray(at + LZOP_MAGIC.length, p);
  const expected = (flags & F_H_CRC32) !== 0 ? crc32(checked) : adler32(checked);
  if (u32(bytes, p) !== expected) return undefined;
  p += 4;
  if ((flags & F_H_EXTRA_FIELD) !== 0) {
    if (!need(4)) return undefined;
    p += 4 + u32(bytes, p) + 4;
  }
  const name = new TextDecoder("latin1").decode(nameBytes).split(/[\\/]/).pop();
  return { length: p - at, flags, name: name === "" ? undefined : name };
}

/** Decodes every lzop file from the start of `source`, yielding each block's data. Damage throws. */
export async function* lzopBlocks(source: ByteSource, outcome: StreamOutcome): AsyncGenerator<Uint8Array> {
  let position = 0;
  let files = 0;
  while (position < source.size) {
    const head = await source.read(position, 512);
    const header = lzopHeader(head);
    if (header === undefined) {
      if (files === 0) throw new Error("lzop: not an lzop header");
      outcome.trailing = await trailingBytes(source, position);
      return;
    }
    files += 1;
    position += header.length;
    const { flags } = header;
    for (let block = 1; ; block++) {
      const sizes = await source.read(position, 8);
      if (sizes.length < 4) throw new Error(`lzop: file ${files} ends without its end mark`);
      const length = u32(sizes, 0);
      position += 4;
      if (length === 0) break;
      if (sizes.length < 8) throw new Error(`lzop: block ${block} truncated`);
      const packed = u32(sizes, 4);
      position += 4;
      if (length > MAX_BLOCK || packed > length || packed === 0)
        throw new Error(`lzop: block ${block} declares ${packed} bytes for ${length}`);
      const stored = packed === length;
      const sums = await source.read(position, 16);
      let at = 0;
      const next = (): number => {
        const value = u32(sums, at);
        at += 4;
        return value;
      };
      const adlerD = (flags & F_ADLER32_D) !== 0 ? next() : undefined;
      const crcD = (flags & F_CRC32_D) !== 0 ? next() : undefined;
      if (!stored) {
        if ((flags & F_ADLER32_C) !== 0) next();
        if ((flags & F_CRC32_C) !== 0) next();
      }
      position += at;
      const data = await source.read(position, packed);
      if (data.length < packed)
        throw new Error(`lzop: block ${block} truncated at ${position + data.length}`);
      position += packed;
      const out = stored ? data.slice() : lzo1xDecompress(data, length);
      if (out.length !== length)
        throw new Error(`lzop: block ${block} decoded to ${out.length} of ${length} bytes`);
      if ((adlerD !== undefined && adler32(out) !== adlerD) || (crcD !== undefined && crc32(out) !== crcD))
        outcome.mismatches.push(`file ${files}, block ${block}: checksum does not match`);
      yield out;
    }
  }
}

export async function* extractLzop(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "lzop");
  const head = await source.read(0, 512);
  const name =
    lzopHeader(head)?.name ??
    strippedName(context.name.split(/[\\/]/).pop() ?? context.name, [
      [".tzo", ".tar"],
      [".lzo", ""],
    ]);
  yield* decodedChild(context, budget, source.size, name, "lzop", "file", (outcome) =>
    lzopBlocks(source, outcome),
  );
}

export const lzopExtractor = {
  name: "lzop",
  detect: (head: Uint8Array) => lzopHeader(head) !== undefined,
  extract: extractLzop,
} satisfies Extractor;

/**
 * The length of the lzop file at `offset` of a blob (carving): its header and blocks walked up to the end
 * mark, the first compressed block decoded; undefined when any of it does not hold.
 */
export async function lzopLength(
  source: ByteSource,
  offset: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const header = lzopHeader(await source.read(offset, 512));
  if (header === undefined) return undefined;
  const { flags } = header;
  const stopped = (): boolean => signal.aborted;
  let position = offset + header.length;
  let decoded = false;
  for (;;) {
    if (stopped()) return undefined;
    const sizes = await source.read(position, 8);
    if (sizes.length < 4) return undefined;
    const length = u32(sizes, 0);
    position += 4;
    if (length === 0) return position - offset;
    if (sizes.length < 8) return undefined;
    const packed = u32(sizes, 4);
    if (length > MAX_BLOCK || packed > length || packed === 0) return undefined;
    const sums =
      ((flags & F_ADLER32_D) !== 0 ? 4 : 0) +
      ((flags & F_CRC32_D) !== 0 ? 4 : 0) +
      (packed < length ? ((flags & F_ADLER32_C) !== 0 ? 4 : 0) + ((flags & F_CRC32_C) !== 0 ? 4 : 0) : 0);
    position += 4 + sums;
    if (position + packed > source.size) return undefined;
    if (!decoded && packed < length) {
      decoded = true;
      try {
        lzo1xDecompress(await source.read(position, packed), length);
      } catch {
        return undefined;
      }
    }
    position += packed;
  }
}
