import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/model/report.js";
import { cli, tempFolder } from "../helpers.js";

const HEADER = [
  "typedef enum tagEM_NATION_TYPE {",
  "    EM_NATION_TYPE_UNKNOWN,   // 未知",
  "    EM_NATION_TYPE_UYGUR,     // 维族(新疆)",
  "} EM_NATION_TYPE;",
  "",
].join("\n");

describe("scan --evidence and --baseline (built CLI)", () => {
  it("writes a bundle that verify accepts, and names a tampered artifact", () => {
    const dir = tempFolder();
    const sdk = join(dir, "sdk");
    mkdirSync(sdk);
    writeFileSync(join(sdk, "face.h"), iconv.encode(HEADER, "gbk"));
    const keys = join(dir, "keys");
    expect(cli(["keygen", "--out", keys]).status).toBe(0);
    const bundle = join(dir, "bundle");
    const scanned = cli([
      "scan",
      sdk,
      "--evidence",
      bundle,
      "--key",
      join(keys, "custodiet-signing.key"),
      "--format",
      "json",
      "--output",
      join(dir, "r.json"),
    ]);
    expect(scanned.status).toBe(1);
    expect(scanned.stderr).toContain("evidence bundle");
    expect(cli(["verify", bundle, "--artifacts", sdk]).status).toBe(0);
    const file = join(sdk, "face.h");
    const bytes = readFileSync(file);
    bytes[3] = bytes[3]! ^ 1;
    writeFileSync(file, bytes);
    const tampered = cli(["verify", bundle, "--artifacts", sdk]);
    expect(tampered.status).not.toBe(0);
    expect(tampered.stdout + tampered.stderr).toContain("face.h");
  });

  it("hides exactly the baselined findings and says how many", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "face.h"), iconv.encode(HEADER, "gbk"));
    const reportPath = join(dir, "r.json");
    cli(["scan", join(dir, "face.h"), "--format", "json", "--output", reportPath]);
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as ScanReport;
    expect(report.findings.length).toBeGreaterThan(0);
    const baselinePath = join(dir, "baseline.json");
    expect(
      cli([
        "baseline",
        "create",
        reportPath,
        "--reason",
        "known, reported to vendor",
        "--output",
        baselinePath,
      ]).status,
    ).toBe(0);
    const again = cli(["scan", join(dir, "face.h"), "--baseline", baselinePath, "--format", "json"]);
    expect(again.status).toBe(0);
    expect((JSON.parse(again.stdout) as ScanReport).findings).toEqual([]);
    expect(again.stderr).toContain(`${report.findings.length} finding`);
    writeFileSync(baselinePath, '{"entries": [{}]}');
    const bad = cli(["scan", join(dir, "face.h"), "--baseline", baselinePath]);
    expect(bad.status).toBe(2);
  });
});
