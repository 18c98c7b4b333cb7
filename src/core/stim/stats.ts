/**
 * Statistics of the microstimulation experiment, shared by the lab's worker and `silico stim`.
 *
 * Bootstrap (Efron & Tibshirani 1993, percentile intervals): each replicate resamples the task's source images
 * (faces and non-faces separately, with replacement) and, for every drawn image and signal level, its noise draws
 * (with replacement). The same replicate weights are applied to the unstimulated run and to every stimulation
 * condition (they are paired: the same trials were shown), and each curve is refit, so a shift's CI includes the
 * sampling of images and of noise. Across sites, a replicate also resamples the sites, so the CI of the
 * selectivity–shift correlation and of the control mean include both the per-site measurement error and the
 * choice of sites.
 */
import { UserFacingError } from '../types';
import { fitLogisticCurve } from './psychometric';
import { seededRng, type Rng } from './random';

export interface TrialKey {
  source: number;
  isFace: boolean;
  signalPercent: number;
  repeat?: number;
}

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export const BOOTSTRAP_DEFAULT = 1000;

/** Percentile of a sorted copy (linear interpolation, numpy's default). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const a = Float64Array.from(values).filter((v) => Number.isFinite(v)).sort();
  if (a.length === 0) return NaN;
  const pos = (q / 100) * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}

function interval(value: number, reps: ArrayLike<number>): Interval {
  return { value, low: percentile(reps, 2.5), high: percentile(reps, 97.5) };
}

/** Trials grouped for resampling: per class, per source image, per signed level → trial indices (noise draws). */
class TrialDesign {
  readonly levels: number[];
  readonly levelOf: Int32Array;
  readonly sources: { face: number[]; nonFace: number[] };
  /** key `${face}:${source}:${levelIndex}` → trial indices */
  private readonly cells = new Map<string, number[]>();

  constructor(trials: TrialKey[]) {
    const signed = trials.map((t) => (t.signalPercent === 0 ? 0 : t.isFace ? t.signalPercent : -t.signalPercent));
    this.levels = [...new Set(signed)].sort((a, b) => a - b);
    const index = new Map(this.levels.map((l, i) => [l, i]));
    this.levelOf = Int32Array.from(signed, (s) => index.get(s)!);
    const face = new Set<number>();
    const nonFace = new Set<number>();
    trials.forEach((t, i) => {
      (t.isFace ? face : nonFace).add(t.source);
      const key = `${t.isFace ? 1 : 0}:${t.source}:${this.levelOf[i]}`;
      const cell = this.cells.get(key);
      if (cell) cell.push(i);
      else this.cells.set(key, [i]);
    });
    this.sources = { face: [...face].sort((a, b) => a - b), nonFace: [...nonFace].sort((a, b) => a - b) };
    if (this.sources.face.length < 2 || this.sources.nonFace.length < 2) throw new UserFacingError('Bootstrap CIs need at least two face and two non-face task images.');
  }

  /** Replicate weights: how often each trial is drawn. */
  resample(rng: Rng, n: number): Float64Array {
    const w = new Float64Array(n);
    for (const [flag, pool] of [[1, this.sources.face], [0, this.sources.nonFace]] as const) {
      for (let k = 0; k < pool.length; k++) {
        const source = pool[Math.floor(rng() * pool.length)];
        for (let l = 0; l < this.levels.length; l++) {
          const cell = this.cells.get(`${flag}:${source}:${l}`);
          if (!cell) continue;
          for (let r = 0; r < cell.length; r++) w[cell[Math.floor(rng() * cell.length)]] += 1;
        }
      }
    }
    return w;
  }

  /** 50 % point of the curve fit to weighted per-level means of P("face"). */
  x50(pFace: ArrayLike<number>, w?: Float64Array): number {
    const sum = new Float64Array(this.levels.length);
    const cnt = new Float64Array(this.levels.length);
    for (let i = 0; i < pFace.length; i++) {
      const wi = w ? w[i] : 1;
      if (wi === 0) continue;
      sum[this.levelOf[i]] += wi * pFace[i];
      cnt[this.levelOf[i]] += wi;
    }
    const x: number[] = [];
    const p: number[] = [];
    for (let l = 0; l < this.levels.length; l++) {
      if (cnt[l] === 0) continue;
      x.push(this.levels[l]);
      p.push(sum[l] / cnt[l]);
    }
    return fitLogisticCurve(x, p).x50;
  }
}

export interface ShiftBootstrap {
  /** 50 % point of the unstimulated curve, with CI (% signal). */
  baselineX50: Interval;
  /** Per condition: shift (% signal, + = toward "face") with CI. */
  shifts: Interval[];
  /** Replicates [B][conditions] of the shifts (paired across conditions). */
  replicates: Float64Array[];
  bootstrap: number;
}

/**
 * Shifts of the 50 % point for each stimulation condition (P("face") per trial, same trials as the baseline), with
 * bootstrap CIs resampling images and noise draws.
 */
