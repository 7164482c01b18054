import { inflateSync } from "node:zlib";
import type { ByteSource } from "../model/bytes.js";
import {
  ChildWriter,
  ContainerBudget,
  child,
  errorMessage,
  partial,
  readU64,
  viewOf,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent } from "./extractor.js";
import { lz4Block } from "./lz4.js";

/**
 * A small squashfs 4.0 reader for the compressions 7-Zip 24.09 lacks (lz4); gzip is supported too so
 * the reader can be checked against 7-Zip. Reads the directory tree and regular files (blocks and
 * fragments); symlinks and devices are recorded, never followed.
 */

type Decompress = (input: Uint8Array, maxOutput: number) => Uint8Array;

const DECOMPRESSORS: Partial<Record<number, Decompress>> = {
  1: (input, maxOutput) => new Uint8Array(inflateSync(input, { maxOutputLength: maxOutput })),
  5: lz4Block,
};

interface Superblock {
  readonly blockSize: number;
  readonly compression: number;
  readonly flags: number;
  readonly rootInode: number;
  readonly bytesUsed: number;
  readonly inodeTable: number;
  readonly directoryTable: number;
  readonly fragmentTable: number;
  readonly fragmentCount: number;
}

function parseSuperblock(head: Uint8Array): Superblock | undefined {
  if (head.length < 96) return undefined;
  const v = viewOf(head);
  if (v.getUint32(0, true) !== 0x73717368 || v.getUint16(28, true) !== 4) return undefined;
  return {
    blockSize: v.getUint32(12, true),
    fragmentCount: v.getUint32(16, true),
    compression: v.getUint16(20, true),
    flags: v.getUint16(24, true),
    rootInode: readU64(v, 32),
    bytesUsed: readU64(v, 40),
    inodeTable: readU64(v, 64),
    directoryTable: readU64(v, 72),
    fragmentTable: readU64(v, 80),
  };
}

class Reader {
  private readonly metaCache = new Map<number, { data: Uint8Array; next: number }>();

  constructor(
    private readonly source: ByteSource,
    readonly sb: Superblock,
    private readonly decompress: Decompress,
  ) {}

  /** One metadata block at an absolute position: its data and the position of the next block. */
  async metaBlock(position: number): Promise<{ data: Uint8Array; next: number }> {
    const cached = this.metaCache.get(position);
    if (cached !== undefined) return cached;
    const header = await this.source.read(position, 2);
    if (header.length < 2) throw new Error(`metadata block at ${position} is past the end`);
    const word = header[0]! | (header[1]! << 8);
    const size = word & 0x7fff;
    const raw = await this.source.read(position + 2, size);
    const data = (word & 0x8000) !== 0 ? raw : this.decompress(raw, 8192);
    const block = { data, next: position + 2 + size };
    if (this.metaCache.size > 4096) this.metaCache.clear();
    this.metaCache.set(position, block);
    return block;
  }

