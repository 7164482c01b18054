import { isAscii, isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import iconv from "iconv-lite";
import type { Encoding } from "../model/encoding.js";

/**
 * A bounded stretch of the artifact decoded in one encoding, with the byte offset of every character,
 * so that character positions found by the analyzer map back to true byte offsets.
 */
export interface DecodedWindow {
  readonly encoding: Encoding;
  readonly text: string;
  /** Absolute byte offset of the first decoded byte. */
  readonly start: number;
  /** Absolute byte offset just after the last decoded byte. */
  readonly end: number;
  /**
   * The characters that do not take one byte per code unit, in runs, WIDE_STRIDE entries each: the first
   * code unit's index in `text`, the first byte (relative to `start`), the index after the run's code
   * units, the byte after it, and the shape its characters share (see wideShape). A run is characters of
   * one shape next to each other. Between runs, every byte is one code unit. Undefined when there are none:
   * then text[i] begins at byte i * bytesPerChar.
   */
  readonly wide: Int32Array | undefined;
  /** 2 for UTF-16 (which has no wide entries), else 1. */
  readonly bytesPerChar: 1 | 2;
}

const REPLACEMENT = 0xfffd;

/** Entries per run of wide characters (see DecodedWindow.wide). */
const WIDE_STRIDE = 5;

/** The shape of a wide character of `size` bytes (2-4) decoding to `units` code units: one number. */
function wideShape(size: number, units: number): number {
  return units * 8 + size;
}

/** The character index that begins exactly at `offset`, or undefined when `offset` falls inside a character. */
export function charIndexAt(window: DecodedWindow, offset: number): number | undefined {
  if (offset < window.start || offset > window.end) return undefined;
  const relative = offset - window.start;
  const wide = window.wide;
  if (wide === undefined)
    return relative % window.bytesPerChar === 0 ? relative / window.bytesPerChar : undefined;
  // The last run of wide characters starting at or before `relative`.
  let low = 0;
  let high = wide.length / WIDE_STRIDE;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (wide[WIDE_STRIDE * middle + 1]! <= relative) low = middle + 1;
    else high = middle;
  }
  if (low === 0) return relative;
  const entry = WIDE_STRIDE * (low - 1);
  const byteAfter = wide[entry + 3]!;
  if (relative >= byteAfter) return wide[entry + 2]! + (relative - byteAfter);
  const shape = wide[entry + 4]!;
  const size = shape & 7;
  const units = shape >> 3;
  const into = relative - wide[entry + 1]!;
  // Inside a character; and a character that decoded to no code unit has no index of its own.
  if (into % size !== 0 || units === 0) return undefined;
  return wide[entry]! + (into / size) * units;
}

/**
 * Decoded double-byte characters, filled on first use: the code unit of each two-byte sequence (key lead * 256
 * + trail), with `TWO_BYTE_LONG` marking a sequence whose decoding is not one code unit (kept in `longTwoByte`).
 * Four-byte GB18030 sequences are kept in a bounded map.
 */
interface MultiByteTables {
  /** Some entry is known (else a tables file is copied in whole). */
  filled: boolean;
  readonly state: Uint8Array;
  readonly code: Uint16Array;
  readonly longTwoByte: Map<number, string>;
  readonly fourByte: Map<number, string>;
}
const UNKNOWN = 0;
const ONE_UNIT = 1;
const TWO_BYTE_LONG = 2;

const multiByteTables: Record<"gb18030" | "big5", MultiByteTables> = {
  gb18030: {
    filled: false,
    state: new Uint8Array(65536),
    code: new Uint16Array(65536),
    longTwoByte: new Map(),
    fourByte: new Map(),
  },
  big5: {
    filled: false,
    state: new Uint8Array(65536),
    code: new Uint16Array(65536),
    longTwoByte: new Map(),
    fourByte: new Map(),
  },
};

function iconvDecode(encoding: "gb18030" | "big5", bytes: Uint8Array, at: number, length: number): string {
  return iconv.decode(Buffer.from(bytes.subarray(at, at + length)), encoding);
}

/** Records the decoding of the two-byte sequence `key` in the tables. */
function remember(tables: MultiByteTables, key: number, text: string): void {
  tables.filled = true;
  if (text.length === 1) {
    tables.code[key] = text.charCodeAt(0);
    tables.state[key] = ONE_UNIT;
  } else {
    tables.longTwoByte.set(key, text);
    tables.state[key] = TWO_BYTE_LONG;
  }
}

/**
 * Fills the tables for every two-byte sequence with this lead byte, with one iconv call: the pairs are
 * decoded one after another, each followed by a line feed, which never belongs to a double-byte character
 * and so ends whatever the pair left open. A piece that could differ from decoding its pair alone (a byte
 * order mark, which iconv drops at the start of a text) is decoded alone. (The tests compare every pair.)
 */
function fillLeadRow(encoding: "gb18030" | "big5", lead: number): void {
  const tables = multiByteTables[encoding];
  const kinds = encoding === "gb18030" ? GB18030_TRAIL : BIG5_TRAIL;
  const trails: number[] = [];
  for (let trail = 0; trail < 256; trail++) if (kinds[trail] === TRAIL) trails.push(trail);
  const row = Buffer.alloc(3 * trails.length);
  trails.forEach((trail, index) => {
    row[3 * index] = lead;
    row[3 * index + 1] = trail;
    row[3 * index + 2] = 0x0a;
  });
  const pieces = iconv.decode(row, encoding).split("\n");
  const whole = pieces.length === trails.length + 1;
  trails.forEach((trail, index) => {
    const key = (lead << 8) | trail;
    const piece = pieces[index];
    remember(
      tables,
      key,
      whole && piece !== undefined && piece !== "" && !piece.includes("\ufeff")
        ? piece
        : iconvDecode(encoding, Uint8Array.of(lead, trail), 0, 2),
    );
  });
}

/**
 * The decoding of every two-byte sequence, as `fillLeadRow` makes it for each lead byte, is written next to
 * this module by `npm run build` (scripts/build-double-byte-tables.mjs). Reading it (~440 KB) replaces building
 * iconv-lite's GB18030 and Big5 codecs and filling the rows from them: ~50 ms of every scanning thread that meets
 * such text, and as much again of V8 compiling iconv-lite's table code. It is used only when it was made from
 * the iconv-lite installed now; otherwise, or when it is missing (running from sources), rows are filled from
 * iconv-lite as they are needed.
 */
