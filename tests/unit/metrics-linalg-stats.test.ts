import { describe, expect, it } from 'vitest';
import { choleskySolve, fromRows, luSolve, matmul, matrix, symmetricEigen, transpose, type Matrix } from '../../src/core/metrics/linalg';
import { gaussian, kendallTauA, median, pearson, rankdata, seededRandom, spearman, standardError } from '../../src/core/metrics/stats';
import { hasPython, runPython } from '../support/python';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rand = seededRandom(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => gaussian(rand)));
}

describe('linalg', () => {
  it('symmetric eigendecomposition reconstructs the matrix and matches numpy eigenvalues', () => {
    const x = randomMatrix(60, 25, 1);
    const k = matmul(x, transpose(x)); // rank 25: many zero eigenvalues, a hard case
    const { values, vectors } = symmetricEigen(k);
    // V diag(s) Vᵀ == K and VᵀV == I
    const vs = matrix(60, 60);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) vs.data[i * 60 + j] = vectors.data[i * 60 + j] * values[j];
    const rec = matmul(vs, transpose(vectors));
    const scale = Math.max(...k.data.map(Math.abs));
    for (let i = 0; i < k.data.length; i++) expect(Math.abs(rec.data[i] - k.data[i])).toBeLessThan(1e-10 * scale);
    const vtv = matmul(transpose(vectors), vectors);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) expect(vtv.data[i * 60 + j]).toBeCloseTo(i === j ? 1 : 0, 10);
    for (let i = 1; i < 60; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    if (hasPython) {
      const ref = runPython<number[]>(`out = np.sort(np.linalg.eigvalsh(np.array(inp)))[::-1]`, Array.from({ length: 60 }, (_, i) => Array.from(k.data.subarray(i * 60, i * 60 + 60))));
      for (let i = 0; i < 60; i++) expect(Math.abs(values[i] - ref[i])).toBeLessThan(1e-9 * scale);
    }
  });

  it('Cholesky and LU solve A x = b', () => {
    const x = randomMatrix(20, 30, 2);
    const a = matmul(x, transpose(x));
    for (let i = 0; i < 20; i++) a.data[i * 20 + i] += 1;
    const b = randomMatrix(20, 3, 3);
    for (const sol of [choleskySolve(a, b), luSolve(a, b)]) {
      const back = matmul(a, sol);
      for (let i = 0; i < b.data.length; i++) expect(back.data[i]).toBeCloseTo(b.data[i], 9);
    }
    expect(() => choleskySolve(fromRows([[1, 2], [2, 1]]), fromRows([[1], [1]]))).toThrow(/positive definite/);
  });
});

describe('stats', () => {
  it('closed-form values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 1, 3])).toBe(2);
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3) / 2, 14);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(Array.from(rankdata([10, 20, 10, 30]))).toEqual([1.5, 3, 1.5, 4]);
    // tau-a with ties: pairs (1,2),(1,3),(2,3) for x=[1,1,2], y=[1,2,3]: tied, concordant, concordant → 2/3
    expect(kendallTauA([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / 3, 14);
  });

  it.skipIf(!hasPython)('Pearson, Spearman and Kendall tau-a match scipy/numpy (with ties)', () => {
    const rand = seededRandom(7);
    const a = Array.from({ length: 500 }, () => Math.round(gaussian(rand) * 3)); // many ties
    const b = a.map((v) => Math.round(v + gaussian(rand) * 4));
    const ref = runPython<{ p: number; s: number; k: number; tb: number }>(
      `
      from scipy import stats
      a = np.array(inp['a'], float); b = np.array(inp['b'], float)
      n = len(a)
      s = np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :])
      out = dict(p=stats.pearsonr(a, b)[0], s=stats.spearmanr(a, b)[0], k=np.triu(s, 1).sum() / (n * (n - 1) / 2),
                 tb=stats.kendalltau(a, b)[0])
      `,
      { a, b },
    );
    expect(pearson(a, b)).toBeCloseTo(ref.p, 12);
    expect(spearman(a, b)).toBeCloseTo(ref.s, 12);
    expect(kendallTauA(a, b)).toBeCloseTo(ref.k, 12);
    // tau-a is smaller than tau-b when there are ties: make sure we did not compute tau-b.
    expect(Math.abs(kendallTauA(a, b) - ref.tb)).toBeGreaterThan(1e-3);
  });
});
