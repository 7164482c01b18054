import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  buildAutomaton,
  giveMatcher,
  shareAutomaton,
  StreamMatcher,
  takeMatcher,
  type Automaton,
} from "./automaton.js";
import { WINDOW_BYTES } from "./wasm-kernel.js";
import { compileNeedles, encodeTerm } from "./needles.js";

function findAll(
  haystack: Uint8Array,
  terms: { text: string; caseInsensitive: boolean }[],
  chunkSize: number,
) {
  const needles = compileNeedles(terms);
  const matcher = new StreamMatcher(buildAutomaton(needles));
  const hits: { term: string; encoding: string; offset: number }[] = [];
  for (let start = 0; start < haystack.length; start += chunkSize) {
    matcher.push(haystack.subarray(start, start + chunkSize), (id, offset) => {
      const needle = needles[id]!;
      hits.push({ term: terms[needle.termId]!.text, encoding: needle.encodings[0]!, offset });
    });
  }
  return hits;
}

/** Reference: every occurrence by brute force. */
function naive(haystack: Uint8Array, needle: Uint8Array): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    found.push(i);
  }
  return found;
}

describe("needle compiler", () => {
  it("encodes a term in every charset that can represent it", () => {
    const [utf8, ...rest] = compileNeedles([{ text: "维族", caseInsensitive: false }]);
    expect(utf8!.encodings).toEqual(["utf-8"]);
    // 维 has no Big5 form: no Big5 needle, and no "?" substitute.
    expect(rest.map((n) => n.encodings).flat()).toEqual(["utf-16le", "utf-16be", "gb18030"]);
    expect(encodeTerm("维族", "big5")).toBeUndefined();
    expect(Buffer.from(encodeTerm("維族", "big5")!).toString("hex")).toBe("ba fb b1 da".replaceAll(" ", ""));
  });

  it("shares one needle among charsets that give the same bytes", () => {
    const needles = compileNeedles([{ text: "UYGUR", caseInsensitive: true }]);
    expect(needles.map((n) => n.encodings)).toEqual([
      ["utf-8", "gb18030", "big5"],
      ["utf-16le"],
      ["utf-16be"],
    ]);
    expect([...needles[1]!.foldMask]).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
});

describe("stream matcher", () => {
  it("taken back after a stream left half done, matches as a new one does", () => {
    const needles = compileNeedles([
      { text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false },
      { text: "byRace", caseInsensitive: true },
    ]);
    const automaton = buildAutomaton(needles);
    const blob = new Uint8Array(randomBytes(3 * WINDOW_BYTES));
    for (let at = 1000; at + 64 < blob.length; at += 9973)
      blob.set(encodeTerm(at % 2 === 0 ? "EM_NATION_TYPE_UYGUR" : "BYRACE", "utf-16le")!, at);
    const run = (matcher: StreamMatcher, chunk: number): number[] => {
      const found: number[] = [];
      for (let start = 0; start < blob.length; start += chunk)
        matcher.push(blob.subarray(start, start + chunk), (id, offset) => found.push(id, offset));
      return found;
    };
    // The stream before ends in the middle of a needle, and this one starts with the needle's rest: a matcher
    // that kept its state would report a match here.
    const needle = encodeTerm("EM_NATION_TYPE_UYGUR", "utf-16le")!;
    const before = new Uint8Array(randomBytes(2 * WINDOW_BYTES + 1001));
    before.set(needle.subarray(0, 20), before.length - 20);
    blob.set(needle.subarray(20), 0);
    const expected = run(new StreamMatcher(automaton), 1 << 20);
    expect(expected.length).toBeGreaterThan(600);
    for (const chunk of [WINDOW_BYTES + 17, 4093, 1 << 20]) {
      // Left in the middle of a needle, with a carry and (for a large chunk) matches of stripes pending.
      const used = takeMatcher(automaton);
      used.push(before, () => undefined);
      giveMatcher(used);
      const again = takeMatcher(automaton);
      expect(again).toBe(used);
      expect(again.offset).toBe(0);
      expect(run(again, chunk)).toEqual(expected);
      giveMatcher(again);
    }
    // Another automaton's matcher is not taken for this one.
    const given = takeMatcher(automaton);
    giveMatcher(given);
    expect(takeMatcher(buildAutomaton(needles.slice(0, 1)))).not.toBe(given);
    expect(takeMatcher(automaton)).toBe(given);
  });

  it("finds a UTF-16LE needle at its true offset in random bytes, across chunk boundaries", () => {
    const blob = new Uint8Array(randomBytes(1 << 20));
    const needle = encodeTerm("EM_NATION_TYPE_UYGUR", "utf-16le")!;
    blob.set(needle, 70_000);
    for (const chunkSize of [7, 4096, 70_003, 1 << 20]) {
      const hits = findAll(blob, [{ text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false }], chunkSize);
      expect(hits).toContainEqual({ term: "EM_NATION_TYPE_UYGUR", encoding: "utf-16le", offset: 70_000 });
    }
  });

  it("folds ASCII case only where asked and agrees with a brute-force search", () => {
    const text = "byRace BYRACE byrace trace RACE race_condition";
    const bytes = new TextEncoder().encode(text);
    const insensitive = findAll(bytes, [{ text: "race", caseInsensitive: true }], 5).map((h) => h.offset);
    expect(insensitive).toEqual([2, 9, 16, 22, 27, 32]);
    const sensitive = findAll(bytes, [{ text: "race", caseInsensitive: false }], 3).map((h) => h.offset);
    expect(sensitive).toEqual(naive(bytes, new TextEncoder().encode("race")));
  });

  it("reports overlapping and nested needles", () => {
    const bytes = new TextEncoder().encode("维吾尔族 and 维族");
    const hits = findAll(
      bytes,
      [
        { text: "维吾尔", caseInsensitive: false },
        { text: "维吾尔族", caseInsensitive: false },
        { text: "族", caseInsensitive: false },
      ],
      2,
    );
    expect(hits.filter((h) => h.encoding === "utf-8").map((h) => [h.term, h.offset])).toEqual([
      ["维吾尔", 0],
      ["维吾尔族", 0],
      ["族", 9],
      ["族", 20],
    ]);
  });

  it("matches random needle sets exactly like brute force", () => {
    for (let round = 0; round < 20; round++) {
      const haystack = new Uint8Array(randomBytes(5000)).map((b) => b % 4);
      const terms = Array.from({ length: 5 }, () => ({
        text: String.fromCharCode(...Array.from(randomBytes(1 + (round % 4)), (b) => 0x61 + (b % 4))),
        caseInsensitive: false,
      }));
      const bytes = haystack.map((b) => 0x61 + b);
      const expected = terms
        .flatMap((t) => naive(bytes, new TextEncoder().encode(t.text)).map((o) => `${t.text}@${o}`))
        .sort();
      const actual = findAll(bytes, terms, 97)
        .filter((h) => h.encoding === "utf-8")
        .map((h) => `${h.term}@${h.offset}`)
        .sort();
      expect([...new Set(actual)]).toEqual([...new Set(expected)]);
    }
  });
});

describe("automaton across threads", () => {
  it("matches the same after structured cloning and after sharing its tables", () => {
    const terms = [
      { text: "EM_NATION_TYPE_UYGUR", caseInsensitive: false },
      { text: "race", caseInsensitive: true },
      { text: "维族", caseInsensitive: false },
    ];
    const automaton = buildAutomaton(compileNeedles(terms));
    const blob = new Uint8Array(randomBytes(300_000));
    const needles = automaton.needles;
    for (let at = 1000; at + 64 < blob.length; at += 9973) blob.set(needles[at % needles.length]!.bytes, at);
    const run = (a: Automaton) => {
      const hits: string[] = [];
      const matcher = new StreamMatcher(a);
      for (let start = 0; start < blob.length; start += 100_000) {
        matcher.push(blob.subarray(start, start + 100_000), (id, offset) => hits.push(`${id}@${offset}`));
      }
      return hits;
    };
    const expected = run(automaton);
    expect(expected.length).toBeGreaterThanOrEqual(30);
    const shared = shareAutomaton(automaton);
    expect(shared.transitions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(run(shared)).toEqual(expected);
    expect(run(structuredClone(automaton))).toEqual(expected);
  });
});

describe("reading straight into the kernel's window", () => {
  // Enough terms for a table of kernel size (small automata get no window).
  const letters = "abcdefghijklmnopqrstuvwxyz_";
  const terms = Array.from({ length: 400 }, (_, k) => ({
    text: Array.from(
      { length: 10 + (k % 11) },
      (_, i) => letters[(k * 7 + i * (k + 3)) % letters.length],
    ).join(""),
    caseInsensitive: k % 2 === 0,
  }));
  const automaton = buildAutomaton(compileNeedles(terms));

  function haystack(length: number, seed: number): Uint8Array {
    const bytes = new Uint8Array(randomBytes(length));
    const needles = automaton.needles;
    // Needles everywhere, including across window and stripe boundaries (every 9,973 bytes hits all sorts).
    for (let at = seed; at + 64 < length; at += 9973) bytes.set(needles[at % needles.length]!.bytes, at);
    return bytes;
  }

  function viaPush(bytes: Uint8Array): string[] {
    const hits: string[] = [];
    const matcher = new StreamMatcher(automaton);
    for (let at = 0; at < bytes.length; at += 65_536)
      matcher.push(bytes.subarray(at, at + 65_536), (id, offset) => hits.push(`${id}@${offset}`));
    return hits;
  }

  /** Reads `bytes` through `pushRead`, a read of at most `limit` bytes at a time. */
  function viaRead(matcher: StreamMatcher, bytes: Uint8Array, limit = Infinity): string[] {
    const hits: string[] = [];
    let at = 0;
    const read = (into: Uint8Array) => {
      const n = Math.min(into.length, limit, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    };
    while (matcher.pushRead(read, (id, offset) => hits.push(`${id}@${offset}`)) > 0);
    expect(at).toBe(bytes.length);
    return hits;
  }

  it("finds the same matches as push, for whole and partial windows", () => {
    const bytes = haystack(2 * WINDOW_BYTES + 300_000, 17);
    const expected = viaPush(bytes);
    expect(expected.length).toBeGreaterThan(200);
    expect(viaRead(new StreamMatcher(automaton), bytes)).toEqual(expected);
    expect(viaRead(new StreamMatcher(automaton), bytes, 100_000)).toEqual(expected);
  });

  it("keeps the window's bytes when the reader scans other bytes of the same automaton meanwhile", () => {
    const bytes = haystack(WINDOW_BYTES, 5);
    const other = haystack(1 << 20, 11);
    const third = haystack(WINDOW_BYTES, 3);
    const first = new StreamMatcher(automaton);
    const hits: string[] = [];
    const otherHits: string[] = [];
    let thirdHits: string[] = [];
    // The read fills the window, then (before returning) other matchers push and read.
    const count = first.pushRead(
      (into) => {
        into.set(bytes);
        new StreamMatcher(automaton).push(other, (id, offset) => otherHits.push(`${id}@${offset}`));
        thirdHits = viaRead(new StreamMatcher(automaton), third);
        return bytes.length;
      },
      (id, offset) => hits.push(`${id}@${offset}`),
    );
    expect(count).toBe(bytes.length);
    expect(hits).toEqual(viaPush(bytes));
    expect(otherHits).toEqual(viaPush(other));
    expect(thirdHits).toEqual(viaPush(third));
  });

  it("reads into a buffer of its own for small automata", () => {
    const small = buildAutomaton(compileNeedles([{ text: "byRace", caseInsensitive: false }]));
    const bytes = new TextEncoder().encode("x byRace y ".repeat(50_000));
    const hits: number[] = [];
    let at = 0;
    const matcher = new StreamMatcher(small);
    const read = (into: Uint8Array) => {
      const n = Math.min(into.length, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      return n;
    };
    while (matcher.pushRead(read, (_, offset) => hits.push(offset)) > 0);
    expect(hits.length).toBe(50_000);
    expect(hits[49_999]).toBe(49_999 * 11 + 2);
  });
});
