import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { seededBytes, seededIntegers } from "../../test/random.js";
import { loadRulePack } from "../rules/loader.js";
import { scanBytes } from "../rules/tester.js";
import { termGate } from "./raw-gate.js";

const pack = await loadRulePack({ builtin: true });

/** Pieces planted among noise: identifiers with and without the tokens the `xj` pattern asks for. */
const PIECES = [
  "is_xj_related",
  "isXjRelated",
  "xj",
  "XJ",
  "_xj_",
  "xj_ry",
  "sjry_xj",
  "xjRelevant",
  "uyghur",
  "isUyghur",
  "xinjiang",
  "race",
  "byRace",
  "nation",
  "EM_NATION_TYPE_UYGUR",
  "涉疆人员",
  "是否维族",
  "xj 涉疆",
  "皮肤xj相关",
];

function plantedBuffer(seed: number, encoding: "utf-8" | "gb18030" | "big5"): Uint8Array {
  const next = seededIntegers(seed);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < 400; k++) {
    // Noise with bytes that GB18030 and Big5 read as double-byte characters, so that where a window
    // starts decides how the bytes before a hit pair up.
    parts.push(seededBytes(seed * 1000 + k, next(300)));
    parts.push(new Uint8Array(iconv.encode(PIECES[next(PIECES.length)]!, encoding)));
  }
  return Buffer.concat(parts);
}

describe("the identifier gate", () => {
  it("applies to a term whose every pattern asks its identifier for a token", () => {
    const term = (text: string) => pack.terms.find((t) => t.text === text)!;
    expect(termGate(pack, term("xj"))).toBeDefined();
    // race is in patterns with scope conditions only: no gate.
    expect(termGate(pack, term("race"))).toBeUndefined();
  });

  it("gives the same detections as the full analysis of every hit, on noise with planted identifiers", () => {
    let detected = 0;
    for (const encoding of ["utf-8", "gb18030", "big5"] as const) {
      for (let seed = 1; seed <= 6; seed++) {
        const bytes = plantedBuffer(seed, encoding);
        const gated = scanBytes(bytes, pack);
        // A reject listener turns the gate off: every hit is analysed in full.
        const full = scanBytes(bytes, pack, () => undefined);
        expect(gated, `${encoding} seed ${seed}`).toEqual(full);
        detected += gated.filter((d) => d.ruleId === "uyghur-profiling-flag").length;
      }
    }
    // The planted flags are found: the gate let them through.
    expect(detected).toBeGreaterThan(0);
  });
});
