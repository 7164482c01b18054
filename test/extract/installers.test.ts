import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, innoSetupInstaller, pbzxStream, peProgram } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { innoSetup } from "../../src/extract/inno-setup-extractor.js";
import { storedXz } from "../../src/extract/pbzx-extractor.js";
import { fileOffsetOf, findResource, peLayout } from "../../src/extract/pe.js";
import { memorySource } from "../../src/sources/byte-source.js";
import { tempFolder } from "../helpers.js";
import { seededBytes, seededIntegers } from "../random.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

afterAll(cleanupTempDirs);

/** The setup program's own strings: a planted identifier in UTF-16LE, as a Windows program holds them. */
const SETUP_TEXT = Buffer.concat([Buffer.from("setup program\0\0\0"), Buffer.from(ENUM_TEXT, "utf16le")]);

async function detected(bytes: Uint8Array) {
  return innoSetup(bytes.subarray(0, 65536), memorySource(bytes));
}

describe("PE layout", () => {
  const installer = innoSetupInstaller({ text: SETUP_TEXT });

  it("reads the sections, where the image ends, and the resource table", async () => {
    const layout = peLayout(installer)!;
    expect(layout.sections.map((section) => section.name)).toEqual([".text", ".rsrc"]);
    expect(layout.imageEnd).toBe(0x600);
    expect(layout.resources?.rva).toBe(0x2000);
    expect(fileOffsetOf(layout, 0x2000)).toBe(0x400);
    expect(fileOffsetOf(layout, 0x9000)).toBeUndefined();
    const table = await findResource(memorySource(installer), layout, 10, 11111);
    expect(table?.size).toBe(44);
    expect(Buffer.from(installer.subarray(table!.offset, table!.offset + 6)).toString("latin1")).toBe(
      "rDlPtS",
    );
    expect(await findResource(memorySource(installer), layout, 10, 1)).toBeUndefined();
    expect(await findResource(memorySource(installer), layout, 3, 11111)).toBeUndefined();
  });

  it("refuses what is not a PE, and never throws on damaged headers or resource tables", async () => {
    expect(peLayout(new Uint8Array(0))).toBeUndefined();
    expect(peLayout(Buffer.from("MZ not a program"))).toBeUndefined();
    expect(peLayout(Buffer.alloc(4096))).toBeUndefined();
    const next = seededIntegers(7);
    for (let round = 0; round < 400; round++) {
      const damaged = Buffer.from(installer);
      // Headers, section table and resource tree: the first 0x500 bytes.
      for (let flips = 1 + next(8); flips > 0; flips--) damaged[next(0x500)] = next(256);
      const layout = peLayout(damaged);
      if (layout !== undefined) await findResource(memorySource(damaged), layout, 10, 11111);
      await detected(damaged);
    }
  });
});

describe("Inno Setup installers", () => {
  it("are told apart by their offset table and setup data, with the version", async () => {
    expect(await detected(innoSetupInstaller({ text: SETUP_TEXT }))).toEqual({
      version: "6.4.0.1",
      dataOffset: 0x600,
    });
    expect(await detected(innoSetupInstaller({ text: SETUP_TEXT, version: "5.5.7" }))).toMatchObject({
      version: "5.5.7",
    });
  });

  it("are not confused with the setup loader alone (its table is zeros) or other programs", async () => {
    expect(await detected(innoSetupInstaller({ text: SETUP_TEXT, filled: false }))).toBeUndefined();
    // A program with an RCDATA 11111 that is not an offset table, and data after its image.
    const other = peProgram({
      text: SETUP_TEXT,
      resource: Buffer.from("just a resource, 44 bytes long........"),
      overlay: Buffer.alloc(4096, 1),
    });
    expect(await detected(other)).toBeUndefined();
    // An installer cut off at the end of its image: no setup data to speak of.
    const installer = innoSetupInstaller({ text: SETUP_TEXT });
    expect(await detected(installer.subarray(0, 0x600))).toBeUndefined();
  });

  it("are found through the table at 0x30 that loaders before 5.1.5 use", async () => {
    const data = Buffer.alloc(64 + 4096);
    data.write("Inno Setup Setup Data (5.0.8)", "latin1");
    const table = Buffer.alloc(48);
    table.write("rDlPtS07", "latin1");
    table.writeUInt32LE(0x87, 8);
    const program = peProgram({ text: SETUP_TEXT, resource: Buffer.alloc(16) });
    const tableAt = program.length;
    const dataAt = tableAt + table.length;
    table.writeUInt32LE(dataAt + data.length, 12); // total size
    table.writeUInt32LE(dataAt, 28); // setup data
    const old = peProgram({
      text: SETUP_TEXT,
      resource: Buffer.alloc(16),
      overlay: Buffer.concat([table, data]),
      dosTable: tableAt,
    });
    expect(await detected(old)).toEqual({ version: "5.0.8", dataOffset: dataAt });
    // The complement beside the offset must agree.
    const wrong = Buffer.from(old);
    wrong.writeUInt32LE(0, 0x38);
    expect(await detected(wrong)).toBeUndefined();
  });

  it("are recorded as partly searched, naming the tool that unpacks them, with the setup program's findings", async () => {
    const run = await runOnce(innoSetupInstaller({ text: SETUP_TEXT }));
    expect(run.format).toBe("inno-setup");
    expect(run.children).toEqual([]);
    expect(run.notices).toHaveLength(1);
    expect(run.notices[0]!.reason).toBe("unsupported");
    expect(run.notices[0]!.detail).toMatch(
      /^Inno Setup 6\.4\.0\.1 installer: .*from offset 1536.*innoextract/u,
    );

    const dir = tempFolder();
    writeFileSync(join(dir, "setup.exe"), innoSetupInstaller({ text: SETUP_TEXT }));
    const report = await scan({ paths: [dir], jobs: 1 });
    const entry = report.coverage.find((covered) => covered.location.endsWith("setup.exe"))!;
    expect(entry).toMatchObject({ status: "partial", reason: "unsupported", format: "inno-setup" });
    expect(report.findings.map((finding) => finding.match)).toContain(ENUM_TEXT);
  });
});

