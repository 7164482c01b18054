import type { ByteSource } from "../model/bytes.js";
import { ascii, partial, startsWith, viewOf } from "./child-writer.js";
import { extractCarved } from "./carve-extractor.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

/**
 * File systems custodiet recognises but has no reader for (nor has 7-Zip): XFS and Btrfs (a Linux
 * appliance's or NVR's data disk), F2FS and EROFS (Android and newer embedded Linux), and an LVM2 physical
 * volume (the logical volumes of a Linux server's disk). Their bytes are searched as they are, which finds
 * text that files keep in one piece, but not by file name; the coverage says so, rather than calling the
 * partition scanned. The volume is then carved like any blob, so that archives and compressed files kept in
 * it in one piece are still opened.
 */

interface Unread {
  /** The extractor's name, the coverage's format. */
  readonly name: "xfs" | "btrfs" | "f2fs" | "erofs" | "lvm2";
  readonly label: string;
  /** The tool that reads it, for someone who wants the files. */
  readonly tool: string;
  readonly test: (head: Uint8Array, source: ByteSource) => boolean | Promise<boolean>;
}

const u32le = (head: Uint8Array, at: number): number =>
  head.length >= at + 4 ? viewOf(head).getUint32(at, true) : -1;
const u32be = (head: Uint8Array, at: number): number =>
  head.length >= at + 4 ? viewOf(head).getUint32(at, false) : -1;
const powerOfTwo = (value: number, low: number, high: number): boolean =>
  value >= low && value <= high && (value & (value - 1)) === 0;

const UNREAD: readonly Unread[] = [
  {
    name: "xfs",
    label: "an XFS file system",
    tool: "xfsprogs (xfs_db, or mount it)",
    // The superblock's magic and its block size (big-endian), 512 bytes to 64 KiB.
    test: (head) => startsWith(head, ascii("XFSB")) && powerOfTwo(u32be(head, 4), 512, 65536),
  },
  {
    name: "btrfs",
    label: "a Btrfs file system",
    tool: "btrfs-progs (btrfs restore)",
    // The superblock at 64 KiB: its magic at 0x40 in it.
    test: (head, source) =>
      source.size >= 0x10000 + 0x1000 &&
      (head.length >= 0x10048
        ? startsWith(head, ascii("_BHRfS_M"), 0x10040)
        : source.read(0x10040, 8).then((magic) => startsWith(magic, ascii("_BHRfS_M")))),
  },
  {
    name: "f2fs",
    label: "an F2FS file system",
    tool: "f2fs-tools (or mount it)",
    test: (head) =>
      u32le(head, 1024) === 0xf2f52010 && powerOfTwo(2 ** (u32le(head, 1024 + 16) >>> 0), 512, 65536),
  },
  {
    name: "erofs",
    label: "an EROFS file system",
    tool: "erofs-utils (fsck.erofs --extract)",
    test: (head) =>
      u32le(head, 1024) === 0xe0f5e1e2 && (head[1024 + 12] ?? 0) >= 9 && (head[1024 + 12] ?? 0) <= 16,
  },
  {
    name: "lvm2",
    label: "an LVM2 physical volume",
    tool: "lvm2 (vgchange -ay, then read the logical volumes)",
    test: (head) => startsWith(head, ascii("LABELONE"), 512) && startsWith(head, ascii("LVM2 001"), 512 + 24),
  },
];

/** One extractor per file system, named for it. */
function unreadExtractor(unread: Unread): Extractor {
  return {
    name: unread.name,
    detect: (head, source) => unread.test(head, source),
    async *extract(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
      yield* extractCarved(source, context);
      yield partial(
        "unsupported",
        `${unread.label}: its bytes are searched as they are, its files are not read by name (no reader here; ${unread.tool} reads them)`,
      );
    },
  };
}

export const unreadFileSystemExtractors = Object.fromEntries(
  UNREAD.map((unread) => [unread.name, unreadExtractor(unread)]),
) as Readonly<Record<Unread["name"], Extractor>>;