export const DOUBLE_BYTE_TABLES_FILE = "double-byte-tables.bin";
/** Bumped whenever the file's layout or what fillLeadRow puts in the tables changes. */
const TABLES_FORMAT = 2;
const TABLE_ENCODINGS = ["gb18030", "big5"] as const;
/** Lead bytes of two-byte sequences (0x80 and 0xff never lead one, see charLength). */
const FIRST_LEAD = 0x81;
const LAST_LEAD = 0xfe;
/** The file's header is padded to this many bytes, so the code tables that follow are aligned. */
const HEADER_ALIGN = 8;

interface TablesHeader {
  readonly format: number;
  readonly iconv: string;
  /** Per encoding, the sequences whose decoding is not one code unit: [key, text] pairs. */
  readonly long: Record<(typeof TABLE_ENCODINGS)[number], [number, string][]>;
  /** GB18030's four-byte sequences as runs (see fourByteRuns), or null when they do not fit that form. */
  readonly four: [number, number][] | null;
}

/** Four-byte GB18030 sequences: 126 * 10 * 126 * 10 of them, numbered by `fourBytePointer`. */
const FOUR_BYTE_COUNT = 126 * 10 * 126 * 10;

/** The number of a valid four-byte GB18030 sequence, from 0 (81 30 81 30) in byte order. */
function fourBytePointer(b1: number, b2: number, b3: number, b4: number): number {
  return (b1 - 0x81) * 12600 + (b2 - 0x30) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
}

/**
 * The code units iconv-lite writes for the code `code` it works out for a four-byte sequence: a code from
 * 0x10000 on as a pair (its lead unit cut to 16 bits, as iconv-lite does for codes past U+10FFFF).
 */
function unitsOfCode(code: number): string {
  if (code < 0x10000) return String.fromCharCode(code);
  const above = code - 0x10000;
  return String.fromCharCode((0xd800 | (above >> 10)) & 0xffff, 0xdc00 | (above & 0x3ff));
}

/** The code a one- or two-unit decoding stands for, or undefined when it is no plain character or pair. */
function codeOfUnits(text: string): number | undefined {
  if (text.length === 1) return text.charCodeAt(0);
  if (text.length !== 2) return undefined;
  const high = text.charCodeAt(0);
  const low = text.charCodeAt(1);
  if (high < 0xd800 || high > 0xdbff || low < 0xdc00 || low > 0xdfff) return undefined;
  return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
}

/**
 * GB18030's four-byte sequences as iconv-lite decodes each alone, in runs: [first pointer, its code] pairs
 * in pointer order, where each following pointer up to the next run decodes to the next code (the standard's
 * ranges, and iconv-lite's own reading past them). Built by decoding every sequence with iconv-lite and
 * checking each one against the runs; null when some sequence does not fit (then iconv-lite decodes them).
 */
function fourByteRuns(): [number, number][] | null {
  const bytes = Buffer.alloc(5 * FOUR_BYTE_COUNT);
  let at = 0;
  for (let b1 = 0x81; b1 <= 0xfe; b1++)
    for (let b2 = 0x30; b2 <= 0x39; b2++)
      for (let b3 = 0x81; b3 <= 0xfe; b3++)
        for (let b4 = 0x30; b4 <= 0x39; b4++) {
          bytes[at++] = b1;
          bytes[at++] = b2;
          bytes[at++] = b3;
          bytes[at++] = b4;
          bytes[at++] = 0x0a;
        }
  const pieces = iconv.decode(bytes, "gb18030").split("\n");
  if (pieces.length !== FOUR_BYTE_COUNT + 1) return null;
  const runs: [number, number][] = [];
  let start = 0;
  let first = 0;
  for (let pointer = 0; pointer < FOUR_BYTE_COUNT; pointer++) {
    let piece = pieces[pointer]!;
    // A byte order mark is dropped at the start of a text: decode such a piece alone.
    if (piece === "" || piece.includes("\ufeff"))
      piece = iconv.decode(bytes.subarray(5 * pointer, 5 * pointer + 4), "gb18030");
    if (runs.length > 0 && unitsOfCode(first + pointer - start) === piece) continue;
    const code = codeOfUnits(piece);
    if (code === undefined || unitsOfCode(code) !== piece) return null;
    runs.push([pointer, code]);
    start = pointer;
    first = code;
  }
  return runs;
}

/** The runs of fourByteRuns read from the built tables file, once it is merged. */
let fourByteTable: { readonly pointers: Int32Array; readonly codes: Int32Array } | undefined;

/** A four-byte GB18030 sequence decoded from the runs, or undefined when they are not loaded. */
function decodeFourByte(bytes: Uint8Array, at: number): string | undefined {
  const table = fourByteTable;
  if (table === undefined) return undefined;
  const pointer = fourBytePointer(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  const { pointers, codes } = table;
  // The last run starting at or before the pointer.
  let low = 0;
  let high = pointers.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (pointers[middle]! <= pointer) low = middle + 1;
    else high = middle;
  }
  if (low === 0) return undefined;
  return unitsOfCode(codes[low - 1]! + pointer - pointers[low - 1]!);
}

function iconvVersion(): string {
  const manifest = createRequire(import.meta.url)("iconv-lite/package.json") as { version?: string };
  return `iconv-lite@${manifest.version ?? "?"}`;
}

/**
 * The tables file's content, every row filled from iconv-lite (not from an existing file): for the build
 * script and tests.
 */
export function encodeDoubleByteTables(): Uint8Array {
  const long = { gb18030: [], big5: [] } as TablesHeader["long"];
  const parts: Uint8Array[] = [];
  for (const encoding of TABLE_ENCODINGS) {
    for (let lead = FIRST_LEAD; lead <= LAST_LEAD; lead++) fillLeadRow(encoding, lead);
    const tables = multiByteTables[encoding];
    for (let key = 0; key < 65536; key++)
      if (tables.state[key] === TWO_BYTE_LONG) long[encoding].push([key, tables.longTwoByte.get(key)!]);
    parts.push(
      tables.state,
      new Uint8Array(tables.code.buffer, tables.code.byteOffset, tables.code.byteLength),
    );
  }
  const header: TablesHeader = { format: TABLES_FORMAT, iconv: iconvVersion(), long, four: fourByteRuns() };
  const text = Buffer.from(JSON.stringify(header), "utf8");
  const headerBytes = Math.ceil((4 + text.length) / HEADER_ALIGN) * HEADER_ALIGN;
  const file = new Uint8Array(headerBytes + parts.reduce((sum, part) => sum + part.length, 0));
  new DataView(file.buffer).setUint32(0, text.length, true);
  file.fill(0x20, 4, headerBytes);
  file.set(text, 4);
  let at = headerBytes;
  for (const part of parts) {
    file.set(part, at);
    at += part.length;
  }
  return file;
}

