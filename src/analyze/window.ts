import iconv from "iconv-lite";
import type { Encoding } from "../model/encoding.js";

/**
 * A bounded stretch of the artifact decoded in one encoding, with the byte offset of every character,
 * so that character positions found by the analyzer map back to true byte offsets.
 */
export interface DecodedWindow {
  readonly encoding: Encoding;
  readonly text: string;
  /** Absolute byte offset of the first decoded byte. */
  readonly start: number;
  /** Absolute byte offset just after the last decoded byte. */
  readonly end: number;
  /** byteAt[i] = absolute byte offset where text[i] begins (both halves of a surrogate pair share it); byteAt[text.length] = end. */
  readonly byteAt: Float64Array;
}

const REPLACEMENT = 0xfffd;

/** Lower-bound search: the first character index that starts at or after `offset`. */
function lowerBound(window: DecodedWindow, offset: number): number {
  let low = 0;
  let high = window.text.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (window.byteAt[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The character index that begins exactly at `offset`, or undefined when `offset` falls inside a character. */
export function charIndexAt(window: DecodedWindow, offset: number): number | undefined {
  if (offset < window.start || offset > window.end) return undefined;
  const index = lowerBound(window, offset);
  return window.byteAt[index] === offset ? index : undefined;
}

const multiByteCache: Record<"gb18030" | "big5", Map<number, string>> = {
  gb18030: new Map(),
  big5: new Map(),
};

function decodeMulti(encoding: "gb18030" | "big5", bytes: Uint8Array, at: number, length: number): string {
  let key = 0;
  for (let k = 0; k < length; k++) key = key * 256 + bytes[at + k]!;
  const cache = multiByteCache[encoding];
  let text = cache.get(key);
  if (text === undefined) {
    text = iconv.decode(Buffer.from(bytes.subarray(at, at + length)), encoding);
    if (cache.size < 100_000) cache.set(key, text);
  }
  return text;
}

/** Length of the character starting at `at` (1 for an invalid byte, which decodes to U+FFFD). */
function charLength(encoding: Encoding, bytes: Uint8Array, at: number, limit: number): number {
  const lead = bytes[at]!;
  switch (encoding) {
    case "utf-16le":
    case "utf-16be":
      return 2;
    case "utf-8": {
      if (lead < 0x80) return 1;
      const want =
        lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
      if (want === 0 || at + want > limit) return 1;
      for (let k = 1; k < want; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return 1;
      const second = bytes[at + 1]!;
      if (lead === 0xe0 && second < 0xa0) return 1;
      if (lead === 0xed && second > 0x9f) return 1;
      if (lead === 0xf0 && second < 0x90) return 1;
      if (lead === 0xf4 && second > 0x8f) return 1;
      return want;
    }
    case "gb18030": {
      if (lead < 0x80) return 1;
      if (lead === 0x80 || lead === 0xff || at + 1 >= limit) return 1;
      const second = bytes[at + 1]!;
      if (second >= 0x30 && second <= 0x39) {
        if (at + 3 >= limit) return 1;
        const third = bytes[at + 2]!;
        const fourth = bytes[at + 3]!;
        return third >= 0x81 && third <= 0xfe && fourth >= 0x30 && fourth <= 0x39 ? 4 : 1;
      }
      return second >= 0x40 && second <= 0xfe && second !== 0x7f ? 2 : 1;
    }
    case "big5": {
      if (lead < 0x80) return 1;
      if (lead === 0x80 || lead === 0xff || at + 1 >= limit) return 1;
      const second = bytes[at + 1]!;
      return (second >= 0x40 && second <= 0x7e) || (second >= 0xa1 && second <= 0xfe) ? 2 : 1;
    }
  }
}

/**
 * A position at or after `from` (and at or before `anchor`) where a character surely begins, so decoding
 * a window does not start in the middle of a multi-byte character. Returns `anchor` when none is found.
 */
export function syncPoint(encoding: Encoding, bytes: Uint8Array, from: number, anchor: number): number {
  switch (encoding) {
    case "utf-16le":
    case "utf-16be":
      return from + ((anchor - from) & 1);
    case "utf-8":
      for (let at = from; at < anchor; at++) if ((bytes[at]! & 0xc0) !== 0x80) return at;
      return anchor;
    case "gb18030":
    case "big5":
      // Bytes below 0x30 are never a lead or trail byte, so the next byte starts a character.
      for (let at = from; at < anchor; at++) if (bytes[at]! < 0x30) return at + 1;
      return anchor;
  }
}

/**
 * Decodes `bytes[from - base, to - base)` (absolute offsets; `base` is the absolute offset of `bytes[0]`),
 * starting at a character boundary at or after `from` that is at or before `anchor`.
 */
export function decodeWindow(
  bytes: Uint8Array,
  base: number,
  encoding: Encoding,
  from: number,
  to: number,
  anchor = from,
): DecodedWindow {
  const lowest = Math.max(base, from);
  const limit = Math.min(base + bytes.length, to) - base;
  // The start of the artifact is a character boundary for the byte-oriented charsets (UTF-16 keeps the
  // anchor's alignment instead); elsewhere, find one.
  let at =
    lowest === 0 && (encoding === "gb18030" || encoding === "big5")
      ? lowest - base
      : syncPoint(encoding, bytes, lowest - base, Math.max(lowest, Math.min(anchor, to)) - base);
  const units: number[] = [];
  const offsets: number[] = [];
  const pieces: string[] = [];
  const flush = () => {
    if (units.length > 0) pieces.push(String.fromCharCode(...units));
    units.length = 0;
  };
  const start = at + base;
  while (at < limit) {
    const length = charLength(encoding, bytes, at, limit);
    if (at + length > limit) break;
    const lead = bytes[at]!;
    if (encoding === "utf-16le" || encoding === "utf-16be") {
      units.push(encoding === "utf-16le" ? lead | (bytes[at + 1]! << 8) : (lead << 8) | bytes[at + 1]!);
      offsets.push(at + base);
    } else if (lead < 0x80) {
      units.push(lead);
      offsets.push(at + base);
    } else if (length === 1) {
      units.push(REPLACEMENT);
      offsets.push(at + base);
    } else if (encoding === "utf-8") {
      let code = lead & (length === 2 ? 0x1f : length === 3 ? 0x0f : 0x07);
      for (let k = 1; k < length; k++) code = (code << 6) | (bytes[at + k]! & 0x3f);
      if (code > 0xffff) {
        units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
        offsets.push(at + base, at + base);
      } else {
        units.push(code);
        offsets.push(at + base);
      }
    } else {
      const text = decodeMulti(encoding, bytes, at, length);
      for (let k = 0; k < text.length; k++) {
        units.push(text.charCodeAt(k));
        offsets.push(at + base);
      }
    }
    if (units.length >= 4096) flush();
    at += length;
  }
  flush();
  const text = pieces.join("");
  const byteAt = new Float64Array(offsets.length + 1);
  byteAt.set(offsets);
  byteAt[offsets.length] = at + base;
  return { encoding, text, start, end: at + base, byteAt };
}

/** Frequent Chinese characters, simplified and traditional, for telling GB18030 from Big5. */
const COMMON_HAN = new Set(
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所" +
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日" +
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想" +
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指" +
    "几九区强放决西被干做必战先回则任取据处世车型码值类参数返错误状态信息设备识别属性检测脸肤色黄黑白种族维吾尔民汉回藏年龄" +
    "這個們來為國說時對會過發當後從動還與開關體點現實長機電種類別應設備識別屬性檢測臉膚黃維吾爾漢齡碼類參數錯誤狀態資訊號",
);

/**
 * How plausible the decoded text is as text: common Han characters and printable ASCII count for it,
 * replacement characters and C1/private-use code points against it.
 */
export function plausibility(text: string): number {
  let score = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === REPLACEMENT) score -= 4;
    else if (code >= 0x20 && code < 0x7f) score += 1;
    else if (code === 0x09 || code === 0x0a || code === 0x0d) score += 1;
    else if (COMMON_HAN.has(char)) score += 3;
    else if (code >= 0x4e00 && code <= 0x9fff) score += 0;
    else if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef)) score += 1;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xe000 && code <= 0xf8ff)) score -= 1;
    else if (code >= 0xd800 && code <= 0xdfff) score -= 2;
  }
  return score;
}

