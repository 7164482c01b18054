import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, child, concatBytes, COPY_CHUNK, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * Text that writes its non-ASCII characters as escapes: `\u6c11\u65cf` (JSON written with Python's
 * default `ensure_ascii`, JavaScript bundles minified to ASCII, Java `.properties` files, C# and Java
 * sources), `&#27665;&#26063;` / `&#x6c11;` (XML written in ASCII), or the bytes of UTF-8 or GBK text one
 * by one: `\xe6\xb0\x91` (C and Python string literals, logs of byte strings), `\346\260\221` (C's
 * octal escapes, as code generators write them) and `%E6%B0%91` (URLs, form data, captured requests). The raw
 * bytes hold none of the characters, so a term like 民族 is found only once the escapes are decoded: such a
 * text gets a child, `unescaped.txt`, with every escape decoded and everything else as it was.
 */

const BACKSLASH = 0x5c;
const AMPERSAND = 0x26;
const HYPHEN = 0x2d;
const PERCENT = 0x25;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The code unit of a `\uXXXX` escape at `at` (the backslash), or -1. */
function unicodeEscapeAt(bytes: Uint8Array, at: number): number {
  if (bytes[at + 1] !== 0x75 || at + 6 > bytes.length) return -1;
  let value = 0;
  for (let index = at + 2; index < at + 6; index++) {
    const digit = hexValue(bytes[index]!);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * The byte of a `\xHH` or octal `\NNN` escape at `at` (the backslash), or of a `%HH` escape at `at` (the
 * percent sign), when it is a byte of a non-ASCII character (0x80 or more); else -1. Escapes of ASCII bytes
 * are left alone: decoding `\x00` or `%0A` would change what the text is, and no term needs them.
 */
function byteEscapeAt(bytes: Uint8Array, at: number): number {
  const introducer = bytes[at];
  if (introducer === PERCENT || (introducer === BACKSLASH && (bytes[at + 1]! | 0x20) === 0x78)) {
    const digits = introducer === PERCENT ? at + 1 : at + 2;
    if (digits + 2 > bytes.length) return -1;
    const high = hexValue(bytes[digits]!);
    const low = hexValue(bytes[digits + 1]!);
    return high >= 8 && low >= 0 ? high * 16 + low : -1;
  }
  if (introducer !== BACKSLASH || at + 4 > bytes.length) return -1;
  const first = bytes[at + 1]! - 0x30;
  const second = bytes[at + 2]! - 0x30;
  const third = bytes[at + 3]! - 0x30;
  // 0o200-0o377: always three digits, the first 2 or 3.
  if ((first !== 2 && first !== 3) || second < 0 || second > 7 || third < 0 || third > 7) return -1;
  return first * 64 + second * 8 + third;
}

/** The length of the byte escape at `at` (`%HH`, `\xHH`, `\NNN`). */
function byteEscapeLength(bytes: Uint8Array, at: number): number {
  return bytes[at] === PERCENT ? 3 : 4;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The length of `run` without a UTF-8 sequence cut short at its end (a run is cut at a chunk's end or at 48). */
function wholeUtf8Length(run: readonly number[]): number {
  for (let back = 1; back <= 3 && back <= run.length; back++) {
    const byte = run[run.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? run.length - back : run.length;
  }
  return run.length;
}

/**
 * Whether escaped bytes spell a word: two or more letters of UTF-8, or two-byte characters of GBK or Big5
 * (lead 0x81-0xFE, trail 0x40-0xFE but 0x7F) filling the run exactly, two ideographs in a row among them. A
 * run of random bytes (percent-encoded binary data) rarely passes either.
 */
function spellsWord(run: readonly number[]): boolean {
  if (run.length < 4) return false;
  let text: string | undefined;
  try {
    text = UTF8.decode(Uint8Array.from(run).subarray(0, wholeUtf8Length(run)));
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let letters = 0;
    for (const char of text) if (isWordCode(char.codePointAt(0)!)) letters++;
    return letters >= 2;
  }
  if (run.length % 2 !== 0) return false;
  let ideographs = 0;
  let inARow = 0;
  for (let k = 0; k < run.length; k += 2) {
    const lead = run[k]!;
    const trail = run[k + 1]!;
    if (lead < 0x81 || lead > 0xfe || trail < 0x40 || trail > 0xfe || trail === 0x7f) return false;
    ideographs = isIdeographPair(lead, trail) ? ideographs + 1 : 0;
    inARow = Math.max(inARow, ideographs);
  }
  return inARow >= 2;
}

/**
 * A two-byte character in the ideograph rows of GB2312 (lead 0xB0-0xF7, trail 0xA1-0xFE) or of Big5 (lead
 * 0xA4-0xC6 or 0xC9-0xF9, trail 0x40-0x7E or 0xA1-0xFE). Random bytes (a serialized descriptor in a
 * Python `_pb2.py`, a cipher's constants) seldom make two in a row; a word in GBK or Big5 does.
 */
function isIdeographPair(lead: number, trail: number): boolean {
  const gb = lead >= 0xb0 && lead <= 0xf7 && trail >= 0xa1 && trail <= 0xfe;
  const big5 =
    ((lead >= 0xa4 && lead <= 0xc6) || (lead >= 0xc9 && lead <= 0xf9)) &&
    ((trail >= 0x40 && trail <= 0x7e) || (trail >= 0xa1 && trail <= 0xfe));
  return gb || big5;
}

/** The bytes of the run of byte escapes of one kind (backslash or percent) starting at `at`, up to a limit. */
function byteEscapeRun(bytes: Uint8Array, at: number): number[] {
  const run: number[] = [];
  const introducer = bytes[at];
  // At most 48 bytes: whole characters of UTF-8 (three bytes each) and of GBK (two) alike.
  for (let index = at; run.length < 48 && bytes[index] === introducer;) {
    const value = byteEscapeAt(bytes, index);
    if (value < 0) break;
    run.push(value);
    index += byteEscapeLength(bytes, index);
  }
  return run;
}

/** The code point and length of a numeric character reference at `at` (the ampersand), or undefined. */
function characterReferenceAt(bytes: Uint8Array, at: number): { code: number; length: number } | undefined {
  if (bytes[at + 1] !== 0x23) return undefined;
  let index = at + 2;
  const hex = (bytes[index]! | 0x20) === 0x78;
  if (hex) index++;
  const digitsFrom = index;
  let code = 0;
  for (; index < bytes.length && index - digitsFrom < 8; index++) {
    const digit = hex ? hexValue(bytes[index]!) : bytes[index]! - 0x30;
    if (digit < 0 || digit > (hex ? 15 : 9)) break;
    code = code * (hex ? 16 : 10) + digit;
  }
  if (index === digitsFrom || bytes[index] !== 0x3b) return undefined;
  return { code, length: index + 1 - at };
}

const LETTER = /^\p{L}$/u;

/** A letter outside ASCII: not a space, punctuation or a symbol (a script's whitespace class is no word). */
function isWordCode(code: number): boolean {
  return code >= 0x80 && code <= 0x10ffff && LETTER.test(String.fromCodePoint(code));
}

/**
 * Whether `bytes` holds two escaped non-ASCII letters in a row (`\u6c11\u65cf`, `&#27665;&#26063;`, the
 * six bytes `\xe6\xb0\x91\xe6\x97\x8f` or `%E6%B0%91%E6%97%8F`, the four of a GBK word): a word written
 * in escapes, where a lone `\u00e9`, `&#169;`, a script's whitespace class (`[\u00a0\u2028\u3000]`) or
 * letter ranges (`[\u00c0-\u00d6\u00d8-\u00f6]`) are not. Searched with the native byte search, so that
 * text without backslashes, ampersands or percent signs costs next to nothing.
 */
export function holdsEscapedWord(bytes: Uint8Array): boolean {
  return escapedWordKind(bytes) !== undefined;
}

/**
 * The kind of the first escaped word `bytes` shows (see holdsEscapedWord): `code` for a word in backslash or
 * percent escapes (a script's, a URL's), `reference` for one in `&#N;` references only (markup's own way,
 * which an HTML page's text layer decodes already), undefined for none.
 */
export function escapedWordKind(bytes: Uint8Array): "code" | "reference" | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = buffer.indexOf(BACKSLASH); at >= 0; at = buffer.indexOf(BACKSLASH, at + 1)) {
    if (byteEscapeAt(bytes, at) >= 0) {
      // The first escape of a run (the one four bytes back is none): do the bytes spell a word?
      if ((at < 4 || byteEscapeAt(bytes, at - 4) < 0) && spellsWord(byteEscapeRun(bytes, at))) return "code";
      continue;
    }
    if (
      isWordCode(unicodeEscapeAt(bytes, at)) &&
      isWordCode(unicodeEscapeAt(bytes, at + 6)) &&
      // Not the ends of two ranges in a regular expression's class (`[\u00c0-\u00d6\u00d8-\u00f6]`).
      bytes[at - 1] !== HYPHEN &&
      bytes[at + 12] !== HYPHEN
    )
      return "code";
  }
  for (let at = buffer.indexOf(PERCENT); at >= 0; at = buffer.indexOf(PERCENT, at + 1)) {
    if (byteEscapeAt(bytes, at) < 0 || (at >= 3 && byteEscapeAt(bytes, at - 3) >= 0)) continue;
    if (spellsWord(byteEscapeRun(bytes, at))) return "code";
  }
  for (let at = buffer.indexOf(AMPERSAND); at >= 0; at = buffer.indexOf(AMPERSAND, at + 1)) {
    const first = characterReferenceAt(bytes, at);
    if (first === undefined || !isWordCode(first.code)) continue;
    const second = characterReferenceAt(bytes, at + first.length);
    if (second !== undefined && isWordCode(second.code)) return "reference";
  }
  return undefined;
}

/** Bytes kept from the end of one chunk to find a word across the boundary: two escapes, or a run of byte escapes. */
const WATCH_SPAN = 96;

/**
 * Watches streamed text, chunk by chunk and across each boundary, for a word written in escapes: `found`
 * for any, `inCode` for one in backslash or percent escapes (see escapedWordKind).
 */
export class EscapedWordWatch {
  found = false;
  inCode = false;
  private tail: Uint8Array | undefined;

  push(chunk: Uint8Array): void {
    if (this.inCode) return;
    if (this.tail !== undefined)
      this.see(escapedWordKind(concatBytes([this.tail, chunk.subarray(0, WATCH_SPAN)])));
    this.see(escapedWordKind(chunk));
    // Chunks shorter than the span (a test's, a pipe's) add to the tail rather than replace it.
    const kept = chunk.length >= WATCH_SPAN ? chunk : concatBytes([this.tail ?? new Uint8Array(0), chunk]);
    this.tail = kept.slice(Math.max(0, kept.length - WATCH_SPAN));
  }

  private see(kind: "code" | "reference" | undefined): void {
    this.found ||= kind !== undefined;
    this.inCode ||= kind === "code";
  }
}

/** Bytes held back at the end of a chunk: the longest escape decoded (a surrogate pair, `&#x10FFFF;`) and some. */
const HOLD_BYTES = 16;

/**
 * A code the decoded text does not take: a surrogate (no character alone), or a line break, kept as written
 * so that the decoded text has the file's own lines (a finding's line there is its line in the file).
 */
function staysEscaped(code: number): boolean {
  return (code >= 0xd800 && code <= 0xdfff) || code === 0x0a || code === 0x0d;
}

/** Writes `code` as UTF-8 at `at`; returns the end. */
function putUtf8(out: Uint8Array, at: number, code: number): number {
  if (code < 0x80) {
    out[at] = code;
    return at + 1;
  }
  if (code < 0x800) {
    out[at] = 0xc0 | (code >> 6);
    out[at + 1] = 0x80 | (code & 0x3f);
    return at + 2;
  }
  if (code < 0x10000) {
    out[at] = 0xe0 | (code >> 12);
    out[at + 1] = 0x80 | ((code >> 6) & 0x3f);
    out[at + 2] = 0x80 | (code & 0x3f);
    return at + 3;
  }
  out[at] = 0xf0 | (code >> 18);
  out[at + 1] = 0x80 | ((code >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((code >> 6) & 0x3f);
  out[at + 3] = 0x80 | (code & 0x3f);
  return at + 4;
}

/**
 * `input` with its escapes decoded, every other byte as it was: `\uXXXX` after an odd run of
 * backslashes (`\\u6c11` is a backslash and "u6c11"), a surrogate pair of two such escapes as one
 * character, `&#N;` and `&#xH;` (all three as UTF-8), and byte escapes of 0x80 or more (`\xHH` and `\NNN`
 * after an odd run of backslashes, `%HH`) as the byte, so that escaped GBK stays GBK. An escape of no character (a lone surrogate, past U+10FFFF) or of a
 * line break stays as written. No escape is longer than what it decodes to, so the output is never longer than the input.
 * Unless `final`, the last bytes, which may begin an escape cut by the chunk's end, are left: `consumed`
 * says how far it got. Without `references`, `&#N;` stays as written (an HTML page's text layer decodes it).
 */
export function decodeEscapeBytes(
  input: Uint8Array,
  final: boolean,
  references = true,
): { output: Uint8Array; consumed: number } {
  const out = new Uint8Array(input.length);
  const end = input.length;
  const stop = final ? end : Math.max(0, end - HOLD_BYTES);
  let o = 0;
  let i = 0;
  while (i < stop) {
    const byte = input[i]!;
    if (byte === BACKSLASH) {
      let run = i + 1;
      while (run < end && input[run] === BACKSLASH) run++;
      // A run of backslashes up to the end: whether the last one escapes depends on bytes still to come.
      if (run === end && !final) break;
      const last = run - 1;
      const value = (run - i) % 2 === 1 ? byteEscapeAt(input, last) : -1;
      if (value >= 0) {
        out.fill(BACKSLASH, o, o + last - i);
        o += last - i;
        out[o++] = value;
        i = last + byteEscapeLength(input, last);
        continue;
      }
      const unit = (run - i) % 2 === 1 ? unicodeEscapeAt(input, last) : -1;
      let code = unit;
      let length = 6;
      if (unit >= 0xd800 && unit <= 0xdbff && input[last + 6] === BACKSLASH) {
        const low = unicodeEscapeAt(input, last + 6);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
          length = 12;
        }
      }
      if (code < 0 || staysEscaped(code)) {
        out.set(input.subarray(i, run), o);
        o += run - i;
        i = run;
        continue;
      }
      out.fill(BACKSLASH, o, o + last - i);
      o = putUtf8(out, o + last - i, code);
      i = last + length;
      continue;
    }
    if (byte === PERCENT) {
      const value = byteEscapeAt(input, i);
      if (value >= 0) {
        out[o++] = value;
        i += 3;
        continue;
      }
    }
    if (byte === AMPERSAND && references) {
      const reference = characterReferenceAt(input, i);
      if (reference !== undefined && reference.code <= 0x10ffff && !staysEscaped(reference.code)) {
        o = putUtf8(out, o, reference.code);
        i += reference.length;
        continue;
      }
    }
    out[o++] = byte;
    i++;
  }
  return { output: out.subarray(0, o), consumed: i };
}

/** Decodes a stream of chunks, holding back each chunk's last bytes until the next one has come. */
export class EscapeDecoder {
  private held = new Uint8Array(0);

  /** `references`: decode `&#N;` too (see decodeEscapeBytes). */
  constructor(private readonly references = true) {}

  push(chunk: Uint8Array, final = false): Uint8Array {
    const input = this.held.length === 0 ? chunk : concatBytes([this.held, chunk]);
    const { output, consumed } = decodeEscapeBytes(input, final, this.references);
    this.held = input.slice(consumed);
    return output;
  }
}

/** The decoded text goes to a child written as it is made: memory does not grow with the file. */
export async function* extractEscapes(
  source: ByteSource,
  context: ExtractContext,
  references = true,
): AsyncGenerator<ExtractEvent> {
  const writer = new ChildWriter(context.tempDir, "unescaped.txt");
  const decoder = new EscapeDecoder(references);
  try {
    for (let at = 0; at < source.size;) {
      if (context.signal.aborted) {
        await writer.discard();
        yield partial("budget-time", `escapes decoded in the first ${at} bytes only`);
        return;
      }
      const bytes = await source.read(at, Math.min(COPY_CHUNK, source.size - at));
      if (bytes.length === 0) break;
      await writer.write(decoder.push(bytes));
      at += bytes.length;
    }
    await writer.write(decoder.push(new Uint8Array(0), true));
  } catch (error) {
    await writer.discard();
    throw error;
  }
  yield child("unescaped.txt", "unescaped", await writer.finish(), { leafOnly: true });
}
/** Never picked by content sniffing: the scan runs it on text whose bytes held an escaped word. */
export const escapesExtractor = {
  name: "unescaped",
  detect: () => false,
  extract: extractEscapes,
} satisfies Extractor;

/**
 * The same for an HTML page whose scripts or links hold a word in backslash or percent escapes: its `&#N;`
 * references stay as written, as the page's text layer has them decoded already.
 */
export const codeEscapesExtractor = {
  name: "unescaped",
  detect: () => false,
  extract: (source, context) => extractEscapes(source, context, false),
} satisfies Extractor;
