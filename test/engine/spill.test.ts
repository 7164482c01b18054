import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { RANGE_CHILD_BYTES } from "../../src/extract/child-writer.js";
import { DEFAULT_BUDGETS } from "../../src/extract/registry.js";
import { scan } from "../../src/engine/scan.js";
import { scanArtifact } from "../../src/engine/scan-artifact.js";
import { compileScanSetup, createArtifactScanner } from "../../src/engine/scanner-setup.js";
import { loadRulePack } from "../../src/rules/index.js";
import { tempFolder } from "../helpers.js";
import { ustarOf } from "../ustar.js";

describe("members waiting to be scanned", () => {
  it("leave memory past its bound (as ranges of the zip they lie in), and every one is still scanned", async () => {
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

/** Opens the zip `name` in `dir` as a scan would: read from its file, or (`inMemory`) from its bytes. */
async function extractZip(dir: string, name: string, inMemory = false) {
  const pack = await loadRulePack({ paths: [], builtin: true });
  const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 4 << 20 }, pack);
  return scanArtifact(
    {
      id: 0,
      parents: [],
      origin: { path: name, via: "file" },
      ...(inMemory ? { bytes: readFileSync(join(dir, name)) } : { file: join(dir, name) }),
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
    // 80 members of 1 MiB: all of a container's members are returned together. The zip is held in memory
    // (a member of another container), so its members lie in no file.
    const members = zipOfMembers(dir, "many.zip", 80);
    const result = await extractZip(dir, "many.zip", true);
    expect(result.children).toHaveLength(80);
    expect(result.children.filter((child) => child.bytes !== undefined)).toHaveLength(64);
    for (const child of result.children) {
      const bytes = child.bytes ?? readFileSync(child.file!);
      expect(child.file === undefined || child.file.startsWith(join(dir, "tmp-many.zip"))).toBe(true);
      expect(child.size).toBe(1 << 20);
      expect(Buffer.compare(bytes, members[child.origin.path]!)).toBe(0);
    }
  }, 120_000);

  it("of a zip on disk: the rest are handed over as the deflated ranges they are, inflated again when scanned", async () => {
    const dir = tempFolder();
    const members = zipOfMembers(dir, "many.zip", 80);
    const result = await extractZip(dir, "many.zip");
    expect(result.children).toHaveLength(80);
    expect(result.children.filter((child) => child.bytes !== undefined)).toHaveLength(64);
    const zip = readFileSync(join(dir, "many.zip"));
    for (const child of result.children) {
      expect(child.size).toBe(1 << 20);
      if (child.bytes !== undefined) {
        expect(Buffer.compare(child.bytes, members[child.origin.path]!)).toBe(0);
        continue;
      }
      expect(child.file).toBe(join(dir, "many.zip"));
      expect(child.inflated).toBe(1 << 20);
      const packed = zip.subarray(child.range!.offset, child.range!.offset + child.range!.length);
      expect(Buffer.compare(inflateRawSync(packed), members[child.origin.path]!)).toBe(0);
    }
    expect(existsSync(join(dir, "tmp-many.zip")) ? readdirSync(join(dir, "tmp-many.zip")) : []).toEqual([]);
    // Scanned whole, those members have the hashes and the findings of their bytes.
    const planted = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;";
    const last = Object.keys(members).at(-1)!;
    members[last]!.set(Buffer.from(planted), 4096);
    const other = tempFolder();
    writeFileSync(join(other, "many.zip"), zipSync(members, { level: 1 }));
    const report = await scan({ paths: [other], jobs: 1 });
    const layers = report.coverage.filter((entry) => entry.layers.length === 2);
    expect(layers).toHaveLength(80);
    for (const entry of layers)
      expect(entry.layers[1]!.sha256).toBe(
        createHash("sha256").update(members[entry.layers[1]!.path]!).digest("hex"),
      );
    expect(
      report.findings.some(
        (f) => f.location.endsWith(`many.zip!${last}`) && f.match === "EM_NATION_TYPE_UYGUR",
      ),
    ).toBe(true);
  }, 120_000);
});

/** `count` different members of `size` bytes, the last with a planted enum. */
function smallMembers(count: number, size: number): Record<string, Uint8Array> {
  const members: Record<string, Uint8Array> = {};
  for (let index = 0; index < count; index++) {
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at++) bytes[at] = (at * (index + 3)) % 251;
    members[`m${String(index).padStart(4, "0")}.bin`] = bytes;
  }
  members[`m${String(count - 1).padStart(4, "0")}.bin`]!.set(
    Buffer.from("typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;"),
    1000,
  );
  return members;
}

describe("small members stored as they are in a container on disk", () => {
  // Members just below the size handed on as a range at once (15.5 KiB), 73 MiB of them: past the 64 MiB a
  // thread keeps in memory.
  const size = RANGE_CHILD_BYTES - 512;
  const count = 4700;

  it("are handed over past the memory bound as ranges of the container, not written to temp files", async () => {
    const dir = tempFolder();
    const members = smallMembers(count, size);
    const tar = join(dir, "many.tar");
    writeFileSync(tar, ustarOf(Object.entries(members)));
    const pack = await loadRulePack({ paths: [], builtin: true });
    const setup = compileScanSetup({ rules: pack.rules, budgets: DEFAULT_BUDGETS, chunkSize: 4 << 20 }, pack);
    const tempDir = join(dir, "tmp-many.tar");
    const result = await scanArtifact(
      {
        id: 0,
        parents: [],
        origin: { path: "many.tar", via: "file" },
        file: tar,
        depth: 0,
        leafOnly: false,
        tempDir,
        remainingBytes: DEFAULT_BUDGETS.maxTotalBytes,
      },
      createArtifactScanner(setup),
    );
    expect(result.children).toHaveLength(count);
    const inMemory = result.children.filter((child) => child.bytes !== undefined);
    expect(inMemory).toHaveLength(Math.floor((64 << 20) / size));
    const bytesOfTar = readFileSync(tar);
    for (const child of result.children) {
      let bytes: Uint8Array;
      if (child.bytes !== undefined) {
        bytes = child.bytes;
        // Kept with the range it also is, for the engine to take if they must leave memory there too.
        expect(child.alsoAt?.file).toBe(tar);
      } else {
        expect(child.file).toBe(tar);
        expect(child.range?.length).toBe(size);
        bytes = bytesOfTar.subarray(child.range!.offset, child.range!.offset + size);
      }
      expect(Buffer.compare(bytes, members[child.origin.path]!)).toBe(0);
    }
    expect(existsSync(tempDir) ? readdirSync(tempDir) : []).toEqual([]);
  }, 120_000);

  it("are all scanned, with their hashes and findings", async () => {
    const dir = tempFolder();
    const members = smallMembers(count, size);
    writeFileSync(join(dir, "many.tar"), ustarOf(Object.entries(members)));
    const report = await scan({ paths: [dir], jobs: 1 });
    const layers = report.coverage.filter((entry) => entry.layers.length === 2);
    expect(layers).toHaveLength(count);
    for (const entry of layers) {
      const layer = entry.layers[1]!;
      expect(entry.status).toBe("scanned");
      expect(layer.sha256).toBe(createHash("sha256").update(members[layer.path]!).digest("hex"));
    }
    const last = `m${String(count - 1).padStart(4, "0")}.bin`;
    expect(
      report.findings.some(
        (f) => f.location.endsWith(`many.tar!${last}`) && f.match === "EM_NATION_TYPE_UYGUR",
      ),
    ).toBe(true);
  }, 120_000);
});
