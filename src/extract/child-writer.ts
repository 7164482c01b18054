import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import type { ByteSource, FileRange, FileSpan } from "../model/bytes.js";
import type {
  ChildArtifact,
  ExtractContext,
  ExtractEvent,
  PartialNotice,
  SkippedMember,
} from "./extractor.js";

/** Children up to this size stay in memory; larger ones spill to a file under tempDir. */
export const MEMORY_CHILD_LIMIT = 8 * 1024 * 1024;
/** Chunk size used when copying or streaming bytes. */
export const COPY_CHUNK = 1024 * 1024;
/** Expansion ratios are only checked for members larger than this (a small file of zeros may compress 1000:1). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

let counter = 0;

/**
 * The temp folders made in this thread and not yet taken back (see tookTempDir). A container's folder is
 * made only when a file is first named in it: most containers (a gzip resource of a Chrome `.pak`, a small
 * zip) keep their children in memory, and making and removing a folder cost them more than the rest.
 */
const madeTempDirs = new Set<string>();

/** Makes a folder whose parent (the scan's temp root) is there: one system call, two when it is not. */
function makeFolder(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") mkdirSync(path, { recursive: true });
    else if (code !== "EEXIST") throw error;
  }
}

/** Whether `tempDir` was made (by safeTempName) since the last call; the caller then removes it. */
export function tookTempDir(tempDir: string): boolean {
  return madeTempDirs.delete(tempDir);
}

/**
 * A temp file name for a member: flat (no directories), only safe characters, unique in the process.
 * The member name stays a label; it never becomes a path. `tempDir` is made if it does not exist yet.
 */
export function safeTempName(tempDir: string, label: string): string {
  if (!madeTempDirs.has(tempDir)) {
    makeFolder(tempDir);
    madeTempDirs.add(tempDir);
  }
  const base = label.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[^\w.-]/g, "_")
    .replace(/^\.+/, "")
    .slice(-60);
  counter += 1;
  // Thread id and counter keep names unique even if two workers were ever handed the same directory.
  return join(tempDir, `m${threadId}-${counter}-${cleaned || "member"}`);
}

/** Collects the bytes of one child: in memory while small, in a temp file once it grows. */
export class ChildWriter {
  private readonly parts: Uint8Array[] = [];
  private stream: WriteStream | undefined;
  private path: string | undefined;
  size = 0;

  constructor(
    private readonly tempDir: string,
    private readonly label: string,
    private readonly memoryLimit = MEMORY_CHILD_LIMIT,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (this.stream === undefined && this.size <= this.memoryLimit) {
      this.parts.push(chunk);
      return;
    }
    if (this.stream === undefined) {
      this.path = safeTempName(this.tempDir, this.label);
      this.stream = createWriteStream(this.path, { flags: "wx" });
      for (const part of this.parts.splice(0)) await writeTo(this.stream, part);
    }
    await writeTo(this.stream, chunk);
  }

  /** Ends the child and returns where its bytes are. */
  async finish(): Promise<{ file: string } | { bytes: Uint8Array }> {
    if (this.stream !== undefined && this.path !== undefined) {
      await closeStream(this.stream);
      return { file: this.path };
    }
    return { bytes: concatBytes(this.parts, this.size) };
  }

  /** Drops what was written (the member was abandoned). */
  async discard(): Promise<void> {
    this.parts.length = 0;
    if (this.stream !== undefined) {
      await closeStream(this.stream);
      if (this.path !== undefined) await rm(this.path, { force: true });
    }
  }
}

function writeTo(stream: WriteStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/**
 * The bytes in a buffer of their own size when they sit in a much larger one. zlib hands out small outputs
 * as views of its 16 KiB chunks: a jar's 25,000 class files of ~2 KB held 400 MB instead of 50.
 */
export function compactBytes(bytes: Uint8Array): Uint8Array {
  const buffer = bytes.buffer.byteLength;
  return buffer - bytes.byteLength > Math.max(4096, bytes.byteLength >> 2) ? bytes.slice() : bytes;
}

export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return compactBytes(parts[0]);
  const size = total ?? parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(size);
  let position = 0;
  for (const part of parts) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}

/**
 * Members from this size on, of a container read from a file on disk, are handed on as a range of that file
 * instead of a copy. A copy goes into fresh memory, whose every 4 KiB page costs ~8 µs to touch on a
 * paravirtualized machine, while the range is read when the member is scanned, into a buffer kept between
 * artifacts, for an open, a read and a close of the container's file. It was 256 KiB while small files were
 * read into fresh memory too; with kept buffers (session 17), 16 KiB took a tar of `/usr/include` from
 * 3.03-3.54 s to 2.80-3.02 s and its `zip -0` from 3.15-3.61 s to 2.87-3.23 s (4 interleaved runs each).
 */
export const RANGE_CHILD_BYTES = 16 * 1024;

/** Where `length` bytes of `source` from `offset` lie in the file it reads as it is, if it does. */
export function spanOf(source: ByteSource, offset: number, length: number): FileSpan | undefined {
  return source.file === undefined
    ? undefined
    : { file: source.file.path, range: { offset: source.file.offset + offset, length } };
}

