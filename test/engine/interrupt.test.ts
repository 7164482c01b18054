import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { BIN, tempFolder } from "../helpers.js";

/** Starts a scan, sends `signal` once extraction has written to temp space, and reports how it ended. */
async function stopMidScan(signal: NodeJS.Signals) {
  const dir = tempFolder();
  // Many compressible members: extraction spills them to temp files while the scan runs.
  const members: Record<string, Uint8Array> = {};
  for (let index = 0; index < 16; index++) members[`m${index}.bin`] = new Uint8Array(4 << 20).fill(index);
  const zip = zipSync(members, { level: 1 });
  for (let index = 0; index < 8; index++) writeFileSync(join(dir, `sdk${index}.zip`), zip);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const child = spawn(process.execPath, [BIN, "scan", dir, "--jobs", "1", "--quiet"], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  // Wait until extraction has written something, then stop.
  const deadline = Date.now() + 60_000;
  while (readdirSync(tmp).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const wroteTemp = readdirSync(tmp).length > 0;
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { wroteTemp, code, stderr, left: readdirSync(tmp) };
}

describe("Ctrl-C", () => {
  it("stops a scan and removes its temp space", async () => {
    const { wroteTemp, code, stderr, left } = await stopMidScan("SIGINT");
    expect(wroteTemp).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toContain("stopping");
    expect(left).toEqual([]);
  }, 120_000);
});

describe("SIGTERM", () => {
  it("stops a scan with exit code 143 and removes its temp space", async () => {
    const { wroteTemp, code, stderr, left } = await stopMidScan("SIGTERM");
    expect(wroteTemp).toBe(true);
    expect(code).toBe(143);
    expect(stderr).toContain("terminated");
    expect(left).toEqual([]);
  }, 120_000);
});
