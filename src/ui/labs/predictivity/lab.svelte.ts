/**
 * The Predictivity lab's state and actions: models and their layers, the benchmark, the metric, the run
 * and its scores. The page (Predictivity.svelte) creates one `PredictivityLab` and hands it to its panels;
 * what the result views derive from the scores lives in `results.svelte.ts`, the link in `link.ts`.
 */
import { BUILTIN_MODELS, IMAGENET_PREPROCESS, preprocessForInput, type BuiltinModelId, type ImagePreprocessSpec } from '../../../core/catalog/models';
import { describeError, getEngine, progressProxy, type ErrorMessage, type LoadedModel } from '../../engine';
import type { ModelSource } from '../../../../workers/model-api';
import { settings } from '../../settings.svelte';
import { getCompute, runScoring, type ComputeBackendInfo, type ComputePreference } from '../../compute';
import { runPlacement, type LayerRegionScore, type MetricKind } from '../../../core/predictivity/scoring';
import type { Placement } from '../../../core/benchmarks';
import { supportedMetrics, type LoadedBenchmark } from '../../../core/predictivity/benchmarks';
import {
  allBenchmarkOptions,
  builtinBenchmarkList,
  defaultBenchmark,
  fallbackNote,
  importBenchmarkFiles,
  importBenchmarkUrl,
  missingBenchmarkError,
  type BenchmarkOption,
  optionIs,
} from './sources';
import type { DatasetFetchEvent } from '../../../core/catalog/fetch-dataset';
import { ScoreStore } from '../../../core/predictivity/score-store';
import { runPredictivity, type RunProgress } from '../../../core/predictivity/runner';

export interface ModelOption {
  key: string;
  name: string;
  source: ModelSource;
  detail: string;
}

/** What a finished or stopped run covered: a cancelled run's scores are partial. */
export interface RunSummary {
  cached: number;
  computed: number;
  /** Layers asked for, over all models. */
  requested: number;
  cancelled: boolean;
}

const HMAX = BUILTIN_MODELS.find((m) => m.id === 'hmax');

export class PredictivityLab {
  readonly store = new ScoreStore();

  // ---------- models ----------
  modelOptions = $state.raw<ModelOption[]>(HMAX ? [{ key: 'builtin:hmax', name: HMAX.name, source: { builtin: 'hmax' }, detail: 'built in' }] : []);
  chosenModels = $state<string[]>(HMAX ? ['builtin:hmax'] : []);
  loaded = $state.raw<Record<string, LoadedModel>>({});
  loadingModels = $state<string[]>([]);
  chosenLayers = $state<Record<string, string[]>>({});

  // ---------- benchmark and metric ----------
  benchmarkOptions = $state.raw<BenchmarkOption[]>(builtinBenchmarkList());
  benchmarkId = $state(builtinBenchmarkList()[0]?.id ?? '');
  benchmark = $state.raw<LoadedBenchmark | null>(null);
  benchmarkLoading = $state(false);
  /** Download / packing progress of a catalog benchmark being fetched (E). */
  benchmarkEvent = $state.raw<DatasetFetchEvent | null>(null);
  /** Why the synthetic fallback is shown and how to get the real data (E). */
  benchmarkNote = $state('');
  metric = $state<MetricKind>('ridge');

  // ---------- run ----------
  running = $state(false);
  progress = $state.raw<RunProgress | null>(null);
  /** performance.now() when the run started (for the time-left estimate). */
  startedAt = $state(0);
  error = $state<ErrorMessage | null>(null);
  notes = $state<string[]>([]);
  lastRun = $state<RunSummary | null>(null);
  computeInfo = $state<ComputeBackendInfo | null>(null);
  computePreference = $state<ComputePreference>('auto');
  scores = $state.raw<LayerRegionScore[]>([]);
  #controller: AbortController | null = null;

  /** For LabShell: the busy label while a run goes. */
  readonly busy = $derived(this.running ? 'Scoring' : null);

