/**
 * The data behind the Predictivity plots: the scoring job (Gram matrix, ridge / RSA per layer × region,
 * ceilings, cancel) against numpy / scikit-learn / scipy, and the view transforms against closed-form values.
 */
import { describe, expect, test } from 'vitest';
import { hasPython, NO_PYTHON, runPython } from '../support/python';
import { CancelledError } from '../../src/core/types';
import { kFoldSplits } from '../../src/core/metrics/crossval';
import { DEFAULT_ALPHAS } from '../../src/core/metrics/ridge';
import { matrix } from '../../src/core/metrics/linalg';
import { gramMatrix, scoreLayers, type LayerRegionScore, type ScoringBenchmark } from '../../src/core/predictivity/scoring';
import { commitments, defaultValue, heatmapData, layerCurves, leaderboard, layerNamesTable, predictionPoints, scoresTable, stimulusCategories } from '../../src/ui/labs/predictivity/views';
import { describeIf } from '../support/ci';

function seeded(seed: number) {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

const N = 40;
const rand = seeded(11);
const layerA = Float32Array.from({ length: N * 30 }, () => rand());
const layerB = Float32Array.from({ length: N * 12 }, () => rand());
// Responses: a noisy linear readout of layer A (so A predicts better than B).
const NEUROIDS = 5;
const responses = new Float64Array(N * NEUROIDS);
for (let i = 0; i < N; i++) for (let j = 0; j < NEUROIDS; j++) {
  let v = 0;
  for (let f = 0; f < 6; f++) v += layerA[i * 30 + f + j] * (f + 1);
  responses[i * NEUROIDS + j] = v + 3 * rand();
}
const subjectRdms = [0, 1, 2].map((k) => {
  const r = seeded(100 + k);
  const m = matrix(N, N);
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) m.data[i * N + j] = m.data[j * N + i] = 1 + 0.3 * r() + 0.01 * Math.abs(i - j);
  return m;
});
const bench: ScoringBenchmark = {
  id: 'test-bench',
  name: 'test',
  synthetic: true,
  stimuli: N,
  folds: 5,
  regions: [
    { name: 'V4', responses: { stimuli: N, neuroids: NEUROIDS, data: responses }, ceiling: 0.8 },
    { name: 'IT', rdms: subjectRdms },
  ],
};
const layers = [
  { layer: 'A', activation: { dims: [N, 30], data: layerA } },
  { layer: 'B', activation: { dims: [N, 3, 4], data: layerB } },
];

