/**
 * Brain-Score-exact recipes against Python mirrors of Brain-Score's code (brain-score/vision):
 * regression_correlation/metric.py (PLSRegression(25, scale=False), median over neuroids, mean over splits,
 * error = xarray std / √n), transformations.py (StratifiedShuffleSplit(10, train_size=.9, random_state=1)),
 * internal_consistency/ceiling.py (ShuffleSplit(train_size=.5) over repetitions, Spearman-Brown),
 * coggan2024_fMRI/benchmark.py (RSA, get_score, get_ceiling, ceiler, bound) and screen.py (place_on_screen).
 * scikit-learn's split indices are passed to Silico; everything must agree to 1e-6.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findBenchmark, normalise } from '../../src/core/benchmarks';
import { scoreDefinition, commitLayer, correlationRdm, selectionHalves, type DefinitionData } from '../../src/core/benchmarks/run';
import { internalConsistency, repetitionHalves } from '../../src/core/metrics/ceiling';
import { matrix, type Matrix } from '../../src/core/metrics/linalg';
import { cogganRsm } from '../../src/core/metrics/rsa';
import { stratifiedShuffleSplits, shuffleSplits } from '../../src/core/metrics/splits';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import { placeOnScreen } from '../../src/core/image/placement';
import { regionCommitments, scoreLayers, withDefinitions } from '../../src/core/predictivity/scoring';
import { hasPython, NO_PYTHON, runPython } from '../support/python';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

const CI = process.env.CI === 'true';
const py = hasPython || CI ? it : it.skip;
const pyShared = (hasPython && hasShared) || CI ? it : it.skip;
if (!hasPython && !CI) console.warn(NO_PYTHON);
if (!hasShared && !CI) console.warn(NO_SHARED);

/** Stimuli with objects, features, and repeated responses driven by the features. */
function synthetic(seed: number, n = 80, objects = 8, p = 60, neuroids = 12, repeats = 6) {
  const rand = seededRandom(seed);
  const x = new Float32Array(n * p).map(() => gaussian(rand));
  const w = Array.from({ length: p * neuroids }, () => gaussian(rand));
  const rep = new Float64Array(neuroids * n * repeats);
  for (let k = 0; k < neuroids; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < p; f++) s += x[i * p + f] * w[f * neuroids + k];
      for (let r = 0; r < repeats; r++) rep[(k * n + i) * repeats + r] = 0.2 * s + 3 * gaussian(rand);
    }
  }
  // One missing presentation, as in NaN-padded data.
  rep[(3 * n + 5) * repeats + 2] = NaN;
  const avg = matrix(n, neuroids);
  for (let k = 0; k < neuroids; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      let c = 0;
      for (let r = 0; r < repeats; r++) {
        const v = rep[(k * n + i) * repeats + r];
        if (Number.isFinite(v)) { s += v; c++; }
      }
      avg.data[i * neuroids + k] = s / c;
    }
  }
  const labels = Array.from({ length: n }, (_, i) => `obj${i % objects}`);
  return { x, n, p, neuroids, repeats, rep, avg, labels };
}

/** Uneven classes with ties in the fractional parts, so _approximate_mode's random tie-breaking is exercised. */
const UNEVEN = Array.from({ length: 97 }, (_, i) => ['cat', 'dog', 'car', 'face', 'tree'][i % 7 < 3 ? 0 : i % 7 < 5 ? 1 : i % 7 === 5 ? 2 : i % 2 ? 3 : 4]);

