// A seeded random source for property tests: deterministic, so that a failing seed can be replayed. The
// generator is the bench's (bench/terms.mjs), so there is one copy of it.
import { prng } from "../bench/terms.mjs";

export { prng };

/** Whole numbers in [0, limit), from `prng(seed)`. */
export function seededIntegers(seed: number): (limit: number) => number {
  const random = prng(seed);
  return (limit) => Math.floor(random() * limit);
}

/** `length` bytes from `prng(seed)`: random-looking input that is the same on every run. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const next = seededIntegers(seed);
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = next(256);
  return bytes;
}
