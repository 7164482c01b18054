import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, MARKER, SQUASHFS_COMPRESSIONS } from "../../scripts/build-fixtures.mjs";
import type { ExtractEvent } from "../../src/extract/extractor.js";
import { extractSquashfsOwn } from "../../src/extract/squashfs-reader.js";
import { openFileSource } from "../../src/sources/byte-source.js";
import {
  childBytes,
  cleanupTempDirs,
  contains,
  fixtures,
  newTempDir,
  runOnce,
  TEST_BUDGETS,
  type Run,
} from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

let made: Record<string, string> = {};
let missing: string[] = [];
beforeAll(async () => {
  ({ made, missing } = await fixtures());
});
afterAll(cleanupTempDirs);

async function childWith(run: Run, needle: string | Uint8Array): Promise<string | undefined> {
  for (const child of run.children) {
    if (contains(await childBytes(child), needle) >= 0) return child.name;
  }
  return undefined;
}

/** fixture → expected extractor and a needle some child must contain. */
const CASES: [fixture: string, format: string, needle: string | Uint8Array][] = [
  ["plain.zip", "zip", ENUM_UTF16],
  ["zip64.zip", "zip", ENUM_UTF16],
  ["bzip2-method.zip", "zip", ENUM_UTF16],
  ["lzma-method.zip", "zip", ENUM_UTF16],
  ["fw.bin", "dahua", Buffer.from([0x27, 0x05, 0x19, 0x56])],
  ["dhsp.bin", "dahua", Buffer.from([0x27, 0x05, 0x19, 0x56])],
  ["formats.tar", "tar", ENUM_UTF16],
  ["sdk.tar.gz", "gzip", ENUM_UTF16],
  ["multi.gz", "gzip", `first member ${MARKER} second member`],
  ["libface.so.bz2", "bzip2", ENUM_UTF16],
  ["libface.so.xz", "xz", ENUM_UTF16],
  ["libface.so.lzma", "lzma", ENUM_UTF16],
  ["stream.zst", "zstd", ENUM_UTF16],
  ["libface.so.lz4", "lz4", ENUM_UTF16],
  ["linked.lz4", "lz4", ENUM_TEXT],
  ["kernel.lz4", "lz4", ENUM_UTF16],
  ["lz4-firmware.blob", "carve", Buffer.from([0x04, 0x22, 0x4d, 0x18])],
  ["libface.so.zlib", "zlib", ENUM_UTF16],
  ["archive.7z", "7z", ENUM_UTF16],
  ["stored.rar", "rar", ENUM_UTF16],
  ["archive.cab", "cab", ENUM_UTF16],
  ["archive.cpio", "cpio", ENUM_UTF16],
  ["cd.iso", "iso", ENUM_UTF16],
  ["package.deb", "ar", Buffer.from([0x1f, 0x8b, 0x08])],
  ["plain.ar", "ar", ENUM_UTF16],
  ["app.asar", "asar", ENUM_UTF16],
  ["bundle.js.map", "sourcemap", MARKER],
  ["capture.har", "har", ENUM_UTF16],
  ["face.rpm", "rpm", Buffer.from([0x1f, 0x8b])],
  ...SQUASHFS_COMPRESSIONS.map((comp): [string, string, Uint8Array] => [
    `rootfs-${comp}.squashfs`,
    "squashfs",
    ENUM_UTF16,
  ]),
  ["rootfs.cramfs", "cramfs", ENUM_UTF16],
  ["ext4.img", "ext", ENUM_UTF16],
  ["fat.img", "fat", ENUM_UTF16],
  ["disk-mbr.img", "mbr", ENUM_UTF16],
  ["disk-gpt.img", "gpt", ENUM_UTF16],
  ["disk.vhd", "vhd", ENUM_UTF16],
  ["system.simg", "android-sparse", ENUM_UTF16],
  ["client.dmg", "dmg", ENUM_UTF16],
  ["volume.hfs", "hfs", ENUM_UTF16],
  ["ntfs.img", "ntfs", ENUM_UTF16],
  ["disk.vmdk", "vmdk", ENUM_UTF16],
  ["disk.vhdx", "vhdx", ENUM_UTF16],
  ["disk.qcow2", "qcow", ENUM_UTF16],
  ["disk.vdi", "vdi", ENUM_UTF16],
  ["libface.so.Z", "compress", ENUM_UTF16],
  ["face.lzo", "lzop", ENUM_UTF16],
  ["lzo-firmware.blob", "carve", Buffer.from([0x89, 0x4c, 0x5a, 0x4f])],
  ["rootfs.uimage", "uimage", "hsqs"],
  ["setup.msi", "ole", "MSCF"],
  ["setup.exe", "nsis", ENUM_UTF16],
  ["installer.pkg", "xar", ENUM_UTF16],
  ["dex.dex", "dex", `${ENUM_TEXT}\n民族`],
  ["resources.arsc", "arsc", "肤色"],
  ["manual.pdf", "pdf", "肤色"],
  ["help.chm", "chm", MARKER],
  ["ubi.img", "ubi", "hsqs"],
  ["doc.docx", "ooxml", "肤色"],
  ["book.xlsx", "ooxml", ENUM_TEXT],
  ["slides.pptx", "ooxml", "Ethnicity"],
  ["page.html", "html", "肤色 & race"],
  ["gbk.html", "html", "种族 人脸"],
  ["manual.rtf", "rtf", `人脸属性：肤色 ${MARKER}`],
  ["message.eml", "mime", ENUM_UTF16],
  ["mail.mbox", "mbox", MARKER],
  ["page.mhtml", "mime", "肤色 &amp; race"],
  ["firmware.blob", "carve", Buffer.from([0x27, 0x05, 0x19, 0x56])],
];

