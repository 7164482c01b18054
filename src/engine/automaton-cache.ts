import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { deserialize, serialize } from "node:v8";
import { buildAutomaton, type Automaton } from "../match/automaton.js";
import type { Needle } from "../match/needles.js";
import { codeFingerprint, readCacheEntry, writeCacheEntry } from "../rules/rule-cache.js";

/**
 * Automata built before, kept beside the rule pack cache: filling the transition table costs ~20 ms for the
 * bundled pack and ~30 ms for 300 terms, against ~3 ms to read it back. The key covers every needle (ids,
 * bytes, fold masks, encodings) and the code that builds the automaton, so a change to either — or to the
 * carving signatures that join the rule needles — gives a new entry.
 *
 * Only tables up to MAX_TABLE_BYTES are kept: a table read back is copied into the matcher's WebAssembly
 * memory once more, where a freshly built one is built in place, so a big table would cost its size again
 * in memory (73 MB for 3,000 terms).
 */

/** Bump when the entry layout changes. */
const CACHE_FORMAT = "custodiet-automaton-cache/1";
const PREFIX = "automaton-";
const KEEP = 4;
const MAX_TABLE_BYTES = 32 << 20;

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

function cacheKey(needles: readonly Needle[]): string | undefined {
  const code = builderFingerprint();
  if (code === null) return undefined;
  let total = 0;
  for (const needle of needles) total += 16 + 2 * needle.bytes.length;
  const packed = new Uint8Array(total);
  const view = new DataView(packed.buffer);
  let at = 0;
  for (const needle of needles) {
    view.setInt32(at, needle.id, true);
    view.setInt32(at + 4, needle.termId, true);
    view.setInt32(at + 8, needle.bytes.length, true);
    view.setInt32(at + 12, needle.encodings.length, true);
    packed.set(needle.bytes, at + 16);
    packed.set(needle.foldMask, at + 16 + needle.bytes.length);
    at += 16 + 2 * needle.bytes.length;
  }
  const encodings = needles.map((needle) => needle.encodings.join(",")).join(";");
  return createHash("sha256")
    .update(CACHE_FORMAT)
    .update(code)
    .update(packed)
    .update(encodings)
    .digest("hex");
}

type StoredAutomaton = Omit<Automaton, "needles">;

interface StoredEntry {
  readonly key: string;
  readonly automaton: StoredAutomaton;
}

/** The automaton's own fields, typed arrays copied out of whatever larger buffer they view. */
function storable(automaton: Automaton): StoredAutomaton {
  return Object.fromEntries(
    Object.entries(automaton)
      .filter(([name]) => name !== "needles")
      .map(([name, value]) => [name, ArrayBuffer.isView(value) ? (value as Uint8Array).slice() : value]),
  ) as unknown as StoredAutomaton;
}

/**
 * `buildAutomaton(needles)`, read from `cacheDir` when it was built there before, else built and (when its
 * table is small enough) stored there.
 */
export function cachedAutomaton(needles: readonly Needle[], cacheDir: string | undefined): Automaton {
  const key = cacheDir === undefined ? undefined : cacheKey(needles);
  if (cacheDir === undefined || key === undefined) return buildAutomaton(needles);
  const bytes = readCacheEntry(cacheDir, PREFIX, key);
  if (bytes !== undefined) {
    try {
      const entry = deserialize(bytes) as StoredEntry | null;
      if (entry?.key === key) return { needles, ...entry.automaton };
    } catch {
      // A damaged entry: build again.
    }
  }
  const automaton = buildAutomaton(needles);
  if (automaton.transitions.byteLength <= MAX_TABLE_BYTES) {
    try {
      const stored = storable(automaton);
      const serialized = serialize({ key, automaton: stored } satisfies StoredEntry);
      const back = (deserialize(serialized) as StoredEntry).automaton;
      if (isDeepStrictEqual({ needles, ...back }, automaton))
        writeCacheEntry(cacheDir, PREFIX, key, serialized, KEEP);
    } catch {
      // Something V8 cannot serialize: no cache.
    }
  }
  return automaton;
}
