#!/usr/bin/env node
// Fuzz harness for the extractors (runs against dist/, so `npm run build` first).
// Builds a valid sample of every format, mutates it (bit flips, boundary integers, truncation,
// insertions, deletions, splices), runs detect + extract with a per-case time budget and reports:
//   - crash: an exception escaping detect() or extract() (the contract says: yield a notice instead),
//   - hang:  a case that does not finish within the hang timeout although its signal was aborted
//            (cases run in a worker thread, so a synchronous infinite loop is caught too).
// Usage: node scripts/fuzz.mjs [--long] [--seconds N] [--seed N] [--out DIR] [--dist DIR]
// Default: a short bounded pass (~40 s) for CI. Exit code 1 on any crash or hang.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CASE_BUDGET_MS = 5_000;
const HANG_MS = 20_000;

function rng(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000];

/** One mutation of `sample`, chosen by `random`; `other` is another sample for splicing. */
export function mutate(sample, other, random) {
  const pick = (n) => Math.floor(random() * n);
  let bytes = Buffer.from(sample);
  const rounds = 1 + pick(4);
  for (let round = 0; round < rounds; round += 1) {
    if (bytes.length === 0) return bytes;
    const at = pick(bytes.length);
    switch (pick(8)) {
      case 0: // flip bits
        for (let i = 0; i < 1 + pick(8); i += 1) {
          const p = pick(bytes.length);
          bytes[p] ^= 1 << pick(8);
        }
        break;
      case 1: // boundary integer, little or big endian
        if (at + 4 <= bytes.length) {
          const value = BOUNDARY[pick(BOUNDARY.length)];
          if (random() < 0.5) bytes.writeUInt32LE(value >>> 0, at);
          else bytes.writeUInt32BE(value >>> 0, at);
        }
        break;
      case 2: // truncate
        bytes = bytes.subarray(0, at);
        break;
      case 3: // delete a run
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(256))]);
        break;
      case 4: // insert random bytes
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from(Array.from({ length: 1 + pick(64) }, () => pick(256))),
          bytes.subarray(at),
        ]);
        break;
      case 5: // splice from another sample
        if (other.length > 0) {
          const from = pick(other.length);
          bytes = Buffer.concat([
            bytes.subarray(0, at),
            other.subarray(from, from + 1 + pick(4096)),
            bytes.subarray(at),
          ]);
        }
        break;
      case 6: // fill a run with one byte
        bytes.fill(random() < 0.5 ? 0 : 0xff, at, Math.min(bytes.length, at + 1 + pick(64)));
        break;
      default: // mutate a header byte (the first 512 bytes hold most fields)
        bytes[pick(Math.min(512, bytes.length))] = pick(256);
    }
  }
  return bytes;
}

// ---------------------------------------------------------------- worker: runs cases

async function workerMain() {
  const dist = pathToFileURL(workerData.distDir + "/").href;
  const { extractors, DEFAULT_BUDGETS } = await import(new URL("extract/registry.js", dist).href);
  const { memorySource } = await import(new URL("sources/byte-source.js", dist).href);
  // As the CLI and the scan's threads do: pdf.js's own unobserved rejections pass (see
  // isStrayPdfJsRejection); any other unhandled rejection still ends this worker and is reported.
  const { isStrayPdfJsRejection } = await import(new URL("extract/pdf-extractor.js", dist).href);
  process.on("unhandledRejection", (reason) => {
    if (!isStrayPdfJsRejection(reason)) throw reason;
  });
  const order = Object.values(extractors);
  const budgets = {
    ...DEFAULT_BUDGETS,
    maxFileSize: 64 * 1024 * 1024,
    maxTotalBytes: 256 * 1024 * 1024,
    maxMillisPerArtifact: CASE_BUDGET_MS,
  };
  const { samples, seed, deadline, tempRoot } = workerData;
  const names = Object.keys(samples);
  const random = rng(seed);
  let index = workerData.startIndex;
  for (;;) {
    if (Date.now() > deadline) break;
    const name = names[index % names.length];
    const other = samples[names[Math.floor(random() * names.length)]];
    const bytes = mutate(Buffer.from(samples[name]), Buffer.from(other), random);
    parentPort.postMessage({ type: "start", index, name, bytes });
    const tempDir = join(tempRoot, `case-${index}`);
    mkdirSync(tempDir, { recursive: true });
    const source = memorySource(new Uint8Array(bytes));
    let stage = "detect";
    try {
      const head = bytes.subarray(0, 65536);
      let chosen;
      for (const extractor of order) {
        if (await extractor.detect(head, source)) {
          chosen = extractor;
          break;
        }
      }
      if (chosen !== undefined) {
        stage = `extract:${chosen.name}`;
        const context = {
          tempDir,
          budgets,
          depth: 0,
          remainingBytes: budgets.maxTotalBytes,
          signal: AbortSignal.timeout(CASE_BUDGET_MS),
          name,
        };
        for await (const event of chosen.extract(source, context)) void event;
      }
      parentPort.postMessage({ type: "done", index });
    } catch (error) {
      parentPort.postMessage({
        type: "crash",
        index,
        name,
        stage,
        bytes,
        error: String(error?.stack ?? error),
      });
    } finally {
      rmSync(tempDir, { recursive: true, force: true });
    }
    index += 1;
  }
  parentPort.postMessage({ type: "finished" });
}

