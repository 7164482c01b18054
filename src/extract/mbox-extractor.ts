import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, concatBytes, COPY_CHUNK, ContainerBudget, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { fieldNameEnd } from "./mime-extractor.js";

/**
 * A mailbox (`mbox`: Thunderbird's folders, a mail export, a leaked mail archive): messages one after
 * another, each after a line `From sender date`. Each message comes out as `message-N.eml`, at its byte
 * offset, and is opened as a MIME message in turn. The file is read in pieces: a mailbox may hold gigabytes.
 */

const LF = 0x0a;
const CR = 0x0d;
const FROM_LINE = Buffer.from("From ");
/** A separator line and the header line after it must fit in this many bytes, or they are no separator. */
const MAX_LOOKAHEAD = 64 * 1024;

/** The end (after its LF) of the line starting at `at`, or -1 when `bytes` ends first. */
function lineEnd(bytes: Uint8Array, at: number): number {
  const end = bytes.indexOf(LF, at);
  return end < 0 ? -1 : end + 1;
}

function startsWithFrom(bytes: Uint8Array, at: number): boolean {
  for (let index = 0; index < FROM_LINE.length; index++)
    if (bytes[at + index] !== FROM_LINE[index]) return false;
  return true;
}

/**
 * Whether a message separator starts at `at` (a line beginning `From `): its line and the next are both
 * in `bytes`, and the next is a header field. Undefined when `bytes` ends before that can be told.
 * Returns the offset of the header line (where the message's own bytes begin) or -1.
 */
function separatorAt(bytes: Uint8Array, at: number): number | undefined {
  if (!startsWithFrom(bytes, at)) return -1;
  const fromEnd = lineEnd(bytes, at);
  if (fromEnd < 0) return bytes.length - at > MAX_LOOKAHEAD ? -1 : undefined;
  const fieldEnd = lineEnd(bytes, fromEnd);
  if (fieldEnd < 0) return bytes.length - at > MAX_LOOKAHEAD ? -1 : undefined;
  return fieldNameEnd(bytes, fromEnd, fieldEnd) >= 0 ? fromEnd : -1;
}

export function looksLikeMbox(head: Uint8Array): boolean {
  const start = separatorAt(head, 0);
  return start !== undefined && start > 0;
}

/** The line from `at` to `end` (its LF included) is empty. */
function isBlank(bytes: Uint8Array, at: number, end: number): boolean {
  const length = end - at;
  return length === 1 || (length === 2 && bytes[at] === CR);
}

export async function* extractMbox(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "mbox");
  let count = 0;
  let writer: ChildWriter | undefined;
  let messageAt = 0;
  const finish = async function* (): AsyncGenerator<ExtractEvent> {
    if (writer === undefined) return;
    const done = writer;
    writer = undefined;
    const name = `message-${count}.eml`;
    // A message is a slice of the mailbox: its size is known once it is written, and never more than the file.
    const skip = budget.admit(name, done.size);
    if (skip !== undefined) {
      await done.discard();
      yield skip;
      return;
    }
    budget.written += done.size;
    yield { kind: "child", name, via: "mbox", offsetInParent: messageAt, ...(await done.finish()) };
  };
  /** Bytes read but not given to a message yet: an unfinished line, or a separator not yet told from text. */
  let held = new Uint8Array(0);
  let heldAt = 0;
  /** The held bytes begin inside a line (one too long to be a separator was let go). */
  let midLine = false;
  /** The line before the next one was blank (the file's start counts as one). */
  let previousBlank = true;
  for (let read = 0; ;) {
    if (context.signal.aborted) {
      await writer?.discard();
      yield partial("budget-time", `mailbox read up to byte ${read} only`);
      return;
    }
    const chunk =
      read < source.size ? await source.read(read, Math.min(COPY_CHUNK, source.size - read)) : undefined;
    const last = chunk === undefined || chunk.length === 0;
    read += chunk?.length ?? 0;
    const bytes = chunk === undefined || held.length === 0 ? (chunk ?? held) : concatBytes([held, chunk]);
    const base = heldAt;
    /** The first byte not written yet, and the start of the line looked at. */
    let from = 0;
    let at = 0;
    if (midLine) {
      const end = lineEnd(bytes, 0);
      at = end < 0 ? bytes.length : end;
      midLine = end < 0 && !last;
      previousBlank = false;
    }
    while (at < bytes.length) {
      const end = lineEnd(bytes, at);
      if (end < 0 && !last) break;
      const stop = end < 0 ? bytes.length : end;
      if (previousBlank && startsWithFrom(bytes, at)) {
        const header = separatorAt(bytes, at);
        if (header === undefined && !last) break;
        if (header !== undefined && header > 0) {
          if (writer !== undefined) await writer.write(bytes.slice(from, at));
          yield* finish();
          if (budget.members > context.budgets.maxMembers) return;
          count++;
          messageAt = base + header;
          writer = new ChildWriter(context.tempDir, `message-${count}.eml`);
          from = header;
          at = header;
          previousBlank = false;
          continue;
        }
      }
      previousBlank = isBlank(bytes, at, stop);
      at = stop;
    }
    // What is left is held for the next piece, unless it is too long to be a separator and its header line.
    let keep = at;
    if (!last && bytes.length - at > MAX_LOOKAHEAD) {
      keep = bytes.length;
      midLine = true;
      previousBlank = false;
    }
    if (writer !== undefined && keep > from) await writer.write(bytes.slice(from, keep));
    held = bytes.slice(keep);
    heldAt = base + keep;
    if (last) break;
  }
  yield* finish();
}

export const mboxExtractor = {
  name: "mbox",
  detect: (head: Uint8Array) => looksLikeMbox(head),
  extract: extractMbox,
} satisfies Extractor;
