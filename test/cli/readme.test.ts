import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT, tempFolder } from "../helpers.js";

describe("README", () => {
  it("its example rule is valid and passes its own tests", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /```yaml\n(id: (\S+)\n[\s\S]*?)```/u.exec(readme);
    expect(block).not.toBeNull();
    const dir = tempFolder();
    const file = join(dir, `${block![2]!}.yaml`);
    writeFileSync(file, block![1]!);
    const result = cli(["test-rules", "--no-builtin", file]);
    expect(result.stdout).toContain("1 passed, 0 failed");
    expect(result.status).toBe(0);
  });

  it("its quick start names the commands package.json defines", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm test");
    expect(scripts["demo"]).toBeDefined();
    expect(scripts["test"]).toContain("vitest run");
  });
});