/**
 * Merges a tables file into the tables (entries already known stay as they are); false when it does not fit
 * (another format, another iconv-lite, a wrong size, a big-endian machine) and nothing was merged.
 */
export function mergeDoubleByteTables(file: Uint8Array): boolean {
  if (!LITTLE_ENDIAN || file.length < 4) return false;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const textLength = view.getUint32(0, true);
  const headerBytes = Math.ceil((4 + textLength) / HEADER_ALIGN) * HEADER_ALIGN;
  if (file.length !== headerBytes + TABLE_ENCODINGS.length * 3 * 65536) return false;
  let header: TablesHeader;
  try {
    header = JSON.parse(
      Buffer.from(file.buffer, file.byteOffset + 4, textLength).toString("utf8"),
    ) as TablesHeader;
  } catch {
    return false;
  }
  if (header.format !== TABLES_FORMAT || header.iconv !== iconvVersion()) return false;
  const four = header.four;
  if (four !== null && (!Array.isArray(four) || four.length === 0 || four[0]![0] !== 0)) return false;
  let at = file.byteOffset + headerBytes;
  for (const encoding of TABLE_ENCODINGS) {
    const tables = multiByteTables[encoding];
    const state = new Uint8Array(file.buffer, at, 65536);
    // A copy: the file's offset need not suit a Uint16Array view.
    const code = new Uint16Array(file.buffer.slice(at + 65536, at + 3 * 65536));
    at += 3 * 65536;
    const long = new Map(header.long[encoding]);
    if (!tables.filled) {
      tables.state.set(state);
      tables.code.set(code);
      for (const [key, text] of long) tables.longTwoByte.set(key, text);
      tables.filled = true;
      continue;
    }
    for (let key = 0; key < 65536; key++) {
      if (tables.state[key] !== UNKNOWN || state[key] === UNKNOWN) continue;
      if (state[key] === TWO_BYTE_LONG) {
        const text = long.get(key);
        if (text === undefined) continue;
        tables.longTwoByte.set(key, text);
      } else tables.code[key] = code[key]!;
      tables.state[key] = state[key]!;
    }
    tables.filled = true;
  }
  if (four !== null)
    fourByteTable = {
      pointers: Int32Array.from(four, ([pointer]) => pointer),
      codes: Int32Array.from(four, ([, code]) => code),
    };
  return true;
}

let builtTablesRead = false;

/** Reads the built tables file once, at the first two-byte sequence not in the tables yet. */
function readBuiltTables(): void {
  if (builtTablesRead) return;
  builtTablesRead = true;
  let file: Uint8Array;
  try {
    file = readFileSync(new URL(`./${DOUBLE_BYTE_TABLES_FILE}`, import.meta.url));
  } catch {
    return; // not built (sources): rows are filled from iconv-lite
  }
  mergeDoubleByteTables(file);
}

/** The characters of the `length`-byte sequence at `at` (length 2 or 4), decoded as iconv-lite decodes it alone. */
function decodeMulti(encoding: "gb18030" | "big5", bytes: Uint8Array, at: number, length: number): string {
  const tables = multiByteTables[encoding];
  if (length === 2) {
    const key = (bytes[at]! << 8) | bytes[at + 1]!;
    if (tables.state[key] === UNKNOWN) readBuiltTables();
    if (tables.state[key] === UNKNOWN) fillLeadRow(encoding, bytes[at]!);
    const state = tables.state[key]!;
    if (state === ONE_UNIT) return String.fromCharCode(tables.code[key]!);
    const long = state === TWO_BYTE_LONG ? tables.longTwoByte.get(key) : undefined;
    if (long !== undefined) return long;
    // A pair that is not a two-byte character by charLength (never asked for by the decoders), or a long one
    // missing from a damaged tables file.
    const text = iconvDecode(encoding, bytes, at, length);
    remember(tables, key, text);
    return text;
  }
  if (encoding === "gb18030") {
    readBuiltTables();
    const text = decodeFourByte(bytes, at);
    if (text !== undefined) return text;
  }
  let key = 0;
  for (let k = 0; k < length; k++) key = key * 256 + bytes[at + k]!;
  let text = tables.fourByte.get(key);
  if (text === undefined) {
    text = iconvDecode(encoding, bytes, at, length);
    if (tables.fourByte.size < 100_000) tables.fourByte.set(key, text);
  }
  return text;
}

/** Length of the character starting at `at` (1 for an invalid byte, which decodes to U+FFFD). */
function charLength(encoding: Encoding, bytes: Uint8Array, at: number, limit: number): number {
  const lead = bytes[at]!;
  switch (encoding) {
    case "utf-16le":
    case "utf-16be":
      return 2;
    case "utf-8": {
      if (lead < 0x80) return 1;
      const want =
        lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
      if (want === 0 || at + want > limit) return 1;
      for (let k = 1; k < want; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return 1;
      const second = bytes[at + 1]!;
      if (lead === 0xe0 && second < 0xa0) return 1;
      if (lead === 0xed && second > 0x9f) return 1;
      if (lead === 0xf0 && second < 0x90) return 1;
      if (lead === 0xf4 && second > 0x8f) return 1;
      return want;
    }
    case "gb18030": {
      if (lead < 0x80) return 1;
      if (lead === 0x80 || lead === 0xff || at + 1 >= limit) return 1;
      const second = bytes[at + 1]!;
      if (second >= 0x30 && second <= 0x39) {
        if (at + 3 >= limit) return 1;
        const third = bytes[at + 2]!;
        const fourth = bytes[at + 3]!;
        return third >= 0x81 && third <= 0xfe && fourth >= 0x30 && fourth <= 0x39 ? 4 : 1;
      }
      return second >= 0x40 && second <= 0xfe && second !== 0x7f ? 2 : 1;
    }
    case "big5": {
      if (lead < 0x80) return 1;
      if (lead === 0x80 || lead === 0xff || at + 1 >= limit) return 1;
      const second = bytes[at + 1]!;
      return (second >= 0x40 && second <= 0x7e) || (second >= 0xa1 && second <= 0xfe) ? 2 : 1;
    }
  }
}

/**
 * A position at or after `from` (and at or before `anchor`) where a character surely begins, so decoding
 * a window does not start in the middle of a multi-byte character. Returns `anchor` when none is found.
 */
export function syncPoint(encoding: Encoding, bytes: Uint8Array, from: number, anchor: number): number {
  switch (encoding) {
    case "utf-16le":
    case "utf-16be":
      return from + ((anchor - from) & 1);
    case "utf-8":
      for (let at = from; at < anchor; at++) if ((bytes[at]! & 0xc0) !== 0x80) return at;
      return anchor;
    case "gb18030":
    case "big5":
      // Bytes below 0x30 are never a lead or trail byte, so the next byte starts a character.
      for (let at = from; at < anchor; at++) if (bytes[at]! < 0x30) return at + 1;
      return anchor;
  }
}

/** Code units are laid out little-endian in memory here (true on every platform Node runs on today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Scratch space reused by every decoding (its contents are copied out before the next one). */
let unitsScratch = new Uint16Array(16 * 1024);
let wideScratch = new Int32Array(4 * 1024);

function ensureUnits(capacity: number): void {
  if (unitsScratch.length < capacity)
    unitsScratch = new Uint16Array(Math.max(capacity, 2 * unitsScratch.length));
}

/** Room for `more` entries after `used` in wideScratch (copying what is there). */
function ensureWide(used: number, more: number): Int32Array {
  if (wideScratch.length < used + more) {
    const grown = new Int32Array(Math.max(used + more, 2 * wideScratch.length));
    grown.set(wideScratch.subarray(0, used));
    wideScratch = grown;
  }
  return wideScratch;
}

/**
 * Wide-character tables are carved out of shared slabs: one allocation per megabyte of tables rather than
 * one per window (a slab lives as long as any window using it).
 */
const SLAB_ENTRIES = 1 << 14;
let slab = new Int32Array(0);
let slabUsed = 0;

function keepWide(entries: Int32Array, count: number): Int32Array | undefined {
  if (count === 0) return undefined;
  if (count > SLAB_ENTRIES / 4) return entries.slice(0, count);
  if (slabUsed + count > slab.length) {
    slab = new Int32Array(SLAB_ENTRIES);
    slabUsed = 0;
  }
  const kept = slab.subarray(slabUsed, slabUsed + count);
  kept.set(entries.subarray(0, count));
  slabUsed += count;
  return kept;
}

/** The string of `units[0, length)`, lone surrogates kept as they are. */
function unitsText(units: Uint16Array, length: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, 2 * length).toString("utf16le");
  let text = "";
  for (let at = 0; at < length; at += 4096)
    text += String.fromCharCode(...units.subarray(at, Math.min(length, at + 4096)));
  return text;
}

