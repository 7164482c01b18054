// Hit analysis alone: collect the matcher's raw hits over real files once (untimed), then time only
// analyzeHits (+ widenToIdentifier per detection, as the engine does) over those hits.
//
//   node bench/analyze.mjs [--dist DIR] [--runs 5] [--set bench,sample,eval] [--source file|memory]
//                          [--dump FILE]
//
// Sets: "bench" = bench rules (bench/out/rules-300) over bench/out/corpus-256; "sample" = the built-in
// pack over corpus/sample; "eval" = the built-in pack over corpus/eval. Missing folders are skipped.
// Hits are batched as the engine batches them (4 MiB chunks, a batch flushed once it holds 8192 hits).
// For each set it prints hits, detections, hits/s, CPU ms (median and minimum) and wall ms (medians of
// --runs runs, one untimed warm-up first) and a sha256 over the detections JSON, so that a change that
// alters results shows. CPU time is the process's (user + system, all threads), so it includes GC helpers
// and the reads' thread pool; the machine's other load inflates it, so compare runs made side by side.
// --source file reads windows with pread like a scan does; memory serves them from a buffer.
// --dump writes the detections JSON of each set to FILE.<set>.json (for diffing).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const CHUNK = 4 << 20;
const HIT_BATCH = 8192;

function parseArgs(argv) {
  const args = { dist: join(ROOT, "dist"), runs: 5, sets: ["bench", "sample", "eval"], source: "file" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--dist") args.dist = resolve(value());
    else if (a === "--runs") args.runs = Number(value());
    else if (a === "--set") args.sets = value().split(",");
    else if (a === "--source") args.source = value();
    else if (a === "--dump") args.dump = resolve(value());
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

async function load(dist, path) {
  return import(pathToFileURL(join(dist, path)).href);
}

function filesUnder(dir) {
  const out = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  walk(dir);
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Streams a file through the automaton as the engine does; returns the hit batches. */
function collectHits(match, automaton, bytes) {
  const matcher = new match.StreamMatcher(automaton);
  const needles = automaton.needles;
  const batches = [];
  let hits = [];
  const onMatch = (needleId, offset) => {
    const needle = needles[needleId];
    hits.push({
      needleId,
      termId: needle.termId,
      encoding: needle.encodings[0],
      offset,
      length: needle.bytes.length,
    });
  };
  for (let at = 0; at < bytes.length; at += CHUNK) {
    matcher.push(bytes.subarray(at, at + CHUNK), onMatch);
    if (hits.length >= HIT_BATCH) {
      batches.push(hits);
      hits = [];
    }
  }
  if (hits.length > 0) batches.push(hits);
  return batches;
}

async function prepareSet(mods, name) {
  const { rules, match, engineNeedles } = mods;
  let pack;
  let dirs;
  if (name === "bench") {
    const rulesDir = join(ROOT, "bench/out/rules-300");
    if (!existsSync(rulesDir)) return undefined;
    pack = await rules.loadRulePack({ paths: [rulesDir], builtin: false });
    dirs = [join(ROOT, "bench/out/corpus-256")];
  } else {
    pack = await rules.loadRulePack({ builtin: true });
    dirs = name === "sample" ? [join(ROOT, "corpus/sample")] : [join(ROOT, "corpus/eval")];
  }
  dirs = dirs.filter((dir) => existsSync(dir));
  if (dirs.length === 0) return undefined;
  const needles = engineNeedles ? engineNeedles.scanNeedles(pack) : pack.needles;
  const automaton = match.buildAutomaton(needles);
  const files = [];
  let hitCount = 0;
  let bytesTotal = 0;
  for (const dir of dirs) {
    for (const path of filesUnder(dir)) {
      const bytes = new Uint8Array(readFileSync(path));
      const batches = collectHits(match, automaton, bytes);
      const hits = batches.reduce((sum, batch) => sum + batch.length, 0);
      hitCount += hits;
      bytesTotal += bytes.length;
      if (hits > 0) files.push({ name: relative(ROOT, path), path, bytes, batches });
    }
  }
  return { name, pack, files, hitCount, bytesTotal };
}

/** Opens a source per file (outside the timed part: the engine has the artifact open already). */
async function openSources(mods, set, sourceKind) {
  const sources = [];
  for (const file of set.files)
    sources.push(
      sourceKind === "memory"
        ? mods.sources.memorySource(file.bytes)
        : await mods.sources.openFileSource(file.path),
    );
  return sources;
}

/** One pass over every hit of the set; returns the detections per file. */
async function analyzeSet(mods, set, sources) {
  const { analyze, widen } = mods;
  const out = [];
  for (const [index, file] of set.files.entries()) {
    const source = sources[index];
    const detections = [];
    for (const batch of file.batches)
      detections.push(...(await analyze.analyzeHits(batch, source, set.pack)));
    const widened = [];
    for (const detection of detections) widened.push(await widen.widenToIdentifier(detection, source));
    out.push({ file: file.name, detections: widened });
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mods = {
    rules: await load(args.dist, "rules/index.js"),
    match: await load(args.dist, "match/index.js"),
    analyze: await load(args.dist, "analyze/index.js"),
    widen: await load(args.dist, "analyze/identifier-span.js"),
    sources: await load(args.dist, "sources/byte-source.js"),
    engineNeedles: existsSync(join(args.dist, "engine/scan-needles.js"))
      ? await load(args.dist, "engine/scan-needles.js")
      : undefined,
  };
  console.log(`dist ${args.dist}, ${args.runs} runs, source ${args.source}`);
  console.log("set     files  MB      hits     detections  hits/s      CPU ms  (min)    wall ms  digest");
  for (const name of args.sets) {
    const set = await prepareSet(mods, name);
    if (set === undefined) {
      console.log(`${name.padEnd(8)}(missing, skipped)`);
      continue;
    }
    const sources = await openSources(mods, set, args.source);
    const results = await analyzeSet(mods, set, sources); // warm-up, and the digest
    const json = JSON.stringify(results);
    const digest = createHash("sha256").update(json).digest("hex").slice(0, 16);
    const detections = results.reduce((sum, file) => sum + file.detections.length, 0);
    if (args.dump) writeFileSync(`${args.dump}.${name}.json`, JSON.stringify(results, null, 1));
    const cpu = [];
    const wall = [];
    for (let run = 0; run < args.runs; run++) {
      globalThis.gc?.();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await analyzeSet(mods, set, sources);
      const used = process.cpuUsage(cpu0);
      wall.push(performance.now() - t0);
      cpu.push((used.user + used.system) / 1000);
    }
    for (const source of sources) await source.close();
    const cpuMs = median(cpu);
    const wallMs = median(wall);
    console.log(
      [
        name.padEnd(7),
        String(set.files.length).padStart(5),
        (set.bytesTotal / 1e6).toFixed(1).padStart(7),
        String(set.hitCount).padStart(8),
        String(detections).padStart(11),
        Math.round(set.hitCount / (cpuMs / 1000))
          .toString()
          .padStart(10),
        cpuMs.toFixed(1).padStart(9),
        `(${Math.min(...cpu).toFixed(1)})`.padStart(8),
        wallMs.toFixed(1).padStart(8),
        ` ${digest}`,
      ].join(" "),
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
