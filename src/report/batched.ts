import type { Hash } from "node:crypto";
import { open } from "node:fs/promises";

/** Joins pieces of text into strings of about `size` characters, for writing output too long for one string. */
export function* batched(pieces: Iterable<string>, size = 1 << 20): Generator<string> {
  let batch: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    batch.push(piece);
    length += piece.length;
    if (length >= size) {
      yield batch.join("");
      batch = [];
      length = 0;
    }
  }
  if (length > 0) yield batch.join("");
}

/**
 * Writes text given in pieces to `path` as UTF-8, about a megabyte at a time (a file handle's writeFile
 * writes all it is given, at the end); `hash`, when given, sees every byte written. Returns the bytes written.
 */
export async function writePieces(path: string, pieces: Iterable<string>, hash?: Hash): Promise<number> {
  let size = 0;
  const file = await open(path, "w");
  try {
    for (const text of batched(pieces)) {
      const bytes = Buffer.from(text, "utf8");
      hash?.update(bytes);
      size += bytes.length;
      await file.writeFile(bytes);
    }
  } finally {
    await file.close();
  }
  return size;
}
