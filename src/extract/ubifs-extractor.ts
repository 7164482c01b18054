import * as zlib from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
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
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { lzo1xDecompress } from "./lzo.js";

/**
 * UBIFS (the NAND file system on UBI volumes of newer cameras and NVRs): reads the superblock, the newest
 * master node and walks the index B-tree to the inode, directory-entry and data nodes; files are rebuilt
 * from their 4 KiB data blocks (none, LZO, zlib or zstd), holes as zeros. The journal written since the
 * last commit is replayed over the index (a dump of a running device has one). A damaged index falls back
 * to a scan of every erase block (the newest node per key wins).
 */

const NODE_MAGIC = 0x06101831;
const HEADER = 24;
const BLOCK_SIZE = 4096;
const SB_NODE_SIZE = 4096;
const MST_NODE_SIZE = 512;
const IDX_HEADER = 28;
const BRANCH_MIN = 20;
const INO_NODE_SIZE = 160;
const DATA_NODE_SIZE = 48;
const DENT_NODE_SIZE = 56;
const TRUN_NODE_SIZE = 56;
const REF_NODE_SIZE = 64;
/** The first LEB of the log (after the superblock and the two master LEBs). */
const LOG_LNUM = 3;

/** Node types (ubifs-media.h). */
const NodeType = {
  Inode: 0,
  Data: 1,
  Dent: 2,
  Truncation: 4,
  Superblock: 6,
  Master: 7,
  Reference: 8,
  Index: 9,
  CommitStart: 10,
} as const;
const KEY_DATA = 1;
const CRYPT_FLAG = 0x40;
/** An extended attribute's value is kept in an inode of its own, with no directory entry. */
const XATTR_FLAG = 0x20;
const COMPRESSIONS = ["none", "lzo", "zlib", "zstd"] as const;

/** UBIFS node CRC: CRC-32 seeded with 0xffffffff and without the final inversion, over bytes 8..len. */
export function ubifsCrc(bytes: Uint8Array): number {
  return (crc32(bytes) ^ 0xffffffff) >>> 0;
}

function nodeIsValid(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER) return false;
  const view = viewOf(bytes);
  const len = view.getUint32(16, true);
  return (
    view.getUint32(0, true) === NODE_MAGIC &&
    len >= HEADER &&
    len <= bytes.length &&
    ubifsCrc(bytes.subarray(8, len)) === view.getUint32(4, true)
  );
}

interface Superblock {
  readonly minIo: number;
  readonly lebSize: number;
  readonly fanout: number;
  readonly keyFormat: number;
  readonly logLebs: number;
}

function parseSuperblock(head: Uint8Array): Superblock | string {
  if (head.length < SB_NODE_SIZE) return "superblock node truncated";
  const node = head.subarray(0, SB_NODE_SIZE);
  const view = viewOf(node);
  if (view.getUint32(0, true) !== NODE_MAGIC || node[20] !== NodeType.Superblock) return "no superblock node";
  if (view.getUint32(16, true) !== SB_NODE_SIZE || !nodeIsValid(node)) return "superblock node CRC mismatch";
  const lebSize = view.getUint32(36, true);
  const minIo = view.getUint32(32, true);
  if (lebSize < 1024 || lebSize > 64 * 1024 * 1024 || lebSize % 8 !== 0) return `bad LEB size ${lebSize}`;
  if (minIo < 8 || minIo > lebSize) return `bad minimum I/O size ${minIo}`;
  return {
    minIo,
    lebSize,
    keyFormat: node[27]!,
    fanout: view.getUint32(72, true),
    logLebs: view.getUint32(56, true),
  };
}

interface InodeInfo {
  readonly sqnum: number;
  readonly size: number;
  readonly nlink: number;
  readonly mode: number;
  readonly flags: number;
  readonly target: string;
}
interface DentInfo {
  readonly sqnum: number;
  readonly parent: number;
  readonly name: string;
  readonly inum: number;
  readonly type: number;
}
interface DataRef {
  readonly sqnum: number;
  readonly at: number;
  readonly len: number;
}

/** Every leaf the index (or the scan) reaches, newest per key. */
class Leaves {
  readonly inodes = new Map<number, InodeInfo>();
  readonly dents = new Map<string, DentInfo>();
  readonly data = new Map<number, Map<number, DataRef>>();
  readonly truncations: { inum: number; size: number; sqnum: number }[] = [];

