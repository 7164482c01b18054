import type { ByteSource } from "../model/bytes.js";
import {
  ContainerBudget,
  child,
  copyRange,
  partial,
  readU64,
  startsWith,
  viewOf,
  asBuffer,
} from "./child-writer.js";
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { gzipHeaderLength } from "./gzip-extractor.js";
import { jffs2Crc } from "./jffs2-extractor.js";
import { LZ4_FRAME_MAGIC, LZ4_LEGACY_MAGIC, lz4Length } from "./lz4.js";
import { LZOP_MAGIC, lzopLength } from "./lzop-extractor.js";
import { ZSTD_MAGIC, zstdLength } from "./zstd.js";
import {
  CRAMFS_MAGIC,
  SEVEN_Z_MAGIC,
  XZ_MAGIC,
  isCramfs,
  isLzmaAlone,
  isSquashfs,
} from "./seven-zip-formats.js";
import { deflateLength } from "./streams.js";
import { ubifsCrc } from "./ubifs-extractor.js";
import { findSpareLayout, isUbiEcHeader } from "./ubi-extractor.js";
import { squashfsSpareLayout, withSpares } from "./nand.js";
import { UIMAGE_HEADER_SIZE, UIMAGE_MAGIC, parseUImageHeader } from "./uimage-extractor.js";
import { ZIP_LOCAL } from "./zip-extractor.js";

export type CarveKind =
  | "gzip"
  | "xz"
  | "lzma"
  | "lz4"
  | "lzop"
  | "zstd"
  | "zip"
  | "7z"
  | "cab"
  | "squashfs"
  | "cramfs"
  | "uimage"
  | "ubi"
  | "ubifs"
  | "jffs2";

/**
 * JFFS2 node types that may open an erase block, as the first two bytes after the magic: dirent, inode
 * (also obsoleted: the ACCURATE bit 0x2000 cleared), cleanmarker and padding. Magic and type make a needle
 * of four bytes in each byte order, so the automaton does not report every stray 0x85 0x19 pair.
 */
const JFFS2_START_TYPES = [0xe001, 0xe002, 0xc001, 0xc002, 0x2003, 0x2004];

/**
 * The magic bytes carving looks for. The scan finds them in its one pass over the artifact (they are
 * needles of the scan's automaton) and hands them over as `ExtractContext.signatures`; without that,
 * `findSignatures` searches for them itself.
 */
export const CARVE_SIGNATURES: readonly { readonly kind: CarveKind; readonly magic: readonly number[] }[] = [
  { kind: "gzip", magic: [0x1f, 0x8b, 0x08] },
  { kind: "xz", magic: XZ_MAGIC },
  { kind: "lzma", magic: [0x5d, 0x00, 0x00] },
  // LZ4 frames, current and legacy (a kernel or initramfs in firmware), and lzop files; `measure` walks
  // their blocks.
  { kind: "lz4", magic: [...LZ4_FRAME_MAGIC] },
  { kind: "lz4", magic: [...LZ4_LEGACY_MAGIC] },
  { kind: "lzop", magic: [...LZOP_MAGIC] },
  // A zstd frame, as newer kernels, initramfs images and firmware sections are compressed.
  { kind: "zstd", magic: [...ZSTD_MAGIC] },
  { kind: "zip", magic: ZIP_LOCAL },
  // The first four bytes only: V8 searches this six-byte needle slowly; `measure` checks the rest.
  { kind: "7z", magic: SEVEN_Z_MAGIC.slice(0, 4) },
  // A Microsoft cabinet: in a Windows installer's data (a WiX bundle's attached containers, an IExpress
  // package's CABINET resource) or a driver package.
  { kind: "cab", magic: [0x4d, 0x53, 0x43, 0x46, 0, 0, 0, 0] },
  { kind: "squashfs", magic: [0x68, 0x73, 0x71, 0x73] },
  { kind: "squashfs", magic: [0x73, 0x71, 0x73, 0x68] },
  { kind: "cramfs", magic: CRAMFS_MAGIC },
  { kind: "uimage", magic: UIMAGE_MAGIC },
  // UBI erase-counter header, version 1.
  { kind: "ubi", magic: [0x55, 0x42, 0x49, 0x23, 0x01] },
  // UBIFS node magic 0x06101831 (little-endian); `measure` takes only a superblock node.
  { kind: "ubifs", magic: [0x31, 0x18, 0x10, 0x06] },
  ...JFFS2_START_TYPES.flatMap((type) => [
    { kind: "jffs2" as const, magic: [0x85, 0x19, type & 0xff, type >> 8] },
    { kind: "jffs2" as const, magic: [0x19, 0x85, type >> 8, type & 0xff] },
  ]),
];
const EXTENSION: Record<CarveKind, string> = {
  gzip: "gz",
  xz: "xz",
  lzma: "lzma",
  lz4: "lz4",
  lzop: "lzo",
  zstd: "zst",
  zip: "zip",
  "7z": "7z",
  cab: "cab",
  squashfs: "squashfs",
  cramfs: "cramfs",
  uimage: "uimage",
  ubi: "ubi",
  ubifs: "ubifs",
  jffs2: "jffs2",
};
const KIND_ORDER: readonly CarveKind[] = [...new Set(CARVE_SIGNATURES.map(({ kind }) => kind))];
const NEEDLES = CARVE_SIGNATURES.map(({ kind, magic }) => ({ kind, needle: Buffer.from(magic) }));
const SCAN_CHUNK = 4 * 1024 * 1024;
const OVERLAP = 64;
/** LZMA headers are weak signatures; only this many are tried per blob. */
const MAX_LZMA = 16;
/** Signature positions kept per blob (the rest are not tried). */
export const MAX_CARVE_CANDIDATES = 100_000;

