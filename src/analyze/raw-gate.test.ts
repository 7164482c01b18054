import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { seededBytes, seededIntegers } from "../../test/random.js";
import type { ByteSource } from "../model/bytes.js";
import type { Hit } from "../model/hit.js";
import { compileRulePack } from "../rules/compile.js";
import { loadRulePack } from "../rules/loader.js";
import { parseRuleText } from "../rules/parse-rule.js";
import { rawHits, scanBytes } from "../rules/tester.js";
import { memorySource, openFileSource } from "../sources/byte-source.js";
import { analyzeBytes, analyzeHits } from "./analyzer.js";
import { RawOccurrences, termGate } from "./raw-gate.js";

const pack = await loadRulePack({ builtin: true });
const term = (text: string) => pack.terms.find((t) => t.text === text)!;

describe("raw gates", () => {
  it("apply to terms whose every pattern asks the identifier or the scope's name for a token", () => {
    // Colour members count only in an enum named for race or skin colour.
    const white = termGate(pack, term("WHITE"));
    expect(white).toBeDefined();
    expect(white!.every((pattern) => pattern.scopeName !== undefined)).toBe(true);
    expect(white!.flatMap((pattern) => pattern.scopeName)).toEqual(expect.arrayContaining(["race", "skin"]));
    expect(termGate(pack, term("xj"))!.every((pattern) => pattern.identifier !== undefined)).toBe(true);
    // race is in patterns with other conditions only.
    expect(termGate(pack, term("race"))).toBeUndefined();
    // The terms of one pattern share its texts, so a cluster's bytes are searched once for all of them.
    const black = termGate(pack, term("BLACK"))!;
    expect(black.map((pattern) => pattern.scopeName)).toEqual(white!.map((pattern) => pattern.scopeName));
    expect(black[0]!.scopeName).toBe(white![0]!.scopeName);
    // The identifier's bytes rule nothing out around a hit that is not ASCII.
    for (const each of pack.terms)
      if (/[^\x00-\x7f]/u.test(each.text))
        for (const pattern of termGate(pack, each) ?? []) expect(pattern.identifier).toBeUndefined();
  });

  it("leave the identifier of a hit that is not ASCII to the full analysis", () => {
    // Around a CJK hit the identifier runs over letters of every script (flag是否维族): the ASCII run of
    // identifier bytes next to the hit's bytes does not hold it.
    const rule = parseRuleText(
      `id: test-cjk-identifier
title: CJK term in a flagged identifier
description: A CJK term whose identifier must hold a token.
category: ethnicity
basis: inferred
severity: low
confidence: low
references: ["https://example.org"]
patterns:
  - message: field
    terms: [维族]
    where:
      identifier-any: [flag]
tests:
  match: [{ text: "flag是否维族" }]
  no-match: [{ text: "是否维族" }]
`,
      "inline.yaml",
    );
    if (!rule.ok) throw new Error(rule.problems.map((problem) => problem.detail).join("; "));
    const cjk = compileRulePack([rule.rule]);
    expect(
      termGate(
        cjk,
        cjk.terms.find((t) => t.text === "维族")!,
      ),
    ).toBeUndefined();
    const bytes = Buffer.from("int x = flag是否维族;\n", "utf8");
    expect(scanBytes(bytes, cjk)).toHaveLength(1);
    expect(scanBytes(bytes, cjk)).toEqual(scanBytes(bytes, cjk, () => undefined));
  });

  it("find a text in any letter case, whole inside the range asked", () => {
    const text = "xx Race yy RACES zz race_trace qq rAce ww";
    const found = new RawOccurrences(Buffer.from(text, "latin1"), 1000);
    const at = (needle: string) => 1000 + text.indexOf(needle);
    expect(found.has(["race"], "ascii", at("Race"), at("Race") + 4)).toBe(true);
    expect(found.has(["race"], "ascii", at("Race"), at("Race") + 3)).toBe(false);
    expect(found.has(["race"], "ascii", at("Race") + 1, at("yy"))).toBe(false);
    expect(found.has(["race"], "ascii", at("RACES"), at("RACES") + 4)).toBe(true);
    // Inside another word too (the gate is a superset of the analysis).
    expect(found.has(["race"], "ascii", at("trace"), at("qq"))).toBe(true);
    expect(found.has(["race"], "ascii", at("rAce"), at("ww"))).toBe(true);
    expect(found.has(["race"], "ascii", at("qq"), at("rAce") + 3)).toBe(false);
    expect(found.has(["skin", "race"], "ascii", 0, 2000)).toBe(true);
    expect(found.has(["skin"], "ascii", 0, 2000)).toBe(false);

    for (const layout of ["utf-16le", "utf-16be"] as const) {
      const wide = new RawOccurrences(iconv.encode("ab Race cd", layout), 0);
      expect(wide.has(["race"], layout, 0, 20)).toBe(true);
      expect(wide.has(["race"], "ascii", 0, 20)).toBe(false);
    }
  });

  it("give the same detections as the full analysis of every hit, in five encodings", async () => {
    let detected = 0;
    for (const encoding of ENCODINGS)
      for (let seed = 1; seed <= 3; seed++) {
        const bytes = plantedBuffer(seed, encoding);
        const hits = hitsOf(bytes);
        const source = memorySource(bytes);
        const gated = await analyzeHits(hits, source, pack);
        // A reject listener turns the gates off: every hit is analysed in full.
        const full = await analyzeHits(hits, source, pack, () => undefined);
        expect(gated, `${encoding} seed ${seed}`).toEqual(full);
        detected += gated.filter((d) => d.ruleId === "race-type-enum" || d.ruleId.startsWith("skin")).length;
      }
    // The planted enums are found: the gates let them through.
    expect(detected).toBeGreaterThan(0);
  });
});

