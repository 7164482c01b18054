import type { ByteSource } from "../model/bytes.js";
import { COPY_CHUNK, ChildWriter, ContainerBudget, child, partial, storedMember } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
export function tarNumber(header: Uint8Array, offset: number, length: number): number | undefined {
  const first = header[offset] ?? 0;
  if ((first & 0x80) !== 0) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i += 1) value = value * 256 + (header[offset + i] ?? 0);
    return value;
  }
  const text = field(header, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

/** True when the header's checksum is right (unsigned or the old signed variant). */
export function isTarHeader(header: Uint8Array): boolean {
  if (header.length < BLOCK) return false;
  const stored = tarNumber(header, 148, 8);
  if (stored === undefined || stored === 0) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Parses pax extended header records ("%d key=value\n"); a key given twice keeps its last value. */
export function parsePax(data: Uint8Array): Map<string, string> {
  return new Map(paxRecords(data));
}

/** The records of a pax header in order, repeated keys included (GNU sparse format 0.0 repeats two). */
export function paxRecords(data: Uint8Array): [string, string][] {
  const records: [string, string][] = [];
  let position = 0;
  // Lengths count bytes; decode per record from the bytes to stay exact with UTF-8 values.
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space < 0) break;
    const length = Number(new TextDecoder().decode(data.subarray(position, space)));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) break;
    const record = new TextDecoder().decode(data.subarray(space + 1, position + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) records.push([record.slice(0, eq), record.slice(eq + 1)]);
    position += length;
  }
  return records;
}

/** A sparse member: its data pieces, stored one after another, and where each goes in the whole file. */
interface SparseMap {
  readonly pieces: readonly { readonly offset: number; readonly length: number }[];
  readonly realSize: number;
}

/** Sparse map entries read at most (a map is one line per piece; real ones have a few hundred). */
const MAX_SPARSE_PIECES = 100_000;

/** Numbers of an old GNU sparse map: `count` entries of offset and length (12 octal bytes each) from `at`. */
function oldGnuEntries(block: Uint8Array, at: number, count: number, into: number[]): void {
  for (let index = 0; index < count; index++) {
    const offset = tarNumber(block, at + index * 24, 12);
    const length = tarNumber(block, at + index * 24 + 12, 12);
    // An unused entry is empty (both zero).
    if (offset === undefined || length === undefined || (offset === 0 && length === 0)) continue;
    into.push(offset, length);
  }
}

/** The pieces of a map given as offset, length, offset, length ... ; undefined when they do not fit. */
function sparseMap(
  numbers: readonly number[],
  realSize: number | undefined,
  stored: number,
): SparseMap | undefined {
  if (realSize === undefined || numbers.length % 2 !== 0 || numbers.length / 2 > MAX_SPARSE_PIECES)
    return undefined;
  const pieces: { offset: number; length: number }[] = [];
  let end = 0;
  let total = 0;
  for (let index = 0; index < numbers.length; index += 2) {
    const offset = numbers[index]!;
    const length = numbers[index + 1]!;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < end ||
      offset + length > realSize
    )
      return undefined;
    end = offset + length;
    total += length;
    if (length > 0) pieces.push({ offset, length });
  }
  return total <= stored ? { pieces, realSize } : undefined;
}

/** Decimal numbers of a pax value or map, or undefined if any is not one. */
function decimals(values: readonly string[]): number[] | undefined {
  const numbers: number[] = [];
  for (const value of values) {
    if (!/^\d{1,16}$/u.test(value)) return undefined;
    numbers.push(Number(value));
  }
  return numbers;
}

/**
 * The map of a GNU sparse member in pax format 1.0: decimal lines at the start of its data (the count, then
 * offset and length of each piece), padded to a block. Returns the map and the bytes it takes.
 */
