import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import {
  decodeEscapeBytes,
  EscapeDecoder,
  EscapedWordWatch,
  holdsEscapedWord,
} from "../../src/extract/escapes-extractor.js";
import { extractorNamed } from "../../src/extract/registry.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";
import { tempFolder } from "../helpers.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const decodeEscapes = (text: string): string =>
  new TextDecoder().decode(decodeEscapeBytes(ascii(text), true).output);

/** JSON as Python's json.dumps writes it by default (ensure_ascii): every non-ASCII character as \uXXXX. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A Java .properties line as Properties.store writes it (upper-case hex). */
function propertiesLine(key: string, value: string): string {
  const escaped = value.replace(
    /[\u0080-\uffff]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
  return `${key}=${escaped}\n`;
}

/** `bytes` decoded by an EscapeDecoder fed in chunks of `size`. */
function decodedInChunks(bytes: Uint8Array, size: number): Uint8Array {
  const decoder = new EscapeDecoder();
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(decoder.push(bytes.subarray(at, at + size)));
  parts.push(decoder.push(new Uint8Array(0), true));
  return Buffer.concat(parts);
}

const FACE_LABELS = {
  faceAttributes: {
    gender: "性别",
    age: "年龄",
    glasses: "眼镜",
    nation: "民族",
    nationList: ["汉族", "维吾尔族", "藏族"],
  },
};

describe("escaped words", () => {
  it("are two escaped non-ASCII characters in a row, in either notation", () => {
    expect(holdsEscapedWord(ascii(String.raw`{"n":"\u6c11\u65cf"}`))).toBe(true);
    expect(holdsEscapedWord(ascii(String.raw`n=\u6C11\u65CF`))).toBe(true);
    expect(holdsEscapedWord(ascii("<s>&#27665;&#26063;</s>"))).toBe(true);
    expect(holdsEscapedWord(ascii("<s>&#x6c11;&#X65CF;</s>"))).toBe(true);
  });

  it("are not a lone escape, escaped ASCII, or a broken escape", () => {
    expect(holdsEscapedWord(ascii(String.raw`var nbsp = "\u00a0"; var ls = /\u2028/;`))).toBe(false);
    // Every bundled JavaScript library has a whitespace class like this one.
    expect(holdsEscapedWord(ascii(String.raw`/[\u00a0\u1680\u2000-\u200a\u2028\u2029\u3000\ufeff]/`))).toBe(
      false,
    );
    expect(holdsEscapedWord(ascii(String.raw`"\ud83d\ude00" &#8220;&#8221;`))).toBe(false);
    // XML name characters, as every bundled XML parser spells them.
    expect(
      holdsEscapedWord(
        ascii(String.raw`/[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF]/`),
      ),
    ).toBe(false);
    expect(holdsEscapedWord(ascii(String.raw`"\u0041\u0042" \u6c1 \u65cf`))).toBe(false);
    expect(holdsEscapedWord(ascii("&copy; &#169; x &#27665; y &#26063;&amp;"))).toBe(false);
    expect(holdsEscapedWord(ascii(String.raw`ends with \u6c11\u65`))).toBe(false);
    expect(holdsEscapedWord(ascii("&#27665;&#;"))).toBe(false);
  });
});

/** `text`'s bytes in `encoding` written one by one as escapes: `\\xHH`, octal `\\NNN` or `%HH`. */
function byteEscapes(bytes: Uint8Array, style: "hex" | "octal" | "percent"): string {
  return [...bytes]
    .map((byte) =>
      style === "hex"
        ? `\\x${byte.toString(16).padStart(2, "0")}`
        : style === "octal"
          ? `\\${byte.toString(8)}`
          : `%${byte.toString(16).toUpperCase()}`,
    )
    .join("");
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** 民族 in GBK. */
const GBK_MINZU = Uint8Array.from([0xc3, 0xf1, 0xd7, 0xe5]);

describe("the watch for escaped words", () => {
  it("sees a word however the text is cut into chunks", () => {
    const text = ascii(
      `${"x".repeat(100)}"${String.raw`\u6c11\u65cf`}" ${byteEscapes(GBK_MINZU, "percent")}`,
    );
    for (const size of [1, 5, 50, 107]) {
      const watch = new EscapedWordWatch();
      for (let at = 0; at < text.length; at += size) watch.push(text.subarray(at, at + size));
      expect(watch.found, `chunks of ${size}`).toBe(true);
    }
    const percentOnly = ascii(`${"y".repeat(100)}${byteEscapes(GBK_MINZU, "percent")}`);
    const watch = new EscapedWordWatch();
    for (let at = 0; at < percentOnly.length; at += 3) watch.push(percentOnly.subarray(at, at + 3));
    expect(watch.found).toBe(true);
  });
});

describe("escaped bytes", () => {
  it("spell a word in UTF-8 or GBK, written as \\xHH, octal or %HH", () => {
    for (const style of ["hex", "octal", "percent"] as const) {
      expect(holdsEscapedWord(ascii(`s = "${byteEscapes(utf8("民族"), style)}";`)), style).toBe(true);
      expect(holdsEscapedWord(ascii(`s = "${byteEscapes(GBK_MINZU, style)}";`)), style).toBe(true);
    }
    expect(holdsEscapedWord(ascii(`GET /search?q=${byteEscapes(utf8("维吾尔族"), "percent")}&page=2`))).toBe(
      true,
    );
    // Upper-case hex, and a run longer than the 48 bytes looked at (cut inside a character).
    expect(
      holdsEscapedWord(
        ascii(
          byteEscapes(utf8("人脸属性民族性别年龄眼镜口罩帽子胡子表情"), "hex")
            .toUpperCase()
            .replaceAll("\\X", "\\x"),
        ),
      ),
    ).toBe(true);
  });

  it("are not one character, escaped ASCII, printf formats, random bytes or an escaped backslash", () => {
    expect(
      holdsEscapedWord(ascii(`"${byteEscapes(utf8("é"), "hex")}" "${byteEscapes(utf8("民"), "percent")}"`)),
    ).toBe(false);
    expect(holdsEscapedWord(ascii(String.raw`"\x41\x42\x43\x44" %41%42%43%44 "\101\102\103\104"`))).toBe(
      false,
    );
    expect(holdsEscapedWord(ascii(String.raw`printf("%d%% %5.2f %E %s\n", a, b, c, d); width: 100%;`))).toBe(
      false,
    );
    // Percent-encoded random bytes: neither UTF-8 nor pairs of GBK (0x7F and bytes under 0x40 break them).
    expect(holdsEscapedWord(ascii("%9A%E1%7F%02%FF%C3%88%10%A7%E2%3B%F1"))).toBe(false);
    expect(holdsEscapedWord(ascii("%E6%B0%91"))).toBe(false);
    // Valid GBK pairs, but no two ideographs in a row (bytes of a serialized descriptor in a `_pb2.py`).
    expect(holdsEscapedWord(ascii(String.raw`b'\n\x81\xa1\x92\xa1\x82\xa1'`))).toBe(false);
    // A PCRE range over the bytes of UTF-8: the escapes are split by hyphens, not a run.
    expect(holdsEscapedWord(ascii(String.raw`/[\xe4-\xe9][\x80-\xbf]{2}/`))).toBe(false);
  });

  it("decode to the bytes themselves, after an odd run of backslashes only, and leave ASCII escapes alone", () => {
    expect(decodeEscapes(`a${byteEscapes(utf8("民族"), "hex")}b`)).toBe("a民族b");
    expect(decodeEscapes(`a${byteEscapes(utf8("民族"), "octal")}b`)).toBe("a民族b");
    expect(decodeEscapes(`q=${byteEscapes(utf8("民族"), "percent")}&x=%41%0A`)).toBe("q=民族&x=%41%0A");
    expect(decodeEscapes(String.raw`\\xe6\\346 \\\xe6\xb0\x91 \x41\101\x0a\012`)).toBe(
      String.raw`\\xe6\\346 \\` + "民" + String.raw` \x41\101\x0a\012`,
    );
    expect([...decodeEscapeBytes(ascii(byteEscapes(GBK_MINZU, "hex")), true).output]).toEqual([...GBK_MINZU]);
  });

  it("decode the same however the text is cut into chunks", () => {
    const text = `${byteEscapes(utf8("维吾尔"), "hex")}|${byteEscapes(GBK_MINZU, "octal")}|${byteEscapes(utf8("族"), "percent")}\\\\\\x41`;
    const whole = decodeEscapeBytes(ascii(text), true).output;
    const bytes = ascii(text);
    for (let size = 1; size <= bytes.length; size++)
      expect([...decodedInChunks(bytes, size)], `chunks of ${size}`).toEqual([...whole]);
  });
});

describe("decodeEscapes", () => {
  it("decodes \\u escapes in either case, surrogate pairs, and numeric references", () => {
    expect(decodeEscapes(String.raw`\u6c11\u65CF, \ud83d\ude00`)).toBe("民族, 😀");
    expect(decodeEscapes("&#27665;&#x65cf;&#X1F600;")).toBe("民族😀");
  });

  it("leaves line breaks escaped: the decoded text has the file's lines", () => {
    expect(decodeEscapes(String.raw`a\u000a\u6c11&#10;&#x0D;\u000D`)).toBe(
      String.raw`a\u000a民&#10;&#x0D;\u000D`,
    );
  });

  it("leaves an escaped backslash, a reference to no character and everything else as written", () => {
    expect(decodeEscapes(String.raw`a\\u6c11 b\\\u6c11`)).toBe(String.raw`a\\u6c11 b\\` + "民");
    expect(decodeEscapes("&#xD800; &#1114112; &#27665 &amp; &lt;")).toBe(
      "&#xD800; &#1114112; &#27665 &amp; &lt;",
    );
    expect(decodeEscapes("plain text, 中文 too\n")).toBe("plain text, 中文 too\n");
  });

  it("keeps other bytes as they are, GBK among them", () => {
    const gbk = Uint8Array.from([0xc3, 0xf1, 0xd7, 0xe5, 0x3d, ...ascii(String.raw`\u6c11`)]);
    expect([...decodeEscapeBytes(gbk, true).output]).toEqual([
      0xc3, 0xf1, 0xd7, 0xe5, 0x3d, 0xe6, 0xb0, 0x91,
    ]);
  });

  it("gives the same bytes however the text is cut into chunks", () => {
    const text = String.raw`{"a":"\u6c11\u65cf","b":"\ud83d\ude00","c":"x\\\\\u7ef4","d":"&#27665;&#x65cf;"}`;
    const whole = decodeEscapes(text);
    expect(whole).toBe(String.raw`{"a":"民族","b":"😀","c":"x\\\\` + `维","d":"民族"}`);
    const bytes = ascii(text);
    for (let size = 1; size <= bytes.length; size++)
      expect(new TextDecoder().decode(decodedInChunks(bytes, size)), `chunks of ${size}`).toBe(whole);
  });
});

describe("the decoded text", () => {
  afterAll(cleanupTempDirs);

  it("is read in pieces and comes out whole: a word across a read's end, the size of a large file", async () => {
    const word = String.raw`\u7ef4\u543e\u5c14\u65cf`;
    const pad = "x".repeat((1 << 20) - 10);
    const text = `"${pad}${word}${"y".repeat(3 << 20)}"`;
    const run = await runOnce(ascii(text), { extractor: extractorNamed("unescaped") });
    expect(run.events).toHaveLength(1);
    expect(run.children[0]).toMatchObject({ name: "unescaped.txt", via: "unescaped", leafOnly: true });
    const decoded = new TextDecoder().decode(await childBytes(run.children[0]!));
    expect(decoded.length).toBe(text.length - word.length + 4);
    expect(decoded.indexOf("维吾尔族")).toBe(1 + pad.length);
  });
});

describe("text written in escapes", () => {
  it("is scanned decoded: Python's ASCII JSON, a Java .properties file, ASCII XML", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "zh-CN.json"), asciiJson(FACE_LABELS));
    writeFileSync(
      join(dir, "messages_zh_CN.properties"),
      "# face attribute labels\n" +
        propertiesLine("face.attr.gender", "性别") +
        propertiesLine("face.attr.age", "年龄") +
        propertiesLine("face.attr.race", "人种") +
        propertiesLine("face.attr.race.yellow", "黄种人") +
        propertiesLine("face.attr.race.white", "白种人") +
        propertiesLine("face.attr.race.black", "黑种人"),
    );
    writeFileSync(
      join(dir, "labels.xml"),
      '<?xml version="1.0" encoding="us-ascii"?>\n<labels><s id="sex">&#24615;&#21035;</s>' +
        '<s id="age">&#24180;&#40836;</s><s id="skin">&#x80a4;&#x8272;</s><s id="glasses">&#30524;&#38236;</s></labels>\n',
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const decoded = (name: string) =>
      report.findings.filter((f) => f.location.endsWith(`${name}!unescaped.txt`));
    expect(decoded("zh-CN.json").map((f) => [f.ruleId, f.match])).toContainEqual([
      "uyghur-xinjiang-label",
      "维吾尔族",
    ]);
    const uyghur = decoded("zh-CN.json").find((f) => f.ruleId === "uyghur-xinjiang-label")!;
    expect(uyghur.layers.map((layer) => layer.via)).toEqual(["file", "unescaped"]);
    expect(uyghur.excerpt).toContain("维吾尔族");
    expect(decoded("messages_zh_CN.properties").map((f) => f.match)).toEqual(
      expect.arrayContaining(["黄种人", "白种人", "黑种人"]),
    );
    expect(decoded("labels.xml").map((f) => [f.ruleId, f.match])).toContainEqual([
      "skin-colour-chinese-labels",
      "肤色",
    ]);
  });

  it("reports what the raw text already shows once, on the raw text", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "zh-CN.json"), asciiJson(FACE_LABELS));
    const report = await scan({ paths: [dir], jobs: 1 });
    const raw = report.findings.filter((f) => f.location.endsWith("zh-CN.json"));
    const decoded = report.findings.filter((f) => f.location.endsWith("!unescaped.txt"));
    // "nation" is in the raw bytes; 民族 and 维吾尔族 only in the decoded text.
    expect(raw.map((f) => f.match)).toContain("nation");
    expect(decoded.map((f) => f.match)).not.toContain("nation");
    expect(decoded.map((f) => f.match)).toEqual(expect.arrayContaining(["民族", "维吾尔族"]));
    const child = report.coverage.find((c) => c.location.endsWith("!unescaped.txt"));
    expect(child?.detail).toMatch(/^\d+ findings? repeats? the parent layer's/u);
  });

  it("is scanned decoded: C strings of UTF-8 and GBK bytes, a captured request's URL", async () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "face_attr_zh.c"),
      "/* generated: labels of the face attributes */\n" +
        `static const char *kAttr[] = { ${["性别", "年龄", "眼镜", "肤色"].map((label) => `"${byteEscapes(utf8(label), "hex")}"`).join(", ")} };\n` +
        `static const char *kNation = "${byteEscapes(utf8("维吾尔族"), "octal")}";\n`,
    );
    writeFileSync(
      join(dir, "capture.log"),
      `GET /api/face/search?${["性别", "年龄", "眼镜", "肤色"].map((label) => `attr=${byteEscapes(utf8(label), "percent")}`).join("&")}` +
        `&nation=${byteEscapes(utf8("维吾尔族"), "percent")} HTTP/1.1\n`,
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const decoded = (name: string) =>
      report.findings.filter((f) => f.location.endsWith(`${name}!unescaped.txt`)).map((f) => f.match);
    expect(decoded("face_attr_zh.c")).toEqual(expect.arrayContaining(["肤色", "维吾尔族"]));
    expect(decoded("capture.log")).toEqual(expect.arrayContaining(["肤色", "维吾尔族"]));
    const line = report.findings.find(
      (f) => f.location.endsWith("face_attr_zh.c!unescaped.txt") && f.match === "维吾尔族",
    );
    expect(line?.line).toBe(3);
  });

  it("is found across a chunk boundary", async () => {
    const dir = tempFolder();
    const chunk = 4096;
    // The word's first escape starts 3 bytes before the end of the first chunk; it is the only word.
    const start = `{"pad":"`;
    const before = `${start}${"x".repeat(chunk - 3 - start.length - 7)}","n":"`;
    expect(before.length).toBe(chunk - 3);
    writeFileSync(join(dir, "split.json"), `${before}\\u6c11\\u65cf"}`);
    const report = await scan({ paths: [dir], jobs: 1, chunkSize: chunk });
    expect(report.coverage.map((c) => c.location)).toContainEqual(
      expect.stringMatching(/split\.json!unescaped\.txt$/u),
    );
  });

  it("is not looked for in text with no escaped word, nor in a binary file", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "app.js"), String.raw`var ws = /[\u00a0\u2028]/; var race = "condition";` + "\n");
    writeFileSync(
      join(dir, "lib.so"),
      Buffer.concat([
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]),
        Buffer.from(String.raw`\u6c11\u65cf`),
      ]),
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((c) => c.location).filter((l) => l.includes("!"))).toEqual([]);
  });
});

