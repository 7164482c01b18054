import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { seededBytes, seededIntegers } from "../../test/random.js";
import type { Hit } from "../model/hit.js";
import { buildAutomaton, StreamMatcher } from "../match/automaton.js";
import { memorySource } from "../sources/byte-source.js";
import { compileRulePack, type CompiledRulePack } from "../rules/compile.js";
import { parseRuleText } from "../rules/parse-rule.js";
import { scanBytes } from "../rules/tester.js";
import { COMPLEXION, HIK_RACE, NATION_UYGHUR } from "../../test/rules/fixtures/starter-rules.js";
import {
  analyzeHits,
  capMemberName,
  dictionaryEntry,
  insideWordList,
  leadingByteOrder,
  LEXICON_NEAR,
  lexiconLine,
  lexiconNear,
  MEMBER_NAME_MAX,
  textRun,
  WORD_LIST_RUN,
  type Stretch,
} from "./analyzer.js";

/** A bare token rule: `race` and `nation` as whole tokens, no other condition. */
const BARE_TOKENS = `
id: test-bare-tokens
title: Bare tokens
description: Whole-token race and nation, for boundary tests; race condition excluded by line.
category: race
basis: inferred
severity: low
confidence: low
references: ["https://example.org"]
patterns:
  - message: field
    terms: [race, nation]
    where:
      line-none: [race condition, data race]
tests:
  match: [{ text: "byRace" }]
  no-match: [{ text: "trace" }]
`;

function packOf(...texts: string[]): CompiledRulePack {
  return compileRulePack(
    texts.map((text, index) => {
      const result = parseRuleText(text, `inline-${index}.yaml`);
      if (!result.ok) throw new Error(result.problems.map((p) => p.detail).join("; "));
      return result.rule;
    }),
  );
}

const pack = packOf(NATION_UYGHUR, HIK_RACE, COMPLEXION, BARE_TOKENS);

function scan(text: string, encoding = "utf-8", rule?: string) {
  const bytes = new Uint8Array(iconv.encode(text, encoding));
  const all = scanBytes(bytes, pack);
  return rule === undefined ? all : all.filter((d) => d.ruleId === rule);
}

/** Streams bytes through the real matcher in chunks and analyzes through a ByteSource, like the engine. */
async function scanSource(bytes: Uint8Array, chunkSize = 65536) {
  const automaton = buildAutomaton(pack.needles);
  const matcher = new StreamMatcher(automaton);
  const hits: Hit[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) {
    matcher.push(bytes.subarray(at, at + chunkSize), (needleId, offset) => {
      const needle = automaton.needles[needleId]!;
      hits.push({
        needleId,
        termId: needle.termId,
        encoding: needle.encodings[0]!,
        offset,
        length: needle.bytes.length,
      });
    });
  }
  return analyzeHits(hits, memorySource(bytes), pack);
}

describe("token boundaries", () => {
  it("byRace is a hit on race; trace, therubyracer, condemnation, destination and race condition are not", () => {
    const hit = scan("BYTE byRace;", "utf-8", "test-bare-tokens");
    expect(hit.map((d) => [d.match, d.offset, d.length])).toEqual([["Race", 7, 4]]);
    for (const confusable of [
      "trace",
      "gem 'therubyracer'",
      "condemnation",
      "destination",
      "international",
    ]) {
      expect(scan(confusable, "utf-8", "test-bare-tokens"), confusable).toEqual([]);
    }
    expect(scan("// avoid a race condition in the decoder", "utf-8", "test-bare-tokens")).toEqual([]);
    expect(scan("a data race on the frame queue: race", "utf-8", "test-bare-tokens")).toEqual([]);
  });

  it("byRace inside a human-feature struct confirms with its siblings", () => {
    const header = `typedef struct tagNET_VCA_HUMAN_FEATURE {
  BYTE byAgeGroup;
  BYTE bySex;
  BYTE byRace;
  BYTE byEyeGlass;
} NET_VCA_HUMAN_FEATURE;`;
    const [detection, ...rest] = scan(header, "utf-8", "test-hik-race");
    expect(rest).toEqual([]);
    expect(detection).toMatchObject({
      messageId: "field",
      offset: header.indexOf("Race"),
      length: 4,
      encoding: "utf-8",
      match: "Race",
      matchHex: "52616365",
      scope: { kind: "struct", name: "NET_VCA_HUMAN_FEATURE" },
    });
    expect(detection!.data).toMatchObject({ memberName: "byRace", scopeIndex: "2", identifier: "byRace" });
    expect(detection!.data["siblings"]).toContain("sex");
    expect(detection!.excerpt.slice(...detection!.excerptMatch)).toBe("Race");
    // The same struct as a game avatar stays silent (exclusion in the scope name).
    expect(scan(header.replaceAll("HUMAN_FEATURE", "GAME_AVATAR"), "utf-8", "test-hik-race")).toEqual([]);
    // Without person siblings, a lone race field is not enough.
    expect(scan("struct RaceResult { int lap; int race; };", "utf-8", "test-hik-race")).toEqual([]);
  });
});

