/**
 * mulberry32: the project's small seeded PRNG, so every stochastic step (CV folds, split halves, HMAX
 * templates, sheet layouts, visual noise) is reproducible from its seed on every machine.
 * (The language search uses its own xoshiro128** in core/language/random.ts because its state must be saved.)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