  addData(inum: number, block: number, ref: DataRef): void {
    let blocks = this.data.get(inum);
    if (blocks === undefined) this.data.set(inum, (blocks = new Map<number, DataRef>()));
    const known = blocks.get(block);
    if (known === undefined || known.sqnum < ref.sqnum) blocks.set(block, ref);
  }

  /** Records one valid leaf node; false when it is not a leaf type this reader uses. */
  add(node: Uint8Array, at: number): boolean {
    const view = viewOf(node);
    const sqnum = readU64(view, 8);
    const type = node[20];
    const inum = view.getUint32(24, true);
    if (type === NodeType.Data) {
      if (node.length < DATA_NODE_SIZE) return false;
      this.addData(inum, view.getUint32(28, true) & 0x1fffffff, { sqnum, at, len: node.length });
      return true;
    }
    if (type === NodeType.Inode) {
      if (node.length < INO_NODE_SIZE) return false;
      const known = this.inodes.get(inum);
      if (known !== undefined && known.sqnum > sqnum) return true;
      const dataLength = Math.min(view.getUint32(112, true), node.length - INO_NODE_SIZE, 4096);
      this.inodes.set(inum, {
        sqnum,
        size: readU64(view, 48),
        nlink: view.getUint32(92, true),
        mode: view.getUint32(104, true),
        flags: view.getUint32(108, true),
        target: new TextDecoder().decode(node.subarray(INO_NODE_SIZE, INO_NODE_SIZE + dataLength)),
      });
      return true;
    }
    if (type === NodeType.Dent) {
      if (node.length < DENT_NODE_SIZE) return false;
      const nameLength = view.getUint16(50, true);
      if (DENT_NODE_SIZE + nameLength > node.length) return false;
      const name = new TextDecoder().decode(node.subarray(DENT_NODE_SIZE, DENT_NODE_SIZE + nameLength));
      // Names, not keys: two names may share a key (hash collision).
      const key = `${inum}/${name}`;
      const known = this.dents.get(key);
      if (known !== undefined && known.sqnum > sqnum) return true;
      this.dents.set(key, { sqnum, parent: inum, name, inum: readU64(view, 40), type: node[49]! });
      return true;
    }
    if (type === NodeType.Truncation) {
      if (node.length < TRUN_NODE_SIZE) return false;
      this.truncations.push({ inum, size: readU64(view, 48), sqnum });
      return true;
    }
    return type === 3; // extended attributes: known, not used
  }

  /** Drops the data blocks a journalled truncation cut off (blocks written later stay). */
  applyTruncations(): void {
    for (const { inum, size, sqnum } of this.truncations) {
      const blocks = this.data.get(inum);
      if (blocks === undefined) continue;
      for (const [block, ref] of blocks) {
        if (block >= Math.ceil(size / BLOCK_SIZE) && ref.sqnum < sqnum) blocks.delete(block);
      }
    }
    this.truncations.length = 0;
  }
}

class Volume {
  readonly lebCount: number;
  badNodes = 0;

  constructor(
    readonly source: ByteSource,
    readonly sb: Superblock,
  ) {
    this.lebCount = Math.ceil(source.size / sb.lebSize);
  }

  /** Reads and checks the node at lnum:offs; a string says what is wrong. */
  async node(lnum: number, offs: number, expectedLength?: number): Promise<Uint8Array | string> {
    const { lebSize } = this.sb;
    if (!Number.isInteger(lnum) || lnum < 0 || lnum >= this.lebCount || offs < 0 || offs + HEADER > lebSize) {
      return `node position ${lnum}:${offs} outside the volume`;
    }
    const at = lnum * lebSize + offs;
    const length = expectedLength ?? viewOrUndefined(await this.source.read(at, HEADER))?.getUint32(16, true);
    if (
      length === undefined ||
      length < HEADER ||
      offs + length > lebSize ||
      at + length > this.source.size
    ) {
      return `node at ${lnum}:${offs} has a bad length`;
    }
    const bytes = await this.source.read(at, length);
    const view = viewOf(bytes);
    if (bytes.length < length || view.getUint32(0, true) !== NODE_MAGIC) return `no node at ${lnum}:${offs}`;
    if (view.getUint32(16, true) !== length) return `node at ${lnum}:${offs} has a different length`;
    if (!nodeIsValid(bytes)) return `node at ${lnum}:${offs} fails its CRC`;
    return bytes;
  }
}

