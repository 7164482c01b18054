import type { ByteSource } from "../model/bytes.js";
import type { Encoding } from "../model/encoding.js";
import type { Detection } from "./analyzer.js";
import { isIdentifierCode } from "./tokenizer.js";

/** How far an identifier may extend beyond the hit on each side, in bytes. */
const REACH = 256;
/**
 * Longer runs are not one identifier we can vouch for: Go and Rust binaries store strings back to back
 * without separators, so a run can span many names. Such hits keep their own span.
 */
const MAX_IDENTIFIER = 64;

/** The ASCII identifier code unit at `index` of `bytes` in `encoding`, or -1. */
function unitAt(bytes: Uint8Array, index: number, encoding: Encoding): number {
  if (encoding === "utf-16le") {
    const low = bytes[index];
    return low !== undefined && bytes[index + 1] === 0 && isIdentifierCode(low) ? low : -1;
  }
  if (encoding === "utf-16be") {
    const low = bytes[index + 1];
    return low !== undefined && bytes[index] === 0 && isIdentifierCode(low) ? low : -1;
  }
  const byte = bytes[index];
  return byte !== undefined && isIdentifierCode(byte) ? byte : -1;
}

/** Detections whose widening was already worked out on bytes in memory (by analyzeHits). */
const widenedInMemory = new WeakMap<Detection, Detection>();

/**
 * Works out the widening of `detection` now, from bytes already in memory (`bytes[0]` at absolute offset
 * `base`, covering REACH bytes on each side of the detection or up to the artifact's ends), so that
 * widenToIdentifier need not read them again.
 */
export function prepareWidening(detection: Detection, bytes: Uint8Array, base: number, size: number): void {
  const start = Math.max(0, detection.offset - REACH);
  const end = Math.min(size, detection.offset + detection.length + REACH);
  if (start < base || end > base + bytes.length) return;
  widenedInMemory.set(detection, widenIn(detection, bytes.subarray(start - base, end - base), start, size));
}

/**
 * Widens a detection on a token inside an ASCII identifier to the whole identifier, so that evidence
 * reads `EM_NATION_TYPE_UYGUR` at the identifier's own offset rather than `UYGUR` in its middle.
 * Detections on other text (CJK labels, phrases) are returned unchanged.
 */
export async function widenToIdentifier(detection: Detection, source: ByteSource): Promise<Detection> {
  const known = widenedInMemory.get(detection);
  if (known !== undefined) return known;
  const start = Math.max(0, detection.offset - REACH);
  const bytes = await source.read(start, detection.offset - start + detection.length + REACH);
  return widenIn(detection, bytes, start, source.size);
}

/** The widening over `bytes`: the artifact's bytes from absolute offset `start`, REACH bytes past the detection. */
function widenIn(detection: Detection, bytes: Uint8Array, start: number, size: number): Detection {
  const unit = detection.encoding === "utf-16le" || detection.encoding === "utf-16be" ? 2 : 1;
  const hitStart = detection.offset - start;
  const hitEnd = hitStart + detection.length;
  if (unitAt(bytes, hitStart, detection.encoding) < 0 || unitAt(bytes, hitEnd - unit, detection.encoding) < 0)
    return detection;
  let left = hitStart;
  while (left - unit >= 0 && unitAt(bytes, left - unit, detection.encoding) >= 0) left -= unit;
  // In GB18030 and Big5 an ASCII letter may be the trail byte of a double-byte character.
  if (
    (detection.encoding === "gb18030" || detection.encoding === "big5") &&
    left < hitStart &&
    left > 0 &&
    bytes[left - 1]! >= 0x81 &&
    bytes[left - 1]! <= 0xfe
  )
    left += 1;
  let right = hitEnd;
  while (right + unit <= bytes.length && unitAt(bytes, right, detection.encoding) >= 0) right += unit;
  // A window cut short is no identifier boundary we can vouch for.
  if ((left === 0 && start > 0) || (right === bytes.length && start + bytes.length < size)) return detection;
  if (left === hitStart && right === hitEnd) return detection;
  if ((right - left) / unit > MAX_IDENTIFIER) return detection;
  const addedLeft = (hitStart - left) / unit;
  const addedRight = (right - hitEnd) / unit;
  const span = bytes.subarray(left, right);
  let match = "";
  for (let index = 0; index < span.length; index += unit)
    match += String.fromCharCode(unitAt(span, index, detection.encoding));
  const [from, to] = detection.excerptMatch;
  return {
    ...detection,
    offset: start + left,
    length: right - left,
    match,
    matchHex: Buffer.from(span).toString("hex"),
    excerptMatch: [Math.max(0, from - addedLeft), Math.min(detection.excerpt.length, to + addedRight)],
    data: { ...detection.data, term: detection.match },
  };
}