  /** "recording C1 · 12 of 40 steps · about 20 s left" while a run goes. */
  readonly progressText = $derived.by(() => {
    const p = this.progress;
    if (!p || !this.running) return 'Starting…';
    const frac = p.total ? p.done / p.total : 0;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const eta = frac > 0.02 ? (elapsed * (1 - frac)) / frac : NaN;
    const steps = `${Math.floor(p.done)} of ${p.total} steps`;
    return `${p.phase} · ${steps}${Number.isFinite(eta) ? ` · about ${formatSeconds(eta)} left` : ''}`;
  });

  readonly regions = $derived(this.benchmark?.scoring.regions.map((r) => r.name) ?? []);

  modelName = (key: string): string => this.modelOptions.find((m) => m.key === key)?.name ?? key;
  /** The readable layer name shown in the UI ("conv2 · block 3"), or the tensor name if unknown. */
  labelOf = (key: string, tensor: string): string => this.loaded[key]?.layers.find((l) => l.tensor === tensor)?.label ?? tensor;

  async chooseCompute(p: ComputePreference): Promise<void> {
    this.computePreference = p;
    try {
      this.computeInfo = await getCompute().init(p);
    } catch (e) {
      this.error = describeError(e);
    }
  }

  async ensureLoaded(key: string): Promise<LoadedModel | null> {
    if (this.loaded[key]) return this.loaded[key];
    const opt = this.modelOptions.find((m) => m.key === key);
    if (!opt) return null;
    this.loadingModels = [...this.loadingModels, key];
    try {
      const m = 'builtin' in opt.source ? await buildBuiltin(opt.source.builtin) : await getEngine().loadModel(opt.source, { ep: settings.ep });
      this.loaded = { ...this.loaded, [key]: m };
      if (!this.chosenLayers[key]) this.chosenLayers = { ...this.chosenLayers, [key]: m.layers.map((l) => l.tensor) };
      this.onModelLoaded?.(key);
      return m;
    } catch (e) {
      this.error = describeError(e);
      this.chosenModels = this.chosenModels.filter((k) => k !== key);
      return null;
    } finally {
      this.loadingModels = this.loadingModels.filter((k) => k !== key);
    }
  }

  /** Called after a model loads (the results use it to pick the model shown). */
  onModelLoaded?: (key: string) => void;

  toggleModel(key: string, on: boolean): void {
    this.chosenModels = on ? [...this.chosenModels, key] : this.chosenModels.filter((k) => k !== key);
    if (on) void this.ensureLoaded(key);
  }

  toggleLayer(key: string, tensor: string, on: boolean): void {
    const cur = this.chosenLayers[key] ?? [];
    const order = this.loaded[key]?.layers.map((l) => l.tensor) ?? [];
    const next = on ? [...cur, tensor] : cur.filter((t) => t !== tensor);
    this.chosenLayers = { ...this.chosenLayers, [key]: order.filter((t) => next.includes(t)) };
  }

  /**
   * Benchmark options from this browser (stored bundles) and the catalog; the start benchmark is the wanted
   * one (a link's or a saved experiment's; `missing` when nowhere to be had) or the lab's default (E).
   */
  async prepareBenchmarks(wanted?: string): Promise<{ id: string; missing: boolean }> {
    try {
      this.benchmarkOptions = await allBenchmarkOptions();
    } catch (e) {
      this.error = describeError(e);
    }
    if (wanted) return { id: wanted, missing: !this.benchmarkOptions.some((b) => optionIs(b, wanted)) };
    const d = await defaultBenchmark();
    this.benchmarkNote = d.note ?? '';
    return { id: d.id, missing: false };
  }

  /** A link's benchmark that is nowhere to be had: nothing is selected in its place (the panel offers fetch / import). */
  async markBenchmarkMissing(id: string): Promise<void> {
    this.benchmarkId = id;
    this.benchmark = null;
  }

