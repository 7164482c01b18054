// The matcher alone over the corpus: compile terms → needles → automaton, stream every file through a
// StreamMatcher in fixed-size chunks, count hits and check the planted needles.
//
//   node bench/matcher.mjs [--corpus bench/out/corpus-256] [--terms 300] [--chunk-kb 1024] [--runs 3] [--in-memory]
//                          [--direct] [--prefilter auto|always|never]
//
// --in-memory loads the files first and times only the matching (the matcher's raw speed); otherwise each run
// reads the files with pread into one reused buffer (read + match, page cache warm). --direct reads straight
// into the matcher's kernel window (StreamMatcher.pushRead) instead, so full windows are not copied.
// --prefilter sets when the matcher skips ahead with its prefilter (default auto: chosen per window); builds
// without one ignore it. The result has MB per CPU-second per file kind (byKind) besides the totals.
import { openSync, readSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { syntheticTerms } from "./terms.mjs";
import { manifestPathOf } from "./corpus.mjs";

// MATCHER_DIST=/some/dist measures another build of src/match (e.g. a private one while others rebuild dist/).
const dist = process.env.MATCHER_DIST
  ? new URL(`file://${process.env.MATCHER_DIST}/match/index.js`)
  : new URL("../dist/match/index.js", import.meta.url);

export async function loadMatcher() {
  return import(dist.href);
}

/** Sets the prefilter policy where the build has one; returns whether it did. */
export async function setPrefilter(policy) {
  const automaton = await import(new URL("automaton.js", dist).href);
  if (typeof automaton.setPrefilterPolicy !== "function") return false;
  automaton.setPrefilterPolicy(policy);
  return true;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Builds the automaton for `termCount` synthetic terms and reports build time and table size. */
export async function buildFor(termCount) {
  const match = await loadMatcher();
  const terms = syntheticTerms(termCount);
  const started = performance.now();
  const needles = match.compileNeedles(terms);
  const compiled = performance.now();
  const automaton = match.buildAutomaton(needles);
  const built = performance.now();
  return {
    match,
    terms,
    needles,
    automaton,
    compileMs: compiled - started,
    buildMs: built - compiled,
    tableBytes: match.automatonByteSize
      ? match.automatonByteSize(automaton)
      : automaton.transitions.byteLength,
  };
}

/** Scans the corpus once; returns { seconds, bytes, hits, found } where found is a Set of "file@offset@needleId". */
export async function scanCorpus(
  match,
  automaton,
  corpus,
  manifest,
  { chunkSize, inMemory, memory, direct },
) {
  const matcher = new match.StreamMatcher(automaton);
  const buffer = new Uint8Array(chunkSize);
  const found = new Set();
  const plantedAt = new Map();
  for (const plant of manifest.plants) plantedAt.set(`${plant.file}@${plant.offset}`, plant);
  let hits = 0;
  let bytes = 0;
  const byKind = {};
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (const file of manifest.files) {
    const fileCpu = process.cpuUsage();
    const kind = (byKind[file.kind ?? "other"] ??= { bytes: 0, cpuSeconds: 0 });
    kind.bytes += file.size;
    matcher.reset();
    const onMatch = (needleId, offset) => {
      hits++;
      if (plantedAt.has(`${file.name}@${offset}`)) found.add(`${file.name}@${offset}@${needleId}`);
    };
    if (inMemory) {
      const data = memory.get(file.name);
      for (let at = 0; at < data.length; at += chunkSize)
        matcher.push(data.subarray(at, at + chunkSize), onMatch);
      bytes += data.length;
      const used = process.cpuUsage(fileCpu);
      kind.cpuSeconds += (used.user + used.system) / 1e6;
      continue;
    }
    const fd = openSync(join(corpus, file.name), "r");
    try {
      const read = (into) => readSync(fd, into, 0, into.length, null);
      for (;;) {
        if (direct) {
          const n = matcher.pushRead(read, onMatch);
          if (n === 0) break;
          bytes += n;
          continue;
        }
        const n = readSync(fd, buffer, 0, chunkSize, null);
        if (n === 0) break;
        matcher.push(n === chunkSize ? buffer : buffer.subarray(0, n), onMatch);
        bytes += n;
      }
    } finally {
      closeSync(fd);
    }
    const used = process.cpuUsage(fileCpu);
    kind.cpuSeconds += (used.user + used.system) / 1e6;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytes,
    hits,
    found,
    byKind,
  };
}

/** Planted needles the matcher reported at their exact offset with a needle of the planted bytes. */
export function checkPlants(manifest, needles, found) {
  const byHex = new Map(needles.map((needle) => [needle.id, Buffer.from(needle.bytes).toString("hex")]));
  const missing = [];
  for (const plant of manifest.plants) {
    let ok = false;
    for (const needle of needles) {
      if (!found.has(`${plant.file}@${plant.offset}@${needle.id}`)) continue;
      const hex = byHex.get(needle.id);
      // Case-folded needles match a differently-cased plant: compare lengths, the matcher verified the rest.
      if (hex.length === plant.hex.length) ok = true;
    }
    if (!ok) missing.push(plant);
  }
  return missing;
}

export async function benchMatcher({ corpus, termCount, chunkSize, runs, inMemory, direct, prefilter }) {
  if (prefilter !== undefined && !(await setPrefilter(prefilter)))
    console.error("this build has no prefilter");
  const manifest = JSON.parse(readFileSync(manifestPathOf(corpus), "utf8"));
  const { match, needles, automaton, compileMs, buildMs, tableBytes } = await buildFor(termCount);
  const memory = new Map();
  if (inMemory)
    for (const file of manifest.files)
      memory.set(file.name, new Uint8Array(readFileSync(join(corpus, file.name))));
  const results = [];
  const options = { chunkSize, inMemory, memory, direct };
  await scanCorpus(match, automaton, corpus, manifest, options); // JIT and cache warm-up
  for (let run = 0; run < runs; run++)
    results.push(await scanCorpus(match, automaton, corpus, manifest, options));
  const seconds = median(results.map((r) => r.seconds));
  const cpuSeconds = median(results.map((r) => r.cpuSeconds));
  const missing = checkPlants(manifest, needles, results[0].found);
  // Per kind: the median run's CPU seconds for that kind's files.
  const byKind = {};
  for (const kind of Object.keys(results[0].byKind)) {
    const kindCpu = median(results.map((r) => r.byKind[kind].cpuSeconds));
    byKind[kind] = Math.round(results[0].byKind[kind].bytes / 1e6 / kindCpu);
  }
  return {
    termCount,
    needleCount: needles.length,
    stateCount: automaton.stateCount,
    classCount: automaton.classCount,
    compileMs,
    buildMs,
    tableBytes,
    bytes: results[0].bytes,
    hits: results[0].hits,
    seconds,
    mbPerSecond: results[0].bytes / 1e6 / seconds,
    cpuSeconds,
    mbPerCpuSecond: results[0].bytes / 1e6 / cpuSeconds,
    byKind,
    plants: manifest.plants.length,
    missing,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const result = await benchMatcher({
    corpus: value("--corpus", "bench/out/corpus-256"),
    termCount: Number(value("--terms", "300")),
    chunkSize: Number(value("--chunk-kb", "1024")) * 1024,
    runs: Number(value("--runs", "3")),
    inMemory: args.includes("--in-memory"),
    direct: args.includes("--direct"),
    prefilter: value("--prefilter", undefined),
  });
  const { missing, ...rest } = result;
  console.log(JSON.stringify({ ...rest, missing: missing.length }, null, 1));
  if (missing.length) console.log("missing plants:", missing.slice(0, 5));
}
