import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSigningKey, writeEvidenceBundle } from "../../evidence/index.js";
import { makeReport, RULES, scanned, sha256 } from "../../../test/report/sample-report.js";
import type { CommandIo } from "../command.js";
import { run } from "../run.js";

let dir: string;
let io: CommandIo;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "custodiet-verify-cli-"));
  io = { cwd: dir, env: {}, stdoutIsTTY: false };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("custodiet keygen and verify", () => {
  it("keygen writes a key pair, private key 0600, and never overwrites", async () => {
    const result = await run(["keygen", "--out", "keys"], io);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/fingerprint: sha256:[0-9a-f]{64}/u);
    const info = await stat(join(dir, "keys", "custodiet-signing.key"));
    expect(info.mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, "keys", "custodiet-signing.pub"), "utf8")).toContain("BEGIN PUBLIC KEY");
    expect((await run(["keygen", "--out", "keys"], io)).exitCode).toBe(2);
  });

  it("verify passes on an untouched bundle and names the changed artifact", async () => {
    await run(["keygen", "--out", "keys"], io);
    const key = await loadSigningKey(join(dir, "keys", "custodiet-signing.key"));
    await mkdir(join(dir, "fw"));
    await writeFile(join(dir, "fw", "a.bin"), "firmware A");
    await writeFile(join(dir, "fw", "b.bin"), "firmware B");
    const layers = ["a.bin", "b.bin"].map((name) => ({
      path: `fw/${name}`,
      sha256: sha256(`firmware ${name[0]!.toUpperCase()}`),
      size: 10,
      via: "file",
    }));
    await writeEvidenceBundle(
      join(dir, "bundle"),
      makeReport(
        [],
        layers.map((item) => scanned([item])),
        RULES,
        ["fw"],
      ),
      key,
    );
    const pinned = ["--public-key", "keys/custodiet-signing.pub"];
    const ok = await run(["verify", "bundle", "--artifacts", "fw/a.bin", "fw/b.bin", ...pinned], io);
    expect(ok.stdout).toContain("verified: bundle is intact");
    expect(ok.exitCode).toBe(0);
    await writeFile(join(dir, "fw", "b.bin"), "firmware b");
    const bad = await run(["verify", "bundle", "--artifacts", "fw", ...pinned], io);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/^CHANGED fw\/b\.bin: SHA-256 is/mu);
    expect(bad.stdout).toMatch(/^ok +fw\/a\.bin/mu);
    expect(bad.stdout).toContain("NOT verified: 1 check failed");
  });

  it("usage errors exit 2", async () => {
    expect((await run(["verify"], io)).exitCode).toBe(2);
    expect((await run(["verify", "bundle", "extra"], io)).exitCode).toBe(2);
    expect((await run(["verify", "bundle", "--public-key", "nope.pem"], io)).exitCode).toBe(2);
    expect((await run(["keygen", "stray"], io)).exitCode).toBe(2);
  });
});
