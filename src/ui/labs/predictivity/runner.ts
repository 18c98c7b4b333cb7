/**
 * Orchestrates a Predictivity run: for each model and layer, reuse cached scores or record the layer on
 * the benchmark's stimuli (model worker) and score it on every region (compute worker). One layer at a
 * time, so only one layer's activations are ever in memory.
 */
import { CancelledError, throwIfAborted, type LayerActivation, type Progress } from '../../../core/types';
import type { LayerRegionScore, MetricKind } from './scoring';
import type { LoadedBenchmark } from './benchmarks';
import type { ScoreStore } from './store';
import type { ScoreResult } from './compute-api';

export interface ModelToRun {
  /** Stable id used in caches and tables, e.g. "builtin:hmax". */
  key: string;
  name: string;
  /** Id of the model loaded in the model worker. */
  loadedId: string;
  layers: string[];
  /** Record some layers on all stimuli (one pass of the model), in the order given. */
  record(layers: string[], jobId: string, onProgress: (p: Progress) => void): Promise<LayerActivation[]>;
}

export interface RunProgress {
  /** Completed steps (a step = recording a layer, or scoring a layer on one region), with a fraction of the current one. */
  done: number;
  total: number;
  phase: string;
  /** Layers served from the cache so far. */
  cached: number;
}

export interface RunOptions {
  models: ModelToRun[];
  benchmark: LoadedBenchmark;
  metric: MetricKind;
  store: ScoreStore;
  score(job: { modelId: string; metric: MetricKind; benchmark: LoadedBenchmark['scoring']; layers: { layer: string; activation: LayerActivation }[] }, onProgress: (p: Progress) => void): { result: Promise<ScoreResult>; cancel(): void };
  cancelRecording(jobId: string): void;
  signal: AbortSignal;
  onProgress(p: RunProgress): void;
  /** Called with each layer's scores as soon as they exist (cached or new). */
  onScores(scores: LayerRegionScore[]): void;
  onNote?(note: string): void;
}

/** Layers recorded in one pass of the model (every pass recomputes the early layers; more at once costs memory). */
export const LAYERS_PER_PASS = 4;

export async function runPredictivity(o: RunOptions): Promise<void> {
  const regions = o.benchmark.scoring.regions.length;
  const perLayer = 1 + regions;
  const total = o.models.reduce((s, m) => s + m.layers.length * perLayer, 0);
  let done = 0;
  let cached = 0;
  const progress = (phase: string, fraction = 0) => o.onProgress({ done: done + Math.min(1, Math.max(0, fraction)) * 0.999, total, phase, cached });
  for (const model of o.models) {
    const todo: string[] = [];
    for (const layer of model.layers) {
      throwIfAborted(o.signal);
      const hit = await o.store.get({ model: model.key, layer, benchmark: o.benchmark.id, metric: o.metric });
      if (hit && hit.length === regions) {
        cached++;
        done += perLayer;
        o.onScores(hit);
        progress(`${model.name} · ${layer}: reused cached scores`);
      } else todo.push(layer);
    }
    for (let start = 0; start < todo.length; start += LAYERS_PER_PASS) {
      throwIfAborted(o.signal);
      const layers = todo.slice(start, start + LAYERS_PER_PASS);
      const what = `${model.name} · ${layers.join(', ')}`;
      const jobId = `rec-${Math.random().toString(36).slice(2, 10)}`;
      const stopRecording = () => o.cancelRecording(jobId);
      o.signal.addEventListener('abort', stopRecording);
      let activations: LayerActivation[];
      try {
        progress(`recording ${what}`);
        activations = await model.record(layers, jobId, (p) =>
          progress(`recording ${what} (${p.done} of ${p.total} stimuli)`, p.total ? (p.done / p.total) * layers.length : 0),
        );
      } finally {
        o.signal.removeEventListener('abort', stopRecording);
      }
      throwIfAborted(o.signal);
      done += layers.length;
      const before = done;
      const job = o.score(
        { modelId: model.key, metric: o.metric, benchmark: o.benchmark.scoring, layers: activations.map((a) => ({ layer: a.layer, activation: a })) },
        (p) => {
          done = before + p.done;
          progress(p.phase ?? `scoring ${what}`);
        },
      );
      const stopScoring = () => job.cancel();
      o.signal.addEventListener('abort', stopScoring);
      let result: ScoreResult;
      try {
        result = await job.result;
      } finally {
        o.signal.removeEventListener('abort', stopScoring);
      }
      for (const n of result.notes) o.onNote?.(n);
      done = before + layers.length * regions;
      await o.store.putAll(result.scores);
      o.onScores(result.scores);
      progress(`${what} scored`);
    }
  }
  if (o.signal.aborted) throw new CancelledError();
}
