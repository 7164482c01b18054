import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, child, concatBytes, COPY_CHUNK, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * Text that writes its non-ASCII characters as escapes: `\u6c11\u65cf` (JSON written with Python's
 * default `ensure_ascii`, JavaScript bundles minified to ASCII, Java `.properties` files, C# and Java
 * sources) or `&#27665;&#26063;` / `&#x6c11;` (XML written in ASCII). The raw bytes hold none of the
 * characters, so a term like 民族 is found only once the escapes are decoded: such a text gets a child,
 * `unescaped.txt`, with every escape decoded and everything else as it was.
 */

const BACKSLASH = 0x5c;
const AMPERSAND = 0x26;
const HYPHEN = 0x2d;

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
 * Whether `bytes` holds two escaped non-ASCII letters in a row (`\u6c11\u65cf`, `&#27665;&#26063;`): a
 * word written in escapes, where a lone `\u00e9`, `&#169;`, a script's whitespace class
 * (`[\u00a0\u2028\u3000]`) or letter ranges (`[\u00c0-\u00d6\u00d8-\u00f6]`) are not. Searched with the
 * native byte search, so that text without backslashes or ampersands costs next to nothing.
 */
export function holdsEscapedWord(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = buffer.indexOf(BACKSLASH); at >= 0; at = buffer.indexOf(BACKSLASH, at + 1)) {
    if (
      isWordCode(unicodeEscapeAt(bytes, at)) &&
      isWordCode(unicodeEscapeAt(bytes, at + 6)) &&
      // Not the ends of two ranges in a regular expression's class (`[\u00c0-\u00d6\u00d8-\u00f6]`).
      bytes[at - 1] !== HYPHEN &&
      bytes[at + 12] !== HYPHEN
    )
      return true;
  }
  for (let at = buffer.indexOf(AMPERSAND); at >= 0; at = buffer.indexOf(AMPERSAND, at + 1)) {
    const first = characterReferenceAt(bytes, at);
    if (first === undefined || !isWordCode(first.code)) continue;
    const second = characterReferenceAt(bytes, at + first.length);
    if (second !== undefined && isWordCode(second.code)) return true;
  }
  return false;
}

/** Bytes kept from the end of one chunk to find a word across the boundary: two escapes and some. */
const WATCH_SPAN = 24;

/** Watches streamed text, chunk by chunk and across each boundary, for a word written in escapes. */
export class EscapedWordWatch {
  found = false;
  private tail: Uint8Array | undefined;

  push(chunk: Uint8Array): void {
    if (this.found) return;
    if (this.tail !== undefined)
      this.found = holdsEscapedWord(concatBytes([this.tail, chunk.subarray(0, WATCH_SPAN)]));
    this.found ||= holdsEscapedWord(chunk);
    this.tail = chunk.slice(Math.max(0, chunk.length - WATCH_SPAN));
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
 * `input` with its escapes decoded to UTF-8, every other byte as it was: `\uXXXX` after an odd run of
 * backslashes (`\\u6c11` is a backslash and "u6c11"), a surrogate pair of two such escapes as one
 * character, `&#N;` and `&#xH;`. An escape of no character (a lone surrogate, past U+10FFFF) or of a
 * line break stays as written. No escape is longer than what it decodes to, so the output is never longer than the input.
 * Unless `final`, the last bytes, which may begin an escape cut by the chunk's end, are left: `consumed`
 * says how far it got.
 */
export function decodeEscapeBytes(
  input: Uint8Array,
  final: boolean,
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
    if (byte === AMPERSAND) {
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

  push(chunk: Uint8Array, final = false): Uint8Array {
    const input = this.held.length === 0 ? chunk : concatBytes([this.held, chunk]);
    const { output, consumed } = decodeEscapeBytes(input, final);
    this.held = input.slice(consumed);
    return output;
  }
}

/** The decoded text goes to a child written as it is made: memory does not grow with the file. */
export async function* extractEscapes(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const writer = new ChildWriter(context.tempDir, "unescaped.txt");
  const decoder = new EscapeDecoder();
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
