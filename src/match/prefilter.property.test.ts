import { afterEach, describe, expect, it } from "vitest";
import { buildAutomaton, setPrefilterPolicy, StreamMatcher, type PrefilterPolicy } from "./automaton.js";
import type { Needle } from "./needles.js";
import { LANES, WINDOW_BYTES } from "./wasm-kernel.js";
import { bruteForce, prng, stream } from "../../test/match/oracle.js";

const letters = Array.from({ length: 26 }, (_, k) => 0x61 + k);
const anyByte = Array.from({ length: 256 }, (_, k) => k);

/**
 * Random needles of `minLength` to 12 bytes: half over letters (some case-insensitive, with mixed case),
 * half over any byte, and some built from others (prefixes, suffixes, extensions) so they overlap and nest.
 */
function randomNeedles(random: () => number, count: number, minLength: number): Needle[] {
  const pick = (from: readonly number[]) => from[Math.floor(random() * from.length)]!;
  const list: Uint8Array[] = [];
  while (list.length < count) {
    const length = minLength + Math.floor(random() * (13 - minLength));
    const base = list.length > 0 && random() < 0.3 ? pick(list.map((_, k) => k)) : -1;
    let bytes: Uint8Array;
    if (base >= 0) {
      const other = list[base]!;
      const cut = Math.max(minLength, Math.min(other.length, length));
      const kind = random();
      bytes =
        kind < 0.33
          ? other.slice(0, cut)
          : kind < 0.66
            ? other.slice(other.length - cut)
            : Uint8Array.from([
                ...other,
                ...Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(letters)),
              ]);
    } else {
      const alphabet = random() < 0.5 ? letters : anyByte;
      bytes = Uint8Array.from({ length }, () => pick(alphabet));
    }
    list.push(bytes);
  }
  return list.map((bytes, id) => {
    const caseInsensitive = random() < 0.5;
    const mixed = bytes.map((byte) => (byte >= 0x61 && byte <= 0x7a && random() < 0.3 ? byte - 0x20 : byte));
    const foldMask = mixed.map((byte) =>
      caseInsensitive && /[a-z]/i.test(String.fromCharCode(byte)) ? 1 : 0,
    );
    return { id, termId: id, encodings: ["utf-8"], bytes: mixed, foldMask };
  });
}

/** A needle's bytes as they may appear: its case-insensitive letters in a random case. */
function variant(random: () => number, needle: Needle): Uint8Array {
  return needle.bytes.map((byte, k) =>
    needle.foldMask[k] === 1 && /[a-z]/i.test(String.fromCharCode(byte))
      ? random() < 0.5
        ? byte ^ 0x20
        : byte
      : byte,
  );
}

/**
 * Random bytes (few needles begin by chance, so the filtered path is chosen) with needles planted across
 * every boundary: windows of WINDOW_BYTES and of 1 MiB, their stripes, and `cuts`; plus runs of needles
 * planted back to back and overlapping.
 */
function plantedHaystack(
  random: () => number,
  needles: readonly Needle[],
  length: number,
  cuts: readonly number[],
) {
  const haystack = new Uint8Array(length);
  for (let k = 0; k < length; k++) haystack[k] = Math.floor(random() * 256);
  const boundaries = new Set<number>(cuts);
  for (const window of [WINDOW_BYTES, 1 << 20]) {
    for (let start = 0; start < length; start += window) {
      const span = Math.min(window, length - start);
      for (let stripe = 0; stripe <= LANES; stripe++)
        boundaries.add(start + stripe * Math.floor(span / LANES));
    }
  }
  const plant = (at: number, needle: Needle) => {
    if (at >= 0 && at + needle.bytes.length <= length) haystack.set(variant(random, needle), at);
  };
  for (const boundary of boundaries) {
    const needle = needles[Math.floor(random() * needles.length)]!;
    const size = needle.bytes.length;
    plant(boundary + [-size, -size + 1, -size + 2, -1, -2, -3, 0, 1][Math.floor(random() * 8)]!, needle);
  }
  for (let run = 0; run < 40; run++) {
    let at = Math.floor(random() * length);
    for (let k = 0; k < 6; k++) {
      const needle = needles[Math.floor(random() * needles.length)]!;
      plant(at, needle);
      at += Math.max(1, needle.bytes.length - Math.floor(random() * 3));
    }
  }
  return haystack;
}

function chunkings(random: () => number, length: number): number[][] {
  const every = (size: number) =>
    Array.from({ length: Math.floor((length - 1) / size) }, (_, k) => (k + 1) * size);
  const ragged: number[] = [];
  for (let at = 0; ;) {
    at += 1 + Math.floor(random() * 150_000);
    if (at >= length) break;
    ragged.push(at);
  }
  return [[], every(1 << 20), every(70_001), every(4099), ragged];
}

