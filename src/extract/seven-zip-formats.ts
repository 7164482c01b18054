import type { ByteSource } from "../model/bytes.js";
import { ascii, startsWith, viewOf } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { strippedName } from "./gzip-extractor.js";
import { extractWithSevenZip } from "./seven-zip.js";
import { squashfsSpareLayout, withoutSpareAreas } from "./nand.js";
import { peLayout, startsAsProgram } from "./pe.js";
import { extractSquashfsOwn, needsOwnSquashfsReader } from "./squashfs-reader.js";
import { extractStreamVmdk } from "./vmdk-stream-extractor.js";
import { isZstd } from "./zstd.js";

/**
 * Formats read by 7-Zip (7z-wasm). Each is a content test plus the 7-Zip type; they share one
 * extraction path (list, apply budgets, extract into the temp dir). Kept in one file because each
 * entry is a few lines; a format that needs its own logic gets its own file.
 */
function sevenZipExtractor(
  name: string,
  type: string | undefined,
  detect: (head: Uint8Array, source: ByteSource) => boolean | Promise<boolean>,
  single?: readonly [string, string][],
): Extractor {
  return {
    name,
    detect,
    extract(source: ByteSource, context: ExtractContext): AsyncIterable<ExtractEvent> {
      return extractWithSevenZip(source, context, {
        via: name,
        ...(type === undefined ? {} : { type }),
        ...(single === undefined ? {} : { singleName: strippedName(context.name, single) }),
      });
    },
  };
}

const u16le = (head: Uint8Array, at: number): number =>
  head.length >= at + 2 ? viewOf(head).getUint16(at, true) : -1;
const u32le = (head: Uint8Array, at: number): number =>
  head.length >= at + 4 ? viewOf(head).getUint32(at, true) : -1;
const u16be = (head: Uint8Array, at: number): number =>
  head.length >= at + 2 ? viewOf(head).getUint16(at, false) : -1;
const u32be = (head: Uint8Array, at: number): number =>
  head.length >= at + 4 ? viewOf(head).getUint32(at, false) : -1;

export function isBzip2(head: Uint8Array, at = 0): boolean {
  const level = head[at + 3] ?? 0;
  return (
    startsWith(head, ascii("BZh"), at) &&
    level >= 0x31 &&
    level <= 0x39 &&
    (startsWith(head, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at + 4) ||
      startsWith(head, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], at + 4))
  );
}

export const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] as const;
export const SEVEN_Z_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] as const;
export const CRAMFS_MAGIC = [0x45, 0x3d, 0xcd, 0x28] as const;

/**
 * An LZMA-alone header (.lzma) as liblzma accepts one, plus what a stream worth opening has: the usual
 * properties byte (lc=3 lp=0 pb=2), a dictionary of 2^n or 2^n + 2^(n-1) bytes, a size that is unknown (all
 * ones) or from 1 byte to below 2^38, and a first byte of compressed data of 0 (the range coder's first
 * byte always is). Carving tried every 5d 00 00 in binaries: 1,509 false candidates in /usr/lib, each a
 * "could not list" entry, passed the looser test this replaces.
 */
export function isLzmaAlone(head: Uint8Array, at = 0): boolean {
  if (head.length < at + 14 || head[at] !== 0x5d || head[at + 13] !== 0) return false;
  const dictionary = u32le(head, at + 1);
  if (dictionary < 1 << 12 || dictionary > 1 << 30) return false;
  const power = dictionary % 3 === 0 ? dictionary / 3 : dictionary;
  if ((power & (power - 1)) !== 0) return false;
  const low = u32le(head, at + 5);
  const high = u32le(head, at + 9);
  if (low === 0xffffffff && high === 0xffffffff) return true;
  return high < 1 << 6 && (low !== 0 || high !== 0);
}