export interface Candidate {
  readonly kind: CarveKind;
  readonly offset: number;
}

/**
 * The smallest erase block (4 KiB): a JFFS2 image in a flash dump starts on an erase-block boundary. Node
 * headers elsewhere (every node of an image matches a needle) do not start a carve.
 */
const JFFS2_ALIGN = 4096;
/**
 * A bare UBIFS volume in a blob starts at least sector-aligned; every UBIFS node matches the magic, and
 * only about one in 64 of them (8-byte aligned) sits on a 512-byte boundary.
 */
const UBIFS_ALIGN = 512;

/**
 * Whether a signature at `offset` may start a carve. Cheap enough for a scan's match callback, so that the
 * node headers inside a large JFFS2 or UBIFS image do not fill the MAX_CARVE_CANDIDATES list.
 */
export function isCarveStart(kind: CarveKind, offset: number): boolean {
  if (kind === "jffs2") return offset % JFFS2_ALIGN === 0;
  if (kind === "ubifs") return offset % UBIFS_ALIGN === 0;
  return true;
}

/** Orders candidates by offset, then in the order of CARVE_SIGNATURES (as `findSignatures` yields them). */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return a.offset - b.offset || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
}

/** Finds signature positions in order of offset (unvalidated). */
export async function* findSignatures(source: ByteSource, signal: AbortSignal): AsyncGenerator<Candidate> {
  // Reads of exactly SCAN_CHUNK bytes (fast allocation) that overlap by OVERLAP bytes.
  const step = SCAN_CHUNK - OVERLAP;
  for (let base = 0; base < source.size; base += step) {
    if (signal.aborted) return;
    const chunk = asBuffer(await source.read(base, SCAN_CHUNK));
    const limit = base + SCAN_CHUNK >= source.size ? chunk.length : step;
    const found: Candidate[] = [];
    for (const { kind, needle } of NEEDLES) {
      for (let at = chunk.indexOf(needle); at >= 0 && at < limit; at = chunk.indexOf(needle, at + 1)) {
        if (isCarveStart(kind, base + at)) found.push({ kind, offset: base + at });
      }
    }
    found.sort(compareCandidates);
    yield* found;
    if (base + SCAN_CHUNK >= source.size) return;
  }
}

