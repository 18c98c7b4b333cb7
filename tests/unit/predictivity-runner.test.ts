/**
 * The Predictivity run loop with fake workers: cached layers are not recomputed, the next pass is recorded
 * while the previous one is scored, every layer's scores are stored, and failures and cancel stop both sides.
 * The score cache is keyed by content: two different models with the same file name (and key) get their own
 * scores (real ONNX models on onnxruntime-node, real scoring), and any setting that changes the numbers recomputes.
 */
import 'fake-indexeddb/auto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { benchmarkContentHash, definitionKeys, runPredictivity, LAYERS_PER_PASS, type ModelToRun, type RunOptions } from '../../src/core/predictivity/runner';
import { ScoreStore, type ScoreSettings } from '../../src/core/predictivity/score-store';
import type { LoadedBenchmark } from '../../src/core/predictivity/benchmarks';
import { scoreLayers, type LayerRegionScore, type MetricKind, type ScoringBenchmark } from '../../src/core/predictivity/scoring';
import type { LayerActivation } from '../../src/core/types';
import { GraphBuilder } from '../../src/core/onnx';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { modelContentHash } from '../../src/core/store/content-hash';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import { findBenchmark, type BenchmarkDefinition } from '../../src/core/benchmarks';

const benchmark = {
  id: 'bench', name: 'Bench', synthetic: true, modality: 'vision', stimulusNames: ['a', 'b'],
  scoring: { id: 'bench', regions: [{ name: 'V4' }, { name: 'IT' }] },
} as unknown as LoadedBenchmark;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fake workers that log when each job starts and ends. */
function harness(layers: string[], opts: { failScoringOf?: string; contentHash?: string | null; recording?: ScoreSettings; onRecordStart?: (layers: string[]) => void } = {}) {
  const log: string[] = [];
  const model: ModelToRun = {
    key: 'm', name: 'M', loadedId: 'm', layers,
    ...(opts.contentHash === null ? {} : { contentHash: opts.contentHash ?? 'hash-of-model-m' }),
    recording: opts.recording,
    async record(ls, _jobId, onProgress) {
      log.push(`record start ${ls.join(',')}`);
      opts.onRecordStart?.(ls);
      await sleep(20);
      onProgress({ done: 2, total: 2 });
      log.push(`record end ${ls.join(',')}`);
      return ls.map((layer): LayerActivation => ({ layer, dims: [2, 1], data: new Float32Array(2) }));
    },
  };
  const score: RunOptions['score'] = (job) => {
    const names = job.layers.map((l) => l.layer);
    log.push(`score start ${names.join(',')}`);
    let cancelled = false;
    const result = (async () => {
      const fails = names.includes(opts.failScoringOf ?? '');
      await sleep(fails ? 5 : 60); // a failure comes while the next pass is still recording
      if (cancelled) throw new Error('cancelled');
      if (fails) throw new Error(`scoring ${opts.failScoringOf} failed`);
      log.push(`score end ${names.join(',')}`);
      const scores = names.flatMap((layer) =>
        benchmark.scoring.regions.map((r) => ({ model: 'm', layer, benchmark: 'bench', region: r.name, metric: 'ridge', raw: layer.length, sem: 0, ceiling: NaN, ceilingSem: NaN, ceiled: NaN }) as LayerRegionScore),
      );
      return { scores, backend: 'cpu' as const, notes: [] };
    })();
    return { result, cancel: () => (cancelled = true) };
  };
  return { log, model, score };
}

