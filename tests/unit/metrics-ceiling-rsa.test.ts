import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ceiledScore, splitHalfOrders, splitHalfReliability, spearmanBrown, type RepeatedResponses } from '../../src/core/metrics/ceiling';
import { matrix, toRows, type Matrix } from '../../src/core/metrics/linalg';
import { compareRdms, offDiagonal, rdm, rsaCeiling, rsaScore, rsmToRdm, upperTriangle } from '../../src/core/metrics/rsa';
import { gaussian, kendallTauA, seededRandom } from '../../src/core/metrics/stats';
import { readNpy } from '../../src/core/data/npy';
import { hasPython, NO_PYTHON, runPython } from '../support/python';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

/** numpy re-implementation of the split-half ceiling given the same repeat orders. */
const NUMPY_SPLIT_HALF = `
R = np.array(inp['data'], dtype=float).reshape(inp['shape'])
orders = inp['orders']
per_split = []
for order in orders:
    A = np.full(R.shape[:2], np.nan); B = np.full(R.shape[:2], np.nan)
    for s, perm in enumerate(order):
        vals = R[:, s, perm]
        for n in range(R.shape[0]):
            v = vals[n][~np.isnan(vals[n])]
            if len(v) >= 2:
                h = len(v) // 2
                A[n, s] = v[:h].mean(); B[n, s] = v[h:].mean()
    rs = []
    for n in range(R.shape[0]):
        ok = ~np.isnan(A[n]) & ~np.isnan(B[n])
        r = np.corrcoef(A[n, ok], B[n, ok])[0, 1]
        rs.append(2 * r / (1 + r))
    per_split.append(rs)
per = np.mean(per_split, axis=0)
out = dict(per=per, ceiling=np.median(per))
`;

function syntheticRepeats(neuroids: number, stimuli: number, repeats: number, seed: number): RepeatedResponses {
  const rand = seededRandom(seed);
  const data = new Float64Array(neuroids * stimuli * repeats);
  for (let n = 0; n < neuroids; n++) {
    const noise = 0.5 + n * 0.3; // reliability falls with n
    for (let s = 0; s < stimuli; s++) {
      const signal = gaussian(rand);
      const valid = repeats - (s % 3); // ragged repeats, NaN-padded
      for (let r = 0; r < repeats; r++) data[(n * stimuli + s) * repeats + r] = r < valid ? signal + noise * gaussian(rand) : NaN;
    }
  }
  return { neuroids, stimuli, repeats, data };
}

describe('split-half ceiling', () => {
  it('Spearman-Brown and ceiled score', () => {
    expect(spearmanBrown(0.5)).toBeCloseTo(2 / 3, 14);
    expect(ceiledScore(0.3, 0.6)).toBeCloseTo(0.5, 14);
    expect(ceiledScore(0.3, 0)).toBeNaN();
  });

  it('is reproducible from the seed and falls with noise', () => {
    const resp = syntheticRepeats(5, 120, 8, 1);
    const a = splitHalfReliability(resp, { seed: 4 });
    const b = splitHalfReliability(resp, { seed: 4 });
    expect(Array.from(a.perNeuroid)).toEqual(Array.from(b.perNeuroid));
    for (let n = 1; n < 5; n++) expect(a.perNeuroid[n]).toBeLessThan(a.perNeuroid[n - 1]);
  });

  it.skipIf(!hasPython)('matches numpy with the same splits (synthetic, ragged NaN-padded repeats)', () => {
    const resp = syntheticRepeats(6, 90, 7, 2);
    const result = splitHalfReliability(resp, { splits: 5, seed: 9 });
    const ref = runPython<{ per: number[]; ceiling: number }>(NUMPY_SPLIT_HALF, {
      data: Array.from(resp.data, (v) => (Number.isNaN(v) ? null : v)),
      shape: [6, 90, 7],
      orders: result.orders,
    });
    result.perNeuroid.forEach((v, i) => expect(v).toBeCloseTo(ref.per[i], 12));
    expect(result.ceiling).toBeCloseTo(ref.ceiling, 12);
  });

  it.skipIf(!hasPython || !hasShared)('matches numpy on real Cowley V4 repeats (session 210325)', () => {
    const raw = readNpy(readFileSync(sharedPath('data/vision/cowley2023-v4/responses_raw_210325.npy')));
    const [neuroids, stimuli, repeats] = raw.shape;
    const resp = { neuroids, stimuli, repeats, data: raw.data };
    const orders = splitHalfOrders(stimuli, repeats, 3, 1);
    const result = splitHalfReliability(resp, { orders });
    const ref = runPython<{ per: number[]; ceiling: number }>(NUMPY_SPLIT_HALF, {
      data: Array.from(raw.data, (v) => (Number.isNaN(v) ? null : v)),
      shape: raw.shape,
      orders,
    });
    result.perNeuroid.forEach((v, i) => expect(v).toBeCloseTo(ref.per[i], 10));
    expect(result.ceiling).toBeCloseTo(ref.ceiling, 10);
    // V4 multi-unit sites with ~5-10 repeats are reliable but not perfectly so.
    expect(result.ceiling).toBeGreaterThan(0.3);
    expect(result.ceiling).toBeLessThan(1);
    console.log(`Cowley 210325 split-half ceiling (median of ${neuroids} neuroids): ${result.ceiling.toFixed(4)}`);
  });
  if (!hasShared) it.skip(NO_SHARED, () => {});
});

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rand = seededRandom(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => gaussian(rand)));
}

