// A ustar archive written by hand, for tests that need one without a tar tool.

/** A ustar archive of the members in order (a name may come twice); text members are written as UTF-8. */
export function ustarOf(members: Iterable<readonly [string, Uint8Array | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of members) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100, "latin1");
    header.write("0000000\0", 108, "latin1");
    header.write("0000000\0", 116, "latin1");
    header.write(data.length.toString(8).padStart(11, "0") + "\0", 124, "latin1");
    header.write("00000000000\0", 136, "latin1");
    header.write("0", 156, "latin1");
    header.write("ustar\x0000", 257, "latin1");
    header.write("        ", 148, "latin1");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
