import { constants as zlibConstants, inflateRawSync } from "node:zlib";
import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, ContainerBudget, child, errorMessage, partial, viewOf } from "./child-writer.js";
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { lzo1xDecompress } from "./lzo.js";
import { NAND_LAYOUTS, dropSpareAreas, withoutSpareAreas, type SpareLayout } from "./nand.js";
import { memorySource } from "../sources/byte-source.js";
import { rtimeDecompress } from "./rtime.js";

// Node types (include/uapi/linux/jffs2.h). The 0x2000 bit (ACCURATE) is cleared on flash to obsolete a node.
const MAGIC = 0x1985;
const NODE_ACCURATE = 0x2000;
const COMPAT_MASK = 0xc000;
const FEATURE_INCOMPAT = 0xc000;
const DIRENT = 0xe001;
const INODE = 0xe002;
const CLEANMARKER = 0x2003;
const PADDING = 0x2004;
const SUMMARY = 0x2006;
const XATTR = 0xe008;
const XREF = 0xc009;
const KNOWN_TYPES = new Set([DIRENT, INODE, CLEANMARKER, PADDING, SUMMARY, XATTR, XREF]);

const HEADER = 12;
const INODE_HEADER = 68;
const DIRENT_HEADER = 40;
const ROOT_INO = 1;
/** The largest data node: mkfs.jffs2 writes one per page (default 4 KiB; 64 KiB is the largest Linux page). */
const MAX_DATA = 64 * 1024;
/** Compressed data may exceed the page a little when a compressor loses (mkfs then stores it raw). */
const MAX_COMPRESSED = MAX_DATA + 1024;
/** Read-ahead while scanning the image node by node, and while reading one file's data nodes. */
const SCAN_WINDOW = 1024 * 1024;
const DATA_WINDOW = 32 * 1024;
/** Files are rebuilt in slices of this size, so a large file is never held whole. */
const SLICE = 256 * 1024;
/** Nodes kept in memory as descriptors; beyond this the rest of the image is not read. */
const MAX_NODES = 4_000_000;
const MAX_PATH_DEPTH = 256;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const DT_DIR = 4;
const DT_LNK = 10;

const COMPRESSORS: Record<number, string> = {
  0: "none",
  1: "zero",
  2: "rtime",
  3: "rubinmips",
  4: "copy",
  5: "dynrubin",
  6: "zlib",
  7: "lzo",
  8: "lzma",
};

/** JFFS2's CRC32: the kernel's crc32(0, …), i.e. zlib's CRC without the initial and final inversion. */
export function jffs2Crc(bytes: Uint8Array): number {
  return (crc32(bytes, 0xffffffff) ^ 0xffffffff) >>> 0;
}

interface DataNode {
  readonly ino: number;
  readonly version: number;
  /** Where the node header starts in the image. */
  readonly at: number;
  readonly mode: number;
  readonly isize: number;
  readonly offset: number;
  readonly csize: number;
  readonly dsize: number;
  readonly compr: number;
}

interface Dirent {
  readonly pino: number;
  readonly version: number;
  readonly ino: number;
  readonly type: number;
  readonly name: string;
  readonly at: number;
}

interface Inode {
  readonly nodes: DataNode[];
  latest: DataNode;
}

/** Reads the image through a 1 MiB window, so scanning node by node costs few reads. */
class Window {
  private start = 0;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly source: ByteSource,
    private readonly size: number,
  ) {}

  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.start || offset + length > this.start + this.bytes.length) {
      this.start = offset;
      this.bytes = await this.source.read(offset, Math.max(length, this.size));
    }
    return this.bytes.subarray(offset - this.start, offset - this.start + length);
  }

  /** The bytes from `offset` to the end of the window (read anew when `offset` is outside it). */
  async from(offset: number): Promise<Uint8Array> {
    if (offset + HEADER > this.start + this.bytes.length) await this.get(offset, HEADER);
    return this.bytes.subarray(offset - this.start);
  }
}

