import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { looksLikeSourceMap } from "../../src/extract/sourcemap-extractor.js";
import { tempFolder } from "../helpers.js";
import { childBytes, cleanupTempDirs, runOnce } from "./drive.js";

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

const FACE_TS =
  "// 人脸属性\nexport enum FaceAttr {\n  Gender = 0, // 性别\n  Age = 1, // 年龄\n  Glasses = 2, // 眼镜\n" +
  "  Nation = 3, // 民族: 汉族, 维吾尔族\n}\n";
const UTIL_TS = "export const noop = () => undefined;\n";

/** A source map as webpack writes it: compact, sources before their content. */
const WEBPACK_MAP = JSON.stringify({
  version: 3,
  file: "main.js",
  mappings: "AAAA;AACA",
  sources: ["webpack://client/./src/face.ts", "webpack://client/./src/util.ts", "webpack://client/external"],
  sourcesContent: [FACE_TS, UTIL_TS, null],
  names: [],
  sourceRoot: "",
});

afterAll(cleanupTempDirs);

describe("source map detection", () => {
  it("takes maps as bundlers write them", () => {
    expect(looksLikeSourceMap(bytesOf(WEBPACK_MAP))).toBe(true);
    // esbuild: pretty-printed.
    expect(looksLikeSourceMap(bytesOf(JSON.stringify(JSON.parse(WEBPACK_MAP), null, 2)))).toBe(true);
    // Babel: a long names array first.
    const names = Array.from({ length: 3000 }, (_, index) => `name${index}`);
    expect(
      looksLikeSourceMap(bytesOf(`{"version":3,"names":${JSON.stringify(names)},"sources":["a.js"]}`)),
    ).toBe(true);
    // A guard line before the JSON, a BOM.
    expect(looksLikeSourceMap(bytesOf(`)]}'\n${WEBPACK_MAP}`))).toBe(true);
    expect(looksLikeSourceMap(Uint8Array.from([0xef, 0xbb, 0xbf, ...bytesOf(WEBPACK_MAP)]))).toBe(true);
  });

  it("leaves other JSON alone", () => {
    expect(looksLikeSourceMap(bytesOf('{"name":"face-sdk","version":"3.0.0","main":"index.js"}'))).toBe(
      false,
    );
    expect(looksLikeSourceMap(bytesOf('{"version":3,"name":"x","lockfileVersion":3}'))).toBe(false);
    expect(looksLikeSourceMap(bytesOf('{"version":3,"names":["Alice","Bob"]}'))).toBe(false);
    expect(looksLikeSourceMap(bytesOf('[{"version":3,"sources":[]}]'))).toBe(false);
    expect(looksLikeSourceMap(bytesOf('var map = {"version":3,"sources":[]};'))).toBe(false);
  });
});

describe("the source map extractor", () => {
  it("gives each source with content as a child named by its entry in sources", async () => {
    const run = await runOnce(bytesOf(WEBPACK_MAP));
    expect(run.format).toBe("sourcemap");
    expect(run.children.map((c) => [c.name, c.via])).toEqual([
      ["webpack://client/./src/face.ts", "sourcemap"],
      ["webpack://client/./src/util.ts", "sourcemap"],
    ]);
    expect(new TextDecoder().decode(await childBytes(run.children[0]!))).toBe(FACE_TS);
  });

  it("reads an index map's sections, names sources it lacks names for, and keeps two of one name apart", async () => {
    const map = JSON.stringify({
      version: 3,
      sections: [
        {
          offset: { line: 0, column: 0 },
          map: { version: 3, sources: ["a.ts"], sourcesContent: ["A"], mappings: "" },
        },
        {
          offset: { line: 9, column: 0 },
          map: { version: 3, sources: ["a.ts"], sourcesContent: ["B"], mappings: "" },
        },
        { offset: { line: 19, column: 0 }, map: { version: 3, sourcesContent: ["C"], mappings: "" } },
      ],
    });
    const run = await runOnce(bytesOf(map));
    expect(run.children.map((c) => c.name)).toEqual(["a.ts", "a.ts (2)", "source-1"]);
  });

  it("says what is wrong with a broken map, and shows control characters in names", async () => {
    const broken = await runOnce(bytesOf('{"version":3,"sources":["a.ts"],"sourcesContent":["x'));
    expect(broken.events).toEqual([expect.objectContaining({ kind: "partial", reason: "corrupt" })]);
    const hostile = await runOnce(
      bytesOf(
        JSON.stringify({
          version: 3,
          sources: ["../../etc/passwd\u0000\u001b[2J", 7, "x".repeat(2000)],
          sourcesContent: ["one", "two", "three", "four"],
          mappings: "",
        }),
      ),
    );
    expect(hostile.children.map((c) => c.name)).toEqual([
      "../../etc/passwd??[2J",
      "source-2",
      `${"x".repeat(512)}…`,
      "source-4",
    ]);
    const odd = await runOnce(
      bytesOf('{"version":3,"sources":{"a":1},"sourcesContent":"text","mappings":""}'),
    );
    expect(odd.events).toEqual([]);
  });
});

describe("a source map in a scan", () => {
  it("reports its sources' findings at their own lines, not the map's", async () => {
    const dir = tempFolder();
    writeFileSync(join(dir, "main.js.map"), WEBPACK_MAP);
    const report = await scan({ paths: [dir], jobs: 1 });
    const uyghur = report.findings.find((f) => f.match === "维吾尔族");
    expect(uyghur?.location).toMatch(/main\.js\.map!webpack:\/\/client\/\.\/src\/face\.ts$/u);
    expect(uyghur?.line).toBe(6);
    expect(uyghur?.layers.map((layer) => layer.via)).toEqual(["file", "sourcemap"]);
    // The map's own findings that its sources repeat are not reported twice.
    const onMap = report.findings.filter((f) => f.location.endsWith("main.js.map"));
    expect(onMap.map((f) => f.match)).not.toContain("维吾尔族");
    const entry = report.coverage.find((c) => c.location.endsWith("main.js.map"));
    expect(entry?.detail).toMatch(
      /^\d+ findings? (?:is|are) reported in the files it holds \(a map's sources/u,
    );
  });
});
