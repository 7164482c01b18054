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
import {
  CRAMFS_MAGIC,
  SEVEN_Z_MAGIC,
  XZ_MAGIC,
  isCramfs,
  isLzmaAlone,
  isSquashfs,
} from "./seven-zip-formats.js";
import { deflateLength } from "./streams.js";
import { UIMAGE_HEADER_SIZE, UIMAGE_MAGIC, parseUImageHeader } from "./uimage-extractor.js";
import { ZIP_LOCAL } from "./zip-extractor.js";

export type CarveKind = "gzip" | "xz" | "lzma" | "zip" | "7z" | "squashfs" | "cramfs" | "uimage";

/**
 * The magic bytes carving looks for. The scan finds them in its one pass over the artifact (they are
 * needles of the scan's automaton) and hands them over as `ExtractContext.signatures`; without that,
 * `findSignatures` searches for them itself.
 */
export const CARVE_SIGNATURES: readonly { readonly kind: CarveKind; readonly magic: readonly number[] }[] = [
  { kind: "gzip", magic: [0x1f, 0x8b, 0x08] },
  { kind: "xz", magic: XZ_MAGIC },
  { kind: "lzma", magic: [0x5d, 0x00, 0x00] },
  { kind: "zip", magic: ZIP_LOCAL },
  // The first four bytes only: V8 searches this six-byte needle slowly; `measure` checks the rest.
  { kind: "7z", magic: SEVEN_Z_MAGIC.slice(0, 4) },
  { kind: "squashfs", magic: [0x68, 0x73, 0x71, 0x73] },
  { kind: "squashfs", magic: [0x73, 0x71, 0x73, 0x68] },
  { kind: "cramfs", magic: CRAMFS_MAGIC },
  { kind: "uimage", magic: UIMAGE_MAGIC },
];
const EXTENSION: Record<CarveKind, string> = {
  gzip: "gz",
  xz: "xz",
  lzma: "lzma",
  zip: "zip",
  "7z": "7z",
  squashfs: "squashfs",
  cramfs: "cramfs",
  uimage: "uimage",
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
        found.push({ kind, offset: base + at });
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
    case "squashfs": {
      if (!isSquashfs(head) || !startsWith(head, [0x68, 0x73, 0x71, 0x73])) return undefined;
      const view = viewOf(head);
      const blockSize = view.getUint32(12, true);
      const compression = view.getUint16(20, true);
      const bytesUsed = readU64(view, 40);
      if (blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0) return undefined;
      if (compression < 1 || compression > 6 || bytesUsed < 96 || bytesUsed > remaining) return undefined;
      return bytesUsed;
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
  const found = context.signatures ?? findSignatures(source, context.signal);
  for await (const candidate of found) {
    if (candidate.offset > 0) candidates.push(candidate);
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
