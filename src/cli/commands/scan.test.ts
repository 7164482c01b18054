import { describe, expect, it } from "vitest";
import { UsageError } from "../command.js";
import { parseSize } from "./scan.js";

describe("--max-file-size", () => {
  it("reads plain bytes and binary suffixes", () => {
    expect(parseSize("1048576")).toBe(1 << 20);
    expect(parseSize("1k")).toBe(1024);
    expect(parseSize("500m")).toBe(500 * 1024 ** 2);
    expect(parseSize("2G")).toBe(2 * 1024 ** 3);
    expect(parseSize("1.5MiB")).toBe(1.5 * 1024 ** 2);
  });

  it("rejects what is not a size", () => {
    expect(() => parseSize("lots")).toThrow(UsageError);
    expect(() => parseSize("-1")).toThrow(UsageError);
  });
});
