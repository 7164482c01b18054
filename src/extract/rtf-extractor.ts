import iconv from "iconv-lite";
import type { ByteSource } from "../model/bytes.js";
import { child, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * RTF documents (a manual or read-me saved from Word, WordPad's default) keep non-ASCII text as escapes:
 * `\'c3\'f1\'d7\'e5` is 民族 in the document's code page (GBK here), `\u27665?` is the same character by its
 * number. The raw bytes hold none of it. The document's text comes out as `text.txt`: control words and
 * the destinations that are no text (font and colour tables, styles, pictures, embedded objects) dropped,
 * escapes decoded, paragraphs as lines.
 */

/** Documents above this are scanned as raw bytes only (the text is built in memory). */
export const MAX_RTF_BYTES = 64 * 1024 * 1024;

export function looksLikeRtf(head: Uint8Array): boolean {
  // "{\rtf", as every RTF writer begins (a UTF-8 byte order mark first is tolerated).
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return (
    head[start] === 0x7b &&
    head[start + 1] === 0x5c &&
    head[start + 2] === 0x72 &&
    head[start + 3] === 0x74 &&
    head[start + 4] === 0x66
  );
}

/** Destinations whose content is not the document's text. */
const SKIPPED = new Set([
  "fonttbl",
  "colortbl",
  "stylesheet",
  "listtable",
  "listoverridetable",
  "revtbl",
  "rsidtbl",
  "info",
  "pict",
  "object",
  "objdata",
  "themedata",
  "colorschememapping",
  "latentstyles",
  "datastore",
  "xmlnstbl",
  "generator",
  "filetbl",
  "header",
  "footer",
  "headerl",
  "headerr",
  "footerl",
  "footerr",
]);

/** Control words that stand for a character or a break in the text. */
const CHARACTERS: Readonly<Record<string, string>> = {
  par: "\n",
  line: "\n",
  sect: "\n",
  page: "\n",
  row: "\n",
  cell: "\t",
  tab: "\t",
  emdash: "—",
  endash: "–",
  bullet: "•",
  lquote: "‘",
  rquote: "’",
  ldblquote: "“",
  rdblquote: "”",
};

/** The code page named by the header (`\ansicpgN`), or by the fonts' charsets when the header says 1252. */
function codePage(text: string): string {
  const ansi = /\\ansicpg(\d+)/u.exec(text.slice(0, 4096))?.[1];
  if (ansi !== undefined && ansi !== "1252" && iconv.encodingExists(`cp${ansi}`)) return `cp${ansi}`;
  const fonts = text.slice(0, 64 * 1024);
  // 134: GB2312, 136: Big5 (Chinese fonts in a document whose header kept the Western default).
  if (/\\fcharset134\b/u.test(fonts)) return "gb18030";
  if (/\\fcharset136\b/u.test(fonts)) return "big5";
  return "cp1252";
}

interface Group {
  skip: boolean;
  /** Characters to skip after a `\uN` (`\ucN`, 1 by default). */
  fallback: number;
}

/** A run of text with no group, control word, line end or byte outside ASCII. */
const PLAIN = /[^{}\\\r\n\u0080-\u00ff]+/uy;

/** The text of an RTF document (`text` is its bytes as latin1: one character per byte). */
export function rtfToText(text: string): string {
  const encoding = codePage(text);
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    out.push(iconv.decode(Buffer.from(bytes), encoding));
    bytes = [];
  };
  const emit = (chars: string): void => {
    flush();
    out.push(chars);
  };
  const stack: Group[] = [];
  let group: Group = { skip: false, fallback: 1 };
  /** Fallback characters still to drop after a `\uN`. */
  let pending = 0;
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (char === "{") {
      stack.push(group);
      group = { ...group };
      pending = 0;
      at++;
      // `{\*\dest …}`: a destination a reader that does not know it skips.
      if (text.startsWith("\\*", at)) group.skip = true;
      continue;
    }
    if (char === "}") {
      group = stack.pop() ?? group;
      pending = 0;
      at++;
      continue;
    }
    if (char === "\r" || char === "\n") {
      at++;
      continue;
    }
    if (char !== "\\") {
      const code = char.charCodeAt(0);
      if (pending > 0) {
        pending--;
        at++;
      } else if (code >= 0x80) {
        // A byte written as it is, in the document's code page.
        if (!group.skip) bytes.push(code);
        at++;
      } else {
        PLAIN.lastIndex = at;
        const run = PLAIN.exec(text)![0];
        if (!group.skip) emit(run);
        at += run.length;
      }
      continue;
    }
    const next = text[at + 1];
    if (next === "'") {
      const value = Number.parseInt(text.slice(at + 2, at + 4), 16);
      at += 4;
      if (Number.isNaN(value)) continue;
      if (pending > 0) pending--;
      else if (!group.skip) bytes.push(value);
      continue;
    }
    const word = /^\\([a-z]{1,32})(-?\d{1,10})? ?/u.exec(text.slice(at, at + 48));
    if (word === null) {
      // A control symbol: `\\`, `\{`, `\}` stand for themselves; `\~` is a non-breaking space.
      at += 2;
      if (group.skip || next === undefined) continue;
      if (next === "\\" || next === "{" || next === "}") emit(next);
      else if (next === "~") emit("\u00a0");
      continue;
    }
    at += word[0].length;
    const name = word[1]!;
    const parameter = word[2] === undefined ? undefined : Number(word[2]);
    if (SKIPPED.has(name)) group.skip = true;
    else if (name === "uc" && parameter !== undefined) group.fallback = Math.max(0, parameter);
    else if (name === "u" && parameter !== undefined) {
      if (!group.skip) emit(String.fromCharCode(parameter < 0 ? parameter + 0x10000 : parameter));
      pending = group.fallback;
    } else if (name === "bin" && parameter !== undefined) {
      // Binary data of that many bytes follows.
      at += Math.max(0, parameter);
    } else if (!group.skip && CHARACTERS[name] !== undefined) emit(CHARACTERS[name]);
  }
  flush();
  return out.join("");
}

export async function* extractRtf(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  if (source.size > MAX_RTF_BYTES) {
    yield partial("too-large", `RTF text not extracted above ${MAX_RTF_BYTES} bytes; raw bytes scanned`);
    return;
  }
  const bytes = await source.read(0, source.size);
  const text = rtfToText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1"));
  if (context.signal.aborted) {
    yield partial("budget-time", "time budget ran out");
    return;
  }
  if (text.trim() === "") return;
  yield child(
    "text.txt",
    "rtf-text",
    { bytes: new TextEncoder().encode(text) },
    { element: "text", leafOnly: true },
  );
}

export const rtfExtractor = {
  name: "rtf",
  detect: (head: Uint8Array) => looksLikeRtf(head),
  extract: extractRtf,
} satisfies Extractor;
