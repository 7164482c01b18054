import { describe, expect, it } from "vitest";
import { seededIntegers } from "../../test/random.js";
import { classify, CODE, lex } from "./lexer.js";
import {
  blankLines,
  findScope,
  isBlankLineAfter,
  isBlankLineBefore,
  matchBrackets,
  prepareScopeContext,
  type Scope,
} from "./scope-finder.js";

/** The scope around the `occurrence`-th appearance of `needle` in `text`. */
function scopeAt(text: string, needle: string, occurrence = 0): Scope {
  let at = -1;
  for (let k = 0; k <= occurrence; k++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`${needle} not found`);
  return findScope(prepareScopeContext(text), at);
}

describe("scope finder", () => {
  it("C: typedef enum, name from the typedef, member position, trailing comment", () => {
    const text = [
      "#include <stdio.h>",
      "typedef enum tagEM_NATION_TYPE {",
      "    EM_NATION_TYPE_UNKNOWN,  // 未知",
      "    EM_NATION_TYPE_UYGUR,    // 维族(新疆)",
      "    EM_NATION_TYPE_OTHER,    // 其他",
      "} EM_NATION_TYPE;",
    ].join("\n");
    const member = scopeAt(text, "UYGUR");
    expect(member).toMatchObject({ kind: "enum", name: "EM_NATION_TYPE", aliases: ["tagEM_NATION_TYPE"] });
    expect(member).toMatchObject({ memberIndex: 1, memberName: "EM_NATION_TYPE_UYGUR", inComment: false });
    expect(member.members).toEqual([
      "EM_NATION_TYPE_UNKNOWN",
      "EM_NATION_TYPE_UYGUR",
      "EM_NATION_TYPE_OTHER",
    ]);
    const comment = scopeAt(text, "维族");
    expect(comment).toMatchObject({ kind: "enum", memberName: "EM_NATION_TYPE_UYGUR", inComment: true });
  });

  it("C: struct fields, nested in a function-free header", () => {
    const text = `typedef struct tagNET_VCA_HUMAN_FEATURE {
  BYTE byAgeGroup;   //年龄段
  BYTE bySex;        //性别
  BYTE byRace;       //人种: 0-不支持 1-亚洲人 2-黑人 3-白人
  BYTE byRes[29];
} NET_VCA_HUMAN_FEATURE, *LPNET_VCA_HUMAN_FEATURE;`;
    const scope = scopeAt(text, "byRace");
    expect(scope).toMatchObject({
      kind: "struct",
      name: "NET_VCA_HUMAN_FEATURE",
      memberName: "byRace",
      memberIndex: 2,
    });
    expect(scope.members).toEqual(["byAgeGroup", "bySex", "byRace", "byRes"]);
    expect(scopeAt(text, "人种")).toMatchObject({ kind: "struct", memberName: "byRace", inComment: true });
  });

  it("C#: enum with attributes and a class with properties", () => {
    const text = `namespace Sdk {
  public enum EM_RACE_TYPE { [Description("未知")] UNKNOWN = 0, NODISTI, YELLOW, BLACK, WHITE }
  public class FaceAttributes {
    public int Age { get; set; }
    public string Race { get; set; }
  }
}`;
    expect(scopeAt(text, "YELLOW")).toMatchObject({ kind: "enum", name: "EM_RACE_TYPE", memberIndex: 2 });
    expect(scopeAt(text, "Race {")).toMatchObject({ kind: "class", name: "FaceAttributes" });
  });

  it("Java: enum and class fields", () => {
    const text = `public class NetSdk {
  public static class NET_FACE_INFO extends Structure {
    public int emSex;
    public int emNation;
    public int nAge;
  }
  public enum EM_COMPLEXION_TYPE { EM_COMPLEXION_NODISTI, EM_COMPLEXION_YELLOW, EM_COMPLEXION_BLACK }
}`;
    expect(scopeAt(text, "emNation")).toMatchObject({
      kind: "class",
      name: "NET_FACE_INFO",
      memberName: "emNation",
    });
    expect(scopeAt(text, "YELLOW")).toMatchObject({
      kind: "enum",
      name: "EM_COMPLEXION_TYPE",
      memberIndex: 1,
    });
  });

  it("Go: struct with tags and a const block", () => {
    const text = `package sdk

type FaceAttribute struct {
	Age    int    \`json:"age"\`
	Race   string \`json:"race"\`
}

const (
	NationUnknown NationType = iota
	NationUygur
)
`;
    expect(scopeAt(text, "Race")).toMatchObject({
      kind: "struct",
      name: "FaceAttribute",
      memberName: "Race",
      memberIndex: 1,
    });
    expect(scopeAt(text, "NationUygur")).toMatchObject({
      kind: "enum",
      memberName: "NationUygur",
      memberIndex: 1,
    });
  });

  it("Python: Enum class, ctypes _fields_ and a tuple argument", () => {
    const text = `from enum import IntEnum
class EM_NATION_TYPE(IntEnum):
    UNKNOWN = 0
    UYGUR = 1

class NET_FACE_INFO(Structure):
    _fields_ = [
        ("emSex", C_ENUM),
        ("emNation", C_ENUM),
    ]

result = DeepFace.analyze(img, actions=("age", "gender", "race"))
`;
    expect(scopeAt(text, "UYGUR")).toMatchObject({
      kind: "enum",
      name: "EM_NATION_TYPE",
      memberName: "UYGUR",
      memberIndex: 1,
    });
    expect(scopeAt(text, "emNation")).toMatchObject({
      kind: "struct",
      name: "NET_FACE_INFO",
      memberName: "emNation",
    });
    expect(scopeAt(text, "race")).toMatchObject({
      kind: "list",
      name: "actions",
      memberName: "race",
      memberIndex: 2,
    });
  });

  it("JS/TS and JSON: objects and arrays named by their key", () => {
    const ts = `export interface FaceAttributes { age: number; gender: string; ethnicity: string }
const params = { return_attributes: "gender,age,ethnicity", api_key: key };
const fields = ["age", "beauty", "race"];`;
    expect(scopeAt(ts, "ethnicity")).toMatchObject({
      kind: "struct",
      name: "FaceAttributes",
      memberName: "ethnicity",
    });
    expect(scopeAt(ts, "ethnicity", 1)).toMatchObject({
      kind: "object",
      name: "params",
      memberName: "return_attributes",
    });
    expect(scopeAt(ts, "race")).toMatchObject({ kind: "list", name: "fields", memberIndex: 2 });
    const json = `{"faces": [{"attributes": {"gender": "male", "race": "asian", "age": 30}}]}`;
    expect(scopeAt(json, "race")).toMatchObject({
      kind: "object",
      name: "attributes",
      memberName: "race",
      memberIndex: 1,
    });
  });

  it("PHP: array() and class properties", () => {
    const php = `<?php
$options = array('face_field' => 'age,beauty,race', 'max_face_num' => 1);
class Face { public $race; public $age; }`;
    expect(scopeAt(php, "race")).toMatchObject({ kind: "list", name: "options" });
    expect(scopeAt(php, "race", 1)).toMatchObject({ kind: "class", name: "Face", memberName: "race" });
  });

  it("comments outside structures, HTML/Markdown paragraphs, function bodies are looked through", () => {
    const c = `/*
 * 人种识别接口
 * 返回 0-亚洲人
 */
int GetFace(void) {
    int race = 0;
    return race;
}`;
    expect(scopeAt(c, "人种")).toMatchObject({ kind: "comment", inComment: true });
    expect(scopeAt(c, "人种").name).toContain("人种识别接口");
    expect(scopeAt(c, "race")).toMatchObject({ kind: "text" });
    const md = `# Face API\n\nThe response includes age and gender.\n\nSet face_field to race to get the race of each face.\n`;
    const paragraph = scopeAt(md, "race");
    expect(paragraph.kind).toBe("text");
    expect(md.slice(paragraph.start, paragraph.end)).toBe(
      "Set face_field to race to get the race of each face.",
    );
  });

  it("HTML: comments and page text", () => {
    const html = `<html><body>
<!-- 人脸属性: 人种 -->
<table><tr><td>face_field</td><td>age,gender,race</td></tr></table>
</body></html>`;
    expect(scopeAt(html, "人种")).toMatchObject({ kind: "comment", inComment: true });
    const cell = scopeAt(html, "race");
    expect(cell.kind).toBe("text");
    expect(html.slice(cell.start, cell.end)).toContain("face_field");
  });

  it("binary: the run of strings around the hit", () => {
    const text =
      "\u0001\u0002\u0000\u00ff\u0007age\u0000gender\u0000race\u0000glasses\u0000\u0003\u0005\u0000\u0000";
    const scope = scopeAt(text, "race");
    expect(scope.kind).toBe("string-table");
    expect(scope.members).toEqual(["age", "gender", "race", "glasses"]);
    expect(scope.memberIndex).toBe(2);
  });
});

