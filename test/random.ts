// A seeded random source for property tests: deterministic, so that a failing seed can be replayed.

/** mulberry32: numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole numbers in [0, limit), from `prng(seed)`. */
export function seededIntegers(seed: number): (limit: number) => number {
  const random = prng(seed);
  return (limit) => Math.floor(random() * limit);
}
