import type { Candidate as CarveCandidate } from "./carve-extractor.js";
import type { ByteSource, FileRange, FileSpan } from "../model/bytes.js";
import type { CoverageReason } from "../model/coverage.js";

/** Limits that bound what one scan may expand. Going over one records a `budget-*` coverage entry. */
export interface Budgets {
  /** Maximum container nesting depth; the file the user named is depth 0. Default 10. */
  readonly maxDepth: number;
  /**
   * Total bytes the extractions inside one input (a file named, or found in a folder named) may write,
   * counted over all of its nested containers.
   */
  readonly maxTotalBytes: number;
  /** Maximum expansion ratio of one member (uncompressed / compressed). */
  readonly maxRatio: number;
  /** Maximum members yielded by one container. */
  readonly maxMembers: number;
  /** Maximum milliseconds spent extracting one artifact. */
  readonly maxMillisPerArtifact: number;
  /** Members larger than this are skipped as too-large (the scan's --max-file-size). */
  readonly maxFileSize: number;
}

export interface ExtractContext {
  /** A private, empty directory for this container; only write below it. Removed by the engine afterwards. */
  readonly tempDir: string;
  readonly budgets: Budgets;
  /** Depth of the container being opened (its children get depth + 1). */
  readonly depth: number;
  /** Bytes still allowed under `maxTotalBytes` for this container's input at the time of the call. */
  readonly remainingBytes: number;
  /** Aborted when the time budget of the artifact runs out. */
  readonly signal: AbortSignal;
  /** The label of the container (last path component), for carving names. */
  readonly name: string;
  /**
   * Carving signatures the scan's own pass found in this container, in offset order (see
   * CARVE_SIGNATURES); the carver then does not search for them again.
   */
  readonly signatures?: readonly CarveCandidate[];
  /**
   * This container was carved out of its parent: where it ends is a guess, so bytes after its last stream
   * are expected (they are the parent's, searched there) and are not a sign of damage.
   */
  readonly carved?: boolean;
}

/** A child artifact: its bytes live in a file under tempDir (large) or in memory (small). */
export interface ChildArtifact {
  readonly kind: "child";
  /** Member name as stored in the container; a label only, never used as a path outside tempDir. */
  readonly name: string;
  /** Extractor name ("zip", "gzip", "carve", "pdf-text", …) recorded in the location layer. */
  readonly via: string;
  readonly offsetInParent?: number;
  readonly carvedAt?: number;
  /** Where in a document the text comes from ("page 3", "word/document.xml"). */
  readonly element?: string;
  /**
   * Exactly one of `file` (absolute path under tempDir) or `bytes`; or `file` with `range`: the child is
   * that range of the file the container itself is read from (`ByteSource.file`), not a copy.
   */
  readonly file?: string;
  readonly range?: FileRange;
  readonly bytes?: Uint8Array;
  /**
   * With `bytes`: the same bytes as a range of the file the container is read from (a small member stored
   * as it is). When members held in memory must be written out, the child becomes that range instead of a
   * temp file.
   */
  readonly alsoAt?: FileSpan;
  /** Skip further extraction of this child (e.g. extracted document text, which is scanned but not opened). */
  readonly leafOnly?: boolean;
}

/** A member that could not be extracted; it becomes a coverage entry. */
export interface SkippedMember {
  readonly kind: "skipped";
  readonly name: string;
  readonly via: string;
  readonly reason: CoverageReason;
  readonly detail: string;
  readonly offsetInParent?: number;
}

/** The container itself was only partly read (truncated, corrupt tail, budget hit). */
export interface PartialNotice {
  readonly kind: "partial";
  readonly reason: CoverageReason;
  readonly detail: string;
}

export type ExtractEvent = ChildArtifact | SkippedMember | PartialNotice;

export interface Extractor {
  /** Stable name, used as `via` and in coverage `format`. */
  readonly name: string;
  /**
   * True for a search rather than a format (carving): claiming an artifact does not say what it is, so
   * the coverage ledger records the format only when something was found.
   */
  readonly speculative?: boolean;
  /**
   * True when two extractions by this extractor may not overlap within a thread (pdf.js keeps state per
   * thread). The engine queues them, and each one's time budget starts when its turn comes.
   */
  readonly oneAtATime?: boolean;
  /**
   * Decides by content. `head` holds the first bytes of the artifact (at least 64 KiB or the whole
   * artifact when smaller); `source` allows looking further (e.g. ISO 9660 at 0x8001, tar at 257).
   */
  detect(head: Uint8Array, source: ByteSource): boolean | Promise<boolean>;
  /** Yields children and notices. Must not throw for corrupt input: yield a notice instead. */
  extract(source: ByteSource, context: ExtractContext): AsyncIterable<ExtractEvent>;
}
