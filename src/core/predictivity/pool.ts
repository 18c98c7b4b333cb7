/**
 * Scoring on a pool of compute workers. Layers are independent (each has its own Gram matrix and fits), so
 * a job's layers go to the workers one at a time — a worker takes the next layer as soon as it is done with
 * one, largest layers first — and the results come back in the job's layer order, as one `scoreLayers` call
 * would give them.
 * Each worker holds only the layer it is scoring. Progress adds up the workers' steps (layer × region);
 * `cancel` stops the dispatch and cancels the layers in flight; the first failure cancels the rest.
 *
 * The one place that splits a scoring job over workers: the app's compute workers (src/ui/compute.ts) and
 * the bench's worker_threads (tools/bench/scoring.ts) both go through `scoreOnPool`.
 */
import { CancelledError, type Progress } from '../types';
import type { ScoreResult, ScoringBenchmark } from './scoring';

/** A started scoring job: its result and a way to stop it. */
export interface ScoringRun {
  result: Promise<ScoreResult>;
  cancel(): void;
}

/** One worker of the pool: starts a scoring job (of one layer, from the pool) on it. */
export type PoolWorker<J> = (job: J, onProgress: (p: Progress) => void) => ScoringRun;

/** What the pool needs to know about a job; the rest of it goes to every worker unchanged. */
export interface PoolJob {
  benchmark: Pick<ScoringBenchmark, 'regions'>;
  layers: readonly { activation: { data: { length: number } } }[];
}

/**
 * Score `job` on `workers` (at most one layer per worker at a time; workers beyond the number of layers stay
 * idle). A job of at most one layer, or a pool of one, goes to the first worker whole.
 */
export function scoreOnPool<J extends PoolJob>(job: J, workers: readonly PoolWorker<J>[], onProgress?: (p: Progress) => void): ScoringRun {
  if (!workers.length) throw new Error('scoreOnPool: no workers');
  const layers = job.layers;
  if (layers.length <= 1 || workers.length === 1) return workers[0](job, onProgress ?? (() => {}));

  const regions = job.benchmark.regions.length;
  const total = layers.length * regions;
  // Largest layers first, so the small ones fill in at the end instead of one big layer running alone.
  const order = layers.map((_, i) => i).sort((a, b) => layers[b].activation.data.length - layers[a].activation.data.length || a - b);
  const results: ScoreResult[] = new Array(layers.length);
  const steps = new Float64Array(layers.length); // (layer, region) steps done per layer
  const running = new Set<ScoringRun>();
  let next = 0;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  const report = (phase?: string) => {
    let done = 0;
    for (const s of steps) done += s;
    onProgress?.({ done, total, ...(phase ? { phase } : {}) });
  };
  const stop = () => {
    stopped = true;
    for (const r of running) r.cancel();
  };

  const serve = async (worker: PoolWorker<J>) => {
    while (!stopped && next < layers.length) {
      const i = order[next++];
      const run = worker({ ...job, layers: [layers[i]] }, (p) => {
        steps[i] = Math.min(p.done, regions);
        report(p.phase);
      });
      running.add(run);
      try {
        results[i] = await run.result;
        steps[i] = regions;
        report();
      } catch (error) {
        failure ??= { error };
        stop();
      } finally {
        running.delete(run);
      }
    }
  };

  const result = (async (): Promise<ScoreResult> => {
    await Promise.all(workers.slice(0, Math.min(workers.length, layers.length)).map(serve));
    if (failure) throw failure.error;
    if (stopped) throw new CancelledError();
    return {
      scores: results.flatMap((r) => r.scores),
      backend: results.every((r) => r.backend === 'webgpu') ? 'webgpu' : 'cpu',
      notes: [...new Set(results.flatMap((r) => r.notes))],
    };
  })();
  return { result, cancel: stop };
}
