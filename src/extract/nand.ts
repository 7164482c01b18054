/**
 * NAND dumps read with the spare areas of their pages. A programmer reading a chip gets, after every page
 * of data, its spare area (ECC bytes, bad-block marks): 2,048 + 64 bytes and so on. A file system in such a
 * dump is cut every page; without the spare areas it is whole again.
 */
import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, ContainerBudget, child, partial } from "./child-writer.js";
import type { ExtractContext, ExtractEvent } from "./extractor.js";

/**
 * Page and spare-area sizes of common NAND chips. The erase-counter headers of a UBI image in such a dump lie
 * PEB × (page + spare) / page bytes apart: never a power of two, so such a dump is never taken for a plain
 * image, nor the other way round.
 */
export const NAND_LAYOUTS: readonly { readonly page: number; readonly spare: number }[] = [
  { page: 2048, spare: 64 },
  { page: 2048, spare: 128 },
  { page: 4096, spare: 128 },
  { page: 4096, spare: 224 },
  { page: 4096, spare: 256 },
  { page: 512, spare: 16 },
  { page: 8192, spare: 448 },
  { page: 8192, spare: 640 },
];

export interface SpareLayout {
  readonly page: number;
  readonly spare: number;
  /**
   * Bytes from one erase block to the next in the dump (the PEB with its spare areas) where the erase block
   * is known (UBI); else one page with its spare area.
   */
  readonly stride: number;
}

/** `bytes` (whole pages with their spare areas, from a page start) without the spare areas. */
export function dropSpareAreas(
  bytes: Uint8Array,
  layout: { readonly page: number; readonly spare: number },
): Uint8Array {
  const { page, spare } = layout;
  const unit = page + spare;
  const pages = Math.floor(bytes.length / unit);
  const tail = Math.min(page, bytes.length - pages * unit);
  const data = new Uint8Array(pages * page + tail);
  for (let k = 0; k < pages; k += 1) data.set(bytes.subarray(k * unit, k * unit + page), k * page);
  if (tail > 0) data.set(bytes.subarray(pages * unit, pages * unit + tail), pages * page);
  return data;
}

/**
 * The dump with every page's spare area cut out, as one child: the bytes the flash's controller shows, a
 * plain UBI or JFFS2 image the engine then opens as usual.
 */
export async function* withoutSpareAreas(
  source: ByteSource,
  context: ExtractContext,
  layout: SpareLayout,
): AsyncGenerator<ExtractEvent> {
  const { page, spare } = layout;
  const unit = page + spare;
  const pages = Math.floor(source.size / unit);
  const tail = Math.min(page, source.size - pages * unit);
  const name = `data-${page}+${spare}`;
  const budget = new ContainerBudget(context, "nand");
  const skipped = budget.admit(name, pages * page + tail);
  if (skipped !== undefined) {
    yield skipped;
    return;
  }
  const writer = new ChildWriter(context.tempDir, name);
  const batch = Math.max(1, Math.floor((1 << 20) / unit));
  for (let first = 0; first < pages; first += batch) {
    if (context.signal.aborted) {
      await writer.discard();
      yield partial("budget-time", "time budget ran out while removing the spare areas of NAND pages");
      return;
    }
    const count = Math.min(batch, pages - first);
    await writer.write(dropSpareAreas(await source.read(first * unit, count * unit), layout));
  }
  if (tail > 0) await writer.write(await source.read(pages * unit, tail));
  budget.written += writer.size;
  yield child(name, "nand", await writer.finish(), {
    element: `${page}-byte pages, ${spare}-byte spare areas removed`,
  });
}

/** Where main-area byte `offset` lies in a dump with spare areas (both from a page start). */
export function withSpares(
  offset: number,
  layout: { readonly page: number; readonly spare: number },
): number {
  return Math.floor(offset / layout.page) * (layout.page + layout.spare) + (offset % layout.page);
}

/** `length` main-area bytes from `offset` of a dump with spare areas at `base` (a page start). */
async function readAround(
  source: ByteSource,
  base: number,
  offset: number,
  length: number,
  layout: { readonly page: number; readonly spare: number },
): Promise<Uint8Array> {
  const start = base + withSpares(offset, layout);
  const span = await source.read(start, length + layout.spare);
  const out = new Uint8Array(length);
  let filled = 0;
  for (let at = offset; filled < length; at += 1, filled += 1) {
    const index = base + withSpares(at, layout) - start;
    if (index >= span.length) return out.subarray(0, filled);
    out[filled] = span[index]!;
  }
  return out;
}

/**
 * True when a squashfs 4.0 superblock (`head`, little-endian) agrees with its ID table as `read` shows the
 * image: the table's index, at id_table_start, points at one metadata block that ends right where the
 * index begins (mksquashfs writes them so). A squashfs in a NAND dump with spare areas fails this, unless
 * read without them.
 */
async function squashfsIdTableAgrees(
  head: Uint8Array,
  read: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<boolean | undefined> {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const ids = view.getUint16(26, true);
  const index = Number(view.getBigUint64(48, true));
  if (ids === 0 || ids > 2048 || !Number.isSafeInteger(index) || index < 96) return undefined;
  const pointer = await read(index, 8);
  if (pointer.length < 8) return false;
  const block = Number(new DataView(pointer.buffer, pointer.byteOffset, 8).getBigUint64(0, true));
  if (!Number.isSafeInteger(block) || block < 96 || block + 2 > index) return false;
  const header = await read(block, 2);
  if (header.length < 2) return false;
  return block + 2 + ((header[0]! | (header[1]! << 8)) & 0x7fff) === index;
}

/**
 * The NAND layout of a squashfs at `offset` whose pages carry their spare areas; undefined when it reads
 * as it is (or cannot be told). `head` is its superblock (96 bytes).
 */
export async function squashfsSpareLayout(
  source: ByteSource,
  offset: number,
  head: Uint8Array,
): Promise<SpareLayout | undefined> {
  if (head.length < 96) return undefined;
  const plain = await squashfsIdTableAgrees(head, (at, length) => source.read(offset + at, length));
  if (plain !== false) return undefined;
  for (const { page, spare } of NAND_LAYOUTS) {
    const layout = { page, spare };
    const read = (at: number, length: number) => readAround(source, offset, at, length, layout);
    if ((await squashfsIdTableAgrees(head, read)) === true) return { page, spare, stride: page + spare };
  }
  return undefined;
}
