import type { CoverageReason, CoverageStatus } from "../model/coverage.js";
import type { FileRange, FileSpan } from "../model/bytes.js";
import type { LocationLayer } from "../model/location.js";
import type { Budgets } from "../extract/extractor.js";
import type { Detection } from "../analyze/analyzer.js";
import type { Automaton } from "../match/automaton.js";
import type { CompiledRulePack, RulePackParts } from "../rules/compile.js";

/** How an artifact came to be, before its bytes are hashed. */
export interface LayerOrigin {
  readonly path: string;
  readonly via: string;
  readonly offsetInParent?: number;
  readonly carvedAt?: number;
  readonly element?: string;
}

/** One artifact to scan: a file the user named or found, or a child spilled by an extractor. Structured-clonable. */
export interface ArtifactTask {
  readonly id: number;
  /** Layers of the containers around it, outermost first (complete, with hashes). */
  readonly parents: readonly LocationLayer[];
  readonly origin: LayerOrigin;
  /** Exactly one of `file` or `bytes`. */
  readonly file?: string;
  /** With `file`: the artifact is this range of it (a member stored as it is in a container on disk). */
  readonly range?: FileRange;
  /** With `range`: the range holds the artifact raw-deflated, and it inflates to this many bytes. */
  readonly inflated?: number;
  readonly bytes?: Uint8Array;
  readonly depth: number;
  /** Scan the bytes, do not open them as a container (extracted document text). */
  readonly leafOnly: boolean;
  /** Where the extractor of this artifact may write (a fresh folder under the scan's private temp area). */
  readonly tempDir: string;
  /** Budget bytes still available for extraction when the task was sent. */
  readonly remainingBytes: number;
}

/** A detection with the positions the engine adds (1-based line and column for text artifacts). */
export type LocatedDetection = Detection & { readonly line?: number; readonly column?: number };

export interface ChildTask {
  readonly origin: LayerOrigin;
  readonly file?: string;
  /** Of `file`: the container's own file, or a file its extractor wrote (in the container's temp folder). */
  readonly range?: FileRange;
  /** See ArtifactTask.inflated. */
  readonly inflated?: number;
  readonly bytes?: Uint8Array;
  /** With `bytes`: the same bytes as a range of the container's file, taken when they must leave memory. */
  readonly alsoAt?: FileSpan;
  readonly size: number;
  readonly leafOnly: boolean;
}

/**
 * Takes a child of a container while the container is still being extracted, with the container's layer
 * (complete: its bytes are scanned and hashed before it is opened). Only a child in a file the extractor
 * wrote (a member 7-Zip wrote: a file of its own or a range of a spool) is handed on so: the engine may scan
 * it at once, while the extractor writes the next.
 */
export type HandOver = (layer: LocationLayer, child: ChildTask) => void;

export interface SkippedChild {
  readonly origin: LayerOrigin;
  readonly reason: CoverageReason;
  readonly detail: string;
}

export interface ArtifactResult {
  readonly id: number;
  /** This artifact's own layer (hash and size known after streaming). */
  readonly layer: LocationLayer;
  readonly detections: readonly LocatedDetection[];
  readonly status: CoverageStatus;
  readonly reason?: CoverageReason;
  readonly detail?: string;
  readonly bytesScanned: number;
  readonly format?: string;
  readonly children: readonly ChildTask[];
  readonly skipped: readonly SkippedChild[];
  /** False when the artifact's temp folder was never made (it was no container): nothing to remove. */
  readonly tempDirMade?: boolean;
}

export interface WorkerSetup {
  /** Plain rule data, compiled only when the caller has no compiled pack to give. */
  readonly rules: readonly unknown[];
  readonly budgets: Budgets;
  readonly chunkSize: number;
  /** Each worker hashes on a thread of its own (see `hashThreadOn`). */
  readonly hashThread?: boolean;
}

/** Everything a thread needs to scan, built once on the main thread. */
export interface ScanSetup {
  readonly pack: CompiledRulePack;
  /** Built from `scanNeedles(pack)`. */
  readonly automaton: Automaton;
  readonly budgets: Budgets;
  readonly chunkSize: number;
  /** Each worker hashes on a thread of its own (see `hashThreadOn`). */
  readonly hashThread: boolean;
}

/**
 * A location layer with its properties always added in one order. Object spreads of optional members
 * (`{ ...origin, sha256, size }`) gave nearly every layer a hidden class of its own: 91,000 maps and
 * descriptor arrays, 20 MB, for /usr/lib/jvm's coverage ledger.
 */
export function layerOf(origin: LayerOrigin, sha256: string, size: number): LocationLayer {
  const layer: { -readonly [K in keyof LocationLayer]: LocationLayer[K] } = {
    path: origin.path,
    sha256,
    size,
    via: origin.via,
  };
  if (origin.offsetInParent !== undefined) layer.offsetInParent = origin.offsetInParent;
  if (origin.carvedAt !== undefined) layer.carvedAt = origin.carvedAt;
  if (origin.element !== undefined) layer.element = origin.element;
  return layer;
}

/**
 * Bytes cross threads by transfer, not copy. A view that shares its buffer with others (members cut from one
 * decompressed block) is copied first, so transferring it cannot empty its siblings.
 */
export function transferable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

/**
 * A ScanSetup as posted to a worker (by structured clone): the pack without its patterns, whose conditions
 * the worker compiles when it needs them, and the automaton with its tables in SharedArrayBuffers, so no
 * worker builds it again.
 */
export type PostedSetup = Omit<ScanSetup, "pack"> & { readonly pack: RulePackParts };

/** An artifact that was being scanned, or waiting for a thread, when the scan was stopped. */
export function interruptedResult(task: ArtifactTask): ArtifactResult {
  return {
    id: task.id,
    layer: layerOf(task.origin, "", task.bytes?.length ?? 0),
    detections: [],
    status: "skipped",
    reason: "interrupted",
    detail: "while this was being scanned",
    bytesScanned: 0,
    children: [],
    skipped: [],
  };
}