const BRAINSCORE_PLS = `
from sklearn.cross_decomposition import PLSRegression
from sklearn.model_selection import StratifiedShuffleSplit, ShuffleSplit
import scipy.stats
X = np.array(inp['x'], dtype=np.float32).reshape(inp['n'], inp['p']).astype(np.float64)
Y = np.array(inp['y'], dtype=float).reshape(inp['n'], inp['k'])
R = np.array([np.nan if v is None else v for v in inp['rep']], dtype=float).reshape(inp['k'], inp['n'], inp['r'])
splits = list(StratifiedShuffleSplit(n_splits=10, train_size=.9, test_size=None, random_state=1).split(np.zeros(inp['n']), inp['labels']))
per_split = []
for train, test in splits:
    reg = PLSRegression(n_components=25, scale=False).fit(X[train], Y[train])
    pred = reg.predict(X[test])
    rs = [scipy.stats.pearsonr(pred[:, j], Y[test, j])[0] for j in range(inp['k'])]
    per_split.append(np.median(rs))
per_split = np.array(per_split)
# ceiling: ShuffleSplit over repetition values, halves averaged (skipna), pearsonr, Spearman-Brown, median, mean
halves = list(ShuffleSplit(n_splits=10, train_size=.5, test_size=None, random_state=1).split(np.zeros(inp['r'])))
ceil_splits = []
for h1, h2 in halves:
    a = np.nanmean(R[:, :, h1], axis=2); b = np.nanmean(R[:, :, h2], axis=2)
    rs = np.array([scipy.stats.pearsonr(a[j], b[j])[0] for j in range(inp['k'])])
    ceil_splits.append(np.median(2 * rs / (1 + rs)))
ceiling = np.mean(ceil_splits)
raw = per_split.mean()
out = dict(splits=[dict(train=tr.tolist(), test=te.tolist()) for tr, te in splits], halves=[h1.tolist() for h1, _ in halves],
           per_split=per_split, raw=raw, sem=per_split.std() / np.sqrt(len(per_split)),
           ceil_splits=ceil_splits, ceiling=ceiling, ceiling_sem=np.std(ceil_splits) / np.sqrt(10),
           ceiled=raw ** 2 / ceiling,
           class_counts=[[int(np.sum(np.array(inp['labels'])[tr] == c)) for c in sorted(set(inp['labels']))] for tr, _ in splits],
           shuffle=[dict(train=tr.tolist(), test=te.tolist()) for tr, te in ShuffleSplit(n_splits=10, train_size=.9, test_size=None, random_state=1).split(np.zeros(inp['n']))],
           uneven=[dict(train=tr.tolist(), test=te.tolist()) for tr, te in StratifiedShuffleSplit(n_splits=10, train_size=.9, test_size=None, random_state=1).split(np.zeros(len(inp['uneven'])), inp['uneven'])])
`;