const policies: PrefilterPolicy[] = ["always", "auto", "never"];

afterEach(() => {
  setPrefilterPolicy("auto");
});

describe("the prefilter (skipping where no needle can begin) against brute force", () => {
  it.each([
    { seed: 1, count: 400, minLength: 2 },
    { seed: 2, count: 400, minLength: 3 },
    { seed: 3, count: 60, minLength: 2 },
    { seed: 4, count: 300, minLength: 4 },
  ])(
    "finds every match in low-density data under each policy (seed $seed, $count needles of $minLength+ bytes)",
    ({ seed, count, minLength }) => {
      const random = prng(seed);
      const needles = randomNeedles(random, count, minLength);
      const length = WINDOW_BYTES + 77_777;
      const cutSets = chunkings(random, length);
      const haystack = plantedHaystack(random, needles, length, cutSets.flat());
      const expected = bruteForce(haystack, needles);
      expect(expected.length).toBeGreaterThan(300);
      for (const policy of policies) {
        setPrefilterPolicy(policy);
        for (const cuts of cutSets)
          expect({ policy, cuts: cuts.length, hits: stream(haystack, needles, cuts) }).toEqual({
            policy,
            cuts: cuts.length,
            hits: expected,
          });
      }
    },
  );

  it("finds every match where most positions could begin a needle (the filtered path at its worst)", () => {
    const random = prng(11);
    const needles = randomNeedles(random, 300, 2);
    const alphabet = [0x61, 0x41, 0x62, 0x63, 0x00, 0xff];
    const length = 600_000;
    const haystack = Uint8Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!);
    for (let k = 0; k < 500; k++) {
      const needle = needles[Math.floor(random() * needles.length)]!;
      const at = Math.floor(random() * (length - 16));
      haystack.set(variant(random, needle), at);
    }
    const expected = bruteForce(haystack, needles);
    setPrefilterPolicy("always");
    for (const cuts of chunkings(random, length)) expect(stream(haystack, needles, cuts)).toEqual(expected);
  });

  it("matches exactly with an automaton indexed by class (over 16,384 states)", () => {
    const random = prng(12);
    const needles = randomNeedles(random, 3000, 8);
    const length = 300_000;
    const cutSets = chunkings(random, length);
    const haystack = plantedHaystack(random, needles, length, cutSets.flat());
    const automaton = buildAutomaton(needles);
    expect(automaton.classCount).toBeLessThan(256);
    const expected = bruteForce(haystack, needles);
    setPrefilterPolicy("always");
    for (const cuts of cutSets) expect(stream(haystack, needles, cuts)).toEqual(expected);
  });

  it("finds every match in windows read in place (pushRead), whole and partial", () => {
    const random = prng(14);
    const needles = randomNeedles(random, 400, 2);
    const length = 2 * WINDOW_BYTES + 12_345;
    const haystack = plantedHaystack(random, needles, length, [100_000, WINDOW_BYTES - 5]);
    const expected = bruteForce(haystack, needles);
    const automaton = buildAutomaton(needles);
    for (const policy of policies) {
      setPrefilterPolicy(policy);
      for (const limit of [Infinity, 100_000, WINDOW_BYTES - 5]) {
        const matcher = new StreamMatcher(automaton);
        const hits: string[] = [];
        let at = 0;
        const read = (into: Uint8Array) => {
          const n = Math.min(into.length, limit, length - at);
          into.set(haystack.subarray(at, at + n));
          at += n;
          return n;
        };
        while (matcher.pushRead(read, (id, offset) => hits.push(`${id}@${offset}`)) > 0);
        expect({ policy, limit, hits }).toEqual({ policy, limit, hits: expected });
      }
    }
  });

  it("keeps to the plain DFA when a needle is one byte long, whatever the policy", () => {
    const random = prng(13);
    const needles = randomNeedles(random, 300, 2);
    needles.push({
      id: needles.length,
      termId: 0,
      encodings: ["utf-8"],
      bytes: Uint8Array.of(0x7e),
      foldMask: Uint8Array.of(0),
    });
    const length = WINDOW_BYTES + 5_000;
    const haystack = plantedHaystack(random, needles, length, []);
    const expected = bruteForce(haystack, needles);
    expect(expected.filter((hit) => hit.startsWith(`${needles.length - 1}@`)).length).toBeGreaterThan(1000);
    setPrefilterPolicy("always");
    expect(stream(haystack, needles, [])).toEqual(expected);
    expect(stream(haystack, needles, [1 << 20])).toEqual(expected);
  });
});