/** Erased flash (0xff) and zero padding are normal between nodes; other bytes there are dirt. */
function isDirt(bytes: Uint8Array, at: number): boolean {
  const a = bytes[at] ?? 0xff;
  const b = bytes[at + 1] ?? 0xff;
  const c = bytes[at + 2] ?? 0xff;
  const d = bytes[at + 3] ?? 0xff;
  return (a & b & c & d) !== 0xff && (a | b | c | d) !== 0;
}

function isHeader(bytes: Uint8Array, littleEndian: boolean): boolean {
  if (bytes.length < HEADER) return false;
  const view = viewOf(bytes);
  if (view.getUint16(0, littleEndian) !== MAGIC) return false;
  // The header CRC was computed with the ACCURATE bit set; an obsoleted node has it cleared on flash.
  // A copy: the bytes may be a Buffer, whose slice() is a view into the image.
  const copy = Uint8Array.from(bytes.subarray(0, 8));
  viewOf(copy).setUint16(2, view.getUint16(2, littleEndian) | NODE_ACCURATE, littleEndian);
  return jffs2Crc(copy) === view.getUint32(8, littleEndian);
}

function byteOrder(head: Uint8Array): boolean | undefined {
  if (head[0] === 0x85 && head[1] === 0x19) return true;
  if (head[0] === 0x19 && head[1] === 0x85) return false;
  return undefined;
}

/** Counts of damage met while scanning, reported as one notice each. */
class Damage {
  badHeaders = 0;
  badNodes = 0;
  badData = 0;
  /** Inodes that lost a data node to a bad data CRC: their files have a hole where it was. */
  readonly damagedInodes = new Set<number>();
  absurd = 0;
  incompat = 0;
  truncatedAt: number | undefined;
  loops = 0;
  looseNames = 0;
}

async function scanNodes(
  source: ByteSource,
  littleEndian: boolean,
  damage: Damage,
  signal: AbortSignal,
): Promise<{
  inodes: Map<number, Inode>;
  obsolete: Map<number, Inode>;
  dirents: Map<string, Dirent>;
  stopped?: string;
}> {
  const window = new Window(source, SCAN_WINDOW);
  const inodes = new Map<number, Inode>();
  const obsolete = new Map<number, Inode>();
  const dirents = new Map<string, Dirent>();
  let nodes = 0;
  let garbage = false;
  const magic0 = littleEndian ? 0x85 : 0x19;
  const magic1 = littleEndian ? 0x19 : 0x85;
  let steps = 0;
  for (let pos = 0; pos + HEADER <= source.size;) {
    steps += 1;
    if ((steps & 0xfff) === 0 && signal.aborted)
      return { inodes, obsolete, dirents, stopped: "time budget ran out" };
    const header = await window.get(pos, HEADER);
    if (header.length < HEADER) break;
    const view = viewOf(header);
    if (view.getUint16(0, littleEndian) !== MAGIC || !isHeader(header, littleEndian)) {
      // Skip to the next aligned magic inside the window without awaiting per word (erased flash can be
      // megabytes long); a run of dirt (or a header with a bad CRC and its body) counts once.
      const rest = await window.from(pos);
      let dirt = view.getUint16(0, littleEndian) === MAGIC || isDirt(rest, 0);
      let skip = 4;
      while (skip + 2 <= rest.length && !(rest[skip] === magic0 && rest[skip + 1] === magic1)) {
        if (!dirt && isDirt(rest, skip)) dirt = true;
        skip += 4;
      }
      if (dirt && !garbage) damage.badHeaders += 1;
      garbage ||= dirt;
      pos += skip;
      continue;
    }
    garbage = false;
    const type = view.getUint16(2, littleEndian);
    const totlen = view.getUint32(4, littleEndian);
    if (totlen < HEADER) {
      damage.badHeaders += 1;
      pos += 4;
      continue;
    }
    if (pos + totlen > source.size) {
      // A valid header whose node runs past the end: the image was cut (or totlen lies).
      damage.truncatedAt ??= pos;
      pos += 4;
      continue;
    }
    // Padded to 4 bytes; arithmetic, not `& ~3`, which turns a totlen of 2 GiB or more negative.
    const next = pos + totlen + ((4 - (totlen % 4)) % 4);
    const accurate = (type & NODE_ACCURATE) !== 0;
    const kind = type | NODE_ACCURATE;
    if (!accurate && kind === INODE) {
      // An obsoleted data node: superseded data, or the data of a deleted file (on NOR flash the kernel
      // clears the bit when it deletes). Kept apart; damage in it is not the live file system's.
      nodes += 1;
      if (nodes > MAX_NODES) return { inodes, obsolete, dirents, stopped: `more than ${MAX_NODES} nodes` };
      const node = await readInode(window, pos, totlen, littleEndian, new Damage(), true);
      if (node !== undefined) addNode(obsolete, node);
      pos = next;
      continue;
    }
    if (!accurate || (kind !== INODE && kind !== DIRENT)) {
      if (accurate && !KNOWN_TYPES.has(type) && (type & COMPAT_MASK) === FEATURE_INCOMPAT)
        damage.incompat += 1;
      pos = next;
      continue;
    }
    nodes += 1;
    if (nodes > MAX_NODES) return { inodes, obsolete, dirents, stopped: `more than ${MAX_NODES} nodes` };
    if (kind === INODE) {
      const node = await readInode(window, pos, totlen, littleEndian, damage);
      if (node !== undefined) addNode(inodes, node);
    } else {
      const dirent = await readDirent(window, pos, totlen, littleEndian, damage);
      if (dirent !== undefined) {
        const key = `${dirent.pino}/${dirent.name}`;
        const known = dirents.get(key);
        if (known === undefined || dirent.version >= known.version) dirents.set(key, dirent);
      }
    }
    pos = next;
  }
  return { inodes, obsolete, dirents };
}