async function sparseMapInData(
  source: ByteSource,
  dataOffset: number,
  stored: number,
  realSize: number | undefined,
): Promise<{ map: SparseMap; mapBytes: number } | undefined> {
  const head = await source.read(dataOffset, Math.min(stored, 64 * 1024));
  const lines: string[] = [];
  let position = 0;
  let wanted = 1;
  while (lines.length < wanted) {
    const newline = head.indexOf(0x0a, position);
    if (newline < 0) return undefined;
    lines.push(new TextDecoder().decode(head.subarray(position, newline)));
    position = newline + 1;
    if (lines.length === 1) {
      const count = Number(lines[0]);
      if (!/^\d{1,6}$/u.test(lines[0]!) || count > MAX_SPARSE_PIECES) return undefined;
      wanted = 1 + 2 * count;
    }
  }
  const numbers = decimals(lines.slice(1));
  const mapBytes = Math.ceil(position / BLOCK) * BLOCK;
  const map = numbers && mapBytes <= stored ? sparseMap(numbers, realSize, stored - mapBytes) : undefined;
  return map ? { map, mapBytes } : undefined;
}

/** Writes out the whole file of a sparse member: its pieces where they go, zeros between them. */
async function expandSparse(
  source: ByteSource,
  dataOffset: number,
  map: SparseMap,
  context: ExtractContext,
  name: string,
): Promise<{ file: string } | { bytes: Uint8Array }> {
  const writer = new ChildWriter(context.tempDir, name);
  const zeros = new Uint8Array(Math.min(COPY_CHUNK, map.realSize));
  const fill = async (length: number): Promise<void> => {
    for (let left = length; left > 0; left -= zeros.length)
      await writer.write(zeros.subarray(0, Math.min(left, zeros.length)));
  };
  let stored = dataOffset;
  for (const piece of map.pieces) {
    if (context.signal.aborted) break;
    await fill(piece.offset - writer.size);
    for (let done = 0; done < piece.length; done += COPY_CHUNK) {
      const chunk = await source.read(stored + done, Math.min(COPY_CHUNK, piece.length - done));
      if (chunk.length === 0) break;
      await writer.write(chunk);
    }
    stored += piece.length;
  }
  await fill(map.realSize - writer.size);
  return writer.finish();
}

