// Shared by the matcher's property tests: a seeded random source, brute-force matching (the oracle the
// automaton is compared with) and a chunked run of the real matcher.
import { expect } from "vitest";
import { buildAutomaton, StreamMatcher } from "../../src/match/automaton.js";
import type { Needle } from "../../src/match/needles.js";

export { prng } from "../random.js";

export const fold = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);

/** Every match as `id@start` by brute force, in the order the matcher promises: by last byte, then needle id. */
export function bruteForce(haystack: Uint8Array, needles: readonly Needle[]): string[] {
  const found: [number, number, number][] = [];
  for (const { id, bytes, foldMask } of needles) {
    outer: for (let start = 0; start + bytes.length <= haystack.length; start++) {
      for (let k = 0; k < bytes.length; k++) {
        const actual = haystack[start + k]!;
        const wanted = bytes[k]!;
        if (actual === wanted) continue;
        if (foldMask[k] === 1 && fold(actual) === fold(wanted)) continue;
        continue outer;
      }
      found.push([start + bytes.length - 1, id, start]);
    }
  }
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return found.map(([, id, start]) => `${id}@${start}`);
}

/** The real matcher over `haystack` pushed in pieces cut at `cuts`; every match as `id@start`. */
export function stream(haystack: Uint8Array, needles: readonly Needle[], cuts: readonly number[]): string[] {
  const matcher = new StreamMatcher(buildAutomaton(needles));
  const hits: string[] = [];
  let previous = 0;
  for (const cut of [...cuts, haystack.length]) {
    matcher.push(haystack.subarray(previous, cut), (id, offset) => hits.push(`${id}@${offset}`));
    previous = cut;
  }
  expect(matcher.offset).toBe(haystack.length);
  return hits;
}