export function bootstrapShifts(trials: TrialKey[], baselinePFace: ArrayLike<number>, conditions: ArrayLike<number>[], options: { bootstrap?: number; seed?: number } = {}): ShiftBootstrap {
  const B = options.bootstrap ?? BOOTSTRAP_DEFAULT;
  if (!(Number.isInteger(B) && B >= 0)) throw new UserFacingError(`Bootstrap replicates must be a whole number ≥ 0 (got ${B}).`);
  const n = trials.length;
  for (const c of [baselinePFace, ...conditions]) if (c.length !== n) throw new UserFacingError(`Got ${c.length} choices for ${n} trials.`);
  const design = new TrialDesign(trials);
  const rng = seededRng(options.seed ?? 1);
  const base = design.x50(baselinePFace);
  const point = conditions.map((c) => base - design.x50(c));
  const baseReps = new Float64Array(B);
  const replicates: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    const w = design.resample(rng, n);
    const b50 = design.x50(baselinePFace, w);
    baseReps[b] = b50;
    replicates.push(Float64Array.from(conditions, (c) => b50 - design.x50(c, w)));
  }
  return {
    baselineX50: interval(base, baseReps),
    shifts: point.map((v, j) => interval(v, replicates.map((r) => r[j]))),
    replicates,
    bootstrap: B,
  };
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>, idx: ArrayLike<number>): number {
  const n = idx.length;
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += x[idx[k]] / n;
    my += y[idx[k]] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const a = x[idx[k]] - mx;
    const b = y[idx[k]] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

function meanOf(y: ArrayLike<number>, idx: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < idx.length; k++) s += y[idx[k]];
  return s / idx.length;
}

function sdOf(y: ArrayLike<number>, idx: ArrayLike<number>): number {
  const m = meanOf(y, idx);
  let s = 0;
  for (let k = 0; k < idx.length; k++) s += (y[idx[k]] - m) ** 2;
  return idx.length > 1 ? Math.sqrt(s / (idx.length - 1)) : NaN;
}

function resampleIndex(idx: number[], rng: Rng): number[] {
  return idx.map(() => idx[Math.floor(rng() * idx.length)]);
}

/** Afraz et al.'s own thresholds: their sites spanned d' −0.3 … 2.5; controls are |d'| < 0.5. */
export const AFRAZ_MIN_DPRIME = -0.3;
export const CONTROL_ABS_DPRIME = 0.5;

export interface GroupStat extends Interval {
  n: number;
  /** Spread (sample SD) across the group's sites. */
  sd: number;
}

export interface SelectivityShiftSummary {
  nSites: number;
  /** Pearson r (tissue d' vs shift) over all sites, and over sites with d' ≥ −0.3 (Afraz's range). */
  r: Interval;
  rInRange: Interval & { n: number };
  /** Control sites (|d'| < 0.5): mean shift with CI, and their SD. */
  controls: GroupStat;
  /** The most selective quarter of sites (by d'). */
  topQuarter: GroupStat;
  bootstrap: number;
}

/**
 * The selectivity–shift statistics Afraz et al. report, with bootstrap CIs. `replicates` (from bootstrapShifts,
 * [B][sites]) carry the per-site measurement error; without them (e.g. for Afraz's own table) only the sites are
 * resampled.
 */
export function summarizeSelectivityShift(dPrime: ArrayLike<number>, shifts: ArrayLike<number>, options: { replicates?: Float64Array[]; bootstrap?: number; seed?: number } = {}): SelectivityShiftSummary {
  const n = dPrime.length;
  if (shifts.length !== n) throw new UserFacingError(`Got ${shifts.length} shifts for ${n} sites.`);
  if (n < 4) throw new UserFacingError('Selectivity–shift statistics need at least 4 sites.');
  const B = options.replicates?.length ?? options.bootstrap ?? BOOTSTRAP_DEFAULT;
  const rng = seededRng(options.seed ?? 2);
  const all = Array.from({ length: n }, (_, i) => i);
  const inRange = all.filter((i) => dPrime[i] >= AFRAZ_MIN_DPRIME);
  const controls = all.filter((i) => Math.abs(dPrime[i]) < CONTROL_ABS_DPRIME);
  const byD = [...all].sort((a, b) => dPrime[a] - dPrime[b] || a - b);
  const top = byD.slice(n - Math.max(1, Math.ceil(n / 4)));
  const reps = { r: new Float64Array(B), rIn: new Float64Array(B), ctrl: new Float64Array(B), top: new Float64Array(B) };
  for (let b = 0; b < B; b++) {
    const y = options.replicates ? options.replicates[b] : shifts;
    reps.r[b] = pearson(dPrime, y, resampleIndex(all, rng));
    reps.rIn[b] = inRange.length >= 3 ? pearson(dPrime, y, resampleIndex(inRange, rng)) : NaN;
    reps.ctrl[b] = controls.length ? meanOf(y, resampleIndex(controls, rng)) : NaN;
    reps.top[b] = meanOf(y, resampleIndex(top, rng));
  }
  return {
    nSites: n,
    r: interval(pearson(dPrime, shifts, all), reps.r),
    rInRange: { ...interval(inRange.length >= 3 ? pearson(dPrime, shifts, inRange) : NaN, reps.rIn), n: inRange.length },
    controls: { ...interval(controls.length ? meanOf(shifts, controls) : NaN, reps.ctrl), n: controls.length, sd: sdOf(shifts, controls) },
    topQuarter: { ...interval(meanOf(shifts, top), reps.top), n: top.length, sd: sdOf(shifts, top) },
    bootstrap: B,
  };
}

