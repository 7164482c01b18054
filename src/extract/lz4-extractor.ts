import type { ByteSource } from "../model/bytes.js";
import {
  ChildWriter,
  ContainerBudget,
  child,
  collectLimited,
  errorMessage,
  partial,
} from "./child-writer.js";
import type { ExtractContext, ExtractEvent, Extractor } from "./extractor.js";
import { strippedName } from "./gzip-extractor.js";
import { isLz4Legacy, lz4FrameHeader, lz4Frames, type Lz4Outcome } from "./lz4.js";

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
  const admitted = budget.admit(name, undefined);
  if (admitted !== undefined) {
    yield admitted;
    return;
  }
  const { limit, reason } = budget.streamLimit(source.size);
  const writer = new ChildWriter(context.tempDir, name);
  const outcome: Lz4Outcome = { trailing: 0, mismatches: [] };
  let result: "done" | "limit" | "aborted" | "error";
  let failure = "";
  try {
    result = await collectLimited(lz4Frames(source, outcome), writer, limit, context.signal);
  } catch (error) {
    result = "error";
    failure = errorMessage(error);
  }
  if (result === "limit" || result === "aborted") {
    await writer.discard();
    yield budget.skip(
      name,
      result === "limit" ? reason : "budget-time",
      result === "limit" ? `stopped after ${limit} bytes while decompressing` : "time budget ran out",
    );
    return;
  }
  if (result === "error" && writer.size === 0) {
    await writer.discard();
    yield partial("corrupt", failure);
    return;
  }
  yield child(name, "lz4", await writer.finish());
  if (result === "error")
    yield partial("corrupt", `lz4 stream damaged after ${writer.size} bytes: ${failure}`);
  for (const mismatch of outcome.mismatches) yield partial("corrupt", `lz4: ${mismatch}`);
  if (outcome.trailing > 0 && result === "done" && context.carved !== true)
    yield partial("corrupt", `${outcome.trailing} bytes after the last lz4 frame were not read as lz4`);
}

export const lz4Extractor = {
  name: "lz4",
  detect: (head: Uint8Array) => lz4FrameHeader(head) !== undefined || isLz4Legacy(head),
  extract: extractLz4,
} satisfies Extractor;
