import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asarArchive, libfaceBytes, ENUM_TEXT } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import type { ScanReport } from "../../src/model/report.js";
import { cleanupTempDirs, newTempDir } from "./drive.js";

/** A web client's language pack, as an Electron app ships it in resources/app.asar. */
const LANGUAGE_PACK = `${JSON.stringify(
  {
    face: {
      attr: {
        title: "人脸属性",
        gender: "性别",
        nation: "民族",
        nationValues: { han: "汉族", uyghur: "维吾尔族", other: "其他" },
      },
    },
    common: { ok: "确定", cancel: "取消" },
  },
  null,
  2,
)}\n`;
const PACK = Buffer.from(LANGUAGE_PACK);

const archive = asarArchive([
  ["package.json", Buffer.from('{"name":"face-client","main":"src/main.js"}')],
  ["src/main.js", Buffer.from("require('./i18n');\n")],
  ["locales/en.json", Buffer.from('{"face":{"attr":{"title":"Face attributes"}}}\n')],
  ["locales/zh-CN.json", PACK],
  ["native/libface.so", libfaceBytes()],
  ["native/face.node", { unpacked: true, size: 4096 }],
  ["native/current", { link: "native/libface.so" }],
]);

let report: ScanReport;
beforeAll(async () => {
  const dir = await newTempDir();
  const path = join(dir, "app.asar");
  await writeFile(path, archive);
  report = await scan({ paths: [path], jobs: 1 });
}, 120_000);
afterAll(cleanupTempDirs);

describe("Electron asar archives through the engine", () => {
  it("a term in locales/zh-CN.json is found with the chain app.asar → locales/zh-CN.json and its offsets", () => {
    const finding = report.findings.find((f) => f.match === "维吾尔族");
    expect(finding, JSON.stringify(report.findings.map((f) => [f.location, f.match]))).toBeDefined();
    expect(finding!.layers.map((layer) => layer.via)).toEqual(["file", "asar"]);
    expect(finding!.layers[0]!.path).toMatch(/app\.asar$/u);
    expect(finding!.layers[1]!.path).toBe("locales/zh-CN.json");
    expect(finding!.location).toMatch(/app\.asar!locales\/zh-CN\.json$/u);
    // The member's offset is where its bytes are in the archive; the finding's offset is in the member.
    expect(finding!.layers[1]!.offsetInParent).toBe(archive.indexOf(PACK));
    expect(finding!.layers[1]!.size).toBe(PACK.length);
    expect(finding!.offset).toBe(PACK.indexOf(Buffer.from("维吾尔族")));
    expect(finding!.layers.every((layer) => /^[0-9a-f]{64}$/u.test(layer.sha256))).toBe(true);
  });

  it("the native library's enum is attributed to its member, not to the archive", () => {
    const finding = report.findings.find((f) => f.match.includes("UYGUR"));
    expect(finding).toBeDefined();
    expect(finding!.layers.map((layer) => layer.path).slice(1)).toEqual(["native/libface.so"]);
    const member = libfaceBytes();
    expect(finding!.layers[1]!.offsetInParent).toBe(archive.indexOf(member));
    expect(finding!.offset).toBeGreaterThanOrEqual(member.indexOf(Buffer.from(ENUM_TEXT, "utf16le")));
  });

  it("the coverage names the format and the unpacked file and link", () => {
    const entry = (suffix: string) => report.coverage.find((c) => c.location.endsWith(suffix));
    expect(entry("app.asar")?.format).toBe("asar");
    expect(entry("!locales/zh-CN.json")?.status).toBe("scanned");
    expect(entry("!native/face.node")).toMatchObject({
      status: "skipped",
      reason: "not-a-regular-file",
      detail: "stored outside the archive, in app.asar.unpacked/native/face.node beside it",
    });
    expect(entry("!native/current")?.reason).toBe("not-a-regular-file");
  });
});