describe('runPredictivity', () => {
  it('records the next pass while scoring the previous one, stores every layer, and reuses the cache', async () => {
    const layers = Array.from({ length: 3 * LAYERS_PER_PASS }, (_, i) => `L${i}`);
    const { log, model, score } = harness(layers);
    const store = new ScoreStore('runner-test-1');
    const seen: LayerRegionScore[] = [];
    const progress: number[] = [];
    const options = (m: ModelToRun): RunOptions => ({
      models: [m], benchmark, metric: 'ridge', store, score, cancelRecording: () => undefined,
      signal: new AbortController().signal, onProgress: (p) => progress.push(p.done / p.total), onScores: (s) => seen.push(...s),
    });
    await runPredictivity(options(model));
    expect(seen).toHaveLength(layers.length * 2);
    expect(await store.count()).toBe(layers.length);
    // Pass 2's recording starts before pass 1's scoring ends: the workers overlap.
    const pass1 = layers.slice(0, LAYERS_PER_PASS).join(',');
    const pass2 = layers.slice(LAYERS_PER_PASS, 2 * LAYERS_PER_PASS).join(',');
    expect(log.indexOf(`record start ${pass2}`)).toBeLessThan(log.indexOf(`score end ${pass1}`));
    // ... and at most one scoring job runs at a time.
    expect(log.indexOf(`score start ${pass2}`)).toBeGreaterThan(log.indexOf(`score end ${pass1}`));
    expect(Math.max(...progress)).toBeLessThanOrEqual(1);
    expect(progress.at(-1)).toBeCloseTo(1, 5);

    // A second run reads everything from the cache: no recording, no scoring.
    const again = harness(layers);
    seen.length = 0;
    await runPredictivity(options(again.model));
    expect(again.log).toEqual([]);
    expect(seen).toHaveLength(layers.length * 2);
  });

  it('a scoring failure stops the run with that error and cancels the recording in flight', async () => {
    const layers = Array.from({ length: 3 * LAYERS_PER_PASS }, (_, i) => `L${i}`);
    const { model, score } = harness(layers, { failScoringOf: 'L0' });
    const cancelledRecordings: string[] = [];
    await expect(
      runPredictivity({
        models: [model], benchmark, metric: 'ridge', store: new ScoreStore('runner-test-2'), score,
        cancelRecording: (id) => cancelledRecordings.push(id), signal: new AbortController().signal, onProgress: () => undefined, onScores: () => undefined,
      }),
    ).rejects.toThrow('scoring L0 failed');
    expect(cancelledRecordings).toHaveLength(1);
  });

  it('cancel stops recording and scoring (cancelled at a known point: when pass 2 starts recording)', async () => {
    const layers = Array.from({ length: 2 * LAYERS_PER_PASS }, (_, i) => `L${i}`);
    const controller = new AbortController();
    const pass2 = layers.slice(LAYERS_PER_PASS);
    // Pass 2's recording starts while pass 1 is being scored: cancel right there, whatever the machine's speed.
    const { model, score, log } = harness(layers, { onRecordStart: (ls) => ls[0] === pass2[0] && controller.abort() });
    const cancelledRecordings: string[] = [];
    const store = new ScoreStore('runner-test-3');
    const run = runPredictivity({
      models: [model], benchmark, metric: 'ridge', store, score,
      cancelRecording: (id) => cancelledRecordings.push(id), signal: controller.signal, onProgress: () => undefined, onScores: () => undefined,
    });
    await expect(run).rejects.toThrow();
    expect(cancelledRecordings.length).toBe(1);
    // Pass 1's scoring was cancelled before it ended, so nothing of it was stored.
    expect(log).not.toContain(`score end ${layers.slice(0, LAYERS_PER_PASS).join(',')}`);
    expect(await store.count()).toBe(0);
  });
});