describe('Brain-Score regression recipe (MajajHong2015public.IT-pls)', () => {
  py('PLS 25 / stratified splits / internal-consistency ceiling / r²/ceiling equal the Python mirror to 1e-6', () => {
    const s = synthetic(11);
    const ref = runPython<{
      splits: { train: number[]; test: number[] }[];
      halves: number[][];
      per_split: number[];
      raw: number;
      sem: number;
      ceil_splits: number[];
      ceiling: number;
      ceiling_sem: number;
      ceiled: number;
      class_counts: number[][];
      shuffle: { train: number[]; test: number[] }[];
      uneven: { train: number[]; test: number[] }[];
    }>(BRAINSCORE_PLS, { x: Array.from(s.x), y: Array.from(s.avg.data), rep: Array.from(s.rep, (v) => (Number.isFinite(v) ? v : null)), n: s.n, p: s.p, k: s.neuroids, r: s.repeats, labels: s.labels, uneven: UNEVEN });
    const def = findBenchmark('dicarlo.MajajHong2015public.IT-pls')!;
    expect(def.id).toBe('MajajHong2015public.IT-pls');
    // Ceiling with scikit-learn's repetition halves.
    const ic = internalConsistency({ neuroids: s.neuroids, stimuli: s.n, repeats: s.repeats, data: s.rep }, { halves: ref.halves });
    ic.splitCeilings.forEach((c, i) => expect(c).toBeCloseTo(ref.ceil_splits[i], 6));
    expect(ic.ceiling).toBeCloseTo(ref.ceiling, 6);
    expect(ic.sem).toBeCloseTo(ref.ceiling_sem, 6);
    // The score with scikit-learn's splits; the ceiling given the same halves (via a 'given' definition).
    const data: DefinitionData = { stimuli: s.n, labels: { object_name: s.labels }, responses: s.avg };
    const given = { ...def, ceiling: { kind: 'given' as const, value: ic.ceiling, source: 'test' } };
    const r = scoreDefinition(given, { layer: 'x', activation: { dims: [s.n, s.p], data: s.x } }, data, { splits: ref.splits });
    r.parts.forEach((v, i) => expect(Math.abs(v - ref.per_split[i])).toBeLessThan(1e-6));
    expect(Math.abs(r.raw - ref.raw)).toBeLessThan(1e-6);
    expect(Math.abs(r.sem - ref.sem)).toBeLessThan(1e-6);
    expect(Math.abs(r.ceiled - ref.ceiled)).toBeLessThan(1e-6);
    expect(r.raw).toBeGreaterThan(0.3);
    // Silico's own splits and halves ARE scikit-learn's (NumPy's legacy RandomState, random_state=1).
    const sortedSplits = (x: { train: number[]; test: number[] }[]) => x.map((sp) => ({ train: [...sp.train].sort((a, b) => a - b), test: [...sp.test].sort((a, b) => a - b) }));
    expect(stratifiedShuffleSplits(s.labels, { splits: 10, trainSize: 0.9, seed: 1 })).toEqual(sortedSplits(ref.splits));
    expect(stratifiedShuffleSplits(UNEVEN, { splits: 10, trainSize: 0.9, seed: 1 })).toEqual(sortedSplits(ref.uneven));
    expect(shuffleSplits(s.n, { splits: 10, trainSize: 0.9, seed: 1 })).toEqual(sortedSplits(ref.shuffle));
    expect(repetitionHalves(s.repeats, 10, 1)).toEqual(ref.halves.map((h) => [...h].sort((a, b) => a - b)));
    const own = scoreDefinition(def, { layer: 'x', activation: { dims: [s.n, s.p], data: s.x } }, { ...data, repeated: { neuroids: s.neuroids, stimuli: s.n, repeats: s.repeats, data: s.rep } });
    expect(Math.abs(own.raw - ref.raw)).toBeLessThan(1e-6);
    expect(Math.abs(own.ceiling - ref.ceiling)).toBeLessThan(1e-6);
    expect(Math.abs(own.ceiled - ref.ceiled)).toBeLessThan(1e-6);
  });
});

const COGGAN = `
import json
feats = np.array(inp['x'], dtype=np.float32).reshape(24, -1)
with open(inp['rsm']) as f: data = json.load(f)
out = {}
for region, subs in data['regions'].items():
    target = np.array(subs).transpose(1, 2, 0)  # 24 x 24 x subjects, as the assembly's values
    patterns = feats.copy()
    patterns = patterns[:, patterns.std(axis=0) != 0]
    pm = patterns.mean(axis=0)
    sel = np.abs(pm) > (pm.std() * 3.1)
    patterns = patterns[:, sel]
    patterns = (patterns - np.tile(patterns.mean(0), (24, 1))) / np.tile(patterns.std(0), (24, 1))
    model = np.corrcoef(patterns)
    off = np.array(1 - np.eye(24).flatten(), dtype=bool)
    scores = [np.corrcoef(target[:, :, s].flatten()[off], model.flatten()[off])[0, 1] for s in range(target.shape[2])]
    nc = []
    for s in range(target.shape[2]):
        ind = target[:, :, s].flatten()[off]
        grp = target[:, :, [i for i in range(target.shape[2]) if i != s]].mean(axis=2).flatten()[off]
        nc.append(np.corrcoef(ind, grp)[0, 1])
    raw = np.mean(scores); ceiling = np.mean(nc)
    ceiled = np.power(raw / ceiling, 2)
    out[region] = dict(units=int(sel.sum()), raw=raw, ceiling=ceiling, ceiled=float(np.clip(ceiled, 0, 1)), unclipped=ceiled, rsm=model.flatten())
`;

