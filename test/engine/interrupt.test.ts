import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { BIN, tempFolder } from "../helpers.js";
import { scan } from "../../src/engine/scan.js";
import type { ScanReport } from "../../src/model/report.js";

const HEADER = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

/** Starts a scan, sends `signal` once extraction has written to temp space, and reports how it ended. */
async function stopMidScan(signal: NodeJS.Signals) {
  const dir = tempFolder();
  // Many compressible members: extraction spills them to temp files while the scan runs.
  const members: Record<string, Uint8Array> = {};
  for (let index = 0; index < 16; index++) members[`m${index}.bin`] = new Uint8Array(4 << 20).fill(index);
  const zip = zipSync(members, { level: 1 });
  for (let index = 0; index < 8; index++) writeFileSync(join(dir, `sdk${index}.zip`), zip);
  // Walked first: scanned, with its finding, before the stop.
  writeFileSync(join(dir, "a-nation.h"), HEADER);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const out = tempFolder();
  const output = join(out, "report.json");
  const args = ["scan", dir, "--jobs", "1", "--quiet", "--format", "json", "--output", output];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  // Wait until extraction has written something, then stop.
  const deadline = Date.now() + 60_000;
  while (readdirSync(tmp).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const wroteTemp = readdirSync(tmp).length > 0;
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const report = existsSync(output) ? (JSON.parse(readFileSync(output, "utf8")) as ScanReport) : undefined;
  return { wroteTemp, code, stderr, left: readdirSync(tmp), report };
}

/**
 * The report of a stopped scan: interrupted, and every artifact accounted for: scanned (a-nation.h then with
 * its finding), skipped for its own reasons (the zips' members are over the ratio limit) or interrupted. `madeFinding`: the stop came after a-nation.h was scanned.
 */
function expectPartialReport(report: ScanReport | undefined, madeFinding = false) {
  expect(report?.interrupted).toMatch(/stopped/u);
  for (const entry of report?.coverage ?? [])
    // What was in flight is interrupted, not "unreadable" as a crashed scanner's artifact would be.
    expect(entry.reason !== "unreadable" && !/crash/u.test(entry.detail ?? ""), JSON.stringify(entry)).toBe(
      true,
    );
  const header = report?.coverage.find((entry) => /a-nation\.h$/u.test(entry.location));
  const found = (report?.findings ?? []).some((finding) => /a-nation\.h$/u.test(finding.location));
  expect(found).toBe(header?.status === "scanned");
  if (madeFinding) {
    expect(found).toBe(true);
    // The zips were in flight or waiting.
    expect(report?.coverage.some((entry) => entry.reason === "interrupted")).toBe(true);
  }
}

describe("Ctrl-C", () => {
  it("stops a scan and removes its temp space", async () => {
    const { wroteTemp, code, stderr, left, report } = await stopMidScan("SIGINT");
    expect(wroteTemp).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toContain("stopping");
    expect(left).toEqual([]);
    // The report of what was scanned until the stop is written.
    expect(stderr).toContain("scan stopped");
    expectPartialReport(report);
  }, 120_000);
});

describe("SIGTERM", () => {
  it("stops a scan with exit code 143 and removes its temp space", async () => {
    const { wroteTemp, code, stderr, left, report } = await stopMidScan("SIGTERM");
    expect(wroteTemp).toBe(true);
    expect(code).toBe(143);
    expect(stderr).toContain("terminated");
    expect(left).toEqual([]);
    expectPartialReport(report);
  }, 120_000);
});

describe("a stopped scan in the library", () => {
  async function stopAfterFirstFinding(reportWhenStopped: boolean, jobs: number) {
    const dir = tempFolder();
    writeFileSync(join(dir, "a-nation.h"), HEADER);
    const members: Record<string, Uint8Array> = {};
    for (let index = 0; index < 8; index++) members[`m${index}.bin`] = new Uint8Array(4 << 20).fill(index);
    const zip = zipSync(members, { level: 1 });
    for (let index = 0; index < 6; index++) writeFileSync(join(dir, `sdk${index}.zip`), zip);
    const controller = new AbortController();
    return scan({
      paths: [dir],
      jobs,
      signal: controller.signal,
      reportWhenStopped,
      onProgress: (progress) => {
        if (progress.findings > 0) controller.abort(new Error("stopped by the test"));
      },
    });
  }

  it("returns what was scanned until the stop, when asked to", async () => {
    for (const jobs of [1, 2]) {
      const report = await stopAfterFirstFinding(true, jobs);
      expectPartialReport(report, true);
      expect(report.summary.findings).toBe(report.findings.length);
    }
  }, 120_000);

  it("rejects with the signal's reason otherwise", async () => {
    await expect(stopAfterFirstFinding(false, 1)).rejects.toThrow("stopped by the test");
  }, 120_000);
});
