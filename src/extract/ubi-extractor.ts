import type { ByteSource } from "../model/bytes.js";
import { ChildWriter, ContainerBudget, ascii, child, partial, startsWith, viewOf } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { NAND_LAYOUTS, withoutSpareAreas, type SpareLayout } from "./nand.js";
import { ubifsCrc } from "./ubifs-extractor.js";

const EC_MAGIC = ascii("UBI#");
const VID_MAGIC = ascii("UBI!");
/** The internal layout volume holding the volume table. */
const LAYOUT_VOLUME = 0x7fffefff;
const VTBL_RECORD = 172;
const PEB_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048].map((k) => k * 1024);

interface Leb {
  readonly peb: number;
  readonly sqnum: number;
  readonly dataSize: number;
}

interface Volume {
  readonly id: number;
  readonly lebs: Map<number, Leb>;
  readonly isStatic: boolean;
}

/** The physical erase block size: the distance between erase-counter headers. */
async function findPebSize(source: ByteSource): Promise<number | undefined> {
  for (const size of PEB_SIZES) {
    if (size * 2 > source.size) break;
    const next = await source.read(size, 4);
    if (startsWith(next, EC_MAGIC)) return size;
  }
  return source.size <= PEB_SIZES.at(-1)! ? source.size : undefined;
}

/** A UBI erase-counter header: magic, version 1 and its CRC (UBI's crc32: seed 0xffffffff, no inversion). */
export function isUbiEcHeader(head: Uint8Array): boolean {
  return (
    head.length >= 64 &&
    startsWith(head, EC_MAGIC) &&
    head[4] === 1 &&
    ubifsCrc(head.subarray(0, 60)) === viewOf(head).getUint32(60, false)
  );
}

/**
 * The NAND layout of a UBI image whose pages carry their spare areas, when the erase block at `offset` is
 * followed, one stride of some layout later, by another block that `sameImage` accepts; undefined else.
 */
export async function findSpareLayout(
  source: ByteSource,
  offset: number,
  sameImage: (at: number) => Promise<boolean>,
): Promise<SpareLayout | undefined> {
  for (const peb of PEB_SIZES) {
    for (const { page, spare } of NAND_LAYOUTS) {
      if (page > peb) continue;
      const stride = (peb / page) * (page + spare);
      if (offset + stride + 64 > source.size) continue;
      if (await sameImage(offset + stride)) return { page, spare, stride };
    }
  }
  return undefined;
}

/**
 * UBI images (raw NAND dumps): reassembles each volume from its logical erase blocks (the highest
 * sequence number wins) and yields it as a child named from the volume table. Volumes often hold a
 * squashfs or a UBIFS, which the engine then opens (UBIFS with the own reader in ubifs-extractor.ts,
 * which lists and rebuilds its files).
 */
export async function* extractUbi(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "ubi");
  const pebSize = await findPebSize(source);
  if (pebSize === undefined || pebSize === source.size) {
    // A dump with the spare areas of its pages: the next header is a little more than a PEB away.
    const layout = await findSpareLayout(source, 0, async (at) => isUbiEcHeader(await source.read(at, 64)));
    if (layout !== undefined) {
      yield* withoutSpareAreas(source, context, layout);
      return;
    }
  }
  if (pebSize === undefined) {
    yield partial("corrupt", "no second UBI erase-counter header found; erase block size unknown");
    return;
  }
  const volumes = new Map<number, Volume>();
  let dataOffset = 0;
  let bad = 0;
  for (let peb = 0; peb * pebSize < source.size; peb += 1) {
    if (context.signal.aborted) {
      yield partial("budget-time", "time budget ran out while reading UBI headers");
      return;
    }
    const base = peb * pebSize;
    const ec = await source.read(base, 64);
    if (!startsWith(ec, EC_MAGIC)) {
      bad += 1;
      continue;
    }
    const ecView = viewOf(ec);
    const vidOffset = ecView.getUint32(16, false);
    dataOffset = ecView.getUint32(20, false);
    if (vidOffset + 64 > pebSize || dataOffset >= pebSize) {
      bad += 1;
      continue;
    }
    const vid = await source.read(base + vidOffset, 64);
    if (!startsWith(vid, VID_MAGIC)) continue; // an empty (erased) block
    const view = viewOf(vid);
    const volumeId = view.getUint32(8, false);
    const lnum = view.getUint32(12, false);
    const sqnum = view.getUint32(40, false) * 0x1_0000_0000 + view.getUint32(44, false);
    let volume = volumes.get(volumeId);
    if (volume === undefined) {
      volume = { id: volumeId, lebs: new Map(), isStatic: vid[5] === 2 };
      volumes.set(volumeId, volume);
    }
    const known = volume.lebs.get(lnum);
    if (known === undefined || known.sqnum < sqnum) {
      volume.lebs.set(lnum, { peb, sqnum, dataSize: view.getUint32(20, false) });
    }
  }
  if (bad > 0) yield partial("corrupt", `${bad} erase blocks without a valid UBI header`);
  const names = await volumeNames(source, volumes.get(LAYOUT_VOLUME), pebSize, dataOffset);
  const lebSize = pebSize - dataOffset;
  for (const volume of [...volumes.values()].sort((a, b) => a.id - b.id)) {
    if (volume.id === LAYOUT_VOLUME) continue;
    const name = names.get(volume.id) ?? `volume-${volume.id}`;
    const count = Math.max(...volume.lebs.keys()) + 1;
    const skipped = budget.admit(name, count * lebSize);
    if (skipped !== undefined) {
      yield skipped;
      continue;
    }
    const writer = new ChildWriter(context.tempDir, name);
    // Unmapped LEBs read as erased flash (0xff); trailing unmapped ones are left out.
    const erased = new Uint8Array(lebSize).fill(0xff);
    for (let lnum = 0; lnum < count; lnum += 1) {
      const leb = volume.lebs.get(lnum);
      if (leb === undefined) {
        await writer.write(erased);
        continue;
      }
      const length = volume.isStatic ? Math.min(leb.dataSize, lebSize) : lebSize;
      await writer.write(await source.read(leb.peb * pebSize + dataOffset, length));
    }
    budget.written += writer.size;
    yield child(name, "ubi", await writer.finish());
  }
}

async function volumeNames(
  source: ByteSource,
  layout: Volume | undefined,
  pebSize: number,
  dataOffset: number,
): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  const leb = layout?.lebs.get(0);
  if (leb === undefined) return names;
  const table = await source.read(
    leb.peb * pebSize + dataOffset,
    Math.min(128 * VTBL_RECORD, pebSize - dataOffset),
  );
  const view = viewOf(table);
  for (let id = 0; (id + 1) * VTBL_RECORD <= table.length; id += 1) {
    const record = id * VTBL_RECORD;
    if (view.getUint32(record, false) === 0) continue; // reserved_pebs 0: unused slot
    const nameLength = Math.min(127, view.getUint16(record + 14, false));
    const name = new TextDecoder()
      .decode(table.subarray(record + 16, record + 16 + nameLength))
      .replace(/[\\/]/g, "_");
    if (name !== "") names.set(id, name);
  }
  return names;
}

export const ubiExtractor = {
  name: "ubi",
  detect: (head: Uint8Array) => startsWith(head, EC_MAGIC) && head[4] === 1,
  extract: extractUbi,
} satisfies Extractor;
