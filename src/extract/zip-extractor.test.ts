import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_BUDGETS } from "../../test/extract/drive.js";
import { seededBytes } from "../../test/random.js";
import type { ByteSource } from "../model/bytes.js";
import { openFileSource } from "../sources/byte-source.js";
import { crc32 } from "./crc32.js";
import type { ExtractEvent } from "./extractor.js";
import { extractZip } from "./zip-extractor.js";

const temp = mkdtempSync(join(tmpdir(), "custodiet-zip-"));
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

/**
 * A zip of deflated members, their local headers and data one after another, and the central directory
 * listing them in `order` (indexes into `members`).
 */
function zipOf(members: readonly (readonly [string, Uint8Array])[], order: readonly number[]): Buffer {
  const locals: Buffer[] = [];
  const offsets: number[] = [];
  const packed: Buffer[] = [];
  let at = 0;
  for (const [name, data] of members) {
    const deflated = deflateRawSync(data);
    packed.push(deflated);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(deflated.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    offsets.push(at);
    const local = Buffer.concat([header, Buffer.from(name), deflated]);
    locals.push(local);
    at += local.length;
  }
  const central: Buffer[] = [];
  for (const index of order) {
    const [name, data] = members[index]!;
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(8, 10);
    record.writeUInt32LE(crc32(data), 16);
    record.writeUInt32LE(packed[index]!.length, 20);
    record.writeUInt32LE(data.length, 24);
    record.writeUInt16LE(Buffer.byteLength(name), 28);
    record.writeUInt32LE(offsets[index]!, 42);
    central.push(record, Buffer.from(name));
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(order.length, 8);
  end.writeUInt16LE(order.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The source, counting the reads made of it. */
function counted(source: ByteSource): { source: ByteSource; reads: () => number } {
  let reads = 0;
  return {
    source: {
      ...source,
      read: (offset, length, into) => {
        reads++;
        return source.read(offset, length, into);
      },
    },
    reads: () => reads,
  };
}

async function extracted(path: string): Promise<{ members: Map<string, string>; reads: number }> {
  const { source, reads } = counted(await openFileSource(path));
  const members = new Map<string, string>();
  const context = {
    tempDir: mkdtempSync(join(temp, "x-")),
    budgets: TEST_BUDGETS,
    depth: 0,
    remainingBytes: 1e9,
    signal: new AbortController().signal,
    name: "members.zip",
  };
  const events: ExtractEvent[] = [];
  for await (const event of extractZip(source, context, "zip")) events.push(event);
  await source.close();
  for (const event of events) {
    expect(event.kind).toBe("child");
    if (event.kind !== "child") continue;
    expect(event.bytes, event.name).toBeDefined();
    members.set(event.name, Buffer.from(event.bytes!).toString("base64"));
  }
  return { members, reads: reads() };
}

describe("the zip reader on a zip read from its file", () => {
  // 600 members of 200 bytes to 3 KiB (a jar's classes), one of 400 KiB, and one of 300 KiB that does not
  // deflate (each larger than the window local headers and small members are read through).
  const next = seededBytes(20261129, 700);
  const members: [string, Uint8Array][] = Array.from({ length: 600 }, (_, index) => {
    const size = 200 + next[index]! * 11;
    const text = `class C${index} { int race = ${index}; } `.repeat(Math.ceil(size / 30)).slice(0, size);
    return [`org/example/C${index}.class`, Buffer.from(text)];
  });
  members.splice(300, 0, ["big/text.txt", Buffer.from("EM_NATION_TYPE_UYGUR ".repeat(20_000))]);
  members.splice(450, 0, ["big/random.bin", seededBytes(7, 300 * 1024)]);
  const expected = new Map(members.map(([name, data]) => [name, Buffer.from(data).toString("base64")]));

  it("gives every member, reading many at a time when they lie in order", async () => {
    const path = join(temp, "in-order.zip");
    writeFileSync(
      path,
      zipOf(
        members,
        members.map((_, index) => index),
      ),
    );
    const { members: got, reads } = await extracted(path);
    expect(got).toEqual(expected);
    // Two reads a member (its local header, its data) were 1,204; the directory takes a few more.
    expect(reads).toBeLessThan(120);
  });

  it("gives every member when the directory lists them out of order", async () => {
    const path = join(temp, "shuffled.zip");
    const order = members.map((_, index) => index);
    const shuffle = seededBytes(11, order.length * 2);
    for (let index = order.length - 1; index > 0; index--) {
      const other = ((shuffle[2 * index]! << 8) | shuffle[2 * index + 1]!) % (index + 1);
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    // Half in order, then the rest shuffled: the reader must follow both.
    const mixed = [
      ...members.map((_, index) => index).slice(0, 300),
      ...order.filter((index) => index >= 300),
    ];
    writeFileSync(path, zipOf(members, mixed));
    const { members: got, reads } = await extracted(path);
    expect(got).toEqual(expected);
    // Out of order, reads are made as asked for: no more than about two a member.
    expect(reads).toBeLessThan(2 * members.length + 20);
  });
});
