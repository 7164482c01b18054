/**
 * A forgiving lexer for the languages custodiet reads (C family, C#, Java, Go, JS/TS, PHP, Python, JSON,
 * HTML): it only classifies each character of a decoded window as code, comment or string, so that the
 * scope finder can skip brackets inside comments and strings. It never fails; a window that starts inside
 * a block comment is detected by a closing marker seen before any opening one.
 */
export const CODE = 0;
export const COMMENT = 1;
export const STRING = 2;

/** Preprocessor and pragma words: `#include` is code, `# text` is a comment. */
const DIRECTIVE =
  /^#\s*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|error|warning|import|line|region|endregion)\b/;

/** ASCII letter (what /[A-Z]/i accepts). */
function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** What an ASCII character may do: open a comment or a string (/ < # " ' `), or be a bracket. */
const PLAIN = 0;
const OPENS = 1;
const BRACKET = 2;
const CHAR_KIND = new Uint8Array(128);
for (const char of "/<#\"'`") CHAR_KIND[char.charCodeAt(0)] = OPENS;
for (const char of "{}[]()") CHAR_KIND[char.charCodeAt(0)] = BRACKET;

/** Character classes, and the positions of the brackets in code (in order). */
export interface Lexed {
  readonly classes: Uint8Array;
  readonly brackets: readonly number[];
}

function lineStartBefore(text: string, index: number): number {
  return text.lastIndexOf("\n", index - 1) + 1;
}

export function classify(text: string): Uint8Array {
  return lex(text).classes;
}

/**
 * Classifies every character (see the file comment) and notes the brackets in code on the way: every
 * character the main loop steps over is code, and stays code.
 */
export function lex(text: string): Lexed {
  const classes = new Uint8Array(text.length);
  const brackets: number[] = [];
  let index = 0;
  // A window that begins inside a block comment: "*/" before any "/*".
  const firstClose = text.indexOf("*/");
  if (firstClose !== -1) {
    const firstOpen = text.indexOf("/*");
    if (firstOpen === -1 || firstOpen > firstClose) {
      classes.fill(COMMENT, 0, firstClose + 2);
      index = firstClose + 2;
    }
  }
  const length = text.length;
  const mark = (from: number, to: number, kind: number) => {
    const end = Math.min(to, length);
    // Short spans (most comments and strings) are quicker to fill by hand than through fill().
    if (end - from < 64) for (let at = from; at < end; at++) classes[at] = kind;
    else classes.fill(kind, from, end);
    return end;
  };
  while (index < length) {
    const char = text.charCodeAt(index);
    // Only some characters can start a comment or a string: step over the rest quickly.
    const kind = char < 0x80 ? CHAR_KIND[char]! : PLAIN;
    if (kind !== OPENS) {
      if (kind === BRACKET) brackets.push(index);
      index++;
      continue;
    }
    const next = index + 1 < length ? text.charCodeAt(index + 1) : 0;
    if (char === 0x2f && next === 0x2f) {
      // "//" line comment (but not "://" in a URL inside code text).
      if (index > 0 && text.charCodeAt(index - 1) === 0x3a) {
        index++;
        continue;
      }
      const end = text.indexOf("\n", index);
      index = mark(index, end === -1 ? length : end, COMMENT);
    } else if (char === 0x2f && next === 0x2a) {
      const end = text.indexOf("*/", index + 2);
      index = mark(index, end === -1 ? length : end + 2, COMMENT);
    } else if (char === 0x3c && text.startsWith("<!--", index)) {
      const end = text.indexOf("-->", index + 4);
      index = mark(index, end === -1 ? length : end + 3, COMMENT);
    } else if (char === 0x23) {
      const lineStart = lineStartBefore(text, index);
      const before = text.slice(lineStart, index).trim();
      const rest = text.slice(index, Math.min(length, index + 16));
      if (before === "" && DIRECTIVE.test(rest)) {
        index++;
        continue;
      }
      const end = text.indexOf("\n", index);
      index = mark(index, end === -1 ? length : end, COMMENT);
    } else if (
      (char === 0x22 || char === 0x27) &&
      next === char &&
      index + 2 < length &&
      text.charCodeAt(index + 2) === char
    ) {
      // Python triple-quoted string: usually a docstring, read as a comment.
      const end = text.indexOf(char === 0x22 ? '"""' : "'''", index + 3);
      index = mark(index, end === -1 ? length : end + 3, COMMENT);
    } else if (char === 0x22 || char === 0x27 || char === 0x60) {
      // An apostrophe inside words (don't, O'Brien) in prose is not a string.
      if (char === 0x27 && index > 0 && isLetter(text.charCodeAt(index - 1))) {
        index++;
        continue;
      }
      // A string ends at its quote or, except for template literals, at the end of the line.
      let end = index + 1;
      while (end < length) {
        const c = text.charCodeAt(end);
        if (c === 0x5c) {
          end += 2;
          continue;
        }
        if (c === char) {
          end++;
          break;
        }
        if (c === 0x0a && char !== 0x60) break;
        end++;
      }
      index = mark(index, end, STRING);
    } else {
      index++;
    }
  }
  return { classes, brackets };
}