describe("encodings", () => {
  const gbkHeader = `/* 大华 NetSDK 人脸属性 */
// 民族类型
typedef enum tagEM_NATION_TYPE {
    EM_NATION_TYPE_UNKNOWN,     // 未知
    EM_NATION_TYPE_UYGUR,       // 维族(新疆)
    EM_NATION_TYPE_OTHER,       // 其他
    EM_NATION_TYPE_UNIDENTIFIED,// 设备未识别
} EM_NATION_TYPE;
`;

  it("finds a GBK nation enum member in gb18030 at its true byte offset", async () => {
    const bytes = new Uint8Array(iconv.encode(gbkHeader, "gb18030"));
    const memberOffset = iconv.encode(
      gbkHeader.slice(0, gbkHeader.indexOf("EM_NATION_TYPE_UYGUR")),
      "gb18030",
    ).length;
    const commentOffset = iconv.encode(gbkHeader.slice(0, gbkHeader.indexOf("维族(新疆)")), "gb18030").length;
    for (const detections of [scanBytes(bytes, pack), await scanSource(bytes, 7)]) {
      const mine = detections.filter((d) => d.ruleId === "test-nation-uyghur");
      expect(mine.map((d) => [d.messageId, d.offset, d.encoding, d.match])).toEqual([
        ["enum-member", memberOffset + "EM_NATION_TYPE_".length, "gb18030", "UYGUR"],
        ["comment", commentOffset, "gb18030", "维族(新疆)"],
      ]);
      expect(mine[0]!.scope).toEqual({ kind: "enum", name: "EM_NATION_TYPE" });
      expect(mine[0]!.data).toMatchObject({ memberName: "EM_NATION_TYPE_UYGUR", scopeIndex: "1" });
      expect(mine[1]!.matchHex).toBe(Buffer.from(iconv.encode("维族(新疆)", "gb18030")).toString("hex"));
    }
    // The same header in UTF-8 reports utf-8; in Big5 (traditional) the comment is found as Big5.
    expect(scan(gbkHeader, "utf-8", "test-nation-uyghur").map((d) => d.encoding)).toEqual(["utf-8", "utf-8"]);
  });

  it("does not report an ASCII needle that starts inside a double-byte character", () => {
    // 0x81 0x72 is one GBK character whose trail byte is "r": the "race" after it is not the word race.
    const bytes = new Uint8Array([
      ...iconv.encode("人种: ", "gb18030"),
      0x81,
      0x72,
      0x61,
      0x63,
      0x65,
      0x20,
      0x0a,
    ]);
    const bare = scanBytes(bytes, pack).filter((d) => d.ruleId === "test-bare-tokens");
    expect(bare).toEqual([]);
  });

  it("finds a UTF-16LE identifier at offset 70,000 of a 1 MB random blob, exactly once", async () => {
    const blob = seededBytes(1, 1 << 20);
    const identifier = new Uint8Array(iconv.encode("EM_NATION_TYPE_UYGUR", "utf-16le"));
    blob.set(identifier, 70_000);
    const detections = (await scanSource(blob)).filter((d) => d.ruleId === "test-nation-uyghur");
    expect(detections.map((d) => [d.offset, d.length, d.encoding, d.match])).toEqual([
      [70_000 + "EM_NATION_TYPE_".length * 2, 10, "utf-16le", "UYGUR"],
    ]);
    expect(detections[0]!.scope?.kind).toBe("string-table");
    expect(detections[0]!.data["memberName"]).toContain("EM_NATION_TYPE_UYGUR");
  });

  it("keeps the true byte order of a UTF-16LE string whatever random bytes surround it", () => {
    // NUL-terminated, as in a string table (a random letter right after it would make it another word).
    // Seeded: about 1 blob in 30,000 makes both byte orders read as text (a random byte before the string
    // pairs with its first letter into an ideograph), and the reading is then a genuine toss-up.
    const identifier = new Uint8Array(iconv.encode("EM_NATION_TYPE_UYGUR\u0000", "utf-16le"));
    for (let round = 0; round < 200; round++) {
      const blob = seededBytes(1000 + round, 512);
      const at = 100 + (round % 50) * 2 + (round & 1);
      blob.set(identifier, at);
      const found = scanBytes(blob, pack).filter((d) => d.ruleId === "test-nation-uyghur");
      expect(found.map((d) => [d.offset, d.encoding])).toEqual([[at + 30, "utf-16le"]]);
    }
  });

  it("reads UTF-16 text in the right byte order (a BE needle also matches LE text shifted by one)", () => {
    const table = "\u0000age\u0000gender\u0000EM_NATION_TYPE_UYGUR\u0000维族\u0000";
    for (const encoding of ["utf-16le", "utf-16be"] as const) {
      const bytes = new Uint8Array(iconv.encode(`${table}${table}`, encoding));
      const found = scanBytes(bytes, pack).filter((d) => d.ruleId === "test-nation-uyghur");
      expect(new Set(found.map((d) => d.encoding)), encoding).toEqual(new Set([encoding]));
      const expected = iconv.encode(table.slice(0, table.indexOf("UYGUR")), encoding).length;
      expect(found[0]!.offset, encoding).toBe(expected);
      expect(found.map((d) => d.match)).toEqual(["UYGUR", "维族", "UYGUR", "维族"]);
    }
  });

  it("reads ASCII-only UTF-16 in the byte order the artifact starts with (a BOM, or text)", async () => {
    const header = "typedef enum { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;\n";
    const at = header.indexOf("UYGUR") * 2;
    const cases = [
      { bytes: [0xfe, 0xff, ...iconv.encode(header, "utf-16be")], encoding: "utf-16be", offset: 2 + at },
      { bytes: [...iconv.encode(header, "utf-16be")], encoding: "utf-16be", offset: at },
      { bytes: [0xff, 0xfe, ...iconv.encode(header, "utf-16le")], encoding: "utf-16le", offset: 2 + at },
      { bytes: [...iconv.encode(header, "utf-16le")], encoding: "utf-16le", offset: at },
    ] as const;
    for (const { bytes, encoding, offset } of cases) {
      const found = (await scanSource(Uint8Array.from(bytes))).filter(
        (d) => d.ruleId === "test-nation-uyghur",
      );
      expect(
        found.map((d) => [d.encoding, d.offset, d.match]),
        `${encoding} at ${offset}`,
      ).toEqual([[encoding, offset, "UYGUR"]]);
    }
  });

  it("keeps UTF-16LE strings at odd offsets in a binary (a .NET string heap: a length byte, then the text)", async () => {
    const text = iconv.encode("EM_NATION_TYPE_UYGUR", "utf-16le");
    const bytes = Uint8Array.from([
      ...Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"),
      ...new Uint8Array(23),
      text.length + 1,
      ...text,
      0,
      ...new Uint8Array(16),
    ]);
    const found = (await scanSource(bytes)).filter((d) => d.ruleId === "test-nation-uyghur");
    expect(found.map((d) => [d.encoding, d.offset % 2])).toEqual([["utf-16le", 0]]);
  });

  it("binds colour values to the name of their enum", () => {
    const plate = "enum EM_PLATE_COLOR { EM_PLATE_YELLOW, EM_PLATE_BLACK, EM_PLATE_WHITE };";
    const complexion =
      "typedef enum { EM_COMPLEXION_NODISTI, EM_COMPLEXION_YELLOW, EM_COMPLEXION_BLACK } EM_COMPLEXION_TYPE;";
    expect(scan(plate, "utf-8", "test-complexion-colours")).toEqual([]);
    const found = scan(complexion, "utf-8", "test-complexion-colours");
    expect(found.map((d) => [d.match, d.data["scopeIndex"]])).toEqual([
      ["YELLOW", "1"],
      ["BLACK", "2"],
    ]);
  });
});

