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
import { shuffleSplits } from './splits';

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

/** Brain-Score's error over splits: population std (xarray's default, ddof = 0) / √n. */
export function brainScoreSem(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / n) / Math.sqrt(n);
}

export interface InternalConsistencyOptions {
  /** Default 10. */
  splits?: number;
  /** random_state of the halves (Brain-Score: 1; NumPy's generator, as scikit-learn). */
  seed?: number;
  /** Explicit halves: per split the repetition indices of half 1 (the rest form half 2). */
  halves?: number[][];
}

export interface InternalConsistencyResult {
  /** Per split: median over neuroids of the Spearman-Brown corrected half-vs-half r. */
  splitCeilings: number[];
  /** Mean of splitCeilings: the benchmark's ceiling. */
  ceiling: number;
  /** brainScoreSem of splitCeilings. */
  sem: number;
  /** [split][neuroid] corrected r. */
  perSplit: Float64Array[];
  halves: number[][];
}

/** Halves of the repetition indices as scikit-learn's `ShuffleSplit(train_size=0.5, random_state=seed)`: half 1 = its train part. */
export function repetitionHalves(repeats: number, splits = 10, seed = 1): number[][] {
  return shuffleSplits(repeats, { splits, trainSize: 0.5, seed }).map((s) => s.train);
}

/**
 * Brain-Score's internal-consistency ceiling (`metrics/internal_consistency/ceiling.py`): per split the
 * REPETITION indices are halved (the same halves for every stimulus), each half averaged over its
 * repetitions (NaN skipped), Pearson r per neuroid across stimuli, Spearman-Brown with n = 2; the median
 * over neuroids per split, then the mean over splits (error: std over splits / √splits).
 * One deviation, for NaN-padded repeats: stimuli without a valid repetition in a half are left out of that
 * neuroid's correlation (Brain-Score's scipy.pearsonr would return NaN for the neuroid).
 */
export function internalConsistency(responses: RepeatedResponses, options: InternalConsistencyOptions = {}): InternalConsistencyResult {
  const { neuroids, stimuli, repeats, data } = responses;
  if (data.length !== neuroids * stimuli * repeats) {
    throw new UserFacingError(`Repeated responses have ${data.length} values but [${neuroids}, ${stimuli}, ${repeats}] needs ${neuroids * stimuli * repeats}.`);
  }
  if (repeats < 2) throw new UserFacingError('A split-half ceiling needs at least 2 repeats per stimulus.');
  const halves = options.halves ?? repetitionHalves(repeats, options.splits ?? 10, options.seed ?? 1);
  const a = new Float64Array(stimuli);
  const b = new Float64Array(stimuli);
  const perSplit = halves.map((half) => {
    const inA = new Uint8Array(repeats);
    for (const r of half) {
      if (!(Number.isInteger(r) && r >= 0 && r < repeats)) throw new UserFacingError(`Half lists repetition ${r}, outside 0…${repeats - 1}.`);
      inA[r] = 1;
    }
    const out = new Float64Array(neuroids);
    for (let n = 0; n < neuroids; n++) {
      for (let s = 0; s < stimuli; s++) {
        const base = (n * stimuli + s) * repeats;
        let sa = 0, ca = 0, sb = 0, cb = 0;
        for (let r = 0; r < repeats; r++) {
          const v = data[base + r];
          if (!Number.isFinite(v)) continue;
          if (inA[r]) { sa += v; ca++; } else { sb += v; cb++; }
        }
        a[s] = ca ? sa / ca : NaN;
        b[s] = cb ? sb / cb : NaN;
      }
      out[n] = spearmanBrown(pearsonFinite(a, b));
    }
    return out;
  });
  const splitCeilings = perSplit.map((r) => median(r));
  return { splitCeilings, ceiling: mean(splitCeilings), sem: brainScoreSem(splitCeilings), perSplit, halves };
}
