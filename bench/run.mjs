// npm run bench: custodiet end to end against ripgrep and YARA on the same byte needles, over a deterministic
// mixed corpus with planted needles; plus where the time goes, scaling with rule count and corpus size, and
// peak memory on one large file. Results are printed and written to bench/out/results.json.
//
//   node bench/run.mjs [--size-mb 1024] [--runs 3] [--terms 30,300,3000] [--sizes 256,1024,4096]
//                      [--memory-mb 4096] [--no-peers] [--peer-threads 1,2] [--no-install]
//
// Plain ESM against dist/ (npm run bench builds first). Timings are wall-clock medians of --runs runs with a
// warm page cache (one untimed run first); CPU seconds (user + sys, from GNU time) are reported beside them
// because other work on the machine inflates wall time but not CPU time.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
} from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateCorpus } from "./corpus.mjs";
import { syntheticTerms, SEED_TERMS } from "./terms.mjs";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const OUT = join(ROOT, "bench/out");
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const list = (text) => (text ? text.split(",").filter(Boolean).map(Number) : []);
const options = {
  sizeMb: Number(flag("--size-mb", "1024")),
  runs: Number(flag("--runs", "3")),
  terms: list(flag("--terms", "30,300,3000")),
  sizes: list(flag("--sizes", "")),
  memoryMb: Number(flag("--memory-mb", "0")),
  peers: !args.includes("--no-peers"),
  // ripgrep and YARA are 10-20x slower than custodiet on this work: one thread by default.
  peerThreads: list(flag("--peer-threads", "1")),
  install: !args.includes("--no-install"),
};
const MAIN_TERMS = 300;
mkdirSync(OUT, { recursive: true });
// A private copy of the built package (dist/ plus the files it reads beside it): a rebuild by someone else
// during the run must not change what is measured.
const PACKAGE = join(OUT, "package");
const DIST = join(PACKAGE, "dist");
rmSync(PACKAGE, { recursive: true, force: true });
for (const part of ["dist", "schema", "rules", "package.json"]) {
  if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(PACKAGE, part), { recursive: true });
}
const distUrl = (path) => pathToFileURL(join(DIST, path)).href;

function log(...parts) {
  console.log(...parts);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function sh(command, commandArgs, extra = {}) {
  return spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 1 << 30, ...extra });
}

function machine() {
  const lscpu = sh("lscpu", []).stdout ?? "";
  const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, "m").exec(lscpu)?.[1]?.trim();
  return {
    cpu: field("Model name") ?? cpus()[0]?.model,
    cores: cpus().length,
    nproc: Number(sh("nproc", []).stdout.trim()),
    l2: field("L2 cache"),
    l3: field("L3 cache"),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    rg: sh("rg", ["--version"]).stdout?.split("\n")[0] ?? null,
    yara: sh("yara", ["--version"]).stdout?.trim() ?? null,
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  };
}

function ensurePeers() {
  const missing = ["rg", "yara"].filter((tool) => sh(tool, ["--version"]).status !== 0);
  if (missing.length === 0 || !options.install) return;
  if (process.getuid?.() !== 0) {
    log(`note: ${missing.join(", ")} missing and not root; install ripgrep and yara to compare`);
    return;
  }
  log(`installing ${missing.join(", ")} (apt-get install -y ripgrep yara)`);
  sh("apt-get", ["update", "-qq"], { stdio: "inherit" });
  sh("apt-get", ["install", "-y", "-qq", "ripgrep", "yara"], { stdio: "inherit" });
}

