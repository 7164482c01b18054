import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mbrDisk } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { isMbr } from "../../src/extract/seven-zip-formats.js";
import type { ScanReport } from "../../src/model/report.js";
import { childBytes, cleanupTempDirs, fixtures, newTempDir, runOnce } from "./drive.js";

const IMAGES = [
  "disk-mbr.img",
  "disk-gpt.img",
  "disk.vhd",
  "system.simg",
  "client.dmg",
  "client-hfs.dmg",
  "disk.vmdk",
  "stream.vmdk",
  "appliance.ova",
  "disk.vhdx",
  "disk.qcow2",
  "disk.vdi",
  "large.qcow2",
  "ntfs.img",
];

let report: ScanReport;
beforeAll(async () => {
  const { dir, made } = await fixtures();
  const tree = join(await newTempDir(), "images");
  mkdirSync(tree);
  for (const name of IMAGES) {
    expect(made[name], `fixture ${name}`).toBeDefined();
    copyFileSync(join(dir, name), join(tree, name));
  }
  report = await scan({ paths: [tree], jobs: 1 });
}, 120_000);
afterAll(cleanupTempDirs);

/** The chains of extractors that lead to findings in `image`. */
function chains(image: string): string[] {
  const found = report.findings.filter((f) => f.layers[0]!.path.endsWith(`/${image}`));
  return [...new Set(found.map((f) => f.layers.map((layer) => layer.via).join(" > ")))].sort();
}

describe("disk images", () => {
  it("are opened partition by partition, down to the files in each file system", () => {
    // An MBR disk with a FAT and an ext4 partition; a GPT disk with the same two.
    expect(chains("disk-mbr.img")).toEqual(expect.arrayContaining(["file > mbr > fat", "file > mbr > ext"]));
    expect(chains("disk-gpt.img")).toEqual(expect.arrayContaining(["file > gpt > ext", "file > gpt > fat"]));
    // A dynamic VHD of the MBR disk; an Android sparse image of the ext4 file system.
    expect(chains("disk.vhd")).toEqual(
      expect.arrayContaining(["file > vhd > mbr > fat", "file > vhd > mbr > ext"]),
    );
    expect(chains("system.simg")).toEqual(expect.arrayContaining(["file > android-sparse > ext"]));
    // An Apple disk image (zlib, raw and zero chunks) of the ext4 file system.
    expect(chains("client.dmg")).toEqual(["file > dmg > ext"]);
    // A Mac client's disk image: its HFS+ volume is opened, and the finding is the file's alone (the volume's
    // raw bytes echo it).
    expect(chains("client-hfs.dmg")).toEqual(["file > dmg > hfs"]);
    const app = report.findings.filter((f) => f.layers[0]!.path.endsWith("/client-hfs.dmg"));
    expect(app.map((f) => f.location.replace(/^.*client-hfs\.dmg/u, "client-hfs.dmg"))).toEqual([
      "client-hfs.dmg!0.hfs!Face/Face.app/Contents/MacOS/libface.dylib",
    ]);
  });

  it("a virtual machine's disk gives the disk it holds, and only the files' findings are kept", () => {
    for (const [image, via] of [
      ["disk.vmdk", "vmdk"],
      ["disk.vhdx", "vhdx"],
      ["disk.qcow2", "qcow"],
      ["disk.vdi", "vdi"],
    ]) {
      expect(chains(image!), image).toEqual([`file > ${via} > mbr > ext`, `file > ${via} > mbr > fat`]);
      const disk = report.coverage.find((c) => c.location.endsWith(`/${image}!disk.img`));
      expect(disk?.format, image).toBe("mbr");
    }
    // A stream-optimized VMDK (an .ova's), its grains inflated by custodiet: the same disk, byte for byte.
    expect(chains("stream.vmdk")).toEqual(["file > vmdk > mbr > ext", "file > vmdk > mbr > fat"]);
    // The same disk inside an .ova (a tar of the descriptor and the disk), as a virtual appliance ships.
    expect(chains("appliance.ova")).toEqual([
      "file > tar > vmdk > mbr > ext",
      "file > tar > vmdk > mbr > fat",
    ]);
    const disk = (image: string) => report.coverage.find((c) => c.location.endsWith(image))?.layers.at(-1);
    expect(disk("/stream.vmdk!stream.img")?.sha256).toBe(disk("/disk.vmdk!disk.img")?.sha256);
    expect(
      report.coverage.filter((c) => c.location.includes("stream.vmdk") && c.status !== "scanned"),
    ).toEqual([]);
    // An empty 20 GiB disk is recorded under its disk's name as more than the scan may expand, not written out.
    const large = report.coverage.find((c) => c.location.endsWith("/large.qcow2!large.img"));
    expect(large).toMatchObject({ status: "skipped", reason: "budget-total-bytes" });
  });

  it("an NTFS volume gives its files and their alternate data streams", () => {
    const found = report.findings.filter((f) => f.layers[0]!.path.endsWith("/ntfs.img"));
    const where = [...new Set(found.map((f) => f.location.replace(/^.*ntfs\.img/u, "ntfs.img")))].sort();
    expect(where).toEqual(["ntfs.img!libface.so", "ntfs.img!readme.txt:notes"]);
    const volume = report.coverage.filter((c) => c.location.includes("/ntfs.img"));
    expect(volume.filter((c) => c.status !== "scanned")).toEqual([]);
    // The copy of the boot sector is a file, not a volume to open.
    expect(volume.find((c) => c.location.endsWith("[SYSTEM]/$Boot"))?.format).toBeUndefined();
  });

  it("name each partition and say where it starts", () => {
    const fat = report.coverage.find((c) => c.location.endsWith("disk-mbr.img!0.fat"));
    expect(fat?.layers.at(-1)).toMatchObject({ via: "mbr", offsetInParent: 1024 * 1024 });
    const rootfs = report.coverage.find((c) => c.location.endsWith("disk-gpt.img!0.rootfs.img"));
    expect(rootfs?.format).toBe("ext");
    expect(report.coverage.filter((c) => c.location.includes("disk") && c.status === "partial")).toEqual([]);
  });
});