function viewOrUndefined(bytes: Uint8Array): DataView | undefined {
  return bytes.length < HEADER ? undefined : viewOf(bytes);
}

interface Master {
  readonly sqnum: number;
  readonly commit: number;
  readonly logLnum: number;
  readonly rootLnum: number;
  readonly rootOffs: number;
  readonly rootLen: number;
  readonly lnum: number;
}

/** The newest valid master node of LEBs 1 and 2 and the problems seen on the way. */
async function findMaster(volume: Volume): Promise<{ master?: Master; problems: string[] }> {
  const problems: string[] = [];
  let best: Master | undefined;
  const step = Math.ceil(MST_NODE_SIZE / volume.sb.minIo) * volume.sb.minIo;
  for (const lnum of [1, 2]) {
    let found = 0;
    for (let offs = 0; offs + MST_NODE_SIZE <= volume.sb.lebSize; offs += step) {
      const head = await volume.source.read(lnum * volume.sb.lebSize + offs, HEADER);
      if (head.length < HEADER || viewOf(head).getUint32(0, true) !== NODE_MAGIC) break;
      const node = await volume.node(lnum, offs, MST_NODE_SIZE);
      if (typeof node === "string" || node[20] !== NodeType.Master) {
        problems.push(`master node at ${lnum}:${offs} is damaged`);
        continue;
      }
      found += 1;
      const view = viewOf(node);
      const master = {
        sqnum: readU64(view, 8),
        commit: readU64(view, 32),
        logLnum: view.getUint32(44, true),
        rootLnum: view.getUint32(48, true),
        rootOffs: view.getUint32(52, true),
        rootLen: view.getUint32(56, true),
        lnum,
      };
      if (best === undefined || master.sqnum > best.sqnum) best = master;
    }
    if (found === 0 && problems.length === 0) problems.push(`no master node in LEB ${lnum}`);
  }
  return best === undefined ? { problems } : { master: best, problems };
}

/**
 * Walks the index from the root: every index node must be valid and exactly one level below its parent
 * (so a loop ends), and is visited once. Returns the problem that stops the walk, if any.
 */
async function walkIndex(
  volume: Volume,
  master: Master,
  leaves: Leaves,
  signal: AbortSignal,
): Promise<string | undefined> {
  const visited = new Set<number>();
  const stack: { lnum: number; offs: number; len: number; level: number | undefined }[] = [
    { lnum: master.rootLnum, offs: master.rootOffs, len: master.rootLen, level: undefined },
  ];
  const leafRefs: { lnum: number; offs: number; len: number; key0: number; key1: number }[] = [];
  while (stack.length > 0) {
    if (signal.aborted) return "time budget ran out while reading the index";
    const { lnum, offs, len, level } = stack.pop()!;
    const position = lnum * volume.sb.lebSize + offs;
    if (visited.has(position)) return `index node ${lnum}:${offs} is reached twice`;
    visited.add(position);
    const node = await volume.node(lnum, offs, len);
    if (typeof node === "string") return `index ${node}`;
    if (node[20] !== NodeType.Index) return `index points at a non-index node at ${lnum}:${offs}`;
    const view = viewOf(node);
    const count = view.getUint16(24, true);
    const nodeLevel = view.getUint16(26, true);
    if (level !== undefined && nodeLevel !== level) return `index node ${lnum}:${offs} has the wrong level`;
    const branch = count === 0 ? 0 : (node.length - IDX_HEADER) / count;
    if (
      count === 0 ||
      !Number.isInteger(branch) ||
      branch < BRANCH_MIN ||
      (volume.sb.fanout > 0 && count > volume.sb.fanout)
    ) {
      return `index node ${lnum}:${offs} has a bad branch count`;
    }
    for (let i = 0; i < count; i += 1) {
      const at = IDX_HEADER + i * branch;
      const ref = {
        lnum: view.getUint32(at, true),
        offs: view.getUint32(at + 4, true),
        len: view.getUint32(at + 8, true),
      };
      if (nodeLevel > 0) stack.push({ ...ref, level: nodeLevel - 1 });
      else
        leafRefs.push({ ...ref, key0: view.getUint32(at + 12, true), key1: view.getUint32(at + 16, true) });
    }
  }
  for (const ref of leafRefs) {
    if (signal.aborted) return "time budget ran out while reading the index";
    if (ref.key1 >>> 29 === KEY_DATA) {
      // Data nodes are read (and checked) when their file is rebuilt.
      const at = ref.lnum * volume.sb.lebSize + ref.offs;
      if (ref.lnum >= volume.lebCount || ref.offs + ref.len > volume.sb.lebSize || ref.len < DATA_NODE_SIZE) {
        volume.badNodes += 1;
        continue;
      }
      leaves.addData(ref.key0, ref.key1 & 0x1fffffff, { sqnum: 0, at, len: ref.len });
      continue;
    }
    const node = await volume.node(ref.lnum, ref.offs, ref.len);
    if (typeof node === "string") volume.badNodes += 1;
    else if (!leaves.add(node, ref.lnum * volume.sb.lebSize + ref.offs)) {
      return `index leaf at ${ref.lnum}:${ref.offs} is not a file-system node`;
    }
  }
  return undefined;
}

