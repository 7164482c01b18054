import type { ByteSource } from "../model/bytes.js";

/**
 * Blobs whose content cannot be searched in clear: encrypted firmware (newer camera firmware images are),
 * or data compressed in a format custodiet does not open. Matching their bytes finds nothing, whatever the
 * software inside does; the coverage ledger says so rather than let "no findings" stand for "nothing
 * there". Told by their byte entropy, sampled across the blob (no full pass: this runs on the hot path).
 */

/** Blobs smaller than this are not judged (a few kilobytes of entropy say little). */
export const OPAQUE_MIN_BYTES = 256 * 1024;
const SAMPLE_BYTES = 4096;
const MAX_SAMPLES = 32;
/**
 * Entropy, in bits per byte, above which a 4 KiB sample reads as random: uniform random bytes give
 * 7.955 ± 0.01 in 4,096 bytes; machine code about 6, text under 5, a zeroed or padded area near 0.
 */
const RANDOM_BITS = 7.9;
/** Share of the samples that must read as random. */
const RANDOM_SHARE = 0.9;
/** Samples in clear, with none random, after which a blob is judged not random (see sampleRandomness). */
const CLEAR_START = 4;
/** 0 … MAX_SAMPLES - 1 in bit-reversed order: each prefix spreads over the whole range. */
const SPREAD_ORDER = Array.from({ length: MAX_SAMPLES }, (_, index) => index).sort(
  (a, b) => bitReversed(a) - bitReversed(b),
);

function bitReversed(value: number): number {
  let reversed = 0;
  for (let bit = 1, mirror = MAX_SAMPLES >> 1; bit < MAX_SAMPLES; bit <<= 1, mirror >>= 1)
    if (value & bit) reversed |= mirror;
  return reversed;
}

/**
 * Media and other formats that are compressed by design and hold no software: a JPEG, a video or a font is
 * not an opaque firmware. Matched at the start (ftyp at 4).
 */
const MEDIA_MAGICS: readonly (readonly number[])[] = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x52, 0x49, 0x46, 0x46], // RIFF: WebP, AVI, WAV
  [0x1a, 0x45, 0xdf, 0xa3], // Matroska, WebM
  [0x49, 0x44, 0x33], // MP3 with ID3
  [0x4f, 0x67, 0x67, 0x53], // Ogg
  [0x66, 0x4c, 0x61, 0x43], // FLAC
  [0x77, 0x4f, 0x46, 0x32], // WOFF2
  [0x77, 0x4f, 0x46, 0x46], // WOFF
  [0x49, 0x49, 0x2a, 0x00], // TIFF
  [0x4d, 0x4d, 0x00, 0x2a], // TIFF
  [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50], // JPEG 2000
  [0x44, 0x48, 0x41, 0x56], // DHAV: Dahua recorded video
  [0x49, 0x4d, 0x4b, 0x48], // IMKH: Hikvision recorded video
  [0x00, 0x00, 0x00, 0x01], // H.264/H.265 elementary stream
  [0x00, 0x00, 0x01, 0xba], // MPEG program stream
];

function isMedia(head: Uint8Array): boolean {
  if (head.length >= 12 && head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70)
    return true; // ISO media: MP4, MOV, HEIC, AVIF
  // MPEG transport stream: sync bytes every 188.
  if (head.length >= 3 * 188 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return true;
  // MPEG audio frames (MP3 without a tag, AAC in ADTS).
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) return true;
  return MEDIA_MAGICS.some((magic) => magic.every((byte, index) => head[index] === byte));
}

/** Shannon entropy of `bytes`, in bits per byte. */
export function entropy(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (let at = 0; at < bytes.length; at++) counts[bytes[at]!]!++;
  let bits = 0;
  for (let symbol = 0; symbol < 256; symbol++) {
    const count = counts[symbol]!;
    if (count === 0) continue;
    const p = count / bytes.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** How random a blob reads: the share of its samples that look random, and their mean entropy. */
export interface Randomness {
  readonly share: number;
  readonly bits: number;
  readonly samples: number;
}

/**
 * Byte entropy sampled in 8-32 blocks of 4 KiB spread over the blob; undefined for a blob too small to
 * judge, of a media format, or (the sampling stops early) whose random share is surely below `atLeast`.
 * `head` holds its first bytes.
 */
export async function sampleRandomness(
  source: ByteSource,
  head: Uint8Array,
  atLeast = 0,
): Promise<Randomness | undefined> {
  if (source.size < OPAQUE_MIN_BYTES || isMedia(head)) return undefined;
  const samples = Math.min(MAX_SAMPLES, Math.floor(source.size / (8 * SAMPLE_BYTES)));
  const step = Math.floor((source.size - SAMPLE_BYTES) / (samples - 1));
  let random = 0;
  let total = 0;
  let taken = 0;
  // Spread first (0, 16, 8, 24, 4 … of 32): the first few samples already span the blob.
  for (const k of SPREAD_ORDER) {
    if (k >= samples) continue;
    const bits = entropy(await source.read(k * step, SAMPLE_BYTES));
    total += bits;
    taken++;
    if (bits >= RANDOM_BITS) random++;
    // Too many samples in clear already, or none random among the first spread ones (text and code stop
    // after four reads).
    if (taken - random > samples * (1 - atLeast) || (taken >= CLEAR_START && random === 0)) return undefined;
  }
  return { share: random / samples, bits: total / samples, samples };
}

/** Whether a blob that reads this randomly is opaque: random-looking throughout. */
export function isOpaque(randomness: Randomness | undefined): randomness is Randomness {
  return randomness !== undefined && randomness.share >= RANDOM_SHARE;
}

/** Why an opaque blob's content could not be searched in clear. */
export function opaqueDetail(randomness: Randomness): string {
  return (
    `random-looking throughout: ${randomness.bits.toFixed(2)} bits per byte in ${randomness.samples} samples, ` +
    `and in no format custodiet opens; encrypted, or compressed in a format it cannot read, so its content ` +
    `was not searched in clear`
  );
}

/**
 * Why the blob's content could not be searched in clear, or undefined: random-looking throughout (in
 * samples spread over it) and of no media format. `head` holds its first bytes.
 */
export async function opaqueContent(source: ByteSource, head: Uint8Array): Promise<string | undefined> {
  const randomness = await sampleRandomness(source, head, RANDOM_SHARE);
  return isOpaque(randomness) ? opaqueDetail(randomness) : undefined;
}
