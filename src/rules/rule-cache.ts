import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { cachedDataVersionTag, deserialize, serialize } from "node:v8";
import type { Needle } from "../match/needles.js";
import { assembleRulePack, type CompiledRulePack, type RulePackParts } from "./compile.js";

/**
 * A cache of compiled rule packs, so that a scan does not parse YAML, compile the JSON schema and encode
 * every term in five charsets each time it starts (~300 ms for the bundled pack, against ~5 ms to read the
 * cache and compile the conditions again).
 *
 * An entry is found by a key over everything its content depends on: the rule files (where they were
 * found, their names and their exact text), the code that parses, validates and compiles them, the rule
 * schema, the versions of yaml, ajv and iconv-lite, and V8's. Any change gives a new key; a malformed pack is never
 * cached (it is parsed again and its errors reported as always). Entries are written to a temporary name and
 * renamed, so a reader sees a whole entry or none; the newest MAX_ENTRIES are kept.
 */

/** Bump when the entry layout changes. */
const CACHE_FORMAT = "custodiet-rule-cache/1";
const MAX_ENTRIES = 16;
const PREFIX = "rules-";

/** One rule file as the loader read it. */
export interface RuleSourceText {
  readonly display: string;
  readonly absolute: string;
  readonly text: string;
}

/** The pack without its conditions, with the needles' bytes packed into three arrays (see `store`). */
interface StoredEntry {
  readonly key: string;
  readonly parts: Omit<RulePackParts, "needles">;
  readonly needles: readonly Pick<Needle, "termId" | "encodings">[];
  readonly bytes: Uint8Array;
  readonly foldMasks: Uint8Array;
  readonly ends: Int32Array;
}

/**
 * Thousands of small typed arrays deserialize slowly (each goes through JavaScript in Node's deserializer),
 * so every needle's bytes and fold mask go into one array each, and come back as views into it.
 */
function store(key: string, pack: CompiledRulePack): StoredEntry {
  const { rules, hash, terms, needles } = pack;
  const total = needles.reduce((sum, needle) => sum + needle.bytes.length, 0);
  const bytes = new Uint8Array(total);
  const foldMasks = new Uint8Array(total);
  const ends = new Int32Array(needles.length);
  let at = 0;
  needles.forEach((needle, index) => {
    bytes.set(needle.bytes, at);
    foldMasks.set(needle.foldMask, at);
    at += needle.bytes.length;
    ends[index] = at;
  });
  return {
    key,
    parts: { rules, hash, terms },
    needles: needles.map(({ termId, encodings }) => ({ termId, encodings })),
    bytes,
    foldMasks,
    ends,
  };
}

function restore(entry: StoredEntry): CompiledRulePack {
  let start = 0;
  const needles = entry.needles.map((needle, id): Needle => {
    const end = entry.ends[id]!;
    const restored = {
      id,
      termId: needle.termId,
      encodings: needle.encodings,
      bytes: entry.bytes.subarray(start, end),
      foldMask: entry.foldMasks.subarray(start, end),
    };
    start = end;
    return restored;
  });
  const { rules, hash, terms } = entry.parts;
  return assembleRulePack({ rules, needles, hash, terms });
}

/**
 * A hash of the given modules' code, addressed relative to `base` (a module URL) without extension: the
 * extension of `base` is used, so it works built (.js) and from sources (.ts). Throws when one is missing.
 */
export function codeFingerprint(base: string, modules: readonly string[]): string {
  const extension = extname(fileURLToPath(base));
  const hash = createHash("sha256");
  for (const module of modules) hash.update(readFileSync(new URL(`${module}${extension}`, base)));
  // Entries are in V8's serialization format.
  return hash.update(`v8@${cachedDataVersionTag()}`).digest("hex");
}

let packFingerprint: string | null | undefined;

/**
 * A hash of the modules whose output is cached, the rule schema and the parser libraries' versions; null when
 * one cannot be read (no cache then).
 */
function fingerprint(): string | null {
  if (packFingerprint !== undefined) return packFingerprint;
  try {
    const here = import.meta.url;
    const modules = [
      "./loader",
      "./parse-rule",
      "./rule-cache",
      "./compile",
      "../match/needles",
      "../model/encoding",
      "../analyze/tokenizer",
    ];
    const hash = createHash("sha256").update(CACHE_FORMAT).update(codeFingerprint(here, modules));
    hash.update(readFileSync(new URL("../../schema/rule.schema.json", here)));
    for (const name of ["yaml", "ajv", "iconv-lite"]) hash.update(packageVersion(name));
    packFingerprint = hash.digest("hex");
  } catch {
    packFingerprint = null;
  }
  return packFingerprint;
}

/**
 * The `version` of an installed package, looked up the way Node resolves it from here (the nearest
 * node_modules folder holding it). Cheaper than require.resolve, which also resolves symbolic links.
 */