/**
 * Calls `visit` for every valid node of LEB `lnum` from `offs` on (8-byte aligned), stepping over
 * damage (counted as bad nodes).
 */
async function scanLeb(
  volume: Volume,
  lnum: number,
  offs: number,
  visit: (node: Uint8Array, at: number) => void,
): Promise<void> {
  const { lebSize } = volume.sb;
  const leb = await volume.source.read(lnum * lebSize, lebSize);
  const view = viewOf(leb);
  let at = offs - (offs % 8);
  while (at + HEADER <= leb.length) {
    if (view.getUint32(at, true) !== NODE_MAGIC) {
      at += 8;
      continue;
    }
    const len = view.getUint32(at + 16, true);
    const node = leb.subarray(at, at + len);
    if (len < HEADER || at + len > leb.length || !nodeIsValid(node)) {
      volume.badNodes += 1;
      at += 8;
      continue;
    }
    visit(node, lnum * lebSize + at);
    at += Math.ceil(len / 8) * 8;
  }
}

/** Reads every erase block and keeps every valid leaf node (the newest per key wins). */
async function scanAll(volume: Volume, leaves: Leaves, signal: AbortSignal): Promise<boolean> {
  for (let lnum = 1; lnum < volume.lebCount; lnum += 1) {
    if (signal.aborted) return false;
    await scanLeb(volume, lnum, 0, (node, at) => leaves.add(node, at));
  }
  leaves.applyTruncations();
  return true;
}

/**
 * Replays the journal over the index: the log holds, after the commit-start node of the master's
 * commit, reference nodes naming the erase blocks ("buds") written since; their nodes are newer than
 * the index. Returns how many nodes were applied.
 */
