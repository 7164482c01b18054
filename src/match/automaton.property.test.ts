import { describe, expect, it } from "vitest";
import { buildAutomaton, setPrefilterPolicy, StreamMatcher } from "./automaton.js";
import { compileNeedles, type Needle } from "./needles.js";
import { lendScanArena, LANES, TABLE_BASE, WINDOW_BYTES } from "./wasm-kernel.js";
import { bruteForce, prng, stream } from "../../test/match/oracle.js";

/** Random needles over a small alphabet (so they overlap, nest and repeat), some case-folded. */
function randomNeedles(
  random: () => number,
  alphabet: readonly number[],
  count: number,
  maxLength: number,
): Needle[] {
  const needles: Needle[] = [];
  for (let id = 0; id < count; id++) {
    const length = 1 + Math.floor(random() * maxLength);
    const bytes = Uint8Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!);
    const caseInsensitive = random() < 0.5;
    const foldMask = bytes.map((byte) =>
      caseInsensitive && /[a-z]/i.test(String.fromCharCode(byte)) ? 1 : 0,
    );
    needles.push({ id, termId: id, encodings: ["utf-8"], bytes, foldMask });
  }
  return needles;
}

function randomHaystack(random: () => number, alphabet: readonly number[], length: number): Uint8Array {
  const haystack = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    // Mostly the alphabet, sometimes any byte (bytes outside every needle: class 0).
    haystack[index] =
      random() < 0.9 ? alphabet[Math.floor(random() * alphabet.length)]! : Math.floor(random() * 256);
  }
  return haystack;
}

function randomCuts(random: () => number, length: number): number[] {
  const style = Math.floor(random() * 4);
  const cuts: number[] = [];
  if (style === 0) return cuts; // one chunk
  const typical = [1, 7, 4096, 40_000, 70_001, 1 << 20][Math.floor(random() * 6)]!;
  for (let at = 0; ;) {
    at += style === 1 ? typical : 1 + Math.floor(random() * typical * 2);
    if (at >= length) return cuts;
    cuts.push(at);
  }
}