/** Where decoding begins and ends, relative to bytes[0]: see decodeWindow. */
function bounds(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor: number,
): { at: number; limit: number } {
  const lowest = Math.max(base, from);
  const limit = Math.min(base + bytes.length, to) - base;
  // The start of the artifact is a character boundary for the byte-oriented charsets (UTF-16 keeps the
  // anchor's alignment instead); elsewhere, find one.
  const at =
    lowest === 0 && (encoding === "gb18030" || encoding === "big5")
      ? lowest - base
      : syncPoint(encoding, bytes, lowest - base, Math.max(lowest, Math.min(anchor, to)) - base);
  return { at, limit };
}

/**
 * A decoding in the scratch buffers: `length` code units in unitsScratch, and `wideCount` entries in
 * wideScratch (WIDE_STRIDE per run of wide characters, see DecodedWindow.wide; none for UTF-16).
 */
interface Decoded {
  /** Absolute offsets of the first decoded byte and just after the last. */
  readonly start: number;
  readonly end: number;
  readonly length: number;
  readonly wideCount: number;
}

/**
 * Where decodeWindow(bytes, base, encoding, from, to, anchor) starts and ends, without decoding: every
 * decoding runs to the limit (a character cut by it decodes as U+FFFD), UTF-16 to its last whole pair.
 */
export function windowExtent(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor = from,
): { start: number; end: number } {
  const { at, limit } = bounds(bytes, base, encoding, from, to, anchor);
  const count = Math.max(0, limit - at);
  const start = at + base;
  return {
    start,
    end: start + (encoding === "utf-16le" || encoding === "utf-16be" ? 2 * (count >> 1) : count),
  };
}

/**
 * Notes a wide character of `size` bytes at relative byte `byte` whose `units` code units start at
 * `char`, at wideScratch[count…] (room for it must be there): it joins the last run when it has the run's
 * shape and follows it. Returns the new count.
 */
function noteWide(
  wide: Int32Array,
  count: number,
  char: number,
  byte: number,
  units: number,
  size: number,
): number {
  const shape = wideShape(size, units);
  // Between runs every byte is one code unit, so a character at the run's last byte also starts at its
  // last code unit.
  if (count > 0 && wide[count - 1] === shape && wide[count - 2] === byte) {
    wide[count - 3] = char + units;
    wide[count - 2] = byte + size;
    return count;
  }
  wide[count] = char;
  wide[count + 1] = byte;
  wide[count + 2] = char + units;
  wide[count + 3] = byte + size;
  wide[count + 4] = shape;
  return count + WIDE_STRIDE;
}

/** Room for the wide entries of decoding `bytes` bytes (a wide character takes at least two). */
function wideRoom(bytes: number): number {
  return WIDE_STRIDE * ((Math.max(0, bytes) >> 1) + 1);
}

/** Decodes into the scratch buffers; see decodeWindow. */
function decodeToScratch(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor: number,
): Decoded {
  const { at, limit } = bounds(bytes, base, encoding, from, to, anchor);
  const start = at + base;
  const count = Math.max(0, limit - at);
  if (encoding === "utf-16le" || encoding === "utf-16be") {
    const pairs = count >> 1;
    ensureUnits(pairs);
    const units = unitsScratch;
    for (let k = 0, byte = at; k < pairs; k++, byte += 2) {
      units[k] =
        encoding === "utf-16le"
          ? bytes[byte]! | (bytes[byte + 1]! << 8)
          : (bytes[byte]! << 8) | bytes[byte + 1]!;
    }
    return { start, end: start + 2 * pairs, length: pairs, wideCount: 0 };
  }
  // Every encoding yields at most one code unit per byte, except a double-byte character whose decoding is
  // longer than one unit: room for two per byte.
  const doubleByte = encoding === "gb18030" || encoding === "big5";
  ensureUnits(doubleByte ? 2 * count + 8 : count + 1);
  const decoded = doubleByte ? decodeDoubleByte(encoding, bytes, at, limit) : decodeUtf8(bytes, at, limit);
  return { start, end: decoded.end + base, length: decoded.length, wideCount: decoded.wideCount };
}

/**
 * Decodes `bytes[from - base, to - base)` (absolute offsets; `base` is the absolute offset of `bytes[0]`),
 * starting at a character boundary at or after `from` that is at or before `anchor`.
 */