describe("text records", () => {
  it("reads a long block of delimited records line by line, and keeps markup and prose whole", () => {
    const rows = Array.from({ length: 40 }, (_, k) => `pkg-${k}\t1.0\tA tool number ${k} for face tracking`);
    rows[20] = "veil-privacy\t1.0.5\tPrivacy tooling";
    const text = rows.join("\n");
    const scope = findScope(prepareScopeContext(text), text.indexOf("veil"));
    expect(scope.kind).toBe("text");
    expect(text.slice(scope.start, scope.end)).toBe(rows[20]);
    const entries = Array.from({ length: 30 }, (_, k) => `    "emoji_${k}_face": "x",`);
    entries[15] = '    "writing_hand_dark_skin_tone": "y",';
    const dictionary = entries.join("\n");
    const entry = findScope(prepareScopeContext(dictionary), dictionary.indexOf("skin"));
    expect(dictionary.slice(entry.start, entry.end)).toBe(entries[15].trim());
    const xml = Array.from({ length: 30 }, (_, k) => `<fc:Item${k}>${k}</fc:Item${k}>`).join("\n");
    const element = findScope(prepareScopeContext(xml), xml.indexOf("Item15"));
    expect(xml.slice(element.start, element.end)).toBe(xml);
  });
});

describe("matchBrackets", () => {
  /** The scans the table replaces: forward from an opener, backward from a position. */
  function scanClose(text: string, classes: Uint8Array, open: number): number {
    let depth = 0;
    for (let at = open; at < text.length; at++) {
      if (classes[at] !== CODE) continue;
      if ("{[(".includes(text.charAt(at))) depth++;
      else if ("}])".includes(text.charAt(at)) && --depth === 0) return at;
    }
    return text.length;
  }
  function scanEnclosing(text: string, classes: Uint8Array, index: number): number {
    let depth = 0;
    for (let at = index - 1; at >= 0; at--) {
      if (classes[at] !== CODE) continue;
      if ("}])".includes(text.charAt(at))) depth++;
      else if ("{[(".includes(text.charAt(at))) {
        if (depth === 0) return at;
        depth--;
      }
    }
    return -1;
  }

  function scanUnmatched(text: string, classes: Uint8Array, index: number): number {
    let depth = 0;
    let unmatched = 0;
    for (let at = index; at < text.length; at++) {
      if (classes[at] !== CODE) continue;
      if ("{[(".includes(text.charAt(at))) depth++;
      else if ("}])".includes(text.charAt(at)) && --depth < 0) {
        unmatched++;
        depth = 0;
      }
    }
    return unmatched;
  }

  it("agrees with scanning on unbalanced code with comments and strings", () => {
    const pieces = ["{", "}", "[", "]", "(", ")", "x", " ", "/* ( */", '"]"', "// {\n", "\n"];
    let state = 7;
    for (let round = 0; round < 200; round++) {
      let text = "";
      for (let k = 0; k < 40; k++) {
        state = (state * 1103515245 + 12345) >>> 0;
        text += pieces[(state >>> 8) % pieces.length]!;
      }
      const classes = classify(text);
      const brackets = matchBrackets(text.length, lex(text).brackets, text);
      for (let index = 0; index <= text.length; index++) {
        expect(brackets.enclosing(index)).toBe(scanEnclosing(text, classes, index));
        if (index < text.length && classes[index] === CODE && "{[(".includes(text.charAt(index)))
          expect(brackets.closer(index)).toBe(scanClose(text, classes, index));
        expect(brackets.unmatchedClosersFrom(index)).toBe(scanUnmatched(text, classes, index));
      }
    }
  });
});