  /** Reads `length` bytes of metadata starting at block `start` (absolute), offset `offset` in it. */
  async metaRead(
    start: number,
    offset: number,
    length: number,
  ): Promise<{ bytes: Uint8Array; block: number; offset: number }> {
    const out = new Uint8Array(length);
    let filled = 0;
    let block = start;
    let at = offset;
    while (filled < length) {
      const { data, next } = await this.metaBlock(block);
      if (at >= data.length) {
        if (data.length === 0) throw new Error("empty metadata block");
        at -= data.length;
        block = next;
        continue;
      }
      const take = Math.min(length - filled, data.length - at);
      out.set(data.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (at >= data.length && filled < length) {
        block = next;
        at = 0;
      }
    }
    return { bytes: out, block, offset: at };
  }

  async dataBlock(position: number, word: number): Promise<Uint8Array> {
    const size = word & 0x00ffffff;
    if (size === 0) return new Uint8Array(this.sb.blockSize);
    const raw = await this.source.read(position, size);
    return (word & 0x01000000) !== 0 ? raw : this.decompress(raw, this.sb.blockSize);
  }

  async fragment(index: number): Promise<{ start: number; word: number }> {
    const pointerAt = this.sb.fragmentTable + Math.floor(index / 512) * 8;
    const pointer = readU64(viewOf(await this.source.read(pointerAt, 8)), 0);
    const { bytes } = await this.metaRead(pointer, (index % 512) * 16, 16);
    const v = viewOf(bytes);
    return { start: readU64(v, 0), word: v.getUint32(8, true) };
  }
}

interface FileInode {
  readonly kind: "file";
  readonly start: number;
  readonly size: number;
  readonly fragment: number;
  readonly fragmentOffset: number;
  readonly blocks: number[];
}
interface DirInode {
  readonly kind: "dir";
  readonly start: number;
  readonly offset: number;
  readonly size: number;
}
interface OtherInode {
  readonly kind: "link" | "other";
}
type Inode = FileInode | DirInode | OtherInode;

async function readInode(reader: Reader, ref: number): Promise<Inode> {
  const block = reader.sb.inodeTable + Math.floor(ref / 0x10000);
  const offset = ref % 0x10000;
  const head = await reader.metaRead(block, offset, 16);
  const type = viewOf(head.bytes).getUint16(0, true);
  const rest = async (length: number): Promise<DataView> =>
    viewOf((await reader.metaRead(head.block, head.offset, length)).bytes);
  const blockCount = (size: number, fragment: number): number => {
    const count =
      fragment === 0xffffffff
        ? Math.ceil(size / reader.sb.blockSize)
        : Math.floor(size / reader.sb.blockSize);
    // Each block is at least one byte of the image: a larger count is a damaged inode.
    if (count > reader.sb.bytesUsed)
      throw new Error(`file inode claims ${size} bytes, more than the image holds`);
    return count;
  };
  switch (type) {
    case 1: {
      const v = await rest(16);
      return {
        kind: "dir",
        start: v.getUint32(0, true),
        size: v.getUint16(8, true),
        offset: v.getUint16(10, true),
      };
    }
    case 8: {
      const v = await rest(24);
      return {
        kind: "dir",
        start: v.getUint32(8, true),
        size: v.getUint32(4, true),
        offset: v.getUint16(18, true),
      };
    }
    case 2: {
      const v = await rest(16);
      const size = v.getUint32(12, true);
      const fragment = v.getUint32(4, true);
      const count = blockCount(size, fragment);
      const all = await reader.metaRead(head.block, head.offset, 16 + count * 4);
      const bv = viewOf(all.bytes);
      return {
        kind: "file",
        start: v.getUint32(0, true),
        fragment,
        fragmentOffset: v.getUint32(8, true),
        size,
        blocks: Array.from({ length: count }, (_, i) => bv.getUint32(16 + i * 4, true)),
      };
    }
    case 9: {
      const v = await rest(40);
      const size = readU64(v, 8);
      const fragment = v.getUint32(28, true);
      const count = blockCount(size, fragment);
      const all = await reader.metaRead(head.block, head.offset, 40 + count * 4);
      const bv = viewOf(all.bytes);
      return {
        kind: "file",
        start: readU64(v, 0),
        fragment,
        fragmentOffset: v.getUint32(32, true),
        size,
        blocks: Array.from({ length: count }, (_, i) => bv.getUint32(40 + i * 4, true)),
      };
    }
    case 3:
    case 10:
      return { kind: "link" };
    default:
      return { kind: "other" };
  }
}

/** Lists a directory: [name, inode reference] pairs. */
async function readDirectory(reader: Reader, dir: DirInode): Promise<[string, number][]> {
  const entries: [string, number][] = [];
  // The stored size counts 3 bytes for the implicit "." and "..".
  let remaining = dir.size - 3;
  let block = reader.sb.directoryTable + dir.start;
  let offset = dir.offset;
  const read = async (length: number): Promise<Uint8Array> => {
    const result = await reader.metaRead(block, offset, length);
    block = result.block;
    offset = result.offset;
    remaining -= length;
    return result.bytes;
  };
  while (remaining > 0) {
    const header = viewOf(await read(12));
    const count = header.getUint32(0, true) + 1;
    const start = header.getUint32(4, true);
    if (count > 256) throw new Error("directory header count out of range");
    for (let i = 0; i < count && remaining > 0; i += 1) {
      const entry = viewOf(await read(8));
      const nameSize = entry.getUint16(6, true) + 1;
      const name = new TextDecoder().decode(await read(nameSize));
      entries.push([name, start * 0x10000 + entry.getUint16(0, true)]);
    }
  }
  return entries;
}

/** True when this reader (and not 7-Zip) should open the image. */
export function needsOwnSquashfsReader(head: Uint8Array): boolean {
  const sb = parseSuperblock(head);
  return sb !== undefined && sb.compression === 5;
}

export async function* extractSquashfsOwn(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "squashfs");
  const sb = parseSuperblock(await source.read(0, 96));
  const decompress = sb === undefined ? undefined : DECOMPRESSORS[sb.compression];
  if (sb === undefined || decompress === undefined) {
    yield partial("unsupported", "squashfs superblock or compression not supported by the built-in reader");
    return;
  }
  const reader = new Reader(source, sb, decompress);
  const queue: [string, number][] = [["", sb.rootInode]];
  const seen = new Set<number>();
  try {
    while (queue.length > 0) {
      const [path, ref] = queue.shift()!;
      if (seen.has(ref)) continue;
      seen.add(ref);
      if (context.signal.aborted) {
        yield partial("budget-time", "time budget ran out while reading squashfs");
        return;
      }
      const inode = await readInode(reader, ref);
      if (inode.kind === "dir") {
        for (const [name, child] of await readDirectory(reader, inode))
          queue.push([path === "" ? name : `${path}/${name}`, child]);
        continue;
      }
      if (inode.kind !== "file") {
        yield budget.skip(
          path,
          "not-a-regular-file",
          inode.kind === "link" ? "symbolic link, not followed" : "device, FIFO or socket",
        );
        continue;
      }
      const skipped = budget.admit(path, inode.size);
      if (skipped !== undefined) {
        yield skipped;
        if (budget.members > context.budgets.maxMembers) return;
        continue;
      }
      yield* readFile(reader, inode, path, context, budget);
    }
  } catch (error) {
    yield partial("corrupt", `squashfs: ${errorMessage(error)}`);
  }
}

async function* readFile(
  reader: Reader,
  inode: FileInode,
  path: string,
  context: ExtractContext,
  budget: ContainerBudget,
): AsyncGenerator<ExtractEvent> {
  const writer = new ChildWriter(context.tempDir, path);
  let position = inode.start;
  let left = inode.size;
  for (const word of inode.blocks) {
    const data = await reader.dataBlock(position, word);
    position += word & 0x00ffffff;
    const take = Math.min(left, data.length);
    await writer.write(data.subarray(0, take));
    left -= take;
  }
  if (left > 0 && inode.fragment !== 0xffffffff) {
    const fragment = await reader.fragment(inode.fragment);
    const data = await reader.dataBlock(fragment.start, fragment.word);
    await writer.write(data.subarray(inode.fragmentOffset, inode.fragmentOffset + left));
    left = 0;
  }
  budget.written += writer.size;
  yield child(path, "squashfs", await writer.finish());
  if (left > 0) yield partial("corrupt", `${path}: ${left} bytes missing`);
}
