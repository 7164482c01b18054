/** mulberry32: a small, fast, deterministic PRNG returning floats in [0, 1). */
export declare function prng(seed: number): () => number;
