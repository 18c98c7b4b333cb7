import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import * as ort from 'onnxruntime-node';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { batchToTensor, preprocessBytes } from '../../src/core/image';
import { buildHmaxModel, hmaxSpec } from '../../src/core/onnx';
import { readBundle, stimulusBytes } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import { writeNpy } from '../../src/core/data/npy';
import { kFoldSplits } from '../../src/core/metrics/crossval';
import { DEFAULT_ALPHAS } from '../../src/core/metrics/ridge';
import { findBenchmark } from '../../src/core/benchmarks';
import { placementPrepare } from '../../src/cli/benchmark';
import { hasSharedFiles, SHARED as SHARED_DIR } from '../support/shared';
import { hasPythonModules, runPythonScript } from '../support/python';
import { silicoInProcess as silico } from '../support/cli';
import { sharedCogganBundle, writeBundleFolder } from '../support/bundles';

/** sklearn RidgeCV per fold (same folds), median Pearson r over neuroids, mean over folds. */
const SKLEARN_SCORE = `
import json, sys
import numpy as np
from sklearn.linear_model import RidgeCV
job = json.load(sys.stdin)
x = np.load(job['x']).astype(np.float64); y = np.load(job['y'])
scores = []
for test in job['tests']:
    test = np.array(test); train = np.setdiff1d(np.arange(len(x)), test)
    p = RidgeCV(alphas=job['alphas']).fit(x[train], y[train]).predict(x[test])
    t = y[test]
    pc = p - p.mean(0); tc = t - t.mean(0)
    r = (pc * tc).sum(0) / np.sqrt((pc ** 2).sum(0) * (tc ** 2).sum(0))
    scores.append(np.median(r))
print(json.dumps(float(np.mean(scores))))
`;

describe('silico score', () => {
  test.skipIf(!hasPythonModules('numpy', 'sklearn'))('ridge scores on the synthetic demo bundle equal scikit-learn RidgeCV on the same features and folds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-cli-score-'));
    try {
      const csvPath = join(dir, 'scores.csv');
      const r = await silico(['score', '--model', 'hmax', '--bundle', 'synthetic', '--metric', 'ridge', '--layers', 'C2', '--out', csvPath]);
      expect(r.stderr).toContain('synthetic demo data');
      expect(r.code).toBe(0);
      const rows = Papa.parse<Record<string, string>>(readFileSync(csvPath, 'utf8').trim(), { header: true }).data;
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row).toMatchObject({ model: 'hmax', layer: 'C2', region: 'V1', metric: 'ridge', reduction: 'none' });
      const raw = Number(row.raw);
      const ceiling = Number(row.ceiling);
      expect(Number(row.ceiled)).toBeCloseTo(raw / ceiling, 10);
      expect(ceiling).toBeGreaterThan(0.3);

      // Independent reference: the same C2 features (Recorder directly) and folds through scikit-learn.
      const bench = readBundle(syntheticBundle());
      const spec = hmaxSpec();
      const rec = await Recorder.create(ort as unknown as OrtModule, buildHmaxModel(), { layers: ['C2'] });
      const input = batchToTensor(bench.manifest.stimuli.map((s) => preprocessBytes(stimulusBytes(bench, s), spec, s.id)), spec);
      const [c2] = await rec.run({ image: input });
      await rec.dispose();
      const y = bench.regions[0].responses!;
      writeFileSync(join(dir, 'x.npy'), writeNpy(c2.data, c2.dims, 'f4'));
      writeFileSync(join(dir, 'y.npy'), writeNpy(y.data, [y.rows, y.cols]));
      const folds = bench.manifest.metric.folds ?? 10;
      const job = { x: join(dir, 'x.npy'), y: join(dir, 'y.npy'), tests: kFoldSplits(y.rows, folds, 0).map((s) => s.test), alphas: DEFAULT_ALPHAS };
      // Python's stderr (deprecation or BLAS notices) differs between machines: a non-zero exit status is the failure signal.
      const reference = JSON.parse(runPythonScript(SKLEARN_SCORE, { input: JSON.stringify(job), modules: ['sklearn'] })) as number;
      expect(reference).toBeGreaterThan(0.2);
      expect(Math.abs(raw - reference)).toBeLessThan(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad options get a clear message and exit code 2', async () => {
    const r = await silico(['score', '--model', 'hmax', '--bundle', 'synthetic', '--metric', 'lasso']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metric must be one of ridge, pls, rsa');
    const missing = await silico(['score', '--model', 'hmax']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing --bundle');
  });
});

