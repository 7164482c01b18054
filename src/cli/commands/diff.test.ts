import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyBaseline, parseBaseline } from "../../findings/baseline.js";
import { formatJson } from "../../report/json-reporter.js";
import {
  layer,
  makeFinding,
  makeReport,
  RULES,
  sampleReport,
  scanned,
} from "../../../test/report/sample-report.js";
import type { CommandIo } from "../command.js";
import { run } from "../run.js";

let dir: string;
let io: CommandIo;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "custodiet-diff-cli-"));
  io = { cwd: dir, env: {}, stdoutIsTTY: false };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function releases(): { v1: ReturnType<typeof makeReport>; v2: ReturnType<typeof makeReport> } {
  const h1 = layer("v1/dhnetsdk.h", "one");
  const h2 = layer("v2/dhnetsdk.h", "two");
  const member = (header: typeof h1, match: string, severity: "critical" | "low", index: string) =>
    makeFinding({
      ruleId: severity === "critical" ? "dahua-nation-type" : "idcard-nation",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity,
      layers: [header],
      offset: 100,
      encoding: "utf-8",
      match,
      line: 10,
      scope: { kind: "enum", name: "tagEM_NATION_TYPE" },
      data: { memberName: match, scopeIndex: index },
    });
  return {
    v1: makeReport([member(h1, "EM_NATION_TYPE_UYGUR", "critical", "1")], [scanned([h1])], RULES, ["v1"]),
    v2: makeReport([member(h2, "EM_NATION_TYPE_NATION_1", "low", "1")], [scanned([h2])], RULES, ["v2"]),
  };
}

async function writeReports(): Promise<void> {
  const { v1, v2 } = releases();
  await writeFile(join(dir, "old.json"), formatJson(v1));
  await writeFile(join(dir, "new.json"), formatJson(v2));
}

describe("custodiet diff", () => {
  it("prints removal and rename hint; exit 1 only when an addition reaches --fail-on", async () => {
    await writeReports();
    const result = await run(["diff", "old.json", "new.json"], io);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("- CRITICAL v1/dhnetsdk.h:10");
    expect(result.stdout).toContain("? EM_NATION_TYPE_UYGUR → EM_NATION_TYPE_NATION_1");
    expect((await run(["diff", "old.json", "new.json", "--fail-on", "high"], io)).exitCode).toBe(0);
    expect((await run(["diff", "old.json", "new.json", "--fail-on", "low"], io)).exitCode).toBe(1);
    expect((await run(["diff", "new.json", "new.json"], io)).exitCode).toBe(0);
  });

  it("writes JSON and HTML to --output", async () => {
    await writeReports();
    const json = await run(
      ["diff", "old.json", "new.json", "--format", "json", "--output", "out/d.json", "--fail-on", "none"],
      io,
    );
    expect(json).toMatchObject({ exitCode: 0, stdout: "" });
    const parsed = JSON.parse(await readFile(join(dir, "out/d.json"), "utf8")) as {
      summary: { removed: number };
    };
    expect(parsed.summary.removed).toBe(1);
    await run(["diff", "old.json", "new.json", "--format", "html", "--output", "d.html"], io);
    expect(await readFile(join(dir, "d.html"), "utf8")).toMatch(/^<!doctype html>/u);
  });

  it("usage errors exit 2 with one line", async () => {
    await writeReports();
    for (const argv of [
      ["diff", "old.json"],
      ["diff", "old.json", "new.json", "--format", "pdf"],
      ["diff", "old.json", "new.json", "--fail-on", "severe"],
      ["diff", "old.json", "missing.json"],
    ]) {
      const result = await run(argv, io);
      expect(result.exitCode, argv.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n"), argv.join(" ")).toHaveLength(1);
    }
  });

  it("refuses a file that is not a scan report, naming where", async () => {
    await writeFile(
      join(dir, "bad.json"),
      JSON.stringify({ ...sampleReport(), findings: [{ ruleId: "x" }] }),
    );
    await writeReports();
    const result = await run(["diff", "bad.json", "new.json"], io);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("bad.json: not a custodiet scan report at /findings/0");
  });
});

describe("custodiet baseline create", () => {
  it("writes a baseline that hides the report's findings", async () => {
    const report = sampleReport();
    await writeFile(join(dir, "r.json"), formatJson(report));
    const result = await run(
      ["baseline", "create", "r.json", "--reason", "known since 2020", "--output", "b.json"],
      io,
    );
    expect(result.exitCode).toBe(0);
    const baseline = parseBaseline(await readFile(join(dir, "b.json"), "utf8"));
    expect(baseline.entries.every((entry) => entry.reason === "known since 2020")).toBe(true);
    expect(applyBaseline(report, baseline, "2026-11-28").report.findings).toEqual([]);
    const stdout = await run(
      ["baseline", "create", "r.json", "--reason", "x", "--expires", "2027-01-31"],
      io,
    );
    expect(parseBaseline(stdout.stdout).entries[0]!.expires).toBe("2027-01-31");
  });

  it("requires a reason and a valid date", async () => {
    await writeFile(join(dir, "r.json"), formatJson(sampleReport()));
    expect((await run(["baseline", "create", "r.json"], io)).exitCode).toBe(2);
    expect(
      (await run(["baseline", "create", "r.json", "--reason", "x", "--expires", "soon"], io)).exitCode,
    ).toBe(2);
    expect((await run(["baseline", "list"], io)).exitCode).toBe(2);
  });
});
