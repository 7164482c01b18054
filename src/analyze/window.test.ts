import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeWindow } from "./window.js";

describe("decodeWindow", () => {
  it("starts at the artifact's first byte in GB18030 even with no separator before the hit", () => {
    const bytes = new Uint8Array(iconv.encode("EM_NATION_TYPE_UYGUR, // 维族(新疆)", "gb18030"));
    const window = decodeWindow(bytes, 0, "gb18030", 0, bytes.length, 15);
    expect(window.start).toBe(0);
    expect(window.text).toBe("EM_NATION_TYPE_UYGUR, // 维族(新疆)");
  });

  it("inside a file, resynchronises after a byte that cannot be a trail byte", () => {
    const bytes = new Uint8Array(iconv.encode("维族 EM_RACE", "gb18030"));
    // Starting in the middle of 维 (its trail byte) must not invent a character.
    const window = decodeWindow(bytes, 100, "gb18030", 101, 100 + bytes.length, 106);
    expect(window.text).toBe("EM_RACE");
    expect(window.start).toBe(105);
  });
});
