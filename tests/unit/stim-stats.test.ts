/**
 * Microstimulation statistics (src/core/stim/stats.ts) against independent numpy/scipy computations: the
 * selectivity–shift summary of Afraz et al.'s own table, bootstrap CIs of shifts (numpy's resampling, its own
 * random stream), and the advice the lab shows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseAfrazCsv } from '../../src/core/stim/experiment';
import { fitPsychometric, psychometricPoints, psychometricShift } from '../../src/core/stim/psychometric';
import { seededRng } from '../../src/core/stim/random';
import { validateStimulation } from '../../src/core/stim/spread';
import { adviseSweep, bootstrapShifts, largestDrop, percentile, summarizeSelectivityShift, type TrialKey } from '../../src/core/stim/stats';
import { UserFacingError } from '../../src/core/types';
import { hasPython, runPython } from '../support/python';
import { hasShared, sharedPath } from '../support/shared';

const AFRAZ = sharedPath('data/vision/afraz2006/selectivity_vs_shift_100-150ms.csv');

/** A synthetic observer: P("face") = logistic(k (signal − x50)) + per-image and per-draw jitter. */
function synthetic(x50: number, seed: number) {
  const rng = seededRng(seed);
  const trials: TrialKey[] = [];
  const imageBias = Array.from({ length: 24 }, () => (rng() - 0.5) * 0.6);
  for (let repeat = 0; repeat < 3; repeat++) for (const level of [0, 15, 25, 40, 50, 80]) for (let source = 0; source < 24; source++) trials.push({ source: source % 12, isFace: source < 12, signalPercent: level, repeat });
  const p = (shift: number) =>
    Float64Array.from(trials, (t, i) => {
      const s = t.signalPercent === 0 ? 0 : t.isFace ? t.signalPercent : -t.signalPercent;
      const z = 0.05 * (s - x50 + shift) + imageBias[(t.isFace ? 0 : 12) + t.source] + 0.4 * Math.sin(i * 12.9898 + seed);
      return 1 / (1 + Math.exp(-z));
    });
  return { trials, base: p(0), stim: [p(0), p(5), p(-8)] };
}

describe('bootstrap shifts', () => {
  const { trials, base, stim } = synthetic(3, 1);
  const boot = bootstrapShifts(trials, base, stim, { bootstrap: 400, seed: 3 });

  test('point estimates are the plain psychometric shifts, and the CIs contain them', () => {
    const baseCurve = fitPsychometric(psychometricPoints(trials, base));
    stim.forEach((s, j) => {
      const shift = psychometricShift(baseCurve, fitPsychometric(psychometricPoints(trials, s)));
      expect(boot.shifts[j].value).toBeCloseTo(shift, 6);
      expect(boot.shifts[j].low).toBeLessThanOrEqual(boot.shifts[j].value);
      expect(boot.shifts[j].high).toBeGreaterThanOrEqual(boot.shifts[j].value);
    });
    expect(boot.shifts[0].value).toBeCloseTo(0, 9); // identical condition: no shift, and no spread either
    expect(boot.shifts[0].high - boot.shifts[0].low).toBeCloseTo(0, 9);
    expect(boot.shifts[1].value).toBeGreaterThan(3);
    expect(boot.shifts[2].value).toBeLessThan(-5);
    expect(boot.replicates).toHaveLength(400);
  });

  test.skipIf(!hasPython)('CI widths agree with a numpy bootstrap of the same design (images, then noise draws)', () => {
    const ref = runPython<{ half: number[] }>(
      `
      from scipy.optimize import curve_fit
      t = inp['trials']; base = np.array(inp['base']); stim = [np.array(s) for s in inp['stim']]
      face = np.array([x['isFace'] for x in t]); src = np.array([x['source'] for x in t]); lev = np.array([x['signalPercent'] for x in t])
      sig = np.where(face, lev, -lev); levels = np.unique(sig)
      f = lambda x, a, k: 1 / (1 + np.exp(-k * (x - a)))
      def x50(p, w):
          pts = [np.sum(w[sig == l] * p[sig == l]) / np.sum(w[sig == l]) for l in levels]
          return curve_fit(f, levels, pts, p0=[0, 0.05], maxfev=20000)[0][0]
      rng = np.random.default_rng(11)
      cells = {}
      for i in range(len(t)): cells.setdefault((bool(face[i]), int(src[i]), int(sig[i])), []).append(i)
      reps = []
      for b in range(400):
          w = np.zeros(len(t))
          for fl in (True, False):
              pool = sorted({int(s) for s, ff in zip(src, face) if ff == fl})
              for s in rng.choice(pool, len(pool)):
                  for l in levels:
                      c = cells.get((fl, int(s), int(l)))
                      if c: np.add.at(w, rng.choice(c, len(c)), 1)
          b50 = x50(base, w)
          reps.append([b50 - x50(s, w) for s in stim[1:]])
      reps = np.array(reps)
      out = {'half': ((np.percentile(reps, 97.5, axis=0) - np.percentile(reps, 2.5, axis=0)) / 2).tolist()}
      `,
      { trials, base: Array.from(base), stim: stim.map((s) => Array.from(s)) },
      ['scipy'],
    );
    [1, 2].forEach((j, k) => {
      const ours = (boot.shifts[j].high - boot.shifts[j].low) / 2;
      console.log(`condition ${j}: CI half-width ${ours.toFixed(3)} vs numpy ${ref.half[k].toFixed(3)} % signal`);
      expect(ours / ref.half[k]).toBeGreaterThan(0.75);
      expect(ours / ref.half[k]).toBeLessThan(1.33);
    });
  }, 180_000);

  test('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBeCloseTo(2.5, 12);
    expect(percentile([5, 1, 3], 2.5)).toBeCloseTo(1.1, 12);
  });
});