describe('Coggan2024 recipe', () => {
  pyShared('unit selection, z-scored Pearson RSM, per-subject score, leave-one-out ceiling and (raw/ceiling)² equal the Python mirror', () => {
    // Features: 24 conditions × 3000 units, a few hundred with large means (the selection has work to do), one constant unit.
    const rand = seededRandom(5);
    const p = 3000;
    const x = new Float32Array(24 * p);
    const offsets = Array.from({ length: p }, (_, u) => (u % 10 === 0 ? 8 + 4 * gaussian(rand) : 0.3 * gaussian(rand)));
    const shared = Array.from({ length: 24 }, () => gaussian(rand));
    for (let i = 0; i < 24; i++) for (let u = 0; u < p; u++) x[i * p + u] = offsets[u] + gaussian(rand) + (u % 3 === 0 ? shared[i] : 0);
    for (let i = 0; i < 24; i++) x[i * p + 7] = 2.5; // zero variance: dropped first
    const rsmPath = sharedPath('data/vision/coggan2024-fmri/rsm.json');
    const ref = runPython<Record<string, { units: number; raw: number; ceiling: number; ceiled: number; unclipped: number; rsm: number[] }>>(COGGAN, { x: Array.from(x), rsm: rsmPath });
    const json = JSON.parse(readFileSync(rsmPath, 'utf8')) as { regions: Record<string, number[][][]> };
    const ours = cogganRsm({ rows: 24, cols: p, data: x });
    for (const region of ['V1', 'V2', 'V4', 'IT']) {
      const def = findBenchmark(`Coggan2024.${region}-rdm`)!;
      const matrices: Matrix[] = json.regions[region].map((m) => matrix(24, 24, m.flat()));
      const r = scoreDefinition(def, { layer: 'x', activation: { dims: [24, p], data: x } }, { stimuli: 24, matrices });
      const e = ref[region];
      expect(ours.selectedUnits).toBe(e.units);
      expect(r.selectedUnits).toBe(e.units);
      ours.rsm.data.forEach((v, i) => expect(Math.abs(v - e.rsm[i])).toBeLessThan(1e-6));
      expect(Math.abs(r.raw - e.raw)).toBeLessThan(1e-6);
      expect(Math.abs(r.ceiling - e.ceiling)).toBeLessThan(1e-6);
      expect(Math.abs(r.ceiled - e.ceiled)).toBeLessThan(1e-6);
      expect(r.clipped).toBe(e.unclipped !== e.ceiled);
    }
    // Published leave-one-out ceilings of the shared data (docs/results.md): V1 .448, V2 .449, V4 .335, IT .240.
    expect(ref.V1.ceiling).toBeCloseTo(0.448, 3);
    expect(ref.IT.ceiling).toBeCloseTo(0.24, 3);
  });
});

describe('ceiling normalisation', () => {
  it('implements r²/ceiling (Brain-Score since PR #2169), (r/ceiling)² and r/ceiling, and reports clipping', () => {
    expect(normalise(0.5, 0.8, { formula: 'r2-over-ceiling', clip: false }).ceiled).toBeCloseTo(0.3125, 12);
    expect(normalise(0.5, 0.8, { formula: 'squared-ratio', clip: false }).ceiled).toBeCloseTo(0.390625, 12);
    expect(normalise(0.5, 0.8, { formula: 'ratio', clip: false }).ceiled).toBeCloseTo(0.625, 12);
    expect(normalise(0.9, 0.6, { formula: 'squared-ratio', clip: true })).toEqual({ ceiled: 1, clipped: true });
    expect(normalise(0.3, 0.6, { formula: 'squared-ratio', clip: true })).toEqual({ ceiled: 0.25, clipped: false });
    expect(Number.isNaN(normalise(0.3, 0, { formula: 'ratio', clip: false }).ceiled)).toBe(true);
  });
});

