import { inflateRawSync } from "node:zlib";
import iconv from "iconv-lite";
import type { ByteSource } from "../model/bytes.js";
import {
  ChildWriter,
  compactBytes,
  MEMORY_CHILD_LIMIT,
  ContainerBudget,
  child,
  collectLimited,
  copyRange,
  errorMessage,
  partial,
  readU64,
  spanOf,
  startsWith,
  viewOf,
  asBuffer,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { acquireBuffer, releaseBuffer } from "../sources/byte-source.js";
import { extractWithSevenZip } from "./seven-zip.js";
import { inflateRaw, rangeChunks } from "./streams.js";

/** `PK\x03\x04`: a local file header. */
export const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04] as const;
/** Dahua firmware replaces the local header signature with `DH\x03\x04`; the central directory keeps `PK`. */
export const DAHUA_LOCAL = [0x44, 0x48, 0x03, 0x04] as const;
const EOCD = [0x50, 0x4b, 0x05, 0x06];
const ZIP64_LOCATOR = [0x50, 0x4b, 0x06, 0x07];
const ZIP64_EOCD = [0x50, 0x4b, 0x06, 0x06];
const CENTRAL = [0x50, 0x4b, 0x01, 0x02];

export interface ZipEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the local header in the source (already corrected for prepended data). */
  readonly localOffset: number;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
}

export interface ZipDirectory {
  readonly entries: ZipEntry[];
  /** Set when the directory was cut short or did not parse to the end. */
  readonly problem?: string;
}

/** Decodes a member name: UTF-8 when flagged or valid, else GB18030 (Chinese vendor archives), never fails. */
export function decodeName(bytes: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag || bytes.every((b) => b < 0x80)) return new TextDecoder().decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(asBuffer(bytes), "gb18030");
  }
}

/** Finds the end-of-central-directory record and reads the central directory. */
export async function readZipDirectory(source: ByteSource): Promise<ZipDirectory | undefined> {
  const tailLength = Math.min(source.size, 65_557 + 20);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (startsWith(tail, EOCD, i)) {
      const commentLength = viewOf(tail).getUint16(i + 20, true);
      if (i + 22 + commentLength <= tail.length) {
        eocd = i;
        break;
      }
    }
  }
  if (eocd < 0) return undefined;
  const view = viewOf(tail);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = tailStart + eocd;
  // A zip64 end record (and its locator) sits between the central directory and this one whenever zip64
  // is used, even when these fields still hold the values (Info-ZIP writes one for streamed input); its
  // values then stand.
  if (eocd >= 20) {
    if (startsWith(tail, ZIP64_LOCATOR, eocd - 20)) {
      // The locator's offset is from the zip's start: data prepended to the zip moves the record, which
      // then usually sits right before the locator (with no extensible data, 56 bytes).
      const recorded = readU64(view, eocd - 20 + 8);
      for (const z64Offset of [recorded, tailStart + eocd - 20 - 56]) {
        if (z64Offset < 0 || z64Offset + 56 > source.size) continue;
        const z64 = await source.read(z64Offset, 56);
        if (startsWith(z64, ZIP64_EOCD)) {
          const v = viewOf(z64);
          count = readU64(v, 32);
          cdSize = readU64(v, 40);
          cdOffset = readU64(v, 48);
          cdEnd = z64Offset;
          break;
        }
      }
    }
  }
  // Data prepended to the zip (self-extractors, vendor headers, carving) shifts every offset.
  const delta = cdEnd - cdSize - cdOffset;
  const cdStart = cdOffset + delta;
  if (cdStart < 0 || cdSize > source.size) return { entries: [], problem: "central directory out of range" };
  if (cdSize > 256 * 1024 * 1024)
    return { entries: [], problem: `central directory of ${cdSize} bytes is too large` };
  const entries: ZipEntry[] = [];
  let position = 0;
  let problem: string | undefined;
  const buffer = await source.read(cdStart, cdSize);
  while (entries.length < count) {
    if (position + 46 > buffer.length) break;
    const at = position;
    if (!startsWith(buffer, CENTRAL, at)) {
      problem = `central directory entry ${entries.length} has a bad signature`;
      break;
    }
    const v = viewOf(buffer);
    const madeBy = v.getUint16(at + 4, true);
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    let compressedSize = v.getUint32(at + 20, true);
    let size = v.getUint32(at + 24, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    const external = v.getUint32(at + 38, true);
    let localOffset = v.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength > buffer.length) {
      problem = "central directory is truncated";
      break;
    }
    const nameBytes = buffer.subarray(at + 46, at + 46 + nameLength);
    const extra = buffer.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length;) {
      const ev = viewOf(extra);
      const id = ev.getUint16(e, true);
      const length = ev.getUint16(e + 2, true);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff && f + 8 <= e + 4 + length) {
          size = readU64(ev, f);
          f += 8;
        }
        if (compressedSize === 0xffffffff && f + 8 <= e + 4 + length) {
          compressedSize = readU64(ev, f);
          f += 8;
        }
        if (localOffset === 0xffffffff && f + 8 <= e + 4 + length) localOffset = readU64(ev, f);
      }
      e += 4 + length;
    }
    const name = decodeName(nameBytes, (flags & 0x800) !== 0);
    const unixMode = madeBy >> 8 === 3 ? external >>> 16 : 0;
    entries.push({
      name,
      flags,
      method,
      compressedSize,
      size,
      localOffset: localOffset + delta,
      isDirectory: name.endsWith("/") || (unixMode & 0o170000) === 0o040000,
      isSymlink: (unixMode & 0o170000) === 0o120000,
    });
    position += 46 + nameLength + extraLength + commentLength;
  }
  if (problem === undefined && entries.length < count)
    problem = `central directory lists ${count} entries, read ${entries.length}`;
  return problem === undefined ? { entries } : { entries, problem };
}

