/**
 * Main-thread client of the compute worker (scoring jobs of the Predictivity lab): a typed comlink proxy,
 * plus `runScoring` that adds progress, cancel (shared flag when cross-origin isolated) and transfers.
 */
import * as Comlink from 'comlink';
import type { Progress } from '../core/types';
import type { ComputeApi, ScoreJob, ScoreResult } from '../../workers/compute-api';

export type { ComputeApi, ComputeBackendInfo, ComputePreference, ScoreJob, ScoreResult } from '../../workers/compute-api';

let compute: Comlink.Remote<ComputeApi> | null = null;

export function getCompute(): Comlink.Remote<ComputeApi> {
  if (!compute) {
    const worker = new Worker(new URL('../../workers/compute.worker.ts', import.meta.url), { type: 'module', name: 'silico-compute' });
    compute = Comlink.wrap<ComputeApi>(worker);
  }
  return compute;
}

export interface ScoringRun {
  result: Promise<ScoreResult>;
  cancel(): void;
}

/**
 * Start a scoring job. Activations are transferred (the caller's arrays become empty), so pass copies
 * if you still need them.
 */
export function runScoring(job: Omit<ScoreJob, 'jobId' | 'cancelFlag'>, onProgress?: (p: Progress) => void): ScoringRun {
  const jobId = `score-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const flagBuffer = globalThis.crossOriginIsolated ? new SharedArrayBuffer(4) : undefined;
  const flag = flagBuffer ? new Int32Array(flagBuffer) : null;
  const api = getCompute();
  const transfers = [...new Set(job.layers.map((l) => l.activation.data.buffer as ArrayBuffer))];
  const result = api.score(
    Comlink.transfer({ ...job, jobId, cancelFlag: flagBuffer }, transfers),
    onProgress ? Comlink.proxy(onProgress) : undefined,
  );
  return {
    result,
    cancel() {
      if (flag) Atomics.store(flag, 0, 1);
      void api.cancel(jobId);
    },
  };
}