function addNode(inodes: Map<number, Inode>, node: DataNode): void {
  const known = inodes.get(node.ino);
  if (known === undefined) inodes.set(node.ino, { nodes: [node], latest: node });
  else {
    known.nodes.push(node);
    if (node.version >= known.latest.version) known.latest = node;
  }
}

async function readInode(
  window: Window,
  pos: number,
  totlen: number,
  littleEndian: boolean,
  damage: Damage,
  obsolete = false,
): Promise<DataNode | undefined> {
  if (totlen < INODE_HEADER) {
    damage.badNodes += 1;
    return undefined;
  }
  const head = await window.get(pos, INODE_HEADER);
  const view = viewOf(head);
  // The node CRC covers the node type as written, with the ACCURATE bit still set.
  const covered = obsolete ? Uint8Array.from(head.subarray(0, 60)) : head.subarray(0, 60);
  if (obsolete) viewOf(covered).setUint16(2, INODE, littleEndian);
  if (jffs2Crc(covered) !== view.getUint32(64, littleEndian)) {
    damage.badNodes += 1;
    return undefined;
  }
  const csize = view.getUint32(48, littleEndian);
  const dsize = view.getUint32(52, littleEndian);
  const offset = view.getUint32(44, littleEndian);
  const compr = head[56]!;
  if (csize > MAX_COMPRESSED || dsize > MAX_DATA || INODE_HEADER + csize > totlen) {
    damage.absurd += 1;
    return undefined;
  }
  if (csize > 0) {
    const data = await window.get(pos + INODE_HEADER, csize);
    if (jffs2Crc(data) !== view.getUint32(60, littleEndian)) {
      damage.badData += 1;
      damage.damagedInodes.add(view.getUint32(12, littleEndian));
      return undefined;
    }
  }
  return {
    ino: view.getUint32(12, littleEndian),
    version: view.getUint32(16, littleEndian),
    at: pos,
    mode: view.getUint32(20, littleEndian),
    isize: view.getUint32(28, littleEndian),
    offset,
    csize,
    dsize,
    compr,
  };
}

