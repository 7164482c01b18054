import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { DEFAULT_BUDGETS } from "../../src/extract/registry.js";
import { scan } from "../../src/engine/scan.js";
import { scanArtifact } from "../../src/engine/scan-artifact.js";
import { compileScanSetup, createArtifactScanner } from "../../src/engine/scanner-setup.js";
import { loadRulePack } from "../../src/rules/index.js";
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

describe("members of one container", () => {
  it("stay in memory up to 64 MiB; the rest are handed over as files with the same bytes", async () => {
    const dir = tempFolder();
    const members: Record<string, Uint8Array> = {};
    // 80 members of 1 MiB, each different, deflated: all of them are returned together.
    for (let index = 0; index < 80; index++) {
      const bytes = new Uint8Array(1 << 20);
      for (let at = 0; at < bytes.length; at++) bytes[at] = (at * (index + 3)) % 251;
      members[`m${String(index).padStart(2, "0")}.bin`] = bytes;
    }
    writeFileSync(join(dir, "many.zip"), zipSync(members, { level: 1 }));
    const pack = await loadRulePack({ paths: [], builtin: true });
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 4 << 20 }, pack);
    const result = await scanArtifact(
      {
        id: 0,
        parents: [],
        origin: { path: "many.zip", via: "file" },
        file: join(dir, "many.zip"),
        depth: 0,
        leafOnly: false,
        tempDir: join(dir, "tmp"),
        remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
      },
      createArtifactScanner(setup),
    );
    expect(result.children).toHaveLength(80);
    const inMemory = result.children.filter((child) => child.bytes !== undefined);
    expect(inMemory).toHaveLength(64);
    for (const child of result.children) {
      const bytes = child.bytes ?? readFileSync(child.file!);
      expect(child.file === undefined || child.file.startsWith(join(dir, "tmp"))).toBe(true);
      expect(child.size).toBe(1 << 20);
      expect(Buffer.compare(bytes, members[child.origin.path]!)).toBe(0);
    }
  }, 120_000);
});
