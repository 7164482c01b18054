import type { ByteSource } from "../model/bytes.js";
import { ContainerBudget, decodedChild } from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { strippedName } from "./gzip-extractor.js";
import { isLz4Legacy, lz4FrameHeader, lz4Frames } from "./lz4.js";

/**
 * An LZ4 file (`.lz4`, `.tar.lz4`; a kernel or initramfs compressed with LZ4's legacy format): every frame
 * decoded into one child, as `lz4 -d` writes it. Its bytes are searched too, but LZ4 leaves only the
 * first occurrence of repeated text in clear.
 */
export async function* extractLz4(source: ByteSource, context: ExtractContext): AsyncGenerator<ExtractEvent> {
  const budget = new ContainerBudget(context, "lz4");
  const name = strippedName(context.name.split(/[\\/]/).pop() ?? context.name, [
    [".tlz4", ".tar"],
    [".lz4", ""],
  ]);
  yield* decodedChild(context, budget, source.size, name, "lz4", "frame", (outcome) =>
    lz4Frames(source, outcome),
  );
}

export const lz4Extractor = {
  name: "lz4",
  detect: (head: Uint8Array) => lz4FrameHeader(head) !== undefined || isLz4Legacy(head),
  extract: extractLz4,
} satisfies Extractor;