async function readDirent(
  window: Window,
  pos: number,
  totlen: number,
  littleEndian: boolean,
  damage: Damage,
): Promise<Dirent | undefined> {
  if (totlen < DIRENT_HEADER) {
    damage.badNodes += 1;
    return undefined;
  }
  const head = await window.get(pos, DIRENT_HEADER);
  const view = viewOf(head);
  const nsize = head[28]!;
  if (
    jffs2Crc(head.subarray(0, 32)) !== view.getUint32(32, littleEndian) ||
    nsize === 0 ||
    DIRENT_HEADER + nsize > totlen
  ) {
    damage.badNodes += 1;
    return undefined;
  }
  const nameBytes = await window.get(pos + DIRENT_HEADER, nsize);
  if (jffs2Crc(nameBytes) !== view.getUint32(36, littleEndian)) {
    damage.badData += 1;
    return undefined;
  }
  return {
    pino: view.getUint32(12, littleEndian),
    version: view.getUint32(16, littleEndian),
    ino: view.getUint32(20, littleEndian),
    type: head[29]!,
    // A label only; a slash inside one name would fake a directory level.
    name: new TextDecoder().decode(nameBytes).replace(/[/\0]/g, "_"),
    at: pos,
  };
}

/**
 * Walks the directory tree from the root (inode 1) in name order and returns the first path of every
 * inode it reaches. A directory is entered once: a dirent naming a directory already on the path (a loop)
 * or already seen elsewhere is not followed again.
 */
