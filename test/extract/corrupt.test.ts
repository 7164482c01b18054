import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childBytes, cleanupTempDirs, fixtures, runOnce, type Run } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

const FIXTURES = [
  "plain.zip",
  "zip64.zip",
  "fw.bin",
  "dhsp.bin",
  "formats.tar",
  "sdk.tar.gz",
  "multi.gz",
  "libface.so.bz2",
  "libface.so.xz",
  "libface.so.lzma",
  "libface.so.lz4",
  "linked.lz4",
  "kernel.lz4",
  "lz4-firmware.blob",
  "stream.zst",
  "libface.so.zlib",
  "archive.7z",
  "stored.rar",
  "archive.cab",
  "archive.cpio",
  "cd.iso",
  "package.deb",
  "plain.ar",
  "app.asar",
  "bundle.js.map",
  "capture.har",
  "face.rpm",
  "rootfs-gzip.squashfs",
  "rootfs-xz.squashfs",
  "rootfs-lzo.squashfs",
  "rootfs-zstd.squashfs",
  "rootfs-lz4.squashfs",
  "rootfs.cramfs",
  "ext4.img",
  "fat.img",
  "disk-mbr.img",
  "disk-gpt.img",
  "disk.vhd",
  "system.simg",
  "ntfs.img",
  "disk.vmdk",
  "disk.vhdx",
  "disk.qcow2",
  "disk.vdi",
  "libface.so.Z",
  "face.lzo",
  "long.lzo",
  "lzo-firmware.blob",
  "client.dmg",
  "rootfs.uimage",
  "setup.msi",
  "setup.exe",
  "dex.dex",
  "resources.arsc",
  "manual.pdf",
  "help.chm",
  "ubi.img",
  "ubifs-lzo.img",
  "jffs2-le.img",
  "jffs2-be.img",
  "doc.docx",
  "book.xlsx",
  "slides.pptx",
  "page.html",
  "manual.rtf",
  "message.eml",
  "mail.mbox",
  "page.mhtml",
  "firmware.blob",
  "app.apk",
  "encrypted.zip",
];

async function digest(run: Run): Promise<string[]> {
  const out: string[] = [];
  for (const child of run.children) {
    out.push(
      `${child.name}:${createHash("sha256")
        .update(await childBytes(child))
        .digest("hex")}`,
    );
  }
  return out.sort();
}

/** Damage was noticed (a notice, a different format) or the children differ from the intact file's. */
async function noticed(intact: Run, damaged: Run): Promise<boolean> {
  if (damaged.format !== intact.format) return true;
  if (
    damaged.events.some((event) => event.kind !== "child") &&
    !intact.events.some((event) => event.kind === "partial")
  )
    return true;
  return JSON.stringify(await digest(damaged)) !== JSON.stringify(await digest(intact));
}

/** Flips one bit in every 97th byte after the first 16 (the magic stays, so the extractor runs). */
function bitFlip(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 16; i < out.length; i += 97) out[i] = out[i]! ^ 0x10;
  return out;
}

describe.skipIf(skipWithoutTools)("truncated and bit-flipped files of every format", () => {
  for (const name of FIXTURES) {
    it(`${name}: truncated and bit-flipped copies extract without throwing and the damage shows`, async () => {
      const bytes = await readFile(made[name]!);
      const intact = await runOnce(bytes, { name });
      const truncated = await runOnce(bytes.subarray(0, Math.floor(bytes.length * 0.6)), {
        name,
        timeoutMs: 20_000,
      });
      expect(await noticed(intact, truncated)).toBe(true);
      const flipped = await runOnce(bitFlip(bytes), { name, timeoutMs: 20_000 });
      expect(await noticed(intact, flipped)).toBe(true);
    });
  }
});

describe("a stream cut inside its header", () => {
  it("says the gzip header is cut off, not that it is no gzip", async () => {
    const run = await runOnce(Buffer.from([0x1f, 0x8b, 0x08, 0x00]), { name: "cut.gz" });
    expect(run.format).toBe("gzip");
    expect(run.events).toEqual([
      expect.objectContaining({
        kind: "partial",
        reason: "corrupt",
        detail: "gzip: the gzip header is cut off (4 bytes)",
      }),
    ]);
  });
});