/** Walks local headers from the start when there is no central directory (truncated zip). */
async function readLocalHeaders(source: ByteSource, maxEntries: number): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  let position = 0;
  while (position + 30 <= source.size && entries.length < maxEntries) {
    const header = await source.read(position, 30 + 0xffff);
    if (!startsWith(header, ZIP_LOCAL) && !startsWith(header, DAHUA_LOCAL)) break;
    const v = viewOf(header);
    const flags = v.getUint16(6, true);
    const method = v.getUint16(8, true);
    let compressedSize = v.getUint32(18, true);
    let size = v.getUint32(22, true);
    const nameLength = v.getUint16(26, true);
    const extraLength = v.getUint16(28, true);
    const name = decodeName(header.subarray(30, 30 + nameLength), (flags & 0x800) !== 0);
    // Zip64 sizes are in the extra field (size first, then compressed size).
    const extra = header.subarray(30 + nameLength, 30 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length;) {
      const ev = viewOf(extra);
      const length = ev.getUint16(e + 2, true);
      if (ev.getUint16(e, true) === 0x0001 && e + 4 + length <= extra.length) {
        let f = e + 4;
        if (size === 0xffffffff && f + 8 <= e + 4 + length) {
          size = readU64(ev, f);
          f += 8;
        }
        if (compressedSize === 0xffffffff && f + 8 <= e + 4 + length) compressedSize = readU64(ev, f);
      }
      e += 4 + length;
    }
    // Sizes in a data descriptor are unknown here; stop rather than guess.
    if ((flags & 0x08) !== 0 && (compressedSize === 0 || compressedSize === 0xffffffff)) break;
    entries.push({
      name,
      flags,
      method,
      compressedSize,
      size,
      localOffset: position,
      isDirectory: name.endsWith("/"),
      isSymlink: false,
    });
    position += 30 + nameLength + extraLength + compressedSize;
  }
  return entries;
}

/** Extracts the members of a zip (or Dahua DH-zip) from a ByteSource. */
export async function* extractZip(
  source: ByteSource,
  context: ExtractContext,
  via: string,
  include: (entry: ZipEntry) => boolean = () => true,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, via);
  let directory: ZipDirectory | undefined;
  try {
    directory = await readZipDirectory(source);
  } catch (error) {
    directory = { entries: [], problem: errorMessage(error) };
  }
  let entries: ZipEntry[];
  if (directory === undefined || (directory.entries.length === 0 && directory.problem !== undefined)) {
    entries = await readLocalHeaders(source, context.budgets.maxMembers + 1);
    yield partial(
      "corrupt",
      `no usable central directory; read ${entries.length} local headers from the start`,
    );
  } else {
    entries = directory.entries;
    if (directory.problem !== undefined) yield partial("corrupt", directory.problem);
  }
  const viaSevenZip = new Set<string>();
  // A zip read from its file: local headers and small members through a window of it (see MemberReader).
  const window = source.file === undefined ? undefined : acquireBuffer(MEMBER_WINDOW_BYTES);
  const reader = window === undefined ? source : new MemberReader(source, window);
  try {
    yield* extractEntries(source, reader, entries, context, budget, via, include, viaSevenZip);
  } finally {
    if (window !== undefined) releaseBuffer(window);
  }
  if (viaSevenZip.size > 0) yield* extractWithSevenZip(source, context, { via, only: viaSevenZip, budget });
}

