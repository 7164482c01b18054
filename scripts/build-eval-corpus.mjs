#!/usr/bin/env node
// Builds the evaluation corpus: test/eval/{dev,holdout}/** → corpus/eval/{dev,holdout}/** (gitignored).
//   node scripts/build-eval-corpus.mjs [outDir]        (default: corpus/eval)
// The checked-in sources are readable UTF-8 text; the file name suffix says how a source is materialised:
//   NAME.gbk       → NAME, transcoded to GBK (as Chinese vendor headers ship)
//   NAME.big5      → NAME, transcoded to Big5 (traditional-Chinese variants)
//   NAME.utf16le   → NAME, transcoded to UTF-16LE with a BOM
//   NAME.src       → NAME, copied (used for .ts/.js/.json/.html so that tsc, ESLint and Prettier of this
//                    repo leave the samples alone)
//   NAME.strtab    → NAME, a binary built from the spec: header bytes, seeded random filler and string tables
//                    (see parseStrtab below)
//   anything else  → copied verbatim
// Deterministic: same bytes on every run. Checks that test/eval/expected.yaml names exactly the built files.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { concatBytes, createRng, encodeText, randomBytes } from "./build-sample-corpus.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const EVAL_SOURCE_DIR = resolve(HERE, "../test/eval");
export const EVAL_SPLITS = ["dev", "holdout"];

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

const TRANSCODE = { ".gbk": "gbk", ".big5": "big5" };

/** Maps one source file to { path (output, relative), bytes, kind }. */
export function materialise(sourcePath, relPath) {
  const text = () => readFileSync(sourcePath, "utf8");
  for (const [suffix, charset] of Object.entries(TRANSCODE)) {
    if (relPath.endsWith(suffix)) {
      return { path: relPath.slice(0, -suffix.length), bytes: encodeText(text(), charset), kind: charset };
    }
  }
  if (relPath.endsWith(".utf16le")) {
    const body = encodeText(text(), "utf-16le");
    return {
      path: relPath.slice(0, -".utf16le".length),
      bytes: concatBytes([new Uint8Array([0xff, 0xfe]), body]),
      kind: "utf-16le",
    };
  }
  if (relPath.endsWith(".src")) {
    return {
      path: relPath.slice(0, -".src".length),
      bytes: new Uint8Array(readFileSync(sourcePath)),
      kind: "text",
    };
  }
  if (relPath.endsWith(".strtab")) {
    return {
      path: relPath.slice(0, -".strtab".length),
      bytes: buildBinary(parseStrtab(text(), relPath)),
      kind: "binary",
    };
  }
  return { path: relPath, bytes: new Uint8Array(readFileSync(sourcePath)), kind: "text" };
}

// ---------------------------------------------------------------------------------------------------------
// String-table specs. Lines starting with "#" are comments, "%" lines are directives, other lines are strings
// of the current table (a literal "\n" / "\t" / "\0" inside a string is unescaped).
//   %format elf|pe|dotnet|class|macho|pyc|raw   header bytes written first (default raw)
//   %seed N                                 PRNG seed for the filler (default 1)
//   %pad N                                  N random bytes at this point
//   %table ENCODING SEPARATOR               starts a table; ENCODING utf-8|utf-16le|gb18030|big5;
//                                           SEPARATOR nul (C strings) | none (Go-style, back to back) |
//                                           u2len (Java class constant pool: tag 1 + big-endian u2 length) |
//                                           us (.NET #US heap: length byte, UTF-16LE, flag byte) |
//                                           marshal (CPython marshal short strings: 0xda, length byte) |
//                                           newline

export function parseStrtab(source, name) {
  const spec = { format: "raw", seed: 1, parts: [] };
  let table = null;
  for (const [index, raw] of source.split("\n").entries()) {
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("%")) {
      const [directive, ...args] = line.slice(1).trim().split(/\s+/);
      if (directive === "format") spec.format = args[0];
      else if (directive === "seed") spec.seed = Number(args[0]);
      else if (directive === "pad") {
        table = null;
        spec.parts.push({ pad: Number(args[0]) });
      } else if (directive === "table") {
        table = { encoding: args[0] ?? "utf-8", separator: args[1] ?? "nul", strings: [] };
        spec.parts.push({ table });
      } else throw new Error(`${name}:${index + 1}: unknown directive %${directive}`);
      continue;
    }
    if (table === null) throw new Error(`${name}:${index + 1}: string outside a %table`);
    table.strings.push(line.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\0/g, "\0"));
  }
  return spec;
}

function header(format, rng) {
  const ascii = (s) => encodeText(s, "utf-8");
  switch (format) {
    case "raw":
      return new Uint8Array(0);
    case "elf": {
      const h = new Uint8Array(64);
      h.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x3e, 0x00]);
      return h;
    }
    case "macho":
      return concatBytes([
        new Uint8Array([0xcf, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x01]),
        randomBytes(rng, 24),
      ]);
    case "pyc":
      // CPython 3.8 magic, flags, mtime, size, then a code object marker.
      return new Uint8Array([
        0x55, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0x8a, 0x5e, 0x3c, 0x65, 0x10, 0x09, 0, 0, 0xe3,
      ]);
    case "class":
      return new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x40]);
    case "pe":
    case "dotnet": {
      const dos = new Uint8Array(0x80);
      dos.set([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]);
      dos.set([0x80, 0x00, 0x00, 0x00], 0x3c);
      dos.set(ascii("This program cannot be run in DOS mode.\r\r\n$"), 0x4e);
      const pe = concatBytes([
        ascii("PE\0\0"),
        new Uint8Array([0x4c, 0x01, 0x03, 0x00]),
        randomBytes(rng, 240),
      ]);
      if (format === "pe") return concatBytes([dos, pe]);
      // CLI metadata root: "BSJB" signature and version string, as in every .NET assembly.
      const meta = concatBytes([
        ascii("BSJB"),
        new Uint8Array([1, 0, 1, 0, 0, 0, 0, 0, 12, 0, 0, 0]),
        ascii("v4.0.30319\0\0"),
      ]);
      return concatBytes([dos, pe, randomBytes(rng, 512), meta]);
    }
    default:
      throw new Error(`unknown %format ${format}`);
  }
}

