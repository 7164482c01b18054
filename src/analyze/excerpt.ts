/** Escapes control characters so an excerpt is one printable line: \n → "\\n", NUL → "\\0", others → "\\xHH". */
export function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (char.length === 1) {
    if (code === 0x0a) return "\\n";
    if (code === 0x0d) return "\\r";
    if (code === 0x09) return "\\t";
    if (code === 0x00) return "\\0";
    if (code === 0x5c) return "\\\\";
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `\\x${code.toString(16).padStart(2, "0")}`;
    if (code >= 0xd800 && code <= 0xdfff) return `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return char;
}

/** True when text[from, to) has a character that escapeChar changes (a control, a backslash, a surrogate). */
function needsEscape(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x20 || code === 0x5c || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code <= 0xdfff))
      return true;
  }
  return false;
}

function escapeRange(text: string, from: number, to: number): string {
  if (!needsEscape(text, from, to)) return text.slice(from, to);
  let out = "";
  for (let at = from; at < to;) {
    const code = text.charCodeAt(at);
    const pair =
      code >= 0xd800 && code <= 0xdbff && at + 1 < to && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
    const char = text.slice(at, at + (pair ? 2 : 1));
    out += escapeChar(char);
    at += char.length;
  }
  return out;
}

export interface Excerpt {
  readonly excerpt: string;
  readonly excerptMatch: readonly [number, number];
}

/**
 * A bounded excerpt around text[start, end): the match's line, at most `context` characters on each side
 * (more lines when the line is short), control characters escaped. The match itself is capped at 200.
 */
export function makeExcerpt(text: string, start: number, end: number, context = 80): Excerpt {
  const matchEnd = Math.min(end, start + 200);
  let from = Math.max(0, start - context);
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  if (lineStart > from) from = lineStart;
  let to = Math.min(text.length, matchEnd + context);
  const lineEnd = text.indexOf("\n", matchEnd);
  if (lineEnd !== -1 && lineEnd < to) to = lineEnd;
  // Avoid cutting a surrogate pair.
  if (from > 0 && (text.charCodeAt(from) & 0xfc00) === 0xdc00) from++;
  if (to < text.length && (text.charCodeAt(to) & 0xfc00) === 0xdc00) to--;
  // trimStart/trimEnd remove exactly what /\s/ matches (white space and line terminators).
  const before = escapeRange(text, from, start).trimStart();
  const match = escapeRange(text, start, matchEnd);
  const after = escapeRange(text, matchEnd, to).trimEnd();
  const prefix = from > 0 && from !== lineStart ? "…" : "";
  const suffix = to < text.length && to !== lineEnd ? "…" : "";
  const head = prefix + before;
  return { excerpt: head + match + after + suffix, excerptMatch: [head.length, head.length + match.length] };
}
