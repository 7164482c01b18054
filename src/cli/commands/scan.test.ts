import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../model/report.js";
import { UsageError, type CommandResult } from "../command.js";
import { run } from "../run.js";
import { FORMATS, formatters } from "../../report/index.js";
import { loadFormatter, parseSize } from "./scan.js";

/** All a command wrote to stdout. */
function stdoutOf(result: CommandResult): string {
  return result.stdout + [...(result.stdoutPieces ?? [])].join("");
}

describe("--max-file-size", () => {
  it("reads plain bytes and binary suffixes", () => {
    expect(parseSize("1048576")).toBe(1 << 20);
    expect(parseSize("1k")).toBe(1024);
    expect(parseSize("500m")).toBe(500 * 1024 ** 2);
    expect(parseSize("2G")).toBe(2 * 1024 ** 3);
    expect(parseSize("1.5MiB")).toBe(1.5 * 1024 ** 2);
  });

  it("rejects what is not a size", () => {
    expect(() => parseSize("lots")).toThrow(UsageError);
    expect(() => parseSize("-1")).toThrow(UsageError);
  });
});

describe("the rule pack cache", () => {
  const header = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";

  async function scanWith(env: Record<string, string>, dir: string, extra: readonly string[] = []) {
    const result = await run(["scan", dir, "--format", "json", "--jobs", "1", ...extra], {
      cwd: dir,
      env,
      stdoutIsTTY: false,
    });
    return {
      exitCode: result.exitCode,
      stderr: result.stderr,
      stdout: stdoutOf(result).replace(/"generatedAt": "[^"]*"/u, ""),
    };
  }

  it("is written on the first scan and gives the same report on the next; --no-cache leaves it alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "custodiet-scan-cache-"));
    try {
      const sdk = join(dir, "sdk");
      await mkdir(sdk);
      await writeFile(join(sdk, "face.h"), header);
      const cacheDir = join(dir, "cache");
      const first = await scanWith({ CUSTODIET_CACHE_DIR: cacheDir }, sdk);
      expect(first.exitCode).toBe(1);
      expect((await readdir(cacheDir)).filter((name) => name.startsWith("rules-"))).toHaveLength(1);
      const second = await scanWith({ CUSTODIET_CACHE_DIR: cacheDir }, sdk);
      expect(second).toEqual(first);

      const untouched = join(dir, "untouched");
      const uncached = await scanWith({ CUSTODIET_CACHE_DIR: untouched }, sdk, ["--no-cache"]);
      expect(uncached).toEqual(first);
      await expect(readdir(untouched)).rejects.toThrow();

      // Evidence is made from the rule files themselves.
      const evidence = await scanWith({ CUSTODIET_CACHE_DIR: untouched }, sdk, ["--evidence", "bundle"]);
      expect(evidence.exitCode).toBe(1);
      await expect(readdir(untouched)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is left out of a scan of the folder that holds it (it holds every rule term), and recorded so", async () => {
    const home = await mkdtemp(join(tmpdir(), "custodiet-scan-home-"));
    try {
      await writeFile(join(home, "face.h"), header);
      const cacheDir = join(home, ".cache", "custodiet");
      const scanJson = async (path: string) => {
        const result = await run(["scan", path, "--format", "json", "--jobs", "1"], {
          cwd: home,
          env: { CUSTODIET_CACHE_DIR: cacheDir },
          stdoutIsTTY: false,
        });
        return JSON.parse(stdoutOf(result)) as ScanReport;
      };
      await scanJson(home);
      expect((await readdir(cacheDir)).length).toBeGreaterThan(0);
      const report = await scanJson(home);
      expect(new Set(report.findings.map((finding) => finding.location))).toEqual(
        new Set([join(home, "face.h")]),
      );
      expect(report.coverage).toContainEqual(
        expect.objectContaining({
          location: join(home, ".cache/custodiet"),
          status: "skipped",
          reason: "excluded",
        }),
      );
      // Named itself, it is scanned: the user chose it.
      expect((await scanJson(cacheDir)).findings.length).toBeGreaterThan(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe("--key", () => {
  it("is read before the scan: a missing or wrong key stops it with a usage error and no report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "custodiet-scan-key-"));
    try {
      await writeFile(join(dir, "face.h"), "typedef enum { EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n");
      await writeFile(join(dir, "junk.pem"), "not a key\n");
      const io = { cwd: dir, env: { CUSTODIET_CACHE_DIR: "" }, stdoutIsTTY: false };
      const scanWith = (...extra: string[]) =>
        run(["scan", "face.h", "--quiet", "--format", "json", "--output", "r.json", ...extra], io);
      const missing = await scanWith("--evidence", "bundle", "--key", "none.pem");
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toMatch(/--key: cannot read key/u);
      const junk = await scanWith("--evidence", "bundle", "--key", "junk.pem");
      expect(junk.exitCode).toBe(2);
      expect(junk.stderr).toMatch(/--key: .*not a PEM/u);
      const alone = await scanWith("--key", "junk.pem");
      expect(alone.exitCode).toBe(2);
      expect(alone.stderr).toMatch(/give --evidence/u);
      expect((await readdir(dir)).sort()).toEqual(["face.h", "junk.pem"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("--format", () => {
  it("loads, for every format, the formatter report/index.ts names", async () => {
    for (const format of FORMATS) expect(await loadFormatter(format)).toBe(formatters[format]);
  });

  it("gives JSON and SARIF to stdout in pieces, the same text as the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "custodiet-scan-pieces-"));
    try {
      await writeFile(join(dir, "face.h"), "typedef enum { EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n");
      for (const format of ["json", "sarif"]) {
        const io = { cwd: dir, env: { CUSTODIET_CACHE_DIR: "" }, stdoutIsTTY: false };
        const args = ["scan", "face.h", "--jobs", "1", "--quiet", "--format", format];
        const piecewise = await run(args, io);
        expect(piecewise.stdout).toBe("");
        const pieces = [...(piecewise.stdoutPieces ?? [])];
        expect(pieces.length).toBeGreaterThan(10);
        await run([...args, "--output", `r.${format}`], io);
        const file = await readFile(join(dir, `r.${format}`), "utf8");
        expect(pieces.join("").replace(/"generatedAt": "[^"]*"/gu, "")).toBe(
          file.replace(/"generatedAt": "[^"]*"/gu, ""),
        );
        expect(file).toContain("EM_NATION_TYPE_UYGUR");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