describe("cost", () => {
  it("rejects millions of substring hits cheaply (trace, destination)", async () => {
    const text = "trace destination condemnation therubyracer \n".repeat(100_000);
    const bytes = new TextEncoder().encode(text);
    const started = performance.now();
    const detections = await scanSource(bytes, 1 << 20);
    const elapsed = performance.now() - started;
    expect(detections).toEqual([]);
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe("encoded blobs", () => {
  it("does not read camel humps inside base64 as tokens", () => {
    const blob =
      "QQFqDgIMAQALIAkhBSAEIApBAWoiCksgEXINAQsLIAogDkkNByASIQQgCiAOTQ0MIAAgASACIAMgCCAFQQMgCiAOaxCmBEEATg0MDAYLIAcgACgCACIJ";
    expect(scan(`const wasm = "${blob.replace("ByASIQ", "ByRaceQ")}";`, "utf-8", "test-bare-tokens")).toEqual(
      [],
    );
    expect(scan("const byRace = 1;", "utf-8", "test-bare-tokens")).toHaveLength(1);
  });
});

describe("big scopes", () => {
  it("finds the struct of a field whose opening brace lies far before the hit", async () => {
    const filler = Array.from({ length: 300 }, (_, k) => `  int nReserved${k};   // 保留字段 ${k}`).join(
      "\n",
    );
    const header = `typedef struct tagNET_FACE_ATTRIBUTE {\n  int nAge;\n  int emSex;\n${filler}\n  BYTE byRace;\n} NET_FACE_ATTRIBUTE;\n`;
    expect(header.indexOf("byRace")).toBeGreaterThan(8000);
    const bytes = new TextEncoder().encode(header);
    const found = (await scanSource(bytes, 4096)).filter((d) => d.ruleId === "test-hik-race");
    expect(found.map((d) => [d.offset, d.scope?.name, d.data["memberName"]])).toEqual([
      [
        new TextEncoder().encode(header.slice(0, header.indexOf("Race"))).length,
        "NET_FACE_ATTRIBUTE",
        "byRace",
      ],
    ]);
  });
});

describe("camel humps inside a term", () => {
  const religion = `
id: test-islam
title: Islam flag
description: A flag for Muslim people, for the camel-hump test.
category: religion
basis: profiling-data
severity: high
confidence: medium
references: ["https://example.org"]
patterns:
  - message: field
    terms: [islam, SkinColor, skincolor]
tests:
  match: [{ text: "bool islam;" }]
  no-match: [{ text: "isLamAlef" }]
`;
  const own = packOf(religion);
  const found = (text: string) => scanBytes(new TextEncoder().encode(text), own).map((d) => d.match);

  it("does not read two words as one term, but accepts the humps a spelling of the term has", () => {
    expect(found("_ZN6icu_7218NGramParser_IBM4209isLamAlefEi")).toEqual([]);
    expect(found("bool isIslam; int ISLAM_FLAG;")).toEqual(["Islam", "ISLAM"]);
    expect(found("DWORD udwSkinColor; NETDEV_SKINCOLOR_TYPE_E; skincolor")).toEqual([
      "SkinColor",
      "SKINCOLOR",
      "skincolor",
    ]);
  });
});

describe("invariants on random input", () => {
  it("never throws, and every detection points at its own bytes", async () => {
    const snippets = [
      "typedef enum tagEM_NATION_TYPE { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR } EM_NATION_TYPE;",
      "struct NET_VCA_HUMAN_FEATURE { BYTE byAgeGroup; BYTE bySex; BYTE byRace; };",
      "// 维族(新疆) 人种: 1-亚洲人 2-黑人",
      "enum EM_COMPLEXION_TYPE { EM_COMPLEXION_YELLOW, EM_COMPLEXION_BLACK };",
    ];
    const encodings = ["utf-8", "utf-16le", "utf-16be", "gb18030"] as const;
    let total = 0;
    for (let round = 0; round < 60; round++) {
      const parts: Uint8Array[] = [];
      for (let k = 0; k < 6; k++) {
        parts.push(seededBytes(round * 8 + k, 1 + ((round * 7 + k * 13) % 300)));
        const snippet = snippets[(round + k) % snippets.length]!;
        parts.push(new Uint8Array(iconv.encode(snippet, encodings[(round + k) % encodings.length]!)));
      }
      const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
      const detections = await scanSource(bytes, 97 + round);
      expect(detections).toEqual(scanBytes(bytes, pack));
      total += detections.length;
      for (const d of detections) {
        expect(d.offset + d.length).toBeLessThanOrEqual(bytes.length);
        expect(d.matchHex).toBe(Buffer.from(bytes.subarray(d.offset, d.offset + d.length)).toString("hex"));
        expect(d.excerpt.slice(...d.excerptMatch)).toBe(d.match);
        expect(d.excerpt.length).toBeLessThan(500);
      }
    }
    expect(total).toBeGreaterThan(60);
  });
});

describe("memberName cap", () => {
  it("keeps short names and cuts long ones (a function body in a bundle) at MEMBER_NAME_MAX code points", () => {
    expect(capMemberName("emNation")).toBe("emNation");
    const exact = "x".repeat(MEMBER_NAME_MAX);
    expect(capMemberName(exact)).toBe(exact);
    const body = "function(){" + "民族=a+b;".repeat(100) + "}";
    const capped = capMemberName(body);
    expect(Array.from(capped)).toHaveLength(MEMBER_NAME_MAX);
    expect(capped.endsWith("…")).toBe(true);
    expect(body.startsWith(capped.slice(0, -1))).toBe(true);
  });
});

describe("leadingByteOrder", () => {
  it("reads a byte order mark or plain text, and nothing from a binary header", () => {
    expect(leadingByteOrder(Uint8Array.of(0xfe, 0xff, 0x4e, 0x8a))).toBe("utf-16be");
    expect(leadingByteOrder(Uint8Array.of(0xff, 0xfe, 0x8a, 0x4e))).toBe("utf-16le");
    expect(leadingByteOrder(new Uint8Array(iconv.encode("#define X 1\r\n", "utf-16be")))).toBe("utf-16be");
    expect(leadingByteOrder(new Uint8Array(iconv.encode("#define X 1\r\n", "utf-16le")))).toBe("utf-16le");
    expect(leadingByteOrder(new Uint8Array(32))).toBeUndefined();
    expect(leadingByteOrder(Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00", "latin1"))).toBeUndefined();
    expect(leadingByteOrder(Buffer.from("plain ASCII text", "latin1"))).toBeUndefined();
    expect(leadingByteOrder(Uint8Array.of(0x41))).toBeUndefined();
  });
});

describe("textRun", () => {
  it("finds the run a fresh scan finds, for hits in any order over one remembered stretch", () => {
    const next = seededIntegers(5);
    const textLike = (byte: number) =>
      byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x1b;
    for (let round = 0; round < 30; round++) {
      // Mostly text with a few control bytes, so that runs are long and hits fall in the same ones.
      const bytes = Uint8Array.from({ length: 200 + next(600) }, () =>
        next(5) === 0 ? next(32) : 0x20 + next(0xe0),
      );
      const base = next(1000);
      const stretch: Stretch = { bytes, base, size: base + bytes.length + next(50) };
      for (let query = 0; query < 40; query++) {
        const start = base + next(bytes.length);
        const end = Math.min(base + bytes.length, start + 1 + next(8));
        const limit = [4, 16, 64, 256][next(4)]!;
        let from = start - base;
        while (from > Math.max(0, start - base - limit) && textLike(bytes[from - 1]!)) from--;
        let to = end - base;
        while (to < Math.min(bytes.length, end - base + limit) && textLike(bytes[to]!)) to++;
        expect(textRun(stretch, start, end, limit)).toEqual({ from: from + base, to: to + base });
      }
    }
  });
});

describe("word lists", () => {
  // Common characters, none of them a term: a stand-in for a segmenter's dictionary.
  const filler =
    "发冠发含齿圆履方在天天履地头识脸奧辛好孝帽手镯月月披星桂冠漪牢盆望天眼着紧绿帽罪图功罪立功震面具高乐高帽儿";

  it("takes a CJK term inside an unbroken run of CJK letters for a word list", () => {
    const text = `${filler.slice(0, 30)}维吾尔族${filler.slice(0, 30)}`;
    const start = text.indexOf("维吾尔族");
    expect(insideWordList(text, start, start + 4)).toBe(true);
  });

  it("counts the run on both sides, up to the threshold and no further", () => {
    const half = WORD_LIST_RUN / 2;
    const at = (before: number, after: number) => {
      const text = `x${filler.slice(0, before)}维族${filler.slice(0, after)}x`;
      return insideWordList(text, before + 1, before + 3);
    };
    expect(at(half, half)).toBe(true);
    expect(at(half, half - 1)).toBe(false);
    expect(at(WORD_LIST_RUN, 0)).toBe(true);
    expect(at(0, WORD_LIST_RUN - 1)).toBe(false);
  });

  it("stops the run at punctuation, spaces and NULs", () => {
    for (const separator of ["，", "。", "、", " ", "\0", "\n", "A"]) {
      const text = `${filler.slice(0, 30)}${separator}维族${separator}${filler.slice(0, 30)}`;
      const start = text.indexOf("维族");
      expect(insideWordList(text, start, start + 2), JSON.stringify(separator)).toBe(false);
    }
  });

  it("does not take ASCII text read as UTF-16 for a word list", () => {
    // A UTF-16LE term placed inside an ASCII string table: around it, ASCII pairs read as ideographs.
    const bytes = Buffer.concat([
      Buffer.from("ALARM_EVENT_while_CH_GetDevConfig_unsignedNET_DVR_GetDVRConfig_whileXX"),
      Buffer.from("维族", "utf16le"),
      Buffer.from("ALARM_EVENT_while_CH_GetDevConfig_unsignedNET_DVR_GetDVRConfig_whileXX"),
    ]);
    const text = bytes.toString("utf16le");
    const start = text.indexOf("维族");
    expect(start).toBeGreaterThan(WORD_LIST_RUN / 2);
    expect(insideWordList(text, start, start + 2)).toBe(false);
    // The same with NULs among the ASCII (a NUL-separated string table, where the bench corpus plants its
    // needles): NUL and a letter read as one ideograph (0x4100 is 䄀).
    const table = Buffer.from("\0AbCdE".repeat(20));
    const nul = Buffer.concat([table, Buffer.from("少数民族", "utf16le"), table]).toString("utf16le");
    const at = nul.indexOf("少数民族");
    expect(at).toBeGreaterThan(WORD_LIST_RUN / 2);
    expect(insideWordList(nul, at, at + 4)).toBe(false);
  });

  it("finds no term in a dictionary, and still finds it in prose", () => {
    const list = `${filler}维族${filler}`;
    expect(scan(list, "utf-16le", "test-nation-uyghur")).toEqual([]);
    expect(scan(list, "gb18030", "test-nation-uyghur")).toEqual([]);
    const prose = `民族属性：汉族、维族、回族。${filler}`;
    expect(scan(prose, "gb18030", "test-nation-uyghur")).toHaveLength(1);
    expect(scan(prose, "utf-16le", "test-nation-uyghur")).toHaveLength(1);
  });
});

describe("lexicon lines", () => {
  const at = (line: string, term: string) => {
    const start = line.indexOf(term);
    return lexiconLine(line, start, start + term.length);
  };

  it("takes a line with an emoji (a CLDR annotation) for emoji data", () => {
    expect(at('\t\t<annotation cp="🏼">膚色 | 黃皮膚</annotation>', "黃皮膚")).toBe("emoji data");
    expect(at('<annotation cp="🧕">headscarf | hijab | woman with headscarf</annotation>', "hijab")).toBe(
      "emoji data",
    );
  });

  it("takes an emoji escape or short code for emoji data, and not C++ scopes", () => {
    expect(
      at('<block-list:block block-list:abbreviated-name=":hijab:" block-list:name="&#x1F9D5;"/>', "hijab"),
    ).toBe("emoji data");
    expect(at("shortcodes: { woman_with_headscarf: 1 }", "headscarf")).toBeUndefined();
    const line = "alias :woman_with_headscarf: for the picker";
    expect(at(line, "headscarf")).toBe("emoji data");
    expect(at("enum class Person::Race::Black { };", "Race")).toBeUndefined();
    expect(at("x ? a:race:b", "race")).toBeUndefined();
  });

  it("looks for an emoji up to 160 code units from the hit, its second half possibly just past them", () => {
    const term = "黃皮膚";
    // The emoji's first unit 159 or 160 units past the hit's end, or 160 or 161 units before its start.
    expect(at(`${term}${"x".repeat(159)}🏼 tail`, term)).toBe("emoji data");
    expect(at(`${term}${"x".repeat(160)}🏼 tail`, term)).toBeUndefined();
    expect(at(`head 🏼${"x".repeat(158)}${term}`, term)).toBe("emoji data");
    expect(at(`head 🏼${"x".repeat(159)}${term}`, term)).toBeUndefined();
  });

  it("does not take a lone surrogate (binary read as UTF-16) for an emoji", () => {
    expect(at("\ud83dEM_RACE_TYPE_BLACK\0EM_RACE_TYPE_WHITE", "RACE")).toBeUndefined();
  });

  it("takes a WordNet synset line for a dictionary, from its start only", () => {
    const synset = "09636890 18 n 03 Black_race 0 Negroid_race 0 002 @ 07967982 n 0000 | a dark-skinned race";
    expect(at(synset, "Black_race")).toBe("a WordNet dictionary");
    expect(at(`x ${synset}`, "Black_race")).toBeUndefined();
    expect(at(`typedef enum { RACE_BLACK, RACE_WHITE } EM_RACE_TYPE;`, "RACE_BLACK")).toBeUndefined();
    // ImageNet's class lists use WordNet's ids.
    expect(at("n03520493\ta headscarf worn by Muslim women; usually has a face veil", "headscarf")).toBe(
      "a WordNet dictionary",
    );
    expect(at("n03520493 hijab", "hijab")).toBeUndefined();
  });

  it("takes an ARFF column for a dataset schema", () => {
    const column = "@attribute race: {White,Asian-Pac-Islander,Amer-Indian-Eskimo,Other,Black}";
    expect(at(column, "White")).toBe("a dataset schema (ARFF)");
    expect(at(`% ${column}`, "White")).toBeUndefined();
  });
});

describe("the search for lexicon letters near a hit", () => {
  it("answers as a search of the whole slice would, however slices follow each other", () => {
    // Characters every branch of LEXICON_NEAR turns on: letters and tone numbers, capitals, digits, spaces,
    // breaks, a CJK letter, and characters that are none of these.
    const alphabet = [
      "a",
      "z",
      "ü",
      "1",
      "6",
      "7",
      "\n",
      "\0",
      "\r",
      " ",
      "\t",
      "A",
      "Z",
      "0",
      "-",
      "中",
      "x",
      ".",
      "B",
    ];
    const next = seededIntegers(20261129);
    // Mostly letters that match nothing, so that most slices are empty and the memo is used.
    const word = () =>
      next(5) === 0
        ? alphabet[next(alphabet.length)]!
        : (["A", "B", " ", "-", "x", ".", "a", "7", "\n"] as const)[next(9)]!;
    let checked = 0;
    let empty = 0;
    for (let round = 0; round < 200; round++) {
      const texts = [0, 1].map(() => Array.from({ length: 200 + next(400) }, word).join(""));
      // A copy with the same characters in another string.
      texts.push(texts[0]!.split("").join(""));
      let from = next(50);
      let to = from + next(100);
      for (let query = 0; query < 60; query++) {
        const text = texts[next(8) === 0 ? next(texts.length) : 0]!;
        switch (next(5)) {
          case 0: // a new slice anywhere
            from = next(text.length);
            to = from + next(text.length - from + 1);
            break;
          case 1: // inside the last one
            from += next(Math.max(1, to - from));
            to -= next(Math.max(1, to - from));
            break;
          default: // further on, overlapping (the next hit)
            from += next(40);
            to += next(40);
        }
        from = Math.min(from, text.length);
        to = Math.max(from, Math.min(to, text.length));
        const expected = LEXICON_NEAR.test(text.slice(from, to));
        expect(lexiconNear(text, from, to), JSON.stringify(text.slice(from, to))).toBe(expected);
        checked++;
        if (!expected) empty++;
      }
    }
    expect(checked).toBe(12_000);
    // Both answers came up often.
    expect(empty).toBeGreaterThan(3000);
    expect(checked - empty).toBeGreaterThan(3000);
  });

  it("finds a syllable with its tone at the end of a slice inside an empty one, and names that reach past it", () => {
    const text = "xx ba2 xx\nFOO BAR\nxx";
    // The whole text holds a syllable (followed by a space) and a character name.
    expect(lexiconNear(text, 0, 7)).toBe(true);
    expect(lexiconNear(text, 0, 5)).toBe(false);
    // "ba2" is a syllable with its tone only where the slice ends right after it.
    expect(lexiconNear(text, 0, 6)).toBe(true);
    expect(lexiconNear(text, 7, 16)).toBe(false);
    // The name's closing break lies past the empty slice, its opening one inside it.
    expect(lexiconNear(text, 8, 18)).toBe(true);
  });
});

describe("dictionary entries", () => {
  const at = (text: string, term: string) => {
    const start = text.indexOf(term);
    return dictionaryEntry(text, start, start + term.length);
  };
  // Words that begin with 黃 (yellow), as a dictionary sorts them; one of them is a term.
  const yellow = [
    "黃山",
    "黃土",
    "黃瓜",
    "黃牛",
    "黃石",
    "黃色",
    "黃色人種",
    "黃金",
    "黃昏",
    "黃河",
    "黃油",
    "黃豆",
  ];
  const more = ["黃酒", "黃鶯", "黃花", "黃梅", "黃疸"];
  const words = [...yellow, ...more];

  it("takes an entry among entries sorted by their first letter for a sorted dictionary", () => {
    // A compiled word list (NUL-separated), an input method's table, a segmenter's dictionary.
    expect(at(`\0${words.join("\0")}\0`, "黃色人種")).toBe("a sorted dictionary");
    expect(at(words.map((word, k) => `${word}\tcode${k}\t${100 + k}`).join("\n"), "黃色人種")).toBe(
      "a sorted dictionary",
    );
    expect(at(words.map((word, k) => `${word} ${k + 2} n`).join("\r\n"), "黃色人種")).toBe(
      "a sorted dictionary",
    );
    // A Korean-Hanja dictionary: the Hangul reading first, the term after it.
    const hanja = [
      "흑인",
      "흑인가",
      "흑인성",
      "흑인영가",
      "흑인음악",
      "흑인종",
      "흑인향상",
      "흑일도",
      "흑임자",
    ];
    const lines = [...hanja, ...hanja.map((word) => `${word}가`)].map((word) => `${word}:黑人:`);
    lines[8] = "흑인종:黑人種:";
    expect(at(lines.join("\n"), "黑人種")).toBe("a sorted dictionary");
  });

  it("still takes it where the term's entry starts a new letter", () => {
    const text = [
      ...["黄山", "黄土", "黄瓜", "黄牛", "黄石", "黄河", "黄油", "黄豆"],
      ...["黑人", "黑色", "黑人种"],
    ]
      .concat(["黑板", "黑夜", "黑暗", "黑白", "黑龙江", "黑客"])
      .join("\0");
    expect(at(text, "黑人种")).toBe("a sorted dictionary");
  });

  it("takes an entry among readings in romanization for a romanized dictionary", () => {
    // A character database: reading, Cantonese reading, pinyin, definition, each NUL-terminated.
    const records = [
      ["kiu5", "qiāo", "numerous; a crowd"],
      ["bei3 maa6 maat6", "bǐ", "to split tangled hemp"],
      ["zing4", "yàng", "to look pale or pallid (of the facial complexion)"],
      ["dap6", "dá", "durable and solid leather"],
      ["bik1 ngou4", "áo", "dry and decayed"],
      ["hok6 hon3", "xué", "a kind of bird"],
      ["caak3", "chè", "cracks; creases; wrinkles"],
      ["baa1 baat6", "bā", "a scar; a birthmark"],
    ];
    const text = records.flat().join("\0");
    expect(at(text, "facial complexion")).toBe("a romanized dictionary");
    // An input method's table with numbered tones.
    const table = ["黃腔\thuang2 qiang1\t431", "黃臉\thuang2 lian3\t464", "黃色\thuang2 se4\t4105"];
    const other = ["民族\tmin2 zu2\t900", "人種\tren2 zhong3\t300", "種族\tzhong3 zu2\t500"];
    const rows = [...table, ...table, ...table, ...other, ...table, ...table];
    expect(at(rows.join("\n"), "人種")).toBe("a romanized dictionary");
  });

  it("leaves class labels, string tables, datasheets and code alone", () => {
    // Labels and a camera client's UI strings do not sort by their first letter.
    const labels = [
      "黄种人",
      "白种人",
      "黑种人",
      "棕种人",
      "男",
      "女",
      "戴眼镜",
      "不戴眼镜",
      "戴帽子",
      "不戴帽子",
    ];
    expect(at(labels.concat(labels).join("\0"), "黄种人")).toBeUndefined();
    expect(at(labels.concat(labels).join("\n"), "白种人")).toBeUndefined();
    const ui = [
      "人脸检测",
      "人体检测",
      "车辆检测",
      "民族",
      "汉族",
      "维族",
      "肤色",
      "黄",
      "白",
      "黑",
      "年龄",
      "性别",
    ];
    expect(at(ui.concat(ui).join("\0"), "维族")).toBeUndefined();
    // A datasheet's feature list: every line begins with 支持 ("supports"), with phrases, not words.
    const features = [
      "人脸抓拍",
      "人脸比对",
      "人体属性识别",
      "民族识别",
      "肤色识别",
      "车牌识别",
      "口罩检测",
      "安全帽检测",
    ];
    const sheet = features.concat(features, features).map((feature) => `支持${feature}功能`);
    expect(at(sheet.join("\n"), "民族识别")).toBeUndefined();
    // An enum and its comments.
    const header = ["EM_RACE_UNKNOWN, // 未知", "EM_RACE_YELLOW, // 黄种人", "EM_RACE_BLACK, // 黑人"];
    expect(at(Array(6).fill(header).flat().join("\n"), "黄种人")).toBeUndefined();
    // Lines that name hash functions and protocol versions are no readings.
    const proto = ["md5", "sha1", "ipv4", "ipv6", "RACE_TYPE", "sha256", "utf8", "h264", "mp4", "x86"];
    expect(at(proto.concat(proto).join("\n"), "RACE_TYPE")).toBeUndefined();
  });

  it("takes an entry among Unicode character names for such a list, and not identifiers or labels", () => {
    const names = ["SAUROPOD", "T-REX", "CRICKET", "FACE WITH MONOCLE", "OLDER ADULT", "BEARDED PERSON"];
    const more = [
      "PERSON IN STEAMY ROOM",
      "PERSON CLIMBING",
      "PERSON IN LOTUS POSITION",
      "MAGE",
      "FAIRY",
      "VAMPIRE",
    ];
    const list = [...names, ...names, "PERSON WITH HEADSCARF", ...more, ...more];
    expect(at(list.join("\0"), "HEADSCARF")).toBe("a list of Unicode character names");
    // Keyed by code point, one per line (as Perl's unicore/Name.pl lists them).
    const keyed = list.flatMap((name, k) => [(0x1f9c0 + k).toString(16).toUpperCase(), name, ""]).join("\n");
    expect(at(keyed, "HEADSCARF")).toBe("a list of Unicode character names");
    // An SDK's identifiers and a camera's on-screen labels are not names in that form.
    const ids = list.map((name) => name.replace(/[ -]/gu, "_"));
    expect(at(ids.join("\0"), "HEADSCARF")).toBeUndefined();
    const osd = [
      "FACE",
      "HEADSCARF",
      "GLASSES",
      "MASK",
      "HAT",
      "BEARD",
      "AGE",
      "GENDER",
      "SKIN COLOR",
      "RACE",
    ];
    expect(at(osd.concat(osd).join("\0"), "RACE")).toBeUndefined();
  });

  it("needs enough entries around the hit", () => {
    expect(at(words.slice(0, 8).join("\0"), "黃色人種")).toBeUndefined();
    expect(at(`${"x".repeat(400)}${words.join("\0")}`, "黃山")).toBeUndefined();
  });

  it("finds no term in a dictionary, and still finds it in a list of ethnic groups", () => {
    const wei = [
      "维也纳",
      "维修",
      "维和",
      "维持",
      "维护",
      "维新",
      "维族",
      "维权",
      "维生素",
      "维稳",
      "维系",
      "维度",
      "维基",
    ];
    const dictionary = `${wei.concat(wei.slice(0, 6)).join("\0")}\0`;
    expect(scan(dictionary, "utf-8", "test-nation-uyghur")).toEqual([]);
    expect(scan(dictionary, "utf-16le", "test-nation-uyghur")).toEqual([]);
    const groups = [
      "民族",
      "汉族",
      "蒙古族",
      "回族",
      "藏族",
      "维族",
      "苗族",
      "彝族",
      "壮族",
      "布依族",
      "朝鲜族",
      "满族",
    ];
    expect(scan(groups.concat(groups).join("\0"), "utf-8", "test-nation-uyghur").length).toBeGreaterThan(0);
  });
});
