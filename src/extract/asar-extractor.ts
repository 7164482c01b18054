import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, ascii, child, copyRange, partial, startsWith, viewOf } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor, SkippedMember } from "./extractor.js";

/**
 * Electron's asar archive (`resources/app.asar` of a desktop client): a Chromium pickle holding the size
 * of a second pickle, which holds a JSON header `{"files": {name: entry}}`; file data follows the header
 * uncompressed, each file at `8 + headerSize + offset`. Every file becomes a child named by its path, at
 * its absolute offset in the archive, so a finding says which file of the app it is in.
 */

/** Bytes before the JSON: size pickle (payload size 4, header size) and the header pickle's two fields. */
const PREFIX = 16;
const JSON_START = ascii('{"files":');
/** Headers of real apps are a few MiB at most; a larger one is refused before it is parsed. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** Directory nesting followed at most inside one archive. */
export const MAX_DIRECTORY_DEPTH = 200;
/** A member name longer than this is not a file name. */
const MAX_NAME_LENGTH = 1024;
/** A path longer than this is not one (Linux PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

interface AsarHeader {
  /** Size of the header pickle: file data starts at 8 + headerSize. */
  readonly headerSize: number;
  /** Length of the JSON string, which starts at offset 16. */
  readonly jsonLength: number;
}

/**
 * The header fields when the first bytes are an asar's: a size pickle of payload 4, a header pickle whose
 * payload is the JSON string's length field plus the string padded to 4 (a little slack for other writers),
 * and the JSON opening with `{"files":`.
 */
export function readAsarHeader(head: Uint8Array): AsarHeader | undefined {
  if (head.length < PREFIX + JSON_START.length) return undefined;
  const view = viewOf(head);
  if (view.getUint32(0, true) !== 4) return undefined;
  const headerSize = view.getUint32(4, true);
  const payload = view.getUint32(8, true);
  const jsonLength = view.getUint32(12, true);
  const fits =
    jsonLength >= JSON_START.length &&
    payload >= jsonLength + 4 &&
    payload <= jsonLength + 4 + 7 &&
    headerSize >= payload + 4 &&
    headerSize <= payload + 4 + 4;
  return fits && startsWith(head, JSON_START, PREFIX) ? { headerSize, jsonLength } : undefined;
}

/** One header entry, flattened in header order. */
type Member =
  | { readonly kind: "file"; readonly path: string; readonly offset: number; readonly size: number }
  | { readonly kind: "skip"; readonly skipped: SkippedMember };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short view of a hostile value for a detail text: strings quoted and cut, containers by kind only. */
