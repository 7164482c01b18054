import { describe, expect, it } from "vitest";
import { seededIntegers } from "../../test/random.js";
import { looksLikeHtml } from "./html-extractor.js";

/** looksLikeHtml as first written: its first kilobyte decoded, trimmed and lower-cased, for every artifact. */
function reference(head: Uint8Array): boolean {
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  const text = new TextDecoder("latin1")
    .decode(head.subarray(start, start + 1024))
    .trimStart()
    .toLowerCase();
  if (text.startsWith("<!doctype html") || text.startsWith("<html")) return true;
  return (
    text.startsWith("<") && (text.includes("<html") || text.includes("<head>") || text.includes("<body"))
  );
}

const PIECES = ["<!DOCTYPE html>", "<html>", "<HEAD>", "<body", "<p>", "<?xml ?>", "x", "\u00a0", "\ufeff"];
/** Every byte value that may lead (white space, NBSP, the bytes of a BOM, the NEL and other C1 bytes). */
const LEADING = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1f, 0x20, 0x85, 0xa0, 0xef, 0xbb, 0xbf, 0x3c, 0x00];

describe("looksLikeHtml", () => {
  it("answers as decoding and trimming the first kilobyte does", () => {
    const next = seededIntegers(11);
    let pages = 0;
    for (let k = 0; k < 4000; k++) {
      const bytes: number[] = [];
      if (next(4) === 0) bytes.push(0xef, 0xbb, 0xbf);
      // Leading bytes, sometimes past the kilobyte the check reads.
      const lead = next(5) === 0 ? 1000 + next(60) : next(8);
      for (let i = 0; i < lead; i++) bytes.push(LEADING[next(LEADING.length)]!);
      for (let i = next(4); i > 0; i--) bytes.push(...Buffer.from(PIECES[next(PIECES.length)]!, "utf8"));
      const head = Uint8Array.from(bytes);
      const expected = reference(head);
      if (expected) pages++;
      expect(looksLikeHtml(head), JSON.stringify(Buffer.from(head).toString("latin1"))).toBe(expected);
    }
    expect(pages).toBeGreaterThan(100);
  });
});