const PIL_PLACE = `
from PIL import Image
img = Image.fromarray(np.array(inp['px'], dtype=np.uint8).reshape(inp['h'], inp['w'], 3), 'RGB')
def apply_ratio(image, ratio, background_color='gray'):
    image_size = np.array(image.size)
    target_image_size = (ratio * image_size).round().astype(int)
    if ratio >= 1:
        bg = Image.new('RGB', tuple(target_image_size), background_color)
        tl = ((target_image_size - image.size) / 2).round().astype(int)
        bg.paste(image, tuple(tl))
        return bg
    left, upper = ((image.size - target_image_size) / 2).round().astype(int)
    right, lower = [left, upper] + target_image_size
    return image.crop((left, upper, right, lower))
out = []
for ratio in inp['ratios']:
    o = apply_ratio(img, ratio)
    out.append(dict(w=o.size[0], h=o.size[1], px=np.asarray(o).flatten().tolist()))
`;

describe('Brain-Score image placement (screen.py)', () => {
  py('place_on_screen equals PIL ImageConverter.apply_ratio pixel for pixel (crop and gray canvas)', () => {
    const w = 37;
    const h = 29;
    const rand = seededRandom(3);
    const rgb = Array.from({ length: w * h * 3 }, () => Math.floor(rand() * 256));
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      rgba.set(rgb.slice(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255;
    }
    const cases = [[9, 8], [4, 8], [10, 8], [7, 8]];
    const ref = runPython<{ w: number; h: number; px: number[] }[]>(PIL_PLACE, { px: rgb, w, h, ratios: cases.map(([s, t]) => t / s) });
    cases.forEach(([source, target], k) => {
      const out = placeOnScreen({ width: w, height: h, data: rgba }, source, target);
      expect([out.width, out.height]).toEqual([ref[k].w, ref[k].h]);
      const ours: number[] = [];
      for (let i = 0; i < out.width * out.height; i++) ours.push(out.data[i * 4], out.data[i * 4 + 1], out.data[i * 4 + 2]);
      expect(ours).toEqual(ref[k].px);
    });
  });
});

describe('layer commitment', () => {
  it('chooses the layer on one half and reports it on the other, beside the optimistic best', () => {
    const s = synthetic(21, 120, 6, 40, 10, 4);
    // Layer "good" drives the responses, "noise" does not, "half" is good features mixed with noise.
    const rand = seededRandom(9);
    const noise = new Float32Array(s.x.length).map(() => gaussian(rand));
    const half = s.x.map((v, i) => v + 2 * noise[i]);
    const def = findBenchmark('MajajHong2015public.V4-pls')!;
    const data: DefinitionData = { stimuli: s.n, labels: { object_name: s.labels }, responses: s.avg, repeated: { neuroids: s.neuroids, stimuli: s.n, repeats: s.repeats, data: s.rep } };
    const layers = [
      { layer: 'noise', activation: { dims: [s.n, 40], data: noise } },
      { layer: 'good', activation: { dims: [s.n, 40], data: s.x } },
      { layer: 'half', activation: { dims: [s.n, 40], data: half } },
    ];
    const [a, b] = selectionHalves(def, data);
    expect(a.stimuli!.length + b.stimuli!.length).toBe(s.n);
    expect(a.stimuli!.filter((i) => b.stimuli!.includes(i))).toEqual([]);
    // Stratified: every object is in both halves equally.
    for (const c of new Set(s.labels)) expect(a.stimuli!.filter((i) => s.labels[i] === c).length).toBe(10);
    const r = commitLayer(def, layers, data);
    expect(r.committedLayer).toBe('good');
    expect(r.committed.ceiled).toBeLessThanOrEqual(r.optimistic.ceiled);
    expect(r.committed.ceiled).toBeGreaterThan(r.reportScores[0].ceiled);
    expect(r.layerChoice).toContain('chosen on 60 of 120 stimuli');
    expect(shuffleSplits(10, { seed: 1 })[0].test).toHaveLength(1);
  });
});

describe('generic RDM recipe (Kriegeskorte2008.IT-rdm)', () => {
  py('RDM = 1 − Pearson, Spearman on the upper triangle equals scipy', () => {
    const rand = seededRandom(17);
    const n = 30;
    const p = 200;
    const x = new Float32Array(n * p).map(() => gaussian(rand));
    const brain = matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) brain.data[i * n + j] = brain.data[j * n + i] = rand();
    const ref = runPython<{ rho: number; rdm: number[] }>(
      `
from scipy.stats import spearmanr
X = np.array(inp['x'], dtype=np.float32).reshape(inp['n'], -1).astype(np.float64)
B = np.array(inp['b']).reshape(inp['n'], inp['n'])
M = 1 - np.corrcoef(X)
iu = np.triu_indices(inp['n'], k=1)
out = dict(rho=spearmanr(M[iu], B[iu])[0], rdm=M.flatten())
`,
      { x: Array.from(x), b: Array.from(brain.data), n },
    );
    const def = findBenchmark('Kriegeskorte2008.IT-rdm')!;
    const r = scoreDefinition(def, { layer: 'x', activation: { dims: [n, p], data: x } }, { stimuli: n, matrices: [brain] });
    expect(Math.abs(r.raw - ref.rho)).toBeLessThan(1e-9);
    expect(Number.isNaN(r.ceiled)).toBe(true);
    const ours = correlationRdm({ dims: [n, p], data: x });
    ours.data.forEach((v, i) => expect(Math.abs(v - ref.rdm[i])).toBeLessThan(1e-9));
  });
});

