/**
 * Identifier tokens. A token is a maximal run of ASCII letters or digits that does not cross a case hump,
 * a letter/digit change or a separator: `byRace` → [by, race], `EM_NATION_TYPE_UYGUR` → [em, nation, type,
 * uygur], `ST_emNation` → [st, em, nation], `HTTPRace` → [http, race]. Hungarian prefixes (`by`, `em`, `sz`,
 * `udw` …) are split off by the same humps; an all-lower-case word is never split (`brace` is not b + race).
 */

/** Hungarian and SDK prefixes that become their own token (informational: the humps already split them). */
export const HUNGARIAN_PREFIXES: ReadonlySet<string> = new Set([
  "a", "b", "by", "c", "ch", "dw", "e", "em", "f", "fn", "h", "i", "l", "lp", "m", "n", "p", "psz", "s",
  "sz", "st", "str", "u", "uc", "ui", "ul", "udw", "us", "w", "x",
]); // prettier-ignore

function isUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}
function isLower(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
/** ASCII letter or digit: the characters tokens are made of. */
export function isWordCode(code: number): boolean {
  return isUpper(code) || isLower(code) || isDigit(code);
}

/**
 * True when a token boundary lies between `prev` and `next` (char codes, -1 = outside the text);
 * `after` is the code following `next` (for the acronym rule: `HTTPRace` splits before R).
 */
export function isBoundaryBetween(prev: number, next: number, after: number): boolean {
  if (prev < 0 || next < 0) return true;
  if (!isWordCode(prev) || !isWordCode(next)) return true;
  if (isDigit(prev) !== isDigit(next)) return true;
  if (isLower(prev) && isUpper(next)) return true;
  return isUpper(prev) && isUpper(next) && isLower(after);
}

/** True when a token boundary lies before `text[index]` (index may be 0 or text.length). */
export function isBoundaryAt(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return true;
  const after = index + 1 < text.length ? text.charCodeAt(index + 1) : -1;
  return isBoundaryBetween(text.charCodeAt(index - 1), text.charCodeAt(index), after);
}

/** True when [start, end) begins and ends on token boundaries (the token-boundary test for a hit). */
export function coversWholeTokens(text: string, start: number, end: number): boolean {
  return isBoundaryAt(text, start) && isBoundaryAt(text, end);
}

export interface TokenSpan {
  /** Lower-cased token. */
  readonly token: string;
  /** Character range [start, end) in the text. */
  readonly start: number;
  readonly end: number;
}

/** All tokens of `text` between `from` and `to`, in order. */
export function tokenSpans(text: string, from = 0, to = text.length): TokenSpan[] {
  return tokenSpansIn(text, from, to, text.slice(from, to).toLowerCase());
}

/**
 * tokenSpans with `lower` = text.slice(from, to).toLowerCase() given: when lower-casing kept every
 * position (no character grew, as U+0130 does), tokens are cut from it instead of lower-cased one by one.
 */
export function tokenSpansIn(text: string, from: number, to: number, lower: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  const aligned = lower.length === to - from;
  const length = text.length;
  let index = from;
  while (index < to) {
    let prev = text.charCodeAt(index);
    if (!isWordCode(prev)) {
      index++;
      continue;
    }
    const start = index;
    index++;
    // The boundary test of isBoundaryAt, with the codes carried along.
    while (index < to) {
      const next = text.charCodeAt(index);
      if (!isWordCode(next)) break;
      const after = index + 1 < length ? text.charCodeAt(index + 1) : -1;
      if (isBoundaryBetween(prev, next, after)) break;
      prev = next;
      index++;
    }
    spans.push({
      token: aligned ? lower.slice(start - from, index - from) : text.slice(start, index).toLowerCase(),
      start,
      end: index,
    });
  }
  return spans;
}

/** Lower-cased tokens of an identifier or phrase: `udwSkinColor` → [udw, skin, color]. */
export function tokenize(text: string): string[] {
  return tokenSpans(text).map((span) => span.token);
}

/** Characters that continue an identifier: ASCII word characters, `_` and `$`. */
export function isIdentifierCode(code: number): boolean {
  return isWordCode(code) || code === 0x5f || code === 0x24;
}

/** Identifier characters plus letters and digits of any script (for hits in CJK text: 是否维族). */
function isWideIdentifierChar(char: string): boolean {
  return /^[\p{L}\p{N}_$]$/u.test(char);
}

/** How far an identifier reaches beyond the hit on either side, in characters. */
export const IDENTIFIER_REACH = 200;

/**
 * The identifier holding [start, end): extended over identifier characters on both sides. When the hit
 * itself is not ASCII, letters of every script count (a CJK "identifier" is the run of CJK letters).
 */
export function identifierAround(text: string, start: number, end: number): { start: number; end: number } {
  let wide = false;
  for (let index = start; index < end; index++) if (text.charCodeAt(index) >= 0x80) wide = true;
  const continues = wide
    ? (at: number) => isWideIdentifierChar(text.charAt(at))
    : (at: number) => isIdentifierCode(text.charCodeAt(at));
  let left = start;
  while (left > 0 && start - left < IDENTIFIER_REACH && continues(left - 1)) left--;
  let right = end;
  while (right < text.length && right - end < IDENTIFIER_REACH && continues(right)) right++;
  return mangledComponent(text, left, right, start, end) ?? { start: left, end: right };
}

/**
 * In an Itanium C++ mangled name (`_ZN6icu_7215IslamicCalendar7isCivilEv`) the identifier is the
 * length-prefixed component holding the hit (`IslamicCalendar`), not the whole symbol.
 */
function mangledComponent(
  text: string,
  left: number,
  right: number,
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  if (!text.startsWith("_Z", left)) return undefined;
  let at = left + 2;
  while (at < right) {
    const code = text.charCodeAt(at);
    if (code < 0x31 || code > 0x39) {
      at++;
      continue;
    }
    let length = 0;
    while (at < right && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) {
      length = length * 10 + text.charCodeAt(at) - 0x30;
      at++;
    }
    if (length === 0 || at + length > right) return undefined;
    if (start >= at && end <= at + length) return { start: at, end: at + length };
    at += length;
  }
  return undefined;
}

/** True when the text contains a non-ASCII character (such entries are compared as substrings). */
export function hasNonAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) >= 0x80) return true;
  return false;
}