/**
 * `length` bytes of `source` starting at `offset`, as a child: the range of the file the source reads (no
 * copy: each 4 KiB page of a fresh copy cost ~8 µs to touch on a paravirtualized machine), else a copy in
 * memory (with that range as `alsoAt`, when there is one) or in a temp file.
 */
export async function copyRange(
  source: ByteSource,
  offset: number,
  length: number,
  context: ExtractContext,
  label: string,
): Promise<{ file: string; range?: FileRange } | { bytes: Uint8Array; alsoAt?: FileSpan }> {
  const span = spanOf(source, offset, length);
  if (span !== undefined && length >= RANGE_CHILD_BYTES) return span;
  if (length <= MEMORY_CHILD_LIMIT) {
    const bytes = await source.read(offset, length);
    return span !== undefined && bytes.length === length ? { bytes, alsoAt: span } : { bytes };
  }
  const writer = new ChildWriter(context.tempDir, label);
  for (let position = 0; position < length; position += COPY_CHUNK) {
    if (context.signal.aborted) break;
    const chunk = await source.read(offset + position, Math.min(COPY_CHUNK, length - position));
    if (chunk.length === 0) break;
    await writer.write(chunk);
  }
  return writer.finish();
}

/**
 * A member a container stores as it is, `size` bytes at `offset` (a tar's or an ar's): admitted by the
 * budget, then yielded as a child at its offset; when the container ends first, the part that is there and a
 * `corrupt` notice. Resolves to "stop" when the container's walk must end (past the member budget, or cut).
 */
export async function* storedMember(
  source: ByteSource,
  context: ExtractContext,
  budget: ContainerBudget,
  via: string,
  name: string,
  offset: number,
  size: number,
): AsyncGenerator<ExtractEvent, "next" | "stop"> {
  const admitted = budget.admit(name, size);
  if (admitted !== undefined) {
    yield admitted;
    return budget.members > context.budgets.maxMembers ? "stop" : "next";
  }
  if (offset + size > source.size) {
    const available = Math.max(0, source.size - offset);
    if (available > 0)
      yield child(name, via, await copyRange(source, offset, available, context, name), {
        offsetInParent: offset,
      });
    yield partial("corrupt", `member ${name} truncated: ${available} of ${size} bytes`);
    return "stop";
  }
  budget.written += size;
  yield child(name, via, await copyRange(source, offset, size, context, name), { offsetInParent: offset });
  return "next";
}

/** Reads a little-endian unsigned 64-bit integer as a number (exact below 2^53). */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i += 1) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

const asciiBytes = new Map<string, readonly number[]>();

/** The bytes of an ASCII text, made once per text (detectors call this for every artifact). */
export function ascii(text: string): readonly number[] {
  let bytes = asciiBytes.get(text);
  if (bytes === undefined) asciiBytes.set(text, (bytes = Array.from(text, (c) => c.charCodeAt(0))));
  return bytes;
}

/** A Buffer view of the same memory (Buffer.from(Uint8Array) would copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Tracks the per-container budgets: member count, total bytes, member size and expansion ratio.
 * Each check returns a SkippedMember to yield when the member must not be extracted.
 */
export class ContainerBudget {
  members = 0;
  written = 0;

  constructor(
    private readonly context: ExtractContext,
    private readonly via: string,
  ) {}

  /** Bytes this container may still write. */
  get remaining(): number {
    return Math.max(0, this.context.remainingBytes - this.written);
  }

  /** Call once per member before extracting it. `packed` is the compressed size when known. */
  admit(name: string, declaredSize: number | undefined, packed?: number): SkippedMember | undefined {
    const { budgets } = this.context;
    this.members += 1;
    if (this.members > budgets.maxMembers) {
      return this.skip(name, "budget-members", `more than ${budgets.maxMembers} members`);
    }
    if (declaredSize !== undefined) {
      if (declaredSize > budgets.maxFileSize) {
        return this.skip(name, "too-large", `${declaredSize} bytes > max file size ${budgets.maxFileSize}`);
      }
      if (declaredSize > this.remaining) {
        return this.skip(name, "budget-total-bytes", `${declaredSize} bytes > ${this.remaining} left`);
      }
      if (packed !== undefined && this.ratioExceeded(declaredSize, packed)) {
        return this.skip(
          name,
          "budget-ratio",
          `expands ${declaredSize} / ${packed} bytes, over ratio ${budgets.maxRatio}`,
        );
      }
    }
    return undefined;
  }

  ratioExceeded(size: number, packed: number): boolean {
    return size > RATIO_FLOOR_BYTES && size > Math.max(packed, 1) * this.context.budgets.maxRatio;
  }

