import { writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { ByteSource, FileRange } from "../model/bytes.js";
import type { Hit } from "../model/hit.js";
import { analyzeHits, type Detection } from "../analyze/index.js";
import { widenToIdentifier } from "../analyze/identifier-span.js";
import { decodeWhole } from "../analyze/window.js";
import type { Budgets, ExtractContext, Extractor } from "../extract/extractor.js";
import { detectFormat, extractorNamed, type ExtractorName } from "../extract/registry.js";
import { mayHoldZlib } from "../extract/zlib-extractor.js";
import { DataUriWatch } from "../extract/data-uri-extractor.js";
import { EscapedWordWatch } from "../extract/escapes-extractor.js";
import { safeTempName, tookTempDir } from "../extract/child-writer.js";
import {
  compareCandidates,
  isCarveStart,
  MAX_CARVE_CANDIDATES,
  type Candidate,
} from "../extract/carve-extractor.js";
import { isDataUriMark, signatureKind } from "./scan-needles.js";
import { LineIndex, lineAt, type NewlineUnit } from "./newlines.js";
import { giveMatcher, takeMatcher, type Automaton } from "../match/index.js";
import type { CompiledRulePack } from "../rules/index.js";
import {
  acquireBuffer,
  memorySource,
  openFileSource,
  openInflatedRange,
  releaseBuffer,
  SMALL_FILE_BYTES,
} from "../sources/byte-source.js";
import { coverageReasonOf } from "../sources/walk.js";
import { inlineHasher, type Hasher } from "./hasher.js";
import { isOpaque, OPAQUE_MIN_BYTES, opaqueDetail, sampleRandomness } from "./opacity.js";
import { takeTurn } from "./turns.js";
import {
  layerOf,
  type ArtifactResult,
  type ArtifactTask,
  type ChildTask,
  type HandOver,
  type LocatedDetection,
  type SkippedChild,
} from "./task.js";
import type { CoverageReason, CoverageStatus } from "../model/coverage.js";

/**
 * Share of random-looking samples from which a blob is searched for zlib streams: a git pack reads 80%
 * random (its small trees and commits compress less), an R database or an encrypted image nearly all.
 */
const ZLIB_SEARCH_SHARE = 0.5;

/**
 * Members held in memory at most by the extractions running in this thread (tasks interleave); further ones
 * are written to their container's temp folder. A container's members are returned together, so without
 * this one source zip of 15,000 files held 194 MB, and several at once more.
 */
const EXTRACTED_MEMORY = 64 << 20;
/** Bytes of members kept in memory by extractions still running in this thread. */
let extractedInMemory = 0;
/** Hits are analysed in batches so that a file full of candidates never holds them all. */
const HIT_BATCH = 8192;
const HEAD_BYTES = 64 * 1024;

export interface ArtifactScanner {
  readonly pack: CompiledRulePack;
  readonly automaton: Automaton;
  readonly budgets: Budgets;
  readonly chunkSize: number;
  /** Called with bytes streamed so far, for progress. */
  readonly onBytes?: (bytes: number) => void;
  /** The whole scan was stopped (Ctrl-C): stop reading and extracting soon. */
  readonly signal?: AbortSignal;
  /** Where SHA-256 is computed (default: in this thread). */
  readonly hasher?: Hasher;
}

const IN_THREAD = inlineHasher();

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Scans one artifact: streams its bytes once through the hash and the automaton, analyses the hits
 * around their offsets, then, unless it is a leaf, opens it as a container and returns its children
 * as new tasks. Never throws for bad input: failures become coverage data.
 */
export async function scanArtifact(
  task: ArtifactTask,
  scanner: ArtifactScanner,
  /** Takes children in files of their own as they are extracted; else they come in the result. */
  handOver?: HandOver,
): Promise<ArtifactResult> {
  let source: ByteSource;
  // A small file is read into a buffer of the thread's pool, kept between artifacts.
  const into = task.bytes === undefined ? acquireBuffer(SMALL_FILE_BYTES + 1) : undefined;
  try {
    source =
      task.bytes !== undefined
        ? memorySource(task.bytes)
        : task.inflated !== undefined
          ? await openInflatedRange(task.file!, task.range!, task.inflated)
          : await openFileSource(task.file!, task.range, into);
  } catch (error) {
    if (into !== undefined) releaseBuffer(into);
    return {
      id: task.id,
      layer: layerOf(task.origin, "", 0),
      detections: [],
      status: "skipped",
      reason: coverageReasonOf(error),
      detail: describeError(error),
      bytesScanned: 0,
      children: [],
      skipped: [],
    };
  }
  let result: ArtifactResult | undefined;
  try {
    result = await scanOpened(task, source, scanner, handOver);
    return result;
  } finally {
    await source.close();
    // Back for the next small file, unless a child holds a view of it (a member stored in a small
    // container), which then owns it, or the scan ended in an error (something may still hold one).
    if (
      into !== undefined &&
      result !== undefined &&
      !result.children.some((child) => child.bytes !== undefined && child.bytes.buffer === into.buffer)
    )
      releaseBuffer(into);
  }
}

async function scanOpened(
  task: ArtifactTask,
  source: ByteSource,
  scanner: ArtifactScanner,
  handOver: HandOver | undefined,
): Promise<ArtifactResult> {
  const { pack, automaton } = scanner;
  const hash = await (scanner.hasher ?? IN_THREAD).open(source.size);
  const matcher = takeMatcher(automaton);
  const needles = automaton.needles;
  const detections: Detection[] = [];
  let hits: Hit[] = [];
  let head: Uint8Array | undefined;
  /** Newline counts of a text artifact, from its first hit on (see locateLines). */
  let lines: LineIndex | undefined;
  let linesChecked = false;
  let status: CoverageStatus = "scanned";
  let reason: CoverageReason | undefined;
  let detail: string | undefined;
  const ruleNeedles = pack.needles.length;
  /** Carving signatures seen in this pass, so that carving needs no second pass (bounded like the carver). */
  const signatures: Candidate[] = [];
  /** Watches text (not a leaf's, nor UTF-16) for words written in escapes; null when not text. */
  let escapes: EscapedWordWatch | null | undefined = task.leafOnly ? null : undefined;
  /** Watches the same text for base64 data: URIs worth decoding, from the marks the matcher reports. */
  let dataUris: DataUriWatch | null = null;
  const onMatch = (needleId: number, offset: number): void => {
    if (needleId >= ruleNeedles) {
      if (isDataUriMark(pack, needleId)) {
        dataUris?.mark(offset);
        return;
      }
      const kind = signatureKind(pack, needleId);
      // Only where a carve may start: every node header of a JFFS2 or UBIFS image matches a needle.
      if (kind !== undefined && signatures.length <= MAX_CARVE_CANDIDATES && isCarveStart(kind, offset))
        signatures.push({ kind, offset });
      return;
    }
    const needle = needles[needleId]!;
    hits.push({
      needleId,
      termId: needle.termId,
      encoding: needle.encodings[0]!,
      offset,
      length: needle.bytes.length,
    });
  };
  try {
    // A file is read into the hashing thread's memory where it has room: `update` then copies nothing.
    for await (const chunk of source.chunks(scanner.chunkSize, true, hash.buffers)) {
      scanner.signal?.throwIfAborted();
      // The chunk buffer is reused for the next read: keep a copy of the head.
      head ??= chunk.slice(0, HEAD_BYTES);
      if (escapes === undefined) {
        escapes = textKind(head) === "bytes" ? new EscapedWordWatch() : null;
        if (escapes !== null) dataUris = new DataUriWatch();
      }
      hash.update(chunk);
      const start = matcher.offset;
      matcher.push(chunk, onMatch);
      escapes?.push(chunk);
      dataUris?.push(chunk, start);
      if (lines !== undefined) lines.push(chunk);
      else if (!linesChecked && hits.length + detections.length > 0) {
        // The first hit: newlines in text are counted from here on as it streams by (a text without hits
        // pays nothing), and those before this chunk once more now.
        linesChecked = true;
        lines = await startLineIndex(source, head, matcher.offset - chunk.length);
        lines?.push(chunk);
      }
      scanner.onBytes?.(chunk.length);
      if (hits.length >= HIT_BATCH) {
        detections.push(...(await analyzeHits(hits, source, pack)));
        hits = [];
      }
    }
    if (hits.length > 0) detections.push(...(await analyzeHits(hits, source, pack)));
  } catch (error) {
    if (scanner.signal?.aborted === true) {
      hash.dispose();
      throw error;
    }
    status = "partial";
    reason = coverageReasonOf(error);
    detail = `read failed after ${matcher.offset} bytes: ${describeError(error)}`;
  }
  const bytesScanned = matcher.offset;
  giveMatcher(matcher);
  let sha256 = "";
  try {
    // Other artifacts in flight go on while the hashing thread finishes this one.
    sha256 = await hash.digestAsync();
  } catch (error) {
    status = "partial";
    reason = "unreadable";
    detail = `hashing failed: ${describeError(error)}`;
  }
  // A partial read hashes only what was read; say so rather than pretend.
  const layer = layerOf(task.origin, sha256, status === "scanned" ? bytesScanned : source.size);
  const give =
    handOver &&
    ((child: ChildTask): void => {
      handOver(layer, child);
    });
  const widened: Detection[] = [];
  for (const detection of detections) widened.push(await widenToIdentifier(detection, source));
  const located = await locateLines(widened, source, head ?? new Uint8Array(0), lines);

  const children: ChildTask[] = [];
  const skipped: SkippedChild[] = [];
  let format: string | undefined;
  /** Takes an extraction's children, and its notice as this artifact's status. */
  const take = (extracted: Extracted): void => {
    children.push(...extracted.children);
    skipped.push(...extracted.skipped);
    if (extracted.partial) {
      status = "partial";
      reason = extracted.partial.reason;
      detail = extracted.partial.detail;
    }
  };
  if (!task.leafOnly && status === "scanned" && head !== undefined) {
    const extracted = await extractChildren(
      task,
      source,
      head,
      scanner.budgets,
      scanner.signal,
      // Matches come in order of their last byte; the carver wants them by first byte.
      signatures.sort(compareCandidates),
      undefined,
      give,
    );
    format = extracted.format;
    take(extracted);
  }
  // What the text carries in another form, read when the watches saw it: the text with its escapes
  // decoded (in an HTML page, those of its scripts and links: its text layer has its references), and the
  // content of its base64 data: URIs (an inline source map, a module, a page's script).
  const textPasses: [boolean, ExtractorName][] = [
    [format === undefined && escapes?.found === true, "unescaped"],
    [format === "html" && escapes?.inCode === true, "unescaped-code"],
    [(format === undefined || format === "html") && dataUris?.found === true, "data-uri"],
  ];
  for (const [wanted, name] of textPasses)
    if (wanted && status === "scanned")
      take(
        await extractChildren(
          task,
          source,
          head!,
          scanner.budgets,
          scanner.signal,
          [],
          extractorNamed(name),
          give,
        ),
      );
  // A blob nothing could be made of, with no finding: when its bytes look random, say so, or "no findings"
  // would mislead. Before that, zlib streams are looked for in it (they have no magic of their own and
  // read as random): an R database, a git pack, firmware sections behind a vendor's header.
  if (
    status === "scanned" &&
    format === undefined &&
    !task.leafOnly &&
    located.length === 0 &&
    head !== undefined &&
    source.size >= OPAQUE_MIN_BYTES
  ) {
    const randomness = await sampleRandomness(source, head, ZLIB_SEARCH_SHARE);
    let left: { reason: CoverageReason; detail: string } | undefined;
    let read = false;
    if (randomness !== undefined && randomness.share >= ZLIB_SEARCH_SHARE && (await mayHoldZlib(source))) {
      const streams = await extractChildren(
        task,
        source,
        head,
        scanner.budgets,
        scanner.signal,
        [],
        extractorNamed("zlib"),
        give,
      );
      if (streams.children.length > 0 || streams.handed > 0 || streams.skipped.length > 0) {
        read = true;
        format = streams.format;
        children.push(...streams.children);
        skipped.push(...streams.skipped);
        left = streams.partial;
      }
    }
    // Streams that cover the blob leave nothing opaque; else the extractor says how much they covered.
    if (isOpaque(randomness) && (!read || left !== undefined)) {
      status = "partial";
      reason = left?.reason ?? "unknown-format";
      detail = left?.detail ?? opaqueDetail(randomness);
    }
  }
  return {
    id: task.id,
    layer,
    detections: located,
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(detail !== undefined ? { detail } : {}),
    bytesScanned,
    ...(format !== undefined ? { format } : {}),
    children,
    skipped,
    // Made when an extractor first named a file in it (see safeTempName).
    tempDirMade: tookTempDir(task.tempDir),
  };
}

interface Extracted {
  format?: string;
  children: ChildTask[];
  /** Children handed on as they came (see HandOver), not in `children`. */
  handed: number;
  skipped: SkippedChild[];
  partial?: { reason: CoverageReason; detail: string };
}

async function extractChildren(
  task: ArtifactTask,
  source: ByteSource,
  head: Uint8Array,
  budgets: Budgets,
  stop: AbortSignal | undefined,
  signatures: readonly Candidate[],
  /** Runs this extractor instead of the one the content's format names. */
  forced?: Extractor,
  handOver?: (child: ChildTask) => void,
): Promise<Extracted> {
  const result: Extracted = { children: [], handed: 0, skipped: [] };
  let extractor;
  try {
    extractor = forced ?? (await detectFormat(head, source));
  } catch (error) {
    result.partial = { reason: "corrupt", detail: `format detection failed: ${describeError(error)}` };
    return result;
  }
  if (extractor === undefined) return result;
  result.format = extractor.name;
  if (task.depth >= budgets.maxDepth) {
    result.partial = {
      reason: "budget-depth",
      detail: `${extractor.name} container not opened: depth ${task.depth} reaches the limit ${budgets.maxDepth}`,
    };
    return result;
  }
  // Carving a blob with no signature past its first byte finds nothing: no folder, no timers (this is
  // every binary leaf, e.g. each class file of a jar).
  if (extractor.speculative === true && !signatures.some((candidate) => candidate.offset > 0)) {
    delete result.format;
    return result;
  }
  const name = task.origin.path.split(/[/\\]/u).pop() ?? task.origin.path;
  // The time budget starts once the extraction may run (after the ones queued before it, for oneAtATime).
  const endTurn = extractor.oneAtATime === true ? await takeTurn(extractor.name, stop) : undefined;
  const timeout = AbortSignal.timeout(budgets.maxMillisPerArtifact);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  const context: ExtractContext = {
    tempDir: task.tempDir,
    budgets,
    depth: task.depth,
    remainingBytes: task.remainingBytes,
    signal,
    name,
    signatures,
    carved: task.origin.carvedAt !== undefined,
  };
  /** This extraction's share of extractedInMemory, given back when its children are handed over. */
  let kept = 0;
  try {
    for await (const event of extractor.extract(source, context)) {
      if (event.kind === "child") {
        const size = event.bytes?.length ?? event.range?.length ?? (await fileSize(event.file));
        let where: { bytes: Uint8Array } | { file: string; range?: FileRange; inflated?: number } =
          event.bytes !== undefined
            ? { bytes: event.bytes }
            : event.range !== undefined
              ? { file: event.file!, range: event.range }
              : { file: event.file! };
        let alsoAt = event.alsoAt;
        if (event.bytes !== undefined) {
          if (extractedInMemory + size > EXTRACTED_MEMORY) {
            // Out of memory for members: the range of the container's file they are, else a temp file.
            if (alsoAt !== undefined) where = alsoAt;
            else {
              const file = safeTempName(task.tempDir, event.name);
              writeFileSync(file, event.bytes, { flag: "wx" });
              where = { file };
            }
            alsoAt = undefined;
          } else {
            extractedInMemory += size;
            kept += size;
          }
        } else alsoAt = undefined;
        const child: ChildTask = {
          origin: {
            path: event.name,
            via: event.via,
            ...(event.offsetInParent !== undefined ? { offsetInParent: event.offsetInParent } : {}),
            ...(event.carvedAt !== undefined ? { carvedAt: event.carvedAt } : {}),
            ...(event.element !== undefined ? { element: event.element } : {}),
          },
          ...where,
          ...(alsoAt !== undefined ? { alsoAt } : {}),
          size,
          leafOnly: event.leafOnly === true,
        };
        // A file the extractor wrote (whole, or a range of it) goes on at once; bytes and ranges of this
        // artifact's own file (in memory, or read where they lie, both bounded while they wait) come with the
        // result.
        if (
          handOver !== undefined &&
          "file" in where &&
          (where.range === undefined || where.file !== task.file)
        ) {
          handOver(child);
          result.handed++;
        } else result.children.push(child);
      } else if (event.kind === "skipped") {
        result.skipped.push({
          origin: {
            path: event.name,
            via: event.via,
            ...(event.offsetInParent !== undefined ? { offsetInParent: event.offsetInParent } : {}),
          },
          reason: event.reason,
          detail: event.detail,
        });
      } else {
        result.partial = { reason: event.reason, detail: event.detail };
      }
      stop?.throwIfAborted();
      if (signal.aborted) {
        result.partial = {
          reason: "budget-time",
          detail: `extraction stopped after ${budgets.maxMillisPerArtifact} ms`,
        };
        break;
      }
    }
  } catch (error) {
    stop?.throwIfAborted();
    result.partial = signal.aborted
      ? { reason: "budget-time", detail: `extraction stopped after ${budgets.maxMillisPerArtifact} ms` }
      : { reason: "corrupt", detail: `${extractor.name}: ${describeError(error)}` };
  } finally {
    extractedInMemory -= kept;
    endTurn?.();
  }
  // A guess (the carver's, or a carved slice's format) that held nothing is not a format of this artifact.
  if (
    result.children.length === 0 &&
    result.handed === 0 &&
    result.skipped.length === 0 &&
    (extractor.speculative === true || (context.carved === true && result.partial === undefined))
  )
    delete result.format;
  return result;
}

async function fileSize(file: string | undefined): Promise<number> {
  if (file === undefined) return 0;
  return (await stat(file)).size;
}

/** 1 for a control byte that text does not hold (tab, line ends, form feed and escape are text), by byte. */
const CONTROL_BYTE = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte !== 0 && (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) ? 1 : 0,
);
/** 1 for NUL, by byte. */
const NUL_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => (byte === 0 ? 1 : 0));

