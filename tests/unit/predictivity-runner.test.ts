/**
 * The Predictivity run loop with fake workers: cached layers are not recomputed, the next pass is recorded
 * while the previous one is scored, every layer's scores are stored, and failures and cancel stop both sides.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { runPredictivity, LAYERS_PER_PASS, type ModelToRun, type RunOptions } from '../../src/core/predictivity/runner';
import { ScoreStore } from '../../src/core/predictivity/score-store';
import type { LoadedBenchmark } from '../../src/core/predictivity/benchmarks';
import type { LayerRegionScore } from '../../src/core/predictivity/scoring';
import type { LayerActivation } from '../../src/core/types';

const benchmark = {
  id: 'bench', name: 'Bench', synthetic: true, modality: 'vision', stimulusNames: ['a', 'b'],
  scoring: { id: 'bench', regions: [{ name: 'V4' }, { name: 'IT' }] },
} as unknown as LoadedBenchmark;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fake workers that log when each job starts and ends. */
function harness(layers: string[], opts: { failScoringOf?: string } = {}) {
  const log: string[] = [];
  const model: ModelToRun = {
    key: 'm', name: 'M', loadedId: 'm', layers,
    async record(ls, _jobId, onProgress) {
      log.push(`record start ${ls.join(',')}`);
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

  it('cancel stops recording and scoring', async () => {
    const layers = Array.from({ length: 2 * LAYERS_PER_PASS }, (_, i) => `L${i}`);
    const { model, score } = harness(layers);
    const controller = new AbortController();
    const cancelledRecordings: string[] = [];
    const run = runPredictivity({
      models: [model], benchmark, metric: 'ridge', store: new ScoreStore('runner-test-3'), score,
      cancelRecording: (id) => cancelledRecordings.push(id), signal: controller.signal, onProgress: () => undefined, onScores: () => undefined,
    });
    setTimeout(() => controller.abort(), 30); // during pass 1's scoring and pass 2's recording
    await expect(run).rejects.toThrow();
    expect(cancelledRecordings.length).toBe(1);
  });
});