async function* extractEntries(
  source: ByteSource,
  reader: MemberRead,
  entries: readonly ZipEntry[],
  context: ExtractContext,
  budget: ContainerBudget,
  via: string,
  include: (entry: ZipEntry) => boolean,
  viaSevenZip: Set<string>,
): AsyncGenerator<ExtractEvent> {
  for (const entry of entries) {
    if (entry.isDirectory || !include(entry)) continue;
    // Methods the reader lacks (deflate64, bzip2, LZMA, zstd, xz, PPMd) go to 7-Zip, for standard zips.
    if (via === "zip" && SEVEN_ZIP_METHODS.has(entry.method) && (entry.flags & 0x01) === 0) {
      viaSevenZip.add(entry.name);
      continue;
    }
    if (context.signal.aborted) {
      yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
      return;
    }
    yield* extractEntry(source, reader, entry, context, budget, via);
    if (budget.members > context.budgets.maxMembers) return;
  }
}

/** What a member's local header and small deflated data are read with: the source, or a MemberReader. */
interface MemberRead {
  /** Bytes valid only until the next read (a MemberReader's are views of its window). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The window a MemberReader reads; reads up to this size are synchronous (see openFileSource). */
const MEMBER_WINDOW_BYTES = 256 * 1024;
/** Reads after a run of misses that are made exactly, before a window is tried again. */
const EXACT_READS = 32;

/**
 * Reads a zip's local headers and small deflated members through a window of its file. Members lie one after
 * another, so one read serves many: a jar of small classes took two reads of ~20 µs each per member (5 s of
 * a scan of 426 MB of Maven jars, 230,000 members). Where the reads stop falling in the window (members
 * out of order), they are made exactly as asked for a while.
 */
class MemberReader implements MemberRead {
  private start = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  /** Reads the current window served. */
  private served = 0;
  /** Windows in a row that served one read at most. */
  private misses = 0;
  private exact = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly window: Uint8Array,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const at = offset - this.start;
    if (at >= 0 && at + length <= this.bytes.length) {
      this.served++;
      return this.bytes.subarray(at, at + length);
    }
    if (length > this.window.length) return this.source.read(offset, length);
    if (this.exact > 0) {
      this.exact--;
      return this.source.read(offset, length, this.window);
    }
    this.misses = this.served <= 1 ? this.misses + 1 : 0;
    if (this.misses >= 3) {
      this.misses = 0;
      this.exact = EXACT_READS;
      this.bytes = new Uint8Array(0);
      return this.source.read(offset, length, this.window);
    }
    this.bytes = await this.source.read(offset, this.window.length, this.window);
    this.start = offset;
    this.served = 1;
    return this.bytes.subarray(0, Math.min(length, this.bytes.length));
  }
}

/** Deflated members up to this compressed size are inflated in one call (see extractEntry). */
const SMALL_MEMBER_BYTES = 1 << 20;

