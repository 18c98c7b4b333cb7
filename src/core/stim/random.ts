import { mulberry32 } from '../random';

/** Seeded pseudo-random numbers (mulberry32): every stochastic step of the lab is reproducible from its seed. */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  return mulberry32(seed);
}