describe("a stream-optimized VMDK", () => {
  it("records a grain cut short or damaged, and keeps the grains before it", async () => {
    const { made } = await fixtures();
    const bytes = Buffer.from(readFileSync(made["stream.vmdk"]!));
    const overHead = Number(bytes.readBigUInt64LE(64)) * 512;
    // The first marker: a grain (its sector, its deflated length), then the next one on a sector boundary.
    const firstLength = bytes.readUInt32LE(overHead + 8);
    expect(firstLength).toBeGreaterThan(0);
    const second = overHead + Math.ceil((12 + firstLength) / 512) * 512;
    expect(bytes.readUInt32LE(second + 8)).toBeGreaterThan(0);
    const cut = await runOnce(bytes.subarray(0, second + 40), { name: "cut.vmdk" });
    expect(cut.children.map((c) => c.name)).toEqual(["cut.img"]);
    expect(cut.events.flatMap((e) => (e.kind === "partial" ? [e.reason] : []))).toEqual(["corrupt"]);
    const flipped = Buffer.from(bytes);
    flipped[overHead + 12 + 20]! ^= 0xff;
    const damaged = await runOnce(flipped, { name: "flipped.vmdk" });
    const intact = await runOnce(bytes, { name: "flipped.vmdk" });
    const digest = async (run: typeof intact) =>
      run.children.length === 0
        ? ""
        : createHash("sha256")
            .update(await childBytes(run.children[0]!))
            .digest("hex");
    const noticed =
      damaged.events.some((e) => e.kind === "partial") || (await digest(damaged)) !== (await digest(intact));
    expect(noticed).toBe(true);
  });
});

describe("MBR detection", () => {
  it("takes a partitioned disk, not a volume's boot sector or a table pointing past the file", () => {
    const disk = mbrDisk([[0x83, new Uint8Array(4096)]]);
    expect(isMbr(disk, disk.length)).toBe(true);
    // The same first sector on a file that ends before the partition begins.
    expect(isMbr(disk.subarray(0, 512), 512)).toBe(false);
    // A boot flag other than 0x00 or 0x80: no partition table.
    const odd = Buffer.from(disk);
    odd[446] = 0x12;
    expect(isMbr(odd, odd.length)).toBe(false);
    // An NTFS volume's boot sector ends with 55 AA too.
    const ntfs = Buffer.from(disk);
    ntfs.write("NTFS    ", 3, "latin1");
    expect(isMbr(ntfs, ntfs.length)).toBe(false);
  });
});