async function replayJournal(
  volume: Volume,
  master: Master,
  leaves: Leaves,
  signal: AbortSignal,
): Promise<number> {
  const logEnd = Math.min(LOG_LNUM + volume.sb.logLebs, volume.lebCount);
  let commitSqnum: number | undefined;
  const refs: { sqnum: number; lnum: number; offs: number }[] = [];
  for (let lnum = LOG_LNUM; lnum < logEnd; lnum += 1) {
    if (signal.aborted) return 0;
    await scanLeb(volume, lnum, 0, (node) => {
      const view = viewOf(node);
      const sqnum = readU64(view, 8);
      if (node[20] === NodeType.CommitStart && node.length >= 32 && readU64(view, 24) === master.commit) {
        commitSqnum = Math.max(commitSqnum ?? 0, sqnum);
      } else if (node[20] === NodeType.Reference && node.length >= REF_NODE_SIZE) {
        refs.push({ sqnum, lnum: view.getUint32(24, true), offs: view.getUint32(28, true) });
      }
    });
  }
  if (commitSqnum === undefined) return 0;
  let applied = 0;
  const buds = new Set<number>();
  for (const ref of refs.sort((a, b) => a.sqnum - b.sqnum)) {
    // Older references belong to commits already in the index; a bud is read once.
    if (ref.sqnum <= commitSqnum || ref.lnum >= volume.lebCount || ref.offs >= volume.sb.lebSize) continue;
    if (buds.has(ref.lnum) || signal.aborted) continue;
    buds.add(ref.lnum);
    await scanLeb(volume, ref.lnum, ref.offs, (node, at) => {
      if (readU64(viewOf(node), 8) > commitSqnum! && leaves.add(node, at)) applied += 1;
    });
  }
  leaves.applyTruncations();
  return applied;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function isKind(inode: InodeInfo | undefined, dentType: number, mode: number, type: number): boolean {
  return inode === undefined ? dentType === type : (inode.mode & S_IFMT) === mode;
}

/** Paths of every inode reachable from the root (inode 1), in name order; first path per inode first. */
function buildTree(leaves: Leaves): { paths: Map<number, string[]>; dangling: number } {
  const byParent = new Map<number, DentInfo[]>();
  for (const dent of leaves.dents.values()) {
    if (dent.inum === 0) continue; // a deletion entry
    let list = byParent.get(dent.parent);
    if (list === undefined) byParent.set(dent.parent, (list = []));
    list.push(dent);
  }
  const paths = new Map<number, string[]>();
  const seenDirs = new Set<number>([1]);
  const queue: [number, string][] = [[1, ""]];
  let dangling = 0;
  while (queue.length > 0) {
    const [dir, prefix] = queue.shift()!;
    const entries = (byParent.get(dir) ?? []).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const dent of entries) {
      const path = prefix === "" ? dent.name : `${prefix}/${dent.name}`;
      const inode = leaves.inodes.get(dent.inum);
      if (inode === undefined) dangling += 1;
      if (isKind(inode, dent.type, S_IFDIR, 1)) {
        if (!seenDirs.has(dent.inum)) {
          seenDirs.add(dent.inum);
          queue.push([dent.inum, path]);
        }
        continue;
      }
      let list = paths.get(dent.inum);
      if (list === undefined) paths.set(dent.inum, (list = []));
      list.push(path);
    }
  }
  return { paths, dangling };
}

/**
 * The one zstd frame of a data node, checked before fzstd sees it: its header must declare a content
 * size of at most one block (fzstd allocates what a header declares) and its blocks must end in the
 * payload (so no second frame with its own allocation follows).
 */
function zstdFrame(payload: Uint8Array): Uint8Array {
  const view = viewOf(payload);
  if (payload.length < 6 || view.getUint32(0, true) !== 0xfd2fb528) throw new Error("no zstd frame");
  const descriptor = payload[4]!;
  const single = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const dictionary = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = sizeFlag === 0 ? single : 1 << sizeFlag;
  let at = 5 + (single === 1 ? 0 : 1) + dictionary;
  if (sizeBytes === 0 || dictionary !== 0 || at + sizeBytes > payload.length) {
    throw new Error("zstd frame without a content size, or with a dictionary");
  }
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i -= 1) size = size * 256 + payload[at + i]!;
  if (sizeFlag === 1) size += 256;
  if (size > BLOCK_SIZE) throw new Error(`zstd frame declares ${size} bytes`);
  at += sizeBytes;
  for (let last = 0; last === 0;) {
    if (at + 3 > payload.length) throw new Error("zstd frame truncated");
    const header = payload[at]! | (payload[at + 1]! << 8) | (payload[at + 2]! << 16);
    const type = (header >> 1) & 3;
    if (type === 3) throw new Error("zstd block of the reserved type");
    last = header & 1;
    at += 3 + (type === 1 ? 1 : header >>> 3); // an RLE block holds one byte
  }
  at += (descriptor >> 2) & 1 ? 4 : 0;
  if (at > payload.length) throw new Error("zstd frame truncated");
  return payload.subarray(0, at);
}

