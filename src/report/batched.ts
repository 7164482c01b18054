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