export function decodeWindow(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor = from,
): DecodedWindow {
  const { at, limit } = bounds(bytes, base, encoding, from, to, anchor);
  const start = at + base;
  const count = Math.max(0, limit - at);
  // Native fast paths: UTF-16; bytes all below 0x80 (which every other encoding reads as themselves, one
  // byte per character); valid UTF-8.
  if (encoding === "utf-16le" || encoding === "utf-16be") {
    const pairs = count >> 1;
    const slice = Buffer.from(bytes.buffer, bytes.byteOffset + at, 2 * pairs);
    const text =
      encoding === "utf-16le" ? slice.toString("utf16le") : Buffer.from(slice).swap16().toString("utf16le");
    return { encoding, text, start, end: start + 2 * pairs, wide: undefined, bytesPerChar: 2 };
  }
  const slice = Buffer.from(bytes.buffer, bytes.byteOffset + at, count);
  if (count === 0 || isAscii(slice)) {
    return {
      encoding,
      text: slice.toString("latin1"),
      start,
      end: start + count,
      wide: undefined,
      bytesPerChar: 1,
    };
  }
  if (encoding === "utf-8" && isUtf8(slice)) {
    const wideCount = utf8WideCharacters(bytes, at, limit);
    return {
      encoding,
      text: slice.toString("utf8"),
      start,
      end: start + count,
      wide: keepWide(wideScratch, wideCount),
      bytesPerChar: 1,
    };
  }
  const decoded = decodeToScratch(bytes, base, encoding, from, to, anchor);
  return {
    encoding,
    text: unitsText(unitsScratch, decoded.length),
    start: decoded.start,
    end: decoded.end,
    wide: keepWide(wideScratch, decoded.wideCount),
    bytesPerChar: 1,
  };
}

/**
 * `bytes` decoded whole, as iconv-lite decodes them (line prefixes, for columns). GB18030 and Big5 are
 * decoded with the tables when every character is valid: iconv-lite's codecs cost ~50 ms to build, and each
 * pair in the tables decodes as iconv-lite decodes it. Text with an invalid or unmapped character is left
 * to iconv-lite, whose replacement of such characters is its own.
 */
export function decodeWhole(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === "gb18030" || encoding === "big5") {
    const { length } = decodeToScratch(bytes, 0, encoding, 0, bytes.length, 0);
    const text = unitsText(unitsScratch, length);
    if (!text.includes("\ufffd")) return text;
  }
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
}

/**
 * Where a decoding loop stopped: code units written, the (relative) byte index after the last character,
 * and the entries written to wideScratch.
 */
interface Stop {
  readonly length: number;
  readonly end: number;
  readonly wideCount: number;
}

/** The wide characters of valid UTF-8 in bytes[from, limit) into wideScratch; returns the entry count. */
function utf8WideCharacters(bytes: Uint8Array, from: number, limit: number): number {
  const wide = ensureWide(0, wideRoom(limit - from));
  let count = 0;
  let saved = 0;
  for (let at = from; at < limit; at++) {
    const lead = bytes[at]!;
    if (lead < 0xc0) continue; // ASCII or a continuation byte
    const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    const units = size === 4 ? 2 : 1;
    const byte = at - from;
    count = noteWide(wide, count, byte - saved, byte, units, size);
    saved += size - units;
    at += size - 1;
  }
  return count;
}

/** Decodes UTF-8 from bytes[from] (a character boundary) up to `limit` into the scratch buffers. */
function decodeUtf8(bytes: Uint8Array, from: number, limit: number): Stop {
  const units = unitsScratch;
  const wide = ensureWide(0, wideRoom(limit - from));
  let length = 0;
  let wideCount = 0;
  let at = from;
  while (at < limit) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      units[length++] = lead;
      at++;
      continue;
    }
    const size = charLength("utf-8", bytes, at, limit);
    if (size === 1) {
      units[length++] = REPLACEMENT;
      at++;
      continue;
    }
    let code = lead & (size === 2 ? 0x1f : size === 3 ? 0x0f : 0x07);
    for (let k = 1; k < size; k++) code = (code << 6) | (bytes[at + k]! & 0x3f);
    if (code > 0xffff) {
      wideCount = noteWide(wide, wideCount, length, at - from, 2, size);
      units[length++] = 0xd800 + ((code - 0x10000) >> 10);
      units[length++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
    } else {
      wideCount = noteWide(wide, wideCount, length, at - from, 1, size);
      units[length++] = code;
    }
    at += size;
  }
  return { length, end: at, wideCount };
}

/**
 * What a byte after a lead byte (0x81-0xfe) makes: TRAIL a two-byte character, FOUR_BYTE_SECOND the second
 * byte of a four-byte GB18030 character, 0 nothing (the lead byte alone is invalid). As charLength decides.
 */
const TRAIL = 1;
const FOUR_BYTE_SECOND = 2;
const GB18030_TRAIL = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte >= 0x30 && byte <= 0x39 ? FOUR_BYTE_SECOND : byte >= 0x40 && byte <= 0xfe && byte !== 0x7f ? TRAIL : 0,
);
const BIG5_TRAIL = Uint8Array.from({ length: 256 }, (_, byte) =>
  (byte >= 0x40 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xfe) ? TRAIL : 0,
);

/** Decodes GB18030 or Big5 like decodeUtf8; two-byte characters come from the lookup tables. */
function decodeDoubleByte(
  encoding: "gb18030" | "big5",
  bytes: Uint8Array,
  from: number,
  limit: number,
): Stop {
  const units = unitsScratch;
  const wide = ensureWide(0, wideRoom(limit - from));
  const trails = encoding === "gb18030" ? GB18030_TRAIL : BIG5_TRAIL;
  const { state, code } = multiByteTables[encoding];
  let length = 0;
  let wideCount = 0;
  let at = from;
  while (at < limit) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      units[length++] = lead;
      at++;
      continue;
    }
    let size = 1;
    if (lead !== 0x80 && lead !== 0xff && at + 1 < limit) {
      const trail = trails[bytes[at + 1]!]!;
      if (trail === TRAIL) size = 2;
      else if (trail === FOUR_BYTE_SECOND && at + 3 < limit) {
        const third = bytes[at + 2]!;
        const fourth = bytes[at + 3]!;
        if (third >= 0x81 && third <= 0xfe && fourth >= 0x30 && fourth <= 0x39) size = 4;
      }
    }
    if (size === 1) {
      units[length++] = REPLACEMENT;
      at++;
      continue;
    }
    if (size === 2) {
      const key = (lead << 8) | bytes[at + 1]!;
      if (state[key] === UNKNOWN) decodeMulti(encoding, bytes, at, 2);
      if (state[key] === ONE_UNIT) {
        wideCount = noteWide(wide, wideCount, length, at - from, 1, 2);
        units[length++] = code[key]!;
        at += 2;
        continue;
      }
    }
    const text = decodeMulti(encoding, bytes, at, size);
    wideCount = noteWide(wide, wideCount, length, at - from, text.length, size);
    for (let k = 0; k < text.length; k++) units[length++] = text.charCodeAt(k);
    at += size;
  }
  return { length, end: at, wideCount };
}

