import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { looksLikeRtf, rtfToText } from "../../src/extract/rtf-extractor.js";
import { tempFolder } from "../helpers.js";

/** Text as RTF writes bytes of its code page: \'hh each. */
const hex = (text: string, encoding: string): string =>
  [...iconv.encode(text, encoding)].map((byte) => `\\'${byte.toString(16)}`).join("");
/** Text as Word writes it: \uN (signed 16-bit) and a fallback character. */
const unicode = (text: string): string =>
  Array.from({ length: text.length }, (_, index) => {
    // One \u per UTF-16 code unit, as Word writes a surrogate pair.
    const code = text.charCodeAt(index);
    return `\\u${code > 0x7fff ? code - 0x10000 : code}?`;
  }).join("");

describe("looksLikeRtf", () => {
  it("takes what begins {\\rtf, after a byte order mark too", () => {
    expect(looksLikeRtf(Buffer.from("{\\rtf1\\ansi hello}"))).toBe(true);
    expect(looksLikeRtf(Buffer.from("\ufeff{\\rtf1\\ansi hello}"))).toBe(true);
    expect(looksLikeRtf(Buffer.from(" {\\rtf1"))).toBe(false);
    expect(looksLikeRtf(Buffer.from("{\\rt"))).toBe(false);
  });
});

describe("rtfToText", () => {
  it("decodes \\'hh in the document's code page and \\uN with its fallback", () => {
    const rtf = `{\\rtf1\\ansi\\ansicpg936 ${hex("民族", "gbk")}\\par ${unicode("维吾尔族")}\\par}`;
    expect(rtfToText(rtf)).toBe("民族\n维吾尔族\n");
  });

  it("skips \\ucN fallback characters, whether bytes or letters", () => {
    expect(rtfToText(`{\\rtf1\\uc2\\u27665\\'c3\\'f1\\u26063 xy!}`)).toBe("民族!");
    expect(rtfToText(`{\\rtf1\\uc0\\u27665\\u26063}`)).toBe("民族");
  });

  it("takes Big5 or GBK from the fonts when the header keeps the Western code page", () => {
    const big5 = `{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0\\fcharset136 x;}}${hex("膚色", "big5")}}`;
    expect(rtfToText(big5)).toBe("膚色");
    const gbk = `{\\rtf1\\ansi{\\fonttbl{\\f0\\fcharset134 x;}}${hex("肤色", "gbk")}}`;
    expect(rtfToText(gbk)).toBe("肤色");
  });

  it("drops tables, pictures, binary data and unknown \\* destinations, keeps escaped symbols", () => {
    const rtf =
      "{\\rtf1\\ansi{\\fonttbl{\\f0 Race Sans;}}{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s1 race;}}" +
      "{\\*\\generator race 1.0}{\\pict\\pngblip 72616365}{\\*\\unknowndest race}\\bin4 race" +
      "{\\info{\\title race}}Text \\{x\\} a\\\\b\\~c\\tab d}";
    expect(rtfToText(rtf)).toBe("Text {x} a\\b\u00a0c\td");
  });

  it("reads raw bytes above ASCII in the code page too", () => {
    const rtf = Buffer.concat([
      Buffer.from("{\\rtf1\\ansi\\ansicpg936 "),
      iconv.encode("民族", "gbk"),
      Buffer.from("}"),
    ]).toString("latin1");
    expect(rtfToText(rtf)).toBe("民族");
  });
});

describe("RTF documents", () => {
  it("are scanned as their text, and what the raw bytes already show is reported once", async () => {
    const dir = tempFolder();
    const rtf =
      "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 " +
      hex("宋体", "gbk") +
      ";}}\r\n\\pard\\f0 Face attributes: race, gender, age, glasses\\par\r\n" +
      hex("人脸属性：性别、年龄、眼镜、口罩、民族（汉族、维吾尔族、其他）", "gbk") +
      "\\par\r\n}";
    writeFileSync(join(dir, "manual.rtf"), Buffer.from(rtf, "latin1"));
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.find((c) => c.location.endsWith("manual.rtf"))?.format).toBe("rtf");
    const uyghur = report.findings.find((f) => f.ruleId === "uyghur-xinjiang-label");
    expect(uyghur?.location).toMatch(/manual\.rtf!text\.txt$/u);
    expect(uyghur?.line).toBe(2);
    const races = report.findings.filter((f) => f.match === "race");
    expect(races.map((f) => f.location)).toEqual([expect.stringMatching(/manual\.rtf$/u)]);
  });
});
