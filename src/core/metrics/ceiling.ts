/**
 * Split-half noise ceilings from repeated presentations, and ceiling normalisation.
 *
 * Convention (Brain-Score): a neuroid's ceiling is its split-half reliability — per split, the repeats of
 * each stimulus are randomly halved, each half averaged, the two halves correlated across stimuli
 * (Pearson), and the r corrected with Spearman-Brown 2r/(1+r) to the full number of repeats; the
 * ceiling is the mean over splits. A benchmark's ceiling is the median over neuroids, and a ceiled score
 * is raw score / ceiling (values above 1 are possible with noisy ceilings; we do not clip).
 */
import { UserFacingError } from '../types';
import { mean, median, pearsonFinite, permutation, seededRandom } from './stats';

/** Responses with repeats: C-order [neuroids, stimuli, repeats], missing repeats NaN. */
export interface RepeatedResponses {
  neuroids: number;
  stimuli: number;
  repeats: number;
  data: Float64Array;
}

export interface SplitHalfOptions {
  /** Default 10. */
  splits?: number;
  seed?: number;
  /** Explicit repeat orders [split][stimulus] → permutation of 0..repeats-1 (overrides splits/seed). */
  orders?: number[][][];
}

export interface SplitHalfResult {
  /** Spearman-Brown corrected reliability per neuroid, mean over splits. */
  perNeuroid: Float64Array;
  /** [split][neuroid] corrected reliabilities. */
  perSplit: Float64Array[];
  /** Median over neuroids of perNeuroid. */
  ceiling: number;
  orders: number[][][];
}

/** Random repeat orders, one permutation per split and stimulus. */
export function splitHalfOrders(stimuli: number, repeats: number, splits = 10, seed = 0): number[][][] {
  const rand = seededRandom(seed);
  return Array.from({ length: splits }, () => Array.from({ length: stimuli }, () => permutation(repeats, rand)));
}

export function spearmanBrown(r: number, factor = 2): number {
  return (factor * r) / (1 + (factor - 1) * r);
}

/**
 * Split-half reliability per neuroid. For each (neuroid, stimulus) the valid (non-NaN) repeats are taken
 * in the split's random order; the first ⌊m/2⌋ form half A, the rest half B. Stimuli with fewer than 2
 * valid repeats are left out of that neuroid's correlation.
 */
export function splitHalfReliability(responses: RepeatedResponses, options: SplitHalfOptions = {}): SplitHalfResult {
  const { neuroids, stimuli, repeats, data } = responses;
  if (data.length !== neuroids * stimuli * repeats) {
    throw new UserFacingError(`Repeated responses have ${data.length} values but [${neuroids}, ${stimuli}, ${repeats}] needs ${neuroids * stimuli * repeats}.`);
  }
  if (repeats < 2) throw new UserFacingError('A split-half ceiling needs at least 2 repeats per stimulus.');
  const orders = options.orders ?? splitHalfOrders(stimuli, repeats, options.splits ?? 10, options.seed ?? 0);
  const halfA = new Float64Array(stimuli);
  const halfB = new Float64Array(stimuli);
  const valid: number[] = [];
  const perSplit = orders.map((order) => {
    if (order.length !== stimuli) throw new UserFacingError(`Split orders list ${order.length} stimuli, responses have ${stimuli}.`);
    const out = new Float64Array(neuroids);
    for (let n = 0; n < neuroids; n++) {
      for (let s = 0; s < stimuli; s++) {
        const base = (n * stimuli + s) * repeats;
        valid.length = 0;
        for (const r of order[s]) {
          const v = data[base + r];
          if (Number.isFinite(v)) valid.push(v);
        }
        if (valid.length < 2) {
          halfA[s] = halfB[s] = NaN;
          continue;
        }
        const h = valid.length >> 1;
        halfA[s] = mean(valid.slice(0, h));
        halfB[s] = mean(valid.slice(h));
      }
      out[n] = spearmanBrown(pearsonFinite(halfA, halfB));
    }
    return out;
  });
  const perNeuroid = new Float64Array(neuroids);
  for (let n = 0; n < neuroids; n++) perNeuroid[n] = mean(perSplit.map((r) => r[n]));
  return { perNeuroid, perSplit, ceiling: median(perNeuroid), orders };
}

/** Average over repeats ignoring NaN: [neuroids, stimuli, repeats] → stimuli × neuroids row-major. */
export function averageRepeats(responses: RepeatedResponses): Float64Array {
  const { neuroids, stimuli, repeats, data } = responses;
  const out = new Float64Array(stimuli * neuroids);
  for (let n = 0; n < neuroids; n++) {
    for (let s = 0; s < stimuli; s++) {
      let sum = 0;
      let count = 0;
      for (let r = 0; r < repeats; r++) {
        const v = data[(n * stimuli + s) * repeats + r];
        if (Number.isFinite(v)) {
          sum += v;
          count++;
        }
      }
      out[s * neuroids + n] = count ? sum / count : NaN;
    }
  }
  return out;
}

/** Brain-Score ceiling normalisation: raw / ceiling (NaN when the ceiling is not positive). */
export function ceiledScore(raw: number, ceiling: number): number {
  return ceiling > 0 ? raw / ceiling : NaN;
}
