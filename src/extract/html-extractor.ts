import iconv from "iconv-lite";
import type { ByteSource } from "../model/bytes.js";
import { child, partial, asBuffer } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { htmlToText } from "./markup-text.js";

/** HTML pages above this are scanned as raw bytes only. */
export const MAX_HTML_BYTES = 64 * 1024 * 1024;

/** Decodes HTML bytes: BOM, then `<meta charset>` / `content="…charset=…"`, else UTF-8. */
export function decodeHtml(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096)).toLowerCase();
  const at = head.indexOf("charset=");
  if (at >= 0) {
    let end = at + 8;
    const start = head[end] === '"' || head[end] === "'" ? ++end : end;
    while (end < head.length && /[\w-]/.test(head[end]!)) end += 1;
    const charset = head.slice(start, end);
    if (charset !== "" && charset !== "utf-8" && iconv.encodingExists(charset)) {
      return iconv.decode(asBuffer(bytes), charset === "gb2312" || charset === "gbk" ? "gb18030" : charset);
    }
  }
  return new TextDecoder().decode(bytes);
}

/** Bytes whose windows-1252 character `trimStart` takes away: tab, line feed, VT, FF, CR, space, NBSP. */
function isLeadingSpace(byte: number): boolean {
  return (byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0;
}

const LATIN1 = new TextDecoder("latin1");

export function looksLikeHtml(head: Uint8Array): boolean {
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  // Every page starts with "<" after its white space: most artifacts are told apart by that byte alone,
  // without decoding their first kilobyte (this runs for every file of a scan).
  const end = Math.min(head.length, start + 1024);
  let first = start;
  while (first < end && isLeadingSpace(head[first]!)) first++;
  if (first >= end || head[first] !== 0x3c) return false;
  const text = LATIN1.decode(head.subarray(first, end)).toLowerCase();
  if (text.startsWith("<!doctype html") || text.startsWith("<html")) return true;
  return (
    text.startsWith("<") && (text.includes("<html") || text.includes("<head>") || text.includes("<body"))
  );
}

export async function* extractHtml(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  if (context.signal.aborted) return;
  if (source.size > MAX_HTML_BYTES) {
    yield partial("too-large", `HTML text not extracted above ${MAX_HTML_BYTES} bytes; raw bytes scanned`);
    return;
  }
  const text = htmlToText(decodeHtml(await source.read(0, source.size)));
  if (text.trim() === "") return;
  yield child(
    "text.txt",
    "html-text",
    { bytes: new TextEncoder().encode(text) },
    { element: "text", leafOnly: true },
  );
}

export const htmlExtractor = {
  name: "html",
  detect: (head: Uint8Array) => looksLikeHtml(head),
  extract: extractHtml,
} satisfies Extractor;
