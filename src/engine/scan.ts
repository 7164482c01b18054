import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CoverageEntry } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { LocationLayer } from "../model/location.js";
import { REPORT_SCHEMA_VERSION, type ScanReport } from "../model/report.js";
import type { Rule, Severity } from "../model/rule.js";
import type { Budgets } from "../extract/extractor.js";
import { DEFAULT_BUDGETS } from "../extract/registry.js";
import {
  buildSummary,
  dropContainerEchoes,
  dropRetoldRepeats,
  severityRank,
  sortCoverage,
  sortFindings,
  summarizeRule,
  toFindings,
} from "../findings/assemble.js";
import { formatLocation } from "../findings/location.js";
import { WINDOW_BYTES } from "../match/index.js";
import { loadRulePack, type CompiledRulePack } from "../rules/index.js";
import { toDisplayPath, walkInputs, type Exclusion } from "../sources/walk.js";
import { TOOL_VERSION } from "../version.js";
import { createTaskRunner } from "./pool.js";
import { threadedHasher } from "./hasher.js";
import { watchHeap } from "./heap-watch.js";
import { hashThreadOn, jobsOf, mayHoldLongStreams } from "./threads.js";
import {
  interruptedResult,
  layerOf,
  type ArtifactResult,
  type ArtifactTask,
  type ChildTask,
} from "./task.js";

export interface ScanProgress {
  readonly filesDone: number;
  readonly filesFound: number;
  readonly bytesDone: number;
  readonly findings: number;
}

export interface ScanOptions {
  /** Files and folders to scan. */
  readonly paths: readonly string[];
  /** Extra rule files or folders. */
  readonly rules?: readonly string[];
  /** Use the bundled rule pack (default true). */
  readonly builtinRules?: boolean;
  /** An already loaded pack; overrides `rules` and `builtinRules`. */
  readonly pack?: CompiledRulePack;
  /** Findings below this severity are left out of the report (default "info": keep all). */
  readonly minSeverity?: Severity;
  /** Files or members larger than this are recorded as too-large, not read. 0 = no limit (default). */
  readonly maxFileSize?: number;
  /** Scanning threads (this one and jobs - 1 workers); default: the number of cores. The report is the same for any value. */
  readonly jobs?: number;
  readonly budgets?: Partial<Budgets>;
  readonly cwd?: string;
  readonly onProgress?: (progress: ScanProgress) => void;
  /**
   * Stops the scan; temp space is still removed. The scan rejects with the signal's reason, unless
   * `reportWhenStopped` asks for the report of what was scanned so far.
   */
  readonly signal?: AbortSignal;
  /**
   * On `signal`, return a report of what was scanned before the stop instead of rejecting: every finding
   * made so far, the artifacts that were in the middle of being scanned or waiting as `interrupted`, and
   * `interrupted` set on the report (the files the walk had not reached yet are not listed).
   */
  readonly reportWhenStopped?: boolean;
  /** The clock for `generatedAt` (tests pin it). */
  readonly now?: () => Date;
  /**
   * Share of the heap's old-generation limit (default 0.75) above which the scan takes no new artifact and
   * reports what it has, with `interrupted` saying why: every artifact adds an entry to the report held in
   * memory, and a scan of millions would otherwise reach the limit, where V8 ends the process with nothing
   * written (see watchHeap).
   */
  readonly maxHeapShare?: number;
  /** Bytes per read. */
  readonly chunkSize?: number;
  /**
   * Compute SHA-256 on a thread of its own beside each scanning thread. Default: when the machine has two
   * cores per job (with more jobs, the cores are busy scanning).
   */
  readonly hashThread?: boolean;
  /**
   * Folders the walk passes over when it meets them inside a named folder, each recorded as `excluded` with
   * its reason (the CLI passes its own cache of compiled rule packs, which holds every rule term).
   */
  readonly exclude?: readonly Exclusion[];
}

/**
 * Chunks of just over 4 MiB: four whole windows of the matcher, so that a file read into the hashing
 * thread's blocks is scanned where it lies, but for the rest of its last chunk.
 */