/**
 * Per byte, what `tally` adds for it at an even offset: 1 for a NUL byte, 2^26 for a control byte. At an
 * odd offset a NUL byte adds 2^13. A head of 8,192 bytes has at most 4,096 NUL bytes at even offsets (13
 * bits) and as many at odd ones, and at most 8,192 control bytes: the sum holds all three exactly.
 */
const EVEN_TALLY = Float64Array.from(
  { length: 256 },
  (_, byte) => NUL_BYTE[byte]! + CONTROL_BYTE[byte]! * 2 ** 26,
);
const ODD_TALLY = Float64Array.from(
  { length: 256 },
  (_, byte) => NUL_BYTE[byte]! * 2 ** 13 + CONTROL_BYTE[byte]! * 2 ** 26,
);
const MAX_TALLIED = 8192;

/**
 * The packed counts (see EVEN_TALLY) over the first `pairs` bytes of `sample` (an even number, at most
 * MAX_TALLIED), by table, without a branch per byte: branches V8 had not seen taken when it optimised the
 * loop made it deoptimise again and again (ten times in a scan of the bench corpus).
 *
 * Nothing follows the loop but the return. V8 (Node 20's) compiles a long loop on its first call, as it
 * runs ("on-stack replacement"), and keeps that code for the calls after; an operation after the loop that
 * had not yet run when it was compiled then leaves the code at every call, which V8 does not take as a
 * reason to drop it. With the counts summed after the loop, one scan of the bench corpus in four left
 * `textKind` ~150 times this way; in a profile of one such scan it took 0.2 s.
 */
