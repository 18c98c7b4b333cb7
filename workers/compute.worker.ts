/**
 * A compute worker: scoring jobs of the Predictivity lab off the main thread. The app runs a pool of them, one
 * per core, each scoring one layer at a time (src/ui/compute.ts, src/core/predictivity/pool.ts). tfjs runs on WebGPU when
 * there is a hardware adapter (Gram matrices and RDMs via src/core/metrics/gpu.ts, float32), otherwise the
 * CPU float64 path of src/core/metrics is used. A failing GPU step falls back to the CPU and says so.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { forWire } from '../src/core/wire-errors';
import { CancelledError, UserFacingError, type FloatTensor, type Progress } from '../src/core/types';
import { gramGpu, rdmGpu } from '../src/core/metrics/gpu';
import { wasmKernelsActive } from '../src/core/metrics/linalg';
import { probeWebGpu } from './backend';
import { featureShape, gramMatrix, activationMatrix, scoreLayers } from '../src/core/predictivity/scoring';
import { rdm } from '../src/core/metrics/rsa';
import type { Matrix } from '../src/core/metrics/linalg';
import type { ComputeApi, ComputeBackendInfo, ComputePreference, ScoreJob, ScoreResult } from './compute-api';

let info: Promise<ComputeBackendInfo> | null = null;
const jobs = new Map<string, AbortController>();

/** Choose the backend; a job that arrives while this runs waits for it (see `backend`). */
function init(preference: ComputePreference): Promise<ComputeBackendInfo> {
  const pending = start(preference);
  info = pending;
  pending.catch(() => {
    if (info === pending) info = null; // try again on the next call
  });
  return pending;
}

async function start(preference: ComputePreference): Promise<ComputeBackendInfo> {
  const probe = await probeWebGpu();
  let wantGpu = false;
  let reason: string;
  if (preference === 'cpu') reason = 'CPU chosen by you';
  else if (!probe.available) reason = preference === 'gpu' ? 'WebGPU requested, but this browser has no WebGPU adapter: using the CPU' : 'no WebGPU in this browser: using the CPU';
  else if (probe.isSoftware && preference === 'auto') reason = 'only a software WebGPU adapter (slower than the CPU): using the CPU';
  else {
    wantGpu = true;
    reason = preference === 'gpu' ? 'WebGPU chosen by you' : 'hardware GPU found';
  }
  let backend: 'webgpu' | 'cpu' = 'cpu';
  if (wantGpu) {
    try {
      if (await tf.setBackend('webgpu')) {
        await tf.ready();
        backend = 'webgpu';
      } else reason = 'WebGPU could not be started for tfjs: using the CPU';
    } catch (e) {
      reason = `WebGPU failed to start (${(e as Error).message}): using the CPU`;
    }
  }
  if (backend === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
  }
  // The float64 CPU work (ridge's tridiagonalisation and leave-one-out, and the Gram matrix on the CPU path).
  const cpuKernels = wasmKernelsActive() ? 'WebAssembly SIMD' : 'plain JavaScript';
  return { backend, preference, reason, adapter: probe.description, cpuKernels };
}

async function backend(): Promise<ComputeBackendInfo> {
  return info ?? init('auto');
}

function asMatrix(a: FloatTensor) {
  const { stimuli, features } = featureShape(a);
  return { rows: stimuli, cols: features, data: a.data };
}

async function score(job: ScoreJob, onProgress?: (p: Progress) => void): Promise<ScoreResult> {
  const controller = new AbortController();
  if (job.jobId) jobs.set(job.jobId, controller);
  const flag = job.cancelFlag ? new Int32Array(job.cancelFlag) : null;
  // crossValidatedPredictivity polls `aborted` between folds: the shared flag makes Cancel work mid-layer.
  const signal = {
    get aborted() {
      return controller.signal.aborted || (flag !== null && Atomics.load(flag, 0) === 1);
    },
  } as AbortSignal;
  const notes: string[] = [];
  const current = await backend();
  let useGpu = current.backend === 'webgpu';
  const onGpu = async (what: string, gpu: () => Promise<Matrix>, cpu: () => Matrix): Promise<Matrix> => {
    if (useGpu) {
      try {
        return await gpu();
      } catch (e) {
        useGpu = false;
        notes.push(`The GPU failed while computing ${what} (${(e as Error).message}); the rest was computed on the CPU.`);
      }
    }
    return cpu();
  };
  try {
    const scores = await scoreLayers(job.layers, job.benchmark, {
      metric: job.metric,
      modelId: job.modelId,
      seed: job.seed,
      ...(job.placement ? { placement: job.placement } : {}),
      signal,
      onProgress,
      gram: (a) => onGpu('a Gram matrix', () => gramGpu(asMatrix(a)), () => gramMatrix(a)),
      layerRdm: (a) => onGpu('an RDM', () => rdmGpu(asMatrix(a)), () => rdm(activationMatrix(a))),
    });
    const buffers: ArrayBuffer[] = [];
    for (const s of scores) for (const a of [s.perNeuroid, s.predicted, s.measured, s.modelRdm, s.brainRdm]) if (a) buffers.push(a.buffer as ArrayBuffer);
    return Comlink.transfer({ scores, backend: useGpu ? 'webgpu' : 'cpu', notes }, buffers);
  } catch (e) {
    throw forWire(e);
  } finally {
    if (job.jobId) jobs.delete(job.jobId);
  }
}

const api: ComputeApi = {
  init: async (p) => init(p),
  backend,
  score,
  async cancel(jobId) {
    jobs.get(jobId)?.abort();
  },
};

Comlink.expose(api);