function carvedGzipHeaderLength(head: Uint8Array): number | undefined {
  // Stricter than the gzip extractor: also the XFL and OS fields must hold defined values.
  const xfl = head[8];
  const os = head[9] ?? 0xff;
  if (xfl !== 0 && xfl !== 2 && xfl !== 4) return undefined;
  if (os > 13 && os !== 255) return undefined;
  return gzipHeaderLength(head);
}

/** Finds the end of the xz stream starting at `offset` from its footer (CRC-checked, same flags). */
async function xzLength(
  source: ByteSource,
  offset: number,
  flags: Uint8Array,
  signal: AbortSignal,
): Promise<number | undefined> {
  for (let base = offset + 12; base < source.size; base += SCAN_CHUNK) {
    if (signal.aborted) return undefined;
    const chunk = asBuffer(await source.read(base, SCAN_CHUNK + 12));
    for (
      let at = chunk.indexOf("YZ", 10);
      at >= 0 && at < SCAN_CHUNK + 10;
      at = chunk.indexOf("YZ", at + 1)
    ) {
      const footer = chunk.subarray(at - 10, at + 2);
      if (footer[8] !== flags[0] || footer[9] !== flags[1]) continue;
      if (crc32(footer.subarray(4, 10)) === viewOf(footer).getUint32(0, true)) return base + at + 2 - offset;
    }
  }
  return undefined;
}

async function zipLength(
  source: ByteSource,
  offset: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const eocd = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
  for (let base = offset; base < source.size; base += SCAN_CHUNK) {
    if (signal.aborted) return undefined;
    const chunk = asBuffer(await source.read(base, SCAN_CHUNK + 22));
    const at = chunk.indexOf(eocd);
    if (at >= 0 && at + 22 <= chunk.length) {
      return base + at + 22 + chunk.readUInt16LE(at + 20) - offset;
    }
  }
  return undefined;
}

/**
 * A carved LZMA stream declaring more than this many times the bytes it can have (up to the next signature)
 * is x86 code that happens to read `5d 00 00 …` (pop rbp, then zeros): real streams worth carving compress
 * far less, and 32 MiB "declared" by 5 KB of an object file are not one.
 */
const MAX_LZMA_RATIO = 1000;
/**
 * Nor is a stream that declares fewer bytes than this: no one compresses 14 or 31 bytes (what Go object
 * files hold after `5d 00 00`: 308 of 578 headers in the 32 archives of Go's standard library). A stream of
 * unknown size is still tried.
 */
const MIN_LZMA_DECLARED = 64;

/** The uncompressed size an LZMA-alone header declares, or undefined when it says unknown. */
function lzmaDeclaredSize(head: Uint8Array): number | undefined {
  const view = viewOf(head);
  const low = view.getUint32(5, true);
  const high = view.getUint32(9, true);
  return low === 0xffffffff && high === 0xffffffff ? undefined : high * 0x1_0000_0000 + low;
}

const UBI_EC_SIZE = 64;
/** PEB sizes tried, as in ubi-extractor.ts: the distance to the next erase-counter header. */
const UBI_PEB_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048].map((k) => k * 1024);

/**
 * The length of the UBI image at `offset`: the run of consecutive physical erase blocks that start with a
 * valid erase-counter header of the same image (erased PEBs of an attached UBI carry one too). The PEB
 * size is the distance to the next such header.
 */
async function ubiLength(
  source: ByteSource,
  offset: number,
  head: Uint8Array,
  signal: AbortSignal,
): Promise<number | undefined> {
  if (!isUbiEcHeader(head)) return undefined;
  const view = viewOf(head);
  const imageSeq = view.getUint32(24, false);
  const sameImage = async (at: number): Promise<boolean> => {
    const ec = await source.read(at, UBI_EC_SIZE);
    return isUbiEcHeader(ec) && viewOf(ec).getUint32(24, false) === imageSeq;
  };
  let pebSize: number | undefined;
  for (const size of UBI_PEB_SIZES) {
    if (offset + size + UBI_EC_SIZE > source.size) break;
    if (await sameImage(offset + size)) {
      pebSize = size;
      break;
    }
  }
  // A dump with the spare areas of its NAND pages: the blocks lie a stride of PEB and spares apart.
  const stride = pebSize ?? (await findSpareLayout(source, offset, sameImage))?.stride;
  if (stride === undefined) return undefined;
  if (
    pebSize !== undefined &&
    (view.getUint32(16, false) + UBI_EC_SIZE > pebSize || view.getUint32(20, false) >= pebSize)
  )
    return undefined;
  let count = 1;
  while (offset + (count + 1) * stride <= source.size && !signal.aborted) {
    if (!(await sameImage(offset + count * stride))) break;
    count += 1;
  }
  return count * stride;
}

