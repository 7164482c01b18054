import { createRequire } from "node:module";
import { ENCODINGS, type Encoding } from "../model/encoding.js";

/** iconv-lite (~8 ms to load) is needed only for non-ASCII text in GB18030 and Big5. */
const require = createRequire(import.meta.url);
let iconvModule: typeof import("iconv-lite") | undefined;
const iconv = (): typeof import("iconv-lite") =>
  (iconvModule ??= require("iconv-lite") as typeof import("iconv-lite"));

/** A literal from the rule pack, before it is encoded. */
export interface TermSpec {
  readonly text: string;
  /** Fold ASCII letters only (A-Z / a-z); never other scripts. */
  readonly caseInsensitive: boolean;
}

/** One byte sequence the automaton looks for. */
export interface Needle {
  readonly id: number;
  readonly termId: number;
  /** Encodings that produce exactly these bytes for the term, most likely first (utf-8 before gb18030 before big5). */
  readonly encodings: readonly Encoding[];
  readonly bytes: Uint8Array;
  /** For each byte: 1 when it is an ASCII letter that may match either case, else 0. */
  readonly foldMask: Uint8Array;
}

/** A lone surrogate: UTF-8 and the CJK charsets cannot carry it (paired surrogates are one code point here). */
const LONE_SURROGATE = /\p{Cs}/u;

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/** A copy of its own: small Buffers are views into a shared 8 KiB pool, which a needle must not pin. */
function ownBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

/**
 * Encodes `text` in `encoding`, or returns undefined when the charset cannot represent it
 * (iconv-lite silently substitutes "?" for unmappable characters, so we round-trip to check).
 * UTF-8, UTF-16 and ASCII in the CJK charsets are done by Node's own codecs with the same result and no
 * round trip: iconv-lite builds its GB18030 and Big5 tables (~40 ms) on first use, and a rule pack
 * encodes thousands of strings.
 */
export function encodeTerm(text: string, encoding: Encoding): Uint8Array | undefined {
  switch (encoding) {
    case "utf-8":
      return LONE_SURROGATE.test(text) ? undefined : ownBytes(Buffer.from(text, "utf8"));
    case "utf-16le":
      return ownBytes(Buffer.from(text, "utf16le"));
    case "utf-16be":
      return ownBytes(Buffer.from(text, "utf16le").swap16());
    case "gb18030":
    case "big5":
      // Both keep ASCII as single bytes of the same value.
      if (isAscii(text)) return ownBytes(Buffer.from(text, "latin1"));
  }
  // iconv-lite knows our encoding names as they are.
  const buffer = iconv().encode(text, encoding, { addBOM: false });
  if (iconv().decode(buffer, encoding, { stripBOM: false }) !== text) return undefined;
  return ownBytes(buffer);
}

/** Byte width of each ASCII character in `encoding`. */
const ASCII_WIDTH: Readonly<Record<Encoding, number>> = {
  "utf-8": 1,
  "utf-16le": 2,
  "utf-16be": 2,
  gb18030: 1,
  big5: 1,
};

/** Marks the bytes of `bytes` (the term in `encoding`) that are ASCII letters standing for themselves. */
function foldMaskFor(text: string, encoding: Encoding, bytes: Uint8Array): Uint8Array {
  const mask = new Uint8Array(bytes.length);
  let position = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const width = code <= 0x7f ? ASCII_WIDTH[encoding] : (encodeTerm(char, encoding)?.length ?? 0);
    const isLetter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (isLetter) {
      // The ASCII byte of the letter inside its code unit (UTF-16 puts a zero byte beside it).
      const letterIndex = encoding === "utf-16le" ? 0 : encoding === "utf-16be" ? 1 : 0;
      mask[position + letterIndex] = 1;
    }
    position += width;
  }
  return mask;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * Compiles every term into byte needles in every encoding that can represent it. Identical byte sequences
 * (ASCII terms are the same in UTF-8, GB18030 and Big5) become one needle listing all its encodings.
 */
export function compileNeedles(terms: readonly TermSpec[]): Needle[] {
  const needles: Needle[] = [];
  terms.forEach((term, termId) => {
    const perTerm: { bytes: Uint8Array; encodings: Encoding[]; mask: Uint8Array }[] = [];
    for (const encoding of ENCODINGS) {
      const bytes = encodeTerm(term.text, encoding);
      if (bytes === undefined || bytes.length === 0) continue;
      const existing = perTerm.find((entry) => sameBytes(entry.bytes, bytes));
      if (existing) {
        existing.encodings.push(encoding);
        continue;
      }
      const mask = term.caseInsensitive
        ? foldMaskFor(term.text, encoding, bytes)
        : new Uint8Array(bytes.length);
      perTerm.push({ bytes, encodings: [encoding], mask });
    }
    for (const entry of perTerm) {
      needles.push({
        id: needles.length,
        termId,
        encodings: entry.encodings,
        bytes: entry.bytes,
        foldMask: entry.mask,
      });
    }
  });
  return needles;
}
