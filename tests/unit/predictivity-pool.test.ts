/**
 * Scoring on a pool of workers (src/core/predictivity/pool.ts), with in-process workers that run the real
 * `scoreLayers` on a structured clone of their job (as a compute worker gets it): the pool's scores equal one
 * `scoreLayers` call on all layers bit for bit and in the same order, several layers run at once (largest
 * first) but never more than one per worker, progress adds up to every (layer, region) step, and cancel or a failing layer stops the
 * dispatch and rejects. The Node route of the bench (worker_threads, tools/bench/scoring-worker.ts) gives the
 * same scores too.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { scoreLayers, type ScoreResult, type ScoringBenchmark } from '../../src/core/predictivity/scoring';
import { scoreOnPool, type PoolWorker } from '../../src/core/predictivity/pool';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import type { FloatTensor, Progress } from '../../src/core/types';

const N = 60;
const rand = seededRandom(7);
const randn = (k: number) => Float64Array.from({ length: k }, () => gaussian(rand));

function activation(p: number): FloatTensor {
  return { dims: [N, p], data: Float32Array.from(randn(N * p)) };
}

const layers = [40, 300, 7, 120, 64, 500, 33].map((p, i) => ({ layer: `layer${i}`, activation: activation(p) }));
const repeats = 4;
const bench: ScoringBenchmark = {
  id: 'b', name: 'B', synthetic: true, stimuli: N, folds: 5,
  regions: [
    { name: 'V4', responses: { stimuli: N, neuroids: 9, data: randn(N * 9) }, repeated: { neuroids: 9, stimuli: N, repeats, data: randn(9 * N * repeats) } },
    { name: 'IT', responses: { stimuli: N, neuroids: 5, data: randn(N * 5) }, ceiling: 0.7 },
  ],
};

interface Job {
  modelId: string;
  metric: 'ridge' | 'pls';
  benchmark: ScoringBenchmark;
  layers: { layer: string; activation: FloatTensor }[];
}

/** In-process workers: each runs scoreLayers on a clone of its job, and logs what runs at once. */
function fakePool(size: number, o: { failOn?: string } = {}) {
  const running = new Set<string>();
  const started: string[] = [];
  let most = 0;
  const workers: PoolWorker<Job>[] = Array.from({ length: size }, () => (job, onProgress) => {
    const controller = new AbortController();
    const names = job.layers.map((l) => l.layer).join(',');
    started.push(names);
    const result = (async (): Promise<ScoreResult> => {
      running.add(names);
      most = Math.max(most, running.size);
      try {
        await new Promise((r) => setTimeout(r, 5));
        if (names === o.failOn) throw new Error(`${names} failed`);
        const copy = structuredClone(job);
        const scores = await scoreLayers(copy.layers, copy.benchmark, { metric: copy.metric, modelId: copy.modelId, signal: controller.signal, onProgress });
        return { scores, backend: 'cpu', notes: [`scored ${names.startsWith('layer') ? 'a layer' : names}`] };
      } finally {
        running.delete(names);
      }
    })();
    return { result, cancel: () => controller.abort() };
  });
  return { workers, started, most: () => most };
}

const job: Job = { modelId: 'm', metric: 'ridge', benchmark: bench, layers };

describe('scoring on a pool of workers', () => {
  it('gives the scores of one scoreLayers call, in layer order, with several layers at once', async () => {
    const reference = await scoreLayers(layers, bench, { metric: 'ridge', modelId: 'm' });
    const pool = fakePool(3);
    const progress: Progress[] = [];
    const res = await scoreOnPool(job, pool.workers, (p) => progress.push(p)).result;
    expect(res.scores.map((s) => `${s.layer}/${s.region}`)).toEqual(reference.map((s) => `${s.layer}/${s.region}`));
    expect(res.scores).toEqual(reference); // bit for bit: raw, sem, ceilings, per-neuroid r, predictions
    expect(Number.isFinite(res.scores[0].ceiling) && res.scores[0].ceiling !== res.scores[1].ceiling).toBe(true);
    expect(res.backend).toBe('cpu');
    expect(res.notes).toEqual(['scored a layer']);
    expect(pool.started.slice(0, 3)).toEqual(['layer5', 'layer1', 'layer3']); // largest layers first
    expect([...pool.started].sort()).toEqual(layers.map((l) => l.layer).sort()); // one layer per worker job
    expect(pool.most()).toBe(3);
    const total = layers.length * bench.regions.length;
    expect(progress.every((p) => p.total === total)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    expect(progress.at(-1)!.done).toBe(total);
  });

  it('sends a one-layer job, or a job on a pool of one, whole to the first worker', async () => {
    const pool = fakePool(1);
    const res = await scoreOnPool(job, pool.workers).result;
    expect(pool.started).toEqual([layers.map((l) => l.layer).join(',')]);
    expect(res.scores).toHaveLength(layers.length * 2);
  });

  it('stops dispatching and rejects on cancel', async () => {
    const pool = fakePool(2);
    const run = scoreOnPool(job, pool.workers);
    await new Promise((r) => setTimeout(r, 1));
    run.cancel();
    await expect(run.result).rejects.toThrow(/cancel/i);
    expect(pool.started.length).toBeLessThan(layers.length);
  });

  it('rejects with the first failure and cancels the rest', async () => {
    const pool = fakePool(2, { failOn: 'layer1' });
    await expect(scoreOnPool(job, pool.workers).result).rejects.toThrow('layer1 failed');
    expect(pool.started.length).toBeLessThan(layers.length);
  });

  it('the bench route (worker_threads running tools/bench/scoring-worker.ts) gives the same scores', async () => {
    const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(new URL('../../tools/bench/scoring-worker.ts', import.meta.url).href)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
    try {
      await new Promise((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
      const one = { ...job, layers: [layers[1]] };
      const reply = await new Promise<{ result?: ScoreResult; error?: string }>((resolve) => {
        worker.on('message', (m) => m.id === 1 && !m.progress && resolve(m));
        worker.postMessage({ id: 1, job: one });
      });
      expect(reply.error).toBeUndefined();
      expect(reply.result!.scores).toEqual(await scoreLayers(one.layers, bench, { metric: 'ridge', modelId: 'm' }));
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
