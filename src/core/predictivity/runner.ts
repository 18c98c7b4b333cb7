/**
 * Orchestrates a Predictivity run: for each model and layer, reuse cached scores or record the layer on
 * the benchmark's stimuli (model worker) and score it on every region (compute worker). Layers go in
 * passes of LAYERS_PER_PASS; the two workers run side by side — while one pass is scored, the next is
 * recorded — so at most two passes' activations are in memory.
 */
import { CancelledError, throwIfAborted, type LayerActivation, type Progress } from '../types';
import type { LayerRegionScore, MetricKind, ScoreResult } from './scoring';
import type { LoadedBenchmark } from './benchmarks';
import type { ScoreStore } from './score-store';

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
  let recordingPhase = '';
  let scoringPhase = '';
  let recordingFraction = 0;
  let scoringFraction = 0;
  const progress = () =>
    o.onProgress({
      done: done + Math.min(0.999, recordingFraction + scoringFraction),
      total,
      phase: [recordingPhase, scoringPhase].filter(Boolean).join(' · ') || 'finishing',
      cached,
    });

  const passes: { model: ModelToRun; layers: string[] }[] = [];
  for (const model of o.models) {
    const todo: string[] = [];
    for (const layer of model.layers) {
      throwIfAborted(o.signal);
      const hit = await o.store.get({ model: model.key, layer, benchmark: o.benchmark.id, metric: o.metric });
      if (hit && hit.length === regions) {
        cached++;
        done += perLayer;
        o.onScores(hit);
        recordingPhase = `${model.name} · ${layer}: reused cached scores`;
        progress();
      } else todo.push(layer);
    }
    for (let start = 0; start < todo.length; start += LAYERS_PER_PASS) passes.push({ model, layers: todo.slice(start, start + LAYERS_PER_PASS) });
  }

  let recordingJob: string | null = null;
  const record = async ({ model, layers }: (typeof passes)[number]): Promise<LayerActivation[]> => {
    const what = `${model.name} · ${layers.join(', ')}`;
    const jobId = `rec-${Math.random().toString(36).slice(2, 10)}`;
    recordingJob = jobId;
    const stop = () => o.cancelRecording(jobId);
    o.signal.addEventListener('abort', stop);
    try {
      recordingPhase = `recording ${what}`;
      progress();
      const activations = await model.record(layers, jobId, (p) => {
        recordingPhase = `recording ${what} (${p.done} of ${p.total} stimuli)`;
        recordingFraction = p.total ? (p.done / p.total) * layers.length : 0;
        progress();
      });
      throwIfAborted(o.signal);
      return activations;
    } finally {
      o.signal.removeEventListener('abort', stop);
      recordingJob = null;
      done += layers.length;
      recordingFraction = 0;
      recordingPhase = '';
    }
  };

  const score = async ({ model, layers }: (typeof passes)[number], activations: LayerActivation[]): Promise<void> => {
    const what = `${model.name} · ${layers.join(', ')}`;
    scoringPhase = `scoring ${what}`;
    progress();
    const job = o.score(
      { modelId: model.key, metric: o.metric, benchmark: o.benchmark.scoring, layers: activations.map((a) => ({ layer: a.layer, activation: a })) },
      (p) => {
        scoringFraction = p.done;
        scoringPhase = p.phase ?? `scoring ${what}`;
        progress();
      },
    );
    const stop = () => job.cancel();
    o.signal.addEventListener('abort', stop);
    try {
      const result = await job.result;
      for (const n of result.notes) o.onNote?.(n);
      await o.store.putAll(result.scores);
      o.onScores(result.scores);
    } finally {
      o.signal.removeEventListener('abort', stop);
      done += layers.length * regions;
      scoringFraction = 0;
      scoringPhase = '';
      progress();
    }
  };

  // One pass being scored while the next is recorded.
  let scoring: Promise<void> = Promise.resolve();
  let recorded: Promise<LayerActivation[]> = Promise.resolve([]);
  try {
    for (const pass of passes) {
      throwIfAborted(o.signal);
      recorded = record(pass);
      // Surface a scoring failure as soon as it happens, and keep at most one scoring job in flight.
      const [activations] = await Promise.all([recorded, scoring]);
      scoring = score(pass, activations);
    }
    await scoring;
  } catch (e) {
    // Stop and settle the other side before reporting, so no job outlives the run.
    if (recordingJob) o.cancelRecording(recordingJob);
    await Promise.allSettled([recorded, scoring]);
    throw e;
  }
  if (o.signal.aborted) throw new CancelledError();
}
