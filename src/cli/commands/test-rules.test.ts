import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPLEXION, HIK_RACE, NATION_UYGHUR } from "../../../test/rules/fixtures/starter-rules.js";
import { runTestRules } from "./test-rules.js";

let root: string;
const io = () => ({ cwd: root, env: {}, stdoutIsTTY: false });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "custodiet-test-rules-"));
  await mkdir(join(root, "good"));
  await writeFile(join(root, "good", "test-nation-uyghur.yaml"), NATION_UYGHUR);
  await writeFile(join(root, "good", "test-hik-race.yaml"), HIK_RACE);
  await mkdir(join(root, "failing"));
  // A no-match sample that the rule does match.
  await writeFile(
    join(root, "failing", "test-complexion-colours.yaml"),
    COMPLEXION.replace("EM_PLATE_COLOR { EM_PLATE_YELLOW", "EM_SKIN_COMPLEXION { EM_PLATE_YELLOW"),
  );
  await mkdir(join(root, "unexplained"));
  // A match sample without the siblings the pattern needs.
  await writeFile(
    join(root, "unexplained", "test-hik-race.yaml"),
    HIK_RACE.replace(
      "struct NET_VCA_HUMAN_FEATURE { BYTE byAgeGroup; BYTE bySex; BYTE byRace; BYTE byEyeGlass; };",
      "struct NET_VCA_HUMAN_FEATURE { BYTE byRace; BYTE byRes[3]; };",
    ),
  );
  await mkdir(join(root, "broken"));
  await writeFile(
    join(root, "broken", "test-hik-race.yaml"),
    HIK_RACE.replace("severity: critical", "severity: extreme"),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("custodiet test-rules", () => {
  it("passes good rules and prints the summary alone on the last line", async () => {
    const result = await runTestRules(["--no-builtin", "good"], io());
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("2 passed, 0 failed");
    expect(lines.filter((line) => line.startsWith("ok   test-"))).toHaveLength(2);
  });

  it("exits 1 and names the failing sample", async () => {
    const result = await runTestRules(["--no-builtin", "good", join(root, "failing")], io());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL test-complexion-colours /m);
    expect(result.stdout).toMatch(
      /FAIL no-match\[0\] \(utf-8\): expected no match, found "YELLOW" at byte \d+/,
    );
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("2 passed, 1 failed");
  });

  it("explains why a match sample found nothing", async () => {
    const result = await runTestRules(["--no-builtin", "unexplained"], io());
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'FAIL match[0] (utf-8): expected a match, found none ("Race" at byte 38: pattern 0: scope-any: 0 of 1 needed in the struct scope)',
    );
  });

  it("exits 2 on a malformed rule, naming file and line", async () => {
    const result = await runTestRules(["--no-builtin", "broken"], io());
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `${join(root, "broken", "test-hik-race.yaml")}:7: severity: must be one of info, low, medium, high, critical`,
    );
  });

  it("tests the bundled pack by default", async () => {
    const result = await runTestRules([], io());
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(result.exitCode).toBe(0);
  });
});
