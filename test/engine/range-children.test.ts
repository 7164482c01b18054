import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { tar } from "../../scripts/build-fixtures.mjs";
import { scan } from "../../src/engine/scan.js";
import { RANGE_CHILD_BYTES } from "../../src/extract/child-writer.js";
import type { ScanReport } from "../../src/model/report.js";
import { cleanupTempDirs, runOnce } from "../extract/drive.js";
import { tempFolder } from "../helpers.js";

afterAll(cleanupTempDirs);

const ENUM =
  "typedef enum tagEM_NATION_TYPE { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

/** A C header of `size` bytes of comment lines, with the enum at `at`. */
function header(size: number, at: number): Buffer {
  const bytes = Buffer.from(
    "// generated table of face attribute names\n".repeat(Math.ceil(size / 43)).slice(0, size),
  );
  bytes.write(ENUM, at - (at % 43) + 43);
  return bytes;
}

/** `size` bytes of lines of pseudo-random letters (gzip keeps most of them), with the enum at `at`. */
function noisyHeader(size: number, at: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = 12345;
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = index % 64 === 63 ? 0x0a : 0x61 + ((state >>> 16) % 26);
  }
  bytes.write(ENUM, at - (at % 64) + 64);
  return bytes;
}

/** Where the member's bytes lie in the container, as the report says, checked against the container's bytes. */
function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const comparable = (report: ScanReport): string =>
  JSON.stringify({ findings: report.findings, coverage: report.coverage });

describe("members handed on as ranges of their container's file", () => {
  it("a tar member from the range size on is a range of the tar's file; a smaller one is copied", async () => {
    const dir = tempFolder();
    const path = join(dir, "sdk.tar");
    writeFileSync(
      path,
      tar([
        ["small.h", header(4096, 1000)],
        ["big.h", header(RANGE_CHILD_BYTES + 5, RANGE_CHILD_BYTES >> 1)],
        // A tar of up to 256 KiB is read whole into memory, where its members are views of it.
        ["filler.h", header(300_000, 1000)],
      ]),
    );
    const run = await runOnce(path);
    const [small, big] = run.children;
    expect(small!.bytes).toBeDefined();
    expect(big!.file).toBe(path);
    expect(big!.range).toEqual({ offset: big!.offsetInParent, length: RANGE_CHILD_BYTES + 5 });
    // From memory (a member of a member held in memory) it stays a copy: there is no file to point at.
    const inMemory = await runOnce(readFileSync(path));
    expect(inMemory.children[1]!.range).toBeUndefined();
  });

  it("are scanned where they lie, nested and inside a temp file, with the same report for one job or two", async () => {
    const dir = tempFolder();
    const big = header(300_000, 200_000);
    const deep = header(400_000, 350_000);
    const inner = tar([["deep.h", deep]]);
    writeFileSync(
      join(dir, "a.tar"),
      tar([
        ["small.h", header(4096, 1000)],
        ["big.h", big],
        ["inner.tar", inner],
      ]),
    );
    // Inflated, the tar is over the 8 MiB a member may take in memory: it goes to a temp file, and its member
    // is a range of that temp file, whose folder must stay until the member is scanned.
    const huge = noisyHeader(9 * 1024 * 1024, 8_500_000);
    writeFileSync(join(dir, "b.tar.gz"), gzipSync(tar([["huge.h", huge]])));
    const one = await scan({ paths: [dir], jobs: 1 });
    const two = await scan({ paths: [dir], jobs: 2 });
    expect(comparable(two)).toBe(comparable(one));
    expect(one.coverage.filter((entry) => entry.status !== "scanned")).toEqual([]);
    const found = (suffix: string) =>
      one.findings.filter((f) => f.location.endsWith(suffix) && f.match === "EM_NATION_TYPE_UYGUR");
    for (const [suffix, bytes] of [
      ["a.tar!small.h", header(4096, 1000)],
      ["a.tar!big.h", big],
      ["a.tar!inner.tar!deep.h", deep],
      ["b.tar.gz!b.tar!huge.h", huge],
    ] as const) {
      const findings = found(suffix);
      expect(findings, suffix).toHaveLength(1);
      const finding = findings[0]!;
      expect(finding.offset, suffix).toBe(bytes.indexOf("EM_NATION_TYPE_UYGUR"));
      expect(finding.layers.at(-1)!.sha256, suffix).toBe(sha256(bytes));
    }
    // The member's offset in the tar points at its bytes there.
    const archive = readFileSync(join(dir, "a.tar"));
    const layer = found("a.tar!big.h")[0]!.layers.at(-1)!;
    expect(sha256(archive.subarray(layer.offsetInParent, layer.offsetInParent! + layer.size))).toBe(
      layer.sha256,
    );
    // The tar's own raw bytes hold the members' terms too: those echoes are dropped, the members keep them.
    expect(one.findings.filter((f) => f.location.endsWith("a.tar"))).toEqual([]);
  }, 120_000);
});
