import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, MARKER, libfaceBytes } from "../../scripts/build-fixtures.mjs";
import { cleanupTempDirs, contains, display, fixtures, openAll, type Leaf } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");
const ENUM_OFFSET = libfaceBytes().indexOf(ENUM_UTF16);

function leafWith(leaves: readonly Leaf[], suffix: string): Leaf | undefined {
  return leaves.find((leaf) => leaf.layers.at(-1)?.name === suffix && contains(leaf.bytes, ENUM_UTF16) >= 0);
}

describe.skipIf(skipWithoutTools)("nested containers keep their chain", () => {
  it("Dahua fw.bin → uImage → squashfs → /usr/lib/libface.so, with the enum at its true offset", async () => {
    const { leaves } = await openAll(made["fw.bin"]!);
    const leaf = leafWith(leaves, "usr/lib/libface.so");
    expect(leaf).toBeDefined();
    expect(display(leaf!.layers)).toBe("fw.bin!rootfs.img!rootfs!usr/lib/libface.so");
    expect(leaf!.layers.map((layer) => layer.via)).toEqual(["file", "dahua", "uimage", "squashfs"]);
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBe(ENUM_OFFSET);
    // The uImage member is stored in the zip: its offset points at the uImage magic in fw.bin.
    const fw = await readFile(made["fw.bin"]!);
    const uimageLayer = leaf!.layers[1]!;
    expect(fw.readUInt32BE(uimageLayer.offsetInParent)).toBe(0x27051956);
    expect(leaf!.layers[2]!.offsetInParent).toBe(64);
  });

  it("a macOS package → pbzx Payload → its chunks joined → cpio → the app's library", async () => {
    const { leaves, notices } = await openAll(made["pbzx.pkg"]!);
    const leaf = leafWith(leaves, "Applications/Face.app/Contents/MacOS/libface.dylib");
    expect(display(leaf!.layers)).toBe(
      "pbzx.pkg!face.pkg/Payload!Payload.xz!Payload!Applications/Face.app/Contents/MacOS/libface.dylib",
    );
    expect(leaf!.layers.map((layer) => layer.via)).toEqual(["file", "xar", "pbzx", "xz", "cpio"]);
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBe(ENUM_OFFSET);
    expect(notices).toEqual([]);
  });

  it("a Windows bundle's attached cabinet is carved out of the program and opened", async () => {
    const bundle = await readFile(made["bundle.exe"]!);
    const { leaves } = await openAll(made["bundle.exe"]!);
    const leaf = leafWith(leaves, "libface.so");
    const cabAt = bundle.indexOf(Buffer.from("MSCF\0\0\0\0", "latin1"));
    expect(display(leaf!.layers)).toBe(`bundle.exe@0x${cabAt.toString(16)}!libface.so`);
    expect(leaf!.layers.map((layer) => layer.via)).toEqual(["file", "carve", "cab"]);
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBe(ENUM_OFFSET);
  });

  it("a UBI NAND image → squashfs volume → libface.so", async () => {
    const { leaves } = await openAll(made["ubi.img"]!);
    const leaf = leafWith(leaves, "usr/lib/libface.so");
    expect(display(leaf!.layers)).toBe("ubi.img!rootfs!usr/lib/libface.so");
  });

  it("the same tree as a tar.gz inside a zip gives the same leaf", async () => {
    const { leaves } = await openAll(made["sdk.zip"]!);
    const leaf = leafWith(leaves, "usr/lib/libface.so");
    expect(display(leaf!.layers)).toBe("sdk.zip!firmware/rootfs.tar.gz!rootfs.tar!usr/lib/libface.so");
    expect(contains(leaf!.bytes, ENUM_UTF16)).toBe(ENUM_OFFSET);
  });

  it("carving finds the gzip, uImage and xz streams inside an unknown blob at their offsets", async () => {
    const blob = await readFile(made["firmware.blob"]!);
    const { leaves } = await openAll(made["firmware.blob"]!);
    const carved = leaves.filter((leaf) => leaf.layers.length === 2).map((leaf) => leaf.layers[1]!);
    const uimageAt = blob.indexOf(Buffer.from([0x27, 0x05, 0x19, 0x56]));
    // The squashfs inside the uImage holds xz streams too; carving must not cut those out separately.
    const xzAt = blob.lastIndexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
    expect(carved.map((layer) => layer.carvedAt)).toEqual([0x1000, uimageAt, xzAt]);
    expect(carved.every((layer) => layer.via === "carve")).toBe(true);
    const leaf = leafWith(leaves, "usr/lib/libface.so");
    expect(display(leaf!.layers)).toBe(`firmware.blob@0x${uimageAt.toString(16)}!rootfs!usr/lib/libface.so`);
    const kernel = leaves.find((l) => l.layers.length === 3 && l.layers[1]!.carvedAt === 0x1000);
    expect(new TextDecoder().decode(kernel!.bytes)).toBe(`kernel cmdline ${MARKER}`);
  });

  it("CHM pages come out as HTML and then as text with entities decoded", async () => {
    const { leaves } = await openAll(made["help.chm"]!);
    const text = leaves.find(
      (leaf) => leaf.layers.at(-1)?.via === "html-text" && leaf.layers[1]?.name === "index.htm",
    );
    expect(display(text!.layers)).toBe("help.chm!index.htm!text.txt");
    expect(new TextDecoder().decode(text!.bytes)).toContain(`肤色 ${MARKER}`);
  });

  it("an APK's DEX string table and resources strings become text leaves", async () => {
    const { leaves } = await openAll(made["app.apk"]!);
    const dexText = leaves.find((leaf) => leaf.layers.at(-1)?.via === "dex-strings");
    expect(display(dexText!.layers)).toBe("app.apk!classes.dex!classes.dex.strings.txt");
    expect(new TextDecoder().decode(dexText!.bytes)).toContain(ENUM_TEXT);
    const arscText = leaves.find((leaf) => leaf.layers.at(-1)?.via === "arsc-strings");
    const arscTexts = leaves.filter((leaf) => leaf.layers.at(-1)?.via === "arsc-strings");
    expect(arscTexts.map((leaf) => display(leaf.layers)).sort()).toEqual([
      "app.apk!AndroidManifest.xml!AndroidManifest.xml.strings.txt",
      "app.apk!resources.arsc!resources.arsc.strings.txt",
    ]);
    expect(new TextDecoder().decode(arscText!.bytes).split("\n")).toEqual([
      "manifest",
      "com.vendor.face",
      "android.permission.CAMERA",
    ]);
    const resources = arscTexts.find((leaf) => leaf.layers[1]!.name === "resources.arsc")!;
    expect(new TextDecoder().decode(resources.bytes).split("\n")).toEqual(["肤色", "race"]);
  });
});
