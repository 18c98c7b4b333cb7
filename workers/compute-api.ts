/** The compute worker's API (types only, shared by workers/compute.worker.ts and src/ui/compute.ts). */
import type { FloatTensor, Progress } from '../src/core/types';
import type { LayerRegionScore, MetricKind, ScoreResult, ScoringBenchmark } from '../src/core/predictivity/scoring';
import type { Placement } from '../src/core/benchmarks/types';

/** 'auto': WebGPU on a hardware adapter, else CPU; 'gpu' forces WebGPU (even a software adapter). */
export type ComputePreference = 'auto' | 'gpu' | 'cpu';

export interface ComputeBackendInfo {
  backend: 'webgpu' | 'cpu';
  preference: ComputePreference;
  /** One sentence a person can read, e.g. "no WebGPU in this browser: using the CPU". */
  reason: string;
  adapter?: string;
  /** What runs the float64 CPU linear algebra: 'WebAssembly SIMD' or 'plain JavaScript' (no SIMD here). */
  cpuKernels?: string;
}

export interface ScoreJob {
  modelId: string;
  metric: MetricKind;
  benchmark: ScoringBenchmark;
  layers: { layer: string; activation: FloatTensor }[];
  seed?: number;
  /** How the model saw the images (provenance of definition scores); default: the preset's centre crop. */
  placement?: Placement;
  /** Id for `cancel(jobId)`. */
  jobId?: string;
  /** Int32Array(1) over a SharedArrayBuffer: set [0] to 1 to cancel mid-fit (needs cross-origin isolation). */
  cancelFlag?: SharedArrayBuffer;
}

export interface ComputeApi {
  init(preference: ComputePreference): Promise<ComputeBackendInfo>;
  backend(): Promise<ComputeBackendInfo>;
  score(job: ScoreJob, onProgress?: (p: Progress) => void): Promise<ScoreResult>;
  cancel(jobId: string): Promise<void>;
}

export type { ScoreResult };
