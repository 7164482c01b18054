import { describe, expect, it } from "vitest";
import { loadRulePack } from "../../rules/index.js";
import { UsageError } from "../command.js";
import { runNeedles } from "./needles.js";

const io = { cwd: process.cwd(), env: {}, stdoutIsTTY: false };

describe("custodiet rules needles", () => {
  it("prints one line per compiled needle of the rule pack in every format", async () => {
    const pack = await loadRulePack({});
    expect(pack.needles.length).toBeGreaterThan(10);
    const hex = await runNeedles(["--format", "hex"], io);
    const rows = hex.stdout.trimEnd().split("\n").slice(1);
    expect(rows.map((row) => row.split("\t")[4])).toEqual(
      pack.needles.map((needle) => Buffer.from(needle.bytes).toString("hex")),
    );
    const rg = await runNeedles(["--format", "rg"], io);
    expect(rg.stdout.trimEnd().split("\n")).toHaveLength(pack.needles.length);
    const yara = await runNeedles(["--format", "yara"], io);
    expect(yara.stdout.match(/^ {4}\$n\d+ = \{/gm)).toHaveLength(pack.needles.length);
    expect([hex.exitCode, rg.exitCode, yara.exitCode]).toEqual([0, 0, 0]);
  });

  it("rejects an unknown format and an empty rule set", async () => {
    await expect(runNeedles(["--format", "pcre"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(runNeedles(["--format", "hex", "--no-builtin"], io)).rejects.toBeInstanceOf(UsageError);
  });
});