/** Frequent Chinese characters, simplified and traditional, for telling GB18030 from Big5. */
const COMMON_HAN = new Set(
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所" +
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日" +
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想" +
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指" +
    "几九区强放决西被干做必战先回则任取据处世车型码值类参数返错误状态信息设备识别属性检测脸肤色黄黑白种族维吾尔民汉回藏年龄" +
    "這個們來為國說時對會過發當後從動還與開關體點現實長機電種類別應設備識別屬性檢測臉膚黃維吾爾漢齡碼類參數錯誤狀態資訊號",
);

/** COMMON_HAN as a table over the code units (all of them are in the Basic Multilingual Plane). */
const IS_COMMON_HAN = new Uint8Array(65536);
for (const char of COMMON_HAN) IS_COMMON_HAN[char.charCodeAt(0)] = 1;

/**
 * How plausible the decoded text is as text: common Han characters and printable ASCII count for it,
 * replacement characters and C1/private-use code points against it.
 */
export function plausibility(text: string): number {
  const units = new Uint16Array(text.length);
  for (let at = 0; at < text.length; at++) units[at] = text.charCodeAt(at);
  return unitsPlausibility(units, units.length);
}

/**
 * plausibility() of decodeWindow(...).text, without building the text: GB18030 and Big5 are scored as they
 * are read, character by character, when no character decodes to a lone surrogate (so no pair can form
 * across two of them).
 */
export function decodedPlausibility(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor: number,
  walks?: CharsetWalks,
): number {
  if (encoding === "gb18030" || encoding === "big5") {
    const score = doubleBytePlausibility(encoding, bytes, base, from, to, anchor, walks);
    if (score !== undefined) return score;
  }
  const decoded = decodeToScratch(bytes, base, encoding, from, to, anchor);
  return unitsPlausibility(unitsScratch, decoded.length);
}

/** The score of one code unit outside a surrogate pair (see plausibility). */
function unitScore(code: number): number {
  if (code === REPLACEMENT) return -4;
  if (code >= 0x20 && code < 0x7f) return 1;
  if (code === 0x09 || code === 0x0a || code === 0x0d) return 1;
  if (IS_COMMON_HAN[code] === 1) return 3;
  if (code >= 0x4e00 && code <= 0x9fff) return 0;
  if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef)) return 1;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xe000 && code <= 0xf8ff)) return -1;
  if (code >= 0xd800 && code <= 0xdfff) return -2;
  return 0;
}

/** ASCII scores, by byte. */
const ASCII_SCORE = Int8Array.from({ length: 128 }, (_, code) => unitScore(code));

/** unitScore of every code unit, looked up rather than worked out in the plausibility loops. */
const UNIT_SCORE = new Int8Array(65536);
for (let code = 0; code < 65536; code++) UNIT_SCORE[code] = unitScore(code);

/** See decodedPlausibility; undefined when a character decodes to a lone surrogate. */
function doubleBytePlausibility(
  encoding: "gb18030" | "big5",
  bytes: Uint8Array,
  base: number,
  from: number,
  to: number,
  anchor: number,
  walks?: CharsetWalks,
): number | undefined {
  const { at: first, limit } = bounds(bytes, base, encoding, from, to, anchor);
  const walked = walks?.doubleByteScore(encoding, first, limit);
  if (walked !== undefined) return walked === LONE_SURROGATE ? undefined : walked;
  const score = readDoubleByte(encoding, bytes, first, limit);
  return readSecond > 0 ? undefined : score;
}

/**
 * The multi-byte sequences of a UTF-8 reading of bytes[begin, end) from `begin`: valid ones, and invalid
 * bytes (each read alone). A sequence starting before `end` may run past it, to the bytes' end.
 */
export function utf8SequenceCounts(
  bytes: Uint8Array,
  begin: number,
  end: number,
): { valid: number; invalid: number } {
  const valid = readUtf8(bytes, begin, end);
  return { valid, invalid: readSecond };
}

/** What readUtf8 and readDoubleByte counted besides what they return: invalid bytes, lone surrogates. */
let readSecond = 0;

/**
 * Reads bytes[begin, end) as UTF-8 from `begin` (the bytes' end as the limit) and returns the valid
 * multi-byte sequences, leaving the invalid bytes in readSecond (see utf8Step). With a walk, records its
 * running totals at the first character of each block (see CharsetWalks). One loop serves both: a call
 * per character cost the readings without walks ~0.1 s of CPU on the bench corpus.
 */
function readUtf8(bytes: Uint8Array, begin: number, end: number, walk?: Walk): number {
  let valid = 0;
  let invalid = 0;
  let block = 0;
  let at = begin;
  while (at < end) {
    if (walk !== undefined && block * WALK_BLOCK <= at) block = landBlocks(walk, block, at, valid, invalid);
    if (bytes[at]! < 0x80) {
      at++;
      continue;
    }
    const length = charLength("utf-8", bytes, at, bytes.length);
    if (length === 1) invalid++;
    else valid++;
    at += length;
  }
  // The blocks left start at or before the end: their first character is the end.
  if (walk !== undefined) landBlocks(walk, block, at, valid, invalid);
  readSecond = invalid;
  return valid;
}

/**
 * Reads bytes[from, limit) as GB18030 or Big5 from `from` and returns the characters' scores, leaving in
 * readSecond how many decode to a lone surrogate (see doubleByteStep); with a walk, as readUtf8.
 */
