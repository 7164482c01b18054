import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, decodedChild, trailingBytes } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { inflateRawAt } from "./streams.js";

/** A gzip member header: magic, deflate, no reserved flag bits. */
export function isGzipHeader(bytes: Uint8Array, at = 0): boolean {
  return (
    bytes[at] === 0x1f &&
    bytes[at + 1] === 0x8b &&
    bytes[at + 2] === 0x08 &&
    ((bytes[at + 3] ?? 0xff) & 0xe0) === 0
  );
}

/** Length of the gzip member header at `at` (FEXTRA, FNAME, FCOMMENT, FHCRC), or undefined. */
export function gzipHeaderLength(head: Uint8Array, at = 0): number | undefined {
  if (!isGzipHeader(head, at)) return undefined;
  const flags = head[at + 3]!;
  let position = at + 10;
  if (flags & 0x04) position += 2 + (head[at + 10] ?? 0) + ((head[at + 11] ?? 0) << 8);
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      const end = head.indexOf(0, position);
      if (end < 0) return undefined;
      position = end + 1;
    }
  }
  if (flags & 0x02) position += 2;
  return position <= head.length ? position - at : undefined;
}

/**
 * Decompresses every gzip member from the start (multi-member files are one stream, as gzip -d
 * writes); bytes after the last member that are not a gzip header are ignored, as gzip does.
 */
export async function* gunzipMembers(
  source: ByteSource,
  outcome: { trailing: number },
): AsyncGenerator<Uint8Array> {
  let position = 0;
  while (position < source.size) {
    const head = await source.read(position, 64 * 1024);
    const headerLength = gzipHeaderLength(head);
    if (headerLength === undefined) {
      if (position === 0)
        throw new Error(
          isGzipHeader(head) ? `the gzip header is cut off (${head.length} bytes)` : "not a gzip header",
        );
      outcome.trailing = await trailingBytes(source, position);
      return;
    }
    const state = { consumed: -1 };
    yield* inflateRawAt(source, position + headerLength, state);
    if (state.consumed < 0) return;
    position += headerLength + state.consumed + 8;
  }
}

/** The FNAME field of a gzip header, if present. */
export function gzipName(head: Uint8Array): string | undefined {
  const flags = head[3] ?? 0;
  let position = 10;
  if ((flags & 0x04) !== 0) position += 2 + (head[10] ?? 0) + ((head[11] ?? 0) << 8);
  if ((flags & 0x08) === 0) return undefined;
  const end = head.indexOf(0, position);
  if (end < 0 || end - position > 1024) return undefined;
  const raw = head.subarray(position, end);
  const name = new TextDecoder("latin1").decode(raw).split(/[\\/]/).pop();
  return name === "" ? undefined : name;
}

/** The name of a decompressed stream when the header does not carry one: `x.tar.gz` → `x.tar`. */
export function strippedName(name: string, suffixes: readonly [string, string][]): string {
  const lower = name.toLowerCase();
  for (const [suffix, replacement] of suffixes) {
    if (lower.endsWith(suffix) && lower.length > suffix.length)
      return name.slice(0, -suffix.length) + replacement;
  }
  return `${name}.out`;
}

export async function* extractGzip(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "gzip");
  const head = await source.read(0, 4096);
  const name =
    gzipName(head) ??
    strippedName(context.name.split(/[\\/]/).pop() ?? context.name, [
      [".tgz", ".tar"],
      [".gz", ""],
      [".z", ""],
    ]);
  yield* decodedChild(context, budget, source.size, name, "gzip", "member", (outcome) =>
    gunzipMembers(source, outcome),
  );
}

export const gzipExtractor = {
  name: "gzip",
  detect: (head: Uint8Array) => isGzipHeader(head),
  extract: extractGzip,
} satisfies Extractor;
