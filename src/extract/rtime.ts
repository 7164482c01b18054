/**
 * JFFS2's "rtime" decompressor (fs/jffs2/compr_rtime.c): pairs of (literal byte, repeat count), where
 * the repeat copies from just after the previous occurrence of the same byte. Returns undefined when the
 * input ends early or a repeat runs past `outputLength` (the kernel's checks), never reads out of bounds.
 */
export function rtimeDecompress(input: Uint8Array, outputLength: number): Uint8Array | undefined {
  const out = new Uint8Array(outputLength);
  const positions = new Int32Array(256);
  let inPos = 0;
  let outPos = 0;
  while (outPos < outputLength) {
    if (inPos + 2 > input.length) return undefined;
    const value = input[inPos]!;
    let repeat = input[inPos + 1]!;
    inPos += 2;
    out[outPos] = value;
    outPos += 1;
    let back = positions[value]!;
    positions[value] = outPos;
    if (repeat === 0) continue;
    if (outPos + repeat > outputLength) return undefined;
    // Byte by byte: the source may overlap the bytes being written (a run), as in the kernel's loop.
    while (repeat > 0) {
      out[outPos] = out[back]!;
      outPos += 1;
      back += 1;
      repeat -= 1;
    }
  }
  return out;
}

/** The matching compressor (mkfs.jffs2's compr_rtime.c), for tests and fixtures. */
export function rtimeCompress(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  const positions = new Int32Array(256);
  let pos = 0;
  while (pos < input.length) {
    const value = input[pos]!;
    out.push(value);
    pos += 1;
    let back = positions[value]!;
    positions[value] = pos;
    let run = 0;
    while (back < pos && pos < input.length && input[pos] === input[back] && run < 255) {
      pos += 1;
      back += 1;
      run += 1;
    }
    out.push(run);
  }
  return Uint8Array.from(out);
}