function readDoubleByte(
  encoding: "gb18030" | "big5",
  bytes: Uint8Array,
  from: number,
  limit: number,
  walk?: Walk,
): number {
  const { state, code } = multiByteTables[encoding];
  let score = 0;
  let lone = 0;
  let block = 0;
  let at = from;
  while (at < limit) {
    if (walk !== undefined && block * WALK_BLOCK <= at) block = landBlocks(walk, block, at, score, lone);
    const lead = bytes[at]!;
    if (lead < 0x80) {
      score += ASCII_SCORE[lead]!;
      at++;
      continue;
    }
    const size = charLength(encoding, bytes, at, limit);
    if (size === 1) {
      score -= 4;
      at++;
      continue;
    }
    if (size === 2) {
      const key = (lead << 8) | bytes[at + 1]!;
      if (state[key] === UNKNOWN) decodeMulti(encoding, bytes, at, 2);
      if (state[key] === ONE_UNIT) {
        const unit = code[key]!;
        if (unit >= 0xd800 && unit <= 0xdfff) lone++;
        else score += UNIT_SCORE[unit]!;
        at += 2;
        continue;
      }
    }
    // Several code units: a pair some table decodes to two (Big5-HKSCS), a four-byte GB18030 character.
    const units = charScore(decodeMulti(encoding, bytes, at, size));
    if (units === undefined) lone++;
    else score += units;
    at += size;
  }
  if (walk !== undefined) landBlocks(walk, block, at, score, lone);
  readSecond = lone;
  return score;
}

/** The blocks from `block` on that start at or before `at` land there (see Walk); returns the next block. */
function landBlocks(walk: Walk, block: number, at: number, first: number, second: number): number {
  let next = block;
  for (; next * WALK_BLOCK <= at && next < walk.landing.length; next++) {
    walk.landing[next] = at;
    walk.first[next] = first;
    walk.second[next] = second;
  }
  return next;
}

/** What the last step counted (see utf8Step, doubleByteStep): set by the step, read right after it. */
let stepFirst = 0;
let stepSecond = 0;

/**
 * One character of a GB18030 or Big5 reading: its size, its score in stepFirst, and in stepSecond 1 when it
 * decodes to a lone surrogate (which doubleBytePlausibility cannot score as it reads), else 0.
 */
function doubleByteStep(encoding: "gb18030" | "big5", bytes: Uint8Array, at: number, limit: number): number {
  const lead = bytes[at]!;
  stepSecond = 0;
  if (lead < 0x80) {
    stepFirst = ASCII_SCORE[lead]!;
    return 1;
  }
  const size = charLength(encoding, bytes, at, limit);
  if (size === 1) {
    stepFirst = -4;
    return 1;
  }
  if (size === 2) {
    const { state, code } = multiByteTables[encoding];
    const key = (lead << 8) | bytes[at + 1]!;
    if (state[key] === UNKNOWN) decodeMulti(encoding, bytes, at, 2);
    if (state[key] === ONE_UNIT) {
      const unit = code[key]!;
      const lone = unit >= 0xd800 && unit <= 0xdfff;
      stepFirst = lone ? 0 : UNIT_SCORE[unit]!;
      stepSecond = lone ? 1 : 0;
      return 2;
    }
  }
  // Several code units: a pair some table decodes to two (Big5-HKSCS), a four-byte GB18030 character.
  const units = charScore(decodeMulti(encoding, bytes, at, size));
  stepFirst = units ?? 0;
  stepSecond = units === undefined ? 1 : 0;
  return size;
}

/**
 * One step of sniffAsciiCompatible's UTF-8 count: its size, and in stepFirst / stepSecond 1 for a valid /
 * an invalid multi-byte sequence (nothing for ASCII). `limit` is the end of the bytes, as the count reads.
 */
function utf8Step(bytes: Uint8Array, at: number, limit: number): number {
  stepFirst = 0;
  stepSecond = 0;
  if (bytes[at]! < 0x80) return 1;
  const length = charLength("utf-8", bytes, at, limit);
  if (length === 1) stepSecond = 1;
  else stepFirst = 1;
  return length;
}

/** A walk's running totals are kept every WALK_BLOCK bytes. */
const WALK_BLOCK = 64;
/** doubleByteScore's answer when a character in the range decodes to a lone surrogate. */
const LONE_SURROGATE = Number.NEGATIVE_INFINITY;

/** A reading of a whole stretch from its first byte, with running totals at the first character of each block. */
interface Walk {
  /** Per block: where the first character at or after the block's start begins (the end: bytes.length). */
  readonly landing: Int32Array;
  /** Per block: the totals of stepFirst and stepSecond over the characters before `landing`. */
  readonly first: Int32Array;
  readonly second: Int32Array;
}

type WalkKind = "utf-8" | "gb18030" | "big5";

/**
 * The counts and scores sniffAsciiCompatible takes over the bytes around a hit, for the many hits of one
 * stretch of bytes (a cluster read by analyzeHits): each a difference of running totals of one reading of
 * the whole stretch, plus a few steps at each end, instead of a reading of 4 KiB per hit.
 *
 * Two readings of the same bytes from different starts agree from the first place both start a character:
 * UTF-8's at any ASCII byte (no valid sequence holds one), GB18030's and Big5's after any byte below 0x30
 * (never a lead or trail byte). A range whose start is such a place reads as the stretch's reading does up to
 * the last character that ends inside the range; the rest is read as the range reads it.
 */
export class CharsetWalks {
  private readonly walks = new Map<WalkKind, Walk>();
  /** Where the last `advance` stopped, and the totals before that place. */
  private reached = 0;
  private totalFirst = 0;
  private totalSecond = 0;

  constructor(private readonly bytes: Uint8Array) {}

  private walk(kind: WalkKind): Walk {
    let walk = this.walks.get(kind);
    if (walk === undefined) {
      const { bytes } = this;
      const blocks = Math.floor(bytes.length / WALK_BLOCK) + 1;
      walk = {
        landing: new Int32Array(blocks),
        first: new Int32Array(blocks),
        second: new Int32Array(blocks),
      };
      if (kind === "utf-8") readUtf8(bytes, 0, bytes.length, walk);
      else readDoubleByte(kind, bytes, 0, bytes.length, walk);
      this.walks.set(kind, walk);
    }
    return walk;
  }

  private step(kind: WalkKind, at: number): number {
    return kind === "utf-8"
      ? utf8Step(this.bytes, at, this.bytes.length)
      : doubleByteStep(kind, this.bytes, at, this.bytes.length);
  }

  /**
   * Walks the stretch's reading from the first character at or after the start of the block holding
   * `from` (the callers ask for places no earlier than that one) up to `until`, stopping early before a
   * character that would reach past `within`; leaves the place reached in `reached` and the totals before
   * it in totalFirst / totalSecond.
   */
  private advance(kind: WalkKind, from: number, until: number, within: number): void {
    const walk = this.walk(kind);
    const block = Math.min(Math.floor(from / WALK_BLOCK), walk.landing.length - 1);
    let at = walk.landing[block]!;
    let first = walk.first[block]!;
    let second = walk.second[block]!;
    while (at < until) {
      const size = this.step(kind, at);
      if (at + size > within) break;
      first += stepFirst;
      second += stepSecond;
      at += size;
    }
    this.reached = at;
    this.totalFirst = first;
    this.totalSecond = second;
  }

