import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { memorySource } from "../sources/byte-source.js";
import type { Detection } from "./analyzer.js";
import { widenToIdentifier } from "./identifier-span.js";

function detectionAt(
  bytes: Uint8Array,
  term: Buffer,
  encoding: Detection["encoding"],
  match: string,
): Detection {
  const offset = Buffer.from(bytes).indexOf(term);
  return {
    ruleId: "r",
    messageId: "m",
    offset,
    length: term.length,
    encoding,
    match,
    matchHex: term.toString("hex"),
    excerpt: `x ${match} y`,
    excerptMatch: [2, 2 + match.length],
    data: {},
  };
}

describe("widenToIdentifier", () => {
  it("widens a token to its identifier in UTF-16LE", async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xee, 0xee]),
      Buffer.from("\0EM_NATION_TYPE_UYGUR\0", "utf16le"),
    ]);
    const detection = detectionAt(bytes, Buffer.from("UYGUR", "utf16le"), "utf-16le", "UYGUR");
    const widened = await widenToIdentifier(detection, memorySource(bytes));
    expect(widened).toMatchObject({ offset: 4, length: 40, match: "EM_NATION_TYPE_UYGUR" });
    expect(widened.data).toEqual({ term: "UYGUR" });
  });

  it("does not swallow a GBK trail byte that looks like a letter", async () => {
    // 丂 is 81 40 in GBK: its trail byte is "@", not a letter, so use 乄 (81 55, trail "U").
    const bytes = iconv.encode("乄byRace;", "gbk");
    const detection = detectionAt(bytes, Buffer.from("Race"), "gb18030", "Race");
    const widened = await widenToIdentifier(detection, memorySource(bytes));
    expect(widened.match).toBe("byRace");
    expect(widened.offset).toBe(2);
  });

  it("leaves CJK matches and endless runs alone", async () => {
    const cjk = iconv.encode("维族(新疆)", "gbk");
    const d1 = detectionAt(cjk, iconv.encode("维族", "gbk"), "gb18030", "维族");
    expect(await widenToIdentifier(d1, memorySource(cjk))).toBe(d1);
    const run = Buffer.from(`${"A".repeat(80)}RACE${"B".repeat(10)}`);
    const d2 = detectionAt(run, Buffer.from("RACE"), "utf-8", "RACE");
    expect(await widenToIdentifier(d2, memorySource(run))).toBe(d2);
  });
});
