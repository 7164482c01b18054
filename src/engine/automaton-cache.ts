import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { deserialize, serialize } from "node:v8";
import { buildAutomaton, kernelTable, type Automaton } from "../match/automaton.js";
import type { Needle } from "../match/needles.js";
import { codeFingerprint, entryPath, writeCacheEntry } from "../rules/rule-cache.js";

/**
 * Automata built before, kept beside the rule pack cache: filling the transition table costs ~20 ms for the
 * bundled pack and ~30 ms for 300 terms, against ~3 ms to read it back. The key covers every needle (ids,
 * bytes, fold masks, encodings; a cached pack's needles by the pack's key) and the code that builds the
 * automaton, so a change to either — or to the carving signatures that join the rule needles — gives a new
 * entry.
 *
 * A table read back goes straight into the matcher's WebAssembly memory, as a freshly built one is built
 * there. Tables up to MAX_TABLE_BYTES are kept, and the entries together stay under KEEP_BYTES. 3,000 terms
 * make a table of 73 MB, which takes ~0.3 s of CPU to build; read back, the bench's 3,000-term scan took
 * 2.57 s instead of 2.82 s (5 paired runs, with page faults dear on this machine).
 */

/** Bump when the entry layout changes. */
const CACHE_FORMAT = "custodiet-automaton-cache/2";
const PREFIX = "automaton-";
const KEEP = 4;
const MAX_TABLE_BYTES = 128 << 20;
/** The automaton entries in the cache folder together (the newest is kept whatever its size). */
const KEEP_BYTES = 192 << 20;

let fingerprint: string | null | undefined;

function builderFingerprint(): string | null {
  if (fingerprint === undefined) {
    try {
      fingerprint = codeFingerprint(import.meta.url, [
        "../match/automaton",
        "../match/wasm-kernel",
        "./automaton-cache",
      ]);
    } catch {
      fingerprint = null;
    }
  }
  return fingerprint;
}

/** Needles that come first and a key that stands for their whole content (a cached pack's). */
export interface KnownNeedles {
  readonly key: string;
  readonly needles: readonly Needle[];
}

/**
 * The key of an automaton over `needles`. When they begin with the very needle objects of `known`, its key
 * stands for those and only the needles after them are hashed.
 */
function cacheKey(needles: readonly Needle[], known: KnownNeedles | undefined): string | undefined {
  const code = builderFingerprint();
  if (code === null) return undefined;
  const hash = createHash("sha256").update(CACHE_FORMAT).update(code);
  let first = 0;
  if (
    known !== undefined &&
    known.needles.length <= needles.length &&
    known.needles.every((needle, index) => needles[index] === needle)
  ) {
    hash.update(`known ${known.key} ${known.needles.length}`);
    first = known.needles.length;
  }
  const rest = needles.slice(first);
  let total = 0;
  for (const needle of rest) total += 16 + 2 * needle.bytes.length;
  const packed = new Uint8Array(total);
  const view = new DataView(packed.buffer);
  let at = 0;
  for (const needle of rest) {
    view.setInt32(at, needle.id, true);
    view.setInt32(at + 4, needle.termId, true);
    view.setInt32(at + 8, needle.bytes.length, true);
    view.setInt32(at + 12, needle.encodings.length, true);
    packed.set(needle.bytes, at + 16);
    packed.set(needle.foldMask, at + 16 + needle.bytes.length);
    at += 16 + 2 * needle.bytes.length;
  }
  const encodings = rest.map((needle) => needle.encodings.join(",")).join(";");
  return hash.update(packed).update(encodings).digest("hex");
}

type StoredAutomaton = Omit<Automaton, "needles">;

/** The typed arrays an entry can hold, by name. */
const ARRAY_TYPES = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
} as const;
type ArrayType = keyof typeof ARRAY_TYPES;
type TypedArray = InstanceType<(typeof ARRAY_TYPES)[ArrayType]>;

interface Header {
  readonly key: string;
  /** Fields that are not typed arrays. */
  readonly values: Record<string, unknown>;
  /** Typed-array fields: where their bytes are in the data part. */
  readonly arrays: readonly { name: string; type: ArrayType; offset: number; length: number }[];
}

function align8(value: number): number {
  return (value + 7) & ~7;
}

/**
 * An entry is a header (its length in 4 bytes, then V8's serialization) followed, 8-byte aligned, by the raw
 * bytes of the typed arrays, which come back as views into the file's buffer: the 6-70 MB table is not
 * copied once more by the deserializer.
 */