describe('the lab scorer with definitions (scoreLayers + withDefinitions)', () => {
  it('scores regions by their definition, carries provenance and formula, and commits layers on halves', async () => {
    const s = synthetic(21, 120, 6, 40, 10, 4);
    const rand = seededRandom(9);
    const noise = new Float32Array(s.x.length).map(() => gaussian(rand));
    const bench = withDefinitions({
      id: 'majajhong2015-public-test',
      name: 'test',
      synthetic: false,
      stimuli: s.n,
      labels: { object_name: s.labels },
      regions: [{ name: 'IT', responses: { stimuli: s.n, neuroids: s.neuroids, data: s.avg.data }, repeated: { neuroids: s.neuroids, stimuli: s.n, repeats: s.repeats, data: s.rep } }],
    });
    expect(bench.definitions!.map((d) => d.id)).toEqual(['MajajHong2015public.IT-pls']);
    const layers = [
      { layer: 'noise', activation: { dims: [s.n, 40], data: noise } },
      { layer: 'good', activation: { dims: [s.n, 40], data: s.x } },
    ];
    const scores = await scoreLayers(layers, bench, { metric: 'pls', modelId: 'm', appVersion: 'silico test' });
    const direct = scoreDefinition(bench.definitions![0], layers[1], { stimuli: s.n, labels: { object_name: s.labels }, responses: s.avg, repeated: { neuroids: s.neuroids, stimuli: s.n, repeats: s.repeats, data: s.rep } });
    expect(scores[1].raw).toBe(direct.raw);
    expect(scores[1].ceiled).toBe(direct.ceiled);
    expect(scores[1]).toMatchObject({ formula: 'r² / ceiling', clipped: false, provenance: { benchmark: 'MajajHong2015public.IT-pls', version: 1, appVersion: 'silico test', placement: 'model preset (resize + centre crop)' } });
    const [c] = regionCommitments(scores);
    expect(c).toMatchObject({ region: 'IT', committedLayer: 'good', optimisticLayer: 'good', formula: 'r² / ceiling' });
    expect(c.layerChoice).toContain('chosen on 60 of 120 stimuli (stratified by object_name)');
    // Without definitions the generic recipe runs (k-fold, r / ceiling).
    const generic = await scoreLayers(layers, { ...bench, definitions: [] }, { metric: 'pls', modelId: 'm' });
    expect(generic[1].formula).toBe('r / ceiling');
    expect(generic[1].provenance).toBeUndefined();
  });
});
