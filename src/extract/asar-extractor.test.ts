import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { asarArchive, asarPickle } from "../../scripts/build-fixtures.mjs";
import { cleanupTempDirs, runOnce } from "../../test/extract/drive.js";
import { MAX_DIRECTORY_DEPTH, asarExtractor, readAsarHeader } from "./asar-extractor.js";
import { MEMORY_CHILD_LIMIT } from "./child-writer.js";
import type { ChildArtifact } from "./extractor.js";
import { detectFormat } from "./registry.js";
import { memorySource } from "../sources/byte-source.js";

afterAll(cleanupTempDirs);

const extract = (archive: Uint8Array, options: Parameters<typeof runOnce>[1] = {}) =>
  runOnce(archive, { extractor: asarExtractor, name: "app.asar", ...options });

/** The text of a child held in memory. */
function text(child: ChildArtifact): string {
  return Buffer.from(child.bytes!).toString();
}

/** The header JSON of `files` and the data section, as an archive. */
function withHeader(files: unknown, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return asarPickle(JSON.stringify({ files }), data);
}

const TREE: [string, Uint8Array][] = [
  ["package.json", Buffer.from('{"name":"face-client"}')],
  ["src/main.js", Buffer.from("require('./i18n');\n")],
  ["src/i18n/zh-CN.json", Buffer.from('{"nation":"民族"}')],
  ["src/i18n/en.json", Buffer.from('{"nation":"Nation"}')],
  ["node_modules/a/b/c/d/index.js", Buffer.from("module.exports = 1;\n")],
  ["empty.txt", Buffer.alloc(0)],
];

describe("asar detection", () => {
  const archive = asarArchive(TREE);

  it("claims an asar by its pickles and JSON, whatever it is called", async () => {
    expect(asarExtractor.detect(archive)).toBe(true);
    expect((await detectFormat(archive, memorySource(archive)))?.name).toBe("asar");
    // Another writer's unpadded JSON (payload 4 + L, header 8 + L) still fits.
    const json = Buffer.from('{"files":{"a":{"size":1,"offset":"0"}}}');
    expect(json.length % 4).not.toBe(0);
    const unpadded = Buffer.alloc(16);
    unpadded.writeUInt32LE(4, 0);
    unpadded.writeUInt32LE(8 + json.length, 4);
    unpadded.writeUInt32LE(4 + json.length, 8);
    unpadded.writeUInt32LE(json.length, 12);
    expect(asarExtractor.detect(Buffer.concat([unpadded, json]))).toBe(true);
  });

  it("refuses heads whose sizes do not fit together or whose JSON is not a files object", () => {
    const altered = (at: number, value: number): Buffer => {
      const copy = Buffer.from(archive);
      copy.writeUInt32LE(value, at);
      return copy;
    };
    const size = archive.readUInt32LE(4);
    expect(asarExtractor.detect(altered(0, 5))).toBe(false);
    expect(asarExtractor.detect(altered(4, size + 64))).toBe(false);
    expect(asarExtractor.detect(altered(8, size))).toBe(false);
    expect(asarExtractor.detect(altered(12, size))).toBe(false);
    expect(asarExtractor.detect(altered(12, 3))).toBe(false);
    expect(asarExtractor.detect(asarPickle('{"file":{}}'))).toBe(false);
    expect(asarExtractor.detect(asarPickle(' {"files":{}}'))).toBe(false);
    expect(asarExtractor.detect(archive.subarray(0, 20))).toBe(false);
    expect(asarExtractor.detect(new Uint8Array(64))).toBe(false);
  });

  it("reads the header fields", () => {
    const header = readAsarHeader(archive)!;
    expect(header.jsonLength).toBe(archive.readUInt32LE(12));
    expect(header.headerSize).toBe(8 + Math.ceil(header.jsonLength / 4) * 4);
  });
});

