import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/model/report.js";
import { cli, ROOT, tempFolder } from "../helpers.js";

/** Runs an ES module in a process of its own, against the build. */
function runModule(code: string) {
  return spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", cwd: ROOT });
}

describe("the hashing thread at the end of a scan", () => {
  const hasher = pathToFileURL(join(ROOT, "dist/engine/hasher.js")).href;

  for (const wait of [0, 1, 5, 10, 15, 20, 25, 30, 40, 50, 100]) {
    it(`closed ${wait} ms after it was started, lets the process go on and end normally`, () => {
      const result = runModule(
        `import { prestartHashThread, threadedHasher } from ${JSON.stringify(hasher)};
         void prestartHashThread();
         const hasher = threadedHasher();
         hasher.prepare();
         await new Promise((resolve) => setTimeout(resolve, ${wait}));
         await hasher.close();
         console.log("closed");`,
      );
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe("closed\n");
      expect(result.status).toBe(0);
    });
  }

  it("lets a one-job scan of a folder of small files write its report (its thread is still starting)", () => {
    const dir = tempFolder();
    for (let index = 0; index < 3; index++) writeFileSync(join(dir, `small-${index}.h`), "int x;\n");
    for (let run = 0; run < 5; run++) {
      const result = cli(["scan", dir, "--jobs", "1", "--format", "json"]);
      expect(result.status).toBe(0);
      expect((JSON.parse(result.stdout) as ScanReport).coverage).toHaveLength(3);
    }
  });
});
