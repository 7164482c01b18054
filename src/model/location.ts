/**
 * One layer of a location chain: the outermost layer is the file the user named (or found in a folder),
 * each next layer is a child extracted from the one before.
 * Display form: layers joined by "!", a carved child shown as `parent@0x1a2b00!child`.
 */
export interface LocationLayer {
  /** Path of the file (relative to the scan root, "/" separators) or member name inside its parent. */
  readonly path: string;
  /** Lower-case hex SHA-256 of this layer's bytes. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
  /** How this layer was obtained: "file" for the outermost, else the extractor name (e.g. "zip", "gzip", "carve"). */
  readonly via: string;
  /** Byte offset (0-based) of this layer's bytes inside its parent, where the container format has one. */
  readonly offsetInParent?: number;
  /** Set when this layer was carved out of its parent at that byte offset (0-based). */
  readonly carvedAt?: number;
  /** For document text layers: where in the document (e.g. "page 3", "word/document.xml"). */
  readonly element?: string;
}

export type LocationChain = readonly LocationLayer[];
