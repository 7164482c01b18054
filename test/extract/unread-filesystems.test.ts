import { execFileSync } from "node:child_process";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT } from "../../scripts/build-fixtures.mjs";
import { childBytes, cleanupTempDirs, contains, fixtures, newTempDir, runOnce } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

const ENUM_UTF16 = Buffer.from(ENUM_TEXT, "utf16le");

let made: Record<string, string> = {};
beforeAll(async () => {
  ({ made } = await fixtures());
});
afterAll(cleanupTempDirs);

const notes = (run: Awaited<ReturnType<typeof runOnce>>): string[] =>
  run.events.flatMap((event) => (event.kind === "partial" ? [`${event.reason}: ${event.detail}`] : []));

/** A blob of `size` zeros with `parts` written at their offsets. */
function image(size: number, parts: [number, Uint8Array | string][]): Buffer {
  const out = Buffer.alloc(size);
  for (const [at, bytes] of parts)
    (typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes)).copy(out, at);
  return out;
}

describe("file systems custodiet recognises but does not read by name", () => {
  it("are recorded as unsupported, naming the tool that reads them, from their superblocks", async () => {
    const u32 = (value: number, littleEndian: boolean) => {
      const out = Buffer.alloc(4);
      if (littleEndian) out.writeUInt32LE(value, 0);
      else out.writeUInt32BE(value, 0);
      return out;
    };
    const cases: [string, Buffer, string][] = [
      [
        "xfs",
        image(8192, [
          [0, "XFSB"],
          [4, u32(4096, false)],
        ]),
        "xfsprogs",
      ],
      ["btrfs", image(0x12000, [[0x10040, "_BHRfS_M"]]), "btrfs-progs"],
      [
        "f2fs",
        image(8192, [
          [1024, u32(0xf2f52010, true)],
          [1024 + 16, u32(12, true)],
        ]),
        "f2fs-tools",
      ],
      [
        "erofs",
        image(8192, [
          [1024, u32(0xe0f5e1e2, true)],
          [1024 + 12, Buffer.from([12])],
        ]),
        "erofs-utils",
      ],
      [
        "lvm2",
        image(8192, [
          [512, "LABELONE"],
          [512 + 24, "LVM2 001"],
        ]),
        "lvm2",
      ],
    ];
    for (const [format, bytes, tool] of cases) {
      const run = await runOnce(bytes, { name: `${format}.img` });
      expect(run.format, format).toBe(format);
      expect(notes(run), format).toHaveLength(1);
      expect(notes(run)[0], format).toMatch(/^unsupported: .*its files are not read by name/u);
      expect(notes(run)[0], format).toContain(tool);
    }
    // Near misses: an XFS magic with a block size no XFS has; a Btrfs magic one byte off.
    expect(
      (
        await runOnce(
          image(8192, [
            [0, "XFSB"],
            [4, u32(3000, false)],
          ]),
        )
      ).format,
    ).not.toBe("xfs");
    expect((await runOnce(image(0x12000, [[0x10041, "_BHRfS_M"]]))).format).not.toBe("btrfs");
  });
});

describe.skipIf(skipWithoutTools)("real images", () => {
  it("an EROFS image is recorded as not read by name, and a gzip file kept in it whole is carved out", async () => {
    const run = await runOnce(made["erofs.img"]!);
    expect(run.format).toBe("erofs");
    expect(notes(run)).toEqual([expect.stringContaining("an EROFS file system")]);
    expect(run.children.map((child) => child.via)).toEqual(["carve"]);
    const inner = await runOnce(await childBytes(run.children[0]!), { name: "x.gz" });
    expect(contains(await childBytes(inner.children[0]!), ENUM_UTF16)).toBeGreaterThan(0);
  });

  it("an APFS container, as a newer Mac disk image holds, is opened by 7-Zip", async () => {
    // mkapfs makes no container under 512 MB; the file is sparse.
    const path = join(await newTempDir(), "volume.apfs");
    writeFileSync(path, "");
    truncateSync(path, 600 * 1024 * 1024);
    execFileSync("mkapfs", ["-L", "Face", path], { stdio: "ignore" });
    const run = await runOnce(path);
    expect(run.format).toBe("apfs");
    // An empty volume: nothing to extract, and no damage.
    expect(run.events).toEqual([]);
  });
});
