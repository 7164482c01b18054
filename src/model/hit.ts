import type { Encoding } from "./encoding.js";

/** A needle found by the matcher. Offsets are 0-based byte offsets in the leaf artifact. */
export interface Hit {
  /** Index of the needle in the compiled needle table. */
  readonly needleId: number;
  /** Index of the term (the literal in the rule pack) the needle encodes. */
  readonly termId: number;
  readonly encoding: Encoding;
  /** Byte offset of the first matched byte. */
  readonly offset: number;
  /** Matched byte length. */
  readonly length: number;
}
