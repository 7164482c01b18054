import type { Attachment, Email, PostalMimeOptions } from "postal-mime";
import type { ByteSource } from "../model/bytes.js";
import { child, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { looksLikeHtml } from "./html-extractor.js";
import { htmlToText } from "./markup-text.js";

/**
 * A MIME message: an e-mail (`.eml`, a vendor's SDK sent as an attachment) or a web page saved as one file
 * (`.mhtml` / `.mht`, what a browser's "Save page as" writes). Its text is quoted-printable or base64 and its
 * attachments base64: the raw bytes show little of either. The body comes out as `body.txt` and `body.html`
 * (an HTML body is then read as any page is), each attachment or saved resource under its own name.
 */

/** Messages above this are scanned as raw bytes only: the parser holds the message and its parts at once. */
export const MAX_MIME_BYTES = 128 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const HEAD_LIMIT = 64 * 1024;
/** Longer names are no header field's (the longest registered ones are under 40 characters). */
const MAX_FIELD_NAME = 76;

/**
 * Where the name of a header field (`Name: value`) starting at `at` ends: the offset of its colon, or -1
 * when no field starts there (the name is printable ASCII but the colon, 1 to MAX_FIELD_NAME bytes).
 */
export function fieldNameEnd(bytes: Uint8Array, at: number, end: number): number {
  let next = at;
  while (next < end && bytes[next]! > 0x20 && bytes[next]! < 0x7f && bytes[next] !== COLON) next++;
  return next === at || next - at > MAX_FIELD_NAME || bytes[next] !== COLON ? -1 : next;
}

/**
 * True when `head` starts with a header block (field lines, folded lines, a blank line ending it) that has
 * two fields or more, among them `MIME-Version` or `Content-Type`, or is one multipart `Content-Type`.
 * A Debian control file, an HTTP response or a mailbox (whose first line is `From sender date`) is not
 * one. Read byte by byte: every artifact no earlier format claims comes here, and most fail on their
 * first line.
 */
export function looksLikeMime(head: Uint8Array): boolean {
  const end = Math.min(head.length, HEAD_LIMIT);
  let fields = 0;
  let mime = false;
  let multipart = false;
  let at = 0;
  while (at < end) {
    const first = head[at]!;
    if (first === LF || (first === CR && head[at + 1] === LF)) return mime && (fields >= 2 || multipart);
    let next = at;
    if (first === 0x20 || first === 0x09) {
      // A folded line continues the field before it.
      if (fields === 0) return false;
    } else {
      next = fieldNameEnd(head, at, end);
      if (next < 0) return false;
      fields++;
      const name = String.fromCharCode(...head.subarray(at, next)).toLowerCase();
      if (name === "mime-version" || name === "content-type") mime = true;
      if (name === "content-type") {
        let value = next + 1;
        while (head[value] === 0x20 || head[value] === 0x09) value++;
        const type = String.fromCharCode(...head.subarray(value, Math.min(value + 10, end)));
        if (type.toLowerCase() === "multipart/") multipart = true;
      }
    }
    const lineEnd = head.indexOf(LF, next);
    if (lineEnd < 0 || lineEnd >= end) return false;
    at = lineEnd + 1;
  }
  return false;
}

/** File name extensions for parts that have no name of their own, by MIME type. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  "text/html": ".html",
  "text/plain": ".txt",
  "text/css": ".css",
  "text/javascript": ".js",
  "application/javascript": ".js",
  "application/json": ".json",
  "application/xml": ".xml",
  "text/xml": ".xml",
  "application/pdf": ".pdf",
  "application/zip": ".zip",
  "message/rfc822": ".eml",
};

/** Longer Content-Locations are not used as names (a page's resource URLs are far shorter). */
const MAX_LOCATION_NAME = 2048;

/**
 * A part's name: its file name; else its Content-Location, the URL a saved page's resource came from (a
 * `cid:` one says nothing); else `part-N` with an extension for its type.
 */
function partName(attachment: Attachment, location: string | undefined, index: number): string {
  const named = attachment.filename?.trim();
  if (named !== undefined && named !== "") return named;
  if (
    location !== undefined &&
    location !== "" &&
    location.length <= MAX_LOCATION_NAME &&
    !/^cid:/iu.test(location)
  )
    return location;
  return `part-${index + 1}${EXTENSIONS[attachment.mimeType.toLowerCase()] ?? ".bin"}`;
}

/** What postal-mime's parser hands to its (internal) collectAttachment: the part, with its header lines. */
interface PartNode {
  readonly headers?: readonly { readonly key?: unknown; readonly value?: unknown }[];
}

/**
 * Parses the message with postal-mime, keeping each attachment's Content-Location, which postal-mime does
 * not report: a page saved as MHTML gives its resources no file name, only that URL. It is read from the
 * part's header lines as the parser collects the part (an internal method: should a later postal-mime
 * have none, parts keep their `part-N` names).
 */
async function parseMessage(
  bytes: Uint8Array,
  options: PostalMimeOptions,
): Promise<{ email: Email; locations: WeakMap<Attachment, string> }> {
  // Loaded at the first message (~15 ms), not at every start.
  const { default: PostalMime } = await import("postal-mime");
  const locations = new WeakMap<Attachment, string>();
  const collect = (PostalMime.prototype as unknown as Record<string, unknown>).collectAttachment;
  if (typeof collect !== "function") return { email: await PostalMime.parse(bytes, options), locations };
  class LocatingParser extends PostalMime {
    collectAttachment(node: PartNode, ...rest: unknown[]): void {
      (collect as (...args: unknown[]) => void).call(this, node, ...rest);
      const collected = (this as unknown as { attachments?: Attachment[] }).attachments;
      const last = Array.isArray(collected) ? collected.at(-1) : undefined;
      const line = node.headers?.find((header) => header.key === "content-location");
      // A long URL may be folded over lines; a URL holds no whitespace of its own.
      if (last !== undefined && typeof line?.value === "string")
        locations.set(last, line.value.replace(/\s+/gu, ""));
    }
  }
  return { email: await new LocatingParser(options).parse(bytes), locations };
}

export async function* extractMime(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  if (source.size > MAX_MIME_BYTES) {
    yield partial("too-large", `MIME parts not extracted above ${MAX_MIME_BYTES} bytes; raw bytes scanned`);
    return;
  }
  const bytes = await source.read(0, source.size);
  const { email, locations } = await parseMessage(bytes, {
    attachmentEncoding: "arraybuffer",
    // A message attached to a message is an attachment of its own, opened as a message in turn.
    forceRfc822Attachments: true,
    maxNestingDepth: context.budgets.maxDepth * 8,
  });
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  if (email.text !== undefined && email.text.trim() !== "")
    yield child(
      "body.txt",
      "mime-text",
      { bytes: encode(email.text) },
      { element: "text body", leafOnly: true },
    );
  if (email.html !== undefined && email.html.trim() !== "") {
    const html = encode(email.html);
    // A whole page is read as any page is. A fragment (`<div>…</div>`, as mail writes) is no page the HTML
    // reader would take: its text is made here, and the fragment itself is not opened again.
    const page = looksLikeHtml(html);
    yield child("body.html", "mime-text", { bytes: html }, { element: "HTML body", leafOnly: !page });
    if (!page) {
      const text = encode(htmlToText(email.html));
      yield child(
        "body.html.txt",
        "mime-text",
        { bytes: text },
        { element: "HTML body text", leafOnly: true },
      );
    }
  }
  let index = 0;
  for (const attachment of email.attachments) {
    if (context.signal.aborted) {
      yield partial("budget-time", "time budget ran out");
      return;
    }
    const content = attachment.content;
    const part =
      typeof content === "string"
        ? encode(content)
        : content instanceof Uint8Array
          ? content
          : new Uint8Array(content);
    const name = partName(attachment, locations.get(attachment), index);
    index++;
    if (index > context.budgets.maxMembers) {
      yield partial("budget-members", `more than ${context.budgets.maxMembers} parts`);
      return;
    }
    yield child(name, "mime", { bytes: part }, { element: attachment.mimeType });
  }
}

export const mimeExtractor = {
  name: "mime",
  detect: (head: Uint8Array) => looksLikeMime(head),
  extract: extractMime,
} satisfies Extractor;
