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

/** A zip of `count` different 1 MiB members, deflated. */
function zipOfMembers(dir: string, name: string, count: number): Record<string, Uint8Array> {
  const members: Record<string, Uint8Array> = {};
  for (let index = 0; index < count; index++) {
    const bytes = new Uint8Array(1 << 20);
    for (let at = 0; at < bytes.length; at++) bytes[at] = (at * (index + 3) + name.length) % 251;
    members[`m${String(index).padStart(2, "0")}.bin`] = bytes;
  }
  writeFileSync(join(dir, name), zipSync(members, { level: 1 }));
  return members;
}

async function extractZip(dir: string, name: string) {
  const pack = await loadRulePack({ paths: [], builtin: true });
  const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 4 << 20 }, pack);
  return scanArtifact(
    {
      id: 0,
      parents: [],
      origin: { path: name, via: "file" },
      file: join(dir, name),
      depth: 0,
      leafOnly: false,
      tempDir: join(dir, `tmp-${name}`),
      remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
    },
    createArtifactScanner(setup),
  );
}

describe("members extracted in memory", () => {
  it("stay in memory up to 64 MiB; the rest are handed over as files with the same bytes", async () => {
    const dir = tempFolder();
    // 80 members of 1 MiB: all of a container's members are returned together.
    const members = zipOfMembers(dir, "many.zip", 80);
    const result = await extractZip(dir, "many.zip");
    expect(result.children).toHaveLength(80);
    expect(result.children.filter((child) => child.bytes !== undefined)).toHaveLength(64);
    for (const child of result.children) {
      const bytes = child.bytes ?? readFileSync(child.file!);
      expect(child.file === undefined || child.file.startsWith(join(dir, "tmp-many.zip"))).toBe(true);
      expect(child.size).toBe(1 << 20);
      expect(Buffer.compare(bytes, members[child.origin.path]!)).toBe(0);
    }
  }, 120_000);
});
