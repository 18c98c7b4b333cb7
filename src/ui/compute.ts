/**
 * Main-thread client of the compute workers (scoring jobs of the Predictivity lab and the report card): a pool
 * of compute workers, one per core (navigator.hardwareConcurrency, at most MAX_WORKERS), started as jobs need
 * them. `runScoring` spreads a job's layers over the pool (src/core/predictivity/pool.ts: one layer per worker
 * at a time, results in layer order), with progress, cancel (one shared flag when cross-origin isolated) and
 * transfers.
 */
import * as Comlink from 'comlink';
import type { Progress } from '../core/types';
import { scoreOnPool, type PoolWorker } from '../core/predictivity/pool';
import type { ComputeApi, ComputeBackendInfo, ComputePreference, ScoreJob, ScoreResult } from '../../workers/compute-api';

export type { ComputeApi, ComputeBackendInfo, ComputePreference, ScoreJob, ScoreResult } from '../../workers/compute-api';

/** Upper bound on the pool (each worker holds tfjs and, while scoring, one layer's activations). */
const MAX_WORKERS = 8;
const poolSize = Math.max(1, Math.min(MAX_WORKERS, globalThis.navigator?.hardwareConcurrency || 1));

const workers: Comlink.Remote<ComputeApi>[] = [];
/** The backend preference chosen with `getCompute().init`, applied to workers started later too. */
let preference: ComputePreference | undefined;

function computeWorker(k: number): Comlink.Remote<ComputeApi> {
  while (workers.length <= k) {
    const worker = new Worker(new URL('../../workers/compute.worker.ts', import.meta.url), { type: 'module', name: `silico-compute-${workers.length}` });
    const api = Comlink.wrap<ComputeApi>(worker);
    if (preference) void api.init(preference).catch(() => {}); // its jobs report a failing backend themselves
    workers.push(api);
  }
  return workers[k];
}

/** The compute workers as one: `init` sets the backend preference of every worker (now and later). */
export interface ComputePool {
  init(preference: ComputePreference): Promise<ComputeBackendInfo>;
  backend(): Promise<ComputeBackendInfo>;
}

export function getCompute(): ComputePool {
  return {
    async init(p) {
      preference = p;
      const [info] = await Promise.all([computeWorker(0).init(p), ...workers.slice(1).map((w) => w.init(p))]);
      return info;
    },
    backend: () => computeWorker(0).backend(),
  };
}

export interface ScoringRun {
  result: Promise<ScoreResult>;
  cancel(): void;
}

type Job = Omit<ScoreJob, 'jobId' | 'cancelFlag'>;

/**
 * Start a scoring job. Activations are transferred (the caller's arrays become empty), so pass copies
 * if you still need them.
 */
export function runScoring(job: Job, onProgress?: (p: Progress) => void): ScoringRun {
  const jobId = `score-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const flagBuffer = globalThis.crossOriginIsolated ? new SharedArrayBuffer(4) : undefined;
  const flag = flagBuffer ? new Int32Array(flagBuffer) : null;
  // A buffer shared by several layers is copied, not transferred: transferring it with one layer would empty the others.
  const uses = new Map<ArrayBuffer, number>();
  for (const l of job.layers) uses.set(l.activation.data.buffer as ArrayBuffer, (uses.get(l.activation.data.buffer as ArrayBuffer) ?? 0) + 1);
  let part = 0;
  const slots: PoolWorker<Job>[] = Array.from({ length: Math.min(poolSize, Math.max(1, job.layers.length)) }, (_, k) => (sub, progress) => {
    const api = computeWorker(k);
    const id = `${jobId}-${part++}`;
    const inSub = new Map<ArrayBuffer, number>();
    for (const l of sub.layers) inSub.set(l.activation.data.buffer as ArrayBuffer, (inSub.get(l.activation.data.buffer as ArrayBuffer) ?? 0) + 1);
    const transfers = [...inSub].filter(([b, n]) => uses.get(b) === n).map(([b]) => b);
    return {
      result: api.score(Comlink.transfer({ ...sub, jobId: id, cancelFlag: flagBuffer }, transfers), Comlink.proxy(progress)),
      cancel: () => void api.cancel(id),
    };
  });
  const run = scoreOnPool(job, slots, onProgress);
  return {
    result: run.result,
    cancel() {
      if (flag) Atomics.store(flag, 0, 1);
      run.cancel();
    },
  };
}
