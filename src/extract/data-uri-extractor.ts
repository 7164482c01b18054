import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, ContainerBudget, COPY_CHUNK, child, concatBytes, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * Content carried inside text as base64 `data:` URIs. A JavaScript bundle ends with its source map inline
 * (`//# sourceMappingURL=data:application/json;base64,…`, whose `sourcesContent` holds the original
 * sources, comments and all); a web client embeds its WebAssembly module, its SVG icons or a JSON
 * language pack that way; a page keeps a script or a stylesheet in one. The raw text holds none of it
 * readably, so each such URI becomes a child, `data-N.ext`, with the decoded bytes.
 *
 * Left encoded: raster images, fonts, audio and video (a stylesheet may hold hundreds of icons, and their
 * bytes carry no text to read), and payloads under MIN_PAYLOAD characters.
 */

const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // "data:"
const BASE64_PARAMETER = [0x3b, 0x62, 0x61, 0x73, 0x65, 0x36, 0x34, 0x2c]; // ";base64,"
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const EQUALS = 0x3d;

/** The longest `data:…;base64,` header read: a media type with a few parameters. */
const MAX_HEADER = 256;
/** Fewer base64 characters than this decode to too little to hold a term: left alone. */
export const MIN_PAYLOAD = 16;

/** Base64 value of each byte (-1: not base64). */
const SEXTET = new Int8Array(256).fill(-1);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
for (let index = 0; index < ALPHABET.length; index++) SEXTET[ALPHABET.charCodeAt(index)] = index;

/** A character of a media type's name or of a parameter (RFC 6838's restricted names, and `=`, `%` in values). */
function isTokenByte(byte: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x2b ||
    byte === 0x5f ||
    byte === 0x21 ||
    byte === 0x23 ||
    byte === 0x24 ||
    byte === 0x26 ||
    byte === 0x5e ||
    byte === 0x25 ||
    byte === EQUALS
  );
}

function matchesAt(bytes: Uint8Array, at: number, pattern: readonly number[], foldCase: boolean): boolean {
  if (at + pattern.length > bytes.length) return false;
  for (let k = 0; k < pattern.length; k++) {
    const byte = foldCase ? bytes[at + k]! | (pattern[k]! >= 0x61 ? 0x20 : 0) : bytes[at + k]!;
    if (byte !== pattern[k]) return false;
  }
  return true;
}

/**
 * The header of a base64 data URI at `at` (the `d` of `data:`): its media type (lower case, `text/plain`
 * when empty, JSON's `\/` read as `/`) and where the payload begins. `undefined`: not one; `"more"`: the
 * header may go on past the end of `bytes`.
 */
export function dataUriHeader(
  bytes: Uint8Array,
  at: number,
): { mime: string; payload: number } | "more" | undefined {
  if (!matchesAt(bytes, at, DATA, true)) return at + DATA.length > bytes.length ? "more" : undefined;
  let mime = "";
  let index = at + DATA.length;
  let inParameters = false;
  while (index - at <= MAX_HEADER) {
    if (index >= bytes.length) return "more";
    const byte = bytes[index]!;
    if (byte === 0x3b) {
      if (index + BASE64_PARAMETER.length > bytes.length) return "more";
      if (matchesAt(bytes, index, BASE64_PARAMETER, true)) {
        const type = mime.toLowerCase();
        if (type !== "" && !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/u.test(type)) return undefined;
        return { mime: type === "" ? "text/plain" : type, payload: index + BASE64_PARAMETER.length };
      }
      inParameters = true;
      index++;
      continue;
    }
    if (byte === BACKSLASH && index + 1 >= bytes.length) return "more";
    if (byte === BACKSLASH && bytes[index + 1] === SLASH && !inParameters) {
      mime += "/";
      index += 2;
      continue;
    }
    if (byte === SLASH && !inParameters) mime += "/";
    else if (isTokenByte(byte)) {
      if (!inParameters) mime += String.fromCharCode(byte);
    } else return undefined;
    index++;
  }
  return undefined;
}

/** Media whose bytes carry no text to read: left encoded. */
function leftEncoded(mime: string): boolean {
  if (mime === "image/svg+xml") return false;
  return (
    /^(?:image|font|audio|video)\//u.test(mime) ||
    /^application\/(?:x-)?font/u.test(mime) ||
    mime === "application/vnd.ms-fontobject"
  );
}

/** A file extension for the decoded bytes, from the media type (the content decides how it is read). */
function extensionOf(mime: string): string {
  const subtype = mime.slice(mime.indexOf("/") + 1);
  if (subtype === "json" || subtype.endsWith("+json")) return ".json";
  if (/(?:java|ecma)script$/u.test(subtype)) return ".js";
  if (subtype === "svg+xml") return ".svg";
  if (subtype === "xml" || subtype.endsWith("+xml")) return ".xml";
  if (subtype === "html" || subtype === "css" || subtype === "wasm" || subtype === "zip" || subtype === "pdf")
    return `.${subtype}`;
  if (mime.startsWith("text/")) return ".txt";
  return ".bin";
}