function shown(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

/** Why a name is not a single path component, or undefined when it is one. */
function badName(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "is not a file name";
  if (name.includes("/")) return 'holds "/"';
  if (name.includes("\0")) return "holds a NUL";
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  return undefined;
}

/** The offset field: a decimal string (as asar writes it, for 64 bits) or a number, as a safe integer. */
function offsetOf(value: unknown): number | undefined {
  const number =
    typeof value === "string" && /^\d{1,16}$/u.test(value)
      ? Number(value)
      : typeof value === "number"
        ? value
        : Number.NaN;
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/**
 * Flattens the tree in header order into files and skipped entries, stopping after `limit` entries (the
 * rest would be over the member budget anyway). Directory nesting and path lengths are bounded.
 */
function flatten(
  root: Record<string, unknown>,
  limit: number,
  budget: ContainerBudget,
  container: string,
): Member[] {
  const members: Member[] = [];
  // An explicit stack keeps hostile nesting off the call stack; each frame walks one directory's keys.
  const stack: { prefix: string; files: Record<string, unknown>; keys: string[]; index: number }[] = [
    { prefix: "", files: root, keys: Object.keys(root), index: 0 },
  ];
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    if (frame.index >= frame.keys.length) {
      stack.pop();
      continue;
    }
    if (members.length >= limit) break;
    const name = frame.keys[frame.index]!;
    frame.index += 1;
    const entry = frame.files[name];
    const problem = badName(name);
    const path = frame.prefix + (problem === undefined ? name : shown(name.slice(0, MAX_NAME_LENGTH)));
    const skip = (reason: SkippedMember["reason"], detail: string): void => {
      members.push({ kind: "skip", skipped: budget.skip(path, reason, detail) });
    };
    if (problem !== undefined) skip("corrupt", `member name ${problem}; not opened`);
    else if (path.length > MAX_PATH_LENGTH) skip("corrupt", `path longer than ${MAX_PATH_LENGTH} characters`);
    else if (!isRecord(entry)) skip("corrupt", `entry is not an object: ${shown(entry)}`);
    else if (Object.hasOwn(entry, "files")) {
      const files = entry.files;
      if (!isRecord(files)) skip("corrupt", `directory whose "files" is not an object: ${shown(files)}`);
      else if (stack.length >= MAX_DIRECTORY_DEPTH)
        skip("budget-depth", `directories nested deeper than ${MAX_DIRECTORY_DEPTH} in the archive`);
      else stack.push({ prefix: `${path}/`, files, keys: Object.keys(files), index: 0 });
    } else if (Object.hasOwn(entry, "link")) {
      const target = entry.link;
      skip(
        "not-a-regular-file",
        typeof target === "string" ? `link to ${shown(target)}, not followed` : "link without a target",
      );
    } else if (entry.unpacked === true) {
      skip("not-a-regular-file", `stored outside the archive, in ${container}.unpacked/${path} beside it`);
    } else {
      const offset = offsetOf(entry.offset);
      const size = entry.size;
      if (offset === undefined)
        skip("corrupt", `offset is not a non-negative integer: ${shown(entry.offset)}`);
      else if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
        skip("corrupt", `size is not a non-negative integer: ${shown(size)}`);
      else members.push({ kind: "file", path, offset, size });
    }
  }
  return members;
}

/**
 * Files whose bytes overlap an earlier file's (asar writes each file once, one after another), by index,
 * with the file they overlap and whether the range is the very same (a duplicate) or only overlaps (damage).
 */
function overlaps(members: readonly Member[]): Map<number, { owner: string; same: boolean }> {
  const files: { index: number; path: string; offset: number; size: number }[] = [];
  for (const [index, member] of members.entries())
    if (member.kind === "file" && member.size > 0) files.push({ index, ...member });
  files.sort((a, b) => a.offset - b.offset || b.size - a.size || a.index - b.index);
  const out = new Map<number, { owner: string; same: boolean }>();
  let owner: (typeof files)[number] | undefined;
  for (const file of files) {
    if (owner !== undefined && file.offset < owner.offset + owner.size) {
      out.set(file.index, {
        owner: owner.path,
        same: file.offset === owner.offset && file.size === owner.size,
      });
      if (file.offset + file.size <= owner.offset + owner.size) continue;
    }
    owner = file;
  }
  return out;
}

/** A member's bytes, or undefined when the time ran out while copying (a part of it is not yielded). */
async function copyWhole(
  source: ByteSource,
  at: number,
  length: number,
  context: ExtractContext,
  label: string,
): Promise<{ file: string } | { bytes: Uint8Array } | undefined> {
  const where = await copyRange(source, at, length, context, label);
  return context.signal.aborted ? undefined : where;
}

export async function* extractAsar(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const header = readAsarHeader(await source.read(0, PREFIX + JSON_START.length));
  if (header === undefined) {
    yield partial("corrupt", "not an asar header");
    return;
  }
  const { headerSize, jsonLength } = header;
  if (jsonLength > MAX_HEADER_BYTES) {
    yield partial("too-large", `asar header of ${jsonLength} bytes is over ${MAX_HEADER_BYTES}; not read`);
    return;
  }
  if (PREFIX + jsonLength > source.size) {
    yield partial("corrupt", `asar header cut short: ${jsonLength} bytes, ${source.size - PREFIX} present`);
    return;
  }
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder().decode(await source.read(PREFIX, jsonLength)));
  } catch (error) {
    yield partial("corrupt", `asar header is not JSON: ${error instanceof Error ? error.message : ""}`);
    return;
  }
  if (!isRecord(root) || !isRecord(root.files)) {
    yield partial("corrupt", 'asar header has no "files" object');
    return;
  }
  const budget = new ContainerBudget(context, "asar");
  const members = flatten(root.files, context.budgets.maxMembers + 1, budget, context.name);
  const overlapping = overlaps(members);
  const dataStart = 8 + headerSize;
  let beyondEnd = 0;
  let dataEnd = 0;
  for (const [index, member] of members.entries()) {
    if (context.signal.aborted) {
      yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
      return;
    }
    const path = member.kind === "skip" ? member.skipped.name : member.path;
    const over = budget.admit(path, member.kind === "file" ? member.size : undefined);
    if (over?.reason === "budget-members") {
      yield over;
      return;
    }
    if (member.kind === "skip") {
      yield member.skipped;
      continue;
    }
    const at = dataStart + member.offset;
    const overlap = overlapping.get(index);
    if (overlap !== undefined) {
      yield overlap.same
        ? budget.skip(member.path, "duplicate", `same bytes as ${overlap.owner}`, at)
        : budget.skip(member.path, "corrupt", `its bytes overlap those of ${overlap.owner}`, at);
      continue;
    }
    if (over !== undefined) {
      yield { ...over, offsetInParent: at };
      continue;
    }
    dataEnd = Math.max(dataEnd, at + member.size);
    if (at + member.size > source.size && at >= source.size) {
      beyondEnd += 1;
      yield budget.skip(
        member.path,
        "corrupt",
        `its ${member.size} bytes at offset ${at} lie beyond the end of the archive (${source.size} bytes)`,
      );
      continue;
    }
    const length = Math.min(member.size, source.size - at);
    if (length < member.size) beyondEnd += 1;
    const where = await copyWhole(source, at, length, context, member.path);
    if (where === undefined) {
      yield partial("budget-time", `time budget of ${context.budgets.maxMillisPerArtifact} ms ran out`);
      return;
    }
    budget.written += length;
    yield child(member.path, "asar", where, { offsetInParent: at });
  }
  if (beyondEnd > 0)
    yield partial(
      "corrupt",
      `asar truncated: its header places data up to byte ${dataEnd}, the file has ${source.size}; ` +
        `${beyondEnd} member(s) missing or cut short`,
    );
}

export const asarExtractor = {
  name: "asar",
  detect(head: Uint8Array) {
    return readAsarHeader(head) !== undefined;
  },
  extract: extractAsar,
} satisfies Extractor;
