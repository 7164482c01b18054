#!/usr/bin/env node
// Builds container fixtures for the extractor tests: real tools where they exist (mksquashfs, genisoimage,
// mkfs.*, gcab, makensis, wixl), 7z-wasm for 7z/bzip2/xz, Node (zlib, fflate) and small hand-written
// writers for the simple formats (zip64, tar, cpio, ar, rar4 store, uImage, zstd raw frame, DEX, ARSC, PDF).
// Usage: node scripts/build-fixtures.mjs [outDir]   (default test/fixtures/containers)
// Never commits or downloads vendor binaries: every byte is generated here.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  readFileSync,
  truncateSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { constants as zlibConstants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { zipSync, strToU8 } from "fflate";

const require = createRequire(import.meta.url);

/** The marker every fixture's payload contains, so tests can find the leaf. */
export const MARKER = "CUSTODIET-FIXTURE-MARKER";
/** The nation-type enum as it appears in a Dahua SDK. */
export const ENUM_TEXT = "EM_NATION_TYPE_UYGUR";

const utf16le = (text) => Buffer.from(text, "utf16le");

/** A fake shared library: ELF-ish header, a UTF-16LE string table with the enum, the marker in ASCII. */
export function libfaceBytes() {
  return Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    Buffer.alloc(56),
    Buffer.from(`${MARKER}\0`),
    Buffer.alloc(3),
    utf16le(`EM_NATION_TYPE_HAN\0${ENUM_TEXT}\0EM_NATION_TYPE_OTHER\0`),
    Buffer.alloc(64),
  ]);
}

// ---------------------------------------------------------------- checksums

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A 10,000-byte file for JFFS2 (4 KiB data nodes): letters, then the nation-type string table in UTF-16LE
 * placed so that `ENUM_TEXT` (at `JFFS2_ENUM_AT`) straddles the first page boundary and is only found when
 * the pages are joined in order.
 */
export const JFFS2_ENUM_AT = 4096 - 14;
export function jffs2PageFile() {
  const out = Buffer.alloc(10000);
  let x = 1;
  for (let i = 0; i < out.length; i += 1) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = 0x61 + ((x >> 16) % 26);
  }
  const before = utf16le("EM_NATION_TYPE_HAN\0");
  const table = Buffer.concat([
    Buffer.alloc(64),
    before,
    utf16le(`${ENUM_TEXT}\0EM_NATION_TYPE_OTHER\0`),
    Buffer.alloc(64),
  ]);
  table.copy(out, JFFS2_ENUM_AT - 64 - before.length);
  return out;
}

// ---------------------------------------------------------------- hand-written writers