describe.skipIf(skipWithoutTools)("every format has a positive fixture", () => {
  it("the fixture builder found every tool it needs", () => {
    expect(missing).toEqual([]);
  });
  for (const [fixture, format, needle] of CASES) {
    it(`${fixture} is opened by ${format}`, async () => {
      const path = made[fixture];
      expect(path, `fixture ${fixture} was not built`).toBeDefined();
      const run = await runOnce(path!);
      expect(run.format).toBe(format);
      const problems = run.events.filter((event) => event.kind === "partial");
      expect(problems).toEqual([]);
      expect(await childWith(run, needle), `no child of ${fixture} contains the needle`).toBeDefined();
    });
  }
});

describe.skipIf(skipWithoutTools)("format details", () => {
  it("zip members carry their offset in the archive; stored members are byte-exact there", async () => {
    const run = await runOnce(made["zip64.zip"]!);
    const lib = run.children.find((child) => child.name === "lib/libface.so")!;
    const archive = await readFile(made["zip64.zip"]!);
    const bytes = await childBytes(lib);
    expect(lib.offsetInParent).toBeGreaterThan(0);
    expect(
      Buffer.compare(archive.subarray(lib.offsetInParent, lib.offsetInParent! + bytes.length), bytes),
    ).toBe(0);
  });

  it("an encrypted zip member is recorded as skipped: encrypted", async () => {
    const run = await runOnce(made["encrypted.zip"]!);
    expect(run.format).toBe("zip");
    expect(run.skipped.length).toBeGreaterThan(0);
    expect(run.skipped.every((event) => event.reason === "encrypted")).toBe(true);
    expect(run.children).toEqual([]);
  });

  it("tar reads GNU long names and pax paths, and records symlinks without following them", async () => {
    const run = await runOnce(made["formats.tar"]!);
    const names = run.children.map((child) => child.name);
    expect(names).toContain(`deep/${"long-directory-name/".repeat(8)}gnu-name.txt`);
    expect(names).toContain(`pax/${"ünïcode-directory/".repeat(8)}pax-name.txt`);
    const links = run.skipped.filter((event) => event.reason === "not-a-regular-file");
    expect(links.map((event) => event.name)).toEqual(["etc/loop-a", "etc/loop-b", "etc/escape"]);
  });

  it("squashfs symlinks (loop and escape) are recorded, not followed", async () => {
    const run = await runOnce(made["rootfs-xz.squashfs"]!);
    const skipped = run.skipped.map((event) => `${event.name}:${event.reason}`);
    expect(skipped.sort()).toEqual([
      "etc/escape:not-a-regular-file",
      "etc/loop-a:not-a-regular-file",
      "etc/loop-b:not-a-regular-file",
    ]);
    expect(run.children.map((child) => child.name).sort()).toEqual(["etc/readme.txt", "usr/lib/libface.so"]);
  });

  it("uImage payload starts after the 64-byte header and is named from the header", async () => {
    const run = await runOnce(made["rootfs.uimage"]!);
    expect(run.children).toHaveLength(1);
    expect(run.children[0]).toMatchObject({ name: "rootfs", offsetInParent: 64, via: "uimage" });
  });

  it("PDF text comes per page with the page number as element, CJK through the bundled cMaps", async () => {
    const run = await runOnce(made["manual.pdf"]!);
    const pages = await Promise.all(
      run.children.map(
        async (child) => [child.element, new TextDecoder().decode(await childBytes(child))] as const,
      ),
    );
    expect(pages.map(([element]) => element)).toEqual(["page 1", "page 2", "page 3"]);
    expect(pages[1]![1]).toContain("人脸属性");
    expect(pages[1]![1]).toContain("肤色：0-未识别 1-黄 2-黑 3-白");
    expect(pages[1]![1]).toContain("种族：亚洲人 黑人 白人");
    expect(pages[0]![1]).toContain("Face attribute table");
    expect(run.children.every((child) => child.leafOnly === true)).toBe(true);
  });

  it("DOCX runs are joined so a term split across runs is found; element names the part", async () => {
    const run = await runOnce(made["doc.docx"]!);
    const text = run.children.find((child) => child.element === "word/document.xml")!;
    const decoded = new TextDecoder().decode(await childBytes(text));
    expect(decoded).toContain("人脸属性：肤色");
    expect(decoded).toContain("Skin colour & race");
    expect(text.leafOnly).toBe(true);
    expect(
      run.children.some((child) => child.name === "word/media/embedded.bin" && child.leafOnly !== true),
    ).toBe(true);
  });

  it("HTML text drops scripts and decodes entities", async () => {
    const run = await runOnce(made["page.html"]!);
    const text = new TextDecoder().decode(await childBytes(run.children[0]!));
    expect(text).not.toContain("nope");
    expect(text).toContain(MARKER);
  });

  it("the built-in squashfs reader (used for lz4) agrees with 7-Zip on the gzip image", async () => {
    const path = made["rootfs-gzip.squashfs"]!;
    const viaSevenZip = await runOnce(path);
    const source = await openFileSource(path);
    const tempDir = await newTempDir();
    const own: ExtractEvent[] = [];
    const context = {
      tempDir,
      budgets: TEST_BUDGETS,
      depth: 0,
      remainingBytes: 1e9,
      signal: AbortSignal.timeout(30_000),
      name: "x",
    };
    for await (const event of extractSquashfsOwn(source, context)) own.push(event);
    await source.close();
    const summary = async (events: ExtractEvent[]): Promise<string[]> =>
      (
        await Promise.all(
          events.map(async (event) =>
            event.kind === "child"
              ? `${event.name}=${Buffer.from(await childBytes(event)).toString("base64")}`
              : `${event.kind}:${event.kind === "skipped" ? `${event.name}:${event.reason}` : event.reason}`,
          ),
        )
      ).sort();
    expect(await summary(own)).toEqual(await summary(viaSevenZip.events));
  });

  it("UBI volumes are reassembled and named from the volume table", async () => {
    const run = await runOnce(made["ubi.img"]!);
    expect(run.format).toBe("ubi");
    expect(run.children.map((child) => child.name)).toEqual(["rootfs", "data"]);
    const data = await childBytes(run.children[1]!);
    expect(Buffer.compare(Buffer.from(data), await readFile(made["libface.so.xz"]!))).toBe(0);
    const rootfs = await childBytes(run.children[0]!);
    expect(Buffer.from(rootfs.subarray(0, 4)).toString()).toBe("hsqs");
  });

  it("the APK's DEX and resources are found inside the zip", async () => {
    const run = await runOnce(made["app.apk"]!);
    expect(run.format).toBe("zip");
    const dexChild = run.children.find((child) => child.name === "classes.dex")!;
    const dexRun = await runOnce(await childBytes(dexChild), { name: "classes.dex" });
    expect(dexRun.format).toBe("dex");
    expect(new TextDecoder().decode(await childBytes(dexRun.children[0]!))).toContain(ENUM_TEXT);
  });
});

