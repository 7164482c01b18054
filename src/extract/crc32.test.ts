import { describe, expect, it } from "vitest";
import { seededBytes } from "../../test/random.js";
import { crc32, crc32Table } from "./crc32.js";

describe("crc32", () => {
  it("gives the standard check value", () => {
    const check = new TextEncoder().encode("123456789");
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("continues from a previous value, and the fast path agrees with the table loop", () => {
    const bytes = seededBytes(3, 10_000);
    for (const cut of [0, 1, 7, 4096, 9_999, 10_000]) {
      const whole = crc32Table(bytes);
      expect(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut)))).toBe(whole);
      expect(crc32Table(bytes.subarray(cut), crc32Table(bytes.subarray(0, cut)))).toBe(whole);
    }
  });
});