describe("asar archives", () => {
  it("yields every file of nested directories by its path, at its absolute offset", async () => {
    const archive = asarArchive(TREE);
    const { events, children } = await extract(archive);
    expect(events).toHaveLength(children.length);
    expect(children.map((c) => c.name)).toEqual(TREE.map(([path]) => path));
    for (const [index, [, bytes]] of TREE.entries()) {
      const found = children[index]!;
      expect(found.via).toBe("asar");
      expect(Buffer.from(found.bytes!).equals(bytes)).toBe(true);
      const at = found.offsetInParent!;
      expect(archive.subarray(at, at + bytes.length).equals(bytes)).toBe(true);
    }
    // Data starts right after the header pickle.
    expect(children[0]!.offsetInParent).toBe(8 + archive.readUInt32LE(4));
  });

  it("an empty archive yields nothing", async () => {
    const { events } = await extract(withHeader({}));
    expect(events).toEqual([]);
  });

  it("records unpacked files and links as skipped, with no child", async () => {
    const archive = asarArchive([
      ["lib/face.node", { unpacked: true, size: 1234 }],
      ["lib/current", { link: "lib/libface.so" }],
      ["lib/libface.so", Buffer.from("ELF")],
    ]);
    const { children, skipped } = await extract(archive);
    expect(children.map((c) => c.name)).toEqual(["lib/libface.so"]);
    expect(skipped).toEqual([
      expect.objectContaining({
        name: "lib/face.node",
        reason: "not-a-regular-file",
        detail: "stored outside the archive, in app.asar.unpacked/lib/face.node beside it",
      }),
      expect.objectContaining({
        name: "lib/current",
        reason: "not-a-regular-file",
        detail: 'link to "lib/libface.so", not followed',
      }),
    ]);
  });

  it("a truncated archive yields the files that fit, the cut one's bytes, and a notice", async () => {
    const archive = asarArchive([
      ["a.txt", Buffer.from("first file")],
      ["b.txt", Buffer.from("second file")],
      ["c.txt", Buffer.from("third file")],
    ]);
    const cut = archive.subarray(0, archive.length - "third file".length - 4);
    const { children, skipped, notices } = await extract(cut);
    expect(children.map((c) => [c.name, text(c)])).toEqual([
      ["a.txt", "first file"],
      ["b.txt", "second "],
    ]);
    expect(skipped).toEqual([expect.objectContaining({ name: "c.txt", reason: "corrupt" })]);
    expect(notices).toEqual([expect.objectContaining({ reason: "corrupt" })]);
    expect(notices[0]!.detail).toMatch(/^asar truncated: .*2 member\(s\) missing or cut short$/u);
  });

  it("a header cut short or too large is a notice, not a throw", async () => {
    const archive = asarArchive(TREE);
    expect((await extract(archive.subarray(0, 40))).events).toEqual([
      expect.objectContaining({ kind: "partial", reason: "corrupt" }),
    ]);
    // A head that claims a 100 MiB JSON (the sizes fit together, the file has none of it).
    const huge = Buffer.from(archive.subarray(0, 64));
    const length = 100 * 1024 * 1024;
    huge.writeUInt32LE(length + 8, 4);
    huge.writeUInt32LE(length + 4, 8);
    huge.writeUInt32LE(length, 12);
    expect(asarExtractor.detect(huge)).toBe(true);
    expect((await extract(huge)).events).toEqual([
      expect.objectContaining({ kind: "partial", reason: "too-large" }),
    ]);
  });

  it("a header that is not JSON, or whose files are not an object, is a notice", async () => {
    for (const json of ['{"files":{"a":', '{"files":[1,2]}', '{"files":null}', '{"files":"x"}']) {
      const { events } = await extract(asarPickle(json));
      expect(events, json).toEqual([expect.objectContaining({ kind: "partial", reason: "corrupt" })]);
    }
  });

  it("bad offsets and sizes skip their member and keep the others", async () => {
    const data = Buffer.from("0123456789abcdef");
    const archive = withHeader(
      {
        good: { offset: "0", size: 4 },
        negative: { offset: "-1", size: 4 },
        fraction: { offset: 1.5, size: 4 },
        exponent: { offset: "1e3", size: 4 },
        huge: { offset: "99999999999999999999", size: 4 },
        missing: { size: 4 },
        badSize: { offset: "4", size: -2 },
        stringSize: { offset: "4", size: "4" },
        floatSize: { offset: "4", size: 2.5 },
        beyond: { offset: "4000", size: 4 },
        number: { offset: 4, size: 4 },
        notAnEntry: 5,
        list: [1, 2],
        dirOfNumber: { files: 3 },
        last: { offset: "12", size: 4 },
      },
      data,
    );
    const { children, skipped, notices } = await extract(archive);
    expect(children.map((c) => [c.name, text(c)])).toEqual([
      ["good", "0123"],
      ["number", "4567"],
      ["last", "cdef"],
    ]);
    expect(skipped.map((s) => [s.name, s.reason])).toEqual([
      ["negative", "corrupt"],
      ["fraction", "corrupt"],
      ["exponent", "corrupt"],
      ["huge", "corrupt"],
      ["missing", "corrupt"],
      ["badSize", "corrupt"],
      ["stringSize", "corrupt"],
      ["floatSize", "corrupt"],
      ["beyond", "corrupt"],
      ["notAnEntry", "corrupt"],
      ["list", "corrupt"],
      ["dirOfNumber", "corrupt"],
    ]);
    expect(skipped[0]!.detail).toBe('offset is not a non-negative integer: "-1"');
    expect(skipped[5]!.detail).toBe("size is not a non-negative integer: -2");
    expect(skipped.find((s) => s.name === "list")!.detail).toBe("entry is not an object: an array");
    expect(notices).toEqual([expect.objectContaining({ reason: "corrupt" })]);
  });

  it("members that overlap an earlier one are a duplicate (same range) or corrupt", async () => {
    const data = Buffer.from("0123456789");
    const archive = withHeader(
      {
        a: { offset: "0", size: 6 },
        same: { offset: "0", size: 6 },
        inside: { offset: "2", size: 2 },
        across: { offset: "4", size: 4 },
        after: { offset: "8", size: 2 },
        none: { offset: "3", size: 0 },
      },
      data,
    );
    const { children, skipped } = await extract(archive);
    expect(children.map((c) => [c.name, text(c)])).toEqual([
      ["a", "012345"],
      ["after", "89"],
      ["none", ""],
    ]);
    const start = 8 + archive.readUInt32LE(4);
    expect(skipped).toEqual([
      {
        kind: "skipped",
        name: "same",
        via: "asar",
        reason: "duplicate",
        detail: "same bytes as a",
        offsetInParent: start,
      },
      expect.objectContaining({ name: "inside", reason: "corrupt", detail: "its bytes overlap those of a" }),
      expect.objectContaining({ name: "across", reason: "corrupt", detail: "its bytes overlap those of a" }),
    ]);
  });

  it("hostile names are skipped as labels, never used as paths; their siblings are read", async () => {
    const data = Buffer.from("payload!");
    const entry = { offset: "0", size: 8 };
    const archive = withHeader(
      {
        "..": { files: { "etc-passwd": entry } },
        ".": entry,
        "": entry,
        "../../evil": entry,
        "a\u0000b": entry,
        ["x".repeat(5000)]: entry,
        dir: { files: { "..": entry, ok: { offset: "0", size: 4 } } },
        ["__proto__"]: { offset: "4", size: 4 },
      },
      data,
    );
    const { children, skipped } = await extract(archive);
    expect(children.map((c) => [c.name, text(c)])).toEqual([
      ["dir/ok", "payl"],
      ["__proto__", "oad!"],
    ]);
    expect(skipped.map((s) => s.reason)).toEqual(Array(7).fill("corrupt"));
    expect(skipped.map((s) => s.name).slice(0, 5)).toEqual([
      '".."',
      '"."',
      '""',
      '"../../evil"',
      '"a\\u0000b"',
    ]);
    expect(skipped[5]!.name.length).toBeLessThan(100);
    expect(skipped[6]!.name).toBe('dir/".."');
    expect(skipped[3]!.detail).toBe('member name holds "/"; not opened');
    // Nothing was written outside the temp dir, and nothing at all (all children are small).
    expect(children.every((c) => c.file === undefined)).toBe(true);
  });

  it("nesting deeper than the limit is skipped there; the shallow files are still read", async () => {
    let files: Record<string, unknown> = { "deep.txt": { offset: "0", size: 4 } };
    for (let level = 0; level < MAX_DIRECTORY_DEPTH + 50; level++) files = { d: { files } };
    const archive = withHeader({ ...files, "top.txt": { offset: "4", size: 4 } }, Buffer.from("deeptop!"));
    const { children, skipped } = await extract(archive);
    expect(children.map((c) => [c.name, text(c)])).toEqual([["top.txt", "top!"]]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toBe("budget-depth");
    expect(skipped[0]!.name.split("/")).toHaveLength(MAX_DIRECTORY_DEPTH);
  });

  it("respects the member, file size and total bytes budgets", async () => {
    const archive = asarArchive(TREE);
    const few = await extract(archive, { budgets: { maxMembers: 2 } });
    expect(few.children).toHaveLength(2);
    expect(few.skipped).toEqual([expect.objectContaining({ reason: "budget-members" })]);
    expect(few.events).toHaveLength(3);

    const small = await extract(archive, { budgets: { maxFileSize: 21 } });
    expect(small.skipped.map((s) => [s.name, s.reason])).toEqual([["package.json", "too-large"]]);
    expect(small.children).toHaveLength(TREE.length - 1);
    expect(small.skipped[0]!.offsetInParent).toBe(8 + archive.readUInt32LE(4));

    const tight = await extract(archive, { remainingBytes: 30 });
    expect(tight.children.map((c) => c.name)).toEqual(["package.json", "empty.txt"]);
    expect(tight.skipped.every((s) => s.reason === "budget-total-bytes")).toBe(true);
  });

  it("streams a large member to a file under the temp dir", async () => {
    const big = Buffer.alloc(MEMORY_CHILD_LIMIT + 4096, 0x61);
    big.write("民族", MEMORY_CHILD_LIMIT);
    const archive = asarArchive([
      ["small.txt", Buffer.from("hi")],
      ["big/blob.bin", big],
    ]);
    const { children, tempDir } = await extract(archive);
    const blob = children.find((c) => c.name === "big/blob.bin")!;
    expect(blob.bytes).toBeUndefined();
    expect(blob.file!.startsWith(tempDir)).toBe(true);
    expect(readFileSync(blob.file!).equals(big)).toBe(true);
    expect(blob.offsetInParent).toBe(8 + archive.readUInt32LE(4) + 2);
  });

  it("stops with a time notice when the signal is aborted", async () => {
    const { events } = await extract(asarArchive(TREE), { signal: AbortSignal.abort() });
    expect(events).toEqual([expect.objectContaining({ kind: "partial", reason: "budget-time" })]);
  });
});