/** One event of the parser: a URI begins, decoded bytes of it, or it ends. */
export type DataUriEvent =
  | { readonly kind: "start"; readonly offset: number; readonly mime: string }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "end"; readonly characters: number };

/**
 * Finds base64 data URIs in streamed text and decodes their payloads as they stream by. A payload ends at
 * the first byte that is not base64 (JSON's `\/` is a `/`), or after its `=` padding. Only URIs that are
 * not left encoded (see leftEncoded) are decoded; `skipped` counts the others.
 */
export class DataUriParser {
  skipped = 0;
  private held = new Uint8Array(0);
  /** Offset of `held[0]` in the text. */
  private base = 0;
  /** In a payload: its sextets not yet decoded, and how many characters it has had. */
  private inPayload = false;
  private decoding = false;
  private quantum = 0;
  private quantumLength = 0;
  private characters = 0;

  push(chunk: Uint8Array, final = false): DataUriEvent[] {
    const bytes = this.held.length === 0 ? chunk : concatBytes([this.held, chunk]);
    const events: DataUriEvent[] = [];
    let at = 0;
    let out: Uint8Array | undefined;
    let written = 0;
    const flush = (): void => {
      if (out !== undefined && written > 0) events.push({ kind: "bytes", bytes: out.slice(0, written) });
      written = 0;
    };
    const end = (): void => {
      if (this.decoding) {
        // A last quantum of 2 or 3 characters without its padding still holds 1 or 2 bytes.
        out ??= new Uint8Array(Math.ceil((bytes.length * 3) / 4) + 3);
        if (this.quantumLength >= 2)
          out[written++] = (this.quantum >> (this.quantumLength === 2 ? 4 : 10)) & 0xff;
        if (this.quantumLength === 3) out[written++] = (this.quantum >> 2) & 0xff;
        flush();
        events.push({ kind: "end", characters: this.characters });
      }
      this.inPayload = false;
      this.decoding = false;
      this.quantum = 0;
      this.quantumLength = 0;
      this.characters = 0;
    };
    while (at < bytes.length) {
      if (this.inPayload) {
        if (this.decoding) out ??= new Uint8Array(Math.ceil((bytes.length * 3) / 4) + 3);
        let index = at;
        for (; index < bytes.length; index++) {
          let byte = bytes[index]!;
          if (byte === BACKSLASH) {
            if (index + 1 >= bytes.length && !final) break;
            if (bytes[index + 1] !== SLASH) break;
            index++;
            byte = SLASH;
          }
          const value = SEXTET[byte]!;
          if (value < 0) break;
          this.characters++;
          if (!this.decoding) continue;
          this.quantum = (this.quantum << 6) | value;
          if (++this.quantumLength === 4) {
            out![written++] = (this.quantum >> 16) & 0xff;
            out![written++] = (this.quantum >> 8) & 0xff;
            out![written++] = this.quantum & 0xff;
            this.quantum = 0;
            this.quantumLength = 0;
          }
        }
        at = index;
        if (at < bytes.length && !(bytes[at] === BACKSLASH && at + 1 >= bytes.length && !final)) {
          // `=` padding ends the payload with it.
          if (bytes[at] === EQUALS) {
            while (at < bytes.length && bytes[at] === EQUALS) at++;
          }
          end();
          continue;
        }
        break;
      }
      const found = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(
        "ata:",
        at + 1,
        "latin1",
      );
      if (found < 0) {
        at = Math.max(at, bytes.length - DATA.length);
        break;
      }
      const start = found - 1;
      const header = dataUriHeader(bytes, start);
      if (header === "more" && !final) {
        at = start;
        break;
      }
      if (header === undefined || header === "more") {
        at = found;
        continue;
      }
      this.inPayload = true;
      this.decoding = !leftEncoded(header.mime);
      if (this.decoding) events.push({ kind: "start", offset: this.base + start, mime: header.mime });
      else this.skipped++;
      at = header.payload;
    }
    flush();
    if (final) {
      end();
      at = bytes.length;
    }
    this.held = bytes.slice(at);
    this.base += at;
    return events;
  }
}