export async function* extractTar(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "tar");
  let position = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  /** The same records in order, with repeated keys. */
  let paxList: [string, string][] = [];
  let globalPax = new Map<string, string>();
  let zeroBlocks = 0;
  while (position + BLOCK <= source.size) {
    if (context.signal.aborted) {
      yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
      return;
    }
    const header = await source.read(position, BLOCK);
    if (header.every((b) => b === 0)) {
      zeroBlocks += 1;
      position += BLOCK;
      if (zeroBlocks >= 2) return;
      continue;
    }
    zeroBlocks = 0;
    if (!isTarHeader(header)) {
      yield partial("corrupt", `bad tar header checksum at offset ${position}`);
      return;
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const paxSize = pax.get("size") ?? globalPax.get("size");
    const size =
      paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : tarNumber(header, 124, 12);
    if (size === undefined) {
      yield partial("corrupt", `bad size field at offset ${position}`);
      return;
    }
    const dataStart = position + BLOCK;
    // Only POSIX ustar ("ustar\0") has a name prefix there; old GNU headers ("ustar ") keep times and
    // sparse maps in those bytes.
    const prefix = field(header, 257, 6) === "ustar" ? field(header, 345, 155) : "";
    const headerName = (prefix === "" ? "" : `${prefix}/`) + field(header, 0, 100);
    let name = pax.get("path") ?? longName ?? headerName;
    if (type === "L" || type === "K" || type === "x" || type === "g") {
      const data = await source.read(dataStart, Math.min(size, 1024 * 1024));
      if (type === "L") longName = field(data, 0, data.length);
      else if (type === "x") {
        paxList = paxRecords(data);
        pax = new Map(paxList);
      } else if (type === "g") globalPax = parsePax(data);
      position = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      continue;
    }
    /** Where the member's data starts: after an old GNU sparse map's extension blocks, a pax 1.0 map. */
    let dataOffset = dataStart;
    let sparse: SparseMap | undefined;
    let sparseBroken = false;
    if (type === "S") {
      const numbers: number[] = [];
      oldGnuEntries(header, 386, 4, numbers);
      let extended = header[482] !== 0;
      while (extended && dataOffset + BLOCK <= source.size && numbers.length / 2 <= MAX_SPARSE_PIECES) {
        const block = await source.read(dataOffset, BLOCK);
        oldGnuEntries(block, 0, 21, numbers);
        extended = block[504] !== 0;
        dataOffset += BLOCK;
      }
      sparse = extended ? undefined : sparseMap(numbers, tarNumber(header, 483, 12), size);
      sparseBroken = sparse === undefined;
    } else if (pax.has("GNU.sparse.major") || pax.has("GNU.sparse.map") || pax.has("GNU.sparse.offset")) {
      // GNU sparse members in pax form: 0.0 repeats offset and numbytes records, 0.1 lists them in
      // GNU.sparse.map, 1.0 puts them at the start of the data. The real name and size are records too.
      name = pax.get("GNU.sparse.name") ?? name;
      const realSize = decimals([pax.get("GNU.sparse.realsize") ?? pax.get("GNU.sparse.size") ?? "-"])?.[0];
      if (pax.get("GNU.sparse.major") === "1") {
        const inData = await sparseMapInData(source, dataOffset, size, realSize);
        sparse = inData?.map;
        dataOffset += inData?.mapBytes ?? 0;
      } else {
        const listed = pax.has("GNU.sparse.map")
          ? (pax.get("GNU.sparse.map") ?? "").split(",").filter((value) => value !== "")
          : paxList
              .filter(([key]) => key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes")
              .map(([, value]) => value);
        const numbers = decimals(listed);
        sparse = numbers ? sparseMap(numbers, realSize, size) : undefined;
      }
      sparseBroken = sparse === undefined;
    }
    longName = undefined;
    pax = new Map();
    paxList = [];
    // The stored data follows the header (and an old GNU sparse map's extension blocks).
    position = (type === "S" ? dataOffset : dataStart) + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "5") continue;
    if (type === "1" || type === "2") {
      yield budget.skip(
        name,
        "not-a-regular-file",
        type === "2" ? "symbolic link, not followed" : "hard link, not followed",
        dataOffset,
      );
      continue;
    }
    if (type === "3" || type === "4" || type === "6") {
      yield budget.skip(name, "not-a-regular-file", "device or FIFO", dataOffset);
      continue;
    }
    if (type === "M" || type === "V") {
      yield budget.skip(name, "unsupported", `GNU tar entry type ${type}`, dataOffset);
      continue;
    }
    if (sparseBroken) {
      yield budget.skip(name, "corrupt", "sparse file whose map does not fit its data", dataOffset);
      continue;
    }
    if (sparse !== undefined) {
      // The whole file, holes as zeros, within the same budgets (holes count as expansion).
      const admitted = budget.admit(name, sparse.realSize, size);
      if (admitted !== undefined) {
        yield admitted;
        if (budget.members > context.budgets.maxMembers) return;
        continue;
      }
      if ((type === "S" ? dataOffset : dataStart) + size > source.size) {
        yield partial("corrupt", `sparse member ${name} truncated`);
        return;
      }
      budget.written += sparse.realSize;
      // Its bytes are not one range of the archive, so no offset in it is given.
      yield child(name, "tar", await expandSparse(source, dataOffset, sparse, context, name));
      continue;
    }
    if ((yield* storedMember(source, context, budget, "tar", name, dataOffset, size)) === "stop") return;
  }
  if (position < source.size) yield partial("corrupt", `tar ends in a partial block at offset ${position}`);
}

export const tarExtractor = {
  name: "tar",
  detect(head: Uint8Array) {
    return head.length >= BLOCK && isTarHeader(head.subarray(0, BLOCK));
  },
  extract: extractTar,
} satisfies Extractor;
