import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleCorpus } from "../../scripts/build-sample-corpus.mjs";
import { scan } from "../../src/engine/scan.js";
import { writeEvidenceBundle } from "../../src/evidence/index.js";
import { verifyEvidenceBundle } from "../../src/evidence/verify.js";
import { applyBaseline, createBaseline } from "../../src/findings/baseline.js";
import { diffReports } from "../../src/findings/diff.js";
import type { ScanReport } from "../../src/model/report.js";
import { formatters, FORMATS } from "../../src/report/index.js";
import { parseScanReport } from "../../src/report/load-report.js";
import { draft07Validator, errorsOf, sarifValidator } from "./schema-validators.js";

/**
 * The reporters, the evidence bundle, baselines and diff on what the real engine produces for the sample
 * corpus (the unit tests use hand-built reports; this catches drift between the model, the engine and them).
 */
let work: string;
let report: ScanReport;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "custodiet-engine-output-"));
  writeSampleCorpus(join(work, "sample"), undefined, join(work, "EXPECTED.json"));
  report = await scan({
    paths: ["sample"],
    cwd: work,
    jobs: 1,
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("reporters on the engine's report of the sample corpus", () => {
  it("has findings to render", () => {
    expect(report.findings.length).toBeGreaterThan(5);
  });

  it("JSON follows schema/scan-report.schema.json and reads back through parseScanReport", () => {
    const text = formatters.json(report);
    const validate = draft07Validator("scan-report.schema.json");
    expect(validate(JSON.parse(text)), errorsOf(validate)).toBe(true);
    expect(parseScanReport(text, "r.json")).toEqual(JSON.parse(text));
  });

  it("SARIF follows the official SARIF 2.1.0 schema", () => {
    const validate = sarifValidator();
    expect(validate(JSON.parse(formatters.sarif(report))), errorsOf(validate)).toBe(true);
  });

  it("every format renders and names every finding's location", () => {
    for (const format of FORMATS) {
      const text = formatters[format](report, { color: false });
      for (const finding of report.findings) {
        const location = format === "html" ? finding.location.replace(/&/gu, "&amp;") : finding.location;
        expect(text, `${format}: ${finding.location}`).toContain(location);
      }
    }
  });

  it("a bundle of the report verifies against the corpus files", async () => {
    await writeEvidenceBundle(join(work, "bundle"), report);
    const result = await verifyEvidenceBundle(join(work, "bundle"), { artifacts: ["sample"], cwd: work });
    expect(result.checks.filter((check) => check.status !== "ok")).toEqual([]);
    expect(result.checks.filter((check) => check.subject.startsWith("sample/")).length).toBe(
      new Set(report.coverage.map((entry) => entry.layers[0]!.path)).size,
    );
  });

  it("a baseline of the report hides all of it; a rescan diffs as unchanged", async () => {
    const baseline = createBaseline(report, "sample corpus");
    expect(applyBaseline(report, baseline, "2026-01-02").report.findings).toEqual([]);
    await writeFile(join(work, "r.json"), formatters.json(report));
    const again = parseScanReport(await readFile(join(work, "r.json"), "utf8"), "r.json");
    const diff = diffReports(again, report);
    expect([diff.added.length, diff.removed.length, diff.unchanged.length]).toEqual([
      0,
      0,
      report.findings.length,
    ]);
  });
});

/** A GBK header in the style of Dahua's NetSDK; `extra` lines go near the top, `member` is the enum's slot 1. */
function header(extra: string, member: string): Buffer {
  const text = [
    "// NetSDK header",
    extra,
    "typedef struct tagNET_FACE_ATTRIBUTE_EX {",
    "    EM_SEX_TYPE emSex; // 性别",
    "    int nAge; // 年龄",
    "    EM_NATION_TYPE emNation; // 民族",
    "    EM_GLASSES_TYPE emGlasses; // 眼镜",
    "} NET_FACE_ATTRIBUTE_EX;",
    "",
    "typedef enum tagEM_NATION_TYPE {",
    "    EM_NATION_TYPE_UNKNOWN, // 未知",
    `    ${member}, // 维族(新疆)`,
    "    EM_NATION_TYPE_OTHER, // 其他",
    "} EM_NATION_TYPE;",
    "",
  ].join("\n");
  return iconv.encode(text, "gbk");
}

describe("diff of two releases scanned by the engine", () => {
  it("reports the removed EM_NATION_TYPE_UYGUR and the member renamed in its slot", async () => {
    await mkdir(join(work, "v1"));
    await mkdir(join(work, "v2"));
    await writeFile(join(work, "v1", "dhnetsdk.h"), header("", "EM_NATION_TYPE_UYGUR"));
    await writeFile(
      join(work, "v2", "dhnetsdk.h"),
      header("#define NET_SDK_VERSION 31\n// 3.1", "EM_NATION_TYPE_XJ"),
    );
    const v1 = await scan({ paths: ["v1"], cwd: work, jobs: 1 });
    const v2 = await scan({ paths: ["v2"], cwd: work, jobs: 1 });
    const diff = diffReports(v1, v2);
    expect(diff.removed.map((finding) => finding.match)).toEqual(["EM_NATION_TYPE_UYGUR"]);
    expect(diff.added).toEqual([]);
    expect(diff.unchanged.length).toBeGreaterThan(0);
    expect(diff.unchanged.every((pair) => pair.matchedBy === "content")).toBe(true);
    expect(diff.renamed.map((hint) => [hint.oldName, hint.newName])).toEqual([
      ["EM_NATION_TYPE_UYGUR", "EM_NATION_TYPE_XJ"],
    ]);
  });
});