describeIf(hasPython, hasPython ? 'scoring job vs numpy / scikit-learn / scipy' : NO_PYTHON, () => {
  test('Gram matrix from float32 activations equals numpy X Xᵀ in float64', () => {
    const k = gramMatrix(layers[1].activation);
    const ref = runPython<number[][]>('x = np.array(inp["x"], dtype=np.float64).reshape(40, 12); out = x @ x.T', { x: Array.from(layerB) });
    let worst = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) worst = Math.max(worst, Math.abs(k.data[i * N + j] - ref[i][j]));
    expect(worst).toBeLessThan(1e-12);
  });

  test('ridge scores per layer match RidgeCV + held-out Pearson + median + mean over folds; RSA matches scipy', async () => {
    const scores = await scoreLayers(layers, bench, { metric: 'ridge', modelId: 'm' });
    expect(scores.map((s) => `${s.layer}/${s.region}`)).toEqual(['A/V4', 'A/IT', 'B/V4', 'B/IT']);
    const splits = kFoldSplits(N, 5, 0);
    const ref = runPython<{ score: number; sem: number; perNeuroid: number[] }[]>(
      `
from sklearn.linear_model import RidgeCV
from scipy.stats import pearsonr, sem
y = np.array(inp["y"]).reshape(${N}, ${NEUROIDS})
res = []
for feats, p in ((inp["a"], 30), (inp["b"], 12)):
    x = np.array(feats, dtype=np.float64).reshape(${N}, p)
    folds = []
    per = []
    for s in inp["splits"]:
        tr, te = np.array(s["train"]), np.array(s["test"])
        m = RidgeCV(alphas=inp["alphas"]).fit(x[tr], y[tr])
        pred = m.predict(x[te])
        rs = [pearsonr(pred[:, j], y[te, j])[0] for j in range(${NEUROIDS})]
        per.append(rs)
        folds.append(np.median(rs))
    res.append({"score": float(np.mean(folds)), "sem": float(sem(folds)), "perNeuroid": np.mean(per, axis=0)})
out = res
`,
      { y: Array.from(responses), a: Array.from(layerA), b: Array.from(layerB), splits, alphas: DEFAULT_ALPHAS },
    );
    const v4 = scores.filter((s) => s.region === 'V4');
    v4.forEach((s, i) => {
      expect(s.raw).toBeCloseTo(ref[i].score, 6);
      expect(s.sem).toBeCloseTo(ref[i].sem, 6);
      expect(s.ceiling).toBe(0.8);
      expect(s.ceiled).toBeCloseTo(ref[i].score / 0.8, 6);
      Array.from(s.perNeuroid!).forEach((r, j) => expect(r).toBeCloseTo(ref[i].perNeuroid[j], 5));
      expect(s.predicted!.length).toBe(N * NEUROIDS);
    });
    expect(v4[0].raw).toBeGreaterThan(v4[1].raw + 0.2); // layer A carries the signal
    // Ridge on an RDM-only region: NaN with an explanation, not a crash.
    const it = scores.find((s) => s.region === 'IT' && s.layer === 'A')!;
    expect(it.raw).toBeNaN();
    expect(it.note).toMatch(/only RDMs/);

    const rsa = await scoreLayers(layers, bench, { metric: 'rsa', modelId: 'm' });
    const rsaRef = runPython<{ raw: number; lower: number }[]>(
      `
from scipy.stats import pearsonr
subs = [np.array(s).reshape(${N}, ${N}) for s in inp["subjects"]]
iu = np.triu_indices(${N}, 1)
res = []
for feats, p in ((inp["a"], 30), (inp["b"], 12)):
    x = np.array(feats, dtype=np.float64).reshape(${N}, p)
    model = 1 - np.corrcoef(x)
    raw = np.mean([pearsonr(model[iu], s[iu])[0] for s in subs])
    lower = np.mean([pearsonr(s[iu], np.mean([t for k, t in enumerate(subs) if k != i], axis=0)[iu])[0] for i, s in enumerate(subs)])
    res.append({"raw": raw, "lower": lower})
out = res
`,
      { subjects: subjectRdms.map((m) => Array.from(m.data)), a: Array.from(layerA), b: Array.from(layerB) },
    );
    const itScores = rsa.filter((s) => s.region === 'IT');
    itScores.forEach((s, i) => {
      expect(s.raw).toBeCloseTo(rsaRef[i].raw, 8);
      expect(s.ceiling).toBeCloseTo(rsaRef[i].lower, 8);
      expect(s.ceiled).toBeCloseTo(rsaRef[i].raw / rsaRef[i].lower, 6);
      expect(s.modelRdm!.length).toBe(N * N);
      expect(s.brainRdm![1]).toBeCloseTo((subjectRdms[0].data[1] + subjectRdms[1].data[1] + subjectRdms[2].data[1]) / 3, 5);
    });
  });

  test('a job rejects with CancelledError when aborted, and reports progress up to the total', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = scoreLayers(layers, bench, {
      metric: 'ridge',
      modelId: 'm',
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 1) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    const all: number[] = [];
    await scoreLayers(layers, bench, { metric: 'rsa', modelId: 'm', onProgress: (p) => all.push(p.done) });
    expect(all.at(-1)).toBe(4);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  test('a layer recorded on the wrong number of stimuli is a clear error', async () => {
    await expect(scoreLayers([{ layer: 'X', activation: { dims: [N - 1, 2], data: new Float32Array((N - 1) * 2) } }], bench, { metric: 'ridge', modelId: 'm' })).rejects.toThrow(
      /recorded on 39 stimuli but the benchmark "test" has 40/,
    );
  });
});

describe('view transforms', () => {
  const mk = (layer: string, region: string, raw: number, ceiling: number, sem = 0.02, ceilingSem = 0.05): LayerRegionScore => ({
    model: 'm', layer, benchmark: 'b', region, metric: 'ridge', raw, sem, ceiling, ceilingSem, ceiled: raw / ceiling,
  });
  const scores = [mk('L1', 'V1', 0.4, 0.8), mk('L2', 'V1', 0.2, 0.8), mk('L1', 'IT', 0.1, 0.5), mk('L2', 'IT', 0.3, 0.5)];

  test('heatmap values and errors in ceiled units', () => {
    const h = heatmapData(scores, ['L1', 'L2'], ['V1', 'IT'], 'ceiled');
    expect(h.values).toEqual([[0.5, 0.2], [0.25, 0.6]].map((r) => r.map((v) => expect.closeTo(v, 12))));
    expect(h.errors![0][0]).toBeCloseTo(0.02 / 0.8, 12);
    expect(heatmapData(scores, ['L1', 'L3'], ['V1'], 'raw').values).toEqual([[0.4], [NaN]]);
  });

  test('ceiling band: ceiling ± SEM in raw units, 1 ± SEM/ceiling when ceiled', () => {
    const raw = layerCurves(scores, ['L1', 'L2'], ['V1', 'IT'], 'raw');
    expect(raw[0].ceiling!.lo).toBeCloseTo(0.75, 12);
    expect(raw[0].ceiling!.hi).toBeCloseTo(0.85, 12);
    const ceiled = layerCurves(scores, ['L1', 'L2'], ['V1', 'IT'], 'ceiled');
    expect(ceiled[1].ceiling!.lo).toBeCloseTo(0.9, 12);
    expect(ceiled[1].scores).toEqual([expect.closeTo(0.2, 12), expect.closeTo(0.6, 12)]);
  });

  test('layer commitment and leaderboard', () => {
    const c = commitments(scores, ['L1', 'L2'], ['V1', 'IT'], 'ceiled');
    expect(c.map((x) => [x.region, x.layer, x.layerIndex])).toEqual([['V1', 'L1', 0], ['IT', 'L2', 1]]);
    const board = leaderboard([...scores, { ...mk('L1', 'V1', 0.7, 0.8), model: 'n' }], ['V1', 'IT'], 'ceiled');
    expect(board[0].average).toBeCloseTo((0.5 + 0.6) / 2, 12);
    expect(board[1].average).toBeNaN(); // model n has no IT score: no average
    expect(defaultValue(scores)).toBe('ceiled');
    expect(defaultValue([{ ...scores[0], ceiled: NaN }])).toBe('raw');
  });

  test('table and scatter points', () => {
    const t = scoresTable(scores);
    expect(t.columns).toEqual(['model', 'layer', 'benchmark', 'region', 'metric', 'raw', 'sem', 'ceiling', 'ceilingSem', 'ceiled']);
    expect(t.rows[3]).toMatchObject({ layer: 'L2', region: 'IT', raw: 0.3 });
    const named = scoresTable(scores, 'Demo · not brain data');
    expect(named.columns.slice(2, 5)).toEqual(['benchmark', 'benchmarkName', 'region']);
    expect(named.rows[0].benchmarkName).toBe('Demo · not brain data');
    // Readable layer names beside the tensor names; a layer missing from the list keeps its tensor name.
    const labelled = scoresTable(scores, 'Demo', layerNamesTable([{ tensor: 'L1', label: 'conv1 · block 1' }]));
    expect(labelled.columns.slice(0, 5)).toEqual(['model', 'layer', 'layerName', 'benchmark', 'benchmarkName']);
    expect(labelled.rows.map((r) => [r.layer, r.layerName])).toEqual(scores.map((s) => [s.layer, s.layer === 'L1' ? 'conv1 · block 1' : s.layer]));
    const s = { ...scores[0], stimuli: 2, neuroids: 2, measured: Float32Array.from([1, 2, 3, 4]), predicted: Float32Array.from([5, 6, 7, 8]) };
    expect(predictionPoints(s, 1, ['a', 'b'])).toEqual([{ x: 2, y: 6, label: 'a' }, { x: 4, y: 8, label: 'b' }]);
  });

  test('stimulus categories from names, and which runs the RDM axes use', async () => {
    const { categoryRuns } = await import('../../src/ui/plots/rdmPair');
    const names = ['face_01.png', 'face_02.png', 'car 1', 'car 2', 'car 3', 'house-7.jpg'];
    expect(stimulusCategories(names)).toEqual(['face', 'face', 'car', 'car', 'car', 'house']);
    expect(categoryRuns(stimulusCategories(names), 6)).toEqual([
      { name: 'face', start: 0, end: 1 },
      { name: 'car', start: 2, end: 4 },
      { name: 'house', start: 5, end: 5 },
    ]);
    // One category, or one per stimulus (interleaved / unique names): no category ticks.
    expect(categoryRuns(stimulusCategories(['g_1', 'g_2', 'g_3', 'g_4']), 4)).toBeNull();
    expect(categoryRuns(['a', 'b', 'a', 'b'], 4)).toBeNull();
    expect(stimulusCategories(undefined)).toBeUndefined();
  });
});
