import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ruleCacheDir } from "./cache-dir.js";

describe("ruleCacheDir", () => {
  const cwd = join("/", "work");
  it("takes CUSTODIET_CACHE_DIR first, relative to the working directory, and empty as off", () => {
    expect(ruleCacheDir({ CUSTODIET_CACHE_DIR: "c", HOME: "/home/a" }, cwd)).toBe(join(cwd, "c"));
    expect(ruleCacheDir({ CUSTODIET_CACHE_DIR: "", HOME: "/home/a" }, cwd)).toBeUndefined();
  });

  it("then the user's cache folder", () => {
    expect(ruleCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/home/a" }, cwd)).toBe(join("/x", "custodiet"));
    expect(ruleCacheDir({ HOME: "/home/a" }, cwd)).toBe(join("/home/a", ".cache", "custodiet"));
  });

  it("is off when no folder is known or the known one is relative", () => {
    expect(ruleCacheDir({}, cwd)).toBeUndefined();
    expect(ruleCacheDir({ HOME: "" }, cwd)).toBeUndefined();
    expect(ruleCacheDir({ XDG_CACHE_HOME: "relative" }, cwd)).toBeUndefined();
  });
});