function encodeEntry(key: string, automaton: Automaton): Uint8Array<ArrayBuffer> {
  const values: Record<string, unknown> = {};
  const arrays: Header["arrays"][number][] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(automaton)) {
    if (name === "needles") continue;
    if (!ArrayBuffer.isView(value)) {
      values[name] = value;
      continue;
    }
    const type = value.constructor.name;
    if (!(type in ARRAY_TYPES)) throw new Error(`cannot store a ${type}`);
    const array = value as TypedArray;
    arrays.push({ name, type: type as ArrayType, offset, length: array.length });
    parts.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    offset = align8(offset + array.byteLength);
  }
  const header = serialize({ key, values, arrays } satisfies Header);
  const base = align8(4 + header.length);
  const entry = new Uint8Array(base + offset);
  new DataView(entry.buffer).setUint32(0, header.length, true);
  entry.set(header, 4);
  arrays.forEach((array, index) => {
    entry.set(parts[index]!, base + array.offset);
  });
  return entry;
}

/** Where an entry's bytes come from: its length, and reads of exactly `into.length` bytes (false: too short). */
interface EntryBytes {
  readonly size: number;
  read(into: Uint8Array, position: number): boolean;
}

/**
 * The automaton an entry of `key` holds (see encodeEntry), or undefined (another key, damaged). Each array
 * is read into an array of its own, the transition table into `table(count)` when that gives one.
 */
function decodeEntry(
  key: string,
  entry: EntryBytes,
  table: (count: number) => Int32Array | undefined = () => undefined,
): StoredAutomaton | undefined {
  const length = new Uint8Array(4);
  if (!entry.read(length, 0)) return undefined;
  const headerLength = new DataView(length.buffer).getUint32(0, true);
  if (4 + headerLength > entry.size) return undefined;
  const headerBytes = new Uint8Array(headerLength);
  if (!entry.read(headerBytes, 4)) return undefined;
  const header = deserialize(headerBytes) as Header | null;
  if (header?.key !== key) return undefined;
  const base = align8(4 + headerLength);
  const fields: Record<string, unknown> = { ...header.values };
  for (const { name, type, offset, length: count } of header.arrays) {
    const Type = ARRAY_TYPES[type];
    const bytes = count * Type.BYTES_PER_ELEMENT;
    if (base + offset + bytes > entry.size) return undefined;
    const array: ArrayBufferView =
      (name === "transitions" && type === "Int32Array" ? table(count) : undefined) ?? new Type(count);
    if (!entry.read(new Uint8Array(array.buffer, array.byteOffset, bytes), base + offset)) return undefined;
    fields[name] = array;
  }
  return fields as unknown as StoredAutomaton;
}

/** An entry in memory (one just encoded, checked before it is written). */
function bytesOf(entry: Uint8Array): EntryBytes {
  return {
    size: entry.length,
    read(into, position) {
      if (position + into.length > entry.length) return false;
      into.set(entry.subarray(position, position + into.length));
      return true;
    },
  };
}

/**
 * The entry of `key` in the file at `path`, or undefined (none, another key, damaged). The transition table
 * is read straight into a kernel memory (see kernelTable), so the matcher needs no copy of it.
 */
function readEntry(path: string, key: string): StoredAutomaton | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const file: EntryBytes = {
      size: fstatSync(fd).size,
      read(into, position) {
        for (let filled = 0; filled < into.length;) {
          const got = readSync(fd, into, filled, into.length - filled, position + filled);
          if (got === 0) return false;
          filled += got;
        }
        return true;
      },
    };
    return decodeEntry(key, file, kernelTable);
  } catch {
    // A damaged entry: build again.
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `buildAutomaton(needles)`, read from `cacheDir` when it was built there before, else built and (when its
 * table is small enough) stored there. `known`: see cacheKey.
 */
export function cachedAutomaton(
  needles: readonly Needle[],
  cacheDir: string | undefined,
  known?: KnownNeedles,
): Automaton {
  const key = cacheDir === undefined ? undefined : cacheKey(needles, known);
  if (cacheDir === undefined || key === undefined) return buildAutomaton(needles);
  const stored = readEntry(entryPath(cacheDir, PREFIX, key), key);
  if (stored !== undefined) return { needles, ...stored };
  const automaton = buildAutomaton(needles);
  if (automaton.transitions.byteLength <= MAX_TABLE_BYTES) {
    try {
      const entry = encodeEntry(key, automaton);
      if (isDeepStrictEqual({ needles, ...decodeEntry(key, bytesOf(entry)) }, automaton))
        writeCacheEntry(cacheDir, PREFIX, key, entry, KEEP, KEEP_BYTES);
    } catch {
      // A field this cache cannot store: no cache.
    }
  }
  return automaton;
}
