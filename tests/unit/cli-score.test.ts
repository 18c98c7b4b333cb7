import { describe, expect, test, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
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
import { main } from '../../src/cli/main';

const PYTHON = '/usr/bin/python3';

/** The CLI in-process (the bin itself is exercised in cli-record.test.ts), capturing what it writes. */
async function silico(args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

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
  test('ridge scores on the synthetic demo bundle equal scikit-learn RidgeCV on the same features and folds', async () => {
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
      const py = spawnSync(PYTHON, ['-c', SKLEARN_SCORE], { input: JSON.stringify(job), encoding: 'utf8' });
      expect(py.stderr).toBe('');
      const reference = JSON.parse(py.stdout) as number;
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
