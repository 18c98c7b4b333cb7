/**
 * Bench (b1): one worker thread of the bench's scoring pool — the compute worker's CPU path
 * (workers/compute.worker.ts: `scoreLayers` with the float64 Gram matrix and the WebAssembly kernels) under
 * worker_threads, so Node scores layers the way the app's pool of compute workers does. Started by
 * tools/bench/scoring.ts; messages: {id, job} in; {id, progress} and then {id, result, seconds} or {id, error} out.
 */
import { parentPort } from 'node:worker_threads';
import { scoreLayers, type ScoreResult } from '../../src/core/predictivity/scoring';
import type { ScoreJob } from '../../workers/compute-api';

const port = parentPort!;
port.on('message', async ({ id, job }: { id: number; job: ScoreJob }) => {
  try {
    const t0 = performance.now();
    const scores = await scoreLayers(job.layers, job.benchmark, {
      metric: job.metric,
      modelId: job.modelId,
      onProgress: (progress) => port.postMessage({ id, progress }),
    });
    const result: ScoreResult = { scores, backend: 'cpu', notes: [] };
    port.postMessage({ id, result, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    port.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