function encodeTable({ encoding, separator, strings }) {
  const parts = [];
  for (const s of strings) {
    const body = encodeText(s, encoding);
    switch (separator) {
      case "nul":
        parts.push(body, encoding === "utf-16le" ? new Uint8Array(2) : new Uint8Array(1));
        break;
      case "none":
        parts.push(body);
        break;
      case "newline":
        parts.push(body, encodeText("\n", encoding));
        break;
      case "u2len":
        parts.push(new Uint8Array([0x01, body.length >> 8, body.length & 0xff]), body);
        break;
      case "marshal":
        // CPython marshal: short ASCII interned string with the ref flag, one length byte.
        if (body.length > 0xff) throw new Error(`marshal short string too long: ${s}`);
        parts.push(new Uint8Array([0xda, body.length]), body);
        break;
      case "us":
        if (body.length + 1 > 0x7f) throw new Error(`#US string too long for a one-byte length: ${s}`);
        parts.push(new Uint8Array([body.length + 1]), body, new Uint8Array([0]));
        break;
      default:
        throw new Error(`unknown table separator ${separator}`);
    }
  }
  return concatBytes(parts);
}

export function buildBinary(spec) {
  const rng = createRng(spec.seed);
  const parts = [header(spec.format, rng)];
  for (const part of spec.parts) {
    if ("pad" in part) {
      parts.push(randomBytes(rng, part.pad));
      continue;
    }
    // Tables start 4-byte aligned, as sections and resources do (UTF-16 strings sit on even offsets).
    const length = parts.reduce((n, p) => n + p.length, 0);
    if (length % 4 !== 0) parts.push(randomBytes(rng, 4 - (length % 4)));
    parts.push(encodeTable(part.table));
  }
  return concatBytes(parts);
}

// ---------------------------------------------------------------------------------------------------------

/** Reads test/eval/expected.yaml: { files: { "<split>/<path>": { expect: "none" | [{category, basis, term,
 *  optional?}], note } } }. Optional entries are tolerated readings, not required. */
export function loadExpectations(sourceDir = EVAL_SOURCE_DIR) {
  const doc = parseYaml(readFileSync(join(sourceDir, "expected.yaml"), "utf8"));
  const files = doc?.files ?? {};
  const out = new Map();
  for (const [path, entry] of Object.entries(files)) {
    const split = path.split("/")[0];
    if (!EVAL_SPLITS.includes(split))
      throw new Error(`expected.yaml: ${path}: must start with dev/ or holdout/`);
    const expect = entry?.expect;
    if (expect !== "none" && !(Array.isArray(expect) && expect.length > 0)) {
      throw new Error(`expected.yaml: ${path}: expect must be "none" or a non-empty list`);
    }
    const findings = expect === "none" ? [] : expect;
    for (const f of findings) {
      if (typeof f?.category !== "string" || typeof f?.basis !== "string" || typeof f?.term !== "string") {
        throw new Error(`expected.yaml: ${path}: each expectation needs category, basis and term`);
      }
    }
    const required = findings.filter((f) => f.optional !== true);
    if (findings.length > 0 && required.length === 0) {
      throw new Error(`expected.yaml: ${path}: at least one expectation must be required (not optional)`);
    }
    const strip = ({ category, basis, term }) => ({ category, basis, term });
    out.set(path, {
      path,
      split,
      expected: required.map(strip),
      optional: findings.filter((f) => f.optional === true).map(strip),
      note: entry?.note ?? "",
    });
  }
  return out;
}

/** Builds corpus/eval and returns the list of built files with their expectations. */
export function buildEvalCorpus(outDir, sourceDir = EVAL_SOURCE_DIR) {
  const expectations = loadExpectations(sourceDir);
  rmSync(outDir, { recursive: true, force: true });
  const built = [];
  for (const split of EVAL_SPLITS) {
    const splitDir = join(sourceDir, split);
    for (const file of listFiles(splitDir)) {
      const rel = relative(sourceDir, file).split(sep).join("/");
      const item = materialise(file, rel);
      const target = join(outDir, item.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, item.bytes);
      built.push({ ...item, source: rel });
    }
  }
  const builtPaths = new Set(built.map((b) => b.path));
  const problems = [];
  if (builtPaths.size !== built.length) problems.push("two sources materialise to the same path");
  for (const b of built)
    if (!expectations.has(b.path)) problems.push(`no expectation for ${b.path} (from ${b.source})`);
  for (const path of expectations.keys())
    if (!builtPaths.has(path)) problems.push(`expectation for missing file ${path}`);
  if (problems.length > 0) throw new Error(`eval corpus is inconsistent:\n  ${problems.join("\n  ")}`);
  return built.map((b) => ({ ...b, ...expectations.get(b.path), bytes: undefined, size: b.bytes.length }));
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outDir = resolve(process.argv[2] ?? "corpus/eval");
  const files = buildEvalCorpus(outDir);
  const summary = (split) => {
    const inSplit = files.filter((f) => f.split === split);
    const positives = inSplit.filter((f) => f.expected.length > 0).length;
    return `${split}: ${positives} positive, ${inSplit.length - positives} negative`;
  };
  process.stdout.write(
    `eval corpus: ${files.length} files (${EVAL_SPLITS.map(summary).join("; ")}) -> ${outDir}\n`,
  );
}