function tally(sample: Uint8Array, pairs: number): number {
  let sum = 0;
  for (let index = 0; index < pairs; index += 2)
    sum += EVEN_TALLY[sample[index]!]! + ODD_TALLY[sample[index + 1]!]!;
  return sum;
}

/** Text if the head has no NUL byte, or looks like UTF-16 (BOM or zero bytes in alternate positions). */
function textKind(head: Uint8Array): "bytes" | "utf-16le" | "utf-16be" | "binary" {
  const sample = head.subarray(0, MAX_TALLIED);
  if (sample.length >= 2 && sample[0] === 0xff && sample[1] === 0xfe) return "utf-16le";
  if (sample.length >= 2 && sample[0] === 0xfe && sample[1] === 0xff) return "utf-16be";
  const pairs = sample.length & ~1;
  const sum = tally(sample, pairs);
  let evenNul = sum % 2 ** 13;
  const oddNul = Math.floor(sum / 2 ** 13) % 2 ** 13;
  let control = Math.floor(sum / 2 ** 26);
  if (pairs < sample.length) {
    evenNul += NUL_BYTE[sample[pairs]!]!;
    control += CONTROL_BYTE[sample[pairs]!]!;
  }
  const nul = evenNul + oddNul;
  if (nul === 0) return control * 100 > sample.length ? "binary" : "bytes";
  const half = sample.length / 2;
  if (oddNul > half * 0.9 && evenNul === 0) return "utf-16le";
  if (evenNul > half * 0.9 && oddNul === 0) return "utf-16be";
  return "binary";
}