export function isSquashfs(head: Uint8Array, at = 0): boolean {
  if (startsWith(head, ascii("hsqs"), at)) {
    const major = u16le(head, at + 28);
    return major >= 1 && major <= 4;
  }
  if (startsWith(head, ascii("sqsh"), at)) {
    const major = ((head[at + 28] ?? 0) << 8) | (head[at + 29] ?? 0);
    return major >= 1 && major <= 4;
  }
  return false;
}

export function isCramfs(head: Uint8Array, at = 0): boolean {
  return (
    (startsWith(head, CRAMFS_MAGIC, at) || startsWith(head, [0x28, 0xcd, 0x3d, 0x45], at)) &&
    startsWith(head, ascii("Compressed ROMFS"), at + 16)
  );
}

const NSIS_SIGNATURE = [0xef, 0xbe, 0xad, 0xde, ...ascii("NullsoftInst")];

/**
 * An NSIS installer: a PE whose overlay holds the NSIS first header at a 512-byte boundary. The search
 * starts where the PE's image ends (a library without an overlay costs no read), or at the start when the
 * headers cannot be read.
 */
export function isNsis(head: Uint8Array, source: ByteSource): boolean | Promise<boolean> {
  // Answered at once for what is no Windows program: detection asks every artifact.
  return startsAsProgram(head) && nsisSignatureIn(head, source);
}

async function nsisSignatureIn(head: Uint8Array, source: ByteSource): Promise<boolean> {
  const from = Math.floor((peLayout(head)?.imageEnd ?? 0) / 512) * 512;
  const limit = Math.min(source.size, from + 64 * 1024 * 1024);
  const chunk = 4 * 1024 * 1024;
  for (let offset = from; offset < limit; offset += chunk) {
    const bytes =
      offset === 0 && head.length >= Math.min(chunk, limit) ? head : await source.read(offset, chunk);
    for (let i = 0; i + 4 + NSIS_SIGNATURE.length <= bytes.length; i += 512) {
      if (startsWith(bytes, NSIS_SIGNATURE, i + 4)) return true;
    }
  }
  return false;
}

export function isExt(head: Uint8Array): boolean {
  if (u16le(head, 1080) !== 0xef53) return false;
  const logBlock = u32le(head, 1024 + 24);
  return logBlock >= 0 && logBlock <= 6 && u32le(head, 1024) > 0;
}

export function isFat(head: Uint8Array): boolean {
  if (head[510] !== 0x55 || head[511] !== 0xaa) return false;
  if (head[0] !== 0xeb && head[0] !== 0xe9) return false;
  const bytesPerSector = u16le(head, 11);
  const sectorsPerCluster = head[13] ?? 0;
  const fats = head[16] ?? 0;
  return (
    [512, 1024, 2048, 4096].includes(bytesPerSector) &&
    sectorsPerCluster > 0 &&
    (sectorsPerCluster & (sectorsPerCluster - 1)) === 0 &&
    fats >= 1 &&
    fats <= 4
  );
}

export function isIso(head: Uint8Array): boolean {
  return startsWith(head, ascii("CD001"), 0x8001) || startsWith(head, ascii("BEA01"), 0x8001);
}

export function isCpio(head: Uint8Array): boolean {
  return (
    startsWith(head, ascii("070701")) ||
    startsWith(head, ascii("070702")) ||
    startsWith(head, ascii("070707")) ||
    startsWith(head, [0xc7, 0x71]) ||
    startsWith(head, [0x71, 0xc7])
  );
}

const STREAM_SUFFIXES = (ext: string): [string, string][] => [[ext, ""]];

