import { describe, expect, it } from "vitest";
import { coversWholeTokens, identifierAround, tokenize } from "./tokenizer.js";

function hitCovers(text: string, term: string): boolean {
  const start = text.toLowerCase().indexOf(term.toLowerCase());
  if (start < 0) throw new Error(`${term} not in ${text}`);
  return coversWholeTokens(text, start, start + term.length);
}

describe("tokenize", () => {
  it("splits camelCase, snake_case, SCREAMING_CASE and Hungarian prefixes", () => {
    expect(tokenize("byRace")).toEqual(["by", "race"]);
    expect(tokenize("ST_emNation")).toEqual(["st", "em", "nation"]);
    expect(tokenize("udwSkinColor")).toEqual(["udw", "skin", "color"]);
    expect(tokenize("EM_NATION_TYPE_UYGUR")).toEqual(["em", "nation", "type", "uygur"]);
    expect(tokenize("NETDEV_SKINCOLOR_TYPE_E")).toEqual(["netdev", "skincolor", "type", "e"]);
    expect(tokenize("HTTPRaceInfo2")).toEqual(["http", "race", "info", "2"]);
    expect(tokenize("m_szNation")).toEqual(["m", "sz", "nation"]);
    expect(tokenize("dominant_race")).toEqual(["dominant", "race"]);
  });

  it("never splits an all-lower-case word", () => {
    expect(tokenize("brace condemnation")).toEqual(["brace", "condemnation"]);
  });
});

describe("token-boundary test of a hit", () => {
  it("accepts whole tokens", () => {
    expect(hitCovers("BYTE byRace;", "race")).toBe(true);
    expect(hitCovers("emRace", "race")).toBe(true);
    expect(hitCovers("EM_RACE_TYPE", "race")).toBe(true);
    expect(hitCovers("RaceType", "race")).toBe(true);
    expect(hitCovers("NET_EM_FACEFEATURE_RACE", "race")).toBe(true);
    expect(hitCovers("udwSkinColor", "SkinColor")).toBe(true);
    expect(hitCovers("NETDEV_SKINCOLOR_TYPE_E", "skincolor")).toBe(true);
  });

  it("rejects substrings of other words", () => {
    expect(hitCovers("trace", "race")).toBe(false);
    expect(hitCovers("therubyracer", "race")).toBe(false);
    expect(hitCovers("condemnation", "nation")).toBe(false);
    expect(hitCovers("destination", "nation")).toBe(false);
    expect(hitCovers("international", "nation")).toBe(false);
    expect(hitCovers("PrivacyMasking", "skin")).toBe(false);
    expect(hitCovers("TRACE_LEVEL", "race")).toBe(false);
    expect(hitCovers("RACES", "race")).toBe(false);
  });

  it("finds the identifier holding a hit", () => {
    const text = "  BYTE byRace; // x";
    const start = text.indexOf("Race");
    const range = identifierAround(text, start, start + 4);
    expect(text.slice(range.start, range.end)).toBe("byRace");
    const mangled = "_ZN6icu_7215IslamicCalendar7isCivilEv";
    const islamic = mangled.indexOf("Islamic");
    const component = identifierAround(mangled, islamic, islamic + 7);
    expect(mangled.slice(component.start, component.end)).toBe("IslamicCalendar");
    const cjk = "是否维族：1";
    const at = cjk.indexOf("维族");
    const wide = identifierAround(cjk, at, at + 2);
    expect(cjk.slice(wide.start, wide.end)).toBe("是否维族");
  });
});
