import { spawnSync } from "node:child_process";
import { openSync, closeSync, ftruncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempFolder } from "../helpers.js";

describe("memory", () => {
  it("scans a 2 GB file with peak memory under 300 MB", () => {
    const dir = tempFolder();
    const file = join(dir, "huge.img");
    // A sparse 2 GB file with a planted identifier near the end.
    const fd = openSync(file, "w");
    ftruncateSync(fd, 2 * 1024 ** 3);
    writeSync(
      fd,
      Buffer.from("typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;"),
      0,
      undefined,
      2 * 1024 ** 3 - 4096,
    );
    closeSync(fd);
    const script = `
      const { scan } = await import(${JSON.stringify(join(ROOT, "dist/index.js"))});
      const report = await scan({ paths: [${JSON.stringify(file)}], jobs: 1 });
      process.stdout.write(JSON.stringify({ rss: process.resourceUsage().maxRSS, findings: report.findings.length, bytes: report.summary.bytesScanned }));
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const measured = JSON.parse(result.stdout) as { rss: number; findings: number; bytes: number };
    expect(measured.bytes).toBe(2 * 1024 ** 3);
    expect(measured.findings).toBeGreaterThan(0);
    // maxRSS is in kilobytes.
    expect(measured.rss / 1024).toBeLessThan(300);
  }, 300_000);
});
