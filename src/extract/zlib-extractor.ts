import { constants, inflateRawSync } from "node:zlib";
import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, ContainerBudget, child, compactBytes, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { inflateRawAt } from "./streams.js";

/**
 * zlib streams (RFC 1950: a two-byte header, raw deflate, the Adler-32 of what it inflates to). A file may
 * be one (a `.zlib` file, an R lazy-load index `.rdx`, a git object) or hold many with other bytes between
 * them (an R lazy-load database `.rdb`, whose entries are a length and a stream each; firmware sections
 * compressed with zlib under a vendor's own header). Such a blob looks random throughout and has no magic
 * of its own, so it used to end as `unknown-format`. Each stream that inflates to its end with a matching
 * Adler-32 is one child, `zlib@OFFSET`; the checksum is what tells a stream from random bytes that happen
 * to start like one.
 */

/** zlib as deflate writes it by default: a 32 KiB window (CMF 0x78), the header check right, no dictionary. */
export function isZlibHeader(bytes: Uint8Array, at = 0): boolean {
  const flags = bytes[at + 1];
  return (
    bytes[at] === 0x78 && flags !== undefined && ((0x78 << 8) | flags) % 31 === 0 && (flags & 0x20) === 0
  );
}

/** Deflate input a probe inflates at most: random bytes fail within a few hundred. */
const PROBE_INPUT = 64 * 1024;
/** Output a probe may make before it stops (a real stream that gets this far is read in full anyway). */
const PROBE_OUTPUT = 1024 * 1024;

/** What a probe found: no stream, a whole one (what it inflates to, and its length with header and checksum), or maybe one. */
export type Probe =
  | { readonly kind: "no" }
  | { readonly kind: "yes"; readonly content: Uint8Array; readonly length: number }
  | { readonly kind: "maybe" };

const NO: Probe = { kind: "no" };
const MAYBE: Probe = { kind: "maybe" };

/**
 * What the data after the header at `at` is, judged from `bytes` alone (up to PROBE_INPUT of it): "no" when
 * it fails to inflate, or ends inside `bytes` with a wrong Adler-32 after it; "yes" when it ends there with
 * the right one (most streams in an R database or a git pack are that short); "maybe" when it inflates as
 * far as `bytes` go (a stream longer than that is read in full to tell).
 */
export function probeStream(bytes: Uint8Array, at: number): Probe {
  const input = bytes.subarray(at + 2, at + 2 + PROBE_INPUT);
  if (input.length === 0 || !plausibleFirstBlock(input)) return NO;
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    inflated = inflateRawSync(input, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: PROBE_OUTPUT,
      info: true,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  } catch (error) {
    // Past the output limit: it inflated that far, which random bytes do not.
    return error instanceof RangeError ? MAYBE : NO;
  }
  const consumed = inflated.engine.bytesWritten;
  const trailer = at + 2 + consumed;
  if (consumed >= input.length || trailer + 4 > bytes.length) return MAYBE;
  const view = new DataView(bytes.buffer, bytes.byteOffset + trailer, 4);
  if (view.getUint32(0) !== adler32(inflated.buffer)) return NO;
  return { kind: "yes", content: compactBytes(inflated.buffer), length: 2 + consumed + 4 };
}

/** Whether the data after the header at `at` may be a stream (see probeStream). */
export function inflatesAt(bytes: Uint8Array, at: number): boolean {
  return probeStream(bytes, at).kind !== "no";
}

