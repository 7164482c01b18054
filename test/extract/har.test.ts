import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { looksLikeHar } from "../../src/extract/har-extractor.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A camera web interface's language pack, as its page fetches it. */
const LANGUAGE_PACK = JSON.stringify(
  {
    faceAttr: { gender: "性别", age: "年龄", glasses: "眼镜", mask: "口罩", nation: "民族" },
    nationValues: { han: "汉族", uyghur: "维吾尔族", other: "其他" },
  },
  null,
  2,
);
/** What its search API answered, gzip-decoded by the browser but stored as base64 by the capture. */
const SEARCH_ANSWER = JSON.stringify({
  results: [{ id: 7, attrs: { sex: "男", age: 35, skinColor: "黄" } }],
});

/** A capture as Chrome's developer tools save it, two-space indented. */
function har(entries: unknown[]): string {
  return JSON.stringify(
    { log: { version: "1.2", creator: { name: "WebInspector", version: "537.36" }, pages: [], entries } },
    null,
    2,
  );
}

const CAPTURE = har([
  {
    request: { method: "GET", url: "http://192.0.2.10/doc/i18n/zh/face.json", headers: [] },
    response: { status: 200, content: { size: 300, mimeType: "application/json", text: LANGUAGE_PACK } },
  },
  {
    request: {
      method: "POST",
      url: "http://192.0.2.10/ISAPI/Intelligent/FDLib/FDSearch",
      postData: {
        mimeType: "application/json",
        text: '{"searchResultPosition":0,"maxResults":50,"race":"all"}',
      },
    },
    response: {
      status: 200,
      content: {
        size: SEARCH_ANSWER.length,
        mimeType: "application/json",
        encoding: "base64",
        text: Buffer.from(SEARCH_ANSWER).toString("base64"),
      },
    },
  },
  {
    request: { method: "GET", url: "http://192.0.2.10/doc/i18n/zh/face.json" },
    response: { content: { text: "{}" } },
  },
  {
    request: { method: "GET", url: "http://192.0.2.10/favicon.ico" },
    response: { status: 404, content: { size: 0 } },
  },
]);

afterAll(cleanupTempDirs);

describe("HAR detection", () => {
  it("takes captures as browsers save them, and no other JSON", () => {
    expect(looksLikeHar(bytesOf(CAPTURE))).toBe(true);
    expect(looksLikeHar(bytesOf(JSON.stringify(JSON.parse(CAPTURE))))).toBe(true);
    expect(looksLikeHar(bytesOf('{"log":{"level":"debug"},"message":"x"}'))).toBe(false);
    expect(looksLikeHar(bytesOf('{"version":3,"sources":["a.js"],"log":{"entries":[]}}'))).toBe(false);
    expect(looksLikeHar(bytesOf("log: { entries: [] }"))).toBe(false);
  });
});

describe("the HAR extractor", () => {
  it("gives every body, decoded, named by its URL", async () => {
    const run = await runOnce(bytesOf(CAPTURE));
    expect(run.format).toBe("har");
    expect(run.children.map((c) => [c.name, c.element])).toEqual([
      ["http://192.0.2.10/doc/i18n/zh/face.json", "response 200, application/json"],
      ["http://192.0.2.10/ISAPI/Intelligent/FDLib/FDSearch (request body)", "POST request body"],
      ["http://192.0.2.10/ISAPI/Intelligent/FDLib/FDSearch", "response 200, application/json"],
      ["http://192.0.2.10/doc/i18n/zh/face.json (2)", "response"],
    ]);
    expect(new TextDecoder().decode(await childBytes(run.children[2]!))).toBe(SEARCH_ANSWER);
  });

  it("says what is wrong with a broken capture, and takes odd entries in its stride", async () => {
    const broken = await runOnce(bytesOf('{"log":{"version":"1.2","entries":[{"request":'));
    expect(broken.events).toEqual([expect.objectContaining({ kind: "partial", reason: "corrupt" })]);
    const odd = await runOnce(
      bytesOf(
        '{"log":{"creator":{},"entries":[null,7,{"request":"x","response":{"content":{"text":5}}},' +
          '{"response":{"content":{"text":"body"}}}]}}',
      ),
    );
    expect(odd.children.map((c) => c.name)).toEqual(["entry-4"]);
  });
});

describe("a HAR capture in a scan", () => {
  it("reports what the camera's web interface fetched, under the URL it came from", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "camera-session.har"), CAPTURE);
    const report = await scan({ paths: [dir], jobs: 1 });
    const uyghur = report.findings.find((f) => f.match === "维吾尔族");
    expect(uyghur?.location).toMatch(
      /camera-session\.har!http:\/\/192\.0\.2\.10\/doc\/i18n\/zh\/face\.json$/u,
    );
    expect(uyghur?.layers.map((layer) => [layer.via, layer.element])).toEqual([
      ["file", undefined],
      ["har", "response 200, application/json"],
    ]);
    // The pack has its own lines in its layer; in the capture it is one JSON string.
    expect(uyghur?.line).toBe(11);
    expect(report.findings.filter((f) => f.location.endsWith(".har")).map((f) => f.match)).not.toContain(
      "维吾尔族",
    );
  });
});
