import type { ByteSource } from "../model/bytes.js";
import { viewOf } from "./child-writer.js";

/**
 * The layout of a Windows PE file (an .exe or .dll), read from its headers: where its sections lie in the
 * file, where the image ends and an overlay (data appended after it: an installer's payload, a signature)
 * begins, and its resources. Installers are told apart by these; nothing here trusts a field without a
 * bound, since a vendor's file or a damaged one may hold anything.
 */

export interface PeSection {
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly rawOffset: number;
  readonly rawSize: number;
}

export interface PeLayout {
  readonly sections: readonly PeSection[];
  /** Where the image's last section ends in the file: bytes from here on are the overlay. */
  readonly imageEnd: number;
  /** The resource table's address and size in memory (data directory 2), when it has one. */
  readonly resources?: { readonly rva: number; readonly size: number };
}

/** More sections than this is not a PE a linker wrote (the format allows 96). */
const MAX_SECTIONS = 96;

/** The file's PE layout, from its first bytes (`head` should hold the headers: 4 KiB is plenty), or undefined. */
/** True when `head` starts as a Windows program does ("MZ"): a quick test before anything is read. */
export function startsAsProgram(head: Uint8Array): boolean {
  return head[0] === 0x4d && head[1] === 0x5a;
}

export function peLayout(head: Uint8Array): PeLayout | undefined {
  if (head.length < 0x40 || head[0] !== 0x4d || head[1] !== 0x5a) return undefined;
  const view = viewOf(head);
  const pe = view.getUint32(0x3c, true);
  if (pe < 0x40 || pe + 24 > head.length || view.getUint32(pe, true) !== 0x00004550) return undefined;
  const count = view.getUint16(pe + 6, true);
  const optionalSize = view.getUint16(pe + 20, true);
  const optional = pe + 24;
  const table = optional + optionalSize;
  if (count === 0 || count > MAX_SECTIONS || table + count * 40 > head.length) return undefined;
  const sections: PeSection[] = [];
  let imageEnd = 0;
  for (let index = 0; index < count; index++) {
    const at = table + index * 40;
    const rawSize = view.getUint32(at + 16, true);
    const rawOffset = view.getUint32(at + 20, true);
    const name = String.fromCharCode(...head.subarray(at, at + 8)).replace(/\0+$/u, "");
    sections.push({
      name,
      virtualSize: view.getUint32(at + 8, true),
      virtualAddress: view.getUint32(at + 12, true),
      rawOffset,
      rawSize,
    });
    if (rawSize > 0) imageEnd = Math.max(imageEnd, rawOffset + rawSize);
  }
  // The data directories follow the optional header's fixed part: 96 bytes in PE32, 112 in PE32+.
  const magic = optionalSize >= 2 ? view.getUint16(optional, true) : 0;
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const resourceEntry = directories + 2 * 8;
  let resources: PeLayout["resources"];
  if ((magic === 0x10b || magic === 0x20b) && resourceEntry + 8 <= table) {
    const rva = view.getUint32(resourceEntry, true);
    const size = view.getUint32(resourceEntry + 4, true);
    if (rva !== 0 && size !== 0) resources = { rva, size };
  }
  return { sections, imageEnd, ...(resources ? { resources } : {}) };
}

/** The file offset of a memory address, or undefined when no section's bytes in the file hold it. */
export function fileOffsetOf(layout: PeLayout, rva: number): number | undefined {
  for (const section of layout.sections) {
    const delta = rva - section.virtualAddress;
    if (delta >= 0 && delta < section.rawSize && delta < Math.max(section.virtualSize, section.rawSize))
      return section.rawOffset + delta;
  }
  return undefined;
}

/** Entries one resource directory may list before it is judged damaged. */
const MAX_DIRECTORY_ENTRIES = 4096;

/**
 * Where the resource of this type and numeric id lies in the file (its first language), or undefined. The
 * resource tree has three levels (type, id, language); each step is one small read within the table.
 */
export async function findResource(
  source: ByteSource,
  layout: PeLayout,
  type: number,
  id: number,
): Promise<{ offset: number; size: number } | undefined> {
  if (layout.resources === undefined) return undefined;
  const base = fileOffsetOf(layout, layout.resources.rva);
  if (base === undefined) return undefined;
  const limit = Math.min(layout.resources.size, source.size - base);
  /** The entry of `wanted` in the directory at `offset` (from the table's start), or the first when undefined. */
  const entry = async (offset: number, wanted: number | undefined): Promise<number | undefined> => {
    if (offset + 16 > limit) return undefined;
    const header = viewOf(await source.read(base + offset, 16));
    const named = header.getUint16(12, true);
    const total = named + header.getUint16(14, true);
    if (total === 0 || total > MAX_DIRECTORY_ENTRIES || offset + 16 + total * 8 > limit) return undefined;
    const entries = viewOf(await source.read(base + offset + 16, total * 8));
    // Named entries come first; ids follow them.
    for (let index = wanted === undefined ? 0 : named; index < total; index++) {
      const key = entries.getUint32(index * 8, true);
      if (wanted === undefined || key === wanted) return entries.getUint32(index * 8 + 4, true);
    }
    return undefined;
  };
  const SUBDIRECTORY = 0x80000000;
  const types = await entry(0, type);
  if (types === undefined || (types & SUBDIRECTORY) === 0) return undefined;
  const ids = await entry(types & ~SUBDIRECTORY, id);
  if (ids === undefined || (ids & SUBDIRECTORY) === 0) return undefined;
  const language = await entry(ids & ~SUBDIRECTORY, undefined);
  if (language === undefined || (language & SUBDIRECTORY) !== 0 || language + 16 > limit) return undefined;
  const data = viewOf(await source.read(base + language, 8));
  const offset = fileOffsetOf(layout, data.getUint32(0, true));
  const size = data.getUint32(4, true);
  if (offset === undefined || offset + size > source.size) return undefined;
  return { offset, size };
}
