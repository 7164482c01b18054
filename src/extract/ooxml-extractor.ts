import type { ByteSource } from "../model/bytes.js";
import {
  ContainerBudget,
  ascii,
  child,
  errorMessage,
  partial,
  startsWith,
  asBuffer,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { ooxmlToText } from "./markup-text.js";
import { ZIP_LOCAL, extractZip, readEntryBytes, readZipDirectory, type ZipEntry } from "./zip-extractor.js";

/** XML parts larger than this are not turned into text (their raw bytes are still scanned). */
export const MAX_PART_BYTES = 64 * 1024 * 1024;
const CONTENT_TYPES = ascii("[Content_Types].xml");
const TEXT_PARTS = ["word/", "xl/", "ppt/", "docProps/"];

function isTextPart(name: string): boolean {
  return name.endsWith(".xml") && TEXT_PARTS.some((prefix) => name.startsWith(prefix));
}

function contains(haystack: Uint8Array, needle: readonly number[]): boolean {
  return asBuffer(haystack).indexOf(Buffer.from(needle)) >= 0;
}

/**
 * DOCX, XLSX and PPTX: one text child per XML part (element = part name, runs joined), and the other
 * members (embedded objects, media) as ordinary children.
 */
export async function* extractOoxml(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "ooxml");
  const directory = await readZipDirectory(source);
  if (directory === undefined) {
    yield* extractZip(source, context, "ooxml");
    return;
  }
  if (directory.problem !== undefined) yield partial("corrupt", directory.problem);
  const textParts = directory.entries.filter((entry) => isTextPart(entry.name) && !entry.isDirectory);
  for (const entry of textParts) {
    if (context.signal.aborted) {
      yield partial("budget-time", "time budget ran out");
      return;
    }
    const skipped = budget.admit(entry.name, entry.size, entry.compressedSize);
    if (skipped !== undefined) {
      yield skipped;
      if (budget.members > context.budgets.maxMembers) return;
      continue;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readEntryBytes(source, entry, MAX_PART_BYTES);
    } catch (error) {
      yield budget.skip(entry.name, "corrupt", errorMessage(error));
      continue;
    }
    if (bytes === undefined) {
      yield budget.skip(
        entry.name,
        "unsupported",
        "part not readable as text (encrypted, too large or unknown method)",
      );
      continue;
    }
    const text = ooxmlToText(new TextDecoder().decode(bytes));
    if (text.trim() === "") continue;
    yield child(
      entry.name,
      "ooxml-text",
      { bytes: new TextEncoder().encode(text) },
      { element: entry.name, leafOnly: true },
    );
  }
  const isOther = (entry: ZipEntry): boolean => !entry.name.endsWith(".xml") && !entry.name.endsWith(".rels");
  yield* extractZip(source, context, "ooxml", isOther);
}

export const ooxmlExtractor = {
  name: "ooxml",
  detect(head: Uint8Array) {
    if (!startsWith(head, ZIP_LOCAL)) return false;
    return (
      contains(head.subarray(0, 65536), CONTENT_TYPES) &&
      TEXT_PARTS.slice(0, 3).some((p) => contains(head, ascii(p)))
    );
  },
  extract: extractOoxml,
} satisfies Extractor;