function buildPaths(
  dirents: Map<string, Dirent>,
  inodes: Map<number, Inode>,
  damage: Damage,
): Map<number, { path: string; type: number }> {
  const byParent = new Map<number, Dirent[]>();
  for (const dirent of dirents.values()) {
    if (dirent.ino === 0) continue; // deleted
    let list = byParent.get(dirent.pino);
    if (list === undefined) byParent.set(dirent.pino, (list = []));
    list.push(dirent);
  }
  for (const list of byParent.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const paths = new Map<number, { path: string; type: number }>();
  const entered = new Set<number>([ROOT_INO]);
  const walk = (pino: number, prefix: string, depth: number): void => {
    for (const dirent of byParent.get(pino) ?? []) {
      const path = prefix + dirent.name;
      const mode = inodes.get(dirent.ino)?.latest.mode;
      const isDir = mode === undefined ? dirent.type === DT_DIR : (mode & S_IFMT) === S_IFDIR;
      if (!paths.has(dirent.ino)) paths.set(dirent.ino, { path, type: dirent.type });
      if (!isDir) continue;
      if (entered.has(dirent.ino) || depth >= MAX_PATH_DEPTH) {
        damage.loops += 1;
        continue;
      }
      entered.add(dirent.ino);
      walk(dirent.ino, `${path}/`, depth + 1);
    }
  };
  walk(ROOT_INO, "", 0);
  for (const [pino, list] of byParent) if (!entered.has(pino)) damage.looseNames += list.length;
  return paths;
}

function decompress(data: Uint8Array, node: DataNode): Uint8Array {
  switch (node.compr) {
    case 0:
      if (data.length < node.dsize) throw new Error("stored data shorter than dsize");
      return data.subarray(0, node.dsize);
    case 1:
      return new Uint8Array(node.dsize);
    case 2: {
      const out = rtimeDecompress(data, node.dsize);
      if (out === undefined) throw new Error("rtime data damaged");
      return out;
    }
    case 6: {
      // mkfs.jffs2 and the kernel write a zlib stream; the kernel also accepts raw deflate.
      // Like the kernel, the adler32 trailer is not required (the data CRC has vouched for the bytes).
      const zlibHeader =
        data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
      const out = inflateRawSync(zlibHeader ? data.subarray(2) : data, {
        maxOutputLength: Math.max(1, node.dsize),
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
      });
      if (out.length !== node.dsize) throw new Error(`zlib gave ${out.length} of ${node.dsize} bytes`);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    case 7:
      return lzo1xDecompress(data, node.dsize);
    default:
      throw new Unsupported(COMPRESSORS[node.compr] ?? `compressor ${node.compr}`);
  }
}

class Unsupported extends Error {}

interface Rebuilt {
  unsupported: Map<string, number>;
  failed: number;
  decoded: number;
}

/**
 * Writes one file: its data nodes applied in version order over zeros, slice by slice, cut to `size`.
 * A node that cannot be decompressed leaves the bytes beneath it (older data or zeros) and is counted.
 */
async function rebuild(
  window: Window,
  nodes: readonly DataNode[],
  size: number,
  writer: ChildWriter,
  signal: AbortSignal,
): Promise<Rebuilt | "aborted"> {
  const result: Rebuilt = { unsupported: new Map(), failed: 0, decoded: 0 };
  const sorted = nodes.filter((node) => node.dsize > 0).sort((a, b) => a.offset - b.offset);
  const cache = new Map<DataNode, Uint8Array | null>();
  let low = 0;
  for (let start = 0; start < size; start += SLICE) {
    if (signal.aborted) return "aborted";
    const end = Math.min(size, start + SLICE);
    const slice = new Uint8Array(end - start);
    while (low < sorted.length && sorted[low]!.offset + MAX_DATA <= start) low += 1;
    const covering: DataNode[] = [];
    for (let i = low; i < sorted.length && sorted[i]!.offset < end; i += 1) {
      const node = sorted[i]!;
      if (node.offset + node.dsize > start) covering.push(node);
    }
    covering.sort((a, b) => a.version - b.version || a.at - b.at);
    const kept = new Map<DataNode, Uint8Array | null>();
    for (const node of covering) {
      let data = cache.get(node);
      if (data === undefined) {
        data = null;
        try {
          const raw =
            node.compr === 1 ? new Uint8Array(0) : await window.get(node.at + INODE_HEADER, node.csize);
          data = decompress(raw, node);
          result.decoded += 1;
        } catch (error) {
          if (error instanceof Unsupported) {
            result.unsupported.set(error.message, (result.unsupported.get(error.message) ?? 0) + 1);
          } else result.failed += 1;
        }
      }
      if (node.offset + node.dsize > end) kept.set(node, data);
      if (data === null) continue;
      const from = Math.max(start, node.offset);
      const to = Math.min(end, node.offset + data.length);
      if (to > from) slice.set(data.subarray(from - node.offset, to - node.offset), from - start);
    }
    cache.clear();
    for (const [node, data] of kept) cache.set(node, data);
    await writer.write(slice);
  }
  return result;
}

/**
 * JFFS2 flash file systems (either byte order): scans every node, checks the header, node and data CRCs,
 * rebuilds the directory tree from the newest dirents and each file from its data nodes in version order
 * (none, zero, rtime, zlib and lzo data), and yields regular files named by their path. Inodes with data
 * but no name (unlinked files whose nodes are still on flash) are yielded as `orphan-<ino>`, files that
 * only have obsoleted nodes left (deleted on NOR flash, not yet garbage-collected) as `deleted-<ino>`.
 * A child's `offsetInParent` is the image offset of the header of the data node that holds its first
 * bytes (the data is compressed per node, so no image offset maps to a file offset in general).
 */
/** Node damage that spare areas inside an image cause: nodes cut where a page ends. */
function cuts(damage: Damage): number {
  return damage.badHeaders + damage.badNodes + damage.badData;
}

/** How much of the image is tried in each NAND layout. */
const SPARE_TRIAL_BYTES = 1 << 20;

/**
 * The NAND layout whose spare areas, cut out of the image's start, remove nearly all of its damage (a JFFS2
 * read off a NAND chip with its pages' spare areas: every node across a page end is cut); undefined when
 * the image reads as well as it is.
 */
async function spareLayoutOf(
  source: ByteSource,
  littleEndian: boolean,
  signal: AbortSignal,
): Promise<SpareLayout | undefined> {
  const trial = await source.read(0, Math.min(source.size, SPARE_TRIAL_BYTES));
  const damageOf = async (bytes: Uint8Array): Promise<number> => {
    const damage = new Damage();
    await scanNodes(memorySource(bytes), littleEndian, damage, signal);
    return cuts(damage);
  };
  const raw = await damageOf(trial);
  if (raw < 2) return undefined;
  let best: { layout: SpareLayout; damage: number } | undefined;
  for (const { page, spare } of NAND_LAYOUTS) {
    if (trial.length < 2 * (page + spare) || signal.aborted) continue;
    const damage = await damageOf(dropSpareAreas(trial, { page, spare }));
    if (best === undefined || damage < best.damage)
      best = { layout: { page, spare, stride: page + spare }, damage };
  }
  return best !== undefined && best.damage * 4 <= raw ? best.layout : undefined;
}

export async function* extractJffs2(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const littleEndian = byteOrder(await source.read(0, 2));
  if (littleEndian === undefined) {
    yield partial("corrupt", "no JFFS2 node magic at offset 0");
    return;
  }
  const damage = new Damage();
  const { inodes, obsolete, dirents, stopped } = await scanNodes(
    source,
    littleEndian,
    damage,
    context.signal,
  );
  if (cuts(damage) >= 2) {
    // Read off a NAND chip with the spare areas of its pages? Then the image without them is the file system.
    const layout = await spareLayoutOf(source, littleEndian, context.signal);
    if (layout !== undefined) {
      yield* withoutSpareAreas(source, context, layout);
      return;
    }
  }
  if (stopped !== undefined)
    yield partial(
      context.signal.aborted ? "budget-time" : "budget-members",
      `jffs2: ${stopped}; the rest of the image was not read`,
    );
  const paths = buildPaths(dirents, inodes, damage);

  const window = new Window(source, DATA_WINDOW);
  const budget = new ContainerBudget(context, "jffs2");
  const unsupported = new Map<string, { nodes: number; files: string[] }>();
  const failedFiles: string[] = [];
  let failedNodes = 0;
  // Inodes that only have obsolete nodes left are deleted files whose data is still on flash.
  const deleted = [...obsolete].filter(([ino]) => !inodes.has(ino));
  const order = [
    ...[...inodes].map(([ino, inode]) => ({
      ino,
      inode,
      name: paths.get(ino)?.path ?? `orphan-${ino}`,
      named: paths.has(ino),
    })),
    ...deleted.map(([ino, inode]) => ({ ino, inode, name: `deleted-${ino}`, named: false })),
  ].sort(
    (a, b) =>
      Number(b.named) - Number(a.named) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.ino - b.ino,
  );
  for (const [ino, { path, type }] of paths) {
    // A name whose inode has no valid node left: the file existed, its bytes are not recoverable.
    if (!inodes.has(ino) && type !== DT_DIR && type !== DT_LNK) {
      yield budget.skip(path, "corrupt", `jffs2 inode ${ino} has a name but no valid inode node`);
    }
  }
  for (const { ino, inode, name, named } of order) {
    if (context.signal.aborted) {
      yield partial("budget-time", "jffs2: time budget ran out while rebuilding files");
      break;
    }
    const format = inode.latest.mode & S_IFMT;
    const hasData = inode.nodes.some((node) => node.dsize > 0);
    // Named directories, symlinks and devices are not children; a nameless inode with data is kept
    // whatever its mode says (its mode may be the damaged part).
    if (named ? format !== S_IFREG : !hasData) continue;
    const size = inode.latest.isize;
    const packed = inode.nodes.reduce((sum, node) => sum + INODE_HEADER + node.csize, 0);
    const first = inode.nodes
      .filter((node) => node.dsize > 0)
      .sort((a, b) => a.offset - b.offset || b.version - a.version)[0];
    const offsetInParent = first?.at;
    const skipped = budget.admit(name, size, packed);
    if (skipped !== undefined) {
      yield offsetInParent === undefined ? skipped : { ...skipped, offsetInParent };
      continue;
    }
    const writer = new ChildWriter(context.tempDir, name);
    let rebuilt: Rebuilt | "aborted";
    try {
      rebuilt = await rebuild(window, inode.nodes, size, writer, context.signal);
    } catch (error) {
      await writer.discard();
      yield budget.skip(name, "corrupt", `jffs2 inode ${ino}: ${errorMessage(error)}`, offsetInParent);
      continue;
    }
    if (rebuilt === "aborted") {
      await writer.discard();
      yield partial("budget-time", `jffs2: time budget ran out while rebuilding ${name}`);
      break;
    }
    for (const [compressor, count] of rebuilt.unsupported) {
      let entry = unsupported.get(compressor);
      if (entry === undefined) unsupported.set(compressor, (entry = { nodes: 0, files: [] }));
      entry.nodes += count;
      entry.files.push(name);
    }
    if (rebuilt.failed > 0) {
      failedNodes += rebuilt.failed;
      failedFiles.push(name);
    }
    if (rebuilt.decoded === 0 && (rebuilt.unsupported.size > 0 || rebuilt.failed > 0)) {
      // Nothing of it could be decoded: a file of zeros would pretend to have been scanned.
      await writer.discard();
      const why = rebuilt.unsupported.size > 0 ? "unsupported" : "corrupt";
      const detail =
        rebuilt.unsupported.size > 0
          ? `jffs2 data compressed with ${[...rebuilt.unsupported.keys()].join(", ")}, not supported`
          : `jffs2 data nodes could not be decompressed`;
      yield budget.skip(name, why, detail, offsetInParent);
      continue;
    }
    budget.written += writer.size;
    yield child(name, "jffs2", await writer.finish(), offsetInParent === undefined ? {} : { offsetInParent });
  }

  for (const [compressor, { nodes, files }] of unsupported) {
    yield partial(
      "unsupported",
      `jffs2: ${nodes} data nodes in ${files.length} files use the ${compressor} compressor, which is not supported; their bytes were not recovered (${list(files)})`,
    );
  }
  if (failedNodes > 0) {
    yield partial(
      "corrupt",
      `jffs2: ${failedNodes} data nodes in ${failedFiles.length} files could not be decompressed (${list(failedFiles)})`,
    );
  }
  const bad: string[] = [];
  if (damage.badHeaders > 0) bad.push(`${damage.badHeaders} runs of damaged node headers or stray bytes`);
  if (damage.badNodes > 0) bad.push(`${damage.badNodes} nodes with a bad node CRC`);
  if (damage.badData > 0) bad.push(`${damage.badData} nodes with a bad data or name CRC`);
  if (damage.absurd > 0) bad.push(`${damage.absurd} inode nodes with impossible sizes`);
  if (damage.incompat > 0) bad.push(`${damage.incompat} nodes of an unknown incompatible type`);
  if (damage.loops > 0)
    bad.push(`${damage.loops} directory entries forming a loop or a second name of a directory`);
  if (damage.looseNames > 0)
    bad.push(`${damage.looseNames} directory entries in directories not reachable from the root`);
  if (damage.damagedInodes.size > 0) {
    const hit = [...damage.damagedInodes].map((ino) => paths.get(ino)?.path ?? `orphan-${ino}`).sort();
    bad.push(`data nodes lost from ${list(hit)}`);
  }
  if (bad.length > 0) yield partial("corrupt", `jffs2: skipped ${bad.join(", ")}`);
  if (damage.truncatedAt !== undefined) {
    yield partial(
      "corrupt",
      `jffs2: a node at offset ${damage.truncatedAt} runs past the end of the image (truncated?)`,
    );
  }
}

function list(files: readonly string[]): string {
  return files.length <= 5
    ? files.join(", ")
    : `${files.slice(0, 5).join(", ")} and ${files.length - 5} more`;
}

export const jffs2Extractor = {
  name: "jffs2",
  detect: (head: Uint8Array) => {
    const littleEndian = byteOrder(head);
    if (littleEndian === undefined || !isHeader(head, littleEndian)) return false;
    const view = viewOf(head);
    return (
      KNOWN_TYPES.has(view.getUint16(2, littleEndian) | NODE_ACCURATE) &&
      view.getUint32(4, littleEndian) >= HEADER
    );
  },
  extract: extractJffs2,
} satisfies Extractor;
