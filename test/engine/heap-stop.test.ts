import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ROOT, tempFolder } from "../helpers.js";
import { scan } from "../../src/engine/scan.js";

const HEADER = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

/** Six inputs, one of them a zip of eight headers; every file holds a finding. */
function tree(): string {
  const dir = tempFolder();
  writeFileSync(join(dir, "a-nation.h"), HEADER);
  const members: Record<string, Uint8Array> = {};
  for (let index = 0; index < 8; index++) members[`m${index}.h`] = new TextEncoder().encode(HEADER);
  writeFileSync(join(dir, "b-sdk.zip"), zipSync(members, { level: 6 }));
  for (let index = 0; index < 4; index++) writeFileSync(join(dir, `c${index}.h`), HEADER);
  return dir;
}

describe("a scan whose heap is full", () => {
  it("takes no more artifacts, finishes those begun and reports them with their findings, marked interrupted", async () => {
    const dir = tree();
    // Any heap is over a share of 0: the scan is full after its first artifact.
    const report = await scan({ paths: [dir], jobs: 1, maxHeapShare: 0 });
    expect(report.interrupted).toMatch(
      /^the scan was stopped after \d+ artifacts, as its memory was full: the JavaScript heap (?:kept \d+ MB after its last full collection \(\d+ MB in use\)|had \d+ MB in use) of the \d+ MB it may have/u,
    );
    // It says where the walk was, for the next scan to go on from.
    expect(report.interrupted).toMatch(
      /files the walk had not reached \(it walks names in order, and had reached .*c\d\.h\) are not listed$/u,
    );
    const scanned = report.coverage.filter((entry) => entry.status === "scanned");
    expect(scanned.length).toBeGreaterThan(0);
    // The zip's members waited; what had begun was finished, not cut off.
    expect(report.coverage.some((entry) => entry.reason === "interrupted")).toBe(true);
    expect(report.coverage.length).toBeLessThan(6 + 8);
    for (const entry of report.coverage) {
      expect(entry.reason !== "unreadable" && !/crash/u.test(entry.detail ?? ""), JSON.stringify(entry)).toBe(
        true,
      );
      if (entry.status !== "scanned") expect(entry.reason).toBe("interrupted");
    }
    // Every scanned header's finding is in the report.
    const withFindings = new Set(report.findings.map((finding) => finding.location));
    for (const entry of scanned)
      if (entry.location.endsWith(".h")) expect(withFindings.has(entry.location), entry.location).toBe(true);
    expect(report.summary.findings).toBe(report.findings.length);
  });

  it("changes nothing while the heap has room", async () => {
    const dir = tree();
    const full = await scan({ paths: [dir], jobs: 1, maxHeapShare: 1 });
    expect(full.interrupted).toBeUndefined();
    expect(full.coverage.filter((entry) => entry.status === "scanned")).toHaveLength(6 + 8);
    expect(full.findings.length).toBe(5 + 8);
  });
});

describe("watchHeap", () => {
  it("says the heap is full before V8 gives up, under a small old generation", () => {
    // The old generation's limit, not heap_size_limit (which holds the young generation's 48 MiB too): with
    // 64 MiB of old space, three quarters of heap_size_limit is more than V8 will ever allow.
    const script = `
      import { watchHeap } from ${JSON.stringify(pathToFileURL(join(ROOT, "dist/engine/heap-watch.js")).href)};
      const watch = watchHeap(0.75);
      const kept = [];
      for (let step = 0; step < 100000; step++) {
        kept.push(Array.from({ length: 5000 }, (_, i) => ({ i, text: "x" + i })));
        const why = watch.full();
        if (why !== undefined) {
          console.log(JSON.stringify({ step, why }));
          process.exit(0);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      console.log("never full");`;
    const result = spawnSync(
      process.execPath,
      ["--max-old-space-size=64", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(result.signal, result.stderr.slice(0, 400)).toBeNull();
    expect(result.status).toBe(0);
    const { why } = JSON.parse(result.stdout) as { step: number; why: string };
    expect(why).toMatch(/^its memory was full: the JavaScript heap .* of the 6\d MB it may have/u);
  });
});
