import { describe, expect, it } from "vitest";
import {
  makeFinding,
  makeReport,
  RULES,
  layer,
  sampleReport,
  scanned,
} from "../../test/report/sample-report.js";
import { csvCell, formatCsv } from "./csv-reporter.js";

/** A small RFC 4180 parser, to read back what the reporter wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += char;
  }
  return rows;
}

describe("formatCsv", () => {
  it("writes a header and one row per finding, CRLF line ends", () => {
    const report = sampleReport();
    const text = formatCsv(report);
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(report.findings.length + 1);
    const header = rows[0]!;
    const width = header.length;
    expect(rows.every((row) => row.length === width)).toBe(true);
    const first = Object.fromEntries(header.map((name, index) => [name, rows[1]![index]]));
    expect(first).toMatchObject({
      rule_id: report.findings[0]!.ruleId,
      location: report.findings[0]!.location,
      offset: String(report.findings[0]!.offset),
      match_hex: report.findings[0]!.matchHex,
    });
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('a,b "c"\nd')).toBe('"a,b ""c""\nd"');
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(42)).toBe("42");
  });

  it("defuses spreadsheet formulas from file names and contents", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"])
      expect(csvCell(`${start}cmd`).replace(/^"/u, "")).toMatch(/^'/u);
    const evil = layer('=HYPERLINK("http://x","y").h', "x");
    const finding = makeFinding({
      ruleId: "dahua-nation-type",
      messageId: "enum-member",
      category: "ethnicity",
      basis: "inferred",
      severity: "critical",
      layers: [evil],
      offset: 0,
      encoding: "utf-8",
      match: "@SUM(1+1)",
      before: "",
      after: "",
    });
    const rows = parseCsv(formatCsv(makeReport([finding], [scanned([evil])], RULES)));
    for (const cell of rows[1]!) expect(cell).not.toMatch(/^[=+\-@]/u);
    expect(rows[1]).toContain("'@SUM(1+1)");
  });
});