  /** The most bytes one member may expand to while streaming (guards against lying headers). */
  streamLimit(packed: number | undefined): {
    limit: number;
    reason: "too-large" | "budget-total-bytes" | "budget-ratio";
  } {
    const { budgets } = this.context;
    let limit = budgets.maxFileSize;
    let reason: "too-large" | "budget-total-bytes" | "budget-ratio" = "too-large";
    if (this.remaining < limit) {
      limit = this.remaining;
      reason = "budget-total-bytes";
    }
    if (packed !== undefined) {
      const ratioLimit = Math.max(RATIO_FLOOR_BYTES, Math.max(packed, 1) * budgets.maxRatio);
      if (ratioLimit < limit) {
        limit = ratioLimit;
        reason = "budget-ratio";
      }
    }
    return { limit, reason };
  }

  skip(
    name: string,
    reason: SkippedMember["reason"],
    detail: string,
    offsetInParent?: number,
  ): SkippedMember {
    return {
      kind: "skipped",
      name,
      via: this.via,
      reason,
      detail,
      ...(offsetInParent === undefined ? {} : { offsetInParent }),
    };
  }
}

export function partial(reason: PartialNotice["reason"], detail: string): PartialNotice {
  return { kind: "partial", reason, detail };
}

export function child(
  name: string,
  via: string,
  where: { file: string; range?: FileRange } | { bytes: Uint8Array; alsoAt?: FileSpan },
  extra: Partial<Pick<ChildArtifact, "offsetInParent" | "carvedAt" | "element" | "leafOnly">> = {},
): ChildArtifact {
  return { kind: "child", name, via, ...where, ...extra };
}

/** Drains a stream of decompressed chunks into a child, stopping at `limit` bytes. */
export async function collectLimited(
  chunks: AsyncIterable<Uint8Array>,
  writer: ChildWriter,
  limit: number,
  signal: AbortSignal,
): Promise<"done" | "limit" | "aborted"> {
  for await (const chunk of chunks) {
    if (signal.aborted) return "aborted";
    if (writer.size + chunk.length > limit) {
      await writer.write(chunk.subarray(0, Math.max(0, limit - writer.size)));
      return "limit";
    }
    await writer.write(chunk);
  }
  return "done";
}

/** What decoding a stream found besides its data; none of it stops the output. */
export interface StreamOutcome {
  /** Bytes after the stream's last member that are neither another member nor padding. */
  trailing: number;
  /** Members whose checksums or declared sizes did not match what they decoded to. */
  mismatches: string[];
}

/**
 * The child of a single-stream compressor (gzip, LZ4, lzop): the decoded `chunks` written out under the
 * budget's limit. Damage after some output keeps that output and is recorded; bytes after the last
 * `unit` (member, frame, file) are recorded unless the stream was carved (the rest is its parent's).
 */
export async function* decodedChild(
  context: ExtractContext,
  budget: ContainerBudget,
  packed: number,
  name: string,
  via: string,
  unit: string,
  chunks: (outcome: StreamOutcome) => AsyncIterable<Uint8Array>,
): AsyncGenerator<ChildArtifact | SkippedMember | PartialNotice> {
  const admitted = budget.admit(name, undefined);
  if (admitted !== undefined) {
    yield admitted;
    return;
  }
  const { limit, reason } = budget.streamLimit(packed);
  const writer = new ChildWriter(context.tempDir, name);
  const outcome: StreamOutcome = { trailing: 0, mismatches: [] };
  let result: "done" | "limit" | "aborted" | "error";
  let failure = "";
  try {
    result = await collectLimited(chunks(outcome), writer, limit, context.signal);
  } catch (error) {
    result = "error";
    failure = errorMessage(error);
  }
  if (result === "limit" || result === "aborted") {
    await writer.discard();
    yield budget.skip(
      name,
      result === "limit" ? reason : "budget-time",
      result === "limit" ? `stopped after ${limit} bytes while decompressing` : "time budget ran out",
    );
    return;
  }
  // Errors the decoder throws may already name it.
  const bare = failure.startsWith(`${via}: `) ? failure.slice(via.length + 2) : failure;
  if (result === "error" && writer.size === 0) {
    await writer.discard();
    yield partial("corrupt", `${via}: ${bare}`);
    return;
  }
  yield child(name, via, await writer.finish());
  if (outcome.trailing > 0 && result === "done" && context.carved !== true)
    yield partial(
      "corrupt",
      `${outcome.trailing} bytes after the last ${via} ${unit} were not read as ${via}`,
    );
  if (result === "error")
    yield partial("corrupt", `${via} stream damaged after ${writer.size} bytes: ${bare}`);
  for (const mismatch of outcome.mismatches) yield partial("corrupt", `${via}: ${mismatch}`);
}

/**
 * The bytes from `position` to the end that follow a stream's last member and are not padding: zeros or
 * erased flash (0xff), which firmware holds after a stream, count as none.
 */
export async function trailingBytes(
  source: Pick<ByteSource, "size" | "read">,
  position: number,
): Promise<number> {
  const rest = source.size - position;
  const tail = await source.read(position, Math.min(rest, 1 << 20));
  const padding = tail.length === rest && (tail.every((b) => b === 0) || tail.every((b) => b === 0xff));
  return padding ? 0 : rest;
}
