import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crossValidatedPredictivity, kFoldSplits } from '../../src/core/metrics/crossval';
import { centerKernel, columnMeans, matrix, selectRows, subtractRow, toRows, type Matrix } from '../../src/core/metrics/linalg';
import { fitPca, transformPca } from '../../src/core/metrics/pca';
import { fitPls, predictPls } from '../../src/core/metrics/pls';
import { fitKernelRidge, fitRidge, linearKernel, predictRidge } from '../../src/core/metrics/ridge';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import { readNpy } from '../../src/core/data/npy';
import { hasPython, NO_PYTHON, runPython } from '../support/python';
import { hasShared, sharedPath } from '../support/shared';

function randomMatrix(rows: number, cols: number, seed: number, scale = 1, offset = 0): Matrix {
  const rand = seededRandom(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => offset + scale * gaussian(rand)));
}

/** Y = X W + noise, with non-zero means so intercept handling matters. */
function synthetic(n: number, p: number, t: number, seed: number) {
  const x = randomMatrix(n, p, seed, 1, 0.5);
  const w = randomMatrix(p, t, seed + 1, 1 / Math.sqrt(p));
  const noise = randomMatrix(n, t, seed + 2, 0.5, 3);
  const y = matrix(n, t);
  for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) {
    let s = noise.data[i * t + j];
    for (let k = 0; k < p; k++) s += x.data[i * p + k] * w.data[k * t + j];
    y.data[i * t + j] = s;
  }
  return { x, y };
}

function expectClose(actual: Matrix, expected: number[][], rel: number) {
  const flat = expected.flat();
  const scale = Math.max(...flat.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(actual.data[i] - flat[i]) / scale);
  expect(worst).toBeLessThan(rel);
  return worst;
}

