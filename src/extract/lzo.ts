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
  if (end < 3) throw new LzoError("input shorter than the end marker");
  // Plain locals, no closures over ip/op: this loop runs once per instruction of every block.
  let ip = 0;
  let op = 0;
  let version = 0;
  if (end >= 5 && input[0] === 17) {
    version = input[1]!;
    ip = 2;
  }
  let state = 0;
  let next = 0;
  /** Literals to copy before the next instruction. */
  let literals = 0;
  const first = input[ip]!;
  if (first > 17) {
    ip += 1;
    literals = first - 17;
    state = literals < 4 ? literals : 4;
  }

  for (;;) {
    if (literals > 0) {
      if (end - ip < literals) throw overrun();
      if (outputLength - op < literals) throw outputOverrun(outputLength);
      if (literals > 32) {
        out.set(input.subarray(ip, ip + literals), op);
        ip += literals;
        op += literals;
      } else {
        for (const stop = op + literals; op < stop;) out[op++] = input[ip++]!;
      }
      literals = 0;
    }
    if (ip >= end) throw overrun();
    let t = input[ip++]!;
    let matchPos: number;
    if (t < 16) {
      if (state === 0) {
        if (t === 0) {
          const z = skipZeros(input, ip, end);
          t = 15 + (z - ip) * 255 + input[z]!;
          ip = z + 1;
        }
        literals = t + 3;
        state = 4;
        continue;
      }
      next = t & 3;
      if (ip >= end) throw overrun();
      if (state !== 4) {
        matchPos = op - 1 - (t >> 2) - (input[ip++]! << 2);
        if (matchPos < 0) throw beforeStart();
        if (outputLength - op < 2) throw outputOverrun(outputLength);
        out[op] = out[matchPos]!;
        out[op + 1] = out[matchPos + 1]!;
        op += 2;
        state = literals = next;
        continue;
      }
      matchPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (input[ip++]! << 2);
      t = 3;
    } else if (t >= 64) {
      next = t & 3;
      if (ip >= end) throw overrun();
      matchPos = op - 1 - ((t >> 2) & 7) - (input[ip++]! << 3);
      t = (t >> 5) + 1;
    } else if (t >= 32) {
      t = (t & 31) + 2;
      if (t === 2) {
        const z = skipZeros(input, ip, end);
        t = 33 + (z - ip) * 255 + input[z]!;
        ip = z + 1;
      }
      if (end - ip < 2) throw overrun();
      const word = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
      matchPos = op - 1 - (word >> 2);
      next = word & 3;
    } else {
      if (end - ip < 2) throw overrun();
      let word = input[ip]! | (input[ip + 1]! << 8);
      if ((word & 0xfffc) === 0xfffc && (t & 0xf8) === 0x18 && version !== 0) {
        if (end - ip < 3) throw overrun();
        const run = ((t & 7) | (input[ip + 2]! << 3)) + MIN_ZERO_RUN_LENGTH;
        if (outputLength - op < run) throw outputOverrun(outputLength);
        op += run; // the output starts zeroed
        ip += 3;
        state = literals = next = word & 3;
        continue;
      }
      matchPos = op - ((t & 8) << 11);
      t = (t & 7) + 2;
      if (t === 2) {
        const z = skipZeros(input, ip, end);
        t = 9 + (z - ip) * 255 + input[z]!;
        ip = z + 1;
        if (end - ip < 2) throw overrun();
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
    if (matchPos < 0) throw beforeStart();
    if (outputLength - op < t) throw outputOverrun(outputLength);
    // Byte by byte when short or when the match overlaps the bytes it produces (run-length repeats).
    if (t > 32 && op - matchPos >= t) {
      out.copyWithin(op, matchPos, matchPos + t);
      op += t;
    } else {
      for (const stop = op + t; op < stop;) out[op++] = out[matchPos++]!;
    }
    state = literals = next;
  }
}

/** The first non-zero byte at or after `from` (a length extension: each zero adds 255); throws at the end. */
function skipZeros(input: Uint8Array, from: number, end: number): number {
  let at = from;
  while (at < end && input[at] === 0) at += 1;
  if (at >= end) throw overrun();
  return at;
}

function overrun(): LzoError {
  return new LzoError("input overrun");
}

function outputOverrun(length: number): LzoError {
  return new LzoError(`output overrun past ${length} bytes`);
}

function beforeStart(): LzoError {
  return new LzoError("match before the start of the output");
}
