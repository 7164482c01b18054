import type { ByteSource } from "../model/bytes.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { asRecord, extractJsonDocument, type HeldFile } from "./json-document.js";

/**
 * A web capture in HAR (HTTP Archive) form, as a browser's developer tools save it ("Save all as HAR with
 * content"): every request of a session with a camera's or a platform's web interface, and the bodies of
 * the responses (its scripts, its language packs, the JSON its API returned). Each body comes out as a
 * child named by its URL, decoded when the capture stored it as base64 (binary responses, and some tools'
 * every response); a request's posted body too, as `URL (request body)`.
 */

/** The most a capture may weigh to be taken apart (it is parsed whole). */
export const MAX_HAR_BYTES = 128 * 1024 * 1024;

const HAR_START = /^\s*\{\s*"log"\s*:\s*\{/u;
const HAR_KEY = /"(?:entries|creator|pages)"\s*:/u;

/** Whether the head is a HAR capture: JSON whose first key is `log`, an object with a HAR's keys. */
export function looksLikeHar(head: Uint8Array): boolean {
  let at = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) at = 3;
  const start = Buffer.from(head.buffer, head.byteOffset + at, Math.min(head.length - at, 4096)).toString(
    "latin1",
  );
  return HAR_START.test(start) && HAR_KEY.test(start);
}

/** The body of a content or postData object: its text, decoded from base64 when it says so. */
function bodyBytes(holder: Record<string, unknown> | undefined): Uint8Array | undefined {
  const text = holder?.["text"];
  if (typeof text !== "string" || text.length === 0) return undefined;
  const bytes = holder?.["encoding"] === "base64" ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The bodies of a capture's entries, in order. */
function bodiesOf(har: unknown): HeldFile[] {
  const entries = asRecord(asRecord(har)?.["log"])?.["entries"];
  if (!Array.isArray(entries)) return [];
  const bodies: HeldFile[] = [];
  entries.forEach((entry, index) => {
    const request = asRecord(asRecord(entry)?.["request"]);
    const response = asRecord(asRecord(entry)?.["response"]);
    const url =
      typeof request?.["url"] === "string" && request["url"] !== "" ? request["url"] : `entry-${index + 1}`;
    const method = typeof request?.["method"] === "string" ? request["method"] : "GET";
    const posted = asRecord(request?.["postData"]);
    const sent = bodyBytes(posted);
    if (sent !== undefined)
      bodies.push({ name: `${url} (request body)`, element: `${method} request body`, bytes: sent });
    const content = asRecord(response?.["content"]);
    const received = bodyBytes(content);
    if (received !== undefined) {
      const status = typeof response?.["status"] === "number" ? ` ${response["status"]}` : "";
      const type =
        typeof content?.["mimeType"] === "string" && content["mimeType"] !== ""
          ? `, ${content["mimeType"]}`
          : "";
      bodies.push({ name: url, element: `response${status}${type}`, bytes: received });
    }
  });
  return bodies;
}

export function extractHar(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  // The same URL fetched twice gives two bodies, told apart by their labels.
  return extractJsonDocument(source, context, {
    via: "har",
    what: "HAR capture",
    maxBytes: MAX_HAR_BYTES,
    held: bodiesOf,
  });
}

export const harExtractor = {
  name: "har",
  detect: (head: Uint8Array) => looksLikeHar(head),
  extract: extractHar,
} satisfies Extractor;
