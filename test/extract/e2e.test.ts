import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENUM_TEXT, libfaceBytes } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import type { ScanReport } from "../../src/model/report.js";
import { cleanupTempDirs, fixtures } from "./drive.js";
import { skipWithoutTools } from "./tools.js";

let made: Record<string, string> = {};
let report: ScanReport;
beforeAll(async () => {
  ({ made } = await fixtures());
  report = await scan({
    paths: ["fw.bin", "sdk.zip", "manual.pdf", "app.apk", "firmware.blob", "doc.docx"].map(
      (name) => made[name]!,
    ),
    jobs: 1,
  });
}, 300_000);
afterAll(cleanupTempDirs);

const ENUM_OFFSET = libfaceBytes().indexOf(Buffer.from(ENUM_TEXT, "utf16le"));

describe.skipIf(skipWithoutTools)("end to end through the engine", () => {
  it("fw.bin → uImage → squashfs → libface.so: a finding naming every layer with hashes and the leaf offset", () => {
    const finding = report.findings.find(
      (f) =>
        f.layers[0]!.path.endsWith("fw.bin") &&
        f.layers.at(-1)!.path === "usr/lib/libface.so" &&
        f.match.includes("UYGUR"),
    );
    expect(finding, JSON.stringify(report.findings.map((f) => f.location))).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "dahua", "uimage", "squashfs"]);
    expect(finding!.layers.every((layer) => /^[0-9a-f]{64}$/.test(layer.sha256))).toBe(true);
    expect(finding!.encoding).toBe("utf-16le");
    expect(finding!.offset).toBeGreaterThanOrEqual(ENUM_OFFSET);
    expect(finding!.offset).toBeLessThan(ENUM_OFFSET + ENUM_TEXT.length * 2);
  });

  it("the same tree as a tar.gz inside a zip gives the same finding", () => {
    const finding = report.findings.find(
      (f) => f.layers[0]!.path.endsWith("sdk.zip") && f.layers.at(-1)!.path === "usr/lib/libface.so",
    );
    expect(finding).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "zip", "gzip", "tar"]);
  });

  it("the Chinese PDF gives findings with page numbers", () => {
    const pdfFindings = report.findings.filter((f) => f.layers[0]!.path.endsWith("manual.pdf"));
    expect(pdfFindings.length).toBeGreaterThan(0);
    expect(pdfFindings.every((f) => f.layers.at(-1)!.element === "page 2")).toBe(true);
  });

  it("the APK's DEX enum names are found", () => {
    expect(
      report.findings.some(
        (f) => f.layers[0]!.path.endsWith("app.apk") && f.layers.some((l) => l.path === "classes.dex"),
      ),
    ).toBe(true);
  });

  it("the carved blob's finding shows the carve offset", () => {
    const finding = report.findings.find((f) => f.layers[0]!.path.endsWith("firmware.blob"));
    expect(finding).toBeDefined();
    expect(finding!.layers[1]!.carvedAt).toBeGreaterThan(0);
    expect(finding!.location).toContain("@0x");
  });
});