describe('silico score with versioned benchmark definitions', () => {
  const cogganDir = join(SHARED_DIR, 'data/vision/coggan2024-fmri');
  // Outside CI a missing Coggan set or numpy skips (with a warning); under CI either fails the file.
  const run = hasSharedFiles('data/vision/coggan2024-fmri/rsm.json') && hasPythonModules('numpy') ? test : test.skip;

  run('a Coggan bundle with --metric rsa runs the Coggan2024 recipe on full layers, equal to the Python mirror on the same features', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-cli-coggan-'));
    try {
      // The bundle, written to a temporary folder (never into the repository).
      const files = sharedCogganBundle();
      const bundleDir = writeBundleFolder(files, join(dir, 'coggan'));
      const out = join(dir, 'scores.json');
      const r = await silico(['score', '--model', 'hmax', '--bundle', bundleDir, '--metric', 'rsa', '--layers', 'C1', '--max-features', 'none', '--out', out]);
      expect(r.stderr).toContain('Coggan2024.V1-rdm@1');
      expect(r.code).toBe(0);
      const rows = JSON.parse(readFileSync(out, 'utf8')) as Record<string, any>[];
      expect(rows.map((x) => x.definition)).toEqual(['Coggan2024.V1-rdm', 'Coggan2024.V2-rdm', 'Coggan2024.V4-rdm', 'Coggan2024.IT-rdm']);
      for (const row of rows) {
        expect(row).toMatchObject({ reduction: 'none', version: 1, formula: '(r / ceiling)², clipped to [0, 1]' });
        expect(row.placement).toContain('place_on_screen: 9° stimuli in an 8° field');
        expect(row.provenance).toMatchObject({ benchmark: row.definition, featureReduction: 'none', appVersion: expect.stringMatching(/^silico /) });
      }
      // The same C1 features, placed as Brain-Score does, through Python's copy of Brain-Score's RSA().
      const bench = readBundle(files);
      const spec = hmaxSpec();
      const prepare = placementPrepare(findBenchmark('Coggan2024.V1-rdm')!.placement, spec)!;
      const rec = await Recorder.create(ort as unknown as OrtModule, buildHmaxModel(), { layers: ['C1'] });
      const input = batchToTensor(bench.manifest.stimuli.map((s) => prepare({ name: s.id, bytes: stimulusBytes(bench, s) })), spec);
      const [c1] = await rec.run({ image: input });
      await rec.dispose();
      writeFileSync(join(dir, 'x.npy'), writeNpy(c1.data, [24, c1.data.length / 24], 'f4'));
      const py = runPythonScript(COGGAN_MIRROR, { input: JSON.stringify({ x: join(dir, 'x.npy'), rsm: join(cogganDir, 'rsm.json') }) });
      const ref = JSON.parse(py) as Record<string, { raw: number; ceiled: number }>;
      for (const row of rows) {
        expect(Math.abs(row.raw - ref[row.region].raw)).toBeLessThan(1e-6);
        expect(Math.abs(row.ceiled - ref[row.region].ceiled)).toBeLessThan(1e-6);
      }
      const bad = await silico(['score', '--model', 'hmax', '--bundle', bundleDir, '--max-features', 'lots']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--max-features must be a positive whole number or "none"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

const COGGAN_MIRROR = `
import json, sys
import numpy as np
job = json.load(sys.stdin)
X = np.load(job['x']).astype(np.float32)
data = json.load(open(job['rsm']))
out = {}
for region, subs in data['regions'].items():
    t = np.array(subs).transpose(1, 2, 0)
    p = X[:, X.std(axis=0) != 0]
    m = p.mean(axis=0)
    p = p[:, np.abs(m) > m.std() * 3.1]
    p = (p - p.mean(0)) / p.std(0)
    model = np.corrcoef(p)
    off = np.array(1 - np.eye(24).flatten(), dtype=bool)
    raw = np.mean([np.corrcoef(t[:, :, s].flatten()[off], model.flatten()[off])[0, 1] for s in range(t.shape[2])])
    nc = np.mean([np.corrcoef(t[:, :, s].flatten()[off], t[:, :, [i for i in range(t.shape[2]) if i != s]].mean(axis=2).flatten()[off])[0, 1] for s in range(t.shape[2])])
    out[region] = dict(raw=float(raw), ceiled=float(np.clip((raw / nc) ** 2, 0, 1)))
print(json.dumps(out))
`;
