import { describe, expect, it } from "vitest";
import { errorsOf, sarifValidator } from "../../test/report/schema-validators.js";
import { interruptedReport, sampleReport, xssReport } from "../../test/report/sample-report.js";
import { formatSarif, pathToUri } from "./sarif-reporter.js";

interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      rules: { id: string; help: { text: string; markdown: string }; properties: Record<string, unknown> }[];
    };
  };
  artifacts: { location: { uri: string }; parentIndex?: number; hashes?: Record<string, string> }[];
  results: {
    ruleId: string;
    ruleIndex: number;
    level: string;
    locations: {
      physicalLocation: { artifactLocation: { uri: string; index: number }; region?: Record<string, number> };
    }[];
    relatedLocations?: {
      physicalLocation: { artifactLocation: { index: number }; region: Record<string, number> };
    }[];
    partialFingerprints: Record<string, string>;
  }[];
  invocations: { toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
}

function run(text: string): SarifRun {
  return (JSON.parse(text) as { runs: SarifRun[] }).runs[0]!;
}

describe("formatSarif", () => {
  const validate = sarifValidator();

  it("is valid against the official SARIF 2.1.0 schema", () => {
    for (const report of [sampleReport(), xssReport(), interruptedReport()]) {
      const log: unknown = JSON.parse(formatSarif(report));
      expect(validate(log), errorsOf(validate)).toBe(true);
    }
  });

  it("the schema test can fail: a result without a message is rejected", () => {
    const log = JSON.parse(formatSarif(sampleReport())) as { runs: { results: Record<string, unknown>[] }[] };
    delete log.runs[0]!.results[0]!["message"];
    expect(validate(log)).toBe(false);
  });

  it("describes the driver and each rule with help text and properties", () => {
    const report = sampleReport();
    const sarif = run(formatSarif(report));
    expect(sarif.tool.driver.name).toBe("custodiet");
    expect(sarif.tool.driver.version).toBe(report.tool.version);
    expect(sarif.tool.driver.rules.map((rule) => rule.id)).toEqual(report.rules.map((rule) => rule.id));
    const nation = sarif.tool.driver.rules.find((rule) => rule.id === "dahua-nation-type")!;
    expect(nation.help.text).toContain(
      report.rules.find((rule) => rule.id === "dahua-nation-type")!.description,
    );
    expect(nation.properties).toMatchObject({
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
    });
    expect(nation.properties["tags"]).toEqual(expect.arrayContaining(["ethnicity", "inferred"]));
  });

  it("gives each result its rule, level, byte region, hashes and content fingerprint", () => {
    const report = sampleReport();
    const sarif = run(formatSarif(report));
    expect(sarif.results).toHaveLength(report.findings.length);
    report.findings.forEach((finding, index) => {
      const result = sarif.results[index]!;
      expect(result.ruleId).toBe(finding.ruleId);
      expect(sarif.tool.driver.rules[result.ruleIndex]!.id).toBe(finding.ruleId);
      expect(result.partialFingerprints["custodietContentFingerprint/v1"]).toBe(finding.fingerprint);
      const primary = result.locations[0]!.physicalLocation;
      expect(primary.artifactLocation.uri).toBe(pathToUri(finding.layers[0]!.path, false));
      expect(sarif.artifacts[primary.artifactLocation.index]!.hashes?.["sha-256"]).toBe(
        finding.layers[0]!.sha256,
      );
      const exact = finding.layers.length === 1 ? primary : result.relatedLocations![0]!.physicalLocation;
      expect(exact.region).toMatchObject({ byteOffset: finding.offset, byteLength: finding.length });
      if (finding.line !== undefined) expect(exact.region!["startLine"]).toBe(finding.line);
      const leaf = sarif.artifacts[exact.artifactLocation.index]!;
      expect(leaf.hashes?.["sha-256"]).toBe(finding.layers[finding.layers.length - 1]!.sha256);
    });
    const levels = Object.fromEntries(
      report.findings.map((finding, index) => [finding.severity, sarif.results[index]!.level]),
    );
    expect(levels).toMatchObject({ critical: "error", high: "error", medium: "warning" });
  });

  it("records nested artifacts with parentIndex and the coverage gaps as notifications", () => {
    const report = sampleReport();
    const sarif = run(formatSarif(report));
    const header = sarif.artifacts.find((artifact) => artifact.location.uri === "include/dhnetsdk.h")!;
    expect(sarif.artifacts[header.parentIndex!]!.location.uri).toBe("sdk/NetSDK_V3.zip");
    const gaps = report.coverage.filter((entry) => entry.status !== "scanned");
    const notes = sarif.invocations[0]!.toolExecutionNotifications;
    expect(notes).toHaveLength(gaps.length);
    expect(notes.map((note) => note.message.text).join("\n")).toContain("sdk/tools/update.zip");
  });

  it("makes URIs from paths", () => {
    expect(pathToUri("sdk/a b#c.h", false)).toBe("sdk/a%20b%23c.h");
    expect(pathToUri("/abs/x.h", false)).toBe("file:///abs/x.h");
    expect(pathToUri("C:\\sdk\\x.h", false)).toBe("file:///C:/sdk/x.h");
    expect(pathToUri("/usr/lib/libface.so", true)).toBe("usr/lib/libface.so");
  });

  it("says a stopped scan did not run to its end, and lists what it interrupted", () => {
    type Invocation = {
      executionSuccessful: boolean;
      toolExecutionNotifications: { message: { text: string } }[];
    };
    const invocation = (report: ReturnType<typeof sampleReport>) =>
      (JSON.parse(formatSarif(report)) as { runs: { invocations: Invocation[] }[] }).runs[0]!.invocations[0]!;
    expect(invocation(sampleReport()).executionSuccessful).toBe(true);
    const stopped = invocation(interruptedReport());
    expect(stopped.executionSuccessful).toBe(false);
    expect(stopped.toolExecutionNotifications.map((n) => n.message.text)).toContain(
      "Not scanned: sdk/late.zip: the scan was stopped (while this was being scanned)",
    );
  });
});