/** Synthetic rule files holding `count` terms, 100 per file, each term a pattern with no context condition. */
function writeRules(count) {
  const dir = join(OUT, `rules-${count}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const terms = syntheticTerms(count);
  for (let start = 0, file = 0; start < terms.length; start += 100, file++) {
    const slice = terms.slice(start, start + 100);
    const id = `bench-terms-${String(file).padStart(3, "0")}`;
    const patterns = [];
    for (const insensitive of [false, true]) {
      const group = slice.filter((term) => term.caseInsensitive === insensitive);
      if (group.length === 0) continue;
      patterns.push(
        `  - message: term\n    case: ${insensitive ? "insensitive" : "sensitive"}\n    boundary: none\n` +
          `    terms: [${group.map((term) => JSON.stringify(term.text)).join(", ")}]`,
      );
    }
    const yaml = [
      `id: ${id}`,
      `title: Benchmark terms ${file}`,
      "description: Synthetic literals for the benchmark; every hit is a finding.",
      "category: race",
      "basis: inferred",
      "severity: low",
      "confidence: low",
      'references: ["https://example.org/custodiet-bench"]',
      "compliance: []",
      "vendors: []",
      "patterns:",
      ...patterns,
      "tests:",
      "  match:",
      `    - name: first term\n      text: ${JSON.stringify(` ${slice[0].text} `)}`,
      "  no-match:",
      '    - name: nothing\n      text: "nothing here"',
      "",
    ].join("\n");
    writeFileSync(join(dir, `${id}.yaml`), yaml);
  }
  return dir;
}

async function exportNeedles(rulesDir, count) {
  const rules = await import(distUrl("rules/index.js"));
  const exporter = await import(distUrl("match/needle-export.js"));
  const pack = await rules.loadRulePack({ paths: [rulesDir], builtin: false });
  const termText = (id) => pack.terms[id]?.text ?? "";
  const paths = {
    rg: join(OUT, `needles-${count}.rg`),
    yara: join(OUT, `needles-${count}.yar`),
    hex: join(OUT, `needles-${count}.tsv`),
  };
  writeFileSync(paths.rg, exporter.formatRipgrepPatterns(pack.needles));
  // ripgrep refuses a pattern that can match a newline unless in multiline mode (-U); this file leaves out
  // the needles holding byte 0x0a, to also time ripgrep in its usual line mode.
  paths.rgLines = join(OUT, `needles-${count}.lines.rg`);
  const lineNeedles = pack.needles.filter((needle) => !needle.bytes.includes(0x0a));
  writeFileSync(paths.rgLines, exporter.formatRipgrepPatterns(lineNeedles));
  paths.newlineNeedles = pack.needles.length - lineNeedles.length;
  writeFileSync(paths.yara, exporter.formatYaraRules(pack.needles, termText));
  writeFileSync(paths.hex, exporter.formatHexList(pack.needles, termText));
  return { ...paths, needles: pack.needles.length, terms: pack.terms.length };
}

/** The custodiet command: the real CLI when it loads, else the scan handler through bench/scan-shim.mjs. */
function custodietEntry() {
  const bin = join(DIST, "cli/bin.js");
  const probe = sh("node", [bin, "--version"]);
  if (probe.status === 0) return { argv: [bin], via: "dist/cli/bin.js" };
  return {
    argv: [join(ROOT, "bench/scan-shim.mjs"), "--dist", DIST],
    via: "bench/scan-shim.mjs (dist/cli/bin.js did not load)",
  };
}

/** Runs a command under GNU time; returns wall seconds, CPU seconds and peak RSS (MB). */
function timed(command, commandArgs, { stdout } = {}) {
  const timeFile = join(OUT, "time.txt");
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, command, ...commandArgs], {
    encoding: "latin1",
    maxBuffer: 1 << 30,
    stdio: ["ignore", stdout === "ignore" ? "ignore" : "pipe", "pipe"],
  });
  const wall = (performance.now() - started) / 1000;
  const [user, system, maxKb] = readFileSync(timeFile, "utf8")
    .trim()
    .split("\n")
    .pop()
    .split(" ")
    .map(Number);
  return {
    wall,
    cpu: user + system,
    peakMb: maxKb / 1024,
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

function repeat(label, bytes, run) {
  run(); // warm the page cache and any on-disk state
  const samples = [];
  for (let index = 0; index < options.runs; index++) samples.push(run());
  return summarize(label, bytes, samples);
}

/**
 * `repeat` for several variants over the same bytes, run in turn (A B C, A B C, …) after one warm-up run of
 * each, so that a shared machine that slows down or speeds up midway moves every variant alike and the
 * ratios between them stay fair (run in blocks, a slowdown during the last block showed as a ratio).
 */
function repeatInterleaved(bytes, variants) {
  for (const { run } of variants) run();
  const samples = variants.map(() => []);
  for (let index = 0; index < options.runs; index++) variants.forEach(({ run }, k) => samples[k].push(run()));
  return variants.map(({ label }, k) => summarize(label, bytes, samples[k]));
}

function summarize(label, bytes, samples) {
  const wall = median(samples.map((s) => s.wall));
  const cpu = median(samples.map((s) => s.cpu));
  const peakMb = Math.max(...samples.map((s) => s.peakMb));
  const row = {
    label,
    wall,
    cpu,
    mbPerSecond: bytes / 1e6 / wall,
    mbPerCpuSecond: bytes / 1e6 / cpu,
    peakMb,
    last: samples.at(-1),
  };
  log(
    `  ${label.padEnd(34)} ${row.mbPerSecond.toFixed(0).padStart(6)} MB/s  (${wall.toFixed(2)} s wall, ` +
      `${cpu.toFixed(2)} s cpu = ${row.mbPerCpuSecond.toFixed(0)} MB/cpu-s, peak ${peakMb.toFixed(0)} MB)`,
  );
  return row;
}

function custodietScan(entry, corpus, rulesDir, jobs, output, extra = []) {
  rmSync(output, { force: true });
  return timed("node", [
    ...entry.argv,
    "scan",
    corpus,
    "--jobs",
    String(jobs),
    ...extra,
    "--format",
    "json",
    "--output",
    output,
    "--no-builtin-rules",
    "--rules",
    rulesDir,
    "--quiet",
    "--fail-on",
    "none",
  ]);
}

/** Two JSON reports equal but for the time they were written. */
function sameReport(a, b) {
  const load = (path) => {
    if (!existsSync(path)) return null;
    const report = JSON.parse(readFileSync(path, "utf8"));
    delete report.generatedAt;
    return JSON.stringify(report);
  };
  const left = load(a);
  return left !== null && left === load(b);
}

/** Plants reported by a custodiet JSON report: a finding in the planted file at the planted offset. */
function custodietFound(reportPath, manifest) {
  if (!existsSync(reportPath)) return { findings: null, missing: manifest.plants, failed: true };
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  const at = new Set();
  for (const finding of report.findings ?? []) {
    const leaf = finding.layers?.at(-1)?.path ?? finding.location ?? "";
    at.add(`${leaf.split("/").pop()}@${finding.offset}`);
  }
  return {
    findings: (report.findings ?? []).length,
    missing: manifest.plants.filter((plant) => !at.has(`${plant.file}@${plant.offset}`)),
  };
}

/** Plants covered by a ripgrep match (`path:offset:` lines): leftmost-first matching may start one early. */
function rgFound(stdout, manifest, corpus) {
  const byFile = new Map();
  for (const line of stdout.split("\n")) {
    // Matched bytes may hold newlines and colons: only lines starting with a corpus path count.
    if (!line.startsWith(corpus)) continue;
    const match = /^(.*?):(\d+):/.exec(line);
    if (!match) continue;
    const file = match[1].split("/").pop();
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file).push(Number(match[2]));
  }
  return manifest.plants.filter((plant) => {
    const starts = byFile.get(plant.file) ?? [];
    const length = plant.hex.length / 2;
    return !starts.some((start) => start > plant.offset - 64 && start < plant.offset + length);
  });
}

/** Plants YARA reported at their exact offset (`0xOFFSET:$nID:` lines under `RULE PATH`). */
function yaraFound(stdout, manifest) {
  const at = new Set();
  let file = "";
  for (const line of stdout.split("\n")) {
    const header = /^\S+ (.+)$/.exec(line);
    if (header && !line.startsWith("0x")) file = header[1].split("/").pop();
    const match = /^0x([0-9a-f]+):\$n\d+:/.exec(line);
    if (match) at.add(`${file}@${parseInt(match[1], 16)}`);
  }
  return manifest.plants.filter((plant) => !at.has(`${plant.file}@${plant.offset}`));
}

/**
 * Reads `files` with pread into `buffer` (or, with `fresh`, a new buffer per chunk, as the engine did before
 * it pooled its buffers), hashing and matching each chunk as asked. Returns the number of matches.
 */
function readHashMatch({ match, automaton, dir, files, buffer, doHash, doMatch, fresh = false }) {
  const chunkSize = buffer.length;
  const matcher = new match.StreamMatcher(automaton);
  let hits = 0;
  const onMatch = () => hits++;
  for (const file of files) {
    const fd = openSync(join(dir, file.name), "r");
    const hash = doHash ? createHash("sha256") : undefined;
    matcher.reset();
    for (;;) {
      const target = fresh ? new Uint8Array(chunkSize) : buffer;
      const n = readSync(fd, target, 0, chunkSize, null);
      if (n === 0) break;
      const chunk = n === chunkSize ? target : target.subarray(0, n);
      hash?.update(chunk);
      if (doMatch) matcher.push(chunk, onMatch);
    }
    hash?.digest("hex");
    closeSync(fd);
  }
  return hits;
}

/** In-process stage costs over the corpus files with a warm cache: read, SHA-256, match, and all three. */
async function stages(corpus, manifest, rulesDir) {
  const match = await import(distUrl("match/index.js"));
  const rules = await import(distUrl("rules/index.js"));
  const pack = await rules.loadRulePack({ paths: [rulesDir], builtin: false });
  const automaton = match.buildAutomaton(pack.needles);
  const chunkSize = 4 << 20; // the engine's chunk size
  const buffer = new Uint8Array(chunkSize);
  const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
  const pass = (doHash, doMatch, fresh = false) =>
    readHashMatch({ match, automaton, dir: corpus, files: manifest.files, buffer, doHash, doMatch, fresh });
  const measure = (label, doHash, doMatch, fresh = false) => {
    pass(doHash, doMatch, fresh);
    const samples = [];
    for (let index = 0; index < options.runs; index++) {
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      pass(doHash, doMatch, fresh);
      const cpu = process.cpuUsage(cpu0);
      samples.push({
        wall: (performance.now() - started) / 1000,
        cpu: (cpu.user + cpu.system) / 1e6,
        peakMb: 0,
      });
    }
    const wall = median(samples.map((s) => s.wall));
    const cpu = median(samples.map((s) => s.cpu));
    const row = {
      label,
      wall,
      cpu,
      mbPerSecond: bytes / 1e6 / wall,
      mbPerCpuSecond: bytes / 1e6 / cpu,
      nsPerByte: (cpu * 1e9) / bytes,
    };
    log(
      `  ${label.padEnd(34)} ${row.mbPerSecond.toFixed(0).padStart(6)} MB/s  (${row.mbPerCpuSecond.toFixed(0)} MB/cpu-s, ` +
        `${row.nsPerByte.toFixed(2)} ns/byte cpu)`,
    );
    return row;
  };
  // The matcher alone on bytes already in memory (the first 64 MiB of the corpus), and the planted-needle check.
  const memory = [];
  let held = 0;
  for (const file of manifest.files) {
    if (held >= 64 << 20) break;
    memory.push(readFileSync(join(corpus, file.name)));
    held += file.size;
  }
  const inMemory = () => {
    const matcher = new match.StreamMatcher(automaton);
    for (const data of memory) {
      matcher.reset();
      for (let at = 0; at < data.length; at += chunkSize)
        matcher.push(data.subarray(at, at + chunkSize), () => {});
    }
  };
  inMemory();
  const memorySamples = [];
  for (let index = 0; index < options.runs * 3; index++) {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    inMemory();
    const cpu = process.cpuUsage(cpu0);
    memorySamples.push({ wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
  }
  const memoryWall = median(memorySamples.map((s) => s.wall));
  const memoryCpu = median(memorySamples.map((s) => s.cpu));
  const matcherRow = {
    label: "match only (bytes in memory)",
    wall: memoryWall,
    cpu: memoryCpu,
    mbPerSecond: held / 1e6 / memoryWall,
    mbPerCpuSecond: held / 1e6 / memoryCpu,
    nsPerByte: (memoryCpu * 1e9) / held,
  };
  log(
    `  ${matcherRow.label.padEnd(34)} ${matcherRow.mbPerSecond.toFixed(0).padStart(6)} MB/s  (${matcherRow.mbPerCpuSecond.toFixed(0)} MB/cpu-s, ` +
      `${matcherRow.nsPerByte.toFixed(2)} ns/byte cpu)`,
  );
  const found = new Set();
  const check = new match.StreamMatcher(automaton);
  for (const file of manifest.files) {
    const data = readFileSync(join(corpus, file.name));
    check.reset();
    for (let at = 0; at < data.length; at += chunkSize) {
      check.push(data.subarray(at, at + chunkSize), (id, offset) => {
        found.add(`${file.name}@${offset}@${Buffer.from(pack.needles[id].bytes).length}`);
      });
    }
  }
  const matcherMissing = manifest.plants.filter(
    (plant) => !found.has(`${plant.file}@${plant.offset}@${plant.hex.length / 2}`),
  );
  log(`  matcher: planted needles missing ${matcherMissing.length} of ${manifest.plants.length}`);
  return {
    rows: [
      matcherRow,
      measure("read (pread 4 MiB, page cache)", false, false),
      measure("read, fresh 4 MiB buffer per chunk", false, false, true),
      measure("read + sha256", true, false),
      measure(`read + match (${pack.terms.length} terms)`, false, true),
      measure("read + sha256 + match", true, true),
    ],
    matcherPlantsMissing: matcherMissing.length,
    automaton: {
      needles: pack.needles.length,
      states: automaton.stateCount,
      classes: automaton.classCount,
      tableBytes: automaton.transitions.byteLength,
    },
  };
}

/**
 * The same mixed corpus without plants: the whole engine (walk, read, hash, match, analysis of the hits
 * that do occur, extraction checks, line numbers, findings, JSON report) against read + SHA-256 + match
 * alone, both in this process on one thread after a warm-up, so start-up is left out of both.
 */
async function noFindings(rulesDir) {
  const dir = join(OUT, `clean-${options.sizeMb}`);
  const clean = generateCorpus({ sizeMb: options.sizeMb, out: dir, plant: false });
  const bytes = clean.files.reduce((sum, file) => sum + file.size, 0);
  const library = await import(distUrl("index.js"));
  const match = await import(distUrl("match/index.js"));
  const pack = await library.loadRulePack({ paths: [rulesDir], builtin: false });
  let needles = pack.needles;
  try {
    needles = (await import(distUrl("engine/scan-needles.js"))).scanNeedles(pack);
  } catch {
    // An older build without carving signatures in the automaton.
  }
  const automaton = match.buildAutomaton(needles);
  const chunkSize = 4 << 20;
  const buffer = new Uint8Array(chunkSize);
  let hits = 0;
  const baseline = () => {
    hits = readHashMatch({ match, automaton, dir, files: clean.files, buffer, doHash: true, doMatch: true });
  };
  let findings = 0;
  const engine = async () => {
    const report = await library.scan({ paths: [dir], pack, jobs: 1, hashThread: false });
    findings = report.findings.length;
    library.formatters.json(report, {});
  };
  const time = async (run) => {
    await run();
    const samples = [];
    for (let index = 0; index < options.runs; index++) {
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      await run();
      const cpu = process.cpuUsage(cpu0);
      samples.push({ wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
    }
    return { wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)) };
  };
  const base = await time(baseline);
  const whole = await time(engine);
  const row = {
    corpus: dir,
    bytes,
    hits,
    findings,
    readHashMatch: base,
    wholeScan: whole,
    overheadWall: whole.wall / base.wall - 1,
    overheadCpu: whole.cpu / base.cpu - 1,
  };
  log(
    `  ${clean.files.length} files, ${(bytes / 1e6).toFixed(0)} MB, ${hits} raw hits, ${findings} findings`,
  );
  log(
    `  read + sha256 + match   ${base.wall.toFixed(2)} s wall, ${base.cpu.toFixed(2)} s cpu\n` +
      `  whole scan + JSON report ${whole.wall.toFixed(2)} s wall, ${whole.cpu.toFixed(2)} s cpu\n` +
      `  analysis, extraction checks and reporting add ${(row.overheadWall * 100).toFixed(1)}% wall, ` +
      `${(row.overheadCpu * 100).toFixed(1)}% cpu`,
  );
  return row;
}

async function main() {
  const results = { options, machine: machine(), startedAt: new Date().toISOString() };
  log("machine:", JSON.stringify(results.machine));
  if (options.peers) ensurePeers();
  results.machine.rg = sh("rg", ["--version"]).stdout?.split("\n")[0] ?? null;
  results.machine.yara = sh("yara", ["--version"]).stdout?.trim() ?? null;
  const haveRg = options.peers && results.machine.rg;
  const haveYara = options.peers && results.machine.yara;

  const corpus = join(OUT, `corpus-${options.sizeMb}`);
  log(`\ncorpus ${corpus} (${options.sizeMb} MB)`);
  const manifest = generateCorpus({ sizeMb: options.sizeMb, out: corpus });
  const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
  log(
    `  ${manifest.files.length} files, ${(bytes / 1e6).toFixed(0)} MB, ${manifest.plants.length} planted needles`,
  );

  const termCounts = [...new Set([MAIN_TERMS, ...options.terms])];
  const rulesDirs = new Map();
  const exports = new Map();
  for (const count of termCounts) {
    rulesDirs.set(count, writeRules(count));
    exports.set(count, await exportNeedles(rulesDirs.get(count), count));
  }
  const main = exports.get(MAIN_TERMS);
  log(`  ${MAIN_TERMS} terms → ${main.needles} needles (bench/out/needles-${MAIN_TERMS}.{rg,yar,tsv})`);
  results.seedTermsPlanted = SEED_TERMS.length;

  log("\nwhere the time goes (in-process, one thread, 300 terms)");
  results.stages = await stages(corpus, manifest, rulesDirs.get(MAIN_TERMS));

  log(`\nsame work, ${MAIN_TERMS} terms, ${options.runs} runs each, in turn (median)`);
  const entry = custodietEntry();
  results.custodietEntry = entry.via;
  const rows = {};
  // --jobs 1 hashes on a thread of its own when a core is free (the default); "one core" turns that off.
  const help = sh("node", [...entry.argv, "scan", "--help"]).stdout ?? "";
  const hashFlag = help.includes("--no-hash-thread");
  // Start-up with the compiled rule pack cache warm (after the warm-up run) and without it.
  const cacheFlag = help.includes("--no-cache");
  const variants = [
    { key: "custodiet-j1", label: "custodiet scan --jobs 1", jobs: 1, extra: [] },
    ...(hashFlag
      ? [
          {
            key: "custodiet-j1-one-core",
            label: "custodiet scan --jobs 1 --no-hash-thread",
            jobs: 1,
            extra: ["--no-hash-thread"],
          },
        ]
      : []),
    ...(cacheFlag
      ? [
          {
            key: "custodiet-j1-no-cache",
            label: "custodiet scan --jobs 1 --no-cache",
            jobs: 1,
            extra: ["--no-cache"],
          },
        ]
      : []),
    { key: "custodiet-j2", label: "custodiet scan --jobs 2", jobs: 2, extra: [] },
  ];
  const reports = [];
  const outputOf = (key) => join(OUT, `scan-${MAIN_TERMS}-${key}.json`);
  const measured = repeatInterleaved(
    bytes,
    variants.map(({ key, label, jobs, extra }) => ({
      label,
      run: () => custodietScan(entry, corpus, rulesDirs.get(MAIN_TERMS), jobs, outputOf(key), extra),
    })),
  );
  for (const [index, { key }] of variants.entries()) {
    const output = outputOf(key);
    rows[key] = measured[index];
    const check = custodietFound(output, manifest);
    rows[key].plantsMissing = check.missing.length;
    rows[key].findings = check.findings;
    if (rows[key].last.status > 1) log(rows[key].last.stderr.slice(0, 2000));
    reports.push(output);
  }
  // The report must not depend on the number of workers or where hashing runs.
  const sameReports = reports.every((path) => sameReport(path, reports[0]));
  results.reportsIdentical = sameReports;
  log(`  reports identical across these runs: ${sameReports ? "yes" : "NO"}`);
  if (haveRg) {
    const rgBase = ["-a", "--no-ignore", "--hidden"];
    for (const threads of options.peerThreads) {
      const row = repeat(`ripgrep -j${threads} -U (all needles)`, bytes, () =>
        timed("rg", [...rgBase, "-U", "-c", `-j${threads}`, "-f", main.rg, corpus]),
      );
      const located = timed("rg", [...rgBase, "-U", "-b", "-o", "-j1", "-f", main.rg, corpus]);
      row.status = located.status;
      row.plantsMissing = rgFound(located.stdout, manifest, corpus).length;
      rows[`rg-j${threads}`] = row;
    }
    const lines = repeat(`ripgrep -j1 line mode (${main.needles - main.newlineNeedles} needles)`, bytes, () =>
      timed("rg", [...rgBase, "-c", "-j1", "-f", main.rgLines, corpus]),
    );
    const located = timed("rg", [...rgBase, "-b", "-o", "-j1", "-f", main.rgLines, corpus]);
    lines.status = located.status;
    lines.plantsMissing = rgFound(located.stdout, manifest, corpus).length;
    rows["rg-j1-lines"] = lines;
  }
  if (haveYara) {
    for (const threads of options.peerThreads) {
      const row = repeat(`yara -p ${threads} (yara -s -r)`, bytes, () =>
        timed("yara", ["-s", "-w", "-r", "-p", String(threads), main.yara, corpus]),
      );
      row.plantsMissing = yaraFound(row.last.stdout, manifest).length;
      rows[`yara-p${threads}`] = row;
    }
  }
  for (const row of Object.values(rows)) {
    delete row.last;
  }
  results.sameWork = rows;
  log("\nplanted needles found (of " + manifest.plants.length + "):");
  for (const [name, row] of Object.entries(rows)) log(`  ${name.padEnd(16)} missing ${row.plantsMissing}`);
  const one = rows["custodiet-j1"];
  const oneCore = rows["custodiet-j1-one-core"];
  const ratios = {
    twoWorkersOverOne: rows["custodiet-j2"].mbPerSecond / one.mbPerSecond,
    ...(oneCore ? { twoWorkersOverOneCore: rows["custodiet-j2"].mbPerSecond / oneCore.mbPerSecond } : {}),
    ...(oneCore && rows["rg-j1"]
      ? { oneCoreOverRipgrep: oneCore.mbPerSecond / rows["rg-j1"].mbPerSecond }
      : {}),
    ...(rows["rg-j1"] ? { overRipgrepSingleThread: one.mbPerSecond / rows["rg-j1"].mbPerSecond } : {}),
    ...(rows["yara-p1"] ? { overYaraSingleThread: one.mbPerSecond / rows["yara-p1"].mbPerSecond } : {}),
  };
  results.ratios = ratios;
  log(
    "ratios:",
    Object.entries(ratios)
      .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
      .join(", "),
  );

  log(`\nanalysis and reporting when nothing is found (in-process, one thread, ${MAIN_TERMS} terms)`);
  results.noFindings = await noFindings(rulesDirs.get(MAIN_TERMS));

  if (options.terms.length > 0) {
    log("\nscaling with rule count (custodiet --jobs 1, run in turn)");
    results.ruleScaling = [];
    const outputOf = (count) => join(OUT, `scan-terms-${count}.json`);
    const measured = repeatInterleaved(
      bytes,
      options.terms.map((count) => ({
        label: `${count} terms (${exports.get(count).needles} needles)`,
        run: () => custodietScan(entry, corpus, rulesDirs.get(count), 1, outputOf(count)),
      })),
    );
    for (const [index, count] of options.terms.entries()) {
      const output = outputOf(count);
      const row = measured[index];
      delete row.last;
      row.terms = count;
      row.needles = exports.get(count).needles;
      row.plantsMissing = custodietFound(output, manifest).missing.length;
      results.ruleScaling.push(row);
    }
    const first = results.ruleScaling[0];
    const last = results.ruleScaling.at(-1);
    log(
      `  time ${last.terms} terms / ${first.terms} terms: ${(last.wall / first.wall).toFixed(2)}x wall, ${(last.cpu / first.cpu).toFixed(2)}x cpu`,
    );
  }

  if (options.sizes.length > 0) {
    log("\nscaling with corpus size (custodiet --jobs 1, 300 terms)");
    results.sizeScaling = [];
    for (const size of options.sizes) {
      const dir = join(OUT, `corpus-${size}`);
      const sized = generateCorpus({ sizeMb: size, out: dir });
      const sizedBytes = sized.files.reduce((sum, file) => sum + file.size, 0);
      const output = join(OUT, `scan-size-${size}.json`);
      const row = repeat(`${size} MB`, sizedBytes, () =>
        custodietScan(entry, dir, rulesDirs.get(MAIN_TERMS), 1, output),
      );
      delete row.last;
      row.sizeMb = size;
      row.plantsMissing = custodietFound(output, sized).missing.length;
      results.sizeScaling.push(row);
    }
  }

  if (options.memoryMb > 0) {
    log(`\npeak memory, one ${options.memoryMb} MB file (custodiet --jobs 1, 300 terms)`);
    const dir = join(OUT, `single-${options.memoryMb}`);
    const single = generateCorpus({ sizeMb: options.memoryMb, out: dir, single: true });
    const singleBytes = single.files.reduce((sum, file) => sum + file.size, 0);
    const output = join(OUT, `scan-single-${options.memoryMb}.json`);
    const saved = options.runs;
    options.runs = 1;
    const row = repeat(`${options.memoryMb} MB single file`, singleBytes, () =>
      custodietScan(entry, dir, rulesDirs.get(MAIN_TERMS), 1, output),
    );
    options.runs = saved;
    delete row.last;
    row.plantsMissing = custodietFound(output, single).missing.length;
    results.peakMemory = row;
  }

  results.machine.loadAverageAtEnd = loadavg().map((value) => Number(value.toFixed(2)));
  results.finishedAt = new Date().toISOString();
  writeFileSync(join(OUT, "results.json"), JSON.stringify(results, null, 1));
  log(`\nwritten ${join(OUT, "results.json")}`);
}

await main();
