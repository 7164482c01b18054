import zlib from "node:zlib";

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's CRC-32 where Node has it (20.15 and later): about ten times the table loop's speed. */
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The table loop, for Node versions without zlib.crc32 (and to check it against). */
export function crc32Table(bytes: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let at = 0; at < bytes.length; at++) crc = TABLE[(crc ^ bytes[at]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 (IEEE 802.3, as in zip, gzip, xz and U-Boot). Pass the previous value to continue. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  return native === undefined ? crc32Table(bytes, previous) : native(bytes, previous) >>> 0;
}