// ---------------------------------------------------------------- main: schedules, watches, reports

async function main() {
  const args = process.argv.slice(2);
  const option = (flag, fallback) => {
    const at = args.indexOf(flag);
    return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
  };
  const long = args.includes("--long");
  const seconds = Number(option("--seconds", long ? 1800 : 40));
  const seed = Number(option("--seed", long ? Date.now() % 1_000_000 : 1234));
  const outDir = resolve(option("--out", join(root, ".tmp/fuzz-failures")));
  const distDir = resolve(option("--dist", join(root, "dist")));
  const { buildFixtures } = await import(pathToFileURL(join(root, "scripts/build-fixtures.mjs")).href);
  const fixtureDir = mkdtempSync(join(tmpdir(), "custodiet-fuzz-samples-"));
  const tempRoot = mkdtempSync(join(tmpdir(), "custodiet-fuzz-"));
  const { made } = await buildFixtures(fixtureDir);
  const samples = {};
  // Small samples keep cases fast; big ones (the sparse-ish images) are cut to their first 256 KiB.
  for (const [name, path] of Object.entries(made))
    samples[name] = new Uint8Array(readFileSync(path).subarray(0, 256 * 1024));
  rmSync(fixtureDir, { recursive: true, force: true });
  const deadline = Date.now() + seconds * 1000;
  const failures = [];
  let cases = 0;
  let startIndex = 0;
  process.stdout.write(`fuzz: ${Object.keys(samples).length} samples, seed ${seed}, ${seconds} s\n`);
  while (Date.now() < deadline) {
    const outcome = await new Promise((resolvePromise) => {
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: { samples, seed: seed + startIndex, deadline, startIndex, tempRoot, distDir },
        resourceLimits: { maxOldGenerationSizeMb: 2048 },
      });
      let current;
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void worker.terminate();
          resolvePromise({ kind: "hang", current });
        }, HANG_MS);
      };
      worker.on("message", (message) => {
        if (message.type === "start") {
          current = message;
          arm();
        } else if (message.type === "done") {
          cases += 1;
        } else if (message.type === "crash") {
          cases += 1;
          failures.push({ kind: "crash", ...message });
        } else if (message.type === "finished") {
          clearTimeout(timer);
          void worker.terminate();
          resolvePromise({ kind: "finished" });
        }
      });
      worker.on("error", (error) => {
        clearTimeout(timer);
        resolvePromise({ kind: "worker-crash", current, error: String(error?.stack ?? error) });
      });
      worker.on("exit", () => {
        clearTimeout(timer);
        resolvePromise({ kind: "worker-exit", current });
      });
    });
    if (outcome.kind === "finished") break;
    if (outcome.current !== undefined) {
      failures.push({
        kind: outcome.kind,
        ...outcome.current,
        error: outcome.error ?? `no result within ${HANG_MS} ms`,
      });
      startIndex = outcome.current.index + 1;
      cases += 1;
    } else break;
  }
  rmSync(tempRoot, { recursive: true, force: true });
  if (failures.length > 0) {
    mkdirSync(outDir, { recursive: true });
    for (const failure of failures) {
      const file = join(outDir, `${failure.kind}-${failure.index}-${failure.name}`);
      writeFileSync(file, Buffer.from(failure.bytes));
      process.stdout.write(
        `${failure.kind}: ${failure.name} case ${failure.index} (${failure.stage ?? "?"}) → ${file}\n  ${String(failure.error).split("\n").slice(0, 4).join("\n  ")}\n`,
      );
    }
  }
  process.stdout.write(`fuzz: ${cases} cases, ${failures.length} failures\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

if (isMainThread) await main();
else await workerMain();
