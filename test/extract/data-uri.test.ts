import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import {
  DataUriParser,
  DataUriWatch,
  dataUriHeader,
  type DataUriEvent,
} from "../../src/extract/data-uri-extractor.js";
import { extractorNamed } from "../../src/extract/registry.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const base64 = (text: string | Uint8Array): string => Buffer.from(text).toString("base64");

/** The URIs the parser decodes from `text` cut into pieces of `size` bytes. */
function parse(text: string | Uint8Array, size = Infinity): { offset: number; mime: string; text: string }[] {
  const input = typeof text === "string" ? bytesOf(text) : text;
  const parser = new DataUriParser();
  const events: DataUriEvent[] = [];
  const step = Math.min(size, Math.max(1, input.length));
  for (let at = 0; at < input.length; at += step) events.push(...parser.push(input.subarray(at, at + step)));
  events.push(...parser.push(new Uint8Array(0), true));
  const uris: { offset: number; mime: string; parts: Uint8Array[] }[] = [];
  for (const event of events) {
    if (event.kind === "start") uris.push({ offset: event.offset, mime: event.mime, parts: [] });
    else if (event.kind === "bytes") uris.at(-1)!.parts.push(event.bytes);
  }
  return uris.map(({ offset, mime, parts }) => ({
    offset,
    mime,
    text: new TextDecoder().decode(Buffer.concat(parts)),
  }));
}

/** A source map with the original sources inside, as bundlers write them. */
const SOURCE_MAP = JSON.stringify({
  version: 3,
  sources: ["src/face/attributes.ts"],
  sourcesContent: [
    "// 人脸属性\nexport enum FaceAttribute {\n  Gender = 0, // 性别\n  Age = 1, // 年龄\n  Glasses = 2, // 眼镜\n" +
      "  Nation = 3, // 民族: 汉族, 维吾尔族\n}\n",
  ],
  names: [],
  mappings: "AAAA",
});

describe("data: URI headers", () => {
  it("give the media type and where the payload starts", () => {
    const text = bytesOf("x data:application/json;charset=utf-8;base64,eyJ9");
    expect(dataUriHeader(text, 2)).toEqual({ mime: "application/json", payload: text.length - 4 });
    expect(dataUriHeader(bytesOf("DATA:Text/HTML;BASE64,PGI+"), 0)).toMatchObject({ mime: "text/html" });
    expect(dataUriHeader(bytesOf("data:;base64,QUJD"), 0)).toMatchObject({ mime: "text/plain" });
    // JSON written by PHP escapes every slash.
    expect(dataUriHeader(bytesOf(String.raw`data:image\/svg+xml;base64,PHN2`), 0)).toMatchObject({
      mime: "image/svg+xml",
    });
  });

  it("are not plain data: URIs, prose, or a header cut short", () => {
    expect(dataUriHeader(bytesOf("data:text/plain,hello"), 0)).toBeUndefined();
    expect(dataUriHeader(bytesOf("data: the fields below;base64,"), 0)).toBeUndefined();
    expect(dataUriHeader(bytesOf("data:text/plain;base64"), 0)).toBe("more");
    expect(dataUriHeader(bytesOf(`data:text/plain;${"x=y;".repeat(80)}base64,QUJD`), 0)).toBeUndefined();
  });
});

describe("the data: URI parser", () => {
  it("decodes every URI worth decoding, at its offset, however the text is cut", () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>人种</text></svg>';
    const text =
      `body{background:url(data:image/png;base64,${base64(new Uint8Array(64).fill(7))})}\n` +
      `<script src="data:text/javascript;base64,${base64("alert('民族')")}"></script>\n` +
      `{"icon":"data:image\\/svg+xml;base64,${base64(svg).replaceAll("/", "\\/")}"}\n` +
      `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${base64(SOURCE_MAP)}`;
    const expected = [
      { offset: text.indexOf("data:text/javascript"), mime: "text/javascript", text: "alert('民族')" },
      { offset: text.indexOf("data:image\\/svg"), mime: "image/svg+xml", text: svg },
      { offset: text.indexOf("data:application/json"), mime: "application/json", text: SOURCE_MAP },
    ];
    const whole = parse(text);
    expect(whole).toEqual(expected);
    for (const size of [1, 2, 3, 5, 7, 64, 1000])
      expect(parse(text, size), `pieces of ${size}`).toEqual(expected);
  });

  it("ends a payload at its padding or at the first byte that is not base64", () => {
    const uris = parse(
      `a=data:text/plain;base64,${base64("ab")}QUJD b=data:text/plain;base64,${base64("abc")}"x`,
    );
    expect(uris.map((uri) => uri.text)).toEqual(["ab", "abc"]);
    // Without padding, the last two or three characters still hold a byte or two.
    expect(parse("data:text/plain;base64,YWJjZA").map((uri) => uri.text)).toEqual(["abcd"]);
  });

  it("leaves images, fonts, audio and video encoded, and counts them", () => {
    const parser = new DataUriParser();
    const events = parser.push(
      bytesOf(
        `url(data:image/png;base64,iVBORw0KGgo=) url(data:font/woff2;base64,d09GMgABAAA=) ` +
          `url(data:application/font-woff;base64,d09GRgABAAA=) <audio src="data:audio/ogg;base64,T2dnUw==">`,
      ),
      true,
    );
    expect(events).toEqual([]);
    expect(parser.skipped).toBe(4);
  });

  it("reads random bytes and NULs without finding a URI", () => {
    let seed = 7;
    const random = new Uint8Array(1 << 16).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    expect(parse(random, 4096)).toEqual([]);
  });
});