const UBIFS_SB_SIZE = 4096;

/** The length of a bare UBIFS volume from its superblock node (CRC-checked): leb_size × leb_cnt. */
async function ubifsLength(source: ByteSource, offset: number): Promise<number | undefined> {
  const node = await source.read(offset, UBIFS_SB_SIZE);
  if (node.length < UBIFS_SB_SIZE) return undefined;
  const view = viewOf(node);
  if (node[20] !== 6 || view.getUint32(16, true) !== UBIFS_SB_SIZE) return undefined;
  if (ubifsCrc(node.subarray(8)) !== view.getUint32(4, true)) return undefined;
  const lebSize = view.getUint32(36, true);
  const lebCount = view.getUint32(40, true);
  if (lebSize < 1024 || lebSize > 64 * 1024 * 1024 || lebSize % 8 !== 0 || lebCount < 1) return undefined;
  return Math.min(source.size - offset, lebSize * lebCount);
}

const JFFS2_HEADER = 12;
const JFFS2_ACCURATE = 0x2000;
const JFFS2_DIRENT = 0xe001;
const JFFS2_INODE = 0xe002;
/** Read-ahead while walking an image's node headers. */
const JFFS2_WINDOW = 1024 * 1024;
const ERASED_BLOCK = Buffer.alloc(JFFS2_ALIGN, 0xff);
/** Nodes remembered to tell where a second file system begins (memory stays bounded on a huge image). */
const MAX_JFFS2_KEYS = 1 << 18;
/** Dirt inside an image (a torn write) is crossed for this long at most, past the largest node. */
const MAX_JFFS2_DIRT = 128 * 1024;

/**
 * The length of the JFFS2 node whose header starts at `at`, when its header CRC holds (computed with the
 * ACCURATE bit set: an obsoleted node has it cleared on flash), else undefined.
 */
function jffs2NodeLength(bytes: Uint8Array, at: number, littleEndian: boolean): number | undefined {
  if (at + JFFS2_HEADER > bytes.length) return undefined;
  const view = viewOf(bytes);
  if (view.getUint16(at, littleEndian) !== 0x1985) return undefined;
  const crc = view.getUint32(at + 8, littleEndian);
  const totlen = view.getUint32(at + 4, littleEndian);
  if (totlen < JFFS2_HEADER) return undefined;
  if (jffs2Crc(bytes.subarray(at, at + 8)) === crc) return totlen;
  const type = view.getUint16(at + 2, littleEndian);
  if ((type & JFFS2_ACCURATE) !== 0) return undefined;
  const copy = Uint8Array.from(bytes.subarray(at, at + 8));
  viewOf(copy).setUint16(2, type | JFFS2_ACCURATE, littleEndian);
  return jffs2Crc(copy) === crc ? totlen : undefined;
}

function isErasedWord(bytes: Uint8Array, at: number): boolean {
  return at + 4 <= bytes.length && (bytes[at]! & bytes[at + 1]! & bytes[at + 2]! & bytes[at + 3]!) === 0xff;
}

/**
 * What identifies a dirent or inode node within one file system, and its node CRC: a directory entry by its
 * parent, name and version; a data node by its inode number and version. Undefined when the node is cut.
 */
