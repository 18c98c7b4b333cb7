import { mulberry32 } from '../random';

/** Seeded pseudo-random numbers (mulberry32): every stochastic step of the lab is reproducible from its seed. */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  return mulberry32(seed);
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