/** Reads a deflate bit stream, least significant bit first. */
class Bits {
  private at = 0;
  private bit = 0;
  constructor(private readonly bytes: Uint8Array) {}
  /** `count` bits as a number (the first read is the lowest), or -1 past the end. */
  take(count: number): number {
    let value = 0;
    for (let k = 0; k < count; k++) {
      if (this.at >= this.bytes.length) return -1;
      value |= ((this.bytes[this.at]! >> this.bit) & 1) << k;
      if (++this.bit === 8) {
        this.bit = 0;
        this.at++;
      }
    }
    return value;
  }
  /** The next Huffman code bits, most significant first, appended to `code`; -1 past the end. */
  more(code: number, count: number): number {
    let value = code;
    for (let k = 0; k < count; k++) {
      const bit = this.take(1);
      if (bit < 0) return -1;
      value = (value << 1) | bit;
    }
    return value;
  }
  /** Skips to the next byte boundary. */
  align(): void {
    if (this.bit !== 0) {
      this.bit = 0;
      this.at++;
    }
  }
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
/** Symbols of a fixed-code block checked before zlib is asked. */
const FIXED_SYMBOLS = 32;

/**
 * Whether deflate data could begin a stream, judged by its first block without zlib (a call costs ~30 us,
 * and an encrypted blob holds a candidate header every 13 KB or so): not the reserved block type; a stored
 * block's length followed by its complement; a dynamic block's symbol counts in range and its code-length
 * code complete, as zlib requires; a fixed-code block's first symbols valid, each copy reaching back no
 * further than the output so far. Random bytes pass about once in a few hundred.
 */
export function plausibleFirstBlock(input: Uint8Array): boolean {
  const bits = new Bits(input);
  bits.take(1); // BFINAL
  const type = bits.take(2);
  if (type < 0) return true; // too short to judge: zlib decides
  if (type === 3) return false;
  if (type === 0) {
    bits.align();
    const length = bits.take(16);
    const complement = bits.take(16);
    return complement < 0 || (length ^ complement) === 0xffff;
  }
  if (type === 2) {
    const literals = bits.take(5);
    const distances = bits.take(5);
    const lengths = bits.take(4);
    if (lengths < 0) return true;
    if (literals > 29 || distances > 29) return false;
    // Kraft sum of the code-length code (its lengths, in whatever order they come), in units of 2^-7:
    // complete is exactly 128.
    let sum = 0;
    for (let k = 0; k < lengths + 4; k++) {
      const length = bits.take(3);
      if (length < 0) return true;
      if (length > 0) sum += 128 >> length;
    }
    return sum === 128;
  }
  // Fixed codes (RFC 1951, 3.2.6).
  let output = 0;
  for (let symbol = 0; symbol < FIXED_SYMBOLS; symbol++) {
    let code = bits.more(0, 7);
    if (code < 0) return true;
    let value: number;
    if (code <= 23) value = 256 + code;
    else {
      code = bits.more(code, 1);
      if (code < 0) return true;
      if (code >= 48 && code <= 191) value = code - 48;
      else if (code >= 192 && code <= 199) value = 280 + code - 192;
      else {
        code = bits.more(code, 1);
        if (code < 0) return true;
        value = 144 + code - 400;
      }
    }
    if (value < 256) {
      output++;
      continue;
    }
    if (value === 256) return true; // the block ends: what follows is zlib's to judge
    if (value > 285) return false;
    const extra = bits.take(LENGTH_EXTRA[value - 257]!);
    const distanceCode = bits.more(0, 5);
    if (extra < 0 || distanceCode < 0) return true;
    if (distanceCode > 29) return false;
    const distanceExtra = bits.take(Math.max(0, (distanceCode >> 1) - 1));
    if (distanceExtra < 0) return true;
    if (DISTANCE_BASE[distanceCode]! + distanceExtra > output) return false;
    output += LENGTH_BASE[value - 257]! + extra;
  }
  return true;
}

/** Adler-32 (RFC 1950), continued from `adler` over `bytes`. */
export function adler32(bytes: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let at = 0; at < bytes.length;) {
    // 5,552 bytes is the most that can be summed before b must be reduced (zlib's NMAX).
    const end = Math.min(bytes.length, at + 5552);
    for (; at < end; at++) {
      a += bytes[at]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Bytes read at a time while looking for stream headers (with the probe's reach, a read done at once). */
const SWEEP_WINDOW = 192 * 1024;

/** What reading one candidate stream gave. */
type Attempt =
  | { readonly kind: "stream"; readonly length: number; readonly events: readonly ExtractEvent[] }
  | { readonly kind: "none" };

/**
 * Reads the stream whose header is at `at`: a child when it inflates to its end and its Adler-32 matches
 * (or a skipped member when a budget stops it, which is a stream too), else "none".
 */
async function readStream(
  source: ByteSource,
  at: number,
  context: ExtractContext,
  budget: ContainerBudget,
): Promise<Attempt> {
  const name = `zlib@${at}`;
  const { limit, reason } = budget.streamLimit(source.size - at);
  const writer = new ChildWriter(context.tempDir, name);
  const state = { consumed: -1 };
  let adler = 1;
  let stopped: "limit" | "aborted" | undefined;
  try {
    for await (const chunk of inflateRawAt(source, at + 2, state)) {
      if (context.signal.aborted) {
        stopped = "aborted";
        break;
      }
      if (writer.size + chunk.length > limit) {
        stopped = "limit";
        break;
      }
      adler = adler32(chunk, adler);
      await writer.write(chunk);
    }
  } catch {
    await writer.discard();
    return { kind: "none" };
  }
  if (stopped !== undefined) {
    await writer.discard();
    // Inflating this far without an error is a stream, whatever its end holds.
    const detail =
      stopped === "limit" ? `stopped after ${limit} bytes while decompressing` : "time budget ran out";
    const skipped = budget.skip(name, stopped === "limit" ? reason : "budget-time", detail, at);
    return { kind: "stream", length: source.size - at, events: [skipped] };
  }
  const trailer = state.consumed < 0 ? new Uint8Array(0) : await source.read(at + 2 + state.consumed, 4);
  const stored = trailer.length === 4 ? new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0) : -1;
  if (stored !== adler) {
    await writer.discard();
    return { kind: "none" };
  }
  const admitted = budget.admit(name, undefined);
  if (admitted !== undefined) {
    await writer.discard();
    return { kind: "stream", length: 2 + state.consumed + 4, events: [admitted] };
  }
  budget.written += writer.size;
  const where = await writer.finish();
  return {
    kind: "stream",
    length: 2 + state.consumed + 4,
    events: [child(name, "zlib", where, { offsetInParent: at })],
  };
}

/** The four headers isZlibHeader accepts (the compression level hint differs). */
const HEADERS = [0x01, 0x5e, 0x9c, 0xda].map((flags) => Buffer.of(0x78, flags));

/**
 * Offsets below `end` where a zlib header starts, in order. Found by native searches for the four headers:
 * 0x78 alone comes every 256 random bytes, and a call back into JavaScript for each cost 2 ns a byte.
 */
function headersIn(window: Uint8Array, end: number): number[] {
  const bytes = Buffer.from(window.buffer, window.byteOffset, window.byteLength);
  const found: number[] = [];
  for (const header of HEADERS)
    for (let at = bytes.indexOf(header); at >= 0 && at < end; at = bytes.indexOf(header, at + 1))
      found.push(at);
  return found.sort((a, b) => a - b);
}

/** A stream the probe read whole: a child, unless a budget stops it. */
function wholeStream(at: number, content: Uint8Array, length: number, budget: ContainerBudget): Attempt {
  const name = `zlib@${at}`;
  const admitted = budget.admit(name, content.length, length);
  if (admitted !== undefined) return { kind: "stream", length, events: [admitted] };
  budget.written += content.length;
  return {
    kind: "stream",
    length,
    events: [child(name, "zlib", { bytes: content }, { offsetInParent: at })],
  };
}

/** Share of the bytes the streams must cover for the rest to count as the gaps between them. */
const COVERED_SHARE = 0.9;
/**
 * The search gives up after this many bytes without a stream: a blob of streams shows the next one soon
 * (an R database's entries and a git pack's objects follow each other; firmware sections sit a header
 * apart), while an encrypted image has none anywhere; searching it costs ~3 ms per megabyte.
 */
const MAX_GAP = 1024 * 1024;

/**
 * Whether a header that inflates lies in the first MAX_GAP bytes, where the search for streams would give
 * up: a cheap test before an extraction (and its temp folder) is set up.
 */
export async function mayHoldZlib(source: ByteSource): Promise<boolean> {
  for (let position = 0; position < Math.min(source.size - 2, MAX_GAP); position += SWEEP_WINDOW) {
    const window = await source.read(position, SWEEP_WINDOW + PROBE_INPUT);
    const end = Math.min(SWEEP_WINDOW, window.length - 2);
    if (headersIn(window, end).some((at) => inflatesAt(window, at))) return true;
  }
  return false;
}

/**
 * Every zlib stream in the source, from its start: each header that inflates is read in full, and the
 * search goes on after the streams that check out. A blob whose streams leave more than a tenth of it
 * unread says so (`unknown-format`), with how much was read.
 */
async function* extractZlib(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "zlib");
  let streams = 0;
  let covered = 0;
  let position = 0;
  /** Where the search goes on from after the last stream (or the start). */
  let since = 0;
  sweep: while (position < source.size - 2) {
    if (context.signal.aborted) return;
    if (position - since > MAX_GAP) break;
    const window = await source.read(position, SWEEP_WINDOW + PROBE_INPUT);
    const end = Math.min(SWEEP_WINDOW, window.length - 2);
    /** Where in this window the search goes on: after the last stream found in it. */
    let resume = 0;
    for (const at of headersIn(window, end)) {
      if (at < resume) continue;
      const probe = probeStream(window, at);
      if (probe.kind === "no") continue;
      const attempt =
        probe.kind === "yes"
          ? wholeStream(position + at, probe.content, probe.length, budget)
          : await readStream(source, position + at, context, budget);
      if (attempt.kind === "none") continue;
      streams++;
      covered += attempt.length;
      yield* attempt.events;
      resume = at + attempt.length;
      since = position + resume;
      // A stream that ends past this window: the search goes on from its end (small streams one after
      // another are all taken from the window they were read in, not each from a read of its own).
      if (resume >= end) {
        position += resume;
        continue sweep;
      }
    }
    position += Math.max(1, end);
  }
  const searched =
    position < source.size - 2 ? ` (the search stopped ${MAX_GAP >> 20} MiB after the last one)` : "";
  if (streams === 0) {
    yield partial("corrupt", `zlib: no stream that inflates to its end with a matching checksum${searched}`);
    return;
  }
  if (covered < COVERED_SHARE * source.size && context.carved !== true) {
    const share = ((100 * covered) / source.size).toFixed(1);
    yield partial(
      "unknown-format",
      `${streams} zlib stream${streams === 1 ? "" : "s"} read, ${share}% of the bytes${searched}; the rest is ` +
        `in no format custodiet opens and was not searched in clear`,
    );
  }
}

export const zlibExtractor = {
  name: "zlib",
  detect: (head: Uint8Array) => isZlibHeader(head) && inflatesAt(head, 0),
  extract: extractZlib,
} satisfies Extractor;