async function jffs2NodeKey(
  index: (pos: number, length: number) => Promise<number>,
  bytes: () => Uint8Array,
  pos: number,
  type: number,
  littleEndian: boolean,
): Promise<{ id: string; crc: number } | undefined> {
  if (type === JFFS2_INODE) {
    const at = await index(pos, 68);
    const node = bytes();
    if (at + 68 > node.length) return undefined;
    const view = viewOf(node);
    const id = `i${view.getUint32(at + 12, littleEndian)}:${view.getUint32(at + 16, littleEndian)}`;
    return { id, crc: view.getUint32(at + 64, littleEndian) };
  }
  const head = await index(pos, 40);
  const nsize = bytes()[head + 28] ?? 0;
  const at = await index(pos, 40 + nsize);
  const node = bytes();
  if (at + 40 + nsize > node.length) return undefined;
  const view = viewOf(node);
  const name = asBuffer(node.subarray(at + 40, at + 40 + nsize)).toString("latin1");
  const id = `d${view.getUint32(at + 12, littleEndian)}:${view.getUint32(at + 16, littleEndian)}:${name}`;
  return { id, crc: view.getUint32(at + 32, littleEndian) };
}

/**
 * The length of the JFFS2 image at `offset` (an erase-block boundary): walks the node headers (4-byte
 * aligned), skips erased words and erased 4 KiB blocks, crosses dirt inside a block word by word, and stops
 * at the first block whose start is neither a valid node nor erased. The image ends after its last node (erased
 * flash after it is the parent's). An image without a single dirent or inode node is not carved.
 *
 * Two file systems one after the other (a root and a configuration partition, with erased flash between) are
 * two images: the walk ends where, after a stretch of erased flash, a node repeats a node of the same file at
 * the same version with other content (an inode number or a directory entry and its version are unique in
 * one file system; garbage collection copies a node unchanged). The next image then starts a carve of its own.
 */
async function jffs2Length(
  source: ByteSource,
  offset: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  let windowStart = offset;
  let window = asBuffer(await source.read(offset, JFFS2_WINDOW));
  /** Makes `length` bytes at `pos` available in the window (fewer at the end of the blob); their index. */
  const index = async (pos: number, length: number): Promise<number> => {
    if (pos < windowStart || pos + length > windowStart + window.length) {
      windowStart = pos;
      window = asBuffer(await source.read(pos, Math.max(length, JFFS2_WINDOW)));
    }
    return pos - windowStart;
  };
  const littleEndian = window[0] === 0x85;
  let pos = offset;
  let end = offset;
  let hasFiles = false;
  let dirtSince: number | undefined;
  let steps = 0;
  /** Node CRCs by file and version (see above), and where the nodes after the last erased block begin. */
  const seen = new Map<string, number>();
  let afterErased: number | undefined;
  let sinceErased: number | undefined;
  /** The end of the last node before the erased flash that sinceErased follows. */
  let endBefore = offset;
  while (pos + JFFS2_HEADER <= source.size) {
    if ((++steps & 0xfff) === 0 && signal.aborted) return undefined;
    const at = await index(pos, JFFS2_HEADER);
    const totlen = jffs2NodeLength(window, at, littleEndian);
    if (totlen !== undefined) {
      const type = viewOf(window).getUint16(at + 2, littleEndian) | JFFS2_ACCURATE;
      if (afterErased !== undefined && pos % JFFS2_ALIGN === 0) {
        sinceErased = pos;
        endBefore = end;
      }
      afterErased = undefined;
      if (type === JFFS2_DIRENT || type === JFFS2_INODE) {
        const key = await jffs2NodeKey(index, () => window, pos, type, littleEndian);
        if (key !== undefined) {
          const known = seen.get(key.id);
          // The same file and version with other content after erased flash: another file system begins.
          if (known !== undefined && known !== key.crc && sinceErased !== undefined && hasFiles)
            return endBefore - offset;
          if (seen.size < MAX_JFFS2_KEYS) seen.set(key.id, key.crc);
        }
      }
      hasFiles ||= type === JFFS2_DIRENT || type === JFFS2_INODE;
      dirtSince = undefined;
      // Nodes are padded to 4 bytes. A node running past the blob: the image is truncated (its reader says so).
      pos += totlen + ((4 - (totlen % 4)) % 4);
      end = Math.min(source.size, pos);
      continue;
    }
    if (pos === offset) return undefined;
    if (isErasedWord(window, at)) {
      const block = pos % JFFS2_ALIGN === 0 ? await index(pos, JFFS2_ALIGN) : -1;
      const wholeBlock =
        block >= 0 &&
        block + JFFS2_ALIGN <= window.length &&
        window.compare(ERASED_BLOCK, 0, JFFS2_ALIGN, block, block + JFFS2_ALIGN) === 0;
      // Only a whole erased block ends a run of dirt (noise holds the odd ff ff ff ff word too).
      if (wholeBlock) {
        dirtSince = undefined;
        afterErased = pos + JFFS2_ALIGN;
      }
      pos += wholeBlock ? JFFS2_ALIGN : 4;
      continue;
    }
    // Dirt: a block starting with it is no longer this file system; inside a block it is a torn write,
    // and the walk goes on at the next node or erased word (for at most MAX_JFFS2_DIRT bytes).
    if (dirtSince === undefined) {
      if (pos % JFFS2_ALIGN === 0) break;
      dirtSince = pos;
    }
    if (pos - dirtSince >= MAX_JFFS2_DIRT) break;
    pos += 4;
  }
  return hasFiles ? end - offset : undefined;
}

