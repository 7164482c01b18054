/**
 * LZO1X decompression, following the Linux kernel's lzo1x_decompress_safe: the classic LZO1X stream
 * (what liblzo2, lzop and mkfs.ubifs write) and the version-1 bitstream with run-length zero runs
 * (a leading 17 and version byte). Every read and write is bounds-checked; damage throws LzoError.
 */

export class LzoError extends Error {
  constructor(message: string) {
    super(`lzo: ${message}`);
    this.name = "LzoError";
  }
}

const M2_MAX_OFFSET = 0x0800;
const MIN_ZERO_RUN_LENGTH = 4;

/**
 * Decompresses `input` into at most `outputLength` bytes and returns them (a view of the exact
 * length). Throws LzoError on truncated or damaged input, a match before the start of the output,
 * output past `outputLength`, or bytes after the end marker.
 */
export function lzo1xDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  if (!Number.isSafeInteger(outputLength) || outputLength < 0) {
    throw new LzoError(`bad output length ${outputLength}`);
  }
  const out = new Uint8Array(outputLength);
  const end = input.length;
  let ip = 0;
  let op = 0;
  if (end < 3) throw new LzoError("input shorter than the end marker");
  let version = 0;
  if (end >= 5 && input[0] === 17) {
    version = input[1]!;
    ip = 2;
  }

  const byte = (): number => {
    if (ip >= end) throw new LzoError("input overrun");
    return input[ip++]!;
  };
  const needIn = (count: number): void => {
    if (end - ip < count) throw new LzoError("input overrun");
  };
  const needOut = (count: number): void => {
    if (outputLength - op < count) throw new LzoError(`output overrun past ${outputLength} bytes`);
  };
  /** The length extension: each zero byte adds 255, then one final byte. */
  const extend = (): number => {
    const first = ip;
    while (ip < end && input[ip] === 0) ip += 1;
    const zeros = ip - first;
    return zeros * 255 + byte();
  };
  const copyLiterals = (count: number): void => {
    needIn(count);
    needOut(count);
    out.set(input.subarray(ip, ip + count), op);
    ip += count;
    op += count;
  };

  let state = 0;
  let t: number;
  let next = 0;
  let skipToMatchNext = false;

  const first = input[ip]!;
  if (first > 17) {
    ip += 1;
    t = first - 17;
    if (t < 4) {
      next = t;
      skipToMatchNext = true;
    } else {
      copyLiterals(t);
      state = 4;
    }
  }

  for (;;) {
    if (skipToMatchNext) {
      skipToMatchNext = false;
      state = next;
      copyLiterals(next);
      continue;
    }
    t = byte();
    let matchPos: number;
    if (t < 16) {
      if (state === 0) {
        if (t === 0) t = 15 + extend();
        copyLiterals(t + 3);
        state = 4;
        continue;
      }
      next = t & 3;
      if (state !== 4) {
        matchPos = op - 1 - (t >> 2) - (byte() << 2);
        if (matchPos < 0) throw new LzoError("match before the start of the output");
        needOut(2);
        out[op] = out[matchPos]!;
        out[op + 1] = out[matchPos + 1]!;
        op += 2;
        state = next;
        copyLiterals(next);
        continue;
      }
      matchPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (byte() << 2);
      t = 3;
    } else if (t >= 64) {
      next = t & 3;
      matchPos = op - 1 - ((t >> 2) & 7) - (byte() << 3);
      t = (t >> 5) + 1;
    } else if (t >= 32) {
      t = (t & 31) + 2;
      if (t === 2) t = 33 + extend();
      needIn(2);
      const word = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
      matchPos = op - 1 - (word >> 2);
      next = word & 3;
    } else {
      needIn(2);
      let word = input[ip]! | (input[ip + 1]! << 8);
      if ((word & 0xfffc) === 0xfffc && (t & 0xf8) === 0x18 && version !== 0) {
        needIn(3);
        const run = ((t & 7) | (input[ip + 2]! << 3)) + MIN_ZERO_RUN_LENGTH;
        needOut(run);
        op += run; // the output starts zeroed
        ip += 3;
        next = word & 3;
        state = next;
        copyLiterals(next);
        continue;
      }
      matchPos = op - ((t & 8) << 11);
      t = (t & 7) + 2;
      if (t === 2) {
        t = 9 + extend();
        needIn(2);
        word = input[ip]! | (input[ip + 1]! << 8);
      }
      ip += 2;
      matchPos -= word >> 2;
      next = word & 3;
      if (matchPos === op) {
        if (t !== 3) throw new LzoError("bad end marker");
        if (ip !== end) throw new LzoError(`${end - ip} bytes after the end marker`);
        return out.subarray(0, op);
      }
      matchPos -= 0x4000;
    }
    if (matchPos < 0) throw new LzoError("match before the start of the output");
    needOut(t);
    // Byte by byte: a match may overlap the bytes it produces (run-length repeats).
    if (op - matchPos >= t) {
      out.copyWithin(op, matchPos, matchPos + t);
      op += t;
    } else {
      for (let i = 0; i < t; i += 1) out[op++] = out[matchPos++]!;
    }
    state = next;
    copyLiterals(next);
  }
}
