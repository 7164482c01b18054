import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { tempFolder } from "../helpers.js";

describe("members waiting to be scanned", () => {
  it("spill to temp files past the memory bound, and every one is still scanned", async () => {
    const dir = tempFolder();
    const members: Record<string, Uint8Array> = {};
    // 200 members of 1 MiB: more than the 128 MiB the engine keeps waiting in memory.
    for (let index = 0; index < 200; index++)
      members[`m${String(index).padStart(3, "0")}.bin`] = new Uint8Array(1 << 20).fill(index % 251);
    const needle = Buffer.from(
      "typedef enum tagEM_NATION_TYPE { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;",
    );
    const last = members["m199.bin"]!;
    last.set(needle, 4096);
    writeFileSync(join(dir, "many.zip"), zipSync(members, { level: 1 }));
    const report = await scan({ paths: [dir], jobs: 1 });
    const scanned = report.coverage.filter(
      (entry) => entry.layers.length === 2 && entry.status === "scanned",
    );
    expect(scanned).toHaveLength(200);
    expect(
      report.findings.some(
        (f) => f.location.endsWith("many.zip!m199.bin") && f.match === "EM_NATION_TYPE_UYGUR",
      ),
    ).toBe(true);
  }, 120_000);
});
