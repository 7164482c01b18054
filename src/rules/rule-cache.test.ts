import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPLEXION, HIK_RACE, NATION_UYGHUR } from "../../test/rules/fixtures/starter-rules.js";
import type { CompiledRulePack } from "./compile.js";
import { loadRulePack } from "./loader.js";
import { evictOldEntries } from "./rule-cache.js";
import { RuleError } from "./rule-error.js";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "custodiet-rule-cache-"));
  await mkdir(join(root, "good"));
  await writeFile(join(root, "good", "test-nation-uyghur.yaml"), NATION_UYGHUR);
  await writeFile(join(root, "good", "test-hik-race.yaml"), HIK_RACE);
  await writeFile(join(root, "good", "test-complexion-colours.yaml"), COMPLEXION);
  await mkdir(join(root, "bad"));
  await writeFile(join(root, "bad", "wrong-name.yaml"), HIK_RACE);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshCache(): Promise<string> {
  const dir = join(root, `cache-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir);
  return dir;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".bin")).sort();
}

/** The pack as plain comparable data (needle bytes as arrays). */
function comparable(pack: CompiledRulePack): unknown {
  return {
    ...pack,
    needles: pack.needles.map((needle) => ({
      ...needle,
      bytes: [...needle.bytes],
      foldMask: [...needle.foldMask],
    })),
  };
}

async function thrown(promise: Promise<unknown>): Promise<RuleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
  throw new Error("expected a RuleError");
}

describe("the rule pack cache", () => {
  it("scans without a cache when its folder cannot be made, and makes missing parents", async () => {
    // Node's recursive mkdirSync never returns for a path under /proc; the cache must not hang there.
    const pack = await loadRulePack({ cacheDir: "/proc/custodiet-no-such-folder/cache" });
    expect(pack.rules.length).toBeGreaterThan(0);
    const nested = join(tmpdir(), `custodiet-cache-${process.pid}`, "a", "b");
    await loadRulePack({ cacheDir: nested });
    expect((await readdir(nested)).some((name) => name.startsWith("rules-"))).toBe(true);
    await rm(join(tmpdir(), `custodiet-cache-${process.pid}`), { recursive: true, force: true });
  }, 30_000);

  it("gives the same pack as a fresh parse, and is read on the second load", async () => {
    const cacheDir = await freshCache();
    const options = { builtin: false, paths: [join(root, "good")] };
    const fresh = await loadRulePack(options);
    const first = await loadRulePack({ ...options, cacheDir });
    const [entry] = await entries(cacheDir);
    expect(entry).toBeDefined();
    const second = await loadRulePack({ ...options, cacheDir });
    expect(comparable(first)).toEqual(comparable(fresh));
    expect(comparable(second)).toEqual(comparable(fresh));

    // Proof that the second load came from the entry: a title changed there shows up in the pack.
    const path = join(cacheDir, entry!);
    const stored = deserialize(await readFile(path)) as { parts: { rules: { title: string }[] } };
    stored.parts.rules[0]!.title = "from the cache";
    await writeFile(path, serialize(stored));
    const third = await loadRulePack({ ...options, cacheDir });
    expect(third.rules[0]!.title).toBe("from the cache");
  });

  it("keeps the bundled pack exactly as parsed", async () => {
    const cacheDir = await freshCache();
    const fresh = await loadRulePack();
    await loadRulePack({ cacheDir });
    expect(await entries(cacheDir)).toHaveLength(1);
    expect(comparable(await loadRulePack({ cacheDir }))).toEqual(comparable(fresh));
  });

  it("uses a new entry when a rule file changes", async () => {
    const cacheDir = await freshCache();
    const dir = join(root, "changing");
    await mkdir(dir);
    const file = join(dir, "test-hik-race.yaml");
    await writeFile(file, HIK_RACE);
    const before = await loadRulePack({ builtin: false, paths: [dir], cacheDir });
    await writeFile(file, HIK_RACE.replace("severity: critical", "severity: low"));
    const after = await loadRulePack({ builtin: false, paths: [dir], cacheDir });
    expect(after.rules[0]!.severity).toBe("low");
    expect(after.hash).not.toBe(before.hash);
    expect(await entries(cacheDir)).toHaveLength(2);
  });

  it("never caches a malformed pack, whose errors read as without a cache", async () => {
    const cacheDir = await freshCache();
    const options = { builtin: false, paths: [join(root, "bad")] };
    const plain = await thrown(loadRulePack(options));
    const cached = await thrown(loadRulePack({ ...options, cacheDir }));
    expect(cached.message).toBe(plain.message);
    expect(await entries(cacheDir)).toEqual([]);
  });

  it("ignores a damaged entry", async () => {
    const cacheDir = await freshCache();
    const options = { builtin: false, paths: [join(root, "good")] };
    const fresh = await loadRulePack({ ...options, cacheDir });
    const [entry] = await entries(cacheDir);
    const path = join(cacheDir, entry!);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length / 2));
    expect(comparable(await loadRulePack({ ...options, cacheDir }))).toEqual(comparable(fresh));
  });

  it("scans without a cache when the cache folder cannot be written", async () => {
    const blocked = join(root, "a-file");
    await writeFile(blocked, "not a folder");
    const pack = await loadRulePack({ builtin: false, paths: [join(root, "good")], cacheDir: blocked });
    expect(pack.rules).toHaveLength(3);
  });
});

describe("cache eviction", () => {
  it("keeps the newest entries up to a count and a total size, and always the newest", async () => {
    const dir = await freshCache();
    const sizes = [10, 40, 30, 20, 5];
    // Written oldest first: entry 0 is the oldest.
    for (const [index, size] of sizes.entries()) {
      const path = join(dir, `automaton-${index}.bin`);
      await writeFile(path, Buffer.alloc(size));
      await utimes(path, 1000 + index, 1000 + index);
    }
    await writeFile(join(dir, "rules-other.bin"), Buffer.alloc(100));
    evictOldEntries(dir, "automaton-", 4, 60);
    // Newest first: 5 (5), 20 (25), 30 (55), then 40 passes 60; the other prefix is not touched.
    expect((await readdir(dir)).sort()).toEqual([
      "automaton-2.bin",
      "automaton-3.bin",
      "automaton-4.bin",
      "rules-other.bin",
    ]);
    evictOldEntries(dir, "automaton-", 2, Number.POSITIVE_INFINITY);
    expect((await readdir(dir)).sort()).toEqual(["automaton-3.bin", "automaton-4.bin", "rules-other.bin"]);
    evictOldEntries(dir, "automaton-", 4, 1);
    expect((await readdir(dir)).sort()).toEqual(["automaton-4.bin", "rules-other.bin"]);
  });
});