const DEFAULT_CHUNK = 4 * WINDOW_BYTES;
/** Tasks kept in flight per job, so a worker never waits for the main thread. */
const IN_FLIGHT_PER_JOB = 4;
/** Waiting children held in memory at most; the rest wait in temp files. */
const MAX_PENDING_MEMORY = 128 << 20;
/** Leaves a quarter of the heap for the reports, which sort the ledger and write it in pieces. */
const DEFAULT_MAX_HEAP_SHARE = 0.75;

/**
 * What a stopped scan's report says: how far it got, why when it stopped by itself (`why`), and, when the
 * walk had not ended, where it was (`walkedTo`: the last path it gave, "" for none yet).
 */
function stoppedText(filesDone: number, why: string | undefined, walkedTo: string | undefined): string {
  const where =
    walkedTo === undefined
      ? ""
      : `; files the walk had not reached${walkedTo === "" ? "" : ` (it walks names in order, and had reached ${walkedTo})`} are not listed`;
  return `the scan was stopped after ${filesDone} artifacts${why === undefined ? "" : `, as ${why}`}${where}`;
}

export async function scan(options: ScanOptions): Promise<ScanReport> {
  const cwd = options.cwd ?? process.cwd();
  const jobs = jobsOf(options);
  const pack =
    options.pack ??
    (await loadRulePack({ paths: options.rules ?? [], builtin: options.builtinRules ?? true }));
  // With a spare core per job, SHA-256 runs beside the matcher instead of in series with it (workers start
  // their own). The thread takes ~30 ms to start: when the inputs may need it, it starts now, while the
  // automaton loads.
  const hashThread = hashThreadOn(options);
  const hasher = hashThread ? threadedHasher() : undefined;
  if (hasher !== undefined && mayHoldLongStreams(options.paths, cwd)) hasher.prepare();
  const maxFileSize = options.maxFileSize ?? 0;
  const budgets: Budgets = {
    ...DEFAULT_BUDGETS,
    ...options.budgets,
    maxFileSize: maxFileSize > 0 ? maxFileSize : Number.MAX_SAFE_INTEGER,
  };
  const minSeverity = options.minSeverity ?? "info";
  const rulesById = new Map<string, Rule>(pack.rules.map((rule) => [rule.id, rule]));

  const findings: Finding[] = [];
  const coverage: CoverageEntry[] = [];
  let filesFound = 0;
  let filesDone = 0;
  let bytesDone = 0;
  let nextId = 0;
  /**
   * The extraction budget (maxTotalBytes) is each input's: a bomb inside one file stops there, and a folder
   * of many firmware images gets each one expanded. Per input (the id of the file named or found), the bytes
   * its containers expanded and how many of its artifacts are queued or running; per artifact, its input.
   */
  const inputs = new Map<number, { expanded: number; live: number; path: string }>();
  const inputOf = new Map<number, number>();
  const track = (id: number, input: number): number => {
    inputOf.set(id, input);
    inputs.get(input)!.live++;
    return Math.max(0, budgets.maxTotalBytes - inputs.get(input)!.expanded);
  };
  const report = (): void => {
    options.onProgress?.({ filesDone, filesFound, bytesDone, findings: findings.length });
  };

  let tempRoot: string;
  let runner: ReturnType<typeof createTaskRunner>;
  try {
    tempRoot = await mkdtemp(join(tmpdir(), "custodiet-"));
    runner = createTaskRunner(
      { rules: pack.rules, budgets, chunkSize: options.chunkSize ?? DEFAULT_CHUNK, hashThread },
      jobs,
      (bytes) => {
        bytesDone += bytes;
        report();
      },
      options.signal,
      pack,
      hasher,
    );
  } catch (error) {
    // The hashing thread may have started already.
    await hasher?.close();
    throw error;
  }
  const partial = options.reportWhenStopped === true;
  /** The stop came before the work was done (a stop after the last artifact changes nothing). */
  let stoppedEarly = false;
  const heap = watchHeap(options.maxHeapShare ?? DEFAULT_MAX_HEAP_SHARE);
  /** Set once the heap is too full to take another artifact: the artifacts running finish, no more start. */
  let heapStop: string | undefined;
  const inFlight = new Set<Promise<void>>();
  const limit = jobs * IN_FLIGHT_PER_JOB;
  /** Bytes of waiting children held in memory, bounded by MAX_PENDING_MEMORY. */
  let pendingMemory = 0;
  /** Children wait here; taken last-in first-out so a deep container is finished before the next begins. */
  const pending: ArtifactTask[] = [];
  /** Container temp folders and how many of their children are still to scan. */
  const openFolders = new Map<string, number>();

  const skip = (layers: readonly LocationLayer[], reason: CoverageEntry["reason"], detail: string): void => {
    coverage.push({
      location: formatLocation(layers),
      layers,
      status: "skipped",
      ...(reason !== undefined ? { reason } : {}),
      detail,
      bytesScanned: 0,
    });
  };

  /** Folders that may exist on disk; the others (every leaf's) need no removal, which costs a thread trip each. */
  const madeFolders = new Set<string>();
  const release = async (folder: string): Promise<void> => {
    const left = (openFolders.get(folder) ?? 1) - 1;
    if (left > 0) {
      openFolders.set(folder, left);
      return;
    }
    openFolders.delete(folder);
    if (!madeFolders.delete(folder)) return;
    await rm(folder, { recursive: true, force: true });
  };

  /** Wakes the main loop when children are handed on while their container is still being extracted. */
  let wake: (() => void) | undefined;
  const start = (task: ArtifactTask, parentFolder: string | undefined): void => {
    filesFound++;
    const running: Promise<void> = (async () => {
      openFolders.set(task.tempDir, 1);
      let result: ArtifactResult;
      // Children in files of their own (members 7-Zip wrote) are queued as they come, and may be scanned
      // while their container is still being extracted.
      const handOver = (layer: LocationLayer, child: ChildTask): void => {
        // The task's input is known until its result is handled, and its children come before its result.
        queueChild(task, inputOf.get(task.id)!, task.parents.concat([layer]), child, parentFolder);
        wake?.();
      };
      try {
        result = await runner.run(task, handOver);
      } catch (error) {
        if (!(partial && options.signal?.aborted === true)) throw error;
        stoppedEarly = true;
        result = interruptedResult(task);
      }
      // A result that does not say (a crashed worker's) may have left a folder.
      if (result.tempDirMade !== false) madeFolders.add(task.tempDir);
      handle(task, result, parentFolder);
      // This artifact's own folder is released once; its children hold their own references.
      await release(task.tempDir);
      if (parentFolder !== undefined) await release(parentFolder);
    })().finally(() => inFlight.delete(running));
    // Marked as handled here; the main loop's race still sees a failure.
    running.catch(() => undefined);
    inFlight.add(running);
  };
  const parentOf = new Map<number, string>();

  /** `heldFolder`: the folder that holds the task's file, held until the task is done (none for an input). */
  const handle = (task: ArtifactTask, result: ArtifactResult, heldFolder: string | undefined): void => {
    filesDone++;
    const input = inputOf.get(task.id)!;
    // concat, not a spread: a spread array keeps spare capacity, 136 bytes more for each of 100,000 entries.
    const layers = task.parents.concat([result.layer]);
    // Optional members added one by one in a fixed order: spreads gave each entry a hidden class of its own.
    const entry: { -readonly [K in keyof CoverageEntry]: CoverageEntry[K] } = {
      location: formatLocation(layers),
      layers,
      status: result.status,
      bytesScanned: result.bytesScanned,
    };
    if (result.reason !== undefined) entry.reason = result.reason;
    if (result.detail !== undefined) entry.detail = result.detail;
    if (result.format !== undefined) entry.format = result.format;
    coverage.push(entry);
    for (const finding of toFindings(result.detections, layers, rulesById)) {
      if (severityRank(finding.severity) >= severityRank(minSeverity)) findings.push(finding);
    }
    for (const skipped of result.skipped) {
      skip(layers.concat([layerOf(skipped.origin, "", 0)]), skipped.reason, skipped.detail);
    }
    for (const child of result.children) queueChild(task, input, layers, child, heldFolder);
    inputOf.delete(task.id);
    const state = inputs.get(input)!;
    if (--state.live === 0) inputs.delete(input);
    heapStop ??= heap.full();
    report();
  };

  const queueChild = (
    parent: ArtifactTask,
    input: number,
    parentLayers: readonly LocationLayer[],
    child: ChildTask,
    parentFileFolder: string | undefined,
  ): void => {
    const childLayers = parentLayers.concat([layerOf(child.origin, "", child.size)]);
    if (child.size > budgets.maxFileSize) {
      skip(childLayers, "too-large", `${child.size} bytes is over the limit of ${budgets.maxFileSize}`);
      return;
    }
    const state = inputs.get(input)!;
    if (state.expanded + child.size > budgets.maxTotalBytes) {
      skip(
        childLayers,
        "budget-total-bytes",
        `its input ${state.path} already expanded ${state.expanded} of ${budgets.maxTotalBytes} bytes`,
      );
      return;
    }
    state.expanded += child.size;
    const id = nextId++;
    let bytes = child.bytes;
    let file = child.file;
    let range = bytes === undefined ? child.range : undefined;
    let inflated = bytes === undefined ? child.inflated : undefined;
    if (bytes !== undefined && pendingMemory + bytes.length > MAX_PENDING_MEMORY) {
      // Too many members waiting in memory (a zip of 100k small files): the range of the parent's file
      // they are when they are one, else spilled to the parent's folder.
      if (child.alsoAt !== undefined) ({ file, range, inflated } = child.alsoAt);
      else {
        file = join(parent.tempDir, `spill-${id}`);
        mkdirSync(parent.tempDir, { recursive: true });
        madeFolders.add(parent.tempDir);
        writeFileSync(file, bytes);
      }
      bytes = undefined;
    }
    if (bytes !== undefined) pendingMemory += bytes.length;
    // The child's bytes live in the parent's folder, or for a range of the parent's own file in the folder
    // that holds that file (none for an input): keep that folder until the child is scanned.
    const holder =
      range !== undefined && file === parent.file
        ? parentFileFolder
        : file !== undefined
          ? parent.tempDir
          : undefined;
    if (holder !== undefined) {
      openFolders.set(holder, (openFolders.get(holder) ?? 0) + 1);
      parentOf.set(id, holder);
    }
    pending.push({
      id,
      parents: parentLayers,
      origin: child.origin,
      ...(bytes !== undefined
        ? { bytes }
        : range !== undefined
          ? { file: file!, range, ...(inflated !== undefined ? { inflated } : {}) }
          : { file: file! }),
      depth: parent.depth + 1,
      leafOnly: child.leafOnly,
      tempDir: join(tempRoot, `a${id}`),
      remainingBytes: track(id, input),
    });
  };

  const walker = walkInputs(options.paths, cwd, options.exclude)[Symbol.asyncIterator]();
  /** `last`: the path the walk gave last, so that a stopped scan can say where to go on from. */
  const walk: { done: boolean; last?: string } = { done: false };
  const nextInput = async (): Promise<ArtifactTask | undefined> => {
    while (!walk.done) {
      const next = await walker.next();
      if (next.done === true) {
        walk.done = true;
        return undefined;
      }
      const input = next.value;
      walk.last = input.displayPath;
      const layer: LocationLayer = { path: input.displayPath, via: "file", sha256: "", size: input.size };
      if (input.kind === "skipped") {
        skip([layer], input.reason, input.detail);
        continue;
      }
      if (maxFileSize > 0 && input.size > maxFileSize) {
        skip([layer], "too-large", `${input.size} bytes is over --max-file-size ${maxFileSize}`);
        continue;
      }
      const id = nextId++;
      inputs.set(id, { expanded: 0, live: 0, path: input.displayPath });
      return {
        id,
        parents: [],
        origin: { path: input.displayPath, via: "file" },
        file: input.absolutePath,
        depth: 0,
        leafOnly: false,
        tempDir: join(tempRoot, `a${id}`),
        remainingBytes: track(id, id),
      };
    }
    return undefined;
  };

  const stopped = new Promise<void>((resolve, reject) => {
    options.signal?.addEventListener("abort", () => {
      if (partial) resolve();
      else reject(options.signal?.reason as Error);
    });
  });
  stopped.catch(() => undefined);
  try {
    while (true) {
      if (partial && options.signal?.aborted === true) {
        stoppedEarly = true;
        break;
      }
      options.signal?.throwIfAborted();
      while (heapStop === undefined && inFlight.size < limit) {
        const task = pending.pop() ?? (await nextInput());
        if (task === undefined) break;
        pendingMemory -= task.bytes?.length ?? 0;
        start(task, parentOf.get(task.id));
        parentOf.delete(task.id);
      }
      if (inFlight.size === 0 && pending.length === 0 && walk.done) break;
      if (inFlight.size === 0 && heapStop !== undefined) {
        stoppedEarly = true;
        break;
      }
      if (inFlight.size > 0)
        await Promise.race([
          ...inFlight,
          stopped,
          new Promise<void>((resolve) => {
            wake = resolve;
          }),
        ]);
      wake = undefined;
    }
  } finally {
    // A stopped walk lets go of the folder it had open.
    if (!walk.done) await walker.return(undefined).catch(() => undefined);
    heap.close();
    await runner.close();
    await hasher?.close();
    await Promise.allSettled(inFlight);
    await rm(tempRoot, { recursive: true, force: true });
  }
  const interrupted = (partial || heapStop !== undefined) && stoppedEarly;
  if (interrupted) {
    // Children that were waiting never ran: each is in the ledger, as every artifact is.
    for (const task of pending.splice(0))
      skip(
        task.parents.concat([layerOf(task.origin, "", task.bytes?.length ?? 0)]),
        "interrupted",
        "before this was scanned",
      );
  }

  // Echoes first: a container's raw bytes repeat a member's findings even where the member's own are then
  // left to the layers that unfold it (a source map's to its sources).
  const { kept: untold, repeated, unfolded } = dropRetoldRepeats(dropContainerEchoes(findings));
  const kept = sortFindings(untold);
  coverage.forEach((entry, index) => {
    if (entry.detail !== undefined) return;
    const count = repeated.get(entry.location);
    const inSources = unfolded.get(entry.location);
    if (count !== undefined)
      coverage[index] = {
        ...entry,
        detail: `${count} ${count === 1 ? "finding repeats" : "findings repeat"} the parent layer's and ${count === 1 ? "is" : "are"} reported there`,
      };
    else if (inSources !== undefined)
      coverage[index] = {
        ...entry,
        detail: `${inSources} ${inSources === 1 ? "finding is" : "findings are"} reported in the files it holds (a map's sources, a capture's bodies), at their own lines`,
      };
  });
  sortCoverage(coverage);
  const usedRules = [...new Set(kept.map((f) => f.ruleId))]
    .sort()
    .map((id) => summarizeRule(rulesById.get(id)!));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "custodiet", version: TOOL_VERSION },
    rulePack: { hash: pack.hash, ruleCount: pack.rules.length, needleCount: pack.needles.length },
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    inputs: options.paths.map(toDisplayPath),
    options: { minSeverity, maxFileSize },
    rules: usedRules,
    findings: kept,
    coverage,
    summary: buildSummary(kept, coverage),
    ...(interrupted
      ? {
          interrupted: stoppedText(
            filesDone,
            options.signal?.aborted === true ? undefined : heapStop,
            walk.done ? undefined : (walk.last ?? ""),
          ),
        }
      : {}),
  };
}
