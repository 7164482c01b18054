import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, child, copyRange, partial } from "./child-writer.js";
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

/** Parses pax extended header records ("%d key=value\n"). */
export function parsePax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  // Lengths count bytes; decode per record from the bytes to stay exact with UTF-8 values.
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space < 0) break;
    const length = Number(new TextDecoder().decode(data.subarray(position, space)));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) break;
    const record = new TextDecoder().decode(data.subarray(space + 1, position + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    position += length;
  }
  return records;
}

export async function* extractTar(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "tar");
  let position = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
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
    const dataOffset = position + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    const isUstar = field(header, 257, 6).startsWith("ustar");
    const prefix = isUstar ? field(header, 345, 155) : "";
    const headerName = (prefix === "" ? "" : `${prefix}/`) + field(header, 0, 100);
    const name = pax.get("path") ?? longName ?? headerName;
    if (type === "L" || type === "K" || type === "x" || type === "g") {
      const data = await source.read(dataOffset, Math.min(size, 1024 * 1024));
      if (type === "L") longName = field(data, 0, data.length);
      else if (type === "x") pax = parsePax(data);
      else if (type === "g") globalPax = parsePax(data);
      position = next;
      continue;
    }
    longName = undefined;
    pax = new Map();
    position = next;
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
    if (type === "S" || type === "M" || type === "V") {
      yield budget.skip(name, "unsupported", `GNU tar entry type ${type}`, dataOffset);
      continue;
    }
    const admitted = budget.admit(name, size);
    if (admitted !== undefined) {
      yield admitted;
      if (budget.members > context.budgets.maxMembers) return;
      continue;
    }
    if (dataOffset + size > source.size) {
      const available = Math.max(0, source.size - dataOffset);
      if (available > 0)
        yield child(name, "tar", await copyRange(source, dataOffset, available, context, name), {
          offsetInParent: dataOffset,
        });
      yield partial("corrupt", `member ${name} truncated: ${available} of ${size} bytes`);
      return;
    }
    budget.written += size;
    yield child(name, "tar", await copyRange(source, dataOffset, size, context, name), {
      offsetInParent: dataOffset,
    });
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
