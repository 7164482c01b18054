// Test driver for extractors: opens a file or bytes, detects the format, runs the extractor and (for
// `openAll`) recurses into children the way the engine does, keeping the chain of layers.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFixtures } from "../../scripts/build-fixtures.mjs";
import type {
  Budgets,
  ChildArtifact,
  ExtractEvent,
  Extractor,
  PartialNotice,
  SkippedMember,
} from "../../src/extract/extractor.js";
import { DEFAULT_BUDGETS, detectFormat } from "../../src/extract/registry.js";
import type { ByteSource } from "../../src/model/bytes.js";
import { memorySource, openFileSource } from "../../src/sources/byte-source.js";

export const TEST_BUDGETS: Budgets = {
  ...DEFAULT_BUDGETS,
  maxFileSize: 256 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 ** 3,
};

export interface Run {
  readonly format: string | undefined;
  readonly events: ExtractEvent[];
  readonly children: ChildArtifact[];
  readonly skipped: SkippedMember[];
  readonly notices: PartialNotice[];
  readonly tempDir: string;
}

const tempDirs: string[] = [];

export async function newTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "custodiet-extract-test-"));
  tempDirs.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

let fixtureDir: Promise<{ dir: string; made: Record<string, string>; missing: string[] }> | undefined;

/** Builds the fixtures once per test file into a temp dir. */
export function fixtures(): Promise<{ dir: string; made: Record<string, string>; missing: string[] }> {
  fixtureDir ??= (async () => {
    const dir = await newTempDir();
    const { made, missing } = await buildFixtures(dir);
    return { dir, made, missing };
  })();
  return fixtureDir;
}

export async function sourceOf(input: string | Uint8Array): Promise<ByteSource> {
  return typeof input === "string" ? openFileSource(input) : memorySource(input);
}

/** Detects and extracts one layer. */
export async function runOnce(
  input: string | Uint8Array,
  options: {
    /** Over TEST_BUDGETS. */
    budgets?: Partial<Budgets>;
    name?: string;
    timeoutMs?: number;
    /** Instead of the timeout. */
    signal?: AbortSignal;
    remainingBytes?: number;
    /** Runs this extractor instead of the one detection picks. */
    extractor?: Extractor;
  } = {},
): Promise<Run> {
  const source = await sourceOf(input);
  const tempDir = await newTempDir();
  try {
    const head = await source.read(0, 65536);
    const extractor = options.extractor ?? (await detectFormat(head, source));
    const events: ExtractEvent[] = [];
    if (extractor !== undefined) {
      const budgets = { ...TEST_BUDGETS, ...options.budgets };
      const context = {
        tempDir,
        budgets,
        depth: 0,
        remainingBytes: options.remainingBytes ?? budgets.maxTotalBytes,
        signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? budgets.maxMillisPerArtifact),
        name: options.name ?? (typeof input === "string" ? (input.split("/").pop() ?? "input") : "input"),
      };
      for await (const event of extractor.extract(source, context)) events.push(event);
    }
    return {
      format: extractor?.name,
      events,
      children: events.filter((event): event is ChildArtifact => event.kind === "child"),
      skipped: events.filter((event): event is SkippedMember => event.kind === "skipped"),
      notices: events.filter((event): event is PartialNotice => event.kind === "partial"),
      tempDir,
    };
  } finally {
    await source.close();
  }
}

export async function childBytes(child: ChildArtifact): Promise<Uint8Array> {
  if (child.bytes !== undefined) return child.bytes;
  const whole = new Uint8Array(await readFile(child.file!));
  // A member handed on as a range of the container's own file.
  return child.range === undefined
    ? whole
    : whole.subarray(child.range.offset, child.range.offset + child.range.length);
}

export function contains(haystack: Uint8Array, needle: string | Uint8Array): number {
  const bytes = typeof needle === "string" ? Buffer.from(needle) : needle;
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(bytes);
}

export interface Layer {
  readonly name: string;
  readonly via: string;
  readonly offsetInParent?: number;
  readonly carvedAt?: number;
  readonly element?: string;
}

export interface Leaf {
  readonly layers: readonly Layer[];
  readonly bytes: Uint8Array;
}

/**
 * Recursively opens everything (like the engine, without matching); returns every artifact with its
 * chain. Applies the depth budget and the scan-wide total-bytes budget the way the engine does.
 */
export async function openAll(
  path: string,
  options: { budgets?: Budgets; timeoutMs?: number } = {},
): Promise<{ leaves: Leaf[]; notices: ExtractEvent[]; written: number }> {
  const budgets = options.budgets ?? TEST_BUDGETS;
  const leaves: Leaf[] = [];
  const notices: ExtractEvent[] = [];
  let written = 0;
  const visit = async (
    input: string | Uint8Array,
    layers: Layer[],
    depth: number,
    leafOnly: boolean,
  ): Promise<void> => {
    const bytes = typeof input === "string" ? new Uint8Array(await readFile(input)) : input;
    leaves.push({ layers, bytes });
    if (leafOnly) return;
    if (depth >= budgets.maxDepth) {
      const source = memorySource(bytes);
      if ((await detectFormat(bytes.subarray(0, 65536), source)) !== undefined) {
        notices.push({ kind: "partial", reason: "budget-depth", detail: `depth ${depth}` });
      }
      return;
    }
    const run = await runOnce(input, {
      name: layers.at(-1)?.name.split("/").pop() ?? "input",
      budgets,
      remainingBytes: budgets.maxTotalBytes - written,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    for (const event of run.events) {
      if (event.kind !== "child") {
        notices.push(event);
        continue;
      }
      const input = event.range !== undefined ? await childBytes(event) : (event.bytes ?? event.file!);
      written += typeof input === "string" ? (await readFile(input)).length : input.length;
      const layer: Layer = {
        name: event.name,
        via: event.via,
        ...(event.offsetInParent === undefined ? {} : { offsetInParent: event.offsetInParent }),
        ...(event.carvedAt === undefined ? {} : { carvedAt: event.carvedAt }),
        ...(event.element === undefined ? {} : { element: event.element }),
      };
      await visit(input, [...layers, layer], depth + 1, event.leafOnly === true);
    }
  };
  await visit(path, [{ name: path.split("/").pop()!, via: "file" }], 0, false);
  return { leaves, notices, written };
}

/** Display form of a chain, as in the design: `fw.bin!rootfs.img!…`, carved as `parent@0x…`. */
export function display(layers: readonly Layer[]): string {
  let out = "";
  for (const [index, layer] of layers.entries()) {
    if (layer.carvedAt !== undefined) out += `@0x${layer.carvedAt.toString(16)}`;
    else out += (index === 0 ? "" : "!") + layer.name;
  }
  return out;
}