/** How newlines are written in an artifact that starts with `head`, or undefined for a binary one. */
function newlineUnit(head: Uint8Array): NewlineUnit | undefined {
  const kind = textKind(head);
  return kind === "binary" ? undefined : kind === "bytes" ? "byte" : kind;
}

/** Bytes read at a time to count the lines before an artifact's first hit. */
const LINE_COUNT_READ = 4 << 20;

/**
 * A line index of a text artifact (undefined for a binary one), with the newlines of its first `upTo` bytes
 * counted, read again from `source`; undefined also when they cannot all be read again (lines are then
 * counted from the start for each detection).
 */
async function startLineIndex(
  source: ByteSource,
  head: Uint8Array,
  upTo: number,
): Promise<LineIndex | undefined> {
  const unit = newlineUnit(head);
  if (unit === undefined) return undefined;
  const index = new LineIndex(unit);
  for (let at = 0; at < upTo; at += LINE_COUNT_READ) {
    const bytes = await source.read(at, Math.min(LINE_COUNT_READ, upTo - at));
    if (bytes.length < Math.min(LINE_COUNT_READ, upTo - at)) return undefined;
    index.push(bytes);
  }
  return index;
}

/** Bytes read before an offset for its line start at first: enough for most lines of text. */
const LINE_START_NEAR = 4096;
/**
 * Bytes read before an offset when its line starts further back: the column is given for lines that start
 * at most 64 KiB before (UTF-16 rounds an offset down by one byte, and a newline is up to two).
 */