/** Weight of a character in a text run; undefined ends the run. NUL (a string-table separator) continues it with no weight. */
function runWeight(char: string, code: number): number | undefined {
  if (code === 0) return 0;
  if ((code >= 0x20 && code < 0x7f) || code === 0x09 || code === 0x0a || code === 0x0d) return 1;
  if (COMMON_HAN.has(char)) return 2;
  if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff01 && code <= 0xff5e)) return 1;
  return undefined;
}

/**
 * How much text reads contiguously around text[start, end): the weight of the run of printable ASCII,
 * common Han characters, CJK punctuation and NUL separators on both sides (at most `limit` characters each
 * way). Used to choose between two readings of the same bytes; random bytes rarely extend a run.
 */
export function runPlausibility(text: string, start: number, end: number, limit = 256): number {
  let score = 0;
  for (let at = start - 1; at >= Math.max(0, start - limit); at--) {
    const weight = runWeight(text.charAt(at), text.charCodeAt(at));
    if (weight === undefined) break;
    score += weight;
  }
  for (let at = end; at < Math.min(text.length, end + limit); at++) {
    const weight = runWeight(text.charAt(at), text.charCodeAt(at));
    if (weight === undefined) break;
    score += weight;
  }
  return score;
}

/** True when some byte in [from, to) (relative indices) is not ASCII. */
export function hasHighBytes(bytes: Uint8Array, from: number, to: number): boolean {
  for (let at = Math.max(0, from); at < Math.min(bytes.length, to); at++) if (bytes[at]! >= 0x80) return true;
  return false;
}

/**
 * Picks the encoding of an ASCII hit from its neighbourhood: valid UTF-8 multi-byte sequences say utf-8;
 * otherwise the double-byte charset whose decoding reads most like text. `candidates` are the needle's
 * encodings (ASCII needles are shared by utf-8, gb18030 and big5), primary first.
 */
export function sniffAsciiCompatible(
  bytes: Uint8Array,
  base: number,
  from: number,
  to: number,
  anchor: number,
  candidates: readonly Encoding[],
): Encoding {
  const primary = candidates[0] ?? "utf-8";
  if (candidates.length < 2 || !hasHighBytes(bytes, from - base, to - base)) return primary;
  let validUtf8 = 0;
  let invalidUtf8 = 0;
  for (let at = Math.max(0, from - base); at < Math.min(bytes.length, to - base);) {
    if (bytes[at]! < 0x80) {
      at++;
      continue;
    }
    const length = charLength("utf-8", bytes, at, bytes.length);
    if (length === 1) invalidUtf8++;
    else validUtf8++;
    at += length;
  }
  if (candidates.includes("utf-8") && validUtf8 > 0 && invalidUtf8 <= validUtf8 / 10) return "utf-8";
  let best: Encoding = primary;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === "utf-8" && invalidUtf8 > 0) continue;
    const score = plausibility(decodeWindow(bytes, base, candidate, from, to, anchor).text);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
