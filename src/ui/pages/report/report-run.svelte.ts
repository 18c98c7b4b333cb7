/**
 * The Report page's in-browser run: pick a model (HMAX or one from the model cache), run every benchmark
 * stored in this browser that has a versioned definition, with committed layers, beside HMAX computed live as
 * the baseline, and — when the model is an ONNX file — its untrained twin (the same graph with seeded random
 * weights, src/core/onnx/untrained.ts, as `silico report --baselines untrained`), and build the same card the CLI
 * builds (src/core/benchmarks/card.ts). Recording runs in the model worker, scoring in the compute worker; layers
 * are thinned to a budget so a run takes minutes.
 */
import { BUILTIN_MODELS, IMAGENET_PREPROCESS, preprocessForInput, type ImagePreprocessSpec } from '../../../core/catalog/models';
import { findCatalogEntry } from '../../../core/catalog/models';
import { describeError, getEngine, newJobId, progressProxy, type ErrorMessage, type LoadedModel } from '../../engine';
import type { ModelSource } from '../../../../workers/model-api';
import { settings } from '../../settings.svelte';
import { runScoring } from '../../compute';
import { runPlacement, type LayerRegionScore } from '../../../core/predictivity/scoring';
import type { LoadedBenchmark } from '../../../core/predictivity/benchmarks';
import { allBenchmarkOptions, type BenchmarkOption } from '../../labs/predictivity/sources';
import { newCard, untrainedName, UNTRAINED_DESCRIPTION, type CardEntry, type CardModel, type ReportCard } from '../../../core/benchmarks/card';
import { cardEntriesFromScores, definitionMetrics, thinLayers } from '../../../core/benchmarks/live-card';

export interface ReportModelOption {
  key: string;
  name: string;
  source: ModelSource;
  detail: string;
  /** The untrained baseline of `of` (same graph, random weights, seed 0): made from its cached bytes when run. */
  untrainedOf?: ReportModelOption;
}

/** Seed of the untrained baseline's weights (the CLI's too). */
export const UNTRAINED_SEED = 0;

const HMAX = BUILTIN_MODELS.find((m) => m.id === 'hmax');
const HMAX_KEY = 'builtin:hmax';
export const DEFAULT_MAX_LAYERS = 12;
const LAYERS_PER_PASS = 4;

export class ReportRun {
  models = $state.raw<ReportModelOption[]>([{ key: HMAX_KEY, name: HMAX?.name ?? 'HMAX', source: { builtin: 'hmax' }, detail: 'built in' }]);
  modelKey = $state(HMAX_KEY);
  /** Stored benchmark bundles (not the synthetic demo: it has no versioned definition). */
  benchmarks = $state.raw<BenchmarkOption[]>([]);
  chosenBenchmarks = $state<string[]>([]);
  maxLayers = $state(DEFAULT_MAX_LAYERS);
  running = $state(false);
  phase = $state('');
  done = $state(0);
  total = $state(0);
  error = $state<ErrorMessage | null>(null);
  notes = $state<string[]>([]);
  importing = $state(false);
  card = $state.raw<ReportCard | null>(null);
  #controller: AbortController | null = null;
  #jobs = new Set<string>();
  #scoring: { cancel(): void } | null = null;

  async prepare(): Promise<void> {
    try {
      const all = await allBenchmarkOptions();
      this.benchmarks = all.filter((o) => o.origin === 'stored' && !o.synthetic);
      this.chosenBenchmarks = this.benchmarks.map((b) => b.id);
    } catch (e) {
      this.error = describeError(e);
    }
    try {
      const cached = await getEngine().listCache();
      const vision = cached.filter((c) => findCatalogEntry(c.id)?.modality !== 'language');
      this.models = [...this.models, ...vision.map((c) => ({ key: `cache:${c.id}`, name: c.name, source: { cachedId: c.id } as ModelSource, detail: 'from your model cache' }))];
    } catch (e) {
      this.error = describeError(e);
    }
  }