describe.skipIf(!hasShared)('selectivity–shift summary of Afraz et al. 2006 (their digitised table)', () => {
  const sites = parseAfrazCsv(readFileSync(AFRAZ, 'utf8'));
  const d = sites.map((s) => s.faceSelectivity);
  const y = sites.map((s) => s.psychometricShift);
  const ours = summarizeSelectivityShift(d, y, { bootstrap: 2000, seed: 5 });

  test.skipIf(!hasPython)('r, controls and top quarter equal scipy/numpy on the same sites', () => {
    const ref = runPython<{ r: number; rin: number; cm: number; csd: number; top: number; n: number }>(
      `
      from scipy.stats import pearsonr
      d = np.array(inp['d']); y = np.array(inp['y']); n = len(d)
      c = np.abs(d) < 0.5; order = np.argsort(d, kind='stable'); top = order[n - int(np.ceil(n / 4)):]
      out = {'r': pearsonr(d, y)[0], 'rin': pearsonr(d[d >= -0.3], y[d >= -0.3])[0], 'cm': y[c].mean(), 'csd': y[c].std(ddof=1), 'top': y[top].mean(), 'n': int(c.sum())}
      `,
      { d, y },
      ['scipy'],
    );
    expect(ours.nSites).toBe(86);
    expect(ours.r.value).toBeCloseTo(ref.r, 10);
    expect(ours.rInRange.value).toBeCloseTo(ref.rin, 10);
    expect(ours.controls.value).toBeCloseTo(ref.cm, 10);
    expect(ours.controls.sd).toBeCloseTo(ref.csd, 10);
    expect(ours.controls.n).toBe(ref.n);
    expect(ours.topQuarter.value).toBeCloseTo(ref.top, 10);
    console.log(`Afraz 2006: r ${ours.r.value.toFixed(2)} [${ours.r.low.toFixed(2)}, ${ours.r.high.toFixed(2)}], controls ${ours.controls.value.toFixed(2)} ± ${ours.controls.sd.toFixed(2)} % (n ${ours.controls.n}), top quarter ${ours.topQuarter.value.toFixed(2)} %`);
  });

  test('the published numbers come out: r ≈ 0.55 with a CI above 0.2, a positive top quarter', () => {
    expect(ours.r.value).toBeGreaterThan(0.45);
    expect(ours.r.value).toBeLessThan(0.65);
    expect(ours.r.low).toBeGreaterThan(0.2);
    expect(ours.r.low).toBeLessThan(ours.r.value);
    expect(ours.topQuarter.low).toBeGreaterThan(0);
  });
});

