import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import * as ort from 'onnxruntime-node';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { buildGpt2Model, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { sentenceFeatures } from '../../src/core/language/scorer';
import { DEFAULT_ALPHAS } from '../../src/core/metrics/ridge';
import { writeNpy } from '../../src/core/data/npy';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';
import { hasPythonModules, runPython, runPythonScript } from '../support/python';
import { loadBuiltinGlove } from '../../src/core/language/assets-node';
import { pearson } from '../../src/core/metrics/stats';
import { silicoInProcess as silico } from '../support/cli';

/** sklearn reference of the encoding model: StandardScaler + RidgeCV (leave-one-out alpha), predictions on the pool. */
const SKLEARN = `
import json, sys
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import RidgeCV
job = json.load(sys.stdin)
model = make_pipeline(StandardScaler(), RidgeCV(alphas=job['alphas'])).fit(np.load(job['train']), np.array(job['y']))
print(json.dumps(model.predict(np.load(job['pool'])).tolist()))
`;

/** scikit-learn (with numpy) is the independent reference of both ranking tests: outside CI they skip without it, under CI the file fails. */
const hasSklearn = hasPythonModules('numpy', 'sklearn');

const SUBJECTS = ['The cat', 'A dog', 'My neighbour', 'The old man', 'Her brother', 'The committee'];
const VERBS = ['saw', 'painted', 'ignored', 'sold', 'described'];
const OBJECTS = ['the red car', 'a quiet house', 'seven bright lanterns', 'an unusual violin', 'the broken bridge'];

describe.skipIf(!hasShared)(`silico rank (${hasShared ? 'GPT-2 tokenizer' : NO_SHARED})`, () => {
  test.skipIf(!hasSklearn)('ranks the pool by the encoding model\'s prediction, equal to scikit-learn on the same features', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-cli-rank-'));
    try {
      const train = Array.from({ length: 30 }, (_, i) => `${SUBJECTS[i % 6]} ${VERBS[i % 5]} ${OBJECTS[(i * 2) % 5]}${i % 3 ? ' today' : ''}.`);
      const response = train.map((s, i) => s.split(' ').length * 0.4 + Math.sin(i));
      writeFileSync(join(dir, 'train.csv'), Papa.unparse(train.map((sentence, i) => ({ sentence, response: response[i] }))));
      const pool = [...Array.from({ length: 10 }, (_, i) => `${SUBJECTS[(i + 1) % 6]} ${VERBS[(i + 2) % 5]} ${OBJECTS[i % 5]} again and again.`), train[0], train[1]];
      writeFileSync(join(dir, 'pool.txt'), pool.join('\n'));
      const tokenizerPath = sharedPath('models/gpt2-tokenizer/tokenizer.json');
      const r = await silico(['rank', '--model', 'gpt2-tiny', '--tokenizer', tokenizerPath, '--train', join(dir, 'train.csv'), '--pool', join(dir, 'pool.txt'), '--quiet']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = Papa.parse<Record<string, string>>(r.stdout.trim(), { header: true }).data;
      // Training sentences are left out; the 10 new pool sentences are ranked, highest prediction first.
      expect(rows.map((x) => x.sentence).sort()).toEqual(pool.slice(0, 10).sort());
      const predictions = rows.map((x) => Number(x.prediction));
      expect([...predictions].sort((a, b) => b - a)).toEqual(predictions);

      // Reference: the same layer's features (built-in model, same pipeline), regression in scikit-learn.
      const tokenizer = loadTokenizer(readFileSync(tokenizerPath, 'utf8'));
      const bytes = buildGpt2Model({ ...GPT2_SIZES.tiny, seed: 0, extraOutputs: ['h.1.resid'] });
      const rec = await Recorder.create(ort as unknown as OrtModule, bytes, { layers: ['h.1.resid', 'logits'] });
      const pipeline = {
        tokenizer, bosId: 50256,
        runModel: async (b: { inputIds: BigInt64Array; attentionMask: BigInt64Array; dims: [number, number] }) => {
          const [hidden, logits] = await rec.run({ input_ids: { data: b.inputIds, dims: b.dims }, attention_mask: { data: b.attentionMask, dims: b.dims } });
          return { hidden, logits };
        },
      };
      const trainF = (await sentenceFeatures(train, pipeline)).features;
      const poolF = (await sentenceFeatures(pool.slice(0, 10), pipeline)).features;
      await rec.dispose();
      writeFileSync(join(dir, 'train.npy'), writeNpy(trainF.data, trainF.dims, 'f4'));
      writeFileSync(join(dir, 'pool.npy'), writeNpy(poolF.data, poolF.dims, 'f4'));
      // Python's stderr (deprecation or BLAS notices) differs between machines: a non-zero exit status is the failure signal.
      const py = runPythonScript(SKLEARN, { input: JSON.stringify({ train: join(dir, 'train.npy'), pool: join(dir, 'pool.npy'), y: response, alphas: DEFAULT_ALPHAS }), modules: ['sklearn'] });
      const reference = JSON.parse(py) as number[];
      const spread = Math.max(...reference) - Math.min(...reference);
      expect(spread).toBeGreaterThan(1e-3);
      for (const row of rows) {
        const i = pool.indexOf(row.sentence);
        expect(Number(row.pool_index)).toBe(i);
        expect(Math.abs(Number(row.prediction) - reference[i])).toBeLessThan(1e-4 * Math.max(1, spread));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input gets a clear message', async () => {
    const r = await silico(['rank', '--model', 'gpt2-tiny', '--tokenizer', 'x.json', '--train', sharedPath('data/language/tuckute2024/baseline_responses.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Tokenizer not found: x.json');
    const bad = await silico(['rank', '--model', 'gpt3', '--train', sharedPath('data/language/tuckute2024/baseline_responses.csv')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be glove, gpt2-tiny');
  });

  test.skipIf(!hasSklearn)('glove on the Tuckute baseline: --pool ranks the pool (sentence, prediction columns, equal to sklearn); without --pool the out-of-fold ranking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-cli-rank-glove-'));
    try {
      const trainCsv = sharedPath('data/language/tuckute2024/baseline_responses.csv');
      const table = Papa.parse<Record<string, string>>(readFileSync(trainCsv, 'utf8').trim(), { header: true }).data;
      // The documented columns: sentence, response_target.
      writeFileSync(join(dir, 'train.csv'), Papa.unparse(table.map((r) => ({ sentence: r.Sentence, response_target: r.EffectSize }))));
      const pool = ['The children walked to school along the river.', 'Colorless green ideas sleep furiously.', 'Lol ok see u there tmrw.', 'The the the of of and and.', 'Inflation rose sharply and the central bank raised rates.'];
      writeFileSync(join(dir, 'pool.txt'), pool.join('\n'));
      const r = await silico(['rank', '--model', 'glove', '--train', join(dir, 'train.csv'), '--pool', join(dir, 'pool.txt'), '-o', join(dir, 'out.csv'), '--quiet']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = Papa.parse<Record<string, string>>(readFileSync(join(dir, 'out.csv'), 'utf8').trim(), { header: true }).data;
      expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['sentence', 'prediction']));
      expect(rows.map((x) => x.sentence).sort()).toEqual([...pool].sort());
      const glove = await loadBuiltinGlove();
      const ref = runPython<number[]>(`
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        X = np.array(inp['x']).reshape(len(inp['y']), -1); P = np.array(inp['p']).reshape(len(inp['pool']), -1)
        out = make_pipeline(StandardScaler(), RidgeCV(alphas=inp['alphas'])).fit(X, inp['y']).predict(P)
        `, { x: Array.from(glove.represent(table.map((t) => t.Sentence)).features), y: table.map((t) => Number(t.EffectSize)), p: Array.from(glove.represent(pool).features), pool, alphas: DEFAULT_ALPHAS }, ['sklearn']);
      for (const row of rows) expect(Number(row.prediction)).toBeCloseTo(ref[pool.indexOf(row.sentence)], 6);

      const noPool = await silico(['rank', '--model', 'glove', '--train', trainCsv]);
      expect(noPool.code).toBe(0);
      expect(noPool.stderr).toContain('no --pool: ranking the training sentences by their cross-validated prediction');
      const ranked = Papa.parse<Record<string, string>>(noPool.stdout.trim(), { header: true }).data;
      expect(ranked.length).toBe(1000);
      const predictions = ranked.map((x) => Number(x.prediction));
      expect([...predictions].sort((a, b) => b - a)).toEqual(predictions);
      // Out-of-fold predictions correlate with the measured responses (5-fold r ≈ 0.3).
      expect(pearson(predictions, ranked.map((x) => Number(x.response)))).toBeGreaterThan(0.25);

      writeFileSync(join(dir, 'const.csv'), Papa.unparse(table.slice(0, 50).map((t) => ({ sentence: t.Sentence, response_target: 1.5 }))));
      const constant = await silico(['rank', '--model', 'glove', '--train', join(dir, 'const.csv'), '--pool', join(dir, 'pool.txt')]);
      expect(constant.code).toBe(2);
      expect(constant.stderr).toContain('The response column is constant');
      expect(constant.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