/** The inflated bytes, or undefined when inflation fails or would give more than `maxBytes`. */
function inflateSmall(packed: Uint8Array, maxBytes: number): Uint8Array | undefined {
  try {
    const out = inflateRawSync(packed, { maxOutputLength: Math.max(1, maxBytes) });
    return compactBytes(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch {
    return undefined;
  }
}

/** Zip compression methods 7-Zip reads and this reader does not. */
const SEVEN_ZIP_METHODS = new Set([9, 12, 14, 93, 95, 98]);

async function* extractEntry(
  source: ByteSource,
  reader: MemberRead,
  entry: ZipEntry,
  context: ExtractContext,
  budget: ContainerBudget,
  via: string,
): AsyncGenerator<ExtractEvent> {
  const { name } = entry;
  const admitted = budget.admit(name, entry.size, entry.compressedSize);
  if (admitted !== undefined) {
    yield admitted;
    return;
  }
  if (entry.isSymlink) {
    yield budget.skip(name, "not-a-regular-file", "symbolic link, not followed");
    return;
  }
  if ((entry.flags & 0x01) !== 0 || entry.method === 99) {
    yield budget.skip(name, "encrypted", "encrypted member", entry.localOffset);
    return;
  }
  const local = await reader.read(entry.localOffset, 30);
  if (!startsWith(local, ZIP_LOCAL) && !startsWith(local, DAHUA_LOCAL)) {
    yield budget.skip(name, "corrupt", `no local header at offset ${entry.localOffset}`, entry.localOffset);
    return;
  }
  const lv = viewOf(local);
  const dataOffset = entry.localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
  if (dataOffset + entry.compressedSize > source.size) {
    yield budget.skip(name, "corrupt", "member data runs past the end of the archive", dataOffset);
    return;
  }
  if (entry.method === 0) {
    const where = await copyRange(source, dataOffset, entry.compressedSize, context, name);
    budget.written += entry.compressedSize;
    yield child(name, via, where, { offsetInParent: dataOffset });
    return;
  }
  if (entry.method !== 8) {
    yield budget.skip(name, "unsupported", `compression method ${entry.method}`, dataOffset);
    return;
  }
  const { limit, reason } = budget.streamLimit(entry.compressedSize);
  if (entry.compressedSize <= SMALL_MEMBER_BYTES) {
    // One synchronous inflation for a small member: the streaming path's trips through libuv's threads
    // cost more than inflating it (a jar of 8,000 classes). Anything unusual (corrupt data, more output
    // than an in-memory child or the budget allows) takes the streaming path below, which handles it.
    const packed = await reader.read(dataOffset, entry.compressedSize);
    const inflated = inflateSmall(packed, Math.min(limit, MEMORY_CHILD_LIMIT));
    if (inflated !== undefined) {
      budget.written += inflated.length;
      // Where it lies deflated in the zip's file: taken, and inflated again, if members must leave memory.
      const span = spanOf(source, dataOffset, entry.compressedSize);
      const alsoAt = span === undefined ? undefined : { ...span, inflated: inflated.length };
      yield child(
        name,
        via,
        { bytes: inflated, ...(alsoAt !== undefined ? { alsoAt } : {}) },
        {
          offsetInParent: dataOffset,
        },
      );
      return;
    }
  }
  const writer = new ChildWriter(context.tempDir, name);
  let outcome: "done" | "limit" | "aborted" | "error" = "done";
  let failure = "";
  try {
    outcome = await collectLimited(
      inflateRaw(rangeChunks(source, dataOffset, entry.compressedSize)),
      writer,
      limit,
      context.signal,
    );
  } catch (error) {
    outcome = "error";
    failure = errorMessage(error);
  }
  budget.written += writer.size;
  if (outcome === "limit") {
    await writer.discard();
    budget.written -= writer.size;
    yield budget.skip(name, reason, `stopped after ${limit} bytes while inflating`, dataOffset);
    return;
  }
  if (outcome === "aborted") {
    await writer.discard();
    yield budget.skip(name, "budget-time", "time budget ran out while inflating", dataOffset);
    return;
  }
  const where = await writer.finish();
  yield child(name, via, where, { offsetInParent: dataOffset });
  if (outcome === "error") yield partial("corrupt", `member ${name}: ${failure} (kept ${writer.size} bytes)`);
}

export const zipExtractor = {
  name: "zip",
  detect(head: Uint8Array) {
    return (
      startsWith(head, ZIP_LOCAL) ||
      startsWith(head, EOCD) ||
      startsWith(head, [0x50, 0x4b, 0x30, 0x30, 0x50, 0x4b, 0x03, 0x04])
    );
  },
  extract(source: ByteSource, context: ExtractContext) {
    return extractZip(source, context, "zip");
  },
} satisfies Extractor;

/** The data offset of a member (after its local header), or undefined when the header is missing. */
export async function entryDataOffset(source: ByteSource, entry: ZipEntry): Promise<number | undefined> {
  const local = await source.read(entry.localOffset, 30);
  if (!startsWith(local, ZIP_LOCAL) && !startsWith(local, DAHUA_LOCAL)) return undefined;
  const lv = viewOf(local);
  return entry.localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
}

/** Reads a small stored or deflated member into memory; undefined when it cannot or may not be read. */
export async function readEntryBytes(
  source: ByteSource,
  entry: ZipEntry,
  limit: number,
): Promise<Uint8Array | undefined> {
  if ((entry.flags & 0x01) !== 0 || entry.size > limit) return undefined;
  const dataOffset = await entryDataOffset(source, entry);
  if (dataOffset === undefined) return undefined;
  if (entry.method === 0) return source.read(dataOffset, Math.min(entry.compressedSize, limit));
  if (entry.method !== 8) return undefined;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of inflateRaw(rangeChunks(source, dataOffset, entry.compressedSize))) {
    size += chunk.length;
    if (size > limit) return undefined;
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let position = 0;
  for (const part of parts) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}
