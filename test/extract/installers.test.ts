import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, innoSetupInstaller, peProgram } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { innoSetup } from "../../src/extract/inno-setup-extractor.js";
import { fileOffsetOf, findResource, peLayout } from "../../src/extract/pe.js";
import { memorySource } from "../../src/sources/byte-source.js";
import { tempFolder } from "../helpers.js";
import { seededIntegers } from "../random.js";
import { cleanupTempDirs, runOnce } from "./drive.js";

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
