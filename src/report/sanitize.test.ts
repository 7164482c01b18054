import { describe, expect, it } from "vitest";
import { escapeControls, escapeHtml } from "./sanitize.js";

describe("sanitize", () => {
  it("escapes markup and quotes for HTML", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;",
    );
  });

  it("shows bidi overrides and control characters instead of obeying them", () => {
    expect(escapeHtml("evil\u202egnp.exe")).toBe("evil\\u202egnp.exe");
    expect(escapeHtml("a\u0000b\nc\td")).toBe("a\\x00b\nc\td");
    expect(escapeControls("\u001b[2J\u2066x\n")).toBe("\\x1b[2J\\u2066x\\n");
  });
});