describe("blankLines", () => {
  it("lists exactly the positions where isBlankLineBefore and isBlankLineAfter hold", () => {
    const next = seededIntegers(11);
    const alphabet = ["\n", "\n", " ", "\t", "\r", "a", "{"];
    for (let round = 0; round < 200; round++) {
      let text = "";
      const length = next(60);
      for (let k = 0; k < length; k++) text += alphabet[next(alphabet.length)]!;
      const positions = Array.from({ length: text.length + 1 }, (_, at) => at);
      expect(blankLines(text)).toEqual({
        after: positions.filter((at) => isBlankLineBefore(text, at)),
        before: positions.filter((at) => isBlankLineAfter(text, at)),
      });
    }
  });

  it("gives every hit of a long text the paragraph a search from the hit finds", () => {
    const block = (lines: number, width: number) =>
      Array.from({ length: lines }, (_, k) => `line ${k} ${"word ".repeat(width)}`).join("\n");
    const mixed = Array.from({ length: 16 }, (_, k) => (k % 2 === 0 ? "a\tb\tc" : "plain words")).join("\n");
    const text = [block(3, 2), block(20, 3), mixed, '\t"key": 1,\n'.repeat(30), block(5, 40)].join("\n \n");
    const context = prepareScopeContext(text);
    for (let at = 0; at < text.length; at += 7) {
      const scope = findScope(context, at);
      expect(scope).toEqual(findScope(prepareScopeContext(text), at));
    }
  });
});
