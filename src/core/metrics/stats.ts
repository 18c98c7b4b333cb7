/** Descriptive statistics and correlations used by every metric. NaN handling is stated per function. */
import { mulberry32 } from '../random';
import type { Matrix } from './linalg';

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return x.length ? s / x.length : NaN;
}

/** Median of the finite values (NaN when none). */
export function median(x: ArrayLike<number>): number {
  const v = Array.from(x).filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/** Sample standard deviation (ddof = 1). */
export function std(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Standard error of the mean: std (ddof = 1) / sqrt(n). */
export function standardError(x: ArrayLike<number>): number {
  return std(x) / Math.sqrt(x.length);
}

/** Pearson r; NaN when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: lengths ${n} and ${b.length} differ`);
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const den = Math.sqrt(saa * sbb);
  return den > 0 ? sab / den : NaN;
}

/** Pearson r over the entries where both are finite. */
export function pearsonFinite(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      x.push(a[i]);
      y.push(b[i]);
    }
  }
  return x.length > 1 ? pearson(x, y) : NaN;
}

/** Pearson r between matching columns of two equally shaped matrices (one r per column, e.g. per neuroid). */
export function pearsonColumns(a: Matrix, b: Matrix): Float64Array {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error('pearsonColumns: shapes differ');
  const out = new Float64Array(a.cols);
  const x = new Float64Array(a.rows);
  const y = new Float64Array(a.rows);
  for (let j = 0; j < a.cols; j++) {
    for (let i = 0; i < a.rows; i++) {
      x[i] = a.data[i * a.cols + j];
      y[i] = b.data[i * b.cols + j];
    }
    out[j] = pearson(x, y);
  }
  return out;
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata 'average'). */
export function rankdata(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => x[i] - x[j]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman rho = Pearson r of average ranks (scipy.stats.spearmanr). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(rankdata(a), rankdata(b));
}

/**
 * Kendall tau-a = (concordant - discordant) / (n(n-1)/2); tied pairs count as neither.
 * Knight's O(n log n) algorithm (sort by a then b, count b-inversions by merge sort), so RDMs of
 * thousands of stimuli stay fast. tau-a (not scipy's tau-b) is what Nili et al. 2014 recommend for RDMs.
 */
export function kendallTauA(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`kendallTauA: lengths ${n} and ${b.length} differ`);
  if (n < 2) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j] || b[i] - b[j]);
  const n0 = (n * (n - 1)) / 2;
  let tiesA = 0;
  let tiesBoth = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && a[order[j + 1]] === a[order[i]]) j++;
    const t = j - i + 1;
    tiesA += (t * (t - 1)) / 2;
    // Within an a-tie group b is sorted: count runs of equal b.
    for (let k = i; k <= j; ) {
      let m = k;
      while (m + 1 <= j && b[order[m + 1]] === b[order[k]]) m++;
      const u = m - k + 1;
      tiesBoth += (u * (u - 1)) / 2;
      k = m + 1;
    }
    i = j + 1;
  }
  const ys = Float64Array.from(order, (i) => b[i]);
  const discordant = mergeCountInversions(ys);
  // ys is now sorted: count ties in b.
  let tiesB = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && ys[j + 1] === ys[i]) j++;
    const t = j - i + 1;
    tiesB += (t * (t - 1)) / 2;
    i = j + 1;
  }
  return (n0 - tiesA - tiesB + tiesBoth - 2 * discordant) / n0;
}

/** Sorts v ascending in place; returns the number of strict inversions (i < j, v[i] > v[j]). */
function mergeCountInversions(v: Float64Array<ArrayBuffer>): number {
  const n = v.length;
  let buf = new Float64Array(n);
  let src: Float64Array<ArrayBuffer> = v;
  let count = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          count += mid - i;
          buf[k++] = src[j++];
        } else buf[k++] = src[i++];
      }
      while (i < mid) buf[k++] = src[i++];
      while (j < hi) buf[k++] = src[j++];
    }
    [src, buf] = [buf, src];
  }
  if (src !== v) v.set(src);
  return count;
}

/** A small seeded PRNG (mulberry32) so splits are reproducible across runs and machines. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

/** Fisher-Yates permutation of 0..n-1 driven by rand. */
export function permutation(n: number, rand: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Standard normal draws (Box-Muller) from a seeded uniform source. */
export function gaussian(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