const LINE_START_REACH = (1 << 16) + 4;
/** Nearby offsets share one read while it stays this long. */
const LOCATE_SPAN = 256 * 1024;

/**
 * Adds 1-based line and column to detections in text artifacts (UTF-16 newlines are 0A 00 / 00 0A on even
 * offsets). `index` holds the newline counts taken in the first pass (from its first hit on); without it
 * lines are counted from the start. Only artifacts with detections pay for this: a read of the bytes from the
 * index step before each offset (or a little more, for its line start), shared by nearby offsets.
 */
async function locateLines(
  detections: readonly Detection[],
  source: ByteSource,
  head: Uint8Array,
  index: LineIndex | undefined,
): Promise<LocatedDetection[]> {
  if (detections.length === 0) return [];
  const unit = index?.unit ?? newlineUnit(head);
  if (unit === undefined) return [...detections];
  const lines = index ?? new LineIndex(unit);
  const wanted = [...new Set(detections.map((d) => d.offset))].sort((a, b) => a - b);
  /** Where a read for `offset` starts: at its index step, and at least `reach` bytes back. */
  const readFrom = (offset: number, reach: number): number => {
    const even = offset - (offset % 2);
    return Math.min(lines.stepBefore(even).start, Math.max(0, even - reach));
  };
  const found = new Map<
    number,
    { line: number; start: number | undefined; bytes: Uint8Array; from: number }
  >();
  for (let first = 0; first < wanted.length;) {
    const from = readFrom(wanted[first]!, LINE_START_NEAR);
    let last = first;
    // Two bytes past an offset: the partner of a UTF-16 newline it may sit in.
    while (
      last + 1 < wanted.length &&
      readFrom(wanted[last + 1]!, LINE_START_NEAR) <= wanted[last]! + 2 &&
      wanted[last + 1]! + 2 - from <= LOCATE_SPAN
    )
      last++;
    const bytes = await source.read(from, wanted[last]! + 2 - from);
    for (let next = first; next <= last; next++) {
      const offset = wanted[next]!;
      let place = { ...lineAt(lines, offset, bytes, from), bytes, from };
      const further = readFrom(offset, LINE_START_REACH);
      if (place.start === undefined && further < from) {
        // A long line: read back as far as a column is given for.
        const more = await source.read(further, offset + 2 - further);
        place = { ...lineAt(lines, offset, more, further), bytes: more, from: further };
      }
      found.set(offset, place);
    }
    first = last + 1;
  }
  const located: LocatedDetection[] = [];
  for (const detection of detections) {
    const { line, start, bytes, from } = found.get(detection.offset)!;
    let column: number | undefined;
    if (start !== undefined) {
      const prefixLength = detection.offset - start;
      if (prefixLength >= 0 && prefixLength <= 1 << 16 && start >= from) {
        const prefix = bytes.subarray(start - from, detection.offset - from);
        column = codePoints(decodeWhole(prefix, detection.encoding)) + 1;
      }
    }
    located.push({ ...detection, line, ...(column !== undefined ? { column } : {}) });
  }
  return located;
}

/** Columns count characters (code points), not UTF-16 code units. */
function codePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0xdc00 || code > 0xdfff || index === 0 || (text.charCodeAt(index - 1) & 0xfc00) !== 0xd800)
      count++;
  }
  return count;
}
