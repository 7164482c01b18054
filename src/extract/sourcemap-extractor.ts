import type { ByteSource } from "../model/bytes.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { asRecord, extractJsonDocument, type HeldFile } from "./json-document.js";

/**
 * A JavaScript source map (`app.js.map`, or a bundle's inline map decoded from its data: URI). Its
 * `sourcesContent` holds every original source as written, comments and enum names included, that the
 * minified bundle no longer shows; as one JSON string each, with its line breaks written `\n`. Each source
 * comes out as a child named by its entry in `sources`, so that a finding there has the source's own lines.
 * An index map's `sections` are read the same way.
 */

/** The most a map may weigh to be parsed (its sources are held in memory as one JSON value). */
export const MAX_SOURCEMAP_BYTES = 64 * 1024 * 1024;
/** Nesting of an index map's sections (the format allows one level; a hostile map may claim more). */
const MAX_SECTION_DEPTH = 4;

const VERSION_3 = /"version"\s*:\s*3\s*[,}]/u;
/** Keys only a source map has beside its version (`names` alone is too common a key to tell one). */
const MAP_KEY = /"(?:sources|sections|mappings|sourcesContent)"\s*:/u;

/**
 * Whether the head is a source map: JSON (after an optional BOM, whitespace or the `)]}'` guard line some
 * servers put before it) whose object has `"version": 3` near its start and a source map's keys.
 */
export function looksLikeSourceMap(head: Uint8Array): boolean {
  let at = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) at = 3;
  if (head[at] === 0x29 && head[at + 1] === 0x5d && head[at + 2] === 0x7d) {
    while (at < head.length && head[at] !== 0x0a) at++;
  }
  while (
    at < head.length &&
    (head[at] === 0x20 || head[at] === 0x0a || head[at] === 0x0d || head[at] === 0x09)
  )
    at++;
  if (head[at] !== 0x7b) return false;
  const start = Buffer.from(head.buffer, head.byteOffset + at, Math.min(head.length - at, 1024)).toString(
    "latin1",
  );
  if (!VERSION_3.test(start)) return false;
  return MAP_KEY.test(Buffer.from(head.buffer, head.byteOffset + at, head.length - at).toString("latin1"));
}

/** The sources with content of a parsed map, its sections' too, in order. */
function sourcesOf(map: unknown, depth: number, out: HeldFile[]): void {
  const record = asRecord(map);
  if (record === undefined || depth > MAX_SECTION_DEPTH) return;
  if (Array.isArray(record["sections"])) {
    for (const section of record["sections"] as unknown[])
      sourcesOf(asRecord(section)?.["map"], depth + 1, out);
  }
  const contents = record["sourcesContent"];
  if (!Array.isArray(contents)) return;
  const names = Array.isArray(record["sources"]) ? (record["sources"] as unknown[]) : [];
  contents.forEach((content, index) => {
    if (typeof content !== "string" || content.length === 0) return;
    const named = names[index];
    out.push({
      name: typeof named === "string" && named.trim() !== "" ? named : `source-${index + 1}`,
      bytes: new TextEncoder().encode(content),
    });
  });
}

export function extractSourceMap(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  // Two sources of one name (two bundled copies of a module) stay apart by their labels.
  return extractJsonDocument(source, context, {
    via: "sourcemap",
    what: "source map",
    maxBytes: MAX_SOURCEMAP_BYTES,
    held: (map) => {
      const sources: HeldFile[] = [];
      sourcesOf(map, 0, sources);
      return sources;
    },
  });
}

export const sourceMapExtractor = {
  name: "sourcemap",
  detect: (head: Uint8Array) => looksLikeSourceMap(head),
  extract: extractSourceMap,
} satisfies Extractor;