  /**
   * Selects and loads a benchmark. A missing one is named (never replaced by another). `fallback`: the
   * lab's default only — when its real data cannot be reached, the labelled synthetic demo with a note.
   */
  async selectBenchmark(id: string, options: { fallback?: boolean } = {}): Promise<void> {
    const opt = this.benchmarkOptions.find((b) => optionIs(b, id));
    if (opt) id = opt.id;
    this.benchmarkId = id;
    if (!opt) {
      this.benchmark = null;
      this.error = describeError(missingBenchmarkError(id));
      return;
    }
    this.benchmarkLoading = true;
    this.error = null;
    if (!options.fallback) this.benchmarkNote = '';
    try {
      const b = await opt.load((e) => (this.benchmarkEvent = e));
      if (this.benchmarkId !== id) return;
      this.benchmark = b;
      if (!supportedMetrics(b).includes(this.metric)) this.metric = supportedMetrics(b)[0];
      else if (b.defaultMetric && this.scores.length === 0) this.metric = b.defaultMetric;
      // A fetched catalog bundle is stored now: list it as such.
      if (opt.origin === 'catalog') this.benchmarkOptions = await allBenchmarkOptions().catch(() => this.benchmarkOptions);
    } catch (e) {
      const note = options.fallback ? fallbackNote(e) : null;
      if (note) {
        this.benchmarkNote = note;
        await this.selectBenchmark('synthetic-demo', { fallback: true });
        return;
      }
      this.benchmark = null;
      this.error = describeError(e);
    } finally {
      this.benchmarkLoading = false;
      this.benchmarkEvent = null;
    }
  }

  /** Imports a bundle (files from a drop or a picker, or a URL) and selects it; errors go to the banner. */
  async importBenchmark(from: { files: { path: string; data: Uint8Array }[] } | { url: string }): Promise<void> {
    this.error = null;
    try {
      const b = 'url' in from ? await importBenchmarkUrl(from.url) : await importBenchmarkFiles(from.files);
      // The import is kept in this browser (E: sources.ts); list it from there, loaded already.
      const stored = await allBenchmarkOptions().catch(() => this.benchmarkOptions);
      const opt: BenchmarkOption = { ...(stored.find((o) => o.id === b.id) ?? { id: b.id, name: b.name, synthetic: b.synthetic }), load: async () => b };
      this.benchmarkOptions = [...stored.filter((o) => o.id !== b.id), opt];
      void this.selectBenchmark(b.id);
    } catch (e) {
      this.error = describeError(e);
    }
  }