/** Decompresses one data node's payload; a string says why it could not. */
function blockData(node: Uint8Array): Uint8Array | string {
  const view = viewOf(node);
  const size = view.getUint32(40, true);
  const compression = view.getUint16(44, true);
  const payload = node.subarray(DATA_NODE_SIZE);
  if (size > BLOCK_SIZE) return `block size ${size} over ${BLOCK_SIZE}`;
  let out: Uint8Array;
  try {
    if (compression === 0) out = payload;
    else if (compression === 1) out = lzo1xDecompress(payload, BLOCK_SIZE);
    else if (compression === 2) out = zlib.inflateRawSync(payload, { maxOutputLength: BLOCK_SIZE });
    else if (compression === 3) out = zstdDecompress(zstdFrame(payload));
    else return `unknown compression ${compression}`;
  } catch (error) {
    return `${COMPRESSIONS[compression] ?? "?"}: ${errorMessage(error)}`;
  }
  if (out.length !== size) return `block holds ${out.length} bytes, its node says ${size}`;
  return out;
}

export async function* extractUbifs(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "ubifs");
  const sb = parseSuperblock(await source.read(0, SB_NODE_SIZE));
  if (typeof sb === "string") {
    yield partial("corrupt", `ubifs: ${sb}`);
    return;
  }
  if (sb.keyFormat !== 0) {
    yield partial("unsupported", `ubifs: key format ${sb.keyFormat} is not supported`);
    return;
  }
  const volume = new Volume(source, sb);
  const leaves = new Leaves();
  const { master, problems } = await findMaster(volume);
  let indexProblem = master === undefined ? "no valid master node" : undefined;
  if (master !== undefined) {
    if (problems.length > 0)
      yield partial("corrupt", `ubifs: ${problems.join("; ")}; used master ${master.lnum}`);
    indexProblem = await walkIndex(volume, master, leaves, context.signal);
    if (indexProblem === undefined) await replayJournal(volume, master, leaves, context.signal);
  }
  if (indexProblem !== undefined) {
    if (context.signal.aborted) {
      yield partial("budget-time", `ubifs: ${indexProblem}`);
      return;
    }
    // Start over from the raw erase blocks: the index cannot be trusted.
    leaves.inodes.clear();
    leaves.dents.clear();
    leaves.data.clear();
    leaves.truncations.length = 0;
    yield partial(
      "corrupt",
      `ubifs: ${indexProblem}; files rebuilt by scanning all erase blocks (newest node per key), deleted or old versions may appear`,
    );
    if (!(await scanAll(volume, leaves, context.signal))) {
      yield partial("budget-time", "ubifs: time budget ran out while scanning erase blocks");
      return;
    }
  }
  yield* emitFiles(volume, leaves, context, budget);
  if (volume.badNodes > 0) {
    yield partial("corrupt", `ubifs: ${volume.badNodes} nodes fail their CRC or lie outside the volume`);
  }
}

