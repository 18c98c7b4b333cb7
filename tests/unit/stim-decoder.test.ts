import { beforeAll, describe, expect, test } from 'vitest';
import { decodeFace, fitLogistic, predictLogistic, trainFaceDecoder } from '../../src/core/stim/decoder';
import { seededRng } from '../../src/core/stim/random';
import { UserFacingError } from '../../src/core/types';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPythonScript } from '../support/python';

interface SklearnFit {
  coef: number[];
  intercept: number;
  proba: number[];
}

/** scikit-learn 1.2 LogisticRegression (L2, same C) on the same data: the independent reference (one Python start for all cases). */
function sklearnLogistic(cases: { x: number[][]; y: number[]; C: number }[]): SklearnFit[] {
  const code = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
out = []
for d in json.load(sys.stdin):
    m = LogisticRegression(C=d['C'], penalty='l2', solver='newton-cg', tol=1e-12, max_iter=10000).fit(np.array(d['x']), np.array(d['y']))
    out.append({'coef': m.coef_[0].tolist(), 'intercept': float(m.intercept_[0]), 'proba': m.predict_proba(np.array(d['x']))[:, 1].tolist()})
print(json.dumps(out))
`;
  return JSON.parse(runPythonScript(code, { input: JSON.stringify(cases), modules: ['sklearn'] }));
}

function synthetic(n: number, d: number, seed: number): { x: Float64Array; rows: number[][]; y: number[] } {
  const rng = seededRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const w = Array.from({ length: d }, gauss);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, gauss);
    const z = row.reduce((a, v, j) => a + v * w[j], 0) * 0.5 + 0.3 + gauss();
    rows.push(row);
    y.push(z > 0 ? 1 : 0);
  }
  return { x: Float64Array.from(rows.flat()), rows, y };
}

const CASES = [
  { n: 80, d: 5, C: 1 },
  { n: 40, d: 200, C: 0.1 }, // more features than samples, like 1280-d readouts
  { n: 60, d: 30, C: 10 },
].map((c, index) => ({ ...c, index, data: synthetic(c.n, c.d, c.n + c.d) }));

describe('face decoder: L2 logistic regression', () => {
  // Outside CI a missing numpy/scikit-learn skips this block (with a warning); under CI the file fails.
  describeIf(hasPythonModules('numpy', 'sklearn'), 'vs scikit-learn', () => {
    let refs: SklearnFit[] = [];
    beforeAll(() => {
      refs = sklearnLogistic(CASES.map((c) => ({ x: c.data.rows, y: c.data.y, C: c.C })));
    }, 120_000);

    test.each(CASES)('matches scikit-learn (n=$n, d=$d, C=$C) on coefficients and probabilities to 1e-3', ({ n, d, C, index, data }) => {
      const { x, y } = data;
      const ours = fitLogistic(x, n, d, y, { C });
      const ref = refs[index];
      const coefDiff = Math.max(...ref.coef.map((c, j) => Math.abs(c - ours.weights[j])));
      expect(coefDiff).toBeLessThan(1e-3);
      expect(Math.abs(ref.intercept - ours.intercept)).toBeLessThan(1e-3);
      const p = predictLogistic(ours, x, n);
      expect(Math.max(...ref.proba.map((q, i) => Math.abs(q - p[i])))).toBeLessThan(1e-3);
      // Sanity: a real fit, not all-zero weights.
      expect(Math.max(...ours.weights.map(Math.abs))).toBeGreaterThan(0.01);
    });
  });

  test('trainFaceDecoder z-scores features and separates the classes', () => {
    const { x, y } = synthetic(60, 10, 3);
    const shifted = Float32Array.from(x, (v, i) => v * (1 + (i % 10)) + 5); // scale/offset must not matter
    const dec = trainFaceDecoder(shifted, 60, 10, y.map((v) => v === 1), { C: 1 });
    const p = decodeFace(dec, shifted, 60);
    const acc = y.filter((v, i) => (p[i] > 0.5 ? 1 : 0) === v).length / 60;
    expect(acc).toBeGreaterThan(0.8);
    const plain = fitLogistic(Float64Array.from(x, (v, i) => {
      const j = i % 10;
      return (v * (1 + j) + 5 - dec.mean[j]) / dec.scale[j];
    }), 60, 10, y, { C: 1 });
    expect(Math.max(...Array.from(plain.weights, (w, j) => Math.abs(w - dec.model.weights[j])))).toBeLessThan(1e-6);
  });

  test('bad input gets a clear message', () => {
    expect(() => fitLogistic(new Float64Array(6), 3, 2, [1, 1, 1])).toThrow(UserFacingError);
    expect(() => fitLogistic(new Float64Array(6), 3, 2, [1, 0, 2])).toThrow(/0 \(non-face\) or 1/);
    expect(() => fitLogistic(new Float64Array(5), 3, 2, [1, 0, 1])).toThrow(/expected 3 x 2/);
  });
});
