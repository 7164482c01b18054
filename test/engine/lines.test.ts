import { writeFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { scan } from "../../src/engine/scan.js";
import { tempFolder } from "../helpers.js";

const ENUM = `typedef enum tagEM_NATION_TYPE { EM_NATION_TYPE_UNKNOWN, EM_NATION_TYPE_UYGUR /* 维族(新疆) */ } EM_NATION_TYPE;`;

/**
 * A C header of about 6 MB (more than one 4 MiB chunk and many line-index steps) with the enum at its start,
 * in its middle after a line of 100,000 characters (too long for a column), after a line of 30,000 (a column
 * counted from a line start in an earlier index step) and at its end, after lines with Chinese comments
 * (several bytes per character).
 */
function header(): string {
  const filler = (from: number, count: number): string => {
    let text = "";
    for (let index = from; index < from + count; index++) text += `int field_${index}; // 字段 ${index}\n`;
    return text;
  };
  return (
    `/* 人脸属性 */\n${ENUM}\n` +
    filler(0, 120_000) +
    "x".repeat(100_000) +
    ` ${ENUM}\n` +
    filler(120_000, 120_000) +
    "y".repeat(30_000) +
    ` ${ENUM}\n` +
    filler(240_000, 1_000) +
    `    ${ENUM}\n// end\n`
  );
}

/**
 * Line and column (in code points) of the character at `offset` bytes into `bytes`, by decoding from the
 * start, and the byte offset its line starts at. A line that starts more than 64 KiB before has no column.
 */
function expectedPlace(bytes: Buffer, offset: number, encoding: string) {
  const before = iconv.decode(bytes.subarray(0, offset), encoding);
  const lineStart = before.lastIndexOf("\n") + 1;
  const prefix = before.slice(lineStart);
  const prefixBytes = iconv.encode(prefix, encoding).length;
  const line = before.split("\n").length;
  const column = prefixBytes <= 1 << 16 ? Array.from(prefix).length + 1 : undefined;
  return { line, column, lineStartByte: offset - prefixBytes };
}

describe("line and column of findings in large text files", () => {
  const text = header();
  const files: [string, Buffer, string][] = [
    ["utf8.h", Buffer.from(text, "utf8"), "utf8"],
    ["gbk.h", iconv.encode(text, "gbk"), "gbk"],
    ["utf16le.h", Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, "utf16le")]), "utf16le"],
    ["utf16be.h", Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, "utf16be")]), "utf16be"],
    // Its first hit far from the start: the lines before it are counted once that hit is seen.
    ["late.h", Buffer.from(text.replace(ENUM, "/* no enum here */"), "utf8"), "utf8"],
  ];

  it("are those of a count from the start of the file, in every encoding and chunk size", async () => {
    const dir = tempFolder();
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    // 4 MiB, and an odd size that cuts UTF-16 code units and multibyte characters in two.
    for (const chunkSize of [4 << 20, 65_537]) {
      const report = await scan({ paths: [dir], jobs: 1, chunkSize });
      /** Findings with a column whose line starts in an earlier 64 KiB step (the index's) than they do. */
      let acrossSteps = 0;
      for (const [name, bytes, encoding] of files) {
        const findings = report.findings.filter((finding) => finding.location.endsWith(name));
        const uyghur = findings.filter((finding) => finding.match.includes("UYGUR"));
        // All the enums are found.
        expect(uyghur.length, `${name} ${chunkSize}`).toBeGreaterThanOrEqual(name === "late.h" ? 3 : 4);
        for (const finding of findings) {
          // The BOM is not a character of the text.
          const bom = encoding.startsWith("utf16") ? 2 : 0;
          const place = expectedPlace(bytes.subarray(bom), finding.offset - bom, encoding);
          const where = `${name} chunk ${chunkSize} offset ${finding.offset}`;
          expect(finding.line, where).toBe(place.line);
          expect(finding.column, where).toBe(place.column);
          if (place.column !== undefined && (place.lineStartByte + bom) >> 16 !== finding.offset >> 16)
            acrossSteps++;
        }
        // The middle enum follows a 100,000-character line: a line number but no column.
        expect(uyghur.some((finding) => finding.line === 120_003 && finding.column === undefined)).toBe(true);
        expect(
          uyghur.some(
            (finding) => finding.line === 240_004 && finding.column === 30_002 + ENUM.indexOf(finding.match),
          ),
        ).toBe(true);
      }
      expect(acrossSteps).toBeGreaterThan(0);
    }
  }, 120_000);
});
