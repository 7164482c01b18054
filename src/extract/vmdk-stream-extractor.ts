import { open, rm } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import type { ByteSource } from "../model/bytes.js";
import {
  ContainerBudget,
  child,
  errorMessage,
  partial,
  readU64,
  safeTempName,
  viewOf,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent } from "./extractor.js";
import { strippedName } from "./gzip-extractor.js";

/**
 * A stream-optimized VMDK (what an `.ova` holds, what `qemu-img -o subformat=streamOptimized` and VMware's
 * OVF tool write), which 7-Zip 24.09 does not open: after its header, a run of markers, each a compressed
 * grain (its sector on the disk, its length, the deflated grain) or a metadata marker (grain tables, the
 * grain directory, the footer, the end of the stream). The grains are inflated into a sparse file the size
 * of the disk, so the disk's partitions and file systems are read as a raw disk's are.
 */

const SECTOR = 512;
/** Metadata marker types. */
const MARKER_EOS = 0;
const MARKER_FOOTER = 3;

interface StreamHeader {
  readonly capacity: number;
  readonly grainBytes: number;
  readonly overHead: number;
  readonly compression: number;
}

function streamHeader(head: Uint8Array): StreamHeader | undefined {
  if (head.length < 80) return undefined;
  const view = viewOf(head);
  const grainSectors = readU64(view, 20);
  return {
    capacity: readU64(view, 12) * SECTOR,
    grainBytes: grainSectors * SECTOR,
    overHead: readU64(view, 64) * SECTOR,
    compression: view.getUint16(77, true),
  };
}

export async function* extractStreamVmdk(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "vmdk");
  const header = streamHeader(await source.read(0, SECTOR));
  const name = strippedName(context.name.split(/[\\/]/).pop() ?? context.name, [[".vmdk", ".img"]]);
  if (
    header === undefined ||
    header.compression !== 1 ||
    header.grainBytes < 8 * SECTOR ||
    header.grainBytes > 1 << 24 ||
    header.overHead < SECTOR ||
    !Number.isSafeInteger(header.capacity)
  ) {
    yield partial("corrupt", "vmdk: a stream-optimized header with values no writer uses");
    return;
  }
  const admitted = budget.admit(name, header.capacity, source.size);
  if (admitted !== undefined) {
    yield admitted;
    return;
  }
  const path = safeTempName(context.tempDir, name);
  const disk = await open(path, "wx");
  let grains = 0;
  let failure: string | undefined;
  let ended = false;
  try {
    let position = header.overHead;
    while (position + 16 <= source.size) {
      if (context.signal.aborted) break;
      const marker = await source.read(position, 16);
      const view = viewOf(marker);
      const value = readU64(view, 0);
      const size = view.getUint32(8, true);
      if (size === 0) {
        const type = view.getUint32(12, true);
        if (type === MARKER_EOS) {
          ended = true;
          break;
        }
        if (type > MARKER_FOOTER) throw new Error(`unknown marker type ${type} at ${position}`);
        // A grain table, the grain directory or the footer: `value` sectors after the marker's own.
        position += SECTOR + value * SECTOR;
        continue;
      }
      const at = value * SECTOR;
      if (size > header.grainBytes * 2 || at + header.grainBytes > header.capacity)
        throw new Error(`a grain of ${size} bytes for sector ${value} at ${position}`);
      const deflated = await source.read(position + 12, size);
      if (deflated.length < size) throw new Error(`grain at ${position} cut short`);
      const grain = inflateSync(deflated, { maxOutputLength: header.grainBytes });
      await disk.write(grain, 0, grain.length, at);
      grains += 1;
      position += Math.ceil((12 + size) / SECTOR) * SECTOR;
    }
  } catch (error) {
    failure = errorMessage(error);
  } finally {
    // The disk's full size, its unwritten grains holes (zeros), also when the stream broke off.
    await disk.truncate(header.capacity).catch(() => undefined);
    await disk.close();
  }
  if (context.signal.aborted) {
    await rm(path, { force: true });
    yield budget.skip(name, "budget-time", "time budget ran out while inflating the grains");
    return;
  }
  if (failure !== undefined && grains === 0) {
    await rm(path, { force: true });
    yield partial("corrupt", `vmdk: ${failure}`);
    return;
  }
  budget.written += header.capacity;
  yield child(name, "vmdk", { file: path });
  if (failure !== undefined) yield partial("corrupt", `vmdk: damaged after ${grains} grains: ${failure}`);
  else if (!ended) yield partial("corrupt", `vmdk: the stream ends without its end-of-stream marker`);
}