function packageVersion(name: string): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(
        readFileSync(join(folder, "node_modules", name, "package.json"), "utf8"),
      ) as { version?: string };
      return `${name}@${manifest.version ?? "?"}`;
    } catch {
      // Not installed at this level.
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`${name} is not installed`);
    folder = parent;
  }
}

/** The cache key of a set of rule files (in load order), or undefined when caching is not possible. */
export function ruleCacheKey(sources: readonly RuleSourceText[]): string | undefined {
  const code = fingerprint();
  if (code === null) return undefined;
  const hash = createHash("sha256").update(code);
  for (const source of sources) {
    // Lengths first, so no two different lists hash the same text.
    for (const part of [source.display, source.absolute, source.text])
      hash.update(`${Buffer.byteLength(part)}:`).update(part);
  }
  return hash.digest("hex");
}

/** Where the entry of `key` is (or would be) kept. */
export function entryPath(directory: string, prefix: string, key: string): string {
  return join(directory, `${prefix}${key}.bin`);
}

/** A cache entry's bytes, or undefined. Synchronous: the scan waits for it, and a read costs ~1 ms. */
export function readCacheEntry(directory: string, prefix: string, key: string): Buffer | undefined {
  try {
    return readFileSync(entryPath(directory, prefix, key));
  } catch {
    return undefined;
  }
}

/**
 * Makes a folder and its missing parents one level at a time. Node's `mkdirSync(…, { recursive: true })`
 * never returns for some paths (under /proc it loops on ENOENT), and a cache folder comes from the user.
 */
function makeFolder(folder: string): void {
  const missing: string[] = [];
  for (let current = folder; ;) {
    try {
      if (statSync(current).isDirectory()) break;
      throw new Error(`${current} is not a folder`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Writes a cache entry under a temporary name and renames it, so that a reader sees a whole entry or none;
 * then removes the oldest entries with the same prefix beyond `keep` (or `keepBytes`). Synchronous (it happens once per new
 * entry, and then nothing is left running when the scan ends). Never throws: a cache that cannot be written
 * only costs time.
 */
export function writeCacheEntry(
  directory: string,
  prefix: string,
  key: string,
  bytes: Uint8Array,
  keep: number,
  keepBytes = Number.POSITIVE_INFINITY,
): void {
  try {
    makeFolder(directory);
    const final = entryPath(directory, prefix, key);
    const temporary = `${final}.${randomUUID()}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, final);
    evictOldEntries(directory, prefix, keep, keepBytes);
  } catch {
    // Read-only or full disk: scan without a cache.
  }
}

/**
 * Keeps the `keep` newest entries of `prefix`, fewer when together they would pass `keepBytes` (the newest
 * is always kept).
 */
export function evictOldEntries(directory: string, prefix: string, keep: number, keepBytes: number): void {
  const names = readdirSync(directory).filter((name) => name.startsWith(prefix));
  const dated = names.map((name) => {
    try {
      const stat = statSync(join(directory, name));
      return { name, time: stat.mtimeMs, size: stat.size };
    } catch {
      return { name, time: 0, size: 0 };
    }
  });
  dated.sort((a, b) => b.time - a.time);
  let total = 0;
  dated.forEach(({ name, size }, index) => {
    total += size;
    if (index > 0 && (index >= keep || total > keepBytes)) rmSync(join(directory, name), { force: true });
  });
}

/** The cached pack for `key`, or undefined (missing, unreadable or not ours). */
export function readRuleCache(directory: string, key: string): CompiledRulePack | undefined {
  const bytes = readCacheEntry(directory, PREFIX, key);
  if (bytes === undefined) return undefined;
  try {
    const entry = deserialize(bytes) as StoredEntry | null;
    return entry?.key === key ? remember(restore(entry), directory, key) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stores the compiled pack under `key` in V8's structured-clone format, unless it would not come back
 * exactly as it is (then it is only remembered as cacheable, see `packCache`).
 */
export function writeRuleCache(directory: string, key: string, pack: CompiledRulePack): void {
  remember(pack, directory, key);
  let bytes: Uint8Array;
  try {
    bytes = serialize(store(key, pack));
    if (!isDeepStrictEqual(restore(deserialize(bytes) as StoredEntry), pack)) return;
  } catch {
    return; // something V8 cannot serialize
  }
  writeCacheEntry(directory, PREFIX, key, bytes, MAX_ENTRIES);
}

/** Where a pack loaded with a cache folder is cached, and its key there. */
export interface PackCache {
  readonly directory: string;
  /** Stands for the pack's whole content (its rules and the code that compiled them). */
  readonly key: string;
}

const packCaches = new WeakMap<CompiledRulePack, PackCache>();

function remember(pack: CompiledRulePack, directory: string, key: string): CompiledRulePack {
  packCaches.set(pack, { directory, key });
  return pack;
}

/**
 * The cache a pack was loaded with (`loadRulePack({ cacheDir })`), where what is built from the pack (its
 * automaton) may be cached too; undefined for packs loaded or compiled without one.
 */
export function packCache(pack: CompiledRulePack): PackCache | undefined {
  return packCaches.get(pack);
}