describe("stream matcher against brute force", () => {
  it("agrees on random needles, haystacks and chunkings (small and striped chunks)", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = prng(seed);
      const alphabet =
        seed % 2 === 0 ? [0x61, 0x41, 0x62, 0x00] : [0x72, 0x52, 0x61, 0x63, 0x65, 0xe4, 0x00, 0xff];
      const needles = randomNeedles(
        random,
        alphabet,
        1 + Math.floor(random() * 30),
        1 + Math.floor(random() * 12),
      );
      // Long haystacks (striped, several windows) with the larger alphabet, where hits are fewer.
      const length =
        seed % 6 === 3 ? 300_000 : 1 + Math.floor(random() * (seed % 2 === 0 ? 60_000 : 100_000));
      const haystack = randomHaystack(random, alphabet, length);
      const cuts = randomCuts(random, length);
      const expected = bruteForce(haystack, needles);
      const actual = stream(haystack, needles, cuts);
      expect({ seed, hits: actual.length, equal: actual.join() === expected.join() }).toEqual({
        seed,
        hits: expected.length,
        equal: true,
      });
    }
  });

  it("agrees on compiled multi-encoding needles over mixed text", () => {
    const random = prng(99);
    const terms = [
      { text: "race", caseInsensitive: true },
      { text: "Race", caseInsensitive: false },
      { text: "维族", caseInsensitive: false },
      { text: "族", caseInsensitive: false },
      { text: "肤色", caseInsensitive: false },
      { text: "EM_RACE_TYPE", caseInsensitive: false },
      { text: "skin", caseInsensitive: true },
    ];
    const needles = compileNeedles(terms);
    const pieces = terms.flatMap((term) =>
      needles.filter((n) => n.termId === terms.indexOf(term)).map((n) => n.bytes),
    );
    pieces.push(new TextEncoder().encode("RACE rAcE trace 维吾尔族 "), new Uint8Array([0, 0, 0x52, 0, 0x41]));
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length < 400_000) {
      const part =
        random() < 0.3
          ? pieces[Math.floor(random() * pieces.length)]!
          : Uint8Array.from({ length: Math.floor(random() * 50) }, () => Math.floor(random() * 256));
      parts.push(part);
      length += part.length;
    }
    const haystack = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      haystack.set(part, at);
      at += part.length;
    }
    const expected = bruteForce(haystack, needles);
    expect(expected.length).toBeGreaterThan(1000);
    for (const cuts of [
      [],
      [1, 2, 3, 65_536, 65_537],
      randomCuts(random, length),
      randomCuts(random, length),
    ]) {
      expect(stream(haystack, needles, cuts)).toEqual(expected);
    }
  });

  // 1,200 needles: a table indexed by byte; 2,400 longer ones: over 16,384 states, indexed by class.
  it.each([
    { count: 1200, maxLength: 10, haystackLength: 250_000, byteIndexed: true },
    { count: 2400, maxLength: 24, haystackLength: 60_000, byteIndexed: false },
  ])(
    "agrees with brute force for a large automaton built inside kernel memory ($count needles)",
    ({ count, maxLength, haystackLength, byteIndexed }) => {
      const random = prng(7);
      const alphabet = Array.from({ length: 16 }, (_, k) => 0x61 + k);
      const needles = randomNeedles(random, alphabet, count, maxLength).map((needle) => ({
        ...needle,
        bytes: needle.bytes.length < 4 ? Uint8Array.of(0x61, 0x62, ...needle.bytes) : needle.bytes,
        foldMask: needle.bytes.length < 4 ? Uint8Array.of(0, 0, ...needle.foldMask) : needle.foldMask,
      }));
      const automaton = buildAutomaton(needles);
      expect(automaton.stateCount * automaton.classCount).toBeGreaterThanOrEqual(1 << 16);
      expect(automaton.classCount === 256).toBe(byteIndexed);
      // Built in place: the table is a view at the kernel's table offset, not a buffer of its own.
      expect(automaton.transitions.byteOffset).toBe(TABLE_BASE);
      const haystack = randomHaystack(random, alphabet, haystackLength);
      for (let k = 0; k < 400; k++) {
        const needle = needles[Math.floor(random() * needles.length)]!;
        haystack.set(needle.bytes, Math.floor(random() * (haystack.length - 16)));
      }
      const expected = bruteForce(haystack, needles);
      expect(expected.length).toBeGreaterThan(400);
      expect(stream(haystack, needles, [])).toEqual(expected);
      expect(stream(haystack, needles, randomCuts(random, haystack.length))).toEqual(expected);
      // Short chunks: a large automaton stripes windows down to about 1 KiB.
      for (const size of [1000, 1024, 1500, 4096, 5001]) {
        const cuts = Array.from(
          { length: Math.floor((haystack.length - 1) / size) },
          (_, k) => (k + 1) * size,
        );
        expect(stream(haystack, needles, cuts)).toEqual(expected);
      }
    },
  );

  it("finds needles planted across every stripe and window boundary", () => {
    const needle = new TextEncoder().encode("EM_NATION_TYPE_UYGUR");
    const needles: Needle[] = [
      { id: 0, termId: 0, encodings: ["utf-8"], bytes: needle, foldMask: new Uint8Array(needle.length) },
    ];
    const length = 3 * (1 << 20) + 12_345;
    const haystack = new Uint8Array(length).fill(0x45); // "E": a needle's first byte, so the DFA keeps moving
    const planted: number[] = [];
    // Boundaries of the kernel's windows and of their stripes, for chunks of the whole haystack (windows of
    // WINDOW_BYTES) and of 1 MiB (each chunk one window).
    for (const windowSize of [WINDOW_BYTES, 1 << 20]) {
      for (let window = 0; window < length; window += windowSize) {
        const span = Math.min(windowSize, length - window);
        for (let stripe = 0; stripe <= LANES; stripe++) {
          const boundary = window + stripe * Math.floor(span / LANES);
          for (const delta of [-needle.length, -needle.length + 1, -7, -1, 0, 1]) {
            const start = boundary + delta;
            if (start < 0 || start + needle.length > length) continue;
            if (planted.some((p) => Math.abs(p - start) < needle.length)) continue;
            planted.push(start);
          }
        }
      }
    }
    planted.sort((a, b) => a - b);
    for (const start of planted) haystack.set(needle, start);
    const expected = planted.map((start) => `0@${start}`);
    expect(bruteForce(haystack, needles)).toEqual(expected);
    expect(stream(haystack, needles, [])).toEqual(expected);
    expect(stream(haystack, needles, [1 << 20, 2 << 20, 3 << 20])).toEqual(expected);
    expect(stream(haystack, needles, [100_000, 100_010, 1_500_000])).toEqual(expected);
  });

  it("scans chunks in its scan arena where they lie, with the same matches as copied ones", () => {
    const random = prng(11);
    const alphabet = Array.from({ length: 16 }, (_, k) => 0x61 + k);
    const needles = randomNeedles(random, alphabet, 1200, 10).map((needle) => ({
      ...needle,
      bytes: needle.bytes.length < 4 ? Uint8Array.of(0x61, 0x62, ...needle.bytes) : needle.bytes,
      foldMask: needle.bytes.length < 4 ? Uint8Array.of(0, 0, ...needle.foldMask) : needle.foldMask,
    }));
    const region = 2 * WINDOW_BYTES + 8192;
    const arena = lendScanArena(region)!;
    expect(arena).toBeDefined();
    const automaton = buildAutomaton(needles);
    // The table went into the arena, after its reader region.
    expect(automaton.transitions.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(automaton.transitions.byteOffset).toBeGreaterThanOrEqual(arena.base + arena.length);
    const haystack = randomHaystack(random, alphabet, 3 * WINDOW_BYTES + 12_345);
    for (let k = 0; k < 600; k++) {
      const needle = needles[Math.floor(random() * needles.length)]!;
      haystack.set(needle.bytes, Math.floor(random() * (haystack.length - 16)));
    }
    // A needle across every window and stripe boundary of a chunk placed at the region's start.
    const long = needles.find((needle) => needle.bytes.length >= 8)!;
    for (let window = 0; window < haystack.length; window += WINDOW_BYTES)
      for (let stripe = 0; stripe < LANES; stripe++) {
        const at = window + stripe * (WINDOW_BYTES / LANES) - 3;
        if (at > 0 && at + long.bytes.length < haystack.length) haystack.set(long.bytes, at);
      }
    // The oracle: the same automaton fed copies (that path is checked against brute force above).
    const reference = new StreamMatcher(automaton);
    const expected: string[] = [];
    for (let at = 0; at < haystack.length; at += 1 << 20)
      reference.push(haystack.slice(at, at + (1 << 20)), (id, start) => expected.push(`${id}@${start}`));
    expect(expected.length).toBeGreaterThan(600);
    const region8 = new Uint8Array(arena.buffer, arena.base, arena.length);
    for (const policy of ["never", "always", "auto"] as const) {
      const previous = setPrefilterPolicy(policy);
      try {
        // Whole windows at the region's start and at odd offsets in it, a chunk of two windows, a short one.
        for (const [size, offset] of [
          [WINDOW_BYTES, 0],
          [WINDOW_BYTES, 4097],
          [2 * WINDOW_BYTES, 3],
          [70_001, 8191],
        ] as const) {
          const matcher = new StreamMatcher(automaton);
          const hits: string[] = [];
          for (let at = 0; at < haystack.length; at += size) {
            const piece = haystack.subarray(at, Math.min(haystack.length, at + size));
            region8.set(piece, offset);
            matcher.push(region8.subarray(offset, offset + piece.length), (id, start) =>
              hits.push(`${id}@${start}`),
            );
          }
          expect(hits, `${policy}, chunks of ${size} at ${offset}`).toEqual(expected);
        }
      } finally {
        setPrefilterPolicy(previous);
      }
    }
  });
});
