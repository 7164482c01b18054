// Synchronous reads: a pack is a few dozen small files read before a scan starts, and each asynchronous read
// costs a round trip through the thread pool (~15 ms for the bundled pack, against ~2 ms).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Rule } from "../model/rule.js";
import { compileRulePack, type CompiledRulePack } from "./compile.js";
import { parseRuleText } from "./parse-rule.js";
import { readRuleCache, ruleCacheKey, writeRuleCache } from "./rule-cache.js";
import { RuleError, type RuleProblem } from "./rule-error.js";

/** The bundled pack: <package root>/rules, two levels above this file in src/rules and in dist/rules. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL("../../rules/", import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LoadRulesOptions {
  /** Extra rule files or folders (searched recursively for *.yaml and *.yml). */
  readonly paths?: readonly string[];
  /** Include the bundled pack (default true). */
  readonly builtin?: boolean;
  /** A folder for the parsed-pack cache (`loadRulePack` only); no cache when absent. */
  readonly cacheDir?: string;
}

function isRuleFile(name: string): boolean {
  const extension = extname(name).toLowerCase();
  return extension === ".yaml" || extension === ".yml";
}

function listRuleFiles(directory: string): string[] {
  const entries = readdirSync(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...listRuleFiles(path));
    else if (entry.isFile() && isRuleFile(entry.name)) files.push(path);
  }
  return files;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

interface RuleFile {
  /** Where to read it. */
  readonly path: string;
  /** How to name it in messages. */
  readonly display: string;
}

function ruleFiles(options: LoadRulesOptions): { files: RuleFile[]; problems: RuleProblem[] } {
  const files: RuleFile[] = [];
  const problems: RuleProblem[] = [];
  if (options.builtin ?? true) {
    const bundled = exists(BUILTIN_RULES_DIR) ? listRuleFiles(BUILTIN_RULES_DIR) : [];
    for (const path of bundled) {
      files.push({ path, display: relative(PACKAGE_ROOT, path).split("\\").join("/") });
    }
    // A scan without the bundled pack would find nothing and say so as if it had looked.
    if (bundled.length === 0)
      problems.push({
        code: "unreadable",
        file: BUILTIN_RULES_DIR,
        line: 0,
        detail:
          "the bundled rule pack is not there (an incomplete installation of custodiet?); to scan with your own rules alone, leave it out (--no-builtin-rules)",
      });
  }
  for (const given of options.paths ?? []) {
    let info;
    try {
      info = statSync(given);
    } catch (error) {
      problems.push({
        code: "unreadable",
        file: given,
        line: 0,
        detail: `cannot read rule path (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      });
      continue;
    }
    if (info.isDirectory()) {
      for (const path of listRuleFiles(given)) files.push({ path, display: path.split("\\").join("/") });
    } else files.push({ path: given, display: given.split("\\").join("/") });
  }
  return { files, problems };
}

/** A rule file's text, or why it could not be read. */
type ReadRuleFile = RuleFile & { readonly absolute: string } & (
    { readonly text: string } | { readonly problem: RuleProblem }
  );

/** Lists and reads the rule files, in load order; the same file named twice is read once. */
function readRuleFiles(options: LoadRulesOptions): { files: ReadRuleFile[]; problems: RuleProblem[] } {
  const { files, problems } = ruleFiles(options);
  const seenPaths = new Set<string>();
  const unique: (RuleFile & { absolute: string })[] = [];
  for (const file of files) {
    const absolute = resolve(file.path);
    if (seenPaths.has(absolute)) continue; // the same file named twice (e.g. the bundled folder given as a path)
    seenPaths.add(absolute);
    unique.push({ ...file, absolute });
  }
  const read = unique.map((file): ReadRuleFile => {
    try {
      return { ...file, text: readFileSync(file.path, "utf8") };
    } catch (error) {
      return {
        ...file,
        problem: {
          code: "unreadable",
          file: file.display,
          line: 0,
          detail: `cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        },
      };
    }
  });
  return { files: read, problems };
}

/** Parses and validates read rule files; throws one RuleError listing every problem. Sorted by id. */
function parseRuleFiles(files: readonly ReadRuleFile[], problems: RuleProblem[]): Rule[] {
  const rules: Rule[] = [];
  const seen = new Map<string, Rule>();
  for (const file of files) {
    if ("problem" in file) {
      problems.push(file.problem);
      continue;
    }
    const { text } = file;
    const expectedId = basename(file.path, extname(file.path));
    const result = parseRuleText(text, file.display, expectedId);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const previous = seen.get(result.rule.id);
    if (previous) {
      problems.push({
        code: "duplicate-id",
        file: file.display,
        line: idLine(text),
        detail: `duplicate id "${result.rule.id}" (also in ${previous.origin.file})`,
      });
      continue;
    }
    seen.set(result.rule.id, result.rule);
    rules.push(result.rule);
  }
  if (problems.length > 0) throw new RuleError(problems);
  return rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Reads, parses and validates rule files; throws one RuleError listing every problem. Sorted by id. */
export function loadRules(options: LoadRulesOptions = {}): Promise<Rule[]> {
  // Asynchronous for callers, though the reads are not (see the imports); errors arrive as rejections.
  return new Promise((resolve) => {
    const { files, problems } = readRuleFiles(options);
    resolve(parseRuleFiles(files, problems));
  });
}

function idLine(text: string): number {
  const lines = text.split("\n");
  const index = lines.findIndex((line) => /^id\s*:/.test(line));
  return index === -1 ? 1 : index + 1;
}

/**
 * Loads the bundled pack (unless `builtin: false`) plus the given rule files or folders, and compiles it.
 * With `cacheDir`, a pack already compiled from the very same files is taken from the cache (rule-cache.ts).
 */
export function loadRulePack(options: LoadRulesOptions = {}): Promise<CompiledRulePack> {
  // Asynchronous for callers, as loadRules; errors arrive as rejections.
  return new Promise((resolve) => {
    resolve(loadRulePackNow(options));
  });
}

function loadRulePackNow(options: LoadRulesOptions): CompiledRulePack {
  const { files, problems } = readRuleFiles(options);
  const cacheDir = options.cacheDir;
  const sources =
    cacheDir === undefined || problems.length > 0 || files.some((file) => "problem" in file)
      ? undefined
      : (files as readonly (ReadRuleFile & { text: string })[]);
  const key = sources && ruleCacheKey(sources);
  if (cacheDir !== undefined && key !== undefined) {
    const cached = readRuleCache(cacheDir, key);
    if (cached !== undefined) return cached;
  }
  const pack = compileRulePack(parseRuleFiles(files, problems));
  if (cacheDir !== undefined && key !== undefined) writeRuleCache(cacheDir, key, pack);
  return pack;
}