export const bzip2Extractor = sevenZipExtractor("bzip2", "bzip2", (h) => isBzip2(h), [
  [".tbz2", ".tar"],
  [".tbz", ".tar"],
  [".bz2", ""],
]);
export const xzExtractor = sevenZipExtractor("xz", "xz", (h) => startsWith(h, XZ_MAGIC), [
  [".txz", ".tar"],
  [".xz", ""],
]);
export const lzmaExtractor = sevenZipExtractor(
  "lzma",
  "lzma",
  (h) => isLzmaAlone(h),
  STREAM_SUFFIXES(".lzma"),
);
/** A zstd stream; also one that starts with skippable frames, as pzstd writes it. */
export const zstdExtractor = sevenZipExtractor("zstd", "zstd", (h) => isZstd(h), [
  [".tzst", ".tar"],
  [".zst", ""],
]);
export const sevenZExtractor = sevenZipExtractor("7z", "7z", (h) => startsWith(h, SEVEN_Z_MAGIC));
export const rarExtractor = sevenZipExtractor("rar", undefined, (h) =>
  startsWith(h, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]),
);
export const cabExtractor = sevenZipExtractor("cab", "cab", (h) =>
  startsWith(h, [...ascii("MSCF"), 0, 0, 0, 0]),
);
/**
 * A xar archive: a macOS installer package (`.pkg`, whose `Payload` is a gzip or pbzx cpio) or a `.xip`. A
 * 28-byte (or longer) big-endian header of version 1 follows the magic.
 */
export const xarExtractor = sevenZipExtractor(
  "xar",
  "xar",
  (h) => startsWith(h, ascii("xar!")) && u16be(h, 4) >= 28 && u16be(h, 6) === 1,
);
export const cpioExtractor = sevenZipExtractor("cpio", "cpio", (h) => isCpio(h));
export const rpmExtractor = sevenZipExtractor("rpm", "rpm", (h) => startsWith(h, [0xed, 0xab, 0xee, 0xdb]));
const squashfsBase = sevenZipExtractor("squashfs", "squashfs", (h) => isSquashfs(h));

