import { describe, expect, it } from "vitest";
import type { Rule } from "../model/rule.js";
import type { LocatedDetection } from "../engine/task.js";
import { toFindings } from "./assemble.js";

const rule = {
  id: "test.rule",
  category: "ethnicity",
  basis: "inferred-from-face",
  severity: "high",
  confidence: "high",
} as unknown as Rule;

describe("toFindings", () => {
  it("replaces lone surrogates (UTF-16 text decoded from random bytes) so strict JSON readers accept the report", () => {
    const detection: LocatedDetection = {
      ruleId: "test.rule",
      messageId: "m",
      offset: 10,
      length: 4,
      encoding: "utf-16le",
      match: "民族",
      matchHex: "116ccf65",
      excerpt: "a\ud869b民族\ude9c\ud83d\ude00",
      excerptMatch: [3, 5],
      scope: { kind: "string-table", name: "x\udc4f" },
      data: { memberName: "\uda52民族" },
    };
    const [finding] = toFindings(
      [detection],
      [{ path: "f.bin", via: "file", sha256: "00", size: 100 }],
      new Map([["test.rule", rule]]),
    );
    // One code unit for one: the match position in the excerpt is unchanged; real pairs stay.
    expect(finding!.excerpt).toBe("a\ufffdb民族\ufffd\ud83d\ude00");
    expect(finding!.excerpt.slice(3, 5)).toBe("民族");
    expect(finding!.scope).toEqual({ kind: "string-table", name: "x\ufffd" });
    expect(finding!.data).toEqual({ memberName: "\ufffd民族" });
    expect(JSON.stringify(finding)).not.toMatch(/\\ud[89a-f]/u);
  });
});
