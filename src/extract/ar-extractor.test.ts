import { afterAll, describe, expect, it } from "vitest";
import { ar } from "../../scripts/build-fixtures.mjs";
import { childBytes, cleanupTempDirs, runOnce } from "../../test/extract/drive.js";
import { arExtractor, parseArHeader } from "./ar-extractor.js";
import { MEMORY_CHILD_LIMIT } from "./child-writer.js";
import type { Extractor } from "./extractor.js";
import { detectFormat } from "./registry.js";
import { extractWithSevenZip } from "./seven-zip.js";
import { memorySource } from "../sources/byte-source.js";

afterAll(cleanupTempDirs);

/** One member: its 16-byte name field as stored, and its data (for `#1/N`, the name bytes come first). */
interface RawMember {
  readonly field: string;
  readonly data: Uint8Array;
  /** The size field, when it should not be the data's length (a thin archive's, a lying header). */
  readonly size?: number;
  /** Leave out the data (a thin archive's member). */
  readonly noData?: boolean;
}

function header(field: string, size: number): Buffer {
  const bytes = Buffer.alloc(60, 0x20);
  bytes.write(field, 0, "latin1");
  bytes.write("1700000000", 16);
  bytes.write("0", 28);
  bytes.write("0", 34);
  bytes.write("100644", 40);
  bytes.write(String(size), 48);
  bytes.write("`\n", 58);
  return bytes;
}

function archive(members: readonly RawMember[], magic = "!<arch>\n"): Buffer {
  const parts: Buffer[] = [Buffer.from(magic, "latin1")];
  for (const member of members) {
    parts.push(header(member.field, member.size ?? member.data.length));
    if (member.noData === true) continue;
    parts.push(Buffer.from(member.data));
    if (member.data.length % 2 === 1) parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

const text = (value: string): Uint8Array => Buffer.from(value);
const LONG = "face_attribute_nation_type_table.o";
const OBJECT_A = text("\x7fELF...EM_NATION_TYPE_UYGUR...");
const OBJECT_B = text("\x7fELF...byRace.");

/** As GNU ar writes a static library: symbol table, name table, then members. */
function gnuLibrary(): Buffer {
  return archive([
    { field: "/", data: Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), text("race_of\0")]) },
    { field: "//", data: text(`${LONG}/\n`) },
    { field: "/0", data: OBJECT_A },
    { field: "b.o/", data: OBJECT_B },
  ]);
}

async function names(bytes: Uint8Array, extractor: Extractor = arExtractor) {
  const run = await runOnce(bytes, { extractor, name: "lib.a" });
  return Promise.all(
    run.children.map(async (child) => ({
      name: child.name,
      text: Buffer.from(await childBytes(child)).toString("latin1"),
    })),
  );
}

describe("ar headers", () => {
  it("reads the name and the decimal size, and says what is wrong with a bad header", () => {
    expect(parseArHeader(header("b.o/", 1234))).toEqual({ rawName: "b.o/", size: 1234 });
    const bent = header("b.o/", 3);
    bent[59] = 0x20;
    expect(parseArHeader(bent)).toMatch(/does not end/u);
    const sized = header("b.o/", 3);
    sized.write("12x       ", 48);
    expect(parseArHeader(sized)).toMatch(/not a decimal/u);
    expect(parseArHeader(header("b.o/", 3).subarray(0, 59))).toMatch(/cut off/u);
  });
});

