import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/model/report.js";
import { BIN, ROOT, cli, tempFolder } from "../helpers.js";
import { seededBytes } from "../random.js";

const GBK_HEADER = `/* 人脸属性 */
typedef enum tagEM_NATION_TYPE
{
    EM_NATION_TYPE_UNKNOWN,             // 未知
    EM_NATION_TYPE_UYGUR,               // 维族(新疆)
    EM_NATION_TYPE_OTHER,               // 其他
    EM_NATION_TYPE_UNIDENTIFIED,        // 设备未识别
} EM_NATION_TYPE;
`;

function scanJson(args: readonly string[]) {
  const result = cli(["scan", ...args, "--format", "json", "--jobs", "1"]);
  return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as ScanReport) : undefined };
}

describe("custodiet scan (built CLI)", () => {
  it("finds the Uyghur nation-type member in a GBK header, in GB18030, at its byte offset", () => {
    const dir = tempFolder();
    const bytes = iconv.encode(GBK_HEADER, "gbk");
    writeFileSync(join(dir, "dhnetsdk_face.h"), bytes);
    const { status, report } = scanJson([dir]);
    expect(status).toBe(1);
    const finding = report!.findings.find((f) => f.match.toUpperCase().includes("UYGUR"));
    expect(finding).toBeDefined();
    expect(finding!.category).toBe("ethnicity");
    expect(finding!.basis).toBe("inferred");
    expect(finding!.encoding).toBe("gb18030");
    const expectedOffset = bytes.indexOf(Buffer.from(finding!.match, "latin1"));
    expect(finding!.offset).toBe(expectedOffset);
    expect(finding!.line).toBe(5);
  });

  it("finds the identifier in UTF-16LE at offset 70,000 of a 1 MB random blob", () => {
    const dir = tempFolder();
    const blob = Buffer.from(seededBytes(7, 1 << 20));
    // Keep the random bytes from accidentally spelling a needle next to ours.
    blob.fill(0xee, 69_000, 71_100);
    Buffer.from("EM_NATION_TYPE_UYGUR", "utf16le").copy(blob, 70_000);
    writeFileSync(join(dir, "face.dll"), blob);
    const { report } = scanJson([dir]);
    const finding = report!.findings.find((f) => f.encoding === "utf-16le");
    expect(finding).toBeDefined();
    expect(finding!.location).toBe(`${dir}/face.dll`);
    // The finding spans the whole identifier, so its offset is where the identifier starts.
    expect(finding!.offset).toBe(70_000);
    expect(finding!.length).toBe(40);
    expect(finding!.match).toBe("EM_NATION_TYPE_UYGUR");
    expect(report!.findings.every((f) => f.layers[0]!.sha256.length === 64)).toBe(true);
  });

  it("stays silent on a file of confusables and exits 0", () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "benign.h"),
      [
        "/* avoid a race condition between the decoder threads (data race) */",
        "int condemnation; int destination; char szInternational[32];",
        "void trace(const char* fmt); /* therubyracer */",
        "typedef struct { char szSkinName[64]; int nThemeColor; } UI_SKIN_CFG;",
        "typedef struct { char szPassportNo[16]; char szNationality[4]; } PASSPORT_MRZ;",
        "",
      ].join("\n"),
    );
    const { status, report } = scanJson([dir]);
    expect(report!.findings).toEqual([]);
    expect(status).toBe(0);
    expect(report!.coverage.map((c) => c.status)).toEqual(["scanned"]);
  });

  it("passes over what --exclude names inside the folder, records it, and refuses a path for a name", () => {
    const dir = tempFolder();
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "old.h"), "typedef enum { EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n");
    writeFileSync(join(dir, "new.h"), "int x;\n");
    const { status, report } = scanJson([dir, "--exclude", ".git"]);
    expect(status).toBe(0);
    expect(report!.findings).toEqual([]);
    expect(report!.coverage.map((c) => [c.location.slice(dir.length), c.status, c.reason])).toEqual([
      ["/.git", "skipped", "excluded"],
      ["/new.h", "scanned", undefined],
    ]);
    expect(scanJson([join(dir, ".git"), "--exclude", ".git"]).report!.findings).toHaveLength(1);
    const refused = cli(["scan", dir, "--exclude", ".git/objects"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--exclude takes a file or folder name, not a path/u);
  });

  it("exits 2 with a one-line message naming a missing path", () => {
    const { status, stderr, stdout } = cli(["scan", "/nonexistent"]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("/nonexistent");
  });

  it("exits 2 when there is no rule to scan with, instead of finding nothing", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "nation.h"), GBK_HEADER);
    // An installation without its bundled pack (the package's dist alone).
    const install = tempFolder();
    cpSync(join(ROOT, "dist"), join(install, "dist"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(install, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(install, "node_modules"));
    const bare = spawnSync(process.execPath, [join(install, "dist/cli/bin.js"), "scan", dir], {
      encoding: "utf8",
    });
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toMatch(/bundled rule pack is not there/u);
    // With --no-builtin-rules, it scans with the rules given.
    const own = join(dir, "own");
    mkdirSync(own);
    expect(
      spawnSync(
        process.execPath,
        [
          join(install, "dist/cli/bin.js"),
          "scan",
          join(dir, "nation.h"),
          "--no-builtin-rules",
          "--rules",
          own,
        ],
        { encoding: "utf8" },
      ).stderr,
    ).toMatch(/no rules to scan with: .*own holds no rule file/u);
    const none = cli(["scan", dir, "--no-builtin-rules"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no rules to scan with: --no-builtin-rules leaves out the bundled pack/u);
    expect(cli(["scan", join(dir, "nation.h"), "--fail-on", "none"]).status).toBe(0);
  });

  it("says in one line, not a stack trace, that an installation lacks its schemas", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "nation.h"), GBK_HEADER);
    const report = join(dir, "report.json");
    expect(cli(["scan", dir, "--format", "json", "--output", report, "--fail-on", "none"]).status).toBe(0);
    // The package's dist and rules without its schema folder.
    const install = tempFolder();
    cpSync(join(ROOT, "dist"), join(install, "dist"), { recursive: true });
    cpSync(join(ROOT, "rules"), join(install, "rules"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(install, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(install, "node_modules"));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(install, "dist/cli/bin.js"), ...args], { encoding: "utf8" });
    for (const [args, schema] of [
      [["scan", dir], "rule"],
      [["test-rules"], "rule"],
      [["rules", "needles", "--format", "hex"], "rule"],
      [["diff", report, report], "report"],
    ] as const) {
      const result = run(...args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `the ${schema} schema is not there (an incomplete installation of custodiet?)`,
      );
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /u);
    }
  });

  it("exits 2 naming file and line of a malformed rule", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "x.h"), "int a;\n");
    const rules = join(dir, "rules");
    mkdirSync(rules);
    writeFileSync(
      join(rules, "bad-rule.yaml"),
      [
        "id: bad-rule",
        "title: Bad",
        "description: A rule with a wrong category.",
        "category: colour",
        "",
      ].join("\n"),
    );
    const { status, stderr } = cli(["scan", join(dir, "x.h"), "--rules", rules]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/bad-rule\.yaml:4\b/u);
  });

  it("gives byte-identical JSON across runs and --jobs values, apart from generatedAt", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "a.h"), iconv.encode(GBK_HEADER, "gbk"));
    writeFileSync(
      join(dir, "b.h"),
      "struct NET_VCA_HUMAN_FEATURE { BYTE byAgeGroup; BYTE bySex; BYTE byRace; BYTE byEyeGlass; };\n",
    );
    mkdirSync(join(dir, "sub"));
    writeFileSync(
      join(dir, "sub/c.bin"),
      Buffer.concat([
        seededBytes(8, 5000),
        Buffer.from("EM_RACE_TYPE_YELLOW\0EM_RACE_TYPE_BLACK\0EM_RACE_TYPE_WHITE\0", "utf16le"),
      ]),
    );
    const strip = (text: string) => text.replace(/"generatedAt": "[^"]*"/u, "");
    const one = cli(["scan", dir, "--format", "json", "--jobs", "1"]).stdout;
    const again = cli(["scan", dir, "--format", "json", "--jobs", "1"]).stdout;
    const two = cli(["scan", dir, "--format", "json", "--jobs", "2"]).stdout;
    expect(strip(again)).toBe(strip(one));
    expect(strip(two)).toBe(strip(one));
    expect((JSON.parse(one) as ScanReport).findings.length).toBeGreaterThan(0);
  });

  it("never follows a symlink out of the named root, and records it", () => {
    const outside = tempFolder();
    writeFileSync(join(outside, "secret.h"), "EM_NATION_TYPE_UYGUR, // 维族(新疆)\n");
    const dir = tempFolder();
    writeFileSync(join(dir, "plain.txt"), "hello\n");
    symlinkSync(join(outside, "secret.h"), join(dir, "link.h"));
    symlinkSync(outside, join(dir, "linkdir"));
    const { report, status } = scanJson([dir]);
    expect(status).toBe(0);
    expect(report!.findings).toEqual([]);
    const reasons = Object.fromEntries(
      report!.coverage.map((c) => [c.location.slice(dir.length + 1), c.reason ?? c.status]),
    );
    expect(reasons).toEqual({
      "link.h": "symlink-outside-root",
      linkdir: "symlink-outside-root",
      "plain.txt": "scanned",
    });
  });

  it("records files over --max-file-size as too-large and goes on", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "big.bin"), Buffer.alloc(4096));
    writeFileSync(join(dir, "small.txt"), "ok\n");
    const { report } = scanJson([dir, "--max-file-size", "1k"]);
    expect(report!.coverage.find((c) => c.location.endsWith("big.bin"))).toMatchObject({
      status: "skipped",
      reason: "too-large",
    });
    expect(report!.coverage.find((c) => c.location.endsWith("small.txt"))).toMatchObject({
      status: "scanned",
    });
  });

  it("writes several formats with their own outputs and applies --fail-on", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "a.h"), iconv.encode(GBK_HEADER, "gbk"));
    const result = cli([
      "scan",
      dir,
      "--format",
      "json",
      "--output",
      join(dir, "out/r.json"),
      "--format",
      "sarif",
      "--output",
      join(dir, "out/r.sarif"),
      "--fail-on",
      "none",
      "--quiet",
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("");
    const text = cli(["scan", dir, "--min-severity", "critical"]);
    expect(text.stdout).toContain("UYGUR");
    expect(cli(["scan", dir, "--format", "nope"]).status).toBe(2);
  });

  it("writes the same JSON to a file (in pieces) as to stdout", () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "a.h"), iconv.encode(GBK_HEADER, "gbk"));
    writeFileSync(join(dir, "b.txt"), "人种 skin colour\n".repeat(50));
    // Outside the scanned folder, so the second scan does not read the first one's report.
    const path = join(tempFolder(), "out/r.json");
    const args = ["scan", dir, "--format", "json", "--fail-on", "none", "--quiet"];
    expect(cli([...args, "--output", path]).status).toBe(0);
    const stdout = cli(args).stdout;
    const withoutTime = (text: string) => text.replace(/"generatedAt": "[^"]*"/u, "");
    const written = readFileSync(path, "utf8");
    expect(written.endsWith("}\n")).toBe(true);
    expect(withoutTime(written)).toBe(withoutTime(stdout));
    expect((JSON.parse(written) as ScanReport).findings.length).toBeGreaterThan(0);
  });
});

describe("output to a reader that stops early", () => {
  it("ends quietly with the scan's exit code when the pipe closes (custodiet scan … | head)", () => {
    const dir = tempFolder();
    // Enough findings for more JSON than a pipe holds (64 KiB), so the CLI is still writing when it closes.
    for (let index = 0; index < 60; index++)
      writeFileSync(join(dir, `a${index}.h`), iconv.encode(GBK_HEADER, "gbk"));
    const errors = join(tempFolder(), "stderr.txt");
    const script = `"$0" "$1" scan "$2" --format json --fail-on high 2>"$3" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const result = spawnSync("bash", ["-c", script, process.execPath, BIN, dir, errors], {
      encoding: "utf8",
    });
    expect(readFileSync(errors, "utf8")).not.toContain("EPIPE");
    expect(result.stdout.trim()).toBe("1");
  }, 60_000);
});
