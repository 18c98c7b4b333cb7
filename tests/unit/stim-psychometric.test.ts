import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAfrazCsv } from '../../src/core/stim/experiment';
import { fitLogisticCurve, fitPsychometric, logisticCurve, pearsonWithCI, psychometricPoints, psychometricShift } from '../../src/core/stim/psychometric';
import { UserFacingError } from '../../src/core/types';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPythonScript } from '../support/python';
import { hasShared, sharedPath } from '../support/shared';

/** scipy (with numpy) through the one guard: outside CI the reference tests skip without it, under CI the file fails. */
const hasScipy = hasPythonModules('numpy', 'scipy');
function python(code: string, input: unknown): any {
  return JSON.parse(runPythonScript(code, { input: JSON.stringify(input), modules: ['scipy'] }));
}

const CURVE_FIT = `
import json, sys
import numpy as np
from scipy.optimize import curve_fit
d = json.load(sys.stdin)
f = lambda x, x50, k: 1 / (1 + np.exp(-k * (x - x50)))
out = []
for p in d['ps']:
    fit, _ = curve_fit(f, np.array(d['x'], float), np.array(p, float), p0=d['p0'], maxfev=100000, xtol=1e-14, ftol=1e-14)
    out.append(fit.tolist())
print(json.dumps(out))
`;

describe('psychometric fit', () => {
  const x = [-80, -50, -40, -25, -15, 0, 15, 25, 40, 50, 80];
  const cases = [
    { name: 'steep', p: [0.02, 0.05, 0.1, 0.22, 0.35, 0.48, 0.62, 0.8, 0.9, 0.93, 0.99] },
    { name: 'shallow, biased', p: [0.08, 0.26, 0.09, 0.13, 0.24, 0.27, 0.23, 0.2, 0.35, 0.52, 0.76] },
    { name: 'shifted', p: [0.3, 0.5, 0.55, 0.7, 0.72, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97] },
  ].map((c, index) => ({ ...c, index }));
  describeIf(hasScipy, 'vs scipy', () => {
    let refs: number[][] = [];
    beforeAll(() => {
      refs = python(CURVE_FIT, { x, ps: cases.map((c) => c.p), p0: [0, 0.05] });
    }, 120_000);
    test.each(cases)('matches scipy.optimize.curve_fit to 1e-4 ($name)', ({ p, index }) => {
      const ours = fitLogisticCurve(x, p);
      const [x50, k] = refs[index];
      expect(Math.abs(ours.x50 - x50)).toBeLessThan(1e-4);
      expect(Math.abs(ours.slope - k)).toBeLessThan(1e-4);
    });
  });

  test('recovers a noiseless logistic and measures the shift of the 50 % point', () => {
    const base = x.map((v) => logisticCurve(v, 10, 0.08));
    const stim = x.map((v) => logisticCurve(v, -5, 0.08));
    const a = fitLogisticCurve(x, base);
    const b = fitLogisticCurve(x, stim);
    expect(a.x50).toBeCloseTo(10, 6);
    expect(a.slope).toBeCloseTo(0.08, 8);
    expect(psychometricShift(a, b)).toBeCloseTo(15, 6);
  });

  test('points pool face (+) and non-face (−) trials by signed signal, 0 % shared', () => {
    const trials = [
      { isFace: true, signalPercent: 0 },
      { isFace: false, signalPercent: 0 },
      { isFace: true, signalPercent: 50 },
      { isFace: false, signalPercent: 50 },
      { isFace: false, signalPercent: 50 },
    ];
    const pts = psychometricPoints(trials, [0.4, 0.6, 0.9, 0.2, 0.1]);
    expect(pts.map((p) => p.signal)).toEqual([-50, 0, 50]);
    expect(pts[0].pFace).toBeCloseTo(0.15, 12);
    expect(pts[1]).toEqual({ signal: 0, pFace: 0.5, count: 2 });
    expect(fitPsychometric(pts).slope).toBeGreaterThan(0);
  });
});

describe('pearsonWithCI', () => {
  test.skipIf(!hasScipy)('matches scipy.stats.pearsonr and its Fisher-z 95 % interval', () => {
    const a = [1, 2, 3.5, 4, 5.5, 7, 8.2, 9, 10.1, 12];
    const b = [2.1, 1.9, 4.2, 3.9, 6.5, 6.1, 9.4, 8.2, 11.5, 11];
    const ours = pearsonWithCI(a, b);
    const ref = python(
      `
import json, sys
from scipy.stats import pearsonr
d = json.load(sys.stdin)
r = pearsonr(d['a'], d['b'])
ci = r.confidence_interval(0.95)
print(json.dumps([float(r.statistic), float(ci.low), float(ci.high)]))
`,
      { a, b },
    ) as number[];
    expect(ours.r).toBeCloseTo(ref[0], 10);
    expect(ours.low).toBeCloseTo(ref[1], 8);
    expect(ours.high).toBeCloseTo(ref[2], 8);
  });

  test('rejects constant or too-short input', () => {
    expect(() => pearsonWithCI([1, 2, 3], [1, 2, 3])).toThrow(UserFacingError);
    expect(() => pearsonWithCI([1, 1, 1, 1], [1, 2, 3, 4])).toThrow(/constant/);
  });
});

describe.skipIf(!hasShared)('Afraz et al. 2006 data', () => {
  test('parses the 86 sites; selectivity and shift correlate positively as in the paper', () => {
    const sites = parseAfrazCsv(readFileSync(sharedPath('data/vision/afraz2006/selectivity_vs_shift_100-150ms.csv'), 'utf8'));
    expect(sites.length).toBe(86);
    expect(sites[0].faceSelectivity).toBeCloseTo(-0.3033837807516031, 12);
    const c = pearsonWithCI(sites.map((s) => s.faceSelectivity), sites.map((s) => s.psychometricShift));
    expect(c.r).toBeGreaterThan(0);
    expect(c.low).toBeGreaterThan(0);
  });

  test('rejects another table', () => {
    expect(() => parseAfrazCsv('a,b\n1,2\n')).toThrow(/face_selectivity/);
  });
});