describe("ar members", () => {
  it("GNU: long names from the name table, symbol tables left to the archive, members at their offsets", async () => {
    const bytes = gnuLibrary();
    expect((await detectFormat(bytes, memorySource(bytes)))?.name).toBe("ar");
    const run = await runOnce(bytes, { name: "libface.a" });
    expect(run.notices).toEqual([]);
    expect(run.children.map((child) => child.name)).toEqual([LONG, "b.o"]);
    for (const [child, data] of [
      [run.children[0]!, OBJECT_A],
      [run.children[1]!, OBJECT_B],
    ] as const) {
      expect(child.via).toBe("ar");
      expect(await childBytes(child)).toEqual(data);
      // The offset says where the member's bytes lie in the archive.
      expect(bytes.subarray(child.offsetInParent, child.offsetInParent! + data.length)).toEqual(
        Buffer.from(data),
      );
    }
  });

  it("BSD and macOS: `#1/N` names at the start of the data, __.SYMDEF left to the archive", async () => {
    const padded = "nation.o\0\0\0\0"; // names are padded with NULs to a multiple of 4 or 8
    const bytes = archive([
      { field: "#1/20", data: Buffer.concat([text("__.SYMDEF SORTED\0\0\0\0"), Buffer.alloc(8)]) },
      { field: `#1/${padded.length}`, data: Buffer.concat([text(padded), OBJECT_A]) },
      { field: "short.o", data: OBJECT_B },
    ]);
    const run = await runOnce(bytes);
    expect(run.notices).toEqual([]);
    expect(run.children.map((child) => child.name)).toEqual(["nation.o", "short.o"]);
    const first = run.children[0]!;
    expect(await childBytes(first)).toEqual(OBJECT_A);
    expect(bytes.subarray(first.offsetInParent, first.offsetInParent! + OBJECT_A.length)).toEqual(
      Buffer.from(OBJECT_A),
    );
  });

  it("a Windows import library: both linker members and the name table are left out", async () => {
    const bytes = archive([
      { field: "/", data: Buffer.alloc(12) },
      { field: "/", data: Buffer.alloc(10) },
      { field: "//", data: text("dhnetsdk_face_attributes.dll\0") },
      { field: "/0", data: OBJECT_A },
      { field: "dhplay.dll/", data: OBJECT_B },
    ]);
    // The Windows name table ends names with NUL, not "/\n".
    const run = await runOnce(bytes);
    expect(run.children.map((child) => child.name)).toEqual(["dhnetsdk_face_attributes.dll", "dhplay.dll"]);
  });

  it("the .deb layout (names without a slash) and the fixtures' ar", async () => {
    const bytes = ar([
      ["debian-binary", text("2.0\n")],
      ["control.tar.gz", text("odd-length")],
      ["data.tar.xz", text("even")],
    ]);
    expect((await names(bytes)).map((member) => member.name)).toEqual([
      "debian-binary",
      "control.tar.gz",
      "data.tar.xz",
    ]);
  });

  it("gives the same members as 7-Zip's ar reader (its rendering of the symbol table aside)", async () => {
    const sevenZip: Extractor = {
      name: "ar-7zip",
      detect: () => true,
      extract: (source, context) => extractWithSevenZip(source, context, { via: "ar", type: "ar" }),
    };
    const bytes = gnuLibrary();
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const ours = (await names(bytes)).sort(byName);
    const theirs = (await names(bytes, sevenZip)).sort(byName);
    // 7-Zip lists the symbol table too, as a member of its own making; ours leaves it to the archive's scan.
    const extra = theirs.filter((member) => !ours.some((mine) => mine.name === member.name));
    expect(extra).toHaveLength(1);
    expect(extra[0]!.text).toContain("race_of");
    expect(ours).toEqual(theirs.filter((member) => !extra.includes(member)));
    const plain = ar([
      ["a.o", OBJECT_A],
      ["b.o", OBJECT_B],
    ]);
    expect(await names(plain)).toEqual(await names(plain, sevenZip));
  });

  it("a member over the memory limit goes to a temp file, with its offset", async () => {
    const big = new Uint8Array(MEMORY_CHILD_LIMIT + 3).fill(0x41);
    big.set(text("EM_NATION_TYPE_UYGUR"), MEMORY_CHILD_LIMIT - 25);
    const bytes = archive([
      { field: "big.bin/", data: big },
      { field: "small/", data: OBJECT_B },
    ]);
    const run = await runOnce(bytes);
    expect(run.children[0]!.file).toBeDefined();
    expect(Buffer.from(await childBytes(run.children[0]!)).equals(big)).toBe(true);
    expect(run.children[1]!.offsetInParent).toBe(8 + 60 + big.length + 1 + 60);
  });
});