async function* emitFiles(
  volume: Volume,
  leaves: Leaves,
  context: ExtractContext,
  budget: ContainerBudget,
): AsyncGenerator<ExtractEvent> {
  const { paths, dangling } = buildTree(leaves);
  if (dangling > 0) yield partial("corrupt", `ubifs: ${dangling} directory entries point at missing inodes`);
  // Regular files no directory names (unlinked but open, or a lost directory) are kept too.
  for (const [inum, inode] of leaves.inodes) {
    const regular = (inode.mode & S_IFMT) === S_IFREG && (inode.flags & XATTR_FLAG) === 0;
    if (inum !== 1 && !paths.has(inum) && inode.nlink > 0 && regular) {
      paths.set(inum, [`unlinked/inode-${inum}`]);
    }
  }
  // Files whose contents this reader cannot read: also one notice on the volume, so it is not "scanned".
  const unread: string[] = [];
  const order = [...paths.entries()].sort(([, a], [, b]) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  for (const [inum, names] of order) {
    if (context.signal.aborted) {
      yield partial("budget-time", "ubifs: time budget ran out while reading files");
      break;
    }
    const inode = leaves.inodes.get(inum);
    const path = names[0]!;
    if (inode === undefined) continue;
    if ((inode.mode & S_IFMT) !== S_IFREG) {
      const detail =
        (inode.mode & S_IFMT) === S_IFLNK
          ? `symbolic link to ${inode.target}, not followed`
          : "device, FIFO or socket";
      for (const name of names) yield budget.skip(name, "not-a-regular-file", detail);
      continue;
    }
    for (const name of names.slice(1)) yield budget.skip(name, "duplicate", `hard link to ${path}`);
    const blocks = leaves.data.get(inum) ?? new Map<number, DataRef>();
    if ((inode.flags & CRYPT_FLAG) !== 0) {
      yield budget.skip(path, "encrypted", "fscrypt-encrypted file contents");
      unread.push(`${path} (fscrypt-encrypted)`);
      continue;
    }
    let packed = 0;
    let first: DataRef | undefined;
    let firstBlock = Infinity;
    for (const [block, ref] of blocks) {
      packed += ref.len;
      if (block < firstBlock) [firstBlock, first] = [block, ref];
    }
    const skipped = budget.admit(path, inode.size, packed);
    if (skipped !== undefined) {
      yield skipped;
      if (budget.members > context.budgets.maxMembers) break;
      continue;
    }
    const result = await readFile(volume, inum, inode.size, blocks, path, context);
    if (result.unsupported !== undefined) {
      await result.writer.discard();
      yield budget.skip(path, "unsupported", `ubifs data compression: ${result.unsupported}`);
      unread.push(`${path} (${result.unsupported})`);
      continue;
    }
    budget.written += result.writer.size;
    yield child(
      path,
      "ubifs",
      await result.writer.finish(),
      first === undefined ? {} : { offsetInParent: first.at },
    );
    if (result.bad > 0) {
      const blocks = `${result.bad} block${result.bad === 1 ? "" : "s"}`;
      yield partial("corrupt", `ubifs: ${path}: ${blocks} damaged, read as zeros (${result.why})`);
    }
    if (result.aborted) {
      yield partial("budget-time", `ubifs: time budget ran out while reading ${path}`);
      break;
    }
  }
  if (unread.length > 0) {
    const shown =
      unread.slice(0, 20).join(", ") + (unread.length > 20 ? ` and ${unread.length - 20} more` : "");
    const reason = unread.some((entry) => entry.endsWith("(fscrypt-encrypted)"))
      ? "encrypted"
      : "unsupported";
    const files = `${unread.length} file${unread.length === 1 ? "" : "s"}`;
    yield partial(reason, `ubifs: ${files} not read: ${shown}`);
  }
}

const ZEROS = new Uint8Array(BLOCK_SIZE);

async function readFile(
  volume: Volume,
  inum: number,
  size: number,
  blocks: Map<number, DataRef>,
  path: string,
  context: ExtractContext,
): Promise<{ writer: ChildWriter; bad: number; why: string; unsupported?: string; aborted: boolean }> {
  const writer = new ChildWriter(context.tempDir, path);
  const count = Math.ceil(size / BLOCK_SIZE);
  let bad = 0;
  let why = "";
  for (let block = 0; block < count; block += 1) {
    if (block % 256 === 0 && context.signal.aborted) return { writer, bad, why, aborted: true };
    const length = Math.min(BLOCK_SIZE, size - block * BLOCK_SIZE);
    const ref = blocks.get(block);
    let data: Uint8Array | string = ZEROS;
    if (ref !== undefined) {
      const lnum = Math.floor(ref.at / volume.sb.lebSize);
      const node = await volume.node(lnum, ref.at - lnum * volume.sb.lebSize, ref.len);
      if (typeof node === "string") data = node;
      else if (isDataBlock(node, inum, block)) data = blockData(node);
      else data = `the index points at a node other than block ${block} of inode ${inum}`;
    }
    if (typeof data === "string") {
      if (data.startsWith("unknown compression"))
        return { writer, bad, why, unsupported: data, aborted: false };
      bad += 1;
      why ||= data;
      data = ZEROS;
    }
    // A block shorter than its place in the file (the file's last block or a hole within it) ends in zeros.
    await writer.write(data.length >= length ? data.subarray(0, length) : padded(data, length));
  }
  return { writer, bad, why, aborted: false };
}

/** True when `node` is a data node whose key is (inum, block). */
function isDataBlock(node: Uint8Array, inum: number, block: number): boolean {
  const view = viewOf(node);
  return (
    node[20] === NodeType.Data &&
    node.length >= DATA_NODE_SIZE &&
    view.getUint32(24, true) === inum &&
    view.getUint32(28, true) === ((KEY_DATA << 29) | block) >>> 0
  );
}

function padded(data: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(data);
  return out;
}

export const ubifsExtractor = {
  name: "ubifs",
  detect: (head: Uint8Array) => typeof parseSuperblock(head) !== "string",
  extract: extractUbifs,
} satisfies Extractor;