const first = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.skipIf(!hasPython)('ridge and PLS vs scikit-learn 1.2', () => {
  it.each([
    ['features ≫ stimuli', 80, 400],
    ['stimuli ≫ features', 150, 12],
  ])('Ridge predictions and RidgeCV alphas (%s)', (_label, n, p) => {
    const { x, y } = synthetic(n, p, 6, 11);
    const train = first(n - 20);
    const test = first(20).map((i) => i + n - 20);
    const xTr = selectRows(x, train);
    const yTr = selectRows(y, train);
    const xTe = selectRows(x, test);
    const alphas = [0.01, 0.1, 1, 10, 100, 1000, 1e4];
    const ref = runPython<{ fixed: number[][]; cvAlpha: number; perTarget: number[]; cvPred: number[][] }>(
      `
      from sklearn.linear_model import Ridge, RidgeCV
      Xtr, Ytr, Xte = (np.array(inp[k]) for k in ('xtr', 'ytr', 'xte'))
      fixed = Ridge(alpha=3.0).fit(Xtr, Ytr).predict(Xte)
      cv = RidgeCV(alphas=inp['alphas']).fit(Xtr, Ytr)
      per = RidgeCV(alphas=inp['alphas'], alpha_per_target=True).fit(Xtr, Ytr)
      out = dict(fixed=fixed, cvAlpha=cv.alpha_, perTarget=per.alpha_, cvPred=cv.predict(Xte))
      `,
      { xtr: toRows(xTr), ytr: toRows(yTr), xte: toRows(xTe), alphas },
    );
    expectClose(predictRidge(fitRidge(xTr, yTr, { alphas: 3 }), xTe), ref.fixed, 1e-8);
    const cv = fitRidge(xTr, yTr, { alphas });
    expect(cv.alpha[0]).toBe(ref.cvAlpha);
    expectClose(predictRidge(cv, xTe), ref.cvPred, 1e-8);
    expect(Array.from(fitRidge(xTr, yTr, { alphas, alphaPerTarget: true }).alpha)).toEqual(ref.perTarget);
  });

  it('leave-one-out errors for every alpha equal RidgeCV cv_values_ (features ≫ stimuli, a rank-deficient kernel, tiny alphas)', () => {
    for (const [n, p] of [[60, 300], [50, 8]]) {
      const { x, y } = synthetic(n, p, 4, 5 + p);
      const alphas = [1e-3, 0.01, 1, 100, 1e4, 1e6];
      const ref = runPython<number[][]>(
        `import inspect
from sklearn.linear_model import RidgeCV
X, Y = np.array(inp['x']), np.array(inp['y'])
# scikit-learn 1.5 renamed store_cv_values / cv_values_ to store_cv_results / cv_results_ (the old names are gone in 1.7).
new = 'store_cv_results' in inspect.signature(RidgeCV).parameters
m = RidgeCV(alphas=inp['alphas'], **{'store_cv_results' if new else 'store_cv_values': True}).fit(X, Y)
out = (m.cv_results_ if new else m.cv_values_).mean(axis=0).T`,
        { x: toRows(x), y: toRows(y), alphas },
      );
      const xc = subtractRow(x, columnMeans(x));
      const fit = fitKernelRidge(centerKernel(linearKernel(xc)), y, { alphas });
      const loo = fit.looErrors!;
      let worst = 0;
      for (let k = 0; k < alphas.length; k++) for (let j = 0; j < 4; j++) worst = Math.max(worst, Math.abs(loo.data[k * 4 + j] - ref[k][j]) / ref[k][j]);
      expect(worst).toBeLessThan(1e-7);
    }
  });

  it('PLSRegression(n_components=25, scale=False) predictions, random features → real Cowley V4 responses', () => {
    let y: Matrix;
    if (hasShared) {
      // Real targets: 150 images × 20 neurons of session 210325 (avg responses are [neurons, images]).
      const avg = readNpy(readFileSync(sharedPath('data/vision/cowley2023-v4/responses_avg_210325.npy')));
      const [neurons, images] = avg.shape;
      y = matrix(150, 20);
      for (let i = 0; i < 150; i++) for (let j = 0; j < 20; j++) y.data[i * 20 + j] = avg.data[j * images + i];
      expect(neurons).toBe(50);
    } else y = synthetic(150, 30, 20, 5).y;
    const x = randomMatrix(150, 300, 21, 2, 1);
    const train = first(120);
    const test = first(30).map((i) => i + 120);
    const [xTr, yTr, xTe] = [selectRows(x, train), selectRows(y, train), selectRows(x, test)];
    const ref = runPython<{ pred: number[][]; fitted: number[][] }>(
      `
      from sklearn.cross_decomposition import PLSRegression
      Xtr, Ytr, Xte = (np.array(inp[k]) for k in ('xtr', 'ytr', 'xte'))
      m = PLSRegression(n_components=25, scale=False).fit(Xtr, Ytr)
      out = dict(pred=m.predict(Xte), fitted=m.predict(Xtr))
      `,
      { xtr: toRows(xTr), ytr: toRows(yTr), xte: toRows(xTe) },
    );
    const model = fitPls(xTr, yTr);
    expect(model.nComponents).toBe(25);
    const worst = expectClose(predictPls(model, xTe), ref.pred, 1e-4);
    expectClose(predictPls(model, xTr), ref.fitted, 1e-4);
    console.log(`PLS max relative deviation from sklearn: ${worst.toExponential(2)}`);
  });

  it('PCA projections match sklearn PCA up to component sign', () => {
    const x = randomMatrix(50, 80, 31, 1, 2);
    const ref = runPython<number[][]>(
      `
      from sklearn.decomposition import PCA
      X = np.array(inp); out = PCA(n_components=5).fit(X[:40]).transform(X[40:])
      `,
      toRows(x),
    );
    const z = transformPca(fitPca(selectRows(x, first(40)), 5), selectRows(x, first(10).map((i) => i + 40)));
    for (let c = 0; c < 5; c++) {
      const sign = Math.sign(z.data[c]) * Math.sign(ref[0][c]);
      for (let i = 0; i < 10; i++) expect(sign * z.data[i * 5 + c]).toBeCloseTo(ref[i][c], 8);
    }
  });

  it('cross-validated predictivity equals a numpy re-implementation on the same splits (ridge, PLS, PCA+ridge)', () => {
    const { x, y } = synthetic(90, 200, 7, 41);
    const splits = kFoldSplits(90, 5, 3);
    expect(new Set(splits.flatMap((s) => s.test)).size).toBe(90);
    const ref = runPython<Record<string, { folds: number[][]; score: number; sem: number }>>(
      `
      from sklearn.linear_model import Ridge
      from sklearn.cross_decomposition import PLSRegression
      from sklearn.decomposition import PCA
      from sklearn.pipeline import make_pipeline
      X, Y = np.array(inp['x']), np.array(inp['y'])
      def run(make):
          folds = []
          for s in inp['splits']:
              m = make().fit(X[s['train']], Y[s['train']])
              p = m.predict(X[s['test']]); t = Y[s['test']]
              folds.append([np.corrcoef(p[:, j], t[:, j])[0, 1] for j in range(Y.shape[1])])
          med = np.median(folds, axis=1)
          return dict(folds=folds, score=med.mean(), sem=med.std(ddof=1) / np.sqrt(len(med)))
      out = dict(ridge=run(lambda: Ridge(alpha=10.0)), pls=run(lambda: PLSRegression(n_components=25, scale=False)),
                 pca=run(lambda: make_pipeline(PCA(n_components=20), Ridge(alpha=10.0))))
      `,
      { x: toRows(x), y: toRows(y), splits },
    );
    const cases = {
      ridge: crossValidatedPredictivity(x, y, { method: 'ridge', splits, ridge: { alphas: 10 } }),
      pls: crossValidatedPredictivity(x, y, { method: 'pls', splits }),
      pca: crossValidatedPredictivity(x, y, { method: 'ridge', splits, pca: 20, ridge: { alphas: 10 } }),
    };
    for (const [key, result] of Object.entries(cases)) {
      const r = ref[key];
      result.perFold.forEach((fold, f) => fold.forEach((v, j) => expect(v).toBeCloseTo(r.folds[f][j], 5)));
      expect(result.score).toBeCloseTo(r.score, 6);
      expect(result.sem).toBeCloseTo(r.sem, 6);
      expect(result.score).toBeGreaterThan(0.3); // the synthetic mapping is learnable
    }
    expect(cases.ridge.predictions.data.every(Number.isFinite)).toBe(true);
  });
});

describe('input checks', () => {
  it('rejects mismatched and NaN inputs with readable errors', () => {
    const x = randomMatrix(30, 5, 1);
    expect(() => fitRidge(x, randomMatrix(29, 2, 2))).toThrow(/30 stimuli but responses have 29/);
    const y = randomMatrix(30, 2, 3);
    y.data[4] = NaN;
    expect(() => fitPls(x, y)).toThrow(/NaN/);
    expect(() => kFoldSplits(15, 10)).toThrow(/too few/);
  });
});

if (!hasPython) console.warn(NO_PYTHON);