describe("InstallShield installers and cabinets", () => {
  it("are recognised by the header after the program's image, or the cabinet's magic, and recorded", async () => {
    for (const header of ["InstallShield", "ISSetupStream"]) {
      const overlay = Buffer.concat([
        Buffer.from(`${header}\0`, "latin1"),
        Buffer.from(seededBytes(3, 4096)),
      ]);
      const run = await runOnce(peProgram({ text: SETUP_TEXT, resource: Buffer.alloc(16), overlay }));
      expect(run.format).toBe("installshield");
      expect(run.notices.map((notice) => notice.reason)).toEqual(["unsupported"]);
      expect(run.notices[0]!.detail).toMatch(/^InstallShield installer: .*ISx/u);
    }
    const cabinet = await runOnce(
      Buffer.concat([Buffer.from("ISc(", "latin1"), Buffer.from(seededBytes(4, 4096))]),
    );
    expect(cabinet.format).toBe("installshield");
    expect(cabinet.notices[0]!.detail).toMatch(/^InstallShield cabinet: .*unshield/u);
  });

  it("are not claimed for a program whose overlay only starts alike, or holds the name further in", async () => {
    for (const overlay of ["InstallShieldX", "xxInstallShield\0"]) {
      const program = peProgram({
        text: SETUP_TEXT,
        resource: Buffer.alloc(16),
        overlay: Buffer.concat([Buffer.from(overlay, "latin1"), Buffer.alloc(64)]),
      });
      expect((await runOnce(program)).format).not.toBe("installshield");
    }
  });
});

describe("pbzx payloads", () => {
  const data = Buffer.from(seededBytes(11, 200_000));

  it("a stored chunk becomes an xz stream that the xz reader unpacks to the same bytes", async () => {
    for (const size of [1, 65_536, 65_537, 200_000]) {
      const run = await runOnce(storedXz(data.subarray(0, size)), { name: "Payload.xz" });
      expect(run.format).toBe("xz");
      expect(run.notices).toEqual([]);
      expect(Buffer.from(await childBytes(run.children[0]!)).equals(data.subarray(0, size))).toBe(true);
    }
  });

  it("stored chunks are joined in order into one child", async () => {
    const pieces = [data.subarray(0, 70_000), data.subarray(70_000, 140_000), data.subarray(140_000)];
    const payload = pbzxStream(
      70_000,
      pieces.map((piece) => [piece.length, piece]),
    );
    const run = await runOnce(payload, { name: "Payload" });
    expect(run.format).toBe("pbzx");
    expect(run.notices).toEqual([]);
    expect(run.children.map((child) => child.name)).toEqual(["Payload.xz"]);
    const unpacked = await runOnce(await childBytes(run.children[0]!), { name: "Payload.xz" });
    expect(Buffer.from(await childBytes(unpacked.children[0]!)).equals(data)).toBe(true);
  });

  it("a damaged chunk chain keeps the chunks before the damage and says where it broke", async () => {
    const piece = data.subarray(0, 1000);
    const payload = pbzxStream(1000, [
      [1000, piece],
      [1000, piece],
    ]);
    // Cut inside the second chunk: its length runs past the end.
    const cut = await runOnce(payload.subarray(0, payload.length - 10), { name: "Payload" });
    expect(cut.children).toHaveLength(1);
    expect(cut.notices).toEqual([
      {
        kind: "partial",
        reason: "corrupt",
        detail: "pbzx: chunk at 1028 claims 1000 bytes, past the end of the file (1 chunks read)",
      },
    ]);
    // A header that says another chunk follows, and none does.
    const open = Buffer.from(payload.subarray(0, 12 + 16 + 1000));
    open.writeBigUInt64BE(0x1000000n | 1000n, 12);
    const unfinished = await runOnce(open, { name: "Payload" });
    expect(unfinished.children).toHaveLength(1);
    expect(unfinished.notices[0]?.detail).toMatch(/cut off at the end of the file/u);
    // Random damage to the headers never throws.
    const next = seededIntegers(5);
    for (let round = 0; round < 200; round++) {
      const damaged = Buffer.from(payload);
      for (let flips = 1 + next(4); flips > 0; flips--) {
        const at = [next(12), 12 + next(16), 1028 + next(16)][next(3)]!;
        damaged[at] = next(256);
      }
      await runOnce(damaged, { name: "Payload" });
    }
  });
});
