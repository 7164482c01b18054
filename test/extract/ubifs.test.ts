import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ENUM_TEXT,
  UBIFS_COMPRESSIONS,
  UBIFS_ENUM_AT,
  buildUbifsFixtures,
  ubifsLibBytes,
} from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import type { ScanReport } from "../../src/model/report.js";
import { childBytes, cleanupTempDirs, contains, display, newTempDir, openAll, runOnce } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

let made: Record<string, string> = {};
let report: ScanReport;
beforeAll(async () => {
  if (skipWithoutTools) return;
  ({ made } = buildUbifsFixtures(await newTempDir()));
  report = await scan({ paths: [made["ubifs-ubi.img"]!], jobs: 1 });
}, 300_000);
afterAll(cleanupTempDirs);

describe.skipIf(skipWithoutTools)("UBIFS volumes", () => {
  it.each(UBIFS_COMPRESSIONS)(
    "ubifs-%s.img is detected and its library holds the enum across blocks",
    async (comp) => {
      const run = await runOnce(made[`ubifs-${comp}.img`]!);
      expect(run.format).toBe("ubifs");
      const lib = run.children.find((child) => child.name === "usr/lib/libface.so")!;
      const bytes = await childBytes(lib);
      expect(contains(bytes, ENUM_UTF16)).toBe(UBIFS_ENUM_AT);
      expect(Buffer.from(bytes).equals(ubifsLibBytes())).toBe(true);
    },
  );

  it("UBI image → rootfs volume → UBIFS → usr/lib/libface.so keeps the chain and the offsets", async () => {
    const { leaves } = await openAll(made["ubifs-ubi.img"]!);
    const leaf = leaves.find(
      (l) => l.layers.at(-1)?.name === "usr/lib/libface.so" && contains(l.bytes, ENUM_UTF16) >= 0,
    )!;
    expect(display(leaf.layers)).toBe("ubifs-ubi.img!rootfs!usr/lib/libface.so");
    expect(leaf.layers.map((layer) => layer.via)).toEqual(["file", "ubi", "ubifs"]);
    expect(contains(leaf.bytes, ENUM_UTF16)).toBe(UBIFS_ENUM_AT);
    // The file's offset in the volume is its first data node there.
    const volume = leaves.find((l) => l.layers.length === 2 && l.layers[1]!.name === "rootfs")!;
    const at = leaf.layers[2]!.offsetInParent!;
    expect(Buffer.from(volume.bytes).readUInt32LE(at)).toBe(0x06101831);
    expect(volume.bytes[at + 20]).toBe(1);
    // The volume is the image mkfs.ubifs wrote, LEB for LEB.
    const image = await readFile(made["ubifs-lzo.img"]!);
    expect(Buffer.from(volume.bytes.subarray(0, image.length)).equals(image)).toBe(true);
  });

  it("a scan reports the enum in the library with every layer, hashes and the leaf offset", () => {
    const finding = report.findings.find(
      (f) => f.layers.at(-1)!.path === "usr/lib/libface.so" && f.match.includes("UYGUR"),
    );
    expect(finding, JSON.stringify(report.findings.map((f) => f.location))).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "ubi", "ubifs"]);
    expect(finding!.layers.map((layer) => layer.path).slice(1)).toEqual(["rootfs", "usr/lib/libface.so"]);
    expect(finding!.layers.every((layer) => /^[0-9a-f]{64}$/.test(layer.sha256))).toBe(true);
    expect(finding!.encoding).toBe("utf-16le");
    expect(finding!.offset).toBeGreaterThanOrEqual(UBIFS_ENUM_AT);
    expect(finding!.offset).toBeLessThan(UBIFS_ENUM_AT + ENUM_UTF16.length);
  });

  it("the scan's coverage lists the symlink and the hard link, and every file as scanned", () => {
    const entry = (suffix: string) => report.coverage.find((c) => c.location.endsWith(suffix));
    expect(entry("!etc/escape")?.reason).toBe("not-a-regular-file");
    expect(entry("!usr/lib/libface.so.1")?.reason).toBe("duplicate");
    for (const file of ["etc/readme.txt", "var/sparse.bin", "var/lib/a/b/c/deep.txt", "usr/lib/libface.so"]) {
      expect(entry(`!${file}`)?.status, file).toBe("scanned");
    }
  });

  it("a truncated UBI image still yields the volume and a UBIFS notice, without throwing", async () => {
    const image = await readFile(made["ubifs-ubi.img"]!);
    const dir = await newTempDir();
    const cut = `${dir}/cut.img`;
    await writeFile(cut, image.subarray(0, Math.floor(image.length * 0.6)));
    const { notices, leaves } = await openAll(cut);
    expect(leaves.some((l) => l.layers.at(-1)?.via === "ubi")).toBe(true);
    expect(notices.some((n) => n.kind === "partial" && n.detail.startsWith("ubifs:"))).toBe(true);
  });
});
