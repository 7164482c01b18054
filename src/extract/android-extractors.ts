import type { ByteSource } from "../model/bytes.js";
import { ascii, child, partial, startsWith, viewOf } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/** DEX and resource files are read whole; larger ones are scanned as raw bytes only. */
export const MAX_ANDROID_BYTES = 256 * 1024 * 1024;

function readUleb128(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (let i = 0; i < 5 && position < bytes.length; i += 1) {
    const byte = bytes[position++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [value >>> 0, position];
}

/**
 * Decodes Modified UTF-8 (Java/DEX): NUL as C0 80 and supplementary characters as two 3-byte surrogates.
 * Stops at the terminating NUL; malformed bytes become U+FFFD.
 */
export function decodeMutf8(bytes: Uint8Array, offset: number, maxUnits: number): string {
  const units: number[] = [];
  let position = offset;
  while (position < bytes.length && units.length < maxUnits) {
    const a = bytes[position]!;
    if (a === 0) break;
    if (a < 0x80) {
      units.push(a);
      position += 1;
    } else if ((a & 0xe0) === 0xc0 && position + 1 < bytes.length) {
      units.push(((a & 0x1f) << 6) | (bytes[position + 1]! & 0x3f));
      position += 2;
    } else if ((a & 0xf0) === 0xe0 && position + 2 < bytes.length) {
      units.push(((a & 0x0f) << 12) | ((bytes[position + 1]! & 0x3f) << 6) | (bytes[position + 2]! & 0x3f));
      position += 3;
    } else {
      units.push(0xfffd);
      position += 1;
    }
  }
  let text = "";
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.slice(i, i + 8192));
  return text;
}

const DEX_MAGIC = ascii("dex\n");

/** The string table of a DEX file, one string per line. */
export function dexStrings(bytes: Uint8Array): { strings: string[]; problem?: string } {
  const view = viewOf(bytes);
  if (bytes.length < 0x70) return { strings: [], problem: "DEX header truncated" };
  const count = view.getUint32(0x38, true);
  const idsOffset = view.getUint32(0x3c, true);
  const strings: string[] = [];
  let problem: string | undefined;
  for (let i = 0; i < count; i += 1) {
    const at = idsOffset + i * 4;
    if (at + 4 > bytes.length) {
      problem = `string ids truncated after ${i} of ${count}`;
      break;
    }
    const dataOffset = view.getUint32(at, true);
    if (dataOffset >= bytes.length) {
      problem = `string ${i} points past the end`;
      continue;
    }
    const [units, start] = readUleb128(bytes, dataOffset);
    strings.push(decodeMutf8(bytes, start, Math.min(units, 1 << 20)));
  }
  return problem === undefined ? { strings } : { strings, problem };
}

async function* extractDex(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  if (source.size > MAX_ANDROID_BYTES) {
    yield partial("too-large", `DEX strings not extracted above ${MAX_ANDROID_BYTES} bytes`);
    return;
  }
  const { strings, problem } = dexStrings(await source.read(0, source.size));
  if (problem !== undefined) yield partial("corrupt", problem);
  if (strings.length === 0) return;
  yield child(
    `${context.name}.strings.txt`,
    "dex-strings",
    { bytes: new TextEncoder().encode(strings.join("\n")) },
    {
      element: "string table",
      leafOnly: true,
    },
  );
}

export const dexExtractor = {
  name: "dex",
  detect: (head: Uint8Array) =>
    startsWith(head, DEX_MAGIC) && head[7] === 0 && head[4] === 0x30 && head.length >= 0x70,
  extract: extractDex,
} satisfies Extractor;

const RES_STRING_POOL = 0x0001;
const RES_TABLE = 0x0002;
const RES_XML = 0x0003;
const RES_TABLE_PACKAGE = 0x0200;

function decodeUtf16Units(bytes: Uint8Array, offset: number, count: number): string {
  const end = Math.min(bytes.length, offset + count * 2);
  return new TextDecoder("utf-16le").decode(bytes.subarray(offset, end - ((end - offset) % 2)));
}

/** Strings of one ResStringPool chunk (UTF-8 or UTF-16 pool). */
export function stringPool(bytes: Uint8Array, chunk: number): string[] {
  const view = viewOf(bytes);
  const headerSize = view.getUint16(chunk + 2, true);
  const size = view.getUint32(chunk + 4, true);
  const count = view.getUint32(chunk + 8, true);
  const flags = view.getUint32(chunk + 16, true);
  const stringsStart = chunk + view.getUint32(chunk + 20, true);
  const end = Math.min(bytes.length, chunk + size);
  const utf8 = (flags & 0x100) !== 0;
  const strings: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const at = chunk + headerSize + i * 4;
    if (at + 4 > end) break;
    let position = stringsStart + view.getUint32(at, true);
    if (position >= end) continue;
    if (utf8) {
      // Two lengths (UTF-16 units, then bytes), each 1 or 2 bytes.
      position += (bytes[position]! & 0x80) !== 0 ? 2 : 1;
      if (position >= end) continue;
      let length = bytes[position]!;
      if ((length & 0x80) !== 0) {
        length = ((length & 0x7f) << 8) | (bytes[position + 1] ?? 0);
        position += 2;
      } else position += 1;
      strings.push(new TextDecoder().decode(bytes.subarray(position, Math.min(end, position + length))));
    } else {
      if (position + 2 > end) continue;
      let length = view.getUint16(position, true);
      if ((length & 0x8000) !== 0 && position + 4 <= end) {
        length = ((length & 0x7fff) << 16) | view.getUint16(position + 2, true);
        position += 4;
      } else position += 2;
      strings.push(decodeUtf16Units(bytes.subarray(0, end), position, length));
    }
  }
  return strings;
}

