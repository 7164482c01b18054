import type { Needle } from "../match/index.js";
import type { CompiledRulePack } from "../rules/index.js";
import { CARVE_SIGNATURES, type CarveKind } from "../extract/carve-extractor.js";
import { DATA_URI_MARK } from "../extract/data-uri-extractor.js";

/**
 * The needles one scan pass streams every artifact through: the rule pack's needles (ids 0..n-1, as
 * compiled), then the carving signatures (ids n..), so that finding embedded streams in a firmware blob
 * costs no second pass over it, and last the mark of a base64 data URI in text (`;base64,`, see
 * DataUriWatch). Kept in one place so every thread builds the same automaton.
 */
export function scanNeedles(pack: CompiledRulePack): readonly Needle[] {
  const first = pack.needles.length;
  return [
    ...pack.needles,
    ...[...CARVE_SIGNATURES.map(({ magic }) => magic), DATA_URI_MARK].map((magic, index): Needle => ({
      id: first + index,
      termId: -1,
      encodings: [],
      bytes: Uint8Array.from(magic),
      foldMask: new Uint8Array(magic.length),
    })),
  ];
}

/** Whether a needle of `scanNeedles(pack)` is the mark of a data URI. */
export function isDataUriMark(pack: CompiledRulePack, needleId: number): boolean {
  return needleId === pack.needles.length + CARVE_SIGNATURES.length;
}

/** The carving signature a needle of `scanNeedles(pack)` stands for, or undefined for a rule needle. */
export function signatureKind(pack: CompiledRulePack, needleId: number): CarveKind | undefined {
  return CARVE_SIGNATURES[needleId - pack.needles.length]?.kind;
}