/** Decodes the data URIs of a text into children, each written as it is decoded. */
export async function* extractDataUris(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "data-uri");
  const parser = new DataUriParser();
  let current: { writer: ChildWriter; name: string; offset: number; mime: string; limit: number } | undefined;
  let count = 0;
  try {
    for (let at = 0, final = false; !final;) {
      if (context.signal.aborted) {
        await current?.writer.discard();
        yield partial("budget-time", `data: URIs read in the first ${at} bytes only`);
        return;
      }
      const bytes =
        at < source.size ? await source.read(at, Math.min(COPY_CHUNK, source.size - at)) : undefined;
      final = bytes === undefined || bytes.length === 0;
      for (const event of parser.push(bytes ?? new Uint8Array(0), final)) {
        if (event.kind === "start") {
          count++;
          const name = `data-${count}${extensionOf(event.mime)}`;
          const { limit } = budget.streamLimit(undefined);
          current = {
            writer: new ChildWriter(context.tempDir, name),
            name,
            offset: event.offset,
            mime: event.mime,
            limit,
          };
        } else if (event.kind === "bytes") {
          if (current === undefined) continue;
          if (current.writer.size + event.bytes.length > current.limit) {
            await current.writer.discard();
            yield budget.skip(
              current.name,
              "too-large",
              `decodes to more than ${current.limit} bytes`,
              current.offset,
            );
            current = undefined;
            continue;
          }
          await current.writer.write(event.bytes);
        } else if (current !== undefined) {
          const { writer, name, offset, mime } = current;
          current = undefined;
          // Too short to hold a term: not a member.
          if (event.characters < MIN_PAYLOAD) {
            await writer.discard();
            continue;
          }
          const refused = budget.admit(name, writer.size);
          if (refused !== undefined) {
            await writer.discard();
            yield { ...refused, offsetInParent: offset };
            if (refused.reason === "budget-members") return;
            continue;
          }
          budget.written += writer.size;
          yield child(name, "data-uri", await writer.finish(), {
            offsetInParent: offset,
            element: `data:${mime};base64`,
          });
        }
      }
      at += bytes?.length ?? 0;
    }
  } catch (error) {
    await current?.writer.discard();
    throw error;
  }
}

/** Never picked by content sniffing: the scan runs it on text in which a DataUriWatch saw a URI to decode. */
export const dataUriExtractor = {
  name: "data-uri",
  detect: () => false,
  extract: extractDataUris,
} satisfies Extractor;

/** The bytes the scan's matcher looks for as a mark of a base64 data URI (see DataUriWatch). */
export const DATA_URI_MARK: readonly number[] = BASE64_PARAMETER;

/** Bytes kept from the end of one chunk to read a header across the boundary. */
const WATCH_SPAN = MAX_HEADER + BASE64_PARAMETER.length;
/** Marks held for one chunk at most: a text with more has a URI among them, or none worth the search. */
const MAX_MARKS = 256;

/**
 * Watches streamed text for a base64 data URI worth decoding (not an image's or a font's, not too short).
 * It searches nothing itself: the scan's matcher reports each `;base64,` as a mark (it is a needle of the
 * scan's automaton, so the text costs no second pass), and the chunk that held it is checked for a
 * `data:` header before it.
 */
export class DataUriWatch {
  found = false;
  private marks: number[] = [];
  private tail = new Uint8Array(0);

  /** A `;base64,` at `offset` in the artifact (it ends in the chunk being matched). */
  mark(offset: number): void {
    if (!this.found && this.marks.length < MAX_MARKS) this.marks.push(offset);
  }

  /** After the matcher has seen `chunk`, at `start` in the artifact: checks the chunk's marks. */
  push(chunk: Uint8Array, start: number): void {
    if (this.found) return;
    if (this.marks.length > 0) {
      const window = this.tail.length === 0 ? chunk : concatBytes([this.tail, chunk]);
      const base = start - this.tail.length;
      this.found = this.marks.some((offset) => offset >= base && dataUriEndingAt(window, offset - base));
      this.marks = [];
    }
    const kept = chunk.length >= WATCH_SPAN ? chunk : concatBytes([this.tail, chunk]);
    this.tail = kept.slice(Math.max(0, kept.length - WATCH_SPAN));
  }
}

/**
 * Whether the `;base64,` at `at` in `bytes` ends the header of a data URI that is decoded (see leftEncoded),
 * with a payload of MIN_PAYLOAD characters or one that goes on past the end of `bytes`.
 */
function dataUriEndingAt(bytes: Uint8Array, at: number): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const from = buffer.lastIndexOf("data:", at, "latin1");
  if (from < 0 || at - from > MAX_HEADER) return false;
  const header = dataUriHeader(bytes, from);
  if (
    typeof header !== "object" ||
    header.payload !== at + BASE64_PARAMETER.length ||
    leftEncoded(header.mime)
  )
    return false;
  let length = 0;
  for (let index = header.payload; index < bytes.length && length < MIN_PAYLOAD; index++) {
    if (SEXTET[bytes[index]!]! < 0 && !(bytes[index] === BACKSLASH && bytes[index + 1] === SLASH)) break;
    length++;
  }
  return length >= MIN_PAYLOAD || header.payload + length >= bytes.length;
}