describe("damaged and unusual ar archives", () => {
  it("a thin archive's members are recorded as outside files, not read", async () => {
    const bytes = archive(
      [
        { field: "//", data: text(`${LONG}/\n`) },
        { field: "/0", data: new Uint8Array(0), size: 5000, noData: true },
        { field: "b.o/", data: new Uint8Array(0), size: 77, noData: true },
      ],
      "!<thin>\n",
    );
    expect(arExtractor.detect(bytes)).toBe(true);
    const run = await runOnce(bytes);
    expect(run.children).toEqual([]);
    expect(run.skipped.map((member) => [member.name, member.reason])).toEqual([
      [LONG, "not-a-regular-file"],
      ["b.o", "not-a-regular-file"],
    ]);
    expect(run.notices).toEqual([]);
  });

  it("a truncated member keeps the bytes that are there, and the archive is marked corrupt", async () => {
    const whole = archive([{ field: "a.o/", data: OBJECT_A }]);
    const cut = whole.subarray(0, whole.length - 10);
    const run = await runOnce(cut);
    expect(Buffer.from(await childBytes(run.children[0]!)).toString("latin1")).toBe(
      Buffer.from(OBJECT_A.subarray(0, OBJECT_A.length - 10)).toString("latin1"),
    );
    expect(run.notices.map((notice) => notice.reason)).toEqual(["corrupt"]);
    expect(run.notices[0]!.detail).toMatch(/truncated/u);
  });

  it("a broken header stops the walk with its offset; zeros padding the end do not", async () => {
    const good = archive([{ field: "a.o/", data: OBJECT_A }]);
    const broken = await runOnce(
      Buffer.concat([good, text("garbage that is not a member header at all, sixty bytes+")]),
    );
    expect(broken.children).toHaveLength(1);
    expect(broken.notices.map((notice) => notice.detail)).toEqual([
      expect.stringMatching(new RegExp(`at offset ${good.length}$`, "u")),
    ]);
    const padded = await runOnce(Buffer.concat([good, Buffer.alloc(4096)]));
    expect(padded.children).toHaveLength(1);
    expect(padded.notices).toEqual([]);
  });

  it("a name missing from the name table is noted once, the members still read", async () => {
    const bytes = archive([
      { field: "/40", data: OBJECT_A },
      { field: "/80", data: OBJECT_B },
    ]);
    const run = await runOnce(bytes);
    expect(run.children.map((child) => child.name)).toEqual(["/40", "/80"]);
    expect(run.notices).toHaveLength(1);
    expect(run.notices[0]!.detail).toMatch(/name table/u);
  });

  it("a `#1/N` name longer than its member is damage, not a read past it", async () => {
    const run = await runOnce(archive([{ field: "#1/100", data: text("short") }]));
    expect(run.children).toEqual([]);
    expect(run.notices.map((notice) => notice.reason)).toEqual(["corrupt"]);
  });

  it("the member budget stops the walk", async () => {
    const members = Array.from({ length: 6 }, (_, index) => ({ field: `m${index}.o/`, data: OBJECT_B }));
    const run = await runOnce(archive(members), { budgets: { maxMembers: 3 } });
    expect(run.children).toHaveLength(3);
    expect(run.skipped.map((member) => member.reason)).toEqual(["budget-members"]);
  });

  it("an archive of nothing but its signature holds nothing and is not damaged", async () => {
    const run = await runOnce(Buffer.from("!<arch>\n"));
    expect(run.events).toEqual([]);
  });
});
