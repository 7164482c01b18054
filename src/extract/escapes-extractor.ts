import type { ByteSource } from "../model/bytes.js";
import { child, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * Text that writes its non-ASCII characters as escapes: `\u6c11\u65cf` (JSON written with Python's
 * default `ensure_ascii`, JavaScript bundles minified to ASCII, Java `.properties` files, C# and Java
 * sources) or `&#27665;&#26063;` / `&#x6c11;` (XML written in ASCII). The raw bytes hold none of the
 * characters, so a term like 民族 is found only once the escapes are decoded: such a text gets a child,
 * `unescaped.txt`, with every escape decoded and everything else as it was.
 */

/** Escaped texts above this are scanned as raw bytes only (the child is built in memory). */
export const MAX_ESCAPED_BYTES = 64 * 1024 * 1024;

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
    if (this.tail !== undefined) {
      const junction = new Uint8Array(this.tail.length + Math.min(WATCH_SPAN, chunk.length));
      junction.set(this.tail);
      junction.set(chunk.subarray(0, WATCH_SPAN), this.tail.length);
      this.found = holdsEscapedWord(junction);
    }
    this.found ||= holdsEscapedWord(chunk);
    this.tail = chunk.slice(Math.max(0, chunk.length - WATCH_SPAN));
  }
}

const ESCAPE = /(\\+)u([0-9a-fA-F]{4})|&#(?:[xX]([0-9a-fA-F]{1,6})|(\d{1,7}));/gu;

/**
 * `text` with its escapes decoded: `\uXXXX` (an odd run of backslashes before the `u`: `\\u6c11` is a
 * backslash and "u6c11"), including surrogate pairs, and `&#N;` / `&#xH;`. A reference to no character
 * (past U+10FFFF, or a surrogate) stays as written.
 */
export function decodeEscapes(text: string): string {
  return text.replace(
    ESCAPE,
    (
      whole,
      slashes: string | undefined,
      unit: string | undefined,
      hex: string | undefined,
      decimal: string | undefined,
    ) => {
      if (slashes !== undefined) {
        if (slashes.length % 2 === 0) return whole;
        return slashes.slice(1) + String.fromCharCode(Number.parseInt(unit!, 16));
      }
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal!, 10);
      return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? whole : String.fromCodePoint(code);
    },
  );
}

export async function* extractEscapes(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  if (context.signal.aborted) return;
  if (source.size > MAX_ESCAPED_BYTES) {
    yield partial(
      "too-large",
      `escaped characters (\\uXXXX, &#N;) not decoded above ${MAX_ESCAPED_BYTES} bytes; raw bytes scanned`,
    );
    return;
  }
  const text = new TextDecoder().decode(await source.read(0, source.size));
  yield child(
    "unescaped.txt",
    "unescaped",
    { bytes: new TextEncoder().encode(decodeEscapes(text)) },
    { leafOnly: true },
  );
}

/** Never picked by content sniffing: the scan runs it on text whose bytes held an escaped word. */
export const escapesExtractor = {
  name: "unescaped",
  detect: () => false,
  extract: extractEscapes,
} satisfies Extractor;