/** Validates the candidate and returns the length of the embedded object, or undefined for garbage. */
async function measure(
  candidate: Candidate,
  source: ByteSource,
  context: ExtractContext,
  nextOffset: number,
): Promise<number | undefined> {
  const { offset } = candidate;
  const head = await source.read(offset, 512);
  const remaining = source.size - offset;
  switch (candidate.kind) {
    case "gzip": {
      const headerLength = carvedGzipHeaderLength(head);
      if (headerLength === undefined) return undefined;
      const deflated = await deflateLength(
        source,
        offset + headerLength,
        context.budgets.maxFileSize,
        context.signal,
      );
      return deflated === undefined ? undefined : Math.min(remaining, headerLength + deflated + 8);
    }
    case "xz": {
      if (head.length < 12 || head[6] !== 0 || crc32(head.subarray(6, 8)) !== viewOf(head).getUint32(8, true))
        return undefined;
      return xzLength(source, offset, head.subarray(6, 8), context.signal);
    }
    case "lzma": {
      if (!isLzmaAlone(head)) return undefined;
      const length = Math.min(remaining, nextOffset - offset);
      const declared = lzmaDeclaredSize(head);
      return declared === undefined || (declared >= MIN_LZMA_DECLARED && declared <= length * MAX_LZMA_RATIO)
        ? length
        : undefined;
    }
    case "lz4": {
      const length = await lz4Length(source, offset, context.signal);
      return length !== undefined && length <= remaining ? length : undefined;
    }
    case "lzop": {
      const length = await lzopLength(source, offset, context.signal);
      return length !== undefined && length <= remaining ? length : undefined;
    }
    case "zstd": {
      const length = await zstdLength(source, offset, context.signal);
      return length !== undefined && length <= remaining ? length : undefined;
    }
    case "zip": {
      const version = viewOf(head).getUint16(4, true);
      const method = viewOf(head).getUint16(8, true);
      if (head.length < 30 || version > 63 || ![0, 8, 9, 12, 14, 93, 95, 99].includes(method))
        return undefined;
      return zipLength(source, offset, context.signal);
    }
    case "7z": {
      if (
        head.length < 32 ||
        head[6] !== 0 ||
        crc32(head.subarray(12, 32)) !== viewOf(head).getUint32(8, true)
      )
        return undefined;
      const length = 32 + readU64(viewOf(head), 12) + readU64(viewOf(head), 20);
      return length <= remaining ? length : undefined;
    }
    case "cab": {
      // CFHEADER: the cabinet's size at 8, the first file entry at 16, version 1.3, at least one folder and
      // one file.
      if (head.length < 36) return undefined;
      const view = viewOf(head);
      const size = view.getUint32(8, true);
      const firstFile = view.getUint32(16, true);
      const valid =
        head[24] === 3 &&
        head[25] === 1 &&
        view.getUint16(26, true) > 0 &&
        view.getUint16(28, true) > 0 &&
        firstFile >= 36 &&
        firstFile < size;
      return valid && size <= remaining ? size : undefined;
    }
    case "squashfs": {
      if (!isSquashfs(head) || !startsWith(head, [0x68, 0x73, 0x71, 0x73])) return undefined;
      const view = viewOf(head);
      const blockSize = view.getUint32(12, true);
      const compression = view.getUint16(20, true);
      const bytesUsed = readU64(view, 40);
      if (blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0) return undefined;
      if (compression < 1 || compression > 6 || bytesUsed < 96) return undefined;
      // In a NAND dump with the spare areas of its pages, the image runs that much longer.
      const layout = await squashfsSpareLayout(source, offset, head);
      const length = layout === undefined ? bytesUsed : withSpares(bytesUsed - 1, layout) + 1;
      return length <= remaining ? length : undefined;
    }
    case "cramfs": {
      if (!isCramfs(head)) return undefined;
      const size = viewOf(head).getUint32(4, true);
      return size >= 76 && size <= remaining ? size : undefined;
    }
    case "uimage": {
      const header = parseUImageHeader(head);
      if (header === undefined || header.dataSize > remaining - UIMAGE_HEADER_SIZE) return undefined;
      return UIMAGE_HEADER_SIZE + header.dataSize;
    }
    case "ubi":
      return ubiLength(source, offset, head, context.signal);
    case "ubifs":
      return ubifsLength(source, offset);
    case "jffs2":
      return jffs2Length(source, offset, context.signal);
  }
}