  /**
   * Records and scores the chosen layers of the chosen models; `onStart` gets the keys of the models that
   * run (the results show the first). Resolves when the run ends; a cancelled run leaves `lastRun.cancelled`.
   */
  async run(onStart?: (modelKeys: string[]) => void): Promise<void> {
    const bench = this.benchmark;
    if (!bench) return;
    this.error = null;
    this.notes = [];
    this.lastRun = null;
    const runMetric = this.metric;
    // How the images are shown: the definitions' placement (Coggan2024: Brain-Score's place_on_screen), as `silico score` does.
    const placement = runPlacement(bench.scoring, runMetric);
    const models = [];
    for (const key of this.chosenModels) {
      const m = await this.ensureLoaded(key);
      if (!m) continue;
      const layers = $state.snapshot(this.chosenLayers[key] ?? []);
      if (!layers.length) continue;
      const spec = preprocessFor(m);
      models.push({
        key,
        name: this.modelName(key),
        loadedId: m.id,
        ...modelCacheInfo(m, bench, runMetric),
        layers,
        record: async (layers: string[], jobId: string, onProgress: (p: { done: number; total: number }) => void) => {
          if (!bench.images) throw Object.assign(new Error('This benchmark has no images to show the model.'), { name: 'UserFacingError' });
          const images = bench.images.map((b) => b.slice().buffer as ArrayBuffer);
          return getEngine().recordImages(m.id, layers, images, spec, { jobId, batchSize: 16, ...(placement ? { placement } : {}) }, progressProxy(onProgress));
        },
      });
    }
    if (!models.length) {
      this.error = { message: 'Choose at least one model and one layer.', cancelled: false };
      return;
    }
    onStart?.(models.map((m) => m.key));
    // Drop earlier scores of this run's (model, benchmark, metric): they come back cached or recomputed.
    const keys = new Set(models.map((m) => m.key));
    const ofThisRun = (s: LayerRegionScore) => keys.has(s.model) && s.benchmark === bench.id && s.metric === runMetric;
    this.scores = this.scores.filter((s) => !ofThisRun(s));
    this.running = true;
    this.progress = null;
    this.startedAt = performance.now();
    const controller = (this.#controller = new AbortController());
    const requested = models.reduce((s, m) => s + m.layers.length, 0);
    try {
      await runPredictivity({
        models,
        benchmark: bench,
        metric: runMetric,
        store: this.store,
        // Definition scores say how the images were placed (provenance); the recording used the same placement.
        score: (job, onProgress) => runScoring({ ...job, ...(placement ? { placement } : {}) }, onProgress),
        cancelRecording: (jobId) => void getEngine().cancel(jobId),
        signal: controller.signal,
        onProgress: (p) => (this.progress = p),
        onScores: (s) => {
          this.scores = [...this.scores, ...s];
        },
        onNote: (n) => (this.notes = [...this.notes, n]),
      });
      const cached = this.#cachedSoFar();
      this.lastRun = { cached, computed: requested - cached, requested, cancelled: false };
    } catch (e) {
      this.error = describeError(e);
      // Whatever was scored before the stop stays, marked partial.
      const scored = new Set(this.scores.filter(ofThisRun).map((s) => `${s.model}\u0000${s.layer}`)).size;
      const cached = this.#cachedSoFar();
      this.lastRun = { cached, computed: Math.max(0, scored - cached), requested, cancelled: true };
    } finally {
      this.running = false;
      this.#controller = null;
    }
  }

  /** Layers the run in progress served from the cache so far (a method: TS narrows the field to null after the reset). */
  #cachedSoFar(): number {
    return this.progress?.cached ?? 0;
  }

  cancel(): void {
    this.#controller?.abort();
  }

  async clearCache(): Promise<void> {
    await this.store.clear();
    this.notes = [...this.notes, 'Cached scores cleared: the next run recomputes everything.'];
  }
}

/** Built-in models come from the model worker; HMAX is built here if this worker build lacks it. */
async function buildBuiltin(id: BuiltinModelId): Promise<LoadedModel> {
  const engine = getEngine();
  try {
    return await engine.buildBuiltinModel(id, { ep: settings.ep });
  } catch (e) {
    if (id !== 'hmax' || !/not available/i.test((e as Error).message)) throw e;
    const { buildHmaxModel, decodeModel, listLayers } = await import('../../../core/onnx');
    const bytes = buildHmaxModel();
    const m = await engine.loadModel({ bytes: { name: HMAX?.name ?? 'HMAX', model: bytes.slice() } }, { ep: settings.ep });
    return { ...m, layers: listLayers(decodeModel(bytes)), preprocess: m.preprocess ?? HMAX?.preprocess };
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * What the score cache keys a model on besides benchmark and metric (its bytes' hash, its preprocessing, and how
 * the images are placed on screen for this benchmark and metric): a run and a reopened link must agree.
 */
export function modelCacheInfo(m: LoadedModel, bench: LoadedBenchmark, metric: MetricKind): { contentHash?: string; recording: { preprocess: ImagePreprocessSpec; placement?: Placement } } {
  const placement = runPlacement(bench.scoring, metric);
  return { contentHash: m.contentHash, recording: { preprocess: preprocessFor(m), ...(placement ? { placement } : {}) } };
}

function preprocessFor(m: LoadedModel): ImagePreprocessSpec {
  return preprocessForInput(m.preprocess ?? IMAGENET_PREPROCESS, m.inputs.find((i) => i.type === 'float32')?.shape ?? []);
}
