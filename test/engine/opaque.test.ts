import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { tempFolder } from "../helpers.js";
import { seededBytes } from "../random.js";

describe("a blob that cannot be searched in clear", () => {
  it("is recorded as partly scanned, with why, not passed off as scanned", async () => {
    const dir = tempFolder();
    // Stands in for an encrypted firmware image: random-looking bytes in no known format.
    const encrypted = seededBytes(7, 1 << 20);
    writeFileSync(join(dir, "digicap.bin"), encrypted);
    writeFileSync(join(dir, "update.gz"), gzipSync(encrypted));
    writeFileSync(
      join(dir, "nation.h"),
      "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n",
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const entry = (suffix: string) => report.coverage.find((c) => c.location.endsWith(suffix));
    expect(entry("digicap.bin")).toMatchObject({ status: "partial", reason: "unknown-format" });
    expect(entry("digicap.bin")?.detail).toMatch(/encrypted, or compressed in a format it cannot read/u);
    // The gzip is opened; what it holds is the opaque part.
    expect(entry("update.gz")).toMatchObject({ status: "scanned", format: "gzip" });
    expect(entry("update.gz!update")).toMatchObject({ status: "partial", reason: "unknown-format" });
    expect(entry("nation.h")?.status).toBe("scanned");
    expect(report.summary.artifacts.partial).toBe(2);
    expect(report.findings.map((finding) => finding.location)).toEqual([
      expect.stringMatching(/nation\.h$/u),
    ]);
  });
});