describe('the score cache is keyed by content', () => {
  const options = (m: ModelToRun, o: Partial<RunOptions> & Pick<RunOptions, 'store' | 'score'>, seen: LayerRegionScore[] = []): RunOptions => ({
    models: [m], benchmark, metric: 'ridge', cancelRecording: () => undefined,
    signal: new AbortController().signal, onProgress: () => undefined, onScores: (s) => seen.push(...s), ...o,
  });

  it('changing any setting that changes the numbers recomputes; the same setting reuses', async () => {
    const layers = ['L0', 'L1'];
    const store = new ScoreStore('runner-test-settings');
    const base = harness(layers);
    await runPredictivity(options(base.model, { store, score: base.score, settings: { seed: 0, folds: 10 } }));
    expect(base.log.filter((l) => l.startsWith('record start'))).toHaveLength(1);

    const otherData = { ...benchmark, scoring: { ...benchmark.scoring, regions: [{ name: 'V4', ceiling: 0.5 }, { name: 'IT' }] } } as unknown as LoadedBenchmark;
    const variants: [string, (h: ReturnType<typeof harness>) => RunOptions][] = [
      ['seed', (h) => options(h.model, { store, score: h.score, settings: { seed: 1, folds: 10 } })],
      ['folds', (h) => options(h.model, { store, score: h.score, settings: { seed: 0, folds: 5 } })],
      ['alpha grid', (h) => options(h.model, { store, score: h.score, settings: { seed: 0, folds: 10, alphas: [0.1, 1, 10] } })],
      ['recipe version', (h) => options(h.model, { store, score: h.score, settings: { seed: 0, folds: 10, recipe: 'brain-score-2' } })],
      ['metric', (h) => options(h.model, { store, score: h.score, settings: { seed: 0, folds: 10 }, metric: 'pls' })],
      ['benchmark data (same id)', (h) => options(h.model, { store, score: h.score, settings: { seed: 0, folds: 10 }, benchmark: otherData })],
    ];
    for (const [what, opts] of variants) {
      const h = harness(layers);
      await runPredictivity(opts(h));
      expect(h.log.filter((l) => l.startsWith('record start')), `changing ${what} must recompute`).toHaveLength(1);
    }
    for (const [what, recording] of [
      ['preprocessing', { preprocess: { size: 256 } }],
      ['image placement', { placement: { visualDegrees: 8 } }],
      ['feature reduction', { maxFeatures: 4096 }],
    ] as const) {
      const h = harness(layers, { recording });
      await runPredictivity(options(h.model, { store, score: h.score, settings: { seed: 0, folds: 10 } }));
      expect(h.log.filter((l) => l.startsWith('record start')), `changing ${what} must recompute`).toHaveLength(1);
    }
    // Another model's bytes under the same key and name: recomputed.
    const other = harness(layers, { contentHash: 'hash-of-another-model' });
    await runPredictivity(options(other.model, { store, score: other.score, settings: { seed: 0, folds: 10 } }));
    expect(other.log.filter((l) => l.startsWith('record start'))).toHaveLength(1);

    // The very same model, benchmark and settings (keys in another order): everything reused.
    const same = harness(layers);
    await runPredictivity(options(same.model, { store, score: same.score, settings: { folds: 10, seed: 0 } }));
    expect(same.log).toEqual([]);
  });

  it('the benchmark definition id and version are part of the key: a new recipe version recomputes', async () => {
    const def = findBenchmark('Cowley2023.V4-pls');
    expect(def).toBeDefined();
    const withDef = (d: BenchmarkDefinition[]) => ({ ...benchmark, scoring: { ...benchmark.scoring, definitions: d } }) as unknown as LoadedBenchmark;
    const store = new ScoreStore('runner-test-definitions');
    const runs: [string, LoadedBenchmark, number][] = [
      ['first run', withDef([def!]), 1],
      ['same definition and version', withDef([{ ...def! }]), 0],
      ['next version of the definition', withDef([{ ...def!, version: def!.version + 1 }]), 1],
      ['another definition', withDef([findBenchmark('Cowley2023.V4-ridge')!]), 1],
      ['no definition (generic recipe)', withDef([]), 1],
      ['the first version again', withDef([def!]), 0],
    ];
    for (const [what, bench, records] of runs) {
      const h = harness(['L0', 'L1']);
      const seen: LayerRegionScore[] = [];
      await runPredictivity(options(h.model, { store, score: h.score, benchmark: bench }, seen));
      expect(h.log.filter((l) => l.startsWith('record start')), what).toHaveLength(records);
      expect(seen, what).toHaveLength(4);
    }
    expect(definitionKeys(withDef([findBenchmark('Cowley2023.V4-ridge')!, def!]))).toEqual([`Cowley2023.V4-pls@${def!.version}`, `Cowley2023.V4-ridge@${findBenchmark('Cowley2023.V4-ridge')!.version}`]);
  });

  it('a model without a content hash is never cached', async () => {
    const store = new ScoreStore('runner-test-nohash');
    const notes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const h = harness(['L0'], { contentHash: null });
      await runPredictivity(options(h.model, { store, score: h.score, onNote: (n) => notes.push(n) }));
      expect(h.log.filter((l) => l.startsWith('record start'))).toHaveLength(1);
    }
    expect(await store.count()).toBe(0);
    expect(notes[0]).toMatch(/not cached/);
  });

  it('the benchmark hash follows the data, not the id', async () => {
    const a = { ...benchmark, scoring: { ...benchmark.scoring, regions: [{ name: 'V4', responses: { stimuli: 2, neuroids: 1, data: Float64Array.of(1, 2) } }] } } as unknown as LoadedBenchmark;
    const b = { ...a, scoring: { ...a.scoring, regions: [{ name: 'V4', responses: { stimuli: 2, neuroids: 1, data: Float64Array.of(1, 2.0001) } }] } } as unknown as LoadedBenchmark;
    const c = { ...a, id: 'renamed', name: 'Renamed' } as LoadedBenchmark;
    expect(await benchmarkContentHash(a)).not.toBe(await benchmarkContentHash(b));
    expect(await benchmarkContentHash(a)).toBe(await benchmarkContentHash(c));
  });
});

