import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/core/language/random';
import { fitEncodingModel, heldOutPerformance, predictEncoding, scoreLayers } from '../../src/core/language/encoding';
import { syntheticResponses } from '../../src/core/language/synthetic';
import { participantNoiseCeiling } from '../../src/core/language/ceiling';
import { pearson } from '../../src/core/metrics/stats';
import type { Matrix } from '../../src/core/metrics/linalg';
import { hasPythonModules, runPythonScript } from '../support/python';

/** scikit-learn (with numpy) through the one guard: outside CI the reference tests skip without it, under CI the file fails. */
const hasSklearn = hasPythonModules('numpy', 'sklearn');
function python(script: string, input: unknown): any {
  return JSON.parse(runPythonScript(script, { input: JSON.stringify(input), modules: ['sklearn'] }));
}

function randomFeatures(rows: number, cols: number, seed: number, scales = true): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols);
  rng.fillNormal(data);
  // Features on very different scales and offsets, as raw LM units are.
  if (scales) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = data[i * cols + j] * (1 + j) + j;
  return { rows, cols, data };
}

const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const ALPHAS = [0.01, 0.1, 1, 10, 100, 1000, 1e4];

describe('language encoding models', () => {
  test.skipIf(!hasSklearn)('fitEncodingModel matches sklearn StandardScaler + RidgeCV (alpha and predictions)', () => {
    const x = randomFeatures(150, 25, 1);
    const xNew = randomFeatures(20, 25, 2);
    const truth = syntheticResponses(x.data.length ? Array.from({ length: 150 }, (_, i) => `s${i}`) : [], x, { seed: 3, targetR: 0.5 });
    const y = Array.from(truth.table.response);
    const model = fitEncodingModel(x, y, { alphas: ALPHAS });
    const pred = predictEncoding(model, xNew);
    const ref = python(String.raw`
import json, sys, numpy as np
from sklearn.linear_model import RidgeCV, Ridge
from sklearn.preprocessing import StandardScaler
d = json.load(sys.stdin)
X, y, Xn = np.array(d['x']), np.array(d['y']), np.array(d['xNew'])
sc = StandardScaler().fit(X)
m = RidgeCV(alphas=d['alphas']).fit(sc.transform(X), y)
fixed = Ridge(alpha=37.0).fit(sc.transform(X), y)
print(json.dumps({'alpha': float(m.alpha_), 'pred': m.predict(sc.transform(Xn)).tolist(), 'coef': m.coef_.tolist(), 'fixed': fixed.predict(sc.transform(Xn)).tolist()}))`,
      { x: rows(x), y, xNew: rows(xNew), alphas: ALPHAS });
    expect(model.alpha).toBe(ref.alpha);
    pred.forEach((p, i) => expect(Math.abs(p - ref.pred[i]) / (Math.abs(ref.pred[i]) + 1e-3)).toBeLessThan(1e-4));
    model.weights.forEach((w, i) => expect(Math.abs(w - ref.coef[i])).toBeLessThan(1e-4 * Math.max(...ref.coef.map(Math.abs))));
    const fixed = predictEncoding(fitEncodingModel(x, y, { alphas: [37] }), xNew);
    fixed.forEach((p, i) => expect(Math.abs(p - ref.fixed[i]) / (Math.abs(ref.fixed[i]) + 1e-3)).toBeLessThan(1e-4));
  });

  test.skipIf(!hasSklearn)('k-fold held-out r matches a sklearn run on the same folds', () => {
    const x = randomFeatures(100, 15, 4);
    const truth = syntheticResponses(Array.from({ length: 100 }, (_, i) => `s${i}`), x, { seed: 5, targetR: 0.6 });
    const y = Array.from(truth.table.response);
    const res = heldOutPerformance(x, y, { alphas: ALPHAS, folds: 5, seed: 9 });
    expect(res.splits).toHaveLength(5);
    const ref = python(String.raw`
import json, sys, numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import StandardScaler
d = json.load(sys.stdin)
X, y = np.array(d['x']), np.array(d['y'])
pred = np.zeros(len(y))
for s in d['splits']:
    sc = StandardScaler().fit(X[s['train']])
    pred[s['test']] = RidgeCV(alphas=d['alphas']).fit(sc.transform(X[s['train']]), y[s['train']]).predict(sc.transform(X[s['test']]))
print(json.dumps({'r': float(np.corrcoef(pred, y)[0, 1]), 'pred': pred.tolist()}))`,
      { x: rows(x), y, splits: res.splits, alphas: ALPHAS });
    expect(res.r).toBeCloseTo(ref.r, 8);
    res.predictions.forEach((p, i) => expect(p).toBeCloseTo(ref.pred[i], 6));
  });

  test('recovers synthetic ground truth: held-out r near the noise-limited r', () => {
    const n = 400;
    const x = randomFeatures(n, 10, 6, false);
    const truth = syntheticResponses(Array.from({ length: n }, (_, i) => `s${i}`), x, { seed: 7, targetR: 0.6, participants: 6 });
    expect(truth.source).toBe('synthetic');
    expect(truth.table.source).toBe('synthetic');
    // the generated data has the requested signal/response correlation (sampling SD ≈ (1-r²)/√n ≈ 0.03)
    expect(Math.abs(pearson(truth.signal, truth.table.response) - truth.expectedR)).toBeLessThan(0.08);
    const noise = randomFeatures(n, 10, 8, false); // a "layer" with no information
    const [good, bad] = scoreLayers([{ layer: 'informative', features: x }, { layer: 'noise', features: noise }], truth.table.response, { folds: 5, seed: 1 });
    expect(good.layer).toBe('informative');
    // Noise-limited r of this sample; estimating 10 weights from 320 sentences costs ~0.02 more.
    const oracle = pearson(truth.signal, truth.table.response);
    expect(good.r).toBeGreaterThan(oracle - 0.06);
    expect(good.r).toBeLessThan(oracle + 0.03);
    expect(Math.abs(bad.r)).toBeLessThan(0.2);
    expect(good.r).toBeGreaterThan(bad.r + 0.3);
    const model = fitEncodingModel(x, truth.table.response);
    expect(pearson(model.rawWeights, truth.weights)).toBeGreaterThan(0.85);
  });

  test('participant split-half ceiling matches the closed form', () => {
    const n = 1500;
    const x = randomFeatures(n, 10, 10, false);
    const truth = syntheticResponses(Array.from({ length: n }, (_, i) => `s${i}`), x, { seed: 11, targetR: 0.7, participants: 6 });
    const c = participantNoiseCeiling(truth.table, { splits: 100, seed: 2 });
    expect(c.participants).toBe(6);
    expect(c.perSplit).toHaveLength(100);
    expect(Math.abs(c.reliability - truth.expectedReliability)).toBeLessThan(0.04); // 0.49
    expect(Math.abs(c.maxR - 0.7)).toBeLessThan(0.03);
    // same seed, same ceiling
    expect(participantNoiseCeiling(truth.table, { splits: 100, seed: 2 }).reliability).toBe(c.reliability);
  });

  test('bad inputs give clear errors', () => {
    const x = randomFeatures(10, 3, 1);
    expect(() => fitEncodingModel(x, [1, 2, 3])).toThrow(/10 sentences but there are 3 responses/);
    expect(() => fitEncodingModel(x, Array.from({ length: 10 }, (_, i) => (i === 4 ? NaN : i)))).toThrow(/sentence 5/);
    const model = fitEncodingModel(x, Array.from({ length: 10 }, (_, i) => i));
    expect(() => predictEncoding(model, randomFeatures(2, 4, 1))).toThrow(/fit on 3 features but got 4/);
  });
});
