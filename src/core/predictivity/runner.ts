/**
 * Orchestrates a Predictivity run: for each model and layer, reuse cached scores or record the layer on
 * the benchmark's stimuli (model worker) and score it on every region (compute workers: a pass's layers are
 * scored side by side on a pool of them, pool.ts). Layers go in passes of LAYERS_PER_PASS; recording and
 * scoring run side by side — while one pass is scored, the next is recorded — so at most two passes'
 * activations are in memory.
 */
import { CancelledError, throwIfAborted, type LayerActivation, type Progress } from '../types';
import type { LayerRegionScore, MetricKind, ScoreResult } from './scoring';
import type { LoadedBenchmark } from './benchmarks';
import type { ScoreIdentity, ScoreSettings, ScoreStore } from './score-store';
import { hashParts, stableStringify } from '../store/content-hash';

export interface ModelToRun {
  /** Id used in tables, e.g. "builtin:hmax" (NOT the cache key: see contentHash). */
  key: string;
  /**
   * Content hash of the model's bytes (`LoadedModel.contentHash`, from core/store/content-hash). The score
   * cache is keyed by it; without it this model's scores are neither reused nor stored.
   */
  contentHash?: string;
  /** Recording settings that change the numbers: preprocessing, image placement, feature reduction, batch-independent options. */
  recording?: ScoreSettings;
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
  /** Scoring settings that change the numbers (folds, seed, alpha grid, recipe version, …): part of the cache key. */
  settings?: ScoreSettings;
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

const benchmarkHashes = new WeakMap<LoadedBenchmark, Promise<string>>();

/**
 * Content hash of a benchmark: its stimuli (names, image bytes, sentences) and everything the scorer reads
 * (responses, repeats, RDMs, ceilings, folds, comparison, stimulus labels). Not its id: a bundle re-exported with other data
 * under the same id gets another hash. Memoized per LoadedBenchmark object.
 */
export function benchmarkContentHash(b: LoadedBenchmark): Promise<string> {
  let h = benchmarkHashes.get(b);
  if (!h) {
    const sc = b.scoring;
    const parts: { name: string; data: Uint8Array | Float64Array | string }[] = [
      { name: 'stimuli', data: stableStringify({ names: b.stimulusNames, sentences: b.sentences, modality: b.modality }) },
      { name: 'scoring', data: stableStringify({ stimuli: sc.stimuli, labels: sc.labels, folds: sc.folds, rsaComparison: sc.rsaComparison, ceilingTransform: sc.ceilingTransform, regions: sc.regions.map((r) => ({ name: r.name, ceiling: r.ceiling, neuroidIds: r.neuroidIds, responses: r.responses && [r.responses.stimuli, r.responses.neuroids], repeated: r.repeated && [r.repeated.neuroids, r.repeated.stimuli, r.repeated.repeats], rdms: r.rdms?.map((m) => [m.rows, m.cols]) })) }) },
      ...(b.images ?? []).map((img, i) => ({ name: `image:${i}`, data: img })),
    ];
    sc.regions.forEach((r, i) => {
      if (r.responses) parts.push({ name: `region:${i}:responses`, data: r.responses.data });
      if (r.repeated) parts.push({ name: `region:${i}:repeated`, data: r.repeated.data });
      r.rdms?.forEach((m, j) => parts.push({ name: `region:${i}:rdm:${j}`, data: m.data }));
    });
    h = hashParts(parts);
    benchmarkHashes.set(b, h);
  }
  return h;
}

/**
 * The versioned benchmark definitions that score a benchmark ("Cowley2023.V4-pls@1", …), sorted. Part of the
 * cache key: a definition's version changes whenever its numbers would, so a new recipe never shows old scores.
 */
export function definitionKeys(benchmark: LoadedBenchmark): string[] {
  return (benchmark.scoring.definitions ?? []).map((d) => `${d.id}@${d.version}`).sort();
}

/** The cache identity of a model's scores in a run, or null when the model's content is unknown (no caching). */
export async function scoreIdentity(model: Pick<ModelToRun, 'contentHash' | 'recording'>, benchmark: LoadedBenchmark, metric: MetricKind, settings: ScoreSettings = {}): Promise<ScoreIdentity | null> {
  if (!model.contentHash) return null;
  return {
    modelHash: model.contentHash,
    benchmarkHash: await benchmarkContentHash(benchmark),
    metric,
    settings: { scoring: settings, recording: model.recording ?? {}, definitions: definitionKeys(benchmark) },
  };
}

/** Cached scores of one layer for a model in a run's setting (what a run would reuse), or undefined. */
export async function cachedLayerScores(store: ScoreStore, model: Pick<ModelToRun, 'contentHash' | 'recording'>, layer: string, benchmark: LoadedBenchmark, metric: MetricKind, settings: ScoreSettings = {}): Promise<LayerRegionScore[] | undefined> {
  const identity = await scoreIdentity(model, benchmark, metric, settings);
  return identity ? store.get({ ...identity, layer }) : undefined;
}

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

  const passes: { model: ModelToRun; layers: string[]; identity: ScoreIdentity | null }[] = [];
  for (const model of o.models) {
    const todo: string[] = [];
    const identity = await scoreIdentity(model, o.benchmark, o.metric, o.settings);
    if (!identity) o.onNote?.(`${model.name}: its content hash is unknown, so its scores are not cached (every run recomputes them).`);
    for (const layer of model.layers) {
      throwIfAborted(o.signal);
      const hit = identity ? await o.store.get({ ...identity, layer }) : undefined;
      if (hit && hit.length === regions) {
        cached++;
        done += perLayer;
        o.onScores(hit);
        recordingPhase = `${model.name} · ${layer}: reused cached scores`;
        progress();
      } else todo.push(layer);
    }
    for (let start = 0; start < todo.length; start += LAYERS_PER_PASS) passes.push({ model, layers: todo.slice(start, start + LAYERS_PER_PASS), identity });
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

  const score = async ({ model, layers, identity }: (typeof passes)[number], activations: LayerActivation[]): Promise<void> => {
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
      if (identity) await o.store.putAll(identity, result.scores);
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
