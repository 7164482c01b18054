import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildAutomaton, StreamMatcher } from "./automaton.js";
import {
  formatHexList,
  formatRipgrepPatterns,
  formatYaraRules,
  ripgrepPattern,
  yaraHexString,
} from "./needle-export.js";
import { compileNeedles, type Needle } from "./needles.js";

const terms = [
  { text: "byRace", caseInsensitive: true },
  { text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false },
  { text: "维族", caseInsensitive: false },
  { text: "肤色", caseInsensitive: false },
];
const needles = compileNeedles(terms);
const termText = (termId: number) => terms[termId]!.text;

/** A haystack holding every needle, case variants, and near misses, with random bytes between. */
function haystack(): Uint8Array {
  const parts: number[] = [];
  let seed = 7;
  const noise = () => {
    for (let k = 0; k < 37; k++) parts.push((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  };
  for (const needle of needles) {
    noise();
    parts.push(...needle.bytes);
    noise();
    // The other case of every letter: found only where the fold mask allows it.
    parts.push(
      ...needle.bytes.map((b) => (b >= 0x41 && b <= 0x5a ? b + 32 : b >= 0x61 && b <= 0x7a ? b - 32 : b)),
    );
    noise();
    parts.push(...needle.bytes.subarray(0, needle.bytes.length - 1));
  }
  noise();
  return Uint8Array.from(parts);
}

function matcherHits(bytes: Uint8Array): string[] {
  const hits: string[] = [];
  new StreamMatcher(buildAutomaton(needles)).push(bytes, (id, offset) => hits.push(`${id}@${offset}`));
  return hits.sort();
}

/** The ripgrep pattern read as a JavaScript regex over a latin1 string (one char per byte). */
function regexOf(pattern: string): RegExp {
  expect(pattern).toMatch(/^\(\?-u:.*\)$/);
  return new RegExp(pattern.slice(5, -1), "g");
}

/** The YARA hex string parsed back into one set of allowed bytes per position. */
function yaraAlternatives(body: string): number[][] {
  const inner = body.replace(/^\{ | \}$/g, "");
  const alternatives: number[][] = [];
  for (const match of inner.matchAll(/\( ([0-9a-f]{2}) \| ([0-9a-f]{2}) \)|([0-9a-f]{2})/g)) {
    alternatives.push(
      match[3] ? [parseInt(match[3], 16)] : [parseInt(match[1]!, 16), parseInt(match[2]!, 16)],
    );
  }
  return alternatives;
}

describe("needle export", () => {
  const bytes = haystack();
  const text = Buffer.from(bytes).toString("latin1");

  it("ripgrep patterns find exactly what the matcher finds, fold mask included", () => {
    const found: string[] = [];
    for (const needle of needles) {
      for (const match of text.matchAll(regexOf(ripgrepPattern(needle))))
        found.push(`${needle.id}@${match.index}`);
    }
    expect(found.sort()).toEqual(matcherHits(bytes));
    // "byRace" folds in UTF-16LE: letters become classes, the zero bytes stay exact.
    expect(ripgrepPattern(needles.find((n) => n.termId === 0 && n.encodings[0] === "utf-16le")!)).toBe(
      "(?-u:[\\x62\\x42]\\x00[\\x79\\x59]\\x00[\\x52\\x72]\\x00[\\x61\\x41]\\x00[\\x63\\x43]\\x00[\\x65\\x45]\\x00)",
    );
  });

  it("YARA hex strings accept exactly the bytes the matcher accepts", () => {
    const found: string[] = [];
    for (const needle of needles) {
      const alternatives = yaraAlternatives(yaraHexString(needle));
      expect(alternatives).toHaveLength(needle.bytes.length);
      outer: for (let start = 0; start + alternatives.length <= bytes.length; start++) {
        for (let k = 0; k < alternatives.length; k++)
          if (!alternatives[k]!.includes(bytes[start + k]!)) continue outer;
        found.push(`${needle.id}@${start}`);
      }
    }
    expect(found.sort()).toEqual(matcherHits(bytes));
    const rules = formatYaraRules(needles, termText);
    expect(rules).toContain(
      '$n0 = { ( 62 | 42 ) ( 79 | 59 ) ( 52 | 72 ) ( 61 | 41 ) ( 63 | 43 ) ( 65 | 45 ) } // "byRace" utf-8,gb18030,big5',
    );
    expect(rules.match(/^rule /gm)).toHaveLength(1);
  });

  it("splits YARA rules below the per-rule string limit", () => {
    const many: Needle[] = Array.from({ length: 12_001 }, (_, id) => ({
      id,
      termId: 0,
      encodings: ["utf-8"],
      bytes: Uint8Array.of(id & 0xff, id >> 8, 0x41),
      foldMask: new Uint8Array(3),
    }));
    const rules = formatYaraRules(many, () => "x");
    expect(rules.match(/^rule custodiet_needles_\d+$/gm)).toEqual([
      "rule custodiet_needles_0",
      "rule custodiet_needles_1",
      "rule custodiet_needles_2",
    ]);
    expect(rules.match(/\$n\d+ =/g)).toHaveLength(12_001);
  });

  it("lists every needle with its term, encodings, hex and fold mask", () => {
    const lines = formatHexList(needles, termText).trimEnd().split("\n");
    expect(lines).toHaveLength(needles.length + 1);
    expect(lines[1]).toBe('0\t0\t"byRace"\tutf-8,gb18030,big5\t627952616365\t111111');
    const uygur = lines.find((line) => line.includes("EM_NATION_TYPE_UYGUR") && line.includes("utf-16be"))!;
    expect(uygur.split("\t")[5]).toBe("-");
    expect(formatRipgrepPatterns(needles).trimEnd().split("\n")).toHaveLength(needles.length);
  });
});

/** The real tools, where installed (Debian packages ripgrep and yara). */
const hasRg = spawnSync("rg", ["--version"]).status === 0;
const hasYara = spawnSync("yara", ["--version"]).status === 0;

describe("needle export with the real tools", () => {
  const dir = mkdtempSync(join(tmpdir(), "custodiet-needles-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const bytes = haystack();
  writeFileSync(join(dir, "haystack.bin"), bytes);
  // Each needle alone, so ripgrep's leftmost-first matching cannot hide an overlapping one.
  const expected = matcherHits(bytes);

  it.skipIf(!hasRg)("ripgrep finds the same needles at the same offsets", () => {
    const found: string[] = [];
    for (const needle of needles) {
      writeFileSync(join(dir, "p.rg"), formatRipgrepPatterns([needle]));
      const result = spawnSync("rg", [
        "-a",
        "-U",
        "-b",
        "-o",
        "--no-filename",
        "-f",
        join(dir, "p.rg"),
        join(dir, "haystack.bin"),
      ]);
      const out = result.stdout.toString("latin1");
      for (const line of out.split("\n")) {
        const offset = /^(\d+):/.exec(line)?.[1];
        if (offset !== undefined) found.push(`${needle.id}@${offset}`);
      }
    }
    expect(found.sort()).toEqual(expected);
  });

  it.skipIf(!hasYara)("YARA finds the same needles at the same offsets", () => {
    writeFileSync(join(dir, "n.yar"), formatYaraRules(needles, termText));
    const out = execFileSync("yara", ["-s", "-w", join(dir, "n.yar"), join(dir, "haystack.bin")]).toString(
      "latin1",
    );
    const found = [...out.matchAll(/^0x([0-9a-f]+):\$n(\d+):/gm)].map(
      (m) => `${m[2]}@${parseInt(m[1]!, 16)}`,
    );
    expect(found.sort()).toEqual(expected);
  });
});