describe('RSA', () => {
  it.skipIf(!hasPython)('RDMs and comparisons match scipy', () => {
    const x = randomMatrix(30, 50, 3);
    const y = randomMatrix(30, 40, 4);
    for (let i = 0; i < y.data.length; i++) y.data[i] += 0.5 * x.data[Math.floor(i / 40) * 50 + (i % 40)];
    const ref = runPython<{ corr: number[]; euc: number[]; p: number; s: number; k: number }>(
      `
      from scipy.spatial.distance import pdist
      from scipy import stats
      X, Y = np.array(inp['x']), np.array(inp['y'])
      a, b = pdist(X, 'correlation'), pdist(Y, 'correlation')
      n = len(a); sg = np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :])
      out = dict(corr=a, euc=pdist(X, 'euclidean'), p=stats.pearsonr(a, b)[0], s=stats.spearmanr(a, b)[0],
                 k=np.triu(sg, 1).sum() / (n * (n - 1) / 2))
      `,
      { x: toRows(x), y: toRows(y) },
    );
    upperTriangle(rdm(x, 'correlation')).forEach((v, i) => expect(v).toBeCloseTo(ref.corr[i], 12));
    upperTriangle(rdm(x, 'euclidean')).forEach((v, i) => expect(v).toBeCloseTo(ref.euc[i], 10));
    const [a, b] = [rdm(x), rdm(y)];
    expect(compareRdms(a, b, 'pearson')).toBeCloseTo(ref.p, 12);
    expect(compareRdms(a, b, 'spearman')).toBeCloseTo(ref.s, 12);
    expect(compareRdms(a, b, 'kendall')).toBeCloseTo(ref.k, 12);
    expect(ref.p).toBeGreaterThan(0.2);
  });

  it.skipIf(!hasPython || !hasShared)('Coggan 2024 RSMs: scores and leave-one-subject-out ceiling match numpy (Brain-Score recipe)', () => {
    const json = JSON.parse(readFileSync(sharedPath('data/vision/coggan2024-fmri/rsm.json'), 'utf8')) as { regions: Record<string, number[][][]> };
    const subjects = json.regions.IT.map((s) => rsmToRdm(matrix(24, 24, s.flat())));
    const model = rdm(randomMatrix(24, 100, 5));
    const result = rsaScore(model, subjects, 'pearson', 'squared-ratio');
    const ref = runPython<{ scores: number[]; nc: number; upper: number }>(
      `
      S = np.array(inp['subjects'])  # subjects x 24 x 24 similarity
      model_rsm = 1 - np.array(inp['model'])
      off = np.array(1 - np.eye(24).flatten(), dtype=bool)
      scores = [np.corrcoef(s.flatten()[off], model_rsm.flatten()[off])[0, 1] for s in S]
      nc = [np.corrcoef(S[i].flatten()[off], np.delete(S, i, 0).mean(0).flatten()[off])[0, 1] for i in range(len(S))]
      up = [np.corrcoef(S[i].flatten()[off], S.mean(0).flatten()[off])[0, 1] for i in range(len(S))]
      out = dict(scores=scores, nc=np.mean(nc), upper=np.mean(up))
      `,
      { subjects: json.regions.IT, model: toRows(model) },
    );
    result.perSubject.forEach((v, i) => expect(v).toBeCloseTo(ref.scores[i], 12));
    expect(result.ceiling!.lower).toBeCloseTo(ref.nc, 12);
    expect(result.ceiling!.upper).toBeCloseTo(ref.upper, 12);
    expect(result.ceiling!.upper).toBeGreaterThan(result.ceiling!.lower);
    expect(result.ceiled).toBeCloseTo((result.raw / ref.nc) ** 2, 12);
    // The group of subjects predicts each subject better than a random model does.
    expect(rsaCeiling(subjects).lower).toBeGreaterThan(Math.abs(result.raw));
  });

  it('symmetric RDMs use the upper triangle, asymmetric ones every off-diagonal cell', () => {
    const sym = rdm(randomMatrix(12, 6, 8));
    const other = rdm(randomMatrix(12, 6, 9));
    const x = upperTriangle(sym);
    const y = upperTriangle(other);
    expect(compareRdms(sym, other, 'kendall')).toBe(kendallTauA(x, y));
    const asym = matrix(12, 12, sym.data.map((v, i) => v + (i % 5) * 0.01));
    expect(compareRdms(asym, other, 'kendall')).toBe(kendallTauA(offDiagonal(asym), offDiagonal(other)));
  });

  it('one subject: no ceiling; mismatched sizes are rejected', () => {
    const a = rdm(randomMatrix(10, 5, 1));
    const r = rsaScore(a, [a]);
    expect(r.raw).toBeCloseTo(1, 14);
    expect(r.ceiling).toBeUndefined();
    expect(() => rsaScore(a, [rdm(randomMatrix(9, 5, 2))])).toThrow(/9 stimuli but the model RDM 10/);
  });
});

if (!hasPython) console.warn(NO_PYTHON);
