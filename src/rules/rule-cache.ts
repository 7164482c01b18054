import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import type { Encoding } from "../model/encoding.js";
import type { Rule } from "../model/rule.js";
import type { Needle } from "../match/needles.js";

/**
 * A cache of parsed rule packs, so that a scan does not parse YAML, compile the JSON schema and encode every
 * term in five charsets each time it starts (~250 ms for the bundled pack, against ~5 ms to read the cache).
 *
 * An entry is found by a key over everything its content depends on: the rule files (where they were
 * found, their names and their exact text), the code that parses, validates and encodes them, the rule
 * schema and the versions of yaml, ajv and iconv-lite. Any change gives a new key; a malformed pack is never
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

export interface CachedRules {
  readonly rules: readonly Rule[];
  readonly needles: readonly Needle[];
}

interface StoredNeedle {
  readonly termId: number;
  readonly encodings: readonly Encoding[];
  readonly bytes: string;
  readonly foldMask: string;
}

interface StoredEntry {
  readonly key: string;
  readonly rules: readonly Rule[];
  readonly needles: readonly StoredNeedle[];
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
    const modules = ["./loader", "./parse-rule", "./rule-cache", "../match/needles", "../model/encoding"];
    const hash = createHash("sha256").update(CACHE_FORMAT);
    for (const module of modules) hash.update(readFileSync(new URL(`${module}${extension}`, here)));
    hash.update(readFileSync(new URL("../../schema/rule.schema.json", here)));
    const require = createRequire(here);
    for (const name of ["yaml", "ajv", "iconv-lite"]) hash.update(packageVersion(require, name));
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
  return join(directory, `${PREFIX}${key}.json`);
}

function fromBase64(text: string): Uint8Array {
  const buffer = Buffer.from(text, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The cached rules and needles for `key`, or undefined (missing, unreadable or not ours). */
export async function readRuleCache(directory: string, key: string): Promise<CachedRules | undefined> {
  let entry: StoredEntry;
  try {
    entry = JSON.parse(await readFile(entryPath(directory, key), "utf8")) as StoredEntry;
  } catch {
    return undefined;
  }
  const { rules, needles }: Partial<StoredEntry> = entry;
  if (entry.key !== key || !Array.isArray(rules) || !Array.isArray(needles)) return undefined;
  return {
    rules,
    needles: needles.map((needle: StoredNeedle, id) => ({
      id,
      termId: needle.termId,
      encodings: needle.encodings,
      bytes: fromBase64(needle.bytes),
      foldMask: fromBase64(needle.foldMask),
    })),
  };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Stores the rules and needles under `key`. Rules that would not come back from JSON exactly as they are
 * are not stored. Never throws: a cache that cannot be written only costs time.
 */
export async function writeRuleCache(directory: string, key: string, content: CachedRules): Promise<void> {
  try {
    const text = JSON.stringify({
      key,
      rules: content.rules,
      needles: content.needles.map((needle) => ({
        termId: needle.termId,
        encodings: needle.encodings,
        bytes: toBase64(needle.bytes),
        foldMask: toBase64(needle.foldMask),
      })),
    } satisfies StoredEntry);
    if (!isDeepStrictEqual((JSON.parse(text) as StoredEntry).rules, content.rules)) return;
    await mkdir(directory, { recursive: true });
    const final = entryPath(directory, key);
    const temporary = `${final}.${randomUUID()}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, final);
    await evictOldEntries(directory);
  } catch {
    // Read-only or full disk: scan without a cache.
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
