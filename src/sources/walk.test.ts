import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { walkInputs, type WalkEntry } from "./walk.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** sdk/{a.h, include/{b.h, c.h}, lib/d.so, link-in → include/b.h, link-out → /etc/hostname, loop1 ⇄ loop2} */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), "custodiet-walk-"));
  made.push(root);
  mkdirSync(join(root, "sdk/include"), { recursive: true });
  mkdirSync(join(root, "sdk/lib"));
  for (const file of ["sdk/a.h", "sdk/include/b.h", "sdk/include/c.h", "sdk/lib/d.so"])
    writeFileSync(join(root, file), file);
  symlinkSync("include/b.h", join(root, "sdk/link-in"));
  symlinkSync("/etc/hostname", join(root, "sdk/link-out"));
  symlinkSync("loop2", join(root, "sdk/loop1"));
  symlinkSync("loop1", join(root, "sdk/loop2"));
  return root;
}

async function walk(inputs: string[], cwd: string): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkInputs(inputs, cwd)) entries.push(entry);
  return entries;
}

const files = (entries: WalkEntry[]): string[] =>
  entries.filter((entry) => entry.kind === "file").map((entry) => entry.displayPath);

describe("walkInputs", () => {
  it("lists files in name order and records links instead of following them", async () => {
    const root = tree();
    const entries = await walk(["sdk"], root);
    expect(files(entries)).toEqual(["sdk/a.h", "sdk/include/b.h", "sdk/include/c.h", "sdk/lib/d.so"]);
    const skipped = Object.fromEntries(
      entries.flatMap((entry) => (entry.kind === "skipped" ? [[entry.displayPath, entry.reason]] : [])),
    );
    expect(skipped).toEqual({
      "sdk/link-in": "not-a-regular-file",
      "sdk/link-out": "symlink-outside-root",
      "sdk/loop1": "symlink-loop",
      "sdk/loop2": "symlink-loop",
    });
  });

  it("lists a file once however often and however it is named, keeping the first name", async () => {
    const root = tree();
    // A folder and a folder inside it, in either order; a file inside; the same file by another spelling.
    expect(files(await walk(["sdk", "sdk/include", "sdk/a.h", "./sdk/a.h"], root))).toEqual([
      "sdk/a.h",
      "sdk/include/b.h",
      "sdk/include/c.h",
      "sdk/lib/d.so",
    ]);
    expect(files(await walk(["sdk/include", "sdk/a.h", "sdk"], root))).toEqual([
      "sdk/include/b.h",
      "sdk/include/c.h",
      "sdk/a.h",
      "sdk/lib/d.so",
    ]);
    expect(files(await walk(["sdk/a.h", join(root, "sdk/a.h"), "sdk/../sdk/a.h"], root))).toEqual([
      "sdk/a.h",
    ]);
    // A link the user names is followed (they chose it); its target is then not listed again.
    expect(files(await walk(["sdk/link-in", "sdk/include"], root))).toEqual([
      "sdk/link-in",
      "sdk/include/c.h",
    ]);
  });

  it("keeps folders that only share a prefix apart", async () => {
    const root = tree();
    mkdirSync(join(root, "sdk-extra"));
    writeFileSync(join(root, "sdk-extra/e.h"), "e");
    expect(files(await walk(["sdk/lib", "sdk-extra"], root))).toEqual(["sdk/lib/d.so", "sdk-extra/e.h"]);
  });

  it("passes over an excluded folder met inside a named one, and records it; named itself, it is walked", async () => {
    const root = tree();
    const exclusions = [{ path: join(root, "sdk/include"), why: "a test's reason" }];
    const entries: WalkEntry[] = [];
    for await (const entry of walkInputs(["sdk"], root, exclusions)) entries.push(entry);
    expect(files(entries)).toEqual(["sdk/a.h", "sdk/lib/d.so"]);
    expect(entries).toContainEqual({
      kind: "skipped",
      displayPath: "sdk/include",
      reason: "excluded",
      detail: "a test's reason",
      size: 0,
    });
    const named: WalkEntry[] = [];
    for await (const entry of walkInputs(["sdk/include"], root, exclusions)) named.push(entry);
    expect(files(named)).toEqual(["sdk/include/b.h", "sdk/include/c.h"]);
  });

  it("passes over files and folders of an excluded name at any depth, and records each; named itself, one is walked", async () => {
    const root = tree();
    mkdirSync(join(root, "sdk/.git/objects"), { recursive: true });
    writeFileSync(join(root, "sdk/.git/objects/x"), "x");
    mkdirSync(join(root, "sdk/lib/.git"));
    writeFileSync(join(root, "sdk/include/.git"), "gitdir: elsewhere");
    const exclusions = [{ name: ".git", why: "--exclude .git" }];
    const entries: WalkEntry[] = [];
    for await (const entry of walkInputs(["sdk"], root, exclusions)) entries.push(entry);
    expect(files(entries)).toEqual(["sdk/a.h", "sdk/include/b.h", "sdk/include/c.h", "sdk/lib/d.so"]);
    expect(
      entries
        .filter((entry) => entry.kind === "skipped" && entry.reason === "excluded")
        .map((e) => e.displayPath),
    ).toEqual(["sdk/.git", "sdk/include/.git", "sdk/lib/.git"]);
    const named: WalkEntry[] = [];
    for await (const entry of walkInputs(["sdk/.git"], root, exclusions)) named.push(entry);
    expect(files(named)).toEqual(["sdk/.git/objects/x"]);
  });
});