/** A zip with zip64 extra fields and zip64 end records on every entry (stored). */
export function zip64(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const extra = Buffer.alloc(20);
    extra.writeUInt16LE(1, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(BigInt(data.length), 4);
    extra.writeBigUInt64LE(BigInt(data.length), 12);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    locals.push(local, nameBytes, extra, data);
    const cextra = Buffer.alloc(28);
    cextra.writeUInt16LE(1, 0);
    cextra.writeUInt16LE(24, 2);
    cextra.writeBigUInt64LE(BigInt(data.length), 4);
    cextra.writeBigUInt64LE(BigInt(data.length), 12);
    cextra.writeBigUInt64LE(BigInt(offset), 20);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(45, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(0xffffffff, 20);
    central.writeUInt32LE(0xffffffff, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(cextra.length, 30);
    central.writeUInt32LE(0xffffffff, 42);
    centrals.push(central, nameBytes, cextra);
    offset += 30 + nameBytes.length + extra.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const z64 = Buffer.alloc(56);
  z64.writeUInt32LE(0x06064b50, 0);
  z64.writeBigUInt64LE(44n, 4);
  z64.writeUInt16LE(45, 12);
  z64.writeUInt16LE(45, 14);
  z64.writeBigUInt64LE(BigInt(files.length), 24);
  z64.writeBigUInt64LE(BigInt(files.length), 32);
  z64.writeBigUInt64LE(BigInt(cd.length), 40);
  z64.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...locals, cd, z64, locator, eocd]);
}

/** A zip (via fflate) with a symlink member (unix mode 0120777) and traversal names. */
export function zipWithUnixModes(files) {
  const input = {};
  for (const [name, data, mode] of files) {
    input[name] = [data, { level: 0, os: 3, attrs: mode === undefined ? undefined : (mode << 16) >>> 0 }];
  }
  return Buffer.from(zipSync(input));
}

function tarHeader(name, size, type, extra = {}) {
  const header = Buffer.alloc(512);
  header.write(name.slice(0, 100), 0, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(size.toString(8).padStart(11, "0") + "\0", 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write(type, 156);
  if (extra.linkname) header.write(extra.linkname, 157);
  header.write(extra.gnu ? "ustar  \0" : "ustar\0" + "00", 257);
  if (extra.prefix) header.write(extra.prefix, 345);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return header;
}
const pad512 = (data) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

/**
 * A tar with ustar, GNU long-name and pax entries. Entries: [name, data] regular files,
 * [name, null, {symlink: target}] symbolic links, [name, data, {format: "gnu"|"pax"}].
 */
export function tar(entries) {
  const parts = [];
  for (const [name, data, options = {}] of entries) {
    if (options.symlink !== undefined) {
      parts.push(tarHeader(name, 0, "2", { linkname: options.symlink }));
      continue;
    }
    if (options.format === "gnu") {
      const longName = Buffer.from(name + "\0");
      parts.push(tarHeader("././@LongLink", longName.length, "L", { gnu: true }), pad512(longName));
      parts.push(tarHeader(name.slice(0, 99), data.length, "0", { gnu: true }), pad512(data));
      continue;
    }
    if (options.format === "pax") {
      const record = (key, value) => {
        const body = ` ${key}=${value}\n`;
        let length = Buffer.byteLength(body) + 1;
        while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
        return `${length}${body}`;
      };
      const pax = Buffer.from(record("path", name));
      parts.push(tarHeader("PaxHeaders/x", pax.length, "x"), pad512(pax));
      parts.push(tarHeader("placeholder", data.length, "0"), pad512(data));
      continue;
    }
    parts.push(tarHeader(name, data.length, "0"), pad512(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** cpio "newc": [name, data] or [name, target, {symlink: true}]. */
export function cpioNewc(entries) {
  const parts = [];
  let ino = 1;
  const pad4 = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  const add = (name, data, mode) => {
    const nameBytes = Buffer.from(name + "\0");
    const hex = (n) => n.toString(16).padStart(8, "0");
    const header =
      "070701" +
      hex(ino++) +
      hex(mode) +
      hex(0) +
      hex(0) +
      hex(1) +
      hex(0) +
      hex(data.length) +
      hex(0) +
      hex(0) +
      hex(0) +
      hex(0) +
      hex(nameBytes.length) +
      hex(0);
    parts.push(Buffer.from(header), nameBytes, pad4(110 + nameBytes.length), data, pad4(data.length));
  };
  for (const [name, data, options = {}] of entries) {
    if (options.symlink) add(name, Buffer.from(data), 0o120777);
    else add(name, data, 0o100644);
  }
  add("TRAILER!!!", Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

/** A Unix ar archive (also the outer format of .deb). */
export function ar(entries) {
  const parts = [Buffer.from("!<arch>\n")];
  for (const [name, data] of entries) {
    const header = Buffer.alloc(60, 0x20);
    header.write(`${name}/`, 0);
    header.write("0", 16);
    header.write("0", 28);
    header.write("0", 34);
    header.write("100644", 40);
    header.write(String(data.length), 48);
    header.write("`\n", 58);
    parts.push(header, data);
    if (data.length % 2) parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

/**
 * An Electron asar archive around a header `json` (a string, taken as is) and the files' bytes `data`: a
 * pickle holding the header pickle's size, then the header pickle (payload size, JSON length, the JSON padded
 * to 4 bytes), then the data.
 */
export function asarPickle(json, data = Buffer.alloc(0)) {
  const text = Buffer.from(json);
  const padded = Math.ceil(text.length / 4) * 4;
  const header = Buffer.alloc(8 + padded);
  header.writeUInt32LE(4 + padded, 0);
  header.writeUInt32LE(text.length, 4);
  text.copy(header, 8);
  const size = Buffer.alloc(8);
  size.writeUInt32LE(4, 0);
  size.writeUInt32LE(header.length, 4);
  return Buffer.concat([size, header, data]);
}

/**
 * An asar archive as @electron/asar writes it: entries are [path, bytes] for files (stored one after
 * another, offsets as decimal strings), [path, {link}] for links and [path, {unpacked: true, size}] for
 * files left in app.asar.unpacked.
 */
export function asarArchive(entries) {
  const root = { files: {} };
  const data = [];
  let offset = 0;
  for (const [path, value] of entries) {
    const names = path.split("/");
    let dir = root;
    for (const name of names.slice(0, -1)) dir = dir.files[name] ??= { files: {} };
    const name = names.at(-1);
    if (value instanceof Uint8Array) {
      dir.files[name] = { size: value.length, offset: String(offset) };
      data.push(value);
      offset += value.length;
    } else dir.files[name] = value;
  }
  return asarPickle(JSON.stringify(root), Buffer.concat(data));
}

const SECTOR = 512;

/**
 * A disk with an MBR partition table: `partitions` are [type, bytes], laid out one after another from
 * sector 2,048 (1 MiB, as partitioning tools align them), each rounded up to whole sectors.
 */
export function mbrDisk(partitions) {
  let lba = 2048;
  const placed = partitions.map(([type, bytes]) => {
    const at = lba;
    lba += Math.ceil(bytes.length / SECTOR) + 8;
    return { type, bytes, at };
  });
  const disk = Buffer.alloc(lba * SECTOR);
  placed.forEach(({ type, bytes, at }, index) => {
    const entry = 446 + 16 * index;
    // CHS fields as tools write them for LBA-addressed partitions (1023/254/63: use the LBA).
    disk.set([0x00, 0xfe, 0xff, 0xff, type, 0xfe, 0xff, 0xff], entry);
    disk.writeUInt32LE(at, entry + 8);
    disk.writeUInt32LE(Math.ceil(bytes.length / SECTOR), entry + 12);
    Buffer.from(bytes).copy(disk, at * SECTOR);
  });
  disk[510] = 0x55;
  disk[511] = 0xaa;
  return disk;
}

/** The on-disk bytes of a GUID given as text (mixed-endian, as GPT stores it). */
function guidBytes(text) {
  const hex = text.replaceAll("-", "");
  const b = Buffer.from(hex, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/**
 * A disk with a GUID partition table (a protective MBR, the primary header and 128 entries, the partitions
 * from sector 2,048, the backup entries and header at the end): `partitions` are [name, bytes], each a
 * Linux file system partition.
 */
export function gptDisk(partitions) {
  const LINUX = guidBytes("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
  let lba = 2048;
  const placed = partitions.map(([name, bytes]) => {
    const at = lba;
    lba += Math.ceil(bytes.length / SECTOR) + 8;
    return { name, bytes, at, last: at + Math.ceil(bytes.length / SECTOR) - 1 };
  });
  const sectors = lba + 33;
  const disk = Buffer.alloc(sectors * SECTOR);
  // Protective MBR: one partition of type 0xEE over the disk.
  disk.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446);
  disk.writeUInt32LE(1, 446 + 8);
  disk.writeUInt32LE(Math.min(sectors - 1, 0xffffffff), 446 + 12);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  const entries = Buffer.alloc(128 * 128);
  placed.forEach(({ name, bytes, at, last }, index) => {
    const entry = index * 128;
    LINUX.copy(entries, entry);
    guidBytes(`6A1B2C3D-0000-4000-8000-${String(index + 1).padStart(12, "0")}`).copy(entries, entry + 16);
    entries.writeBigUInt64LE(BigInt(at), entry + 32);
    entries.writeBigUInt64LE(BigInt(last), entry + 40);
    entries.write(name, entry + 56, "utf16le");
    Buffer.from(bytes).copy(disk, at * SECTOR);
  });
  const header = (self, backup, entriesAt) => {
    const h = Buffer.alloc(92);
    h.write("EFI PART", 0, "latin1");
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(self), 24);
    h.writeBigUInt64LE(BigInt(backup), 32);
    h.writeBigUInt64LE(2048n, 40);
    h.writeBigUInt64LE(BigInt(sectors - 34), 48);
    guidBytes("11111111-2222-4333-8444-555555555555").copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesAt), 72);
    h.writeUInt32LE(128, 80);
    h.writeUInt32LE(128, 84);
    h.writeUInt32LE(crc32(entries), 88);
    h.writeUInt32LE(crc32(h), 16);
    return h;
  };
  header(1, sectors - 1, 2).copy(disk, SECTOR);
  entries.copy(disk, 2 * SECTOR);
  entries.copy(disk, (sectors - 33) * SECTOR);
  header(sectors - 1, 1, sectors - 33).copy(disk, (sectors - 1) * SECTOR);
  return disk;
}

/** The footer of a virtual hard disk (VHD) of `size` bytes and `type` (2 fixed, 3 dynamic). */
function vhdFooter(size, type, dataOffset) {
  const footer = Buffer.alloc(SECTOR);
  footer.write("conectix", 0, "latin1");
  footer.writeUInt32BE(2, 8);
  footer.writeUInt32BE(0x00010000, 12);
  footer.writeBigUInt64BE(dataOffset, 16);
  footer.write("cstd", 28, "latin1");
  footer.writeUInt32BE(0x00010000, 32);
  footer.write("Wi2k", 36, "latin1");
  footer.writeBigUInt64BE(BigInt(size), 40);
  footer.writeBigUInt64BE(BigInt(size), 48);
  footer.writeUInt16BE(Math.ceil(size / SECTOR / (16 * 63)), 56);
  footer[58] = 16;
  footer[59] = 63;
  footer.writeUInt32BE(type, 60);
  for (let i = 68; i < 84; i++) footer[i] = i;
  let sum = 0;
  for (const byte of footer) sum += byte;
  footer.writeUInt32BE(~sum >>> 0, 64);
  return footer;
}

/**
 * A dynamic VHD (as Hyper-V and VirtualBox write them) holding `disk`: a copy of the footer, the dynamic
 * header, the block allocation table, then each 2 MiB block that holds data (its sector bitmap, all set,
 * and its sectors); blocks of zeros are left unallocated. The footer ends the file.
 */
export function vhdDynamic(disk) {
  const BLOCK = 2 * 1024 * 1024;
  const blocks = Math.ceil(disk.length / BLOCK);
  const size = blocks * BLOCK;
  const footer = vhdFooter(size, 3, 512n);
  const tableBytes = Math.ceil((blocks * 4) / SECTOR) * SECTOR;
  const header = Buffer.alloc(1024);
  header.write("cxsparse", 0, "latin1");
  header.writeBigUInt64BE(0xffffffffffffffffn, 8);
  header.writeBigUInt64BE(1536n, 16);
  header.writeUInt32BE(0x00010000, 24);
  header.writeUInt32BE(blocks, 28);
  header.writeUInt32BE(BLOCK, 32);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.writeUInt32BE(~sum >>> 0, 36);
  const table = Buffer.alloc(tableBytes, 0xff);
  const parts = [];
  let sector = (1536 + tableBytes) / SECTOR;
  const bitmap = Buffer.alloc(SECTOR, 0xff);
  for (let index = 0; index < blocks; index++) {
    const data = Buffer.alloc(BLOCK);
    Buffer.from(disk.subarray(index * BLOCK, (index + 1) * BLOCK)).copy(data);
    if (data.every((byte) => byte === 0)) continue;
    table.writeUInt32BE(sector, index * 4);
    parts.push(bitmap, data);
    sector += (SECTOR + BLOCK) / SECTOR;
  }
  return Buffer.concat([footer, header, table, ...parts, footer]);
}

/**
 * An Android sparse image (what `img2simg` writes, how `system.img` ships) of `image`: 4 KiB blocks, runs
 * of zero blocks as "don't care" chunks, the others as raw chunks.
 */
export function androidSparse(image) {
  const BLOCK = 4096;
  const blocks = Math.ceil(image.length / BLOCK);
  const padded = Buffer.alloc(blocks * BLOCK);
  Buffer.from(image).copy(padded);
  const chunks = [];
  for (let index = 0; index < blocks;) {
    const zero = padded.subarray(index * BLOCK, (index + 1) * BLOCK).every((byte) => byte === 0);
    let end = index + 1;
    while (
      end < blocks &&
      padded.subarray(end * BLOCK, (end + 1) * BLOCK).every((byte) => byte === 0) === zero
    )
      end++;
    const header = Buffer.alloc(12);
    header.writeUInt16LE(zero ? 0xcac3 : 0xcac1, 0);
    header.writeUInt32LE(end - index, 4);
    header.writeUInt32LE(12 + (zero ? 0 : (end - index) * BLOCK), 8);
    chunks.push(header);
    if (!zero) chunks.push(padded.subarray(index * BLOCK, end * BLOCK));
    index = end;
  }
  const header = Buffer.alloc(28);
  header.writeUInt32LE(0xed26ff3a, 0);
  header.writeUInt16LE(1, 4);
  header.writeUInt16LE(0, 6);
  header.writeUInt16LE(28, 8);
  header.writeUInt16LE(12, 10);
  header.writeUInt32LE(BLOCK, 12);
  header.writeUInt32LE(blocks, 16);
  header.writeUInt32LE(chunks.filter((chunk) => chunk.length === 12).length, 20);
  return Buffer.concat([header, ...chunks]);
}

/**
 * An Apple disk image (UDIF `.dmg`, laid out as Apple documents it) of `image`: its sectors in 64 KiB chunks,
 * zlib-compressed, stored raw (every third) or left out when all zeros, one partition described by a `mish`
 * block in the XML property list, and the 512-byte `koly` trailer at the end.
 */
export function udifImage(image, name = "disk image (DOS_FAT_32 : 1)") {
  const CHUNK = 64 * 1024;
  const sectors = Math.ceil(image.length / SECTOR);
  const padded = Buffer.alloc(sectors * SECTOR);
  Buffer.from(image).copy(padded);
  const data = [];
  const entries = [];
  let offset = 0;
  for (let at = 0, index = 0; at < padded.length; at += CHUNK, index++) {
    const part = padded.subarray(at, Math.min(padded.length, at + CHUNK));
    let type = 0x80000005;
    let bytes = deflateSync(part);
    if (part.every((byte) => byte === 0)) [type, bytes] = [2, Buffer.alloc(0)];
    else if (index % 3 === 1) [type, bytes] = [1, part];
    entries.push({ type, first: at / SECTOR, count: part.length / SECTOR, offset, length: bytes.length });
    data.push(bytes);
    offset += bytes.length;
  }
  entries.push({ type: 0xffffffff, first: sectors, count: 0, offset, length: 0 });
  const mish = Buffer.alloc(204 + 40 * entries.length);
  mish.write("mish", 0, "latin1");
  mish.writeUInt32BE(1, 4);
  mish.writeBigUInt64BE(BigInt(sectors), 16);
  mish.writeUInt32BE(0x208, 32);
  mish.writeUInt32BE(entries.length, 200);
  entries.forEach((entry, index) => {
    const at = 204 + 40 * index;
    mish.writeUInt32BE(entry.type >>> 0, at);
    mish.writeBigUInt64BE(BigInt(entry.first), at + 8);
    mish.writeBigUInt64BE(BigInt(entry.count), at + 16);
    mish.writeBigUInt64BE(BigInt(entry.offset), at + 24);
    mish.writeBigUInt64BE(BigInt(entry.length), at + 32);
  });
  const plist = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ' +
      '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n<key>resource-fork</key>\n' +
      "<dict>\n<key>blkx</key>\n<array>\n<dict>\n<key>Attributes</key>\n<string>0x0050</string>\n" +
      `<key>CFName</key>\n<string>${name}</string>\n<key>Data</key>\n<data>\n${mish.toString("base64")}\n</data>\n` +
      `<key>ID</key>\n<string>0</string>\n<key>Name</key>\n<string>${name}</string>\n</dict>\n</array>\n</dict>\n</dict>\n</plist>\n`,
  );
  const fork = Buffer.concat(data);
  const koly = Buffer.alloc(512);
  koly.write("koly", 0, "latin1");
  koly.writeUInt32BE(4, 4);
  koly.writeUInt32BE(512, 8);
  koly.writeUInt32BE(1, 12);
  koly.writeBigUInt64BE(BigInt(fork.length), 32);
  koly.writeUInt32BE(1, 56);
  koly.writeUInt32BE(1, 60);
  koly.writeBigUInt64BE(BigInt(fork.length), 216);
  koly.writeBigUInt64BE(BigInt(plist.length), 224);
  koly.writeUInt32BE(1, 488);
  koly.writeBigUInt64BE(BigInt(sectors), 492);
  return Buffer.concat([fork, plist, koly]);
}

/** A RAR 4 archive with stored (uncompressed) files. */
export function rar4(files) {
  const block = (type, flags, body) => {
    const header = Buffer.alloc(7);
    header.writeUInt8(type, 2);
    header.writeUInt16LE(flags, 3);
    header.writeUInt16LE(7 + body.length, 5);
    const all = Buffer.concat([header, body]);
    all.writeUInt16LE(crc32(all.subarray(2)) & 0xffff, 0);
    return all;
  };
  const parts = [Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00]), block(0x73, 0, Buffer.alloc(6))];
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name);
    const body = Buffer.alloc(25 + nameBytes.length);
    body.writeUInt32LE(data.length, 0);
    body.writeUInt32LE(data.length, 4);
    body.writeUInt8(3, 8);
    body.writeUInt32LE(crc32(data), 9);
    body.writeUInt32LE(0x5a210000, 13);
    body.writeUInt8(20, 17);
    body.writeUInt8(0x30, 18);
    body.writeUInt16LE(nameBytes.length, 19);
    body.writeUInt32LE((0o100644 << 16) >>> 0, 21);
    nameBytes.copy(body, 25);
    parts.push(block(0x74, 0x8000, body), data);
  }
  parts.push(block(0x7b, 0x4000, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** A U-Boot legacy image around `payload` (type 5 = filesystem/ramdisk, compression 0 = none). */
export function uImage(payload, name = "rootfs", type = 5, compression = 0) {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x27051956, 0);
  header.writeUInt32BE(0x5f000000, 8);
  header.writeUInt32BE(payload.length, 12);
  header.writeUInt32BE(crc32(payload), 24);
  header.writeUInt8(5, 28);
  header.writeUInt8(2, 29);
  header.writeUInt8(type, 30);
  header.writeUInt8(compression, 31);
  header.write(name.slice(0, 31), 32);
  header.writeUInt32BE(crc32(header), 4);
  return Buffer.concat([header, payload]);
}

/** Quoted-printable (RFC 2045): bytes outside printable ASCII and "=" as =XX, soft line breaks before 76. */
export function quotedPrintable(text) {
  const lines = [];
  let line = "";
  for (const byte of Buffer.from(text)) {
    const piece =
      byte === 0x0a
        ? "\n"
        : byte >= 0x21 && byte <= 0x7e && byte !== 0x3d
          ? String.fromCharCode(byte)
          : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    if (piece === "\n") {
      lines.push(line);
      line = "";
      continue;
    }
    if (line.length + piece.length > 75) {
      lines.push(`${line}=`);
      line = "";
    }
    line += piece;
  }
  lines.push(line);
  return lines.join("\r\n");
}

/** Base64 in lines of 76 characters, as mail writes it. */
export function base64Lines(bytes) {
  return (
    Buffer.from(bytes)
      .toString("base64")
      .match(/.{1,76}/gu) ?? []
  ).join("\r\n");
}

/**
 * A MIME message: header lines, then parts of [content type, transfer encoding, body, extra header lines…].
 * A message inside another needs a boundary of its own.
 */
export function mimeMessage(headers, parts, multipart, boundary = "----=_custodiet_fixture_boundary") {
  const lines = [
    ...headers,
    "MIME-Version: 1.0",
    `Content-Type: multipart/${multipart}; boundary="${boundary}"`,
    "",
    "This is a multi-part message in MIME format.",
  ];
  for (const [type, encoding, body, ...extra] of parts) {
    lines.push(
      `--${boundary}`,
      `Content-Type: ${type}`,
      `Content-Transfer-Encoding: ${encoding}`,
      ...extra,
      "",
      body,
    );
  }
  lines.push(`--${boundary}--`, "");
  return Buffer.from(lines.join("\r\n"), "latin1");
}

/** A zstd frame made of raw (uncompressed) blocks; checks the decoder path without a zstd encoder. */
export function zstdRaw(data) {
  const header = Buffer.alloc(4 + 1 + 8);
  header.writeUInt32LE(0xfd2fb528, 0);
  header.writeUInt8(0xe0, 4); // FCS 8 bytes, single segment
  header.writeBigUInt64LE(BigInt(data.length), 5);
  const blocks = [];
  const max = 128 * 1024;
  for (let offset = 0; offset < data.length || offset === 0; offset += max) {
    const chunk = data.subarray(offset, offset + max);
    const last = offset + max >= data.length ? 1 : 0;
    const value = last | (0 << 1) | (chunk.length << 3);
    blocks.push(Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]), chunk);
    if (data.length === 0) break;
  }
  return Buffer.concat([header, ...blocks]);
}

function guid(text) {
  const hex = text.replace(/[{}-]/g, "");
  const out = Buffer.alloc(16);
  out.writeUInt32LE(parseInt(hex.slice(0, 8), 16), 0);
  out.writeUInt16LE(parseInt(hex.slice(8, 12), 16), 4);
  out.writeUInt16LE(parseInt(hex.slice(12, 16), 16), 6);
  Buffer.from(hex.slice(16), "hex").copy(out, 8);
  return out;
}
function encint(value) {
  const groups = [value & 0x7f];
  for (value = Math.floor(value / 128); value > 0; value = Math.floor(value / 128))
    groups.unshift((value & 0x7f) | 0x80);
  return Buffer.from(groups);
}

/**
 * A minimal CHM (ITSF v3) whose files sit uncompressed in content section 0, as 7-Zip reads them; the
 * directory is a single PMGL chunk. Enough to check that CHM pages come out (compressed LZX sections are
 * read by 7-Zip too, but writing them would need an LZX encoder).
 */
export function chm(files) {
  // The section name list: one section, "Uncompressed" (u16 words: total length, count, then names).
  const section = Buffer.from("Uncompressed", "utf16le");
  const nameList = Buffer.alloc(4 + 2 + section.length + 2);
  nameList.writeUInt16LE(nameList.length / 2, 0);
  nameList.writeUInt16LE(1, 2);
  nameList.writeUInt16LE(section.length / 2, 4);
  section.copy(nameList, 6);
  files = { ...files, "::DataSpace/NameList": nameList };
  const names = Object.keys(files).sort();
  let contentOffset = 0;
  const entries = [];
  const contents = [];
  for (const name of names) {
    const data = Buffer.from(files[name]);
    entries.push(
      Buffer.concat([
        encint(Buffer.byteLength(name)),
        Buffer.from(name),
        encint(0),
        encint(contentOffset),
        encint(data.length),
      ]),
    );
    contents.push(data);
    contentOffset += data.length;
  }
  const chunkSize = 0x1000;
  const chunk = Buffer.alloc(chunkSize);
  chunk.write("PMGL", 0);
  const body = Buffer.concat(entries);
  body.copy(chunk, 20);
  chunk.writeUInt32LE(chunkSize - 20 - body.length, 4);
  chunk.writeInt32LE(-1, 12);
  chunk.writeInt32LE(-1, 16);
  chunk.writeUInt16LE(names.length, chunkSize - 2);
  const itsp = Buffer.alloc(0x54);
  itsp.write("ITSP", 0);
  itsp.writeUInt32LE(1, 4);
  itsp.writeUInt32LE(0x54, 8);
  itsp.writeUInt32LE(0x0a, 12);
  itsp.writeUInt32LE(chunkSize, 16);
  itsp.writeUInt32LE(2, 20);
  itsp.writeUInt32LE(1, 24);
  itsp.writeInt32LE(-1, 28);
  itsp.writeUInt32LE(0, 32);
  itsp.writeUInt32LE(0, 36);
  itsp.writeInt32LE(-1, 40);
  itsp.writeUInt32LE(1, 44);
  itsp.writeUInt32LE(0x409, 48);
  guid("{5D02926A-212E-11D0-9DF9-00A0C922E6EC}").copy(itsp, 52);
  itsp.writeUInt32LE(0x54, 68);
  itsp.writeInt32LE(-1, 72);
  itsp.writeInt32LE(-1, 76);
  itsp.writeInt32LE(-1, 80);
  const directory = Buffer.concat([itsp, chunk]);
  const headerLength = 0x60;
  const section0 = Buffer.alloc(0x18);
  const directoryOffset = headerLength + section0.length;
  const contentStart = directoryOffset + directory.length;
  const total = contentStart + contentOffset;
  section0.writeUInt32LE(0x01fe, 0);
  section0.writeBigUInt64LE(BigInt(total), 8);
  const header = Buffer.alloc(headerLength);
  header.write("ITSF", 0);
  header.writeUInt32LE(3, 4);
  header.writeUInt32LE(headerLength, 8);
  header.writeUInt32LE(1, 12);
  header.writeUInt32LE(0x409, 20);
  guid("{7C01FD10-7BAA-11D0-9E0C-00A0C922E6EC}").copy(header, 24);
  guid("{7C01FD11-7BAA-11D0-9E0C-00A0C922E6EC}").copy(header, 40);
  header.writeBigUInt64LE(BigInt(headerLength), 56);
  header.writeBigUInt64LE(BigInt(section0.length), 64);
  header.writeBigUInt64LE(BigInt(directoryOffset), 72);
  header.writeBigUInt64LE(BigInt(directory.length), 80);
  header.writeBigUInt64LE(BigInt(contentStart), 88);
  return Buffer.concat([header, section0, directory, ...contents]);
}

/** A minimal DEX file: header plus a string table (MUTF-8). */
export function dex(strings) {
  const sorted = [...strings];
  const data = [];
  const headerSize = 0x70;
  const idsOffset = headerSize;
  let dataOffset = idsOffset + sorted.length * 4;
  const ids = Buffer.alloc(sorted.length * 4);
  for (const [index, text] of sorted.entries()) {
    const bytes = Buffer.from(text, "utf8");
    const units = [...text].reduce((n, ch) => n + (ch.codePointAt(0) > 0xffff ? 2 : 1), 0);
    const uleb = [];
    let value = units;
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value) byte |= 0x80;
      uleb.push(byte);
    } while (value);
    ids.writeUInt32LE(dataOffset, index * 4);
    const item = Buffer.concat([Buffer.from(uleb), bytes, Buffer.from([0])]);
    data.push(item);
    dataOffset += item.length;
  }
  const header = Buffer.alloc(headerSize);
  header.write("dex\n035\0", 0, "latin1");
  header.writeUInt32LE(dataOffset, 0x20);
  header.writeUInt32LE(headerSize, 0x24);
  header.writeUInt32LE(0x12345678, 0x28);
  header.writeUInt32LE(sorted.length, 0x38);
  header.writeUInt32LE(idsOffset, 0x3c);
  return Buffer.concat([header, ids, ...data]);
}

/** A resources.arsc: ResTable with a UTF-16 global pool and a package with a UTF-8 key pool. */
export function arsc(globalStrings, keyStrings) {
  const pool = (strings, utf8) => {
    const encoded = strings.map((text) => {
      if (utf8) {
        const bytes = Buffer.from(text, "utf8");
        return Buffer.concat([Buffer.from([text.length, bytes.length]), bytes, Buffer.from([0])]);
      }
      const length = Buffer.alloc(2);
      length.writeUInt16LE(text.length);
      return Buffer.concat([length, Buffer.from(text, "utf16le"), Buffer.alloc(2)]);
    });
    const offsets = Buffer.alloc(strings.length * 4);
    let position = 0;
    for (const [index, item] of encoded.entries()) {
      offsets.writeUInt32LE(position, index * 4);
      position += item.length;
    }
    let body = Buffer.concat(encoded);
    body = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const header = Buffer.alloc(28);
    header.writeUInt16LE(1, 0);
    header.writeUInt16LE(28, 2);
    header.writeUInt32LE(28 + offsets.length + body.length, 4);
    header.writeUInt32LE(strings.length, 8);
    header.writeUInt32LE(utf8 ? 0x100 : 0, 16);
    header.writeUInt32LE(28 + offsets.length, 20);
    return Buffer.concat([header, offsets, body]);
  };
  const keyPool = pool(keyStrings, true);
  const packageHeader = Buffer.alloc(288);
  packageHeader.writeUInt16LE(0x0200, 0);
  packageHeader.writeUInt16LE(288, 2);
  packageHeader.writeUInt32LE(288 + keyPool.length, 4);
  packageHeader.writeUInt32LE(0x7f, 8);
  const packageChunk = Buffer.concat([packageHeader, keyPool]);
  const globalPool = pool(globalStrings, false);
  const table = Buffer.alloc(12);
  table.writeUInt16LE(2, 0);
  table.writeUInt16LE(12, 2);
  table.writeUInt32LE(12 + globalPool.length + packageChunk.length, 4);
  table.writeUInt32LE(1, 8);
  return Buffer.concat([table, globalPool, packageChunk]);
}

/** An Android binary XML (AndroidManifest.xml): a ResXMLTree chunk whose string pool holds `strings`. */
export function binaryXml(strings) {
  const table = arsc(strings, []);
  // arsc() builds [table header][global pool][package]; take the global pool.
  const poolSize = table.readUInt32LE(12 + 4);
  const pool = table.subarray(12, 12 + poolSize);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0003, 0);
  header.writeUInt16LE(8, 2);
  header.writeUInt32LE(8 + pool.length, 4);
  return Buffer.concat([header, pool]);
}

/**
 * A PDF with one text line per page. Latin pages use Helvetica; CJK pages use the non-embedded
 * STSong-Light with the predefined UniGB-UCS2-H CMap, so extraction needs pdf.js's bundled cMaps.
 */
export function pdf(pages) {
  const objects = [];
  const add = (body) => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add(null);
  const pagesId = add(null);
  const helvetica = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  const cidFont = add(
    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor " +
      (objects.length + 2) +
      " 0 R /DW 1000 >>",
  );
  const song = add(
    `<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [${cidFont} 0 R] >>`,
  );
  add(
    "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
  );
  const pageIds = [];
  for (const lines of pages) {
    const ops = ["BT"];
    let y = 780;
    for (const line of Array.isArray(lines) ? lines : [lines]) {
      // eslint-disable-next-line no-control-regex
      const cjk = /[^\x00-\x7f]/.test(line);
      if (cjk) {
        const hex = Buffer.from(line, "utf16le").swap16().toString("hex").toUpperCase();
        ops.push(`/F2 14 Tf 1 0 0 1 60 ${y} Tm <${hex}> Tj`);
      } else {
        const escaped = line.replace(/[\\()]/g, (c) => `\\${c}`);
        ops.push(`/F1 12 Tf 1 0 0 1 60 ${y} Tm (${escaped}) Tj`);
      }
      y -= 24;
    }
    ops.push("ET");
    const stream = ops.join("\n");
    const content = add(`<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`);
    pageIds.push(
      add(
        `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /Font << /F1 ${helvetica} 0 R /F2 ${song} 0 R >> >> >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R >>`;
  objects[pagesId - 1] =
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageIds.length} >>`;
  let out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets = [];
  for (const [index, body] of objects.entries()) {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${index + 1} 0 obj\n${body}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** DOCX/XLSX/PPTX with the term split across runs. */
export function ooxml(kind) {
  const types = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`;
  const files = { "[Content_Types].xml": strToU8(types), "_rels/.rels": strToU8("<Relationships/>") };
  if (kind === "docx") {
    files["word/document.xml"] = strToU8(
      `<?xml version="1.0"?><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>人脸属性：</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>肤</w:t></w:r><w:r><w:t>色</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">Skin </w:t></w:r><w:r><w:t>col</w:t></w:r><w:r><w:t>our &amp; race</w:t></w:r></w:p></w:body></w:document>`,
    );
  } else if (kind === "xlsx") {
    files["xl/sharedStrings.xml"] = strToU8(
      `<?xml version="1.0"?><sst><si><t>种族</t></si><si><r><t>EM_NATION_</t></r><r><t>TYPE_UYGUR</t></r></si></sst>`,
    );
    files["xl/worksheets/sheet1.xml"] = strToU8(
      `<worksheet><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>`,
    );
  } else {
    files["ppt/slides/slide1.xml"] = strToU8(
      `<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Eth</a:t></a:r><a:r><a:t>nicity</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
    );
  }
  files["word/media/embedded.bin"] = kind === "docx" ? Buffer.from(`${MARKER} embedded`) : undefined;
  for (const key of Object.keys(files)) if (files[key] === undefined) delete files[key];
  return Buffer.from(zipSync(files, { level: 6 }));
}

/**
 * A zip bomb: one member of `mebibytes` MiB of zeros. A 1 MiB block of zeros is deflated once with a
 * full flush (byte-aligned, no state carried) and repeated, so a gigabyte builds in milliseconds; the
 * result is a valid deflate stream of ~1 KB per MiB. `declaredSize` lets the header lie.
 */
/**
 * A Windows PE program of two sections, .text holding `text` and .rsrc holding the RCDATA resource 11111
 * (`resource`), with `overlay` appended after its image: the shape of an Inno Setup installer (the setup
 * loader, its offset table as that resource, its data after the image). `dosTable`, when given, is written
 * at 0x30 the way loaders before Inno Setup 5.1.5 name their table: `Inno`, the offset, its complement.
 */
export function peProgram({ text, resource, overlay = Buffer.alloc(0), dosTable }) {
  const fileAlign = 0x200;
  const align = (n) => Math.ceil(n / fileAlign) * fileAlign;
  const textRaw = Buffer.alloc(align(Math.max(text.length, 1)));
  Buffer.from(text).copy(textRaw);
  // Resource tree: type 10 (RCDATA) → id 11111 → language 1033 → data entry → the bytes.
  const rsrcVa = 0x1000 + Math.ceil(textRaw.length / 0x1000) * 0x1000;
  const tree = Buffer.alloc(0x58);
  const directory = (at, id, target) => {
    tree.writeUInt16LE(1, at + 14);
    tree.writeUInt32LE(id, at + 16);
    tree.writeUInt32LE(target >>> 0, at + 20);
  };
  directory(0x00, 10, 0x80000000 | 0x18);
  directory(0x18, 11111, 0x80000000 | 0x30);
  directory(0x30, 1033, 0x48);
  tree.writeUInt32LE(rsrcVa + 0x58, 0x48);
  tree.writeUInt32LE(resource.length, 0x4c);
  const rsrc = Buffer.concat([tree, Buffer.from(resource)]);
  const rsrcRaw = Buffer.alloc(align(rsrc.length));
  rsrc.copy(rsrcRaw);

  const headers = Buffer.alloc(0x200);
  headers.write("MZ", 0, "latin1");
  headers.writeUInt32LE(0x80, 0x3c);
  if (dosTable !== undefined) {
    headers.write("Inno", 0x30, "latin1");
    headers.writeUInt32LE(dosTable, 0x34);
    headers.writeUInt32LE(~dosTable >>> 0, 0x38);
  }
  headers.write("PE\0\0", 0x80, "latin1");
  headers.writeUInt16LE(0x14c, 0x84); // i386
  headers.writeUInt16LE(2, 0x86); // sections
  headers.writeUInt16LE(0xe0, 0x94); // optional header size
  headers.writeUInt16LE(0x0102, 0x96);
  const optional = 0x98;
  headers.writeUInt16LE(0x10b, optional); // PE32
  headers.writeUInt32LE(0x1000, optional + 32); // section alignment
  headers.writeUInt32LE(fileAlign, optional + 36);
  headers.writeUInt32LE(16, optional + 92); // data directories
  headers.writeUInt32LE(rsrcVa, optional + 96 + 2 * 8);
  headers.writeUInt32LE(rsrc.length, optional + 96 + 2 * 8 + 4);
  const section = (at, name, va, size, raw, rawSize) => {
    headers.write(name, at, "latin1");
    headers.writeUInt32LE(size, at + 8);
    headers.writeUInt32LE(va, at + 12);
    headers.writeUInt32LE(rawSize, at + 16);
    headers.writeUInt32LE(raw, at + 20);
  };
  const table = optional + 0xe0;
  section(table, ".text", 0x1000, text.length, 0x200, textRaw.length);
  section(table + 40, ".rsrc", rsrcVa, rsrc.length, 0x200 + textRaw.length, rsrcRaw.length);
  return Buffer.concat([headers, textRaw, rsrcRaw, Buffer.from(overlay)]);
}

/** The 5.1.5+ offset table id, `rDlPtS` and six bytes. */
const INNO_TABLE_ID = Buffer.concat([
  Buffer.from("rDlPtS", "latin1"),
  Buffer.from([0xcd, 0xe6, 0xd7, 0x7b, 0x0b, 0x2a]),
]);

/**
 * A synthetic Inno Setup installer: a PE whose resource 11111 is an offset table (id, version, total size,
 * the setup program's offset, size and CRC, the setup data's offset, the file data's offset, the table's
 * CRC) pointing past its image at setup data that starts with `Inno Setup Setup Data (version)` and goes on
 * as noise (standing in for its LZMA blocks). `filled: false` gives the loader alone: a table of zeros.
 * `text` is the setup program's own code and strings.
 */
export function innoSetupInstaller({ version = "6.4.0.1", text, dataBytes = 300 * 1024, filled = true }) {
  const empty = peProgram({ text, resource: Buffer.alloc(44) });
  const dataOffset = empty.length;
  const versionField = Buffer.alloc(64);
  versionField.write(`Inno Setup Setup Data (${version})`, "latin1");
  const data = Buffer.concat([versionField, lcgNoise(dataBytes, 0x1a2b3c)]);
  const table = Buffer.alloc(44);
  if (filled) {
    INNO_TABLE_ID.copy(table, 0);
    table.writeUInt32LE(1, 12);
    table.writeUInt32LE(dataOffset + data.length, 16);
    table.writeUInt32LE(dataOffset, 32);
    table.writeUInt32LE(dataOffset + 64 + (dataBytes >> 1), 36);
    table.writeUInt32LE(crc32(table.subarray(0, 40)), 40);
  }
  return peProgram({ text, resource: table, overlay: data });
}

/**
 * A xar archive, as a macOS installer package (`.pkg`) is: a big-endian header, the table of contents as
 * zlib-compressed XML, then the heap: the TOC's SHA-1 and each file's bytes. `files` are [name, data,
 * encoding]: "zlib" (xar calls it application/x-gzip) or "none" (stored as they are).
 */
export function xarArchive(files) {
  const sha1 = (bytes) => createHash("sha1").update(bytes).digest();
  let offset = 20;
  const heap = [];
  const entries = files.map(([name, data, encoding], index) => {
    const archived = encoding === "zlib" ? deflateSync(data) : Buffer.from(data);
    const style = encoding === "zlib" ? "application/x-gzip" : "application/octet-stream";
    const entry =
      `<file id="${index + 1}"><name>${name}</name><type>file</type><data>` +
      `<length>${archived.length}</length><offset>${offset}</offset><size>${data.length}</size>` +
      `<encoding style="${style}"/>` +
      `<extracted-checksum style="sha1">${sha1(data).toString("hex")}</extracted-checksum>` +
      `<archived-checksum style="sha1">${sha1(archived).toString("hex")}</archived-checksum></data></file>`;
    offset += archived.length;
    heap.push(archived);
    return entry;
  });
  const toc = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<xar><toc><checksum style="sha1"><offset>0</offset><size>20</size>' +
      `</checksum><creation-time>2026-01-01T00:00:00</creation-time>${entries.join("")}</toc></xar>\n`,
  );
  const packed = deflateSync(toc);
  const header = Buffer.alloc(28);
  header.write("xar!", 0, "latin1");
  header.writeUInt16BE(28, 4);
  header.writeUInt16BE(1, 6);
  header.writeBigUInt64BE(BigInt(packed.length), 8);
  header.writeBigUInt64BE(BigInt(toc.length), 16);
  header.writeUInt32BE(1, 24); // SHA-1
  return Buffer.concat([header, packed, sha1(packed), ...heap]);
}

/**
 * pbzx, a newer package's Payload: `pbzx`, the chunk size, then per chunk its flags (0x01000000 when
 * another follows, or'ed with its size uncompressed), its length and its bytes. `chunks` are [size
 * uncompressed, bytes], the bytes an xz stream, or the data itself where it is stored.
 */
export function pbzxStream(chunkSize, chunks) {
  const head = Buffer.alloc(12);
  head.write("pbzx", 0, "latin1");
  head.writeBigUInt64BE(BigInt(chunkSize), 4);
  const parts = [head];
  chunks.forEach(([size, bytes], index) => {
    const header = Buffer.alloc(16);
    header.writeBigUInt64BE((index + 1 < chunks.length ? 0x1000000n : 0n) | BigInt(size), 0);
    header.writeBigUInt64BE(BigInt(bytes.length), 8);
    parts.push(header, Buffer.from(bytes));
  });
  return Buffer.concat(parts);
}

/**
 * An HFS+ volume as a Mac's disk image holds one (TN1150): 4 KiB blocks; the volume header at 1024 and
 * again 1024 bytes before the end; the allocation bitmap; an empty extents-overflow B-tree; a catalog
 * B-tree of one leaf node holding a folder record and a thread record for each folder (the volume's root is
 * folder 2, named `volumeName`) and a file record and a thread record for each file, sorted by parent id
 * and name; then each file's data in whole blocks. `files` are [path, bytes], folders made as the paths
 * need them.
 */
export function hfsPlusImage(files, volumeName = "Face") {
  const BLOCK = 4096;
  const NODE = 4096;
  let nextId = 16;
  const root = { id: 2, name: volumeName, parent: 1, children: new Map(), files: [] };
  const folders = [root];
  for (const [path, data] of files) {
    const parts = path.split("/");
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let sub = dir.children.get(part);
      if (sub === undefined) {
        sub = { id: nextId++, name: part, parent: dir.id, children: new Map(), files: [] };
        dir.children.set(part, sub);
        folders.push(sub);
      }
      dir = sub;
    }
    dir.files.push({ id: nextId++, name: parts.at(-1), parent: dir.id, data: Buffer.from(data) });
  }
  const allFiles = folders.flatMap((folder) => folder.files);
  // Blocks: 0 the volume header, 1 the allocation bitmap, 2 the extents B-tree, 3-4 the catalog, then data.
  let block = 5;
  for (const file of allFiles) {
    file.start = block;
    file.blocks = Math.max(1, Math.ceil(file.data.length / BLOCK));
    block += file.blocks;
  }
  const totalBlocks = block + 1; // the last holds the alternate volume header
  const image = Buffer.alloc(totalBlocks * BLOCK);
  const unicode = (text) => {
    const out = Buffer.alloc(2 + text.length * 2);
    out.writeUInt16BE(text.length, 0);
    for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), 2 + 2 * i);
    return out;
  };
  const catalogKey = (parent, name) => {
    const nameBytes = unicode(name);
    const head = Buffer.alloc(6);
    head.writeUInt16BE(4 + nameBytes.length, 0);
    head.writeUInt32BE(parent, 2);
    return Buffer.concat([head, nameBytes]);
  };
  const DATE = 0xe0000000; // seconds since 1904
  const dates = (record, at) => {
    for (let i = 0; i < 5; i++) record.writeUInt32BE(DATE, at + 4 * i);
  };
  const fork = (size, start, blocks) => {
    const out = Buffer.alloc(80);
    out.writeBigUInt64BE(BigInt(size), 0);
    out.writeUInt32BE(blocks, 12);
    if (blocks > 0) {
      out.writeUInt32BE(start, 16);
      out.writeUInt32BE(blocks, 20);
    }
    return out;
  };
  const folderRecord = (folder) => {
    const out = Buffer.alloc(88);
    out.writeInt16BE(1, 0);
    out.writeUInt32BE(folder.children.size + folder.files.length, 4);
    out.writeUInt32BE(folder.id, 8);
    dates(out, 12);
    out.writeUInt16BE(0o40755, 32 + 10);
    return out;
  };
  const fileRecord = (file) => {
    const out = Buffer.alloc(248);
    out.writeInt16BE(2, 0);
    out.writeUInt32BE(file.id, 8);
    dates(out, 12);
    out.writeUInt16BE(0o100644, 32 + 10);
    fork(file.data.length, file.start, file.blocks).copy(out, 88);
    return out;
  };
  const thread = (type, parent, name) => {
    const head = Buffer.alloc(8);
    head.writeInt16BE(type, 0);
    head.writeUInt32BE(parent, 4);
    return Buffer.concat([head, unicode(name)]);
  };
  const records = [];
  for (const folder of folders)
    records.push(
      [folder.parent, folder.name, folderRecord(folder)],
      [folder.id, "", thread(3, folder.parent, folder.name)],
    );
  for (const file of allFiles)
    records.push(
      [file.parent, file.name, fileRecord(file)],
      [file.id, "", thread(4, file.parent, file.name)],
    );
  const folded = (text) => text.toLowerCase();
  records.sort(
    (a, b) => a[0] - b[0] || (folded(a[1]) < folded(b[1]) ? -1 : folded(a[1]) > folded(b[1]) ? 1 : 0),
  );
  const node = (kind, height, items) => {
    const out = Buffer.alloc(NODE);
    out.writeInt8(kind, 8);
    out.writeUInt8(height, 9);
    out.writeUInt16BE(items.length, 10);
    let at = 14;
    items.forEach((item, index) => {
      out.writeUInt16BE(at, NODE - 2 * (index + 1));
      item.copy(out, at);
      at += item.length;
    });
    if (at > NODE - 2 * (items.length + 1)) throw new Error("hfsPlusImage: the catalog outgrew one node");
    out.writeUInt16BE(at, NODE - 2 * (items.length + 1));
    return out;
  };
  const headerNode = (depth, rootNode, leafRecords, leaf, totalNodes, maxKeyLength, compare) => {
    const header = Buffer.alloc(106);
    header.writeUInt16BE(depth, 0);
    header.writeUInt32BE(rootNode, 2);
    header.writeUInt32BE(leafRecords, 6);
    header.writeUInt32BE(leaf, 10);
    header.writeUInt32BE(leaf, 14);
    header.writeUInt16BE(NODE, 18);
    header.writeUInt16BE(maxKeyLength, 20);
    header.writeUInt32BE(totalNodes, 22);
    header.writeUInt32BE(NODE, 32);
    header.writeUInt8(compare, 37);
    header.writeUInt32BE(6, 38); // big keys, variable-length index keys
    const map = Buffer.alloc(NODE - 14 - 106 - 128 - 8);
    for (let i = 0; i < totalNodes; i++) map[i >> 3] |= 0x80 >> (i & 7);
    return node(1, 0, [header, Buffer.alloc(128), map]);
  };
  const leafRecords = records.map(([parent, name, data]) => Buffer.concat([catalogKey(parent, name), data]));
  headerNode(0, 0, 0, 0, 1, 10, 0).copy(image, 2 * BLOCK);
  headerNode(1, 1, leafRecords.length, 1, 2, 516, 0xcf).copy(image, 3 * BLOCK);
  node(-1, 1, leafRecords).copy(image, 4 * BLOCK);
  for (let i = 0; i < totalBlocks; i++) image[BLOCK + (i >> 3)] |= 0x80 >> (i & 7);
  for (const file of allFiles) file.data.copy(image, file.start * BLOCK);
  const volume = Buffer.alloc(512);
  volume.write("H+", 0, "latin1");
  volume.writeUInt16BE(4, 2);
  volume.writeUInt32BE(0x100, 4); // cleanly unmounted
  volume.write("10.0", 8, "latin1");
  for (let i = 0; i < 4; i++) volume.writeUInt32BE(DATE, 16 + 4 * i);
  volume.writeUInt32BE(allFiles.length, 32);
  volume.writeUInt32BE(folders.length - 1, 36);
  volume.writeUInt32BE(BLOCK, 40);
  volume.writeUInt32BE(totalBlocks, 44);
  volume.writeUInt32BE(block, 52);
  volume.writeUInt32BE(BLOCK, 56);
  volume.writeUInt32BE(BLOCK, 60);
  volume.writeUInt32BE(nextId, 64);
  fork(BLOCK, 1, 1).copy(volume, 112);
  fork(NODE, 2, 1).copy(volume, 192);
  fork(2 * NODE, 3, 2).copy(volume, 272);
  volume.copy(image, 1024);
  volume.copy(image, image.length - 1024);
  return image;
}

export function zipBomb(mebibytes = 1024, { declaredSize, name = "zeros.bin" } = {}) {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  const data = Buffer.concat([...Array.from({ length: mebibytes }, () => block), Buffer.from([0x03, 0x00])]);
  const crc = crc32OfZeros(mebibytes * (1 << 20));
  const size = declaredSize ?? mebibytes * (1 << 20);
  return singleMemberZip(name, data, 8, crc, size);
}

/** CRC-32 of `n` zero bytes in O(log n): the register update over zeros is linear over GF(2). */
export function crc32OfZeros(n) {
  const apply = (matrix, vector) => {
    let out = 0;
    for (let i = 0; vector !== 0; i += 1, vector >>>= 1) if (vector & 1) out ^= matrix[i];
    return out >>> 0;
  };
  const square = (matrix) => matrix.map((column) => apply(matrix, column));
  let operator = Array.from({ length: 32 }, (_, i) => {
    const v = (1 << i) >>> 0;
    return (CRC_TABLE[v & 0xff] ^ (v >>> 8)) >>> 0;
  });
  let crc = 0xffffffff;
  for (let remaining = n; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) crc = apply(operator, crc);
    operator = square(operator);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip with one member whose data is given already compressed with `method`. */
export function singleMemberZip(name, data, method, crc, size) {
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + nameBytes.length, 12);
  eocd.writeUInt32LE(30 + nameBytes.length + data.length, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, eocd]);
}

/** 42.zip style: `fanout` copies of the level below, `levels` deep, the bottom being a zip bomb. */
export function nestedBomb(levels = 3, fanout = 16, bottomMebibytes = 1024) {
  let current = zipBomb(bottomMebibytes);
  for (let level = 0; level < levels; level += 1) {
    const files = {};
    for (let i = 0; i < fanout; i += 1) files[`${level}-${i}.zip`] = [current, { level: 9 }];
    current = Buffer.from(zipSync(files));
  }
  return current;
}

/** A zip inside a zip, `depth` times, the innermost holding the marker. */
export function nestedZip(depth = 100) {
  let current = Buffer.from(`${MARKER} at the bottom`);
  let name = "bottom.txt";
  for (let level = depth; level > 0; level -= 1) {
    current = Buffer.from(zipSync({ [name]: [current, { level: 0 }] }));
    name = `level-${level}.zip`;
  }
  return current;
}

// ---------------------------------------------------------------- 7z-wasm

let sevenZipModule;
/** Runs 7-Zip (WASM) with `dir` as its working directory. Returns the console output. */
export async function sevenZip(dir, args) {
  sevenZipModule ??= require("7z-wasm");
  let out = "";
  const sz = await sevenZipModule({ print: (s) => (out += s + "\n"), printErr: (s) => (out += s + "\n") });
  sz.FS.mkdir("/w");
  sz.FS.mount(sz.NODEFS, { root: dir }, "/w");
  sz.FS.chdir("/w");
  try {
    sz.callMain(args);
  } catch (error) {
    if (typeof error?.status !== "number" || error.status > 1)
      throw new Error(`7z ${args.join(" ")}: ${out}`);
  }
  return out;
}

// ---------------------------------------------------------------- tools

export function hasTool(name) {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (dir && existsSync(join(dir, name))) return true;
  }
  return false;
}
function run(tool, args, options = {}) {
  const path = ["/usr/sbin", "/sbin"].map((d) => join(d, tool)).find(existsSync) ?? tool;
  try {
    execFileSync(path, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  } catch (error) {
    throw new Error(`${tool} ${args.join(" ")} failed: ${error.stderr?.toString() ?? error.message}`);
  }
}

/** The file tree used for file-system images: /usr/lib/libface.so plus a readme and links. */
function makeTree(root, { links = true } = {}) {
  mkdirSync(join(root, "usr/lib"), { recursive: true });
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "usr/lib/libface.so"), libfaceBytes());
  writeFileSync(join(root, "etc/readme.txt"), `${MARKER} readme\n`);
  if (links) {
    symlinkSync("/etc/passwd", join(root, "etc/escape"));
    symlinkSync("loop-b", join(root, "etc/loop-a"));
    symlinkSync("loop-a", join(root, "etc/loop-b"));
  }
  return root;
}

export const SQUASHFS_COMPRESSIONS = ["gzip", "xz", "lzo", "lz4", "zstd"];

/**
 * Builds every fixture into `outDir` and returns { name: path }. Fixtures that need a missing tool are
 * left out and listed in `missing`.
 */
export async function buildFixtures(outDir) {
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "custodiet-fixtures-"));
  const made = {};
  const missing = [];
  const put = (name, bytes) => {
    const path = join(outDir, name);
    writeFileSync(path, bytes);
    made[name] = path;
    return path;
  };
  try {
    const lib = libfaceBytes();
    const readme = Buffer.from(`${MARKER} readme\n`);

    // zip family
    const plainZip = Buffer.from(
      zipSync({ "lib/x64/libface.so": [lib, { level: 6 }], "readme.txt": [readme, { level: 0 }] }),
    );
    put("plain.zip", plainZip);
    // A Mac's HFS+ volume, and an Apple disk image holding it, as a Mac client's download is.
    const hfsVolume = hfsPlusImage([
      ["readme.txt", readme],
      ["Face.app/Contents/MacOS/libface.dylib", lib],
    ]);
    put("volume.hfs", hfsVolume);
    put("client-hfs.dmg", udifImage(hfsVolume, "disk image (Apple_HFS : 1)"));
    // An installer custodiet recognises but does not unpack (Inno Setup); the fuzzer damages it.
    put(
      "inno-setup.exe",
      innoSetupInstaller({
        text: Buffer.concat([Buffer.from("setup program\0\0\0"), Buffer.from(ENUM_TEXT, "utf16le")]),
        dataBytes: 64 * 1024,
      }),
    );
    put(
      "zip64.zip",
      zip64([
        ["lib/libface.so", lib],
        ["readme.txt", readme],
      ]),
    );
    put(
      "unix-modes.zip",
      zipWithUnixModes([
        ["../../evil.txt", readme, 0o100644],
        ["/abs/path.txt", readme, 0o100644],
        ["link", Buffer.from("/etc/passwd"), 0o120777],
      ]),
    );
    // Dahua firmware: a zip whose local headers read DH, holding a uImage-wrapped squashfs.
    put(
      "sdk.tar.gz",
      gzipSync(
        tar([
          ["usr/lib/libface.so", lib],
          ["etc/readme.txt", readme],
        ]),
      ),
    );

    // tar family
    put(
      "formats.tar",
      tar([
        ["usr/lib/libface.so", lib],
        [`deep/${"long-directory-name/".repeat(8)}gnu-name.txt`, readme, { format: "gnu" }],
        [`pax/${"ünïcode-directory/".repeat(8)}pax-name.txt`, readme, { format: "pax" }],
        ["etc/loop-a", null, { symlink: "loop-b" }],
        ["etc/loop-b", null, { symlink: "loop-a" }],
        ["etc/escape", null, { symlink: "../../../../etc/passwd" }],
      ]),
    );
    put(
      "multi.gz",
      Buffer.concat([
        gzipSync(Buffer.from("first member ")),
        gzipSync(Buffer.from(`${MARKER} second member`)),
      ]),
    );
    put("stream.zst", zstdRaw(lib));
    // One zlib stream (RFC 1950), as a .zlib file, an R .rdx index or a git object is.
    put("libface.so.zlib", deflateSync(lib));
    put(
      "archive.cpio",
      cpioNewc([
        ["usr/lib/libface.so", lib],
        ["etc/link", "/etc/passwd", { symlink: true }],
      ]),
    );
    const debData = gzipSync(tar([["usr/lib/libface.so", lib]]));
    put(
      "package.deb",
      ar([
        ["debian-binary", Buffer.from("2.0\n")],
        ["control.tar.gz", gzipSync(tar([["control", Buffer.from("Package: x\n")]]))],
        ["data.tar.gz", debData],
      ]),
    );
    put("plain.ar", ar([["libface.so", lib]]));
    put(
      "app.asar",
      asarArchive([
        ["package.json", Buffer.from('{"name":"face-client","main":"src/main.js"}')],
        ["src/main.js", Buffer.from(`// ${MARKER}\n`)],
        ["lib/libface.so", lib],
        ["lib/face.node", { size: 4, unpacked: true }],
        ["lib/current", { link: "lib/libface.so" }],
      ]),
    );
    put("stored.rar", rar4([["usr/libface.so", lib]]));
    put("dex.dex", dex(["Lcom/vendor/FaceAttr;", ENUM_TEXT, "民族", "getRace"]));
    put("resources.arsc", arsc(["肤色", "skin_colour", ENUM_TEXT], ["race_key", "ethnicity_key"]));
    put(
      "app.apk",
      Buffer.from(
        zipSync({
          "AndroidManifest.xml": [
            binaryXml(["manifest", "com.vendor.face", "android.permission.CAMERA"]),
            { level: 6 },
          ],
          "classes.dex": [dex(["Lcom/vendor/Face;", ENUM_TEXT]), { level: 6 }],
          "resources.arsc": [arsc(["肤色"], ["race"]), { level: 0 }],
        }),
      ),
    );
    put(
      "manual.pdf",
      pdf([
        ["Face attribute table", "Attribute: age, gender"],
        ["人脸属性：性别 年龄 眼镜 口罩 肤色", "肤色：0-未识别 1-黄 2-黑 3-白", "种族：亚洲人 黑人 白人"],
        "end",
      ]),
    );
    put(
      "malformed.pdf",
      Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nxref\ngarbage\n%%EOF"),
    );
    put(
      "help.chm",
      chm({
        "/index.htm": `<html><body><h1>Face attributes</h1><p>&#32932;&#33394; ${MARKER}</p></body></html>`,
        "/api/race.htm": "<html><body>race / ethnicity attribute</body></html>",
      }),
    );
    put("doc.docx", ooxml("docx"));
    put("book.xlsx", ooxml("xlsx"));
    put("slides.pptx", ooxml("pptx"));
    put(
      "page.html",
      Buffer.from(
        `<!DOCTYPE html><html><head><title>t</title><style>.x{}</style></head><body><p>&#32932;&#33394; &amp; race</p><script>var hidden="nope";</script><p>${MARKER}</p></body></html>`,
      ),
    );
    const gbkHtml = Buffer.concat([
      Buffer.from('<html><head><meta charset="gbk"></head><body>'),
      require("iconv-lite").encode("种族 人脸", "gbk"),
      Buffer.from("</body></html>"),
    ]);
    put("gbk.html", gbkHtml);
    // RTF as WordPad writes Chinese: GBK bytes as \'hh escapes, and Word's \uN escapes with a fallback.
    const rtfHex = (text) =>
      [...require("iconv-lite").encode(text, "gbk")].map((byte) => `\\'${byte.toString(16)}`).join("");
    const rtfUnicode = (text) =>
      [...text]
        .map((char) => `\\u${char.charCodeAt(0) - (char.charCodeAt(0) > 0x7fff ? 0x10000 : 0)}?`)
        .join("");
    put(
      "manual.rtf",
      Buffer.from(
        `{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 ${rtfHex("宋体")};}}\r\n` +
          `{\\*\\generator Riched20 10.0}\\viewkind4\\uc1\\pard\\f0\\fs22 ${rtfHex("人脸属性：")}${rtfUnicode("肤色")} ${MARKER}\\par\r\n}\r\n`,
        "latin1",
      ),
    );
    const libAttachment = [
      "application/octet-stream",
      "base64",
      base64Lines(lib),
      'Content-Disposition: attachment; filename="libface.so"',
    ];
    // MIME: an e-mail with a quoted-printable body and the library attached in base64, and a page saved
    // the way Chrome's "Save page as MHTML" writes one.
    put(
      "message.eml",
      mimeMessage(
        ["From: vendor@example.com", "To: buyer@example.com", "Subject: SDK update"],
        [
          [
            "text/plain; charset=utf-8",
            "quoted-printable",
            quotedPrintable(`人脸属性：肤色、年龄 ${MARKER}\n`),
          ],
          libAttachment,
        ],
        "mixed",
      ),
    );
    // A mailbox of two messages, the second with the library attached.
    put(
      "mail.mbox",
      Buffer.concat([
        Buffer.from(
          `From a@example.com Sat Jan  4 10:00:00 2020\nFrom: a@example.com\nSubject: one\n\n${MARKER}\n\n`,
        ),
        Buffer.from("From b@example.com Sat Jan  4 10:01:00 2020\n"),
        mimeMessage(["From: b@example.com", "Subject: two"], [libAttachment], "mixed"),
      ]),
    );
    put(
      "page.mhtml",
      mimeMessage(
        ["From: <Saved by Blink>", "Snapshot-Content-Location: https://vendor.example/face", "Subject: Face"],
        [
          [
            "text/html",
            "quoted-printable",
            quotedPrintable(
              `<!DOCTYPE html><html><body><p>肤色 &amp; race</p><p>${MARKER}</p></body></html>`,
            ),
            "Content-Location: https://vendor.example/face",
          ],
          [
            "application/octet-stream",
            "base64",
            base64Lines(lib),
            "Content-Location: https://vendor.example/lib",
          ],
        ],
        'related; type="text/html"',
      ),
    );
    // A source map with its sources, and a browser's web capture with a base64 body.
    put(
      "bundle.js.map",
      JSON.stringify({
        version: 3,
        file: "bundle.js",
        sources: ["webpack://app/./src/face.ts", "webpack://app/./src/empty.ts"],
        sourcesContent: [`// ${MARKER}\nexport const attrs = ["性别", "肤色"];\n`, null],
        names: [],
        mappings: "AAAA",
      }),
    );
    put(
      "capture.har",
      JSON.stringify({
        log: {
          version: "1.2",
          creator: { name: "WebInspector" },
          entries: [
            {
              request: { method: "GET", url: "http://192.0.2.1/face.json" },
              response: { status: 200, content: { mimeType: "application/json", text: `{"m":"${MARKER}"}` } },
            },
            {
              request: { method: "GET", url: "http://192.0.2.1/libface.so" },
              response: {
                status: 200,
                content: { encoding: "base64", text: Buffer.from(lib).toString("base64") },
              },
            },
          ],
        },
      }),
    );

    // 7z-wasm writes 7z, bzip2 and xz
    const src = join(work, "src");
    mkdirSync(join(src, "usr/lib"), { recursive: true });
    writeFileSync(join(src, "usr/lib/libface.so"), lib);
    writeFileSync(join(src, "readme.txt"), readme);
    await sevenZip(work, ["a", "-t7z", "-bd", "out.7z", "./src/*"]);
    put("archive.7z", readFileSync(join(work, "out.7z")));
    await sevenZip(work, ["a", "-tzip", "-bd", "-pSECRET", "enc.zip", "./src/*"]);
    put("encrypted.zip", readFileSync(join(work, "enc.zip")));
    writeFileSync(join(work, "libface.so"), lib);
    await sevenZip(work, ["a", "-tzip", "-mm=BZip2", "-bd", "bzip2.zip", "libface.so"]);
    put("bzip2-method.zip", readFileSync(join(work, "bzip2.zip")));
    await sevenZip(work, ["a", "-tzip", "-mm=LZMA", "-bd", "lzma.zip", "libface.so"]);
    put("lzma-method.zip", readFileSync(join(work, "lzma.zip")));
    await sevenZip(work, ["a", "-tbzip2", "-bd", "libface.so.bz2", "libface.so"]);
    put("libface.so.bz2", readFileSync(join(work, "libface.so.bz2")));
    await sevenZip(work, ["a", "-txz", "-bd", "libface.so.xz", "libface.so"]);
    put("libface.so.xz", readFileSync(join(work, "libface.so.xz")));

    // macOS installer packages (xar). An older one: its Payload a cpio, compressed in the xar. A newer one:
    // its Payload pbzx, the cpio cut in chunks compressed one by one, the first stored, and a chunk boundary
    // falling inside the planted identifier, so that only the joined chunks show it whole.
    const appCpio = cpioNewc([["./Applications/Face.app/Contents/MacOS/libface.dylib", lib]]);
    put(
      "installer.pkg",
      xarArchive([
        [
          "Distribution",
          Buffer.from('<?xml version="1.0"?><installer-gui-script minSpecVersion="1"/>'),
          "zlib",
        ],
        ["face.pkg/Payload", appCpio, "zlib"],
        ["face.pkg/PackageInfo", Buffer.from('<pkg-info identifier="com.example.face"/>'), "none"],
      ]),
    );
    const cut = appCpio.indexOf(Buffer.from(ENUM_TEXT, "utf16le")) + 8;
    const pieces = [appCpio.subarray(0, 64), appCpio.subarray(64, cut), appCpio.subarray(cut)];
    const chunks = [[pieces[0].length, pieces[0]]];
    for (const [index, piece] of pieces.slice(1).entries()) {
      writeFileSync(join(work, `chunk-${index}`), piece);
      await sevenZip(work, ["a", "-txz", "-bd", `chunk-${index}.xz`, `chunk-${index}`]);
      chunks.push([piece.length, readFileSync(join(work, `chunk-${index}.xz`))]);
    }
    put(
      "pbzx.pkg",
      xarArchive([
        [
          "Distribution",
          Buffer.from('<?xml version="1.0"?><installer-gui-script minSpecVersion="2"/>'),
          "zlib",
        ],
        ["face.pkg/Payload", pbzxStream(cut, chunks), "none"],
      ]),
    );

    if (hasTool("xz")) {
      put("libface.so.lzma", execFileSync("xz", ["--format=lzma", "-c", join(work, "libface.so")]));
    } else missing.push("libface.so.lzma (xz-utils)");

    // lzop, as older firmware compresses a kernel or root file system: libface.so under its own name; text over
    // several 256 KiB blocks with CRC-32s of the data besides the Adler-32s; a blob with both inside.
    if (hasTool("lzop")) {
      run("lzop", ["-q", "-f", "-o", join(work, "face.lzo"), join(work, "libface.so")]);
      put("face.lzo", readFileSync(join(work, "face.lzo")));
      writeFileSync(join(work, "long.txt"), Buffer.concat(Array.from({ length: 8 }, () => lz4LinkedText())));
      run("lzop", ["-q", "-f", "--crc32", "-o", join(work, "long.lzo"), join(work, "long.txt")]);
      put("long.lzo", readFileSync(join(work, "long.lzo")));
      put(
        "lzo-firmware.blob",
        Buffer.concat([
          lcgNoise(0x800, 23),
          readFileSync(join(work, "face.lzo")),
          lcgNoise(0x800, 29),
          readFileSync(join(work, "long.lzo")),
          lcgNoise(0x100, 31),
        ]),
      );
    } else missing.push("face.lzo, long.lzo, lzo-firmware.blob (lzop)");

    // Unix compress (.Z, LZW), as old SDK tarballs are.
    if (hasTool("compress")) put("libface.so.Z", execFileSync("compress", ["-c"], { input: lib }));
    else missing.push("libface.so.Z (ncompress)");

    // LZ4 with Debian's lz4: a frame as `lz4` writes it; 64 KiB linked blocks with the content size, over
    // text whose second enum is a match into the block before; a legacy frame with the decoded size
    // appended, as a Linux kernel's; and a firmware blob with a frame inside.
    if (hasTool("lz4")) {
      const lz4 = (args, input) => execFileSync("lz4", ["-q", ...args, "-c"], { input });
      put("libface.so.lz4", lz4([], lib));
      put("linked.lz4", lz4(["-B4", "-BD", "--content-size"], lz4LinkedText()));
      const size = Buffer.alloc(4);
      size.writeUInt32LE(lib.length, 0);
      put("kernel.lz4", Buffer.concat([lz4(["-l"], lib), size]));
      const firmware = lz4([], Buffer.concat([lib, lz4LinkedText()]));
      put("lz4-firmware.blob", Buffer.concat([lcgNoise(0x1000, 17), firmware, lcgNoise(0x1000, 19)]));
    } else missing.push("lz4 fixtures (lz4)");

    // zstd with Debian's zstd: a stream as pzstd writes it (a skippable frame with the frame's size first),
    // and a firmware blob with a zstd stream (checksummed, two frames) between noise.
    if (hasTool("zstd") && hasTool("pzstd")) {
      const text = Buffer.concat([lib, ...Array.from({ length: 8 }, () => lz4LinkedText())]);
      writeFileSync(join(work, "parallel.bin"), text);
      run("pzstd", ["-q", "-f", "-p", "2", join(work, "parallel.bin"), "-o", join(work, "parallel.zst")]);
      put("parallel.zst", readFileSync(join(work, "parallel.zst")));
      const zstd = (args, input) => execFileSync("zstd", ["-q", "-c", "--check", ...args], { input });
      // The second frame keeps its literals as plain bytes, so the stream itself holds the enum's name.
      const stream = Buffer.concat([zstd([], lib), zstd(["--no-compress-literals"], lz4LinkedText())]);
      put("zstd-firmware.blob", Buffer.concat([lcgNoise(0x1000, 37), stream, lcgNoise(0x1000, 41)]));
    } else missing.push("parallel.zst, zstd-firmware.blob (zstd)");

    // file systems with Debian tools
    const tree = makeTree(join(work, "tree"));
    if (hasTool("mksquashfs")) {
      for (const comp of SQUASHFS_COMPRESSIONS) {
        const image = join(work, `rootfs-${comp}.squashfs`);
        run("mksquashfs", [tree, image, "-comp", comp, "-noappend", "-quiet", "-no-progress", "-all-root"]);
        put(`rootfs-${comp}.squashfs`, readFileSync(image));
      }
      const squashfs = readFileSync(join(work, "rootfs-xz.squashfs"));
      const uimage = uImage(squashfs, "rootfs");
      put("rootfs.uimage", uimage);
      const fw = Buffer.from(
        zipSync({
          "Install.lua": [Buffer.from("-- install\n"), { level: 6 }],
          "rootfs.img": [uimage, { level: 0 }],
        }),
      );
      put("fw.bin", dahuaPatch(fw));
      put("dhsp.bin", Buffer.concat([Buffer.from("DHSP"), Buffer.alloc(60, 0x11), dahuaPatch(fw)]));
      put(
        "sdk.zip",
        Buffer.from(zipSync({ "firmware/rootfs.tar.gz": [readFileSync(made["sdk.tar.gz"]), { level: 0 }] })),
      );
      // A firmware blob of unknown format: noise, a gzip stream, a uImage-wrapped squashfs, an xz stream.
      const blobParts = [
        Buffer.from([0, 0, 0, 0]),
        lcgNoise(0x1000 - 4, 7),
        gzipSync(Buffer.from(`kernel cmdline ${MARKER}`)),
        lcgNoise(0x2000, 9),
        uimage,
        lcgNoise(0x3000, 11),
        readFileSync(made["libface.so.xz"]),
        lcgNoise(0x800, 13),
      ];
      put("firmware.blob", Buffer.concat(blobParts));
    } else missing.push("squashfs and fw.bin (squashfs-tools)");
    if (hasTool("ubinize") && made["rootfs-xz.squashfs"] !== undefined) {
      // A NAND image with two UBI volumes: a squashfs root file system (dynamic) and an xz blob (static).
      const config = join(work, "ubinize.cfg");
      writeFileSync(
        config,
        `[rootfs]\nmode=ubi\nimage=${made["rootfs-xz.squashfs"]}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n` +
          `[data]\nmode=ubi\nimage=${made["libface.so.xz"]}\nvol_id=1\nvol_type=static\nvol_name=data\n`,
      );
      run("ubinize", ["-o", join(work, "ubi.img"), "-m", "2048", "-p", "128KiB", "-s", "2048", config]);
      put("ubi.img", readFileSync(join(work, "ubi.img")));
    } else missing.push("ubi.img (mtd-utils)");
    if (hasTool("mkfs.jffs2")) {
      // JFFS2 images of one tree: a nested dir, a file over 4 KiB with the enum across the first page
      // boundary, a symlink, a hard link and an empty file; both byte orders and each compressor.
      const root = makeTree(join(work, "tree-jffs2"), { links: false });
      mkdirSync(join(root, "usr/share/face/deep"), { recursive: true });
      writeFileSync(join(root, "usr/share/face/deep/attributes.bin"), jffs2PageFile());
      symlinkSync("/etc/passwd", join(root, "etc/link"));
      linkSync(join(root, "usr/lib/libface.so"), join(root, "usr/lib/libface.so.1"));
      writeFileSync(join(root, "etc/empty"), "");
      const variants = {
        "jffs2-le.img": ["-l"],
        "jffs2-be.img": ["-b"],
        "jffs2-rtime.img": ["-l", "-x", "zlib"],
        "jffs2-none.img": ["-b", "--compression-mode=none"],
        "jffs2-size.img": ["-l", "--compression-mode=size", "-X", "lzo"],
        "jffs2-lzo.img": ["-l", "-X", "lzo", "-x", "zlib", "-x", "rtime"],
      };
      for (const [name, flags] of Object.entries(variants)) {
        run("mkfs.jffs2", [...flags, "-q", "-e", "64KiB", "-r", root, "-o", join(work, name)]);
        put(name, readFileSync(join(work, name)));
      }
      if (hasTool("sumtool")) {
        // Small erase blocks so that the tree fills several and each full block gets a summary node.
        const plain = join(work, "jffs2-8k.img");
        run("mkfs.jffs2", ["-l", "-q", "-e", "8KiB", "--compression-mode=none", "-r", root, "-o", plain]);
        run("sumtool", ["-l", "-e", "8KiB", "-p", "-i", plain, "-o", join(work, "sum.img")]);
        put("jffs2-summary.img", readFileSync(join(work, "sum.img")));
      } else missing.push("jffs2-summary.img (mtd-utils)");
      put("jffs2.uimage", uImage(readFileSync(join(work, "jffs2-le.img")), "rootfs"));
    } else missing.push("jffs2 images (mtd-utils)");
    if (hasTool("mkfs.cramfs")) {
      const image = join(work, "rootfs.cramfs");
      run("mkfs.cramfs", [makeTree(join(work, "tree-cramfs"), { links: false }), image]);
      put("rootfs.cramfs", readFileSync(image));
    } else missing.push("rootfs.cramfs (util-linux / cramfsprogs)");
    if (hasTool("genisoimage")) {
      const image = join(work, "cd.iso");
      run("genisoimage", [
        "-quiet",
        "-R",
        "-J",
        "-o",
        image,
        makeTree(join(work, "tree-iso"), { links: false }),
      ]);
      put("cd.iso", readFileSync(image));
    } else missing.push("cd.iso (genisoimage)");
    if (hasTool("mkfs.ext4")) {
      const image = join(work, "ext4.img");
      run("mkfs.ext4", ["-q", "-F", "-d", makeTree(join(work, "tree-ext"), { links: false }), image, "1M"]);
      put("ext4.img", readFileSync(image));
    } else missing.push("ext4.img (e2fsprogs)");
    if (hasTool("mkfs.vfat") && hasTool("mcopy")) {
      const image = join(work, "fat.img");
      run("mkfs.vfat", ["-C", image, "1440"]);
      writeFileSync(join(work, "LIBFACE.SO"), lib);
      run("mcopy", ["-i", image, join(work, "LIBFACE.SO"), "::/LIBFACE.SO"]);
      put("fat.img", readFileSync(image));
    } else missing.push("fat.img (dosfstools, mtools)");
    // An NTFS volume (a Windows server's), written by ntfs-3g's tools without mounting it: libface.so, and
    // readme.txt with an alternate data stream, "notes", that holds text of its own.
    if (hasTool("mkntfs") && hasTool("ntfscp")) {
      const image = join(work, "ntfs.img");
      writeFileSync(image, Buffer.alloc(0));
      truncateSync(image, 2 * 1024 * 1024);
      run("mkntfs", ["-q", "-F", "-f", image]);
      writeFileSync(join(work, "readme.txt"), "plain readme\n");
      writeFileSync(
        join(work, "notes.txt"),
        `typedef enum { ${ENUM_TEXT} = 3 } EM_NATION_TYPE; /* 维族 */\n`,
      );
      run("ntfscp", ["-q", image, join(work, "libface.so"), "libface.so"]);
      run("ntfscp", ["-q", image, join(work, "readme.txt"), "readme.txt"]);
      run("ntfscp", ["-q", "-N", "notes", image, join(work, "notes.txt"), "readme.txt"]);
      put("ntfs.img", readFileSync(image));
    } else missing.push("ntfs.img (ntfs-3g)");
    // An EROFS image (newer Android and embedded Linux), which custodiet recognises but does not read by file
    // name: a gzip file kept in it whole is carved out.
    if (hasTool("mkfs.erofs")) {
      const root = join(work, "tree-erofs");
      mkdirSync(join(root, "usr/lib"), { recursive: true });
      writeFileSync(join(root, "usr/lib/libface.so.gz"), gzipSync(lib));
      run("mkfs.erofs", ["--quiet", "-T0", "--all-root", join(work, "erofs.img"), root]);
      put("erofs.img", readFileSync(join(work, "erofs.img")));
    } else missing.push("erofs.img (erofs-utils)");
    // Disk images: partition tables around the file systems, a virtual disk, an Android sparse image.
    const ext4Image = existsSync(join(work, "ext4.img")) ? readFileSync(join(work, "ext4.img")) : undefined;
    const fatImage = existsSync(join(work, "fat.img")) ? readFileSync(join(work, "fat.img")) : undefined;
    if (ext4Image !== undefined && fatImage !== undefined) {
      const mbr = mbrDisk([
        [0x0c, fatImage],
        [0x83, ext4Image],
      ]);
      put("disk-mbr.img", mbr);
      put(
        "disk-gpt.img",
        gptDisk([
          ["rootfs", ext4Image],
          ["data", fatImage],
        ]),
      );
      put("disk.vhd", vhdDynamic(mbr));
      put("system.simg", androidSparse(ext4Image));
      put("client.dmg", udifImage(ext4Image, "disk image (Linux : 1)"));
    } else
      missing.push(
        "disk-mbr.img, disk-gpt.img, disk.vhd, system.simg, client.dmg (need ext4.img and fat.img)",
      );
    // A virtual appliance's disks, written by QEMU's qemu-img from the MBR disk: VMware's sparse VMDK, a
    // stream-optimized one (as an .ova holds), Hyper-V's VHDX, QCOW2 and VirtualBox's VDI.
    if (hasTool("qemu-img") && made["disk-mbr.img"] !== undefined) {
      const convert = (name, format, options = []) => {
        run("qemu-img", [
          "convert",
          "-f",
          "raw",
          "-O",
          format,
          ...options,
          made["disk-mbr.img"],
          join(work, name),
        ]);
        put(name, readFileSync(join(work, name)));
      };
      convert("disk.vmdk", "vmdk");
      convert("stream.vmdk", "vmdk", ["-o", "subformat=streamOptimized"]);
      convert("disk.vhdx", "vhdx", ["-o", "block_size=1M,log_size=1M"]);
      convert("disk.qcow2", "qcow2");
      convert("disk.vdi", "vdi");
      // A virtual appliance as it ships: an .ova, a tar of its OVF descriptor and its stream-optimized disk.
      put(
        "appliance.ova",
        tar([
          ["appliance.ovf", Buffer.from('<?xml version="1.0"?>\n<Envelope><DiskSection/></Envelope>\n')],
          ["appliance-disk1.vmdk", readFileSync(join(work, "stream.vmdk"))],
        ]),
      );
      // An empty 20 GiB disk in a 200 KB file: more than a scan expands by default.
      run("qemu-img", ["create", "-q", "-f", "qcow2", join(work, "large.qcow2"), "20G"]);
      put("large.qcow2", readFileSync(join(work, "large.qcow2")));
    } else
      missing.push(
        "disk.vmdk, stream.vmdk, appliance.ova, disk.vhdx, disk.qcow2, disk.vdi, large.qcow2 (qemu-utils)",
      );
    if (hasTool("gcab")) {
      const cab = join(work, "archive.cab");
      run("gcab", ["-c", "-n", cab, join(work, "libface.so")]);
      put("archive.cab", readFileSync(cab));
      // A Windows bundle (as WiX's Burn writes one): a program with a compressed cabinet attached after it.
      const packed = join(work, "packed.cab");
      run("gcab", ["-c", "-z", "-n", packed, join(work, "libface.so")]);
      put(
        "bundle.exe",
        peProgram({
          text: Buffer.from("bundle engine\0"),
          resource: Buffer.alloc(16),
          overlay: Buffer.concat([lcgNoise(5000, 7), readFileSync(packed), lcgNoise(300, 8)]),
        }),
      );
    } else missing.push("archive.cab, bundle.exe (gcab)");
    if (hasTool("makensis")) {
      const script = join(work, "installer.nsi");
      writeFileSync(
        script,
        `OutFile "${join(work, "setup.exe")}"\nSetCompressor /SOLID lzma\nSection\nSetOutPath $INSTDIR\nFile "${join(work, "libface.so")}"\nSectionEnd\n`,
      );
      run("makensis", ["-V1", script]);
      put("setup.exe", readFileSync(join(work, "setup.exe")));
    } else missing.push("setup.exe (nsis)");
    if (hasTool("wixl")) {
      const wxs = join(work, "product.wxs");
      writeFileSync(
        wxs,
        `<?xml version="1.0"?><Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Product Id="*" Name="Face" Language="1033" Version="1.0.0" Manufacturer="Test" UpgradeCode="12345678-1234-1234-1234-123456789012"><Package InstallerVersion="200" Compressed="yes"/><Media Id="1" Cabinet="data.cab" EmbedCab="yes"/><Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="INSTALLDIR" Name="Face"><Component Id="C1" Guid="12345678-1234-1234-1234-123456789013"><File Id="F1" Source="libface.so"/></Component></Directory></Directory></Directory><Feature Id="Main" Level="1"><ComponentRef Id="C1"/></Feature></Product></Wix>`,
      );
      run("wixl", ["-o", "setup.msi", "product.wxs"], { cwd: work });
      put("setup.msi", readFileSync(join(work, "setup.msi")));
    } else missing.push("setup.msi (wixl)");
    if (hasTool("rpmbuild")) {
      const top = join(work, "rpm");
      mkdirSync(join(top, "SPECS"), { recursive: true });
      writeFileSync(
        join(top, "SPECS/face.spec"),
        `Name: face\nVersion: 1\nRelease: 1\nSummary: t\nLicense: none\nBuildArch: noarch\n%description\nt\n%install\nmkdir -p %{buildroot}/usr/lib\ncp ${join(work, "libface.so")} %{buildroot}/usr/lib/\n%files\n/usr/lib/libface.so\n`,
      );
      run("rpmbuild", [
        "--define",
        `_topdir ${top}`,
        "--define",
        "_binary_payload w9.gzdio",
        "-bb",
        join(top, "SPECS/face.spec"),
      ]);
      put("face.rpm", readFileSync(join(top, "RPMS/noarch/face-1-1.noarch.rpm")));
    } else missing.push("face.rpm (rpm)");
    const ubifs = buildUbifsFixtures(outDir);
    Object.assign(made, ubifs.made);
    missing.push(...ubifs.missing);
    const flash = buildFlashDumps(outDir, ubifs);
    Object.assign(made, flash.made);
    missing.push(...flash.missing);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { made, missing };
}

// ---------------------------------------------------------------- UBIFS

export const UBIFS_COMPRESSIONS = ["lzo", "zlib", "none", "zstd"];
/** Where the UTF-16LE enum starts in `ubifsLibBytes()`: across the boundary of data blocks 1 and 2. */
export const UBIFS_ENUM_AT = 8192 - 12;

/** A 12,000-byte library for UBIFS: text around `libfaceBytes()`, its enum across a 4 KiB block boundary. */
export function ubifsLibBytes() {
  const out = Buffer.alloc(12000);
  for (let i = 0; i < out.length; i += 1) out[i] = 0x61 + ((i * 7 + (i >> 6)) % 26);
  const lib = libfaceBytes();
  lib.copy(out, UBIFS_ENUM_AT - lib.indexOf(utf16le(ENUM_TEXT)));
  return out;
}

/**
 * UBIFS images written by mkfs.ubifs, one per compression (`ubifs-<comp>.img`): nested directories, the
 * library above with a hard link to it, a sparse file, a symlink, an empty file; and the LZO image as
 * volume "rootfs" of a UBI NAND image (`ubifs-ubi.img`, 2 KiB pages, 128 KiB erase blocks).
 */
export function buildUbifsFixtures(outDir) {
  const made = {};
  const missing = [];
  if (!hasTool("mkfs.ubifs") || !hasTool("ubinize")) return { made, missing: ["ubifs images (mtd-utils)"] };
  const work = mkdtempSync(join(tmpdir(), "custodiet-ubifs-"));
  try {
    const tree = join(work, "tree");
    mkdirSync(join(tree, "usr/lib"), { recursive: true });
    mkdirSync(join(tree, "var/lib/a/b/c"), { recursive: true });
    mkdirSync(join(tree, "etc"), { recursive: true });
    writeFileSync(join(tree, "usr/lib/libface.so"), ubifsLibBytes());
    linkSync(join(tree, "usr/lib/libface.so"), join(tree, "usr/lib/libface.so.1"));
    writeFileSync(join(tree, "etc/readme.txt"), `${MARKER} readme\n`);
    writeFileSync(join(tree, "etc/empty"), "");
    symlinkSync("/etc/passwd", join(tree, "etc/escape"));
    writeFileSync(join(tree, "var/lib/a/b/c/deep.txt"), `${MARKER} deep\n`);
    // 64 KiB with one written block at 40 KiB: the rest is a hole mkfs.ubifs stores no data nodes for.
    const sparse = join(tree, "var/sparse.bin");
    writeFileSync(sparse, "");
    const fd = openSync(sparse, "r+");
    writeSync(fd, Buffer.from(MARKER), 0, MARKER.length, 40960);
    ftruncateSync(fd, 65536);
    closeSync(fd);
    for (const comp of UBIFS_COMPRESSIONS) {
      const image = join(outDir, `ubifs-${comp}.img`);
      run("mkfs.ubifs", [
        "-U",
        "-m",
        "2048",
        "-e",
        "126976",
        "-c",
        "64",
        "-x",
        comp,
        "-r",
        tree,
        "-o",
        image,
      ]);
      made[`ubifs-${comp}.img`] = image;
    }
    const config = join(work, "ubinize.cfg");
    writeFileSync(
      config,
      `[rootfs]\nmode=ubi\nimage=${made["ubifs-lzo.img"]}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n`,
    );
    const ubi = join(outDir, "ubifs-ubi.img");
    run("ubinize", ["-o", ubi, "-m", "2048", "-p", "128KiB", "-s", "2048", config]);
    made["ubifs-ubi.img"] = ubi;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { made, missing };
}

// ---------------------------------------------------------------- flash dumps

/** Where the file systems sit in the flash dumps of `buildFlashDumps`. */
export const FLASH_OFFSETS = {
  "flash-jffs2-le.bin": 0x10000,
  "flash-jffs2-be.bin": 0x40000,
  "flash-ubi.bin": 0x100000,
  "flash-ubifs.bin": 0x80000,
  // flash-ubi.bin read with the spare areas of its 2,048-byte pages: 0x100000 / 2048 pages of 2,112 bytes.
  "flash-nand-oob.bin": 0x108000,
  // A JFFS2 made for NAND (no cleanmarkers, 2 KiB pages, 128 KiB blocks) at 0x100000, read likewise.
  "flash-jffs2-nand.bin": 0x108000,
  // A squashfs at 0x100000, read likewise.
  "flash-squashfs-nand.bin": 0x108000,
  // Two JFFS2 partitions, erased flash between them: a configuration partition, then the root.
  "flash-jffs2-two.bin": 0x20000,
};

/**
 * A dump as a NAND programmer reads it: after each 2,048-byte page its 64-byte spare area, erased (0xff)
 * for an erased page, else a good-block mark and ECC-like noise.
 */
export function withSpareAreas(bytes, page = 2048, spare = 64) {
  const pages = Math.ceil(bytes.length / page);
  const out = Buffer.alloc(pages * (page + spare), 0xff);
  const ecc = lcgNoise(spare, 37);
  for (let k = 0; k < pages; k += 1) {
    const data = bytes.subarray(k * page, (k + 1) * page);
    data.copy(out, k * (page + spare));
    if (data.some((byte) => byte !== 0xff)) ecc.copy(out, k * (page + spare) + page + 2, 2);
  }
  return out;
}

/**
 * Text for 64 KiB linked LZ4 blocks: numbered lines, the enum near the end of the first block and again at
 * the start of the second, where LZ4 writes it as a match into the first.
 */
export function lz4LinkedText() {
  const lines = [];
  for (let i = 0; i < 5000; i += 1) {
    lines.push(`row ${i} value ${(i * 7919) % 10007}`);
    if (i === 3000 || i === 3500) lines.push(`  ${ENUM_TEXT} = 3, /* 维族 */`);
  }
  return Buffer.from(lines.join("\n"), "utf8");
}

/** Deterministic noise (a linear congruential generator) standing in for firmware, a bootloader or a kernel. */
function lcgNoise(length, seed) {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i += 1) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

/** `bytes` placed at `offset` after `before` (padded with `fill` up to it), padded to whole erase blocks. */
function flashPartition(before, offset, bytes, fill, eraseBlock) {
  const tail = (eraseBlock - (bytes.length % eraseBlock)) % eraseBlock;
  return Buffer.concat([
    before,
    Buffer.alloc(offset - before.length, fill),
    bytes,
    Buffer.alloc(tail + eraseBlock, 0xff),
  ]);
}

/**
 * Whole flash dumps as read off a camera's chip, each with a root file system at a partition offset
 * (FLASH_OFFSETS): a fake bootloader (noise), zeros or a uImage kernel, the file system, erased flash
 * (0xff) to the end of its partition, and more noise. JFFS2 images by mkfs.jffs2 in both byte orders
 * (64 KiB erase blocks), the UBI image and the bare UBIFS volume of `buildUbifsFixtures` (built anew
 * unless its result is passed).
 */
export function buildFlashDumps(outDir, ubifs = buildUbifsFixtures(outDir)) {
  const made = {};
  const missing = [];
  const put = (name, bytes) => {
    const path = join(outDir, name);
    writeFileSync(path, bytes);
    made[name] = path;
  };
  /** `<name>.img`, and `<name>.bin`: a NAND dump with spare areas holding it at 0x100000 after noise. */
  const putNandDump = (name, image, seed) => {
    put(`${name}.img`, image);
    const dump = flashPartition(lcgNoise(0x40000, seed), 0x100000, image, 0, 0x20000);
    put(`${name}.bin`, withSpareAreas(Buffer.concat([dump, lcgNoise(0x4000, seed + 2)])));
  };
  if (hasTool("mkfs.jffs2")) {
    const work = mkdtempSync(join(tmpdir(), "custodiet-flash-"));
    try {
      const root = makeTree(join(work, "tree"), { links: false });
      for (const [order, flag] of [
        ["le", "-l"],
        ["be", "-b"],
      ]) {
        const image = join(work, `jffs2-${order}.img`);
        run("mkfs.jffs2", [flag, "-q", "-e", "64KiB", "-r", root, "-o", image]);
        const name = `flash-jffs2-${order}.bin`;
        const before =
          order === "le"
            ? lcgNoise(0x8000, 21)
            : Buffer.concat([lcgNoise(0x20000, 23), uImage(lcgNoise(0x8000, 25), "kernel", 2)]);
        // The image itself too, to compare the carved slice with.
        put(`flash-jffs2-${order}.img`, readFileSync(image));
        const fs = flashPartition(before, FLASH_OFFSETS[name], readFileSync(image), 0, 0x10000);
        put(name, Buffer.concat([fs, lcgNoise(0x4000, 27)]));
      }
      // Some pages of incompressible files, so that nodes cross page ends; the enum's file comes last.
      const nandRoot = makeTree(join(work, "nand-tree"), { links: false });
      for (let k = 0; k < 12; k += 1)
        writeFileSync(join(nandRoot, `etc/blob-${k}.bin`), lcgNoise(3000 + 97 * k, 43 + k));
      // A configuration partition at 0x20000 and, after erased flash, the root file system at 0x60000.
      const config = join(work, "config");
      mkdirSync(join(config, "etc"), { recursive: true });
      writeFileSync(join(config, "etc/network.conf"), "ip=192.0.2.10\nmask=255.255.255.0\n");
      writeFileSync(join(config, "etc/passwd"), "admin:x:0:0::/root:/bin/sh\n");
      const configImage = join(work, "jffs2-config.img");
      run("mkfs.jffs2", ["-l", "-q", "-e", "64KiB", "-r", config, "-o", configImage]);
      put("flash-jffs2-config.img", readFileSync(configImage));
      const configPart = flashPartition(lcgNoise(0x8000, 49), 0x20000, readFileSync(configImage), 0, 0x10000);
      const rootImage = readFileSync(join(work, "jffs2-le.img"));
      const two = flashPartition(configPart, 0x60000, rootImage, 0xff, 0x10000);
      put("flash-jffs2-two.bin", Buffer.concat([two, lcgNoise(0x4000, 51)]));
      const nand = join(work, "jffs2-nand.img");
      run("mkfs.jffs2", ["-n", "-l", "-q", "-e", "128KiB", "-s", "2048", "-r", nandRoot, "-o", nand]);
      putNandDump("flash-jffs2-nand", readFileSync(nand), 39);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else missing.push("flash-jffs2-*.bin (mtd-utils)");
  if (hasTool("mksquashfs")) {
    const work = mkdtempSync(join(tmpdir(), "custodiet-flash-"));
    try {
      const root = makeTree(join(work, "tree"), { links: false });
      writeFileSync(join(root, "etc/blob.bin"), lcgNoise(40_000, 45));
      const image = join(work, "rootfs.squashfs");
      run("mksquashfs", [root, image, "-comp", "xz", "-noappend", "-quiet", "-no-progress", "-all-root"]);
      putNandDump("flash-squashfs-nand", readFileSync(image), 53);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else missing.push("flash-squashfs-nand.bin (mksquashfs)");
  const ubi = ubifs.made["ubifs-ubi.img"];
  const volume = ubifs.made["ubifs-lzo.img"];
  if (ubi !== undefined && volume !== undefined) {
    const bootloader = lcgNoise(0x40000, 29);
    const ubiDump = flashPartition(bootloader, FLASH_OFFSETS["flash-ubi.bin"], readFileSync(ubi), 0, 0x20000);
    put("flash-ubi.bin", Buffer.concat([ubiDump, lcgNoise(0x8000, 31)]));
    put("flash-nand-oob.bin", withSpareAreas(Buffer.concat([ubiDump, lcgNoise(0x8000, 31)])));
    const ubifsDump = flashPartition(
      bootloader,
      FLASH_OFFSETS["flash-ubifs.bin"],
      readFileSync(volume),
      0,
      0x20000,
    );
    put("flash-ubifs.bin", Buffer.concat([ubifsDump, lcgNoise(0x8000, 33)]));
  } else missing.push(...ubifs.missing.map((what) => `flash-ubi.bin, flash-ubifs.bin: ${what}`));
  return { made, missing };
}

/** Rewrites the local header signatures of a zip to Dahua's `DH\x03\x04` (central directory keeps PK). */
export function dahuaPatch(zip) {
  const out = Buffer.from(zip);
  const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = out.readUInt16LE(eocd + 10);
  let position = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i += 1) {
    const local = out.readUInt32LE(position + 42);
    out[local] = 0x44;
    out[local + 1] = 0x48;
    position +=
      46 +
      out.readUInt16LE(position + 28) +
      out.readUInt16LE(position + 30) +
      out.readUInt16LE(position + 32);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const outDir = resolve(process.argv[2] ?? join(root, "test/fixtures/containers"));
  const { made, missing } = await buildFixtures(outDir);
  process.stdout.write(`built ${Object.keys(made).length} fixtures in ${outDir}\n`);
  if (missing.length > 0) process.stdout.write(`missing tools for: ${missing.join(", ")}\n`);
}