/** Walks resource chunks (table, package, binary XML) and collects every string pool. */
export function resourceStrings(bytes: Uint8Array): string[] {
  const strings: string[] = [];
  const view = viewOf(bytes);
  const walk = (start: number, end: number, depth: number): void => {
    let position = start;
    while (position + 8 <= end) {
      const type = view.getUint16(position, true);
      const headerSize = view.getUint16(position + 2, true);
      const size = view.getUint32(position + 4, true);
      if (size < 8 || headerSize < 8 || headerSize > size || position + size > end) return;
      if (type === RES_STRING_POOL && headerSize >= 28) strings.push(...stringPool(bytes, position));
      else if ((type === RES_TABLE || type === RES_XML || type === RES_TABLE_PACKAGE) && depth < 4) {
        walk(position + headerSize, position + size, depth + 1);
      }
      position += size;
    }
  };
  walk(0, bytes.length, 0);
  return strings;
}

async function* extractArsc(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  if (source.size > MAX_ANDROID_BYTES) {
    yield partial("too-large", `resource strings not extracted above ${MAX_ANDROID_BYTES} bytes`);
    return;
  }
  let strings: string[];
  try {
    strings = resourceStrings(await source.read(0, source.size));
  } catch {
    yield partial("corrupt", "resource chunks do not parse");
    return;
  }
  if (strings.length === 0) return;
  yield child(
    `${context.name}.strings.txt`,
    "arsc-strings",
    { bytes: new TextEncoder().encode(strings.join("\n")) },
    {
      element: "string pool",
      leafOnly: true,
    },
  );
}

/** `resources.arsc` (ResTable) and binary XML (AndroidManifest.xml, layouts): their string pools as text. */
export const arscExtractor = {
  name: "arsc",
  detect(head: Uint8Array) {
    if (head.length < 16) return false;
    const view = viewOf(head);
    const type = view.getUint16(0, true);
    const headerSize = view.getUint16(2, true);
    if (!((type === RES_TABLE && headerSize === 12) || (type === RES_XML && headerSize === 8))) return false;
    return head.length > headerSize + 2 && view.getUint16(headerSize, true) === RES_STRING_POOL;
  },
  extract: extractArsc,
} satisfies Extractor;
