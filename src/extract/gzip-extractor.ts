import type { ByteSource } from "../model/bytes.js";
import {
  ChildWriter,
  ContainerBudget,
  child,
  collectLimited,
  errorMessage,
  partial,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { gunzip, rangeChunks } from "./streams.js";

/** A gzip member header: magic, deflate, no reserved flag bits. */
export function isGzipHeader(bytes: Uint8Array, at = 0): boolean {
  return (
    bytes[at] === 0x1f &&
    bytes[at + 1] === 0x8b &&
    bytes[at + 2] === 0x08 &&
    ((bytes[at + 3] ?? 0xff) & 0xe0) === 0
  );
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
  const admitted = budget.admit(name, undefined);
  if (admitted !== undefined) {
    yield admitted;
    return;
  }
  const { limit, reason } = budget.streamLimit(source.size);
  const writer = new ChildWriter(context.tempDir, name);
  let outcome: "done" | "limit" | "aborted" | "error";
  let failure = "";
  try {
    outcome = await collectLimited(
      gunzip(rangeChunks(source, 0, source.size)),
      writer,
      limit,
      context.signal,
    );
  } catch (error) {
    outcome = "error";
    failure = errorMessage(error);
  }
  if (outcome === "limit" || outcome === "aborted") {
    await writer.discard();
    const why = outcome === "limit" ? reason : "budget-time";
    yield budget.skip(
      name,
      why,
      outcome === "limit" ? `stopped after ${limit} bytes while decompressing` : "time budget ran out",
    );
    return;
  }
  if (outcome === "error" && writer.size === 0) {
    await writer.discard();
    yield partial("corrupt", `gzip: ${failure}`);
    return;
  }
  yield child(name, "gzip", await writer.finish());
  if (outcome === "error")
    yield partial("corrupt", `gzip stream damaged after ${writer.size} bytes: ${failure}`);
}

export const gzipExtractor = {
  name: "gzip",
  detect: (head: Uint8Array) => isGzipHeader(head),
  extract: extractGzip,
} satisfies Extractor;