describe('two different models both called model.onnx (onnxruntime-node, real scoring)', () => {
  const N = 40;
  const rand = seededRandom(7);
  const X = Float32Array.from({ length: N * 6 }, () => gaussian(rand));
  /** y = relu(x W) with W drawn from `seed`: [N, 6] → [N, 8]. */
  function model(seed: number): Uint8Array {
    const r = seededRandom(seed);
    const g = new GraphBuilder('model');
    g.input('x', ['n', 6]);
    g.node('MatMul', ['x', g.floats('W', [6, 8], Float32Array.from({ length: 48 }, () => gaussian(r)))], 'h');
    g.node('Relu', ['h'], 'y');
    g.output('y', ['n', 8]);
    return g.toBytes();
  }
  // Responses: 3 neuroids driven by model 1's features (plus noise), so the two models score differently.
  const responses = new Float64Array(N * 3);
  const scoringBench: ScoringBenchmark = { id: 'b', name: 'B', synthetic: true, stimuli: N, regions: [{ name: 'V4', responses: { stimuli: N, neuroids: 3, data: responses } }], folds: 5 };
  const bench = { id: 'b', name: 'B', synthetic: true, modality: 'vision', stimulusNames: Array.from({ length: N }, (_, i) => `s${i}`), scoring: scoringBench } as LoadedBenchmark;

  async function toRun(bytes: Uint8Array, recorded: string[]): Promise<ModelToRun> {
    return {
      key: 'local-model', name: 'model.onnx', loadedId: 'model-1', layers: ['y'], contentHash: await modelContentHash({ model: bytes }),
      async record(layers) {
        recorded.push(layers.join(','));
        const rec = await Recorder.create(ort as unknown as OrtModule, bytes, { layers, executionProviders: ['cpu'] });
        try {
          return await rec.run({ x: new ort.Tensor('float32', X, [N, 6]) as never });
        } finally {
          await rec.dispose();
        }
      },
    };
  }
  const score = (metric: MetricKind): RunOptions['score'] => (job) => ({ result: scoreLayers(job.layers, job.benchmark, { metric, modelId: job.modelId }).then((scores) => ({ scores, backend: 'cpu' as const, notes: [] })), cancel: () => undefined });

  it('get their own scores, and a re-run of either reuses only its own', async () => {
    const one = model(1);
    const two = model(2);
    // Responses from model 1's features.
    const session = await ort.InferenceSession.create(one);
    const y = (await session.run({ x: new ort.Tensor('float32', X, [N, 6]) })).y.data as Float32Array;
    await session.release();
    const nr = seededRandom(3);
    for (let s = 0; s < N; s++) for (let n = 0; n < 3; n++) responses[s * 3 + n] = y[s * 8 + n] + y[s * 8 + n + 3] + 0.3 * gaussian(nr);

    const store = new ScoreStore('runner-test-same-name');
    const run = async (bytes: Uint8Array) => {
      const recorded: string[] = [];
      const seen: LayerRegionScore[] = [];
      await runPredictivity({
        models: [await toRun(bytes, recorded)], benchmark: bench, metric: 'ridge', store, score: score('ridge'), cancelRecording: () => undefined,
        signal: new AbortController().signal, onProgress: () => undefined, onScores: (s) => seen.push(...s),
      });
      return { recorded, raw: seen[0].raw };
    };
    const first = await run(one);
    const second = await run(two);
    console.log(`model.onnx #1 raw ${first.raw.toFixed(4)}, model.onnx #2 raw ${second.raw.toFixed(4)}`);
    expect(second.recorded).toEqual(['y']); // recomputed, not served from #1's cache
    expect(Math.abs(first.raw - second.raw)).toBeGreaterThan(0.05);
    const firstAgain = await run(one);
    expect(firstAgain.recorded).toEqual([]); // its own scores, from the cache
    expect(firstAgain.raw).toBe(first.raw);
    const secondAgain = await run(two);
    expect(secondAgain.recorded).toEqual([]);
    expect(secondAgain.raw).toBe(second.raw);
  });
});
