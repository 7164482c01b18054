import { describe, expect, it } from "vitest";
import type { Rule } from "../model/rule.js";
import type { LocatedDetection } from "../engine/task.js";
import type { LocationLayer } from "../model/location.js";
import { dropRetoldRepeats, toFindings } from "./assemble.js";

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

describe("dropRetoldRepeats", () => {
  const file: LocationLayer = { path: "page.html", via: "file", sha256: "00", size: 100 };
  const layer = (path: string, via: string): LocationLayer => ({ path, via, sha256: "11", size: 10 });
  const findingsIn = (layers: LocationLayer[], matches: string[]) =>
    toFindings(
      matches.map((match, index) => ({
        ruleId: "test.rule",
        messageId: "m",
        offset: index * 10,
        length: match.length,
        encoding: "utf-8",
        match,
        matchHex: Buffer.from(match).toString("hex"),
        excerpt: match,
        excerptMatch: [0, match.length],
        data: {},
      })),
      layers,
      new Map([["test.rule", rule]]),
    );

  it("drops what a retelling layer repeats of its parent, as many times as the parent has it", () => {
    const page = findingsIn([file], ["race", "race"]);
    const text = findingsIn([file, layer("text.txt", "html-text")], ["race", "race", "race", "民族"]);
    const { kept, repeated } = dropRetoldRepeats([...page, ...text]);
    expect(kept.map((f) => [f.location, f.match])).toEqual([
      ["page.html", "race"],
      ["page.html", "race"],
      ["page.html!text.txt", "race"],
      ["page.html!text.txt", "民族"],
    ]);
    expect(repeated).toEqual(new Map([["page.html!text.txt", 2]]));
  });

  it("compares each retelling layer with its parent alone, and keeps a container's members", () => {
    const message = findingsIn([file], ["race"]);
    const body = findingsIn([file, layer("body.txt", "mime-text")], ["race"]);
    const html = findingsIn([file, layer("body.html", "mime-text")], ["race"]);
    const member = findingsIn([file, layer("face.h", "mime")], ["race"]);
    const { kept } = dropRetoldRepeats([...message, ...body, ...html, ...member]);
    expect(kept.map((f) => f.location)).toEqual(["page.html", "page.html!face.h"]);
  });

  it("drops what a source map's sources repeat from the map instead: they have the source's own lines", () => {
    const map: LocationLayer = { path: "app.js.map", via: "file", sha256: "00", size: 100 };
    const inMap = findingsIn([map], ["民族", "民族", "race", "nation"]);
    const first = findingsIn([map, layer("src/face.ts", "sourcemap")], ["民族", "race"]);
    const second = findingsIn([map, layer("src/labels.ts", "sourcemap")], ["民族", "skin"]);
    const { kept, repeated, unfolded } = dropRetoldRepeats([...inMap, ...first, ...second]);
    expect(kept.map((f) => [f.location, f.match])).toEqual([
      ["app.js.map", "nation"],
      ["app.js.map!src/face.ts", "民族"],
      ["app.js.map!src/face.ts", "race"],
      ["app.js.map!src/labels.ts", "民族"],
      ["app.js.map!src/labels.ts", "skin"],
    ]);
    expect(unfolded).toEqual(new Map([["app.js.map", 3]]));
    expect(repeated).toEqual(new Map());
  });
});
