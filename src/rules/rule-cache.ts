import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
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

let codeFingerprint: string | null | undefined;

/**
 * A hash of the modules whose output is cached, the rule schema and the parser libraries' versions; null when
 * one cannot be read (no cache then).
 */
function fingerprint(): string | null {
  if (codeFingerprint !== undefined) return codeFingerprint;
  try {
    const here = import.meta.url;
    // Built (.js) or run from sources (.ts): the sibling modules carry the same extension.
    const extension = extname(fileURLToPath(here));
    const modules = [
      "./loader",
      "./parse-rule",
      "./rule-cache",
      "./compile",
      "../match/needles",
      "../model/encoding",
      "../analyze/tokenizer",
    ];
    const hash = createHash("sha256").update(CACHE_FORMAT);
    for (const module of modules) hash.update(readFileSync(new URL(`${module}${extension}`, here)));
    hash.update(readFileSync(new URL("../../schema/rule.schema.json", here)));
    const require = createRequire(here);
    for (const name of ["yaml", "ajv", "iconv-lite"]) hash.update(packageVersion(require, name));
    // The entry is in V8's serialization format.
    hash.update(`v8@${cachedDataVersionTag()}`);
    codeFingerprint = hash.digest("hex");
  } catch {
    codeFingerprint = null;
  }
  return codeFingerprint;
}

/** The `version` of an installed package, found from its resolved entry point. */
function packageVersion(require: NodeJS.Require, name: string): string {
  let folder = dirname(require.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name) return `${name}@${manifest.version ?? "?"}`;
    } catch {
      // No package.json at this level.
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no package.json for ${name}`);
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

function entryPath(directory: string, key: string): string {
  return join(directory, `${PREFIX}${key}.bin`);
}

/** The cached pack for `key`, or undefined (missing, unreadable or not ours). */
export function readRuleCache(directory: string, key: string): CompiledRulePack | undefined {
  try {
    // Synchronous: the scan waits for the pack anyway, and an asynchronous read costs more than it takes.
    const entry = deserialize(readFileSync(entryPath(directory, key))) as StoredEntry | null;
    return entry?.key === key ? restore(entry) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stores the compiled pack under `key` in V8's structured-clone format (typed arrays and sets included), unless
 * it would not come back exactly as it is. Never throws: a cache that cannot be written only costs time.
 */
export async function writeRuleCache(directory: string, key: string, pack: CompiledRulePack): Promise<void> {
  try {
    const bytes = serialize(store(key, pack));
    if (!isDeepStrictEqual(restore(deserialize(bytes) as StoredEntry), pack)) return;
    await mkdir(directory, { recursive: true });
    const final = entryPath(directory, key);
    const temporary = `${final}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, final);
    await evictOldEntries(directory);
  } catch {
    // Read-only or full disk, or a pack holding something V8 cannot serialize: scan without a cache.
  }
}

async function evictOldEntries(directory: string): Promise<void> {
  const names = (await readdir(directory)).filter((name) => name.startsWith(PREFIX));
  if (names.length <= MAX_ENTRIES) return;
  const dated = await Promise.all(
    names.map(async (name) => {
      try {
        return { name, time: (await stat(join(directory, name))).mtimeMs };
      } catch {
        return { name, time: 0 };
      }
    }),
  );
  dated.sort((a, b) => b.time - a.time);
  await Promise.all(dated.slice(MAX_ENTRIES).map(({ name }) => rm(join(directory, name), { force: true })));
}
