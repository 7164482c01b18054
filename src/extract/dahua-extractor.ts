import type { ByteSource } from "../model/bytes.js";
import { memorySource } from "../sources/byte-source.js";
import { ascii, partial, startsWith } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { DAHUA_LOCAL, extractZip, readZipDirectory } from "./zip-extractor.js";

const DHSP = ascii("DHSP");

/**
 * Dahua firmware: a zip whose local headers read `DH\x03\x04` while the central directory keeps `PK`.
 * The zip reader accepts both signatures, so no patching is needed. PTZ images start with `DHSP` and
 * carry a vendor header before such a zip; the reader locates the central directory from the end and
 * corrects every offset for the prepended header.
 */
export async function* extractDahua(
  source: ByteSource,
  context: ExtractContext,
): AsyncGenerator<ExtractEvent> {
  const head = await source.read(0, 4);
  if (startsWith(head, DHSP)) {
    const directory = await readZipDirectory(source);
    if (directory === undefined || directory.entries.length === 0) {
      yield partial("unsupported", "DHSP image without an embedded zip directory; raw bytes scanned only");
      return;
    }
  }
  yield* extractZip(source, context, "dahua");
}

export const dahuaExtractor = {
  name: "dahua",
  detect: (head: Uint8Array) => startsWith(head, DAHUA_LOCAL) || startsWith(head, DHSP),
  extract: extractDahua,
} satisfies Extractor;

/**
 * Rewrites the `DH\x03\x04` local headers of a Dahua image to `PK\x03\x04` (at the offsets the central
 * directory names, never elsewhere in the data) so that standard zip tools open it.
 */
export async function patchDahuaToZip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = bytes.slice();
  const directory = await readZipDirectory(memorySource(out));
  for (const entry of directory?.entries ?? []) {
    if (startsWith(out, DAHUA_LOCAL, entry.localOffset)) {
      out[entry.localOffset] = 0x50;
      out[entry.localOffset + 1] = 0x4b;
    }
  }
  return out;
}