  /** A dropped or chosen .onnx (with any .data files) goes into the model cache, as on the Models page, and is selected. */
  async importModel(list: FileList | File[]): Promise<void> {
    this.error = null;
    this.importing = true;
    try {
      const files = await Promise.all([...list].map(async (f) => ({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) })));
      const stored = await getEngine().importLocalFiles(files);
      const key = `cache:${stored.id}`;
      if (!this.models.some((m) => m.key === key)) {
        this.models = [...this.models, { key, name: stored.name, source: { cachedId: stored.id } as ModelSource, detail: 'from your model cache' }];
      }
      this.modelKey = key;
    } catch (e) {
      this.error = describeError(e);
    } finally {
      this.importing = false;
    }
  }

  cancel(): void {
    this.#controller?.abort();
    for (const j of this.#jobs) void getEngine().cancel(j);
    this.#scoring?.cancel();
  }

  async run(): Promise<void> {
    this.error = null;
    this.notes = [];
    this.card = null;
    const opts = this.benchmarks.filter((b) => this.chosenBenchmarks.includes(b.id));
    if (!opts.length) {
      this.error = { message: 'No benchmark with a versioned definition is stored in this browser.', hint: 'Fetch one in the Predictivity lab or on the Data page (e.g. a Cowley 2023 V4 session), then come back.', cancelled: false };
      return;
    }
    const controller = (this.#controller = new AbortController());
    this.running = true;
    this.done = 0;
    this.total = 0;
    try {
      this.phase = 'loading benchmarks';
      const benches: LoadedBenchmark[] = [];
      for (const o of opts) {
        const b = await o.load(undefined, controller.signal);
        if (b.scoring.definitions?.length && b.images?.length) benches.push(b);
        else this.notes = [...this.notes, `${b.name}: skipped (no versioned benchmark definition or no images).`];
      }
      if (!benches.length) throw Object.assign(new Error('None of the chosen benchmarks has a versioned definition.\nOnly known data sets (Cowley 2023, MajajHong 2015, FreemanZiemba 2013, Coggan 2024, Kriegeskorte 2008) have one.'), { name: 'UserFacingError' });
      const main = this.models.find((m) => m.key === this.modelKey)!;
      const extraNotes: string[] = [];
      const runs: { opt: ReportModelOption; role: 'model' | 'baseline'; description: string }[] = [{ opt: main, role: 'model', description: main.key === HMAX_KEY ? 'HMAX (Serre et al. 2007), built in' : `${main.name} (${main.detail})` }];
      if (main.key !== HMAX_KEY) runs.push({ opt: this.models[0], role: 'baseline', description: 'HMAX (Serre et al. 2007), built in' });
      // The untrained baseline needs the model as an ONNX file (HMAX is built in code, like `silico report --model hmax`).
      if ('cachedId' in main.source) {
        runs.push({ opt: { key: `untrained:${main.key}`, name: untrainedName(main.name, UNTRAINED_SEED), source: main.source, detail: 'random weights', untrainedOf: main }, role: 'baseline', description: UNTRAINED_DESCRIPTION });
      } else {
        extraNotes.push(`Untrained baseline: not computed — it re-draws the weights of an ONNX file, and ${main.name} is built into Silico (pick a model from your model cache).`);
        this.notes = [...this.notes, extraNotes[0]];
      }
      // Work units for the progress bar: one per (model, benchmark, layer) recorded and per (…, metric) scored.
      const passes = benches.reduce((s, b) => s + definitionMetrics(b.scoring.definitions!).length, 0);
      const loaded: { m: LoadedModel; layers: string[]; all: number }[] = [];
      for (const r of [...runs]) {
        this.phase = r.opt.untrainedOf ? `${r.opt.name}: drawing random weights (seed ${UNTRAINED_SEED})` : `loading ${r.opt.name}`;
        const m = r.opt.untrainedOf ? await loadUntrained(r.opt.untrainedOf, loaded[0].m) : await loadModel(r.opt);
        if (controller.signal.aborted) throw Object.assign(new Error('Cancelled'), { name: 'CancelledError' });
        if (typeof m === 'string') {
          // No untrained baseline for this model (said on the card); the others still run.
          runs.splice(runs.indexOf(r), 1);
          extraNotes.push(m);
          this.notes = [...this.notes, m];
          continue;
        }
        const candidates = m.layers.filter((l) => l.kind !== 'logits' || m.layers.length === 1);
        loaded.push({ m, layers: thinLayers(candidates, Math.max(1, this.maxLayers)).map((l) => l.tensor), all: candidates.length });
      }
      this.total = loaded.reduce((s, l) => s + l.layers.length * (benches.length + passes), 0);
      const cardModels: CardModel[] = [];
      for (let k = 0; k < runs.length; k++) {
        const { m, layers, all } = loaded[k];
        const labels = new Map(m.layers.map((l) => [l.tensor, l.label]));
        const entries: CardEntry[] = [];
        for (const b of benches) {
          const metrics = definitionMetrics(b.scoring.definitions!);
          const scores = new Map(metrics.map((x) => [x, [] as LayerRegionScore[]]));
          // Images are placed as the definitions say (Brain-Score's visual degrees); metrics sharing a placement share the recording.
          const placements = new Map(metrics.map((x) => [x, runPlacement(b.scoring, x)]));
          const groups = new Map<string, typeof metrics>();
          for (const x of metrics) groups.set(JSON.stringify(placements.get(x) ?? null), [...(groups.get(JSON.stringify(placements.get(x) ?? null)) ?? []), x]);
          for (const group of groups.values()) {
            const placement = placements.get(group[0]);
            for (let start = 0; start < layers.length; start += LAYERS_PER_PASS) {
              const chunk = layers.slice(start, start + LAYERS_PER_PASS);
              this.phase = `${m.name} · ${b.name} · recording ${start + chunk.length} of ${layers.length} layers`;
              const jobId = newJobId();
              this.#jobs.add(jobId);
              const base = this.done;
              let acts;
              try {
                acts = await getEngine().recordImages(m.id, chunk, b.images!.map((x) => x.slice().buffer as ArrayBuffer), preprocessFor(m), { jobId, batchSize: 16, ...(placement ? { placement } : {}) }, progressProxy((p) => (this.done = base + (p.total ? (p.done / p.total) * chunk.length : 0))));
              } finally {
                this.#jobs.delete(jobId);
              }
              this.done = base + chunk.length;
              if (controller.signal.aborted) throw Object.assign(new Error('Cancelled'), { name: 'CancelledError' });
              for (const metric of group) {
                this.phase = `${m.name} · ${b.name} · scoring (${metric}) ${start + chunk.length} of ${layers.length} layers`;
                const job = runScoring({
                  modelId: m.id,
                  metric,
                  benchmark: b.scoring,
                  layers: acts.map((a) => ({ layer: a.layer, activation: { ...a, data: a.data.slice() } })),
                  ...(placement ? { placement } : {}),
                });
                this.#scoring = job;
                const res = await job.result.finally(() => (this.#scoring = null));
                scores.get(metric)!.push(...res.scores);
                this.done += chunk.length;
                if (controller.signal.aborted) throw Object.assign(new Error('Cancelled'), { name: 'CancelledError' });
              }
            }
          }
          for (const metric of metrics) entries.push(...cardEntriesFromScores(scores.get(metric)!, labels));
        }
        cardModels.push({ model: runs[k].opt.name, role: runs[k].role, description: `${runs[k].description}; candidate layers: ${layers.length} of ${all}`, entries });
        this.notes = [...this.notes, `${runs[k].opt.name}: candidate layers: ${layers.length} of ${all} (evenly spaced, first and last kept).`];
      }
      this.card = newCard('silico web app', cardModels, [
        ...loaded.map((l, k) => `${runs[k].opt.name}: candidate layers: ${l.layers.length} of ${l.all} (evenly spaced; the CLI scores all of them).`),
        'Features: full layers as the model worker records them, flattened per image (as Brain-Score).',
        ...extraNotes,
      ]);
      this.phase = 'done';
    } catch (e) {
      // A cancelled worker job comes back as a plain error: after Cancel, say so plainly (no partial card).
      this.error = controller.signal.aborted ? { message: 'Cancelled: no card was made.', cancelled: true } : describeError(e);
      this.phase = '';
    } finally {
      this.running = false;
      this.#controller = null;
    }
  }
}

async function loadModel(o: ReportModelOption): Promise<LoadedModel> {
  const engine = getEngine();
  if (!('builtin' in o.source)) return engine.loadModel(o.source, { ep: settings.ep });
  try {
    return await engine.buildBuiltinModel(o.source.builtin, { ep: settings.ep });
  } catch (e) {
    if (!/not available/i.test((e as Error).message)) throw e;
    const { buildHmaxModel, decodeModel, listLayers } = await import('../../../core/onnx');
    const bytes = buildHmaxModel();
    const m = await engine.loadModel({ bytes: { name: HMAX?.name ?? 'HMAX', model: bytes.slice() } }, { ep: settings.ep });
    return { ...m, layers: listLayers(decodeModel(bytes)), preprocess: m.preprocess ?? HMAX?.preprocess };
  }
}

/**
 * The model's untrained twin: its cached .onnx with the weights re-drawn in the model worker (seeded Kaiming-normal,
 * as the CLI), loaded as a new model that keeps the trained model's preprocessing and layer names. A string: why
 * there is none.
 */
async function loadUntrained(o: ReportModelOption, trained: LoadedModel): Promise<LoadedModel | string> {
  if (!('cachedId' in o.source)) return `Untrained baseline: not computed — it re-draws the weights of an ONNX file, and ${o.name} is built in.`;
  try {
    const m = await getEngine().loadModel({ cachedId: o.source.cachedId, randomWeights: { seed: UNTRAINED_SEED } }, { ep: settings.ep });
    return { ...m, name: untrainedName(o.name, UNTRAINED_SEED), preprocess: trained.preprocess ?? m.preprocess };
  } catch (e) {
    // A model with external weight files has no untrained twin: said on the card, the rest of the card still runs.
    const message = e instanceof Error ? e.message : String(e);
    if (message.startsWith('Untrained baseline: not computed')) return message;
    throw e;
  }
}

function preprocessFor(m: LoadedModel): ImagePreprocessSpec {
  return preprocessForInput(m.preprocess ?? IMAGENET_PREPROCESS, m.inputs.find((i) => i.type === 'float32')?.shape ?? []);
}