describe("carving LZMA", () => {
  /** 8 KiB of zeros with an LZMA-alone header at 0x1000 declaring `size` bytes (dictionary 64 KiB). */
  const blob = (size: number) => {
    const bytes = new Uint8Array(8192);
    const view = new DataView(bytes.buffer);
    bytes[0x1000] = 0x5d;
    view.setUint32(0x1001, 1 << 16, true);
    view.setUint32(0x1005, size, true);
    bytes.fill(0x41, 0x1000 + 14, 0x1000 + 64);
    return bytes;
  };

  it("carves a stream that declares a size its bytes can hold", async () => {
    const run = await runOnce(blob(1 << 20));
    expect(run.children.map((child) => child.carvedAt)).toEqual([0x1000]);
  });

  it("does not carve x86 code that reads 5d 00 00 … and declares 1,000 times more than it can hold", async () => {
    const run = await runOnce(blob(32 << 20));
    expect(run.children).toEqual([]);
  });
});

describe("memory held by small members", () => {
  it("a small deflated zip member is held in a buffer of its own size, not in a zlib chunk", async () => {
    const { zipSync } = await import("fflate");
    const files: Record<string, Uint8Array> = {};
    for (let index = 0; index < 50; index++)
      files[`pkg/Class${index}.class`] = new TextEncoder().encode(`${MARKER} ${index} `.repeat(40 + index));
    const run = await runOnce(zipSync(files, { level: 6 }));
    expect(run.children).toHaveLength(50);
    for (const member of run.children) {
      const bytes = member.bytes!;
      expect(new TextDecoder().decode(bytes).startsWith(`${MARKER} `)).toBe(true);
      // zlib's output chunks are 16 KiB; each of these members is 1-3 KB.
      expect(bytes.buffer.byteLength).toBeLessThan(bytes.length + 4096);
    }
  });
});

describe("gzip edge cases", () => {
  it("keeps the data when trailing garbage follows the last member, and notes it", async () => {
    const { gzipSync } = await import("node:zlib");
    const run = await runOnce(
      Buffer.concat([gzipSync(Buffer.from(MARKER)), Buffer.from("GARBAGE AFTER THE STREAM")]),
    );
    expect(run.children).toHaveLength(1);
    expect(new TextDecoder().decode(await childBytes(run.children[0]!))).toBe(MARKER);
    expect(run.events).toContainEqual(expect.objectContaining({ kind: "partial", reason: "corrupt" }));
  });

  it("padding after the stream (zeros or 0xff) is not a problem", async () => {
    const { gzipSync } = await import("node:zlib");
    const run = await runOnce(Buffer.concat([gzipSync(Buffer.from(MARKER)), Buffer.alloc(4096, 0xff)]));
    expect(run.events).toEqual([expect.objectContaining({ kind: "child" })]);
  });
});