describe('advice and argument limits', () => {
  const base = { nSites: 24, bootstrap: 0, r: { value: 0.1, low: -0.3, high: 0.5 }, rInRange: { value: 0, low: -0.5, high: 0.5, n: 10 } };
  test('warns when controls shift as much as selective sites, and hints at an absent effect', () => {
    const a = adviseSweep({ ...base, controls: { value: -6, low: -9, high: -3, n: 8, sd: 7 }, topQuarter: { value: 2, low: -1, high: 5, n: 6, sd: 3 } }, { currentUa: 10, decoderAccuracy: 0.6, baselineSlope: 0.004 });
    expect(a.warnings.join(' ')).toMatch(/Control sites .* as much as/);
    expect(a.warnings.join(' ')).toMatch(/biases choices on its own/);
    expect(a.hints.join(' ')).toMatch(/current is low/);
    expect(a.hints.join(' ')).toMatch(/decoder is weak/);
    // The shallow baseline is named once: here in the warning on the controls' spread (SD 7 > 4), not again as a hint.
    expect(a.warnings.join(' ')).toMatch(/spread widely.*shallow/);
    expect(a.hints.join(' ')).not.toMatch(/shallow/);
    expect(adviseSweep({ ...base, controls: { value: -1, low: -3, high: 1, n: 8, sd: 2 }, topQuarter: { value: 2, low: -1, high: 5, n: 6, sd: 3 } }, { currentUa: 50, baselineSlope: 0.004 }).hints.join(' ')).toMatch(/shallow/);
  });
  test('controls that spread widely and shifts far beyond the monkeys\' are flagged, with the shallow baseline as the reason', () => {
    const a = adviseSweep({ ...base, r: { value: 0.7, low: 0.5, high: 0.85 }, controls: { value: 1, low: -5, high: 7, n: 15, sd: 11 }, topQuarter: { value: 33, low: 23, high: 47, n: 6, sd: 8 } }, { currentUa: 50, decoderAccuracy: 0.86, baselineSlope: 0.0035 });
    expect(a.warnings.join(' ')).toMatch(/spread widely: SD 11\.0 % against Afraz's 3\.0 %/);
    expect(a.warnings.join(' ')).toMatch(/most selective quarter moves 33\.0 % against Afraz's \+4\.8 %/);
    expect(a.warnings.join(' ')).toMatch(/baseline curve is shallow \(slope 0\.0035/);
    expect(a.hints).toEqual([]);
  });
  test('a clean effect gets no warning and no hint', () => {
    const a = adviseSweep({ ...base, r: { value: 0.6, low: 0.3, high: 0.8 }, controls: { value: 0.2, low: -1, high: 1.4, n: 8, sd: 2 }, topQuarter: { value: 5, low: 3, high: 7, n: 6, sd: 2 } }, { currentUa: 50, decoderAccuracy: 0.9, baselineSlope: 0.05 });
    expect(a).toEqual({ warnings: [], hints: [] });
  });
  test('largest drop of a curve', () => {
    expect(largestDrop([{ signal: -10, pFace: 0.2 }, { signal: 0, pFace: 0.15 }, { signal: 10, pFace: 0.9 }])).toBeCloseTo(0.05, 12);
  });
  test('absurd trains are refused with the reason', () => {
    expect(() => validateStimulation({ currentsUa: [50, 5000] })).toThrow(UserFacingError);
    expect(() => validateStimulation({ currentsUa: [-1] })).toThrow(/Current must be within 0–300 µA/);
    expect(() => validateStimulation({ frequencyHz: 0 })).toThrow(/Frequency/);
    expect(() => validateStimulation({ durationMs: Number.NaN })).toThrow(/Duration/);
    expect(() => validateStimulation({ currentsUa: [0, 50, 300], frequencyHz: 200, durationMs: 50 })).not.toThrow();
  });
});