describe("an HTML page's scripts and links", () => {
  it("are read with their escapes decoded, its references left to the page's text layer", async () => {
    const dir = tempFolder();
    const labels = String.raw`{"gender":"\u6027\u522b","age":"\u5e74\u9f84","glasses":"\u773c\u955c","nation":"\u6c11\u65cf","values":["\u6c49\u65cf","\u7ef4\u543e\u5c14\u65cf"]}`;
    writeFileSync(
      join(dir, "face.html"),
      "<!doctype html><html><head><title>Face</title>" +
        `<script>var faceAttrLabels = ${labels};</script></head><body>` +
        "<table><tr><th>&#24615;&#21035;</th><th>&#24180;&#40836;</th><th>&#30524;&#38236;</th><th>&#32932;&#33394;</th></tr></table>" +
        `<a href="/search?attr=${byteEscapes(utf8("民族"), "percent")}">search</a></body></html>\n`,
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const found = (suffix: string) =>
      report.findings.filter((f) => f.location.endsWith(suffix)).map((f) => f.match);
    // The script's labels, in \u escapes, are in no other layer: the page's text drops scripts.
    expect(found("face.html!unescaped.txt")).toContain("维吾尔族");
    // 肤色 is written as references: the page's text has it, once.
    expect(found("face.html!text.txt")).toContain("肤色");
    expect(found("face.html!unescaped.txt")).not.toContain("肤色");
  });

  it("are not decoded when only the page's text has escaped words", async () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "plain.html"),
      "<!doctype html><html><body><p>&#27665;&#26063; &#24615;&#21035;</p></body></html>\n",
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    expect(report.coverage.map((c) => c.location).filter((l) => l.endsWith("!unescaped.txt"))).toEqual([]);
  });
});

describe("text layers of a file's own text", () => {
  it("do not repeat the page's findings: an HTML page's are reported once, on the page", async () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "attributes.html"),
      "<!doctype html><html><body><table><tr><th>race</th><th>gender</th><th>age</th><th>glasses</th></tr></table>" +
        "<p>&#27665;&#26063; &#24615;&#21035; &#24180;&#40836;</p></body></html>\n",
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const races = report.findings.filter((f) => f.match.toLowerCase() === "race");
    expect(races.map((f) => f.location)).toEqual([expect.stringMatching(/attributes\.html$/u)]);
    // 民族 is only in the page's text (written as references in the page).
    expect(report.findings.find((f) => f.match === "民族")?.location).toMatch(/attributes\.html!text\.txt$/u);
  });
});