/**
 * Carving: finds embedded streams and file systems in a blob of unknown format (a firmware image) and
 * yields each as a child with `carvedAt`; the engine then opens it with the right extractor. Signatures
 * inside an object already carved are not carved again.
 */
export async function* extractCarved(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "carve");
  const candidates: Candidate[] = [];
  // The scan's pass keeps at most MAX_CARVE_CANDIDATES + 1 signatures, node headers of a large JFFS2 or
  // UBIFS image included; when it was cut short, the carver searches again, keeping only carve starts.
  const found =
    context.signatures !== undefined && context.signatures.length <= MAX_CARVE_CANDIDATES
      ? context.signatures
      : findSignatures(source, context.signal);
  for await (const candidate of found) {
    if (candidate.offset > 0 && isCarveStart(candidate.kind, candidate.offset)) candidates.push(candidate);
    if (candidates.length > MAX_CARVE_CANDIDATES) break;
  }
  let claimedUntil = 0;
  let lzmaTried = 0;
  for (const [index, candidate] of candidates.entries()) {
    if (context.signal.aborted) {
      yield partial("budget-time", `time budget ran out while carving at offset ${candidate.offset}`);
      return;
    }
    if (candidate.offset < claimedUntil) continue;
    if (candidate.kind === "lzma" && (lzmaTried += 1) > MAX_LZMA) continue;
    let next = source.size;
    for (let j = index + 1; j < candidates.length; j += 1) {
      const other = candidates[j]!;
      if (other.kind !== "lzma" && other.offset > candidate.offset) {
        next = other.offset;
        break;
      }
    }
    let length: number | undefined;
    try {
      length = await measure(candidate, source, context, next);
    } catch {
      length = undefined;
    }
    if (length === undefined || length <= 0) continue;
    const name = `0x${candidate.offset.toString(16)}.${EXTENSION[candidate.kind]}`;
    const skipped = budget.admit(name, length);
    if (skipped !== undefined) {
      yield skipped;
      if (budget.members > context.budgets.maxMembers) return;
      continue;
    }
    budget.written += length;
    claimedUntil = candidate.offset + length;
    yield child(name, "carve", await copyRange(source, candidate.offset, length, context, name), {
      carvedAt: candidate.offset,
      offsetInParent: candidate.offset,
    });
  }
}

/** Blobs worth carving: binary-looking (NUL bytes near the start) and not tiny. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length < 64) return false;
  // A native search: this runs once per artifact, too rarely for a JavaScript loop to get optimised.
  return asBuffer(head.subarray(0, 65536)).indexOf(0) >= 0;
}

export const carveExtractor = {
  name: "carve",
  speculative: true,
  detect: (head: Uint8Array) => looksBinary(head),
  extract: extractCarved,
} satisfies Extractor;
