import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPLEXION, HIK_RACE, NATION_UYGHUR } from "../../test/rules/fixtures/starter-rules.js";
import { loadRulePack, loadRules } from "./loader.js";
import { RuleError } from "./rule-error.js";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "custodiet-rules-"));
  await mkdir(join(root, "good", "ethnicity"), { recursive: true });
  await writeFile(join(root, "good", "ethnicity", "test-nation-uyghur.yaml"), NATION_UYGHUR);
  await writeFile(join(root, "good", "test-hik-race.yml"), HIK_RACE);
  await writeFile(join(root, "good", "README.md"), "not a rule");
  await writeFile(join(root, "test-complexion-colours.yaml"), COMPLEXION);
  await mkdir(join(root, "bad"));
  await writeFile(join(root, "bad", "wrong-name.yaml"), HIK_RACE);
  await writeFile(join(root, "bad", "test-nation-uyghur.yaml"), NATION_UYGHUR);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function thrown(promise: Promise<unknown>): Promise<RuleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
  throw new Error("expected a RuleError");
}

describe("loadRulePack", () => {
  it("loads folders recursively and single files, sorted by id, and compiles them", async () => {
    const pack = await loadRulePack({
      builtin: false,
      paths: [join(root, "good"), join(root, "test-complexion-colours.yaml")],
    });
    expect(pack.rules.map((rule) => rule.id)).toEqual([
      "test-complexion-colours",
      "test-hik-race",
      "test-nation-uyghur",
    ]);
    expect(pack.rules[2]!.origin.file).toBe(join(root, "good", "ethnicity", "test-nation-uyghur.yaml"));
    expect(pack.needles.length).toBeGreaterThan(pack.terms.length);
    expect(pack.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes content, not file order or location", async () => {
    const a = await loadRulePack({
      builtin: false,
      paths: [join(root, "good"), join(root, "test-complexion-colours.yaml")],
    });
    const b = await loadRulePack({
      builtin: false,
      paths: [join(root, "test-complexion-colours.yaml"), join(root, "good")],
    });
    expect(b.hash).toBe(a.hash);
    const c = await loadRulePack({ builtin: false, paths: [join(root, "good")] });
    expect(c.hash).not.toBe(a.hash);
  });

  it("rejects an id that is not the file name, and duplicate ids, naming file and line", async () => {
    const error = await thrown(loadRules({ builtin: false, paths: [join(root, "good"), join(root, "bad")] }));
    const duplicate = join(root, "bad", "test-nation-uyghur.yaml");
    expect(error.problems.map((p) => [p.code, p.file, p.line])).toEqual([
      ["duplicate-id", duplicate, 2],
      ["id-mismatch", join(root, "bad", "wrong-name.yaml"), 2],
    ]);
    expect(error.message.split("\n")[0]).toBe(
      `${duplicate}:2: duplicate id "test-nation-uyghur" (also in ${join(root, "good", "ethnicity", "test-nation-uyghur.yaml")})`,
    );
  });

  it("reports a missing path", async () => {
    const error = await thrown(loadRules({ builtin: false, paths: [join(root, "nope")] }));
    expect(error.code).toBe("unreadable");
    expect(error.message).toContain(join(root, "nope"));
  });

  it("loads the bundled pack by default", async () => {
    const pack = await loadRulePack();
    for (const rule of pack.rules) expect(rule.origin.file.startsWith("rules/")).toBe(true);
  });
});

describe("loadRules paths", () => {
  it("reads a file named twice once", async () => {
    const file = join(root, "good", "test-hik-race.yml");
    const rules = await loadRules({
      builtin: false,
      paths: [file, relative(process.cwd(), file)],
    });
    expect(rules.map((rule) => rule.id)).toEqual(["test-hik-race"]);
  });
});