/** 7-Zip 24.09 reads squashfs with gzip, lzma, lzo, xz and zstd; lz4 images go to the built-in reader. */
export const squashfsExtractor = {
  name: "squashfs",
  detect: (head: Uint8Array) => isSquashfs(head),
  async *extract(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
    const head = await source.read(0, 96);
    // Read off a NAND chip with the spare areas of its pages: the image without them is the file system.
    const layout = await squashfsSpareLayout(source, 0, head);
    if (layout !== undefined) yield* withoutSpareAreas(source, context, layout);
    else if (needsOwnSquashfsReader(head)) yield* extractSquashfsOwn(source, context);
    else yield* squashfsBase.extract(source, context);
  },
} satisfies Extractor;
export const cramfsExtractor = sevenZipExtractor("cramfs", "cramfs", (h) => isCramfs(h) || isCramfs(h, 512));
export const chmExtractor = sevenZipExtractor("chm", "chm", (h) => startsWith(h, ascii("ITSF")));
export const oleExtractor = sevenZipExtractor("ole", "compound", (h) =>
  startsWith(h, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
);
export const nsisExtractor = sevenZipExtractor("nsis", "nsis", isNsis);
export const isoExtractor = sevenZipExtractor("iso", undefined, (h) => isIso(h));
export const extExtractor = sevenZipExtractor("ext", "ext", (h) => isExt(h));

/**
 * An HFS+ (`H+`, version 4) or HFSX (`HX`, version 5) volume, as a Mac's disk image holds: its header at
 * 1024, with a block size that is a power of two from 512 bytes.
 */
export function isHfsPlus(head: Uint8Array): boolean {
  const signature = u16be(head, 1024);
  const version = u16be(head, 1026);
  const blockSize = u32be(head, 1024 + 40);
  return (
    ((signature === 0x482b && version === 4) || (signature === 0x4858 && version === 5)) &&
    blockSize >= 512 &&
    (blockSize & (blockSize - 1)) === 0
  );
}
export const hfsExtractor = sevenZipExtractor("hfs", "hfs", (h) => isHfsPlus(h));
export const fatExtractor = sevenZipExtractor("fat", "fat", (h) => isFat(h));

/** A GUID partition table: its header in the second 512-byte sector (revision 1.0, a header of 92+ bytes). */
export function isGpt(head: Uint8Array): boolean {
  return (
    startsWith(head, ascii("EFI PART"), 512) && u32le(head, 520) === 0x00010000 && u32le(head, 524) >= 92
  );
}

/**
 * A disk (or a dump of one: an NVR's eMMC, a camera's SD card, a fixed VHD) with an MBR partition table:
 * the boot signature, four entries whose boot flags are 0x00 or 0x80, and at least one partition that starts
 * inside the file. A FAT or NTFS boot sector (a volume, not a disk) is left to its own reader.
 */
export function isMbr(head: Uint8Array, size: number): boolean {
  if (head.length < 512 || head[510] !== 0x55 || head[511] !== 0xaa || isFat(head)) return false;
  if (startsWith(head, ascii("NTFS    "), 3) || startsWith(head, ascii("EXFAT   "), 3)) return false;
  let partitions = 0;
  for (let entry = 446; entry < 510; entry += 16) {
    const flag = head[entry]!;
    if (flag !== 0x00 && flag !== 0x80) return false;
    const type = head[entry + 4]!;
    const start = u32le(head, entry + 8);
    const sectors = u32le(head, entry + 12);
    if (type === 0) continue;
    if (start === 0 || sectors === 0) return false;
    if (start * 512 < size) partitions++;
  }
  return partitions > 0;
}

/** A virtual hard disk (VHD) that begins with its footer's copy: a dynamic or differencing one. */
export function isVhd(head: Uint8Array): boolean {
  return startsWith(head, ascii("conectix")) && startsWith(head, ascii("cxsparse"), 512);
}

/** An Android sparse image (`system.img` as it ships, `img2simg`'s output): magic, version 1, its header sizes. */
export function isAndroidSparse(head: Uint8Array): boolean {
  return (
    startsWith(head, [0x3a, 0xff, 0x26, 0xed]) &&
    u16le(head, 4) === 1 &&
    u16le(head, 8) === 28 &&
    u16le(head, 10) === 12
  );
}

/**
 * An Apple disk image (UDIF `.dmg`: a macOS client's installer): its 512-byte `koly` trailer ends the file.
 * Only binary files are asked (a NUL in the head: a DMG begins with compressed or raw disk sectors), so text
 * costs no read of its end.
 */
export function isDmg(head: Uint8Array, source: ByteSource): boolean | Promise<boolean> {
  if (source.size < 1024 || head.subarray(0, 4096).indexOf(0) < 0) return false;
  const isTrailer = (trailer: Uint8Array): boolean =>
    startsWith(trailer, ascii("koly")) && u32be(trailer, 4) === 4 && u32be(trailer, 8) === 512;
  // When the head is the whole artifact its trailer is in it: no read, no promise.
  if (head.length >= source.size) return isTrailer(head.subarray(source.size - 512, source.size));
  return source.read(source.size - 512, 512).then(isTrailer);
}

export const gptExtractor = sevenZipExtractor("gpt", "gpt", (h) => isGpt(h));
export const dmgExtractor = sevenZipExtractor("dmg", "dmg", isDmg);
export const mbrExtractor = sevenZipExtractor("mbr", "mbr", (h, source) => isMbr(h, source.size));
export const vhdExtractor = sevenZipExtractor("vhd", "vhd", (h) => isVhd(h), [[".vhd", ".img"]]);
/**
 * Virtual machines' disks, as a video management system's virtual appliance ships them (an `.ova` is a tar of
 * one): VMware's sparse VMDK (also the stream-optimized one, its grains deflated, that `.ova` files hold),
 * Hyper-V's VHDX, QEMU's QCOW2 and VirtualBox's VDI. Each gives the disk it holds, read by 7-Zip.
 */
export function isVmdk(head: Uint8Array): boolean {
  const version = u32le(head, 4);
  return startsWith(head, ascii("KDMV")) && version >= 1 && version <= 3;
}
export function isVhdx(head: Uint8Array): boolean {
  return startsWith(head, ascii("vhdxfile"));
}
export function isQcow(head: Uint8Array): boolean {
  const version = u32be(head, 4);
  return startsWith(head, [0x51, 0x46, 0x49, 0xfb]) && version >= 1 && version <= 3;
}
export function isVdi(head: Uint8Array): boolean {
  return u32le(head, 64) === 0xbeda107f;
}
const vmdkBase = sevenZipExtractor("vmdk", "vmdk", isVmdk, [[".vmdk", ".img"]]);
/** A VMDK whose grains are compressed (flag bit 16): the stream-optimized kind, which 7-Zip 24.09 does not open. */
export function isCompressedVmdk(head: Uint8Array): boolean {
  return isVmdk(head) && (u32le(head, 8) & 0x10000) !== 0;
}
export const vmdkExtractor = {
  name: "vmdk",
  detect: isVmdk,
  async *extract(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
    if (isCompressedVmdk(await source.read(0, 512))) yield* extractStreamVmdk(source, context);
    else yield* vmdkBase.extract(source, context);
  },
} satisfies Extractor;
export const vhdxExtractor = sevenZipExtractor("vhdx", "vhdx", isVhdx, [
  [".avhdx", ".img"],
  [".vhdx", ".img"],
]);
export const qcowExtractor = sevenZipExtractor("qcow", "qcow", isQcow, [
  [".qcow2", ".img"],
  [".qcow", ".img"],
]);
export const vdiExtractor = sevenZipExtractor("vdi", "vdi", isVdi, [[".vdi", ".img"]]);

/**
 * An NTFS volume (a Windows server's partition: a video management system's, in a disk image): its boot
 * sector's OEM name, the boot signature, and a sector size that is a power of two from 256 bytes.
 */
export function isNtfs(head: Uint8Array): boolean {
  const bytesPerSector = u16le(head, 11);
  return (
    startsWith(head, ascii("NTFS    "), 3) &&
    head[510] === 0x55 &&
    head[511] === 0xaa &&
    bytesPerSector >= 256 &&
    bytesPerSector <= 4096 &&
    (bytesPerSector & (bytesPerSector - 1)) === 0
  );
}
/** Where the volume's master file table starts: a copy of the boot sector (`$Boot`) alone holds none. */
function ntfsMftOffset(head: Uint8Array): number {
  const clusterSectors = head[13] ?? 0;
  const cluster = u16le(head, 11) * (clusterSectors <= 0x80 ? clusterSectors : 2 ** (256 - clusterSectors));
  return (u32le(head, 0x30) + u32le(head, 0x34) * 2 ** 32) * cluster;
}
export const ntfsExtractor = sevenZipExtractor(
  "ntfs",
  "ntfs",
  (h, source) => isNtfs(h) && ntfsMftOffset(h) < source.size,
);

/**
 * An APFS container (a newer Mac's disk image holds one): the `NXSB` superblock at 32 and a block size from
 * 4 KiB to 64 KiB. 7-Zip reads its volumes' files.
 */
export function isApfs(head: Uint8Array): boolean {
  const blockSize = u32le(head, 36);
  return (
    startsWith(head, ascii("NXSB"), 32) &&
    blockSize >= 4096 &&
    blockSize <= 65536 &&
    (blockSize & (blockSize - 1)) === 0
  );
}
export const apfsExtractor = sevenZipExtractor("apfs", "apfs", isApfs);

/** Unix `compress` (.Z, LZW): the magic, then 9 to 16 bits at most and no reserved flag. */
export function isCompress(head: Uint8Array): boolean {
  const flags = head[2] ?? 0xff;
  const bits = flags & 0x1f;
  return head[0] === 0x1f && head[1] === 0x9d && (flags & 0x60) === 0 && bits >= 9 && bits <= 16;
}
export const compressExtractor = sevenZipExtractor("compress", "z", isCompress, [
  [".taz", ".tar"],
  [".tz", ".tar"],
  [".z", ""],
]);

export const androidSparseExtractor = sevenZipExtractor(
  "android-sparse",
  "sparse",
  (h) => isAndroidSparse(h),
  [
    [".simg", ".img"],
    [".img", ".raw.img"],
  ],
);