describe("clusters read from a file", () => {
  it("give the detections of the same bytes in memory, three files analysed at once", async () => {
    const folder = mkdtempSync(join(tmpdir(), "custodiet-clusters-"));
    try {
      const files = [1, 2, 3].map((seed) => {
        // Over 256 KiB (smaller files are read whole), in clusters parted by noise: many hits (read with the
        // wide margin at once), and the colour members of a big struct, whose wide window is read later.
        const next = seededIntegers(seed);
        const parts: Uint8Array[] = [];
        for (let k = 0; k < 4; k++) {
          const struct = `struct NET_RACE_INFO {\n${filler(next, 300 + next(300))}    int WHITE; int BLACK;\n};\n`;
          parts.push(plantedBuffer(10 * seed + k, "utf-8"), seededBytes(100 * seed + k, 100_000));
          parts.push(Buffer.from(struct, "utf8"), seededBytes(100 * seed + k + 50, 100_000));
        }
        const bytes = Buffer.concat(parts);
        const path = join(folder, `planted-${seed}`);
        writeFileSync(path, bytes);
        return { path, bytes, hits: hitsOf(bytes) };
      });
      const inMemory = await Promise.all(
        files.map((file) => analyzeHits(file.hits, memorySource(file.bytes), pack)),
      );
      const sources = await Promise.all(files.map((file) => openFileSource(file.path)));
      try {
        // Every read lets the other analyses go on before it lands.
        const slow = (source: ByteSource): ByteSource => ({
          ...source,
          read: async (offset, length, into) => {
            await new Promise((resolve) => setImmediate(resolve));
            return source.read(offset, length, into);
          },
        });
        const fromFiles = await Promise.all(
          files.map((file, k) => analyzeHits(file.hits, slow(sources[k]!), pack)),
        );
        expect(fromFiles).toEqual(inMemory);
        expect(inMemory.every((detections) => detections.length > 0)).toBe(true);
      } finally {
        for (const source of sources) await source.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("hits rejected by their gates", () => {
  it("leave the windows of later hits where the full analysis leaves them", () => {
    // An enum named for race, longer than a window: a colour member 4.6 KB past its opening brace has a
    // window that shows neither brace, unless it reuses the window of an earlier hit that shows the
    // opening one. EM_XJ_A is such a hit, rejected by its gate (no token its rule asks for in its
    // identifier), and gated hits place no window until a later hit is analysed.
    let text = "typedef enum tagEM_RACE_TYPE\n{\n";
    let item = 0;
    const fill = (bytes: number) => {
      const end = text.length + bytes;
      while (text.length < end) text += `    EM_ITEM_${item++},\n`;
    };
    fill(3000);
    text += "    EM_XJ_A,\n";
    fill(1500);
    text += "    EM_RACE_YELLOW,\n    EM_RACE_BLACK,\n    EM_RACE_WHITE,\n";
    fill(6000);
    text += "} EM_RACE_TYPE;\n";
    const bytes = Buffer.from(text, "utf8");
    const hits = hitsOf(bytes);
    const xj = hits.find((hit) => pack.terms[hit.termId]!.text === "xj")!;
    const white = hits.find((hit) => pack.terms[hit.termId]!.text === "WHITE")!;
    const full = () => undefined;
    // The history matters here: alone, the colour member has no scope.
    expect(analyzeBytes([white], bytes, pack, full)).toEqual([]);
    const after = analyzeBytes([xj, white], bytes, pack, full);
    expect(after.map((d) => d.ruleId)).toEqual(["race-type-enum"]);
    expect(analyzeBytes([xj, white], bytes, pack)).toEqual(after);
    expect(analyzeBytes(hits, bytes, pack)).toEqual(analyzeBytes(hits, bytes, pack, full));
  });
});

describe("wide windows", () => {
  it("are the same for a hit whichever hits came before it (gated hits place none)", () => {
    // Members near the end of a struct named for race, 31-34 KB past its opening brace: a hit there gets a
    // wide window (its small one shows the closing brace but not the opening one), and whether that
    // window reaches back to the name depends on where it is placed. Placed around the first hit that
    // asked, as windows were, the hits past 32 KB would see the name only after one before it.
    const next = seededIntegers(7);
    let text = "struct NET_RACE_INFO {\n";
    const member = (at: number) => {
      while (Buffer.byteLength(text) < at) text += filler(next, 1);
      text += "    int WHITE; int BLACK; int YELLOW;\n";
    };
    for (const at of [31_000, 31_800, 32_600, 33_400, 34_200]) member(at);
    text += "};\n";
    const bytes = Buffer.from(text, "utf8");
    const hits = hitsOf(bytes).filter((hit) => pack.terms[hit.termId]!.text === "WHITE");
    expect(hits).toHaveLength(5);
    let detected = 0;
    for (const later of hits) {
      const alone = analyzeBytes([later], bytes, pack);
      detected += alone.length;
      for (const earlier of hits.filter((hit) => hit.offset < later.offset)) {
        const after = analyzeBytes([earlier, later], bytes, pack).filter((d) => d.offset === later.offset);
        expect(after, `${String(later.offset)} after ${String(earlier.offset)}`).toEqual(alone);
      }
    }
    expect(detected).toBeGreaterThan(0);
  });
});

const ENCODINGS = ["utf-8", "gb18030", "big5", "utf-16le", "utf-16be"] as const;

/** Colour members in scopes named for race or skin colour, and in others, near and far from their names. */
const PIECES = [
  "typedef enum tagEM_RACE_TYPE\n{\n    EM_RACE_UNKNOWN,\n    EM_RACE_YELLOW,   // 黄种人\n    EM_RACE_BLACK,\n    EM_RACE_WHITE,\n} EM_RACE_TYPE;\n",
  "typedef enum { EM_CAR_COLOR_WHITE, EM_CAR_COLOR_BLACK, EM_CAR_COLOR_YELLOW } EM_CAR_COLOR_TYPE;\n",
  "enum SkinColorType { YELLOW, BLACK, WHITE, BROWN };\n",
  "class Race(IntEnum):\n    YELLOW = 1\n    BLACK = 2\n    WHITE = 3\n\n",
  "enum rAcE { WHITE, BLACK, YELLOW };\n",
  "// trace the WHITE and BLACK levels\nint levels[] = { WHITE, BLACK, YELLOW };\n",
  "enum PlateColor { WHITE, BLACK, YELLOW }; // race\n",
  "    EM_CLOTHES_COLOR_WHITE,\n    EM_CLOTHES_COLOR_BLACK,\n",
  "白色 WHITE 黑色 BLACK 人种 race\n",
];

/** Lines of C that make a struct body long enough for its hits to need a wide window. */
function filler(next: (limit: number) => number, lines: number): string {
  const words = [
    "int",
    "char",
    "szName",
    "nCount",
    "byEnable",
    "dwSize",
    "stuTime",
    "emType",
    "VIDEO",
    "color",
  ];
  let text = "";
  for (let line = 0; line < lines; line++)
    text += `    ${words[next(words.length)]!} ${words[next(words.length)]!}${next(100)}; // 字段 ${next(1000)}\n`;
  return text;
}

function plantedBuffer(seed: number, encoding: (typeof ENCODINGS)[number]): Uint8Array {
  const next = seededIntegers(seed);
  const parts: Buffer[] = [];
  for (let k = 0; k < 60; k++) {
    const kind = next(10);
    let text: string;
    if (kind < 6) text = PIECES[next(PIECES.length)]!;
    else if (kind < 8)
      // A big struct: its name (race or not) 2-40 KB before the colour members.
      text = `struct ${next(2) === 0 ? "NET_RACE_INFO" : "NET_CAR_INFO"} {\n${filler(next, 40 + next(1000))}    int WHITE; int BLACK; int YELLOW;\n};\n`;
    else text = filler(next, next(400));
    parts.push(iconv.encode(text, encoding));
    // Noise, some of it with bytes that double-byte charsets pair up, some long enough to part clusters.
    if (next(3) === 0)
      parts.push(Buffer.from(seededBytes(seed * 1000 + k, next(next(4) === 0 ? 90_000 : 300))));
  }
  return Buffer.concat(parts);
}

function hitsOf(bytes: Uint8Array): Hit[] {
  return rawHits(bytes, pack);
}