  /** The totals before `at`, when the stretch's reading starts a character there; false when it does not. */
  private totalsAt(kind: WalkKind, at: number): boolean {
    this.advance(kind, at, at, Number.MAX_SAFE_INTEGER);
    return this.reached === at;
  }

  /**
   * sniffAsciiCompatible's UTF-8 count over [begin, end): valid and invalid multi-byte sequences starting
   * there, read from `begin` with the bytes' end as the limit (a sequence may run past `end`).
   */
  utf8Counts(begin: number, end: number): { valid: number; invalid: number } {
    const bytes = this.bytes;
    let valid = 0;
    let invalid = 0;
    let at = begin;
    // Up to the first ASCII byte, where every reading starts a character.
    while (at < end && bytes[at]! >= 0x80) {
      at += utf8Step(bytes, at, bytes.length);
      valid += stepFirst;
      invalid += stepSecond;
    }
    if (at >= end) return { valid, invalid };
    this.totalsAt("utf-8", at);
    const validBefore = this.totalFirst;
    const invalidBefore = this.totalSecond;
    // The first character starting at or after `end`: every one before it starts before `end`.
    this.advance("utf-8", end, end, Number.MAX_SAFE_INTEGER);
    return {
      valid: valid + this.totalFirst - validBefore,
      invalid: invalid + this.totalSecond - invalidBefore,
    };
  }

  /**
   * doubleBytePlausibility's score of [at, limit) (LONE_SURROGATE when a character in it decodes to a lone
   * surrogate, which that function cannot score as it reads), or undefined when the stretch's reading does
   * not start a character at `at`.
   */
  doubleByteScore(encoding: "gb18030" | "big5", at: number, limit: number): number | undefined {
    if (at >= limit) return 0;
    if (!this.totalsAt(encoding, at)) return undefined;
    const scoreBefore = this.totalFirst;
    const loneBefore = this.totalSecond;
    // The last place where the range's reading still agrees: `limit`, or a character that reaches past it
    // (read as the range reads it, cut). A character is at most four bytes long.
    this.advance(encoding, Math.max(at, limit - 8), limit, limit);
    let score = this.totalFirst - scoreBefore;
    let lone = this.totalSecond - loneBefore;
    for (let place = this.reached; place < limit;) {
      place += doubleByteStep(encoding, this.bytes, place, limit);
      score += stepFirst;
      lone += stepSecond;
    }
    return lone > 0 ? LONE_SURROGATE : score;
  }
}

/**
 * unitsPlausibility of one character's code units; undefined when one is a lone surrogate, which might
 * pair with the next character's.
 */
function charScore(text: string): number | undefined {
  let score = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 0xd800 && code <= 0xdbff && at + 1 < text.length) {
      const low = text.charCodeAt(at + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        at++;
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    score += UNIT_SCORE[code]!;
  }
  return score;
}

/** plausibility() of the text made of units[0, length). */
function unitsPlausibility(units: Uint16Array, length: number): number {
  let score = 0;
  for (let at = 0; at < length; at++) {
    const code = units[at]!;
    // A surrogate pair is one character beyond the BMP: it counts neither way.
    if (code >= 0xd800 && code <= 0xdbff && at + 1 < length) {
      const low = units[at + 1]!;
      if (low >= 0xdc00 && low <= 0xdfff) {
        at++;
        continue;
      }
    }
    score += UNIT_SCORE[code]!;
  }
  return score;
}

/** Weight of a character in a text run; undefined ends the run. NUL (a string-table separator) continues it with no weight. */
function runWeight(code: number): number | undefined {
  if (code === 0) return 0;
  if ((code >= 0x20 && code < 0x7f) || code === 0x09 || code === 0x0a || code === 0x0d) return 1;
  if (IS_COMMON_HAN[code] === 1) return 2;
  if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff01 && code <= 0xff5e)) return 1;
  return undefined;
}

/**
 * How much text reads contiguously around text[start, end): the weight of the run of printable ASCII,
 * common Han characters, CJK punctuation and NUL separators on both sides (at most `limit` characters each
 * way). Used to choose between two readings of the same bytes; random bytes rarely extend a run.
 */
export function runPlausibility(text: string, start: number, end: number, limit = 256): number {
  let score = 0;
  for (let at = start - 1; at >= Math.max(0, start - limit); at--) {
    const weight = runWeight(text.charCodeAt(at));
    if (weight === undefined) break;
    score += weight;
  }
  for (let at = end; at < Math.min(text.length, end + limit); at++) {
    const weight = runWeight(text.charCodeAt(at));
    if (weight === undefined) break;
    score += weight;
  }
  return score;
}

/** True when some byte in [from, to) (relative indices) is not ASCII. */
export function hasHighBytes(bytes: Uint8Array, from: number, to: number): boolean {
  const start = Math.max(0, from);
  const end = Math.min(bytes.length, to);
  return end > start && !isAscii(bytes.subarray(start, end));
}

/**
 * Picks the encoding of an ASCII hit from its neighbourhood: valid UTF-8 multi-byte sequences say utf-8;
 * otherwise the double-byte charset whose decoding reads most like text. `candidates` are the needle's
 * encodings (ASCII needles are shared by utf-8, gb18030 and big5), primary first. `walks`, over `bytes`,
 * gives the same answer sooner for the many hits of one stretch.
 */
export function sniffAsciiCompatible(
  bytes: Uint8Array,
  base: number,
  from: number,
  to: number,
  anchor: number,
  candidates: readonly Encoding[],
  walks?: CharsetWalks,
): Encoding {
  const primary = candidates[0] ?? "utf-8";
  if (candidates.length < 2 || !hasHighBytes(bytes, from - base, to - base)) return primary;
  let validUtf8 = 0;
  let invalidUtf8 = 0;
  const begin = Math.max(0, from - base);
  const end = Math.min(bytes.length, to - base);
  // Valid UTF-8 (checked natively) has no invalid sequence and, with high bytes, at least one valid one:
  // all that the tests below ask of the counts.
  if (isUtf8(bytes.subarray(begin, end))) validUtf8 = 1;
  else
    ({ valid: validUtf8, invalid: invalidUtf8 } =
      walks?.utf8Counts(begin, end) ?? utf8SequenceCounts(bytes, begin, end));
  if (candidates.includes("utf-8") && validUtf8 > 0 && invalidUtf8 <= validUtf8 / 10) return "utf-8";
  let best: Encoding = primary;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === "utf-8" && invalidUtf8 > 0) continue;
    const score = decodedPlausibility(bytes, base, candidate, from, to, anchor, walks);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