/** How far a psychometric curve's points are from rising monotonically: the largest drop between adjacent levels. */
export function largestDrop(points: { signal: number; pFace: number }[]): number {
  const sorted = [...points].sort((a, b) => a.signal - b.signal);
  let drop = 0;
  for (let i = 1; i < sorted.length; i++) drop = Math.max(drop, sorted[i - 1].pFace - sorted[i].pFace);
  return drop;
}

export interface SweepAdvice {
  /** Plain warnings: the result cannot be read as Afraz's effect. */
  warnings: string[];
  /** Why the effect may be absent, and what to try. */
  hints: string[];
}

/**
 * Reads a sweep's statistics the way a careful experimenter would: controls that move as much as selective sites
 * mean the shift is not about face selectivity; an absent effect is usually the current, the layer or the decoder.
 */
export function adviseSweep(summary: SelectivityShiftSummary, context: { currentUa: number; decoderAccuracy?: number; baselineSlope?: number }): SweepAdvice {
  const warnings: string[] = [];
  const hints: string[] = [];
  const c = summary.controls;
  const t = summary.topQuarter;
  if (c.n >= 2 && Number.isFinite(c.sd) && (Math.abs(c.value) >= Math.abs(t.value) || c.sd >= Math.abs(t.value))) {
    warnings.push(`Control sites (|d′| < 0.5) shift as much as the most selective quarter (controls ${c.value.toFixed(1)} ± ${c.sd.toFixed(1)} % vs top quarter ${t.value.toFixed(1)} %): here the shift is not explained by face selectivity.`);
  }
  if (c.n >= 2 && c.low > 0 === c.high > 0 && Math.abs(c.value) > 2) {
    warnings.push(`Stimulating non-selective sites biases choices on its own (control mean ${c.value.toFixed(1)} %, 95 % CI ${c.low.toFixed(1)} to ${c.high.toFixed(1)}); Afraz et al. saw +0.3 %.`);
  }
  const shallow = context.baselineSlope !== undefined && Math.abs(context.baselineSlope) < 0.01;
  const why = shallow ? ` The baseline curve is shallow (slope ${context.baselineSlope!.toFixed(4)} per % signal), so small changes in P("face") become large shifts.` : '';
  if (c.n >= 2 && Number.isFinite(c.sd) && c.sd > 4) {
    warnings.push(`Control sites (|d′| < 0.5) spread widely: SD ${c.sd.toFixed(1)} % against Afraz's 3.0 %.${why}`);
  }
  if (t.n >= 1 && t.value > 3 * 4.8) {
    warnings.push(`The shifts are much larger than the monkeys': the most selective quarter moves ${t.value.toFixed(1)} % against Afraz's +4.8 %.${why}`);
  }
  const absent = !(t.low > 0) || !(summary.r.low > 0);
  if (absent) {
    if (context.currentUa < 25) hints.push(`The current is low (${context.currentUa} µA activates ${Math.sqrt(context.currentUa / 675).toFixed(2)} mm): try Afraz's 50 µA or the dose–response.`);
    if (context.decoderAccuracy !== undefined && context.decoderAccuracy < 0.75) hints.push(`The decoder is weak (${(100 * context.decoderAccuracy).toFixed(0)} % correct at ≥ 50 % signal): the readout carries little face information on noisy images, so more images or another readout layer may help.`);
    if (shallow && !warnings.some((w) => w.includes('shallow'))) hints.push(`The baseline curve is shallow (slope ${context.baselineSlope!.toFixed(4)} per % signal): small changes in P("face") become large, noisy shifts.`);
    hints.push('Try another layer as IT: the sites must both be face-selective and feed the readout the decoder uses.');
  }
  return { warnings, hints };
}

export interface CurveBand {
  signal: number;
  low: number;
  high: number;
}

/** 95 % bootstrap band of P("face") at each signed signal level (images and noise draws resampled). */
export function bootstrapCurveBand(trials: TrialKey[], pFace: ArrayLike<number>, options: { bootstrap?: number; seed?: number } = {}): CurveBand[] {
  const B = options.bootstrap ?? BOOTSTRAP_DEFAULT;
  const design = new TrialDesign(trials);
  const rng = seededRng(options.seed ?? 3);
  const reps = design.levels.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    const w = design.resample(rng, trials.length);
    const sum = new Float64Array(design.levels.length);
    const cnt = new Float64Array(design.levels.length);
    for (let i = 0; i < trials.length; i++) {
      sum[design.levelOf[i]] += w[i] * pFace[i];
      cnt[design.levelOf[i]] += w[i];
    }
    for (let l = 0; l < design.levels.length; l++) reps[l][b] = cnt[l] > 0 ? sum[l] / cnt[l] : NaN;
  }
  return design.levels.map((signal, l) => ({ signal, low: percentile(reps[l], 2.5), high: percentile(reps[l], 97.5) }));
}
