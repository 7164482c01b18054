import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, child, copyRange, partial, startsWith } from "./child-writer.js";
import { crc32 } from "./crc32.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";

export const UIMAGE_MAGIC = [0x27, 0x05, 0x19, 0x56] as const;
export const UIMAGE_HEADER_SIZE = 64;
const COMPRESSION_SUFFIX = ["", ".gz", ".bz2", ".lzma", ".lzo", ".lz4", ".zst"];

export interface UImageHeader {
  readonly dataSize: number;
  readonly type: number;
  readonly compression: number;
  readonly name: string;
}

/** Parses a U-Boot legacy image header; undefined unless the magic and the header CRC are right. */
export function parseUImageHeader(bytes: Uint8Array, at = 0): UImageHeader | undefined {
  if (bytes.length < at + UIMAGE_HEADER_SIZE || !startsWith(bytes, UIMAGE_MAGIC, at)) return undefined;
  const header = bytes.slice(at, at + UIMAGE_HEADER_SIZE);
  const view = new DataView(header.buffer);
  const stored = view.getUint32(4, false);
  view.setUint32(4, 0, false);
  if (crc32(header) !== stored) return undefined;
  const nameBytes = header.subarray(32, 64);
  const end = nameBytes.indexOf(0);
  const name = new TextDecoder()
    .decode(end < 0 ? nameBytes : nameBytes.subarray(0, end))
    .replace(/[^\x20-\x7e]/g, "_")
    .trim();
  return { dataSize: view.getUint32(12, false), type: header[30]!, compression: header[31]!, name };
}

export async function* extractUImage(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "uimage");
  const header = parseUImageHeader(await source.read(0, UIMAGE_HEADER_SIZE));
  if (header === undefined) {
    yield partial("corrupt", "U-Boot header CRC does not match");
    return;
  }
  const base =
    (header.name || "payload").replace(/[\\/]/g, "_") + (COMPRESSION_SUFFIX[header.compression] ?? "");
  const available = Math.max(0, source.size - UIMAGE_HEADER_SIZE);
  const dataSize = Math.min(header.dataSize, available);
  if (header.dataSize > available)
    yield partial("corrupt", `image data truncated: ${available} of ${header.dataSize} bytes`);
  // Multi-file image (type 4): a zero-terminated table of sizes, then the images, each 4-byte aligned.
  if (header.type === 4) {
    const sizes: number[] = [];
    const table = await source.read(UIMAGE_HEADER_SIZE, Math.min(dataSize, 4 * 64));
    const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
    for (let i = 0; i + 4 <= table.length; i += 4) {
      const size = view.getUint32(i, false);
      if (size === 0) break;
      sizes.push(size);
    }
    let offset = UIMAGE_HEADER_SIZE + (sizes.length + 1) * 4;
    for (const [index, size] of sizes.entries()) {
      const name = `${base}.${index}`;
      const length = Math.min(size, Math.max(0, source.size - offset));
      const skipped = budget.admit(name, length);
      if (skipped !== undefined) yield skipped;
      else if (length > 0)
        yield child(name, "uimage", await copyRange(source, offset, length, context, name), {
          offsetInParent: offset,
        });
      offset += Math.ceil(size / 4) * 4;
    }
    return;
  }
  const skipped = budget.admit(base, dataSize);
  if (skipped !== undefined) {
    yield skipped;
    return;
  }
  yield child(base, "uimage", await copyRange(source, UIMAGE_HEADER_SIZE, dataSize, context, base), {
    offsetInParent: UIMAGE_HEADER_SIZE,
  });
}

export const uimageExtractor = {
  name: "uimage",
  detect: (head: Uint8Array) => parseUImageHeader(head) !== undefined,
  extract: extractUImage,
} satisfies Extractor;