/** Whether the watch, given the marks a matcher would report, sees a URI in `text` cut into pieces of `size`. */
function watched(text: string, size = Infinity): boolean {
  const bytes = bytesOf(text);
  const watch = new DataUriWatch();
  const step = Math.min(size, Math.max(1, bytes.length));
  for (let at = 0; at < bytes.length; at += step) {
    const end = Math.min(bytes.length, at + step);
    // The matcher reports a mark while pushing the chunk its last byte is in.
    for (let mark = text.indexOf(";base64,"); mark >= 0; mark = text.indexOf(";base64,", mark + 1))
      if (mark + 8 > at && mark + 8 <= end) watch.mark(Buffer.byteLength(text.slice(0, mark)));
    watch.push(bytes.subarray(at, end), at);
  }
  return watch.found;
}
const holdsDataUri = (bytes: Uint8Array): boolean => watched(new TextDecoder().decode(bytes));

describe("the watch for data: URIs", () => {
  it("sees a URI across the end of a chunk", () => {
    const text = `${"x".repeat(300)} //# sourceMappingURL=data:application/json;base64,${base64(SOURCE_MAP)}`;
    for (const size of [1, 7, 64, 300, 320, 330, 340, 350])
      expect(watched(text, size), `pieces of ${size}`).toBe(true);
    expect(watched(`${"x".repeat(300)} data:image/png;base64,${base64(new Uint8Array(300))}`, 320)).toBe(
      false,
    );
  });

  it("sees a URI worth decoding, not an image's, a short one or a plain one", () => {
    expect(
      holdsDataUri(bytesOf(`//# sourceMappingURL=data:application/json;base64,${base64(SOURCE_MAP)}`)),
    ).toBe(true);
    expect(holdsDataUri(bytesOf(`src="data:image/png;base64,${base64(new Uint8Array(300))}"`))).toBe(false);
    expect(holdsDataUri(bytesOf("data:text/plain;base64,SGk="))).toBe(false);
    expect(holdsDataUri(bytesOf("data:text/plain,a%20very%20long%20plain%20text%20URI"))).toBe(false);
    expect(holdsDataUri(bytesOf("the docs say: use ;base64, in a data URI"))).toBe(false);
  });
});

describe("the data-uri extractor", () => {
  afterAll(cleanupTempDirs);

  it("gives each URI as a child named by its media type, at its offset", async () => {
    const text = `var a = 1;\n//# sourceMappingURL=data:application/json;base64,${base64(SOURCE_MAP)}\n`;
    const run = await runOnce(bytesOf(text), { extractor: extractorNamed("data-uri") });
    expect(run.children).toHaveLength(1);
    expect(run.children[0]).toMatchObject({
      name: "data-1.json",
      via: "data-uri",
      offsetInParent: text.indexOf("data:"),
      element: "data:application/json;base64",
    });
    expect(new TextDecoder().decode(await childBytes(run.children[0]!))).toBe(SOURCE_MAP);
  });

  it("streams a large payload across reads", async () => {
    const payload = new Uint8Array(3 << 20).map((_, index) => (index * 31) & 0xff);
    const text = `x=data:application/octet-stream;base64,${base64(payload)};`;
    const run = await runOnce(bytesOf(text), { extractor: extractorNamed("data-uri") });
    expect(run.children.map((c) => c.name)).toEqual(["data-1.bin"]);
    expect(Buffer.compare(Buffer.from(await childBytes(run.children[0]!)), Buffer.from(payload))).toBe(0);
  });
});

describe("content in data: URIs", () => {
  it("is scanned: a bundle's inline source map, a page's script", async () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, "face.min.js"),
      `"use strict";var e={0:"a",1:"b"};\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${base64(SOURCE_MAP)}\n`,
    );
    const labels = "var labels = { sex: '性别', age: '年龄', glasses: '眼镜', skin: '肤色' };";
    writeFileSync(
      join(dir, "index.html"),
      `<!doctype html><html><body><script src="data:text/javascript;base64,${base64(labels)}"></script></body></html>\n`,
    );
    const report = await scan({ paths: [dir], jobs: 1 });
    const found = (suffix: string) =>
      report.findings.filter((f) => f.location.endsWith(suffix)).map((f) => [f.ruleId, f.match]);
    // The decoded map is taken apart in turn: the finding is in its source, at the source's line.
    expect(found("face.min.js!data-1.json!src/face/attributes.ts")).toContainEqual([
      "uyghur-xinjiang-label",
      "维吾尔族",
    ]);
    expect(found("index.html!data-1.js")).toContainEqual(["skin-colour-chinese-labels", "肤色"]);
    const uyghur = report.findings.find((f) => f.match === "维吾尔族")!;
    expect(uyghur.layers.map((layer) => layer.via)).toEqual(["file", "data-uri", "sourcemap"]);
    expect(uyghur.line).toBe(6);
    // Nothing in the raw files: the terms are only in the decoded bytes.
    expect(report.findings.filter((f) => !f.location.includes("!"))).toEqual([]);
  });
});
