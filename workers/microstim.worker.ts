/**
 * The Microstimulation lab worker: holds the model, the category images, the cortical sheet, the decoder and
 * the task trials, and runs core/stim/experiment.ts with the browser engine (engine.ts). Nothing heavy runs on
 * the page's main thread.
 */
import * as Comlink from 'comlink';
import { unzipSync } from 'fflate';
import { listLayers } from '../src/core/onnx/layers';
import { decodeModel } from '../src/core/onnx/proto';
import { buildHmaxModel } from '../src/core/onnx/hmax';
import { ModelCache } from '../src/core/store/cache';
import { afrazStimulus, type GrayImage, type TaskTrial } from '../src/core/stim/noise';
import { seededRng } from '../src/core/stim/random';
import type { CorticalSheet } from '../src/core/stim/sheet';
import {
  defaultSetup,
  doseResponse,
  neighbourhoodSelectivity,
  pickSites,
  prepareExperiment,
  sweepSites,
  type TaskResult,
  type TrainedDecoder,
} from '../src/core/stim/experiment';
import { adviseSweep, bootstrapCurveBand, bootstrapShifts, largestDrop, summarizeSelectivityShift } from '../src/core/stim/stats';
import { validateStimulation } from '../src/core/stim/spread';
import { decodeImageAsync } from '../src/core/image/decode';
import { FLOC_FACE_CATEGORIES, flocSubset } from '../src/core/catalog/datasets';
import { fetchDataset, isDatasetUnavailable } from '../src/core/catalog/fetch-dataset';
import { flocImages } from '../src/core/data/pack/floc';
import { UserFacingError, type LayerInfo, type ProgressFn } from '../src/core/types';
import { OrtStimEngine, POOL_READOUT, defaultReadout } from '../src/core/stim/ort-engine';
import { defaultItLayer } from '../src/core/stim/it-layer';
import { configureOrt, webOrt } from './ort-web';
import { withWireErrors } from '../src/core/wire-errors';
import { syntheticFaceSet, type NamedGrayImage } from '../src/core/stim/demo-images';
import type { CategoryChoice, CategorySummary, DosePoint, ImagePreview, ModelChoice, ModelSummary, NamedBytes, SheetOptionsUi, SheetSummary, SiteResult, SweepOutcome } from './microstim-api';
import type { SiteResult as CoreSiteResult } from '../src/core/stim/experiment';
import type { StimulationParams } from '../src/core/stim/spread';

/** The fLoc categories of the task (Afraz's face / non-face split with fLoc's photographs). */
const FLOC_TASK_NONFACES = ['body', 'car', 'house', 'word', 'instrument', 'corridor'] as const;
/** Bootstrap replicates in the lab (the CLI defaults to 1000): enough for stable 95 % intervals, quick on 2 cores. */
const LAB_BOOTSTRAP = 300;
/**
 * Noise draws per test image and level in the lab (the CLI defaults to 4): one keeps a cold sheet build near a minute
 * on a 2-core machine; the bootstrap then resamples images only.
 */
const LAB_REPEATS = 1;

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp)$/i;

interface State {
  modelName: string;
  modelBytes: Uint8Array;
  layers: LayerInfo[];
  faces: NamedGrayImage[];
  nonFaces: NamedGrayImage[];
  synthetic: boolean;
  source: 'floc' | 'files' | 'synthetic';
  fallback?: string;
  engine: OrtStimEngine | null;
  sheet: CorticalSheet | null;
  decoder: TrainedDecoder | null;
  trials: TaskTrial[];
  baseline: TaskResult | null;
}

const state: State = { modelName: '', modelBytes: new Uint8Array(), layers: [], faces: [], nonFaces: [], synthetic: false, source: 'synthetic', engine: null, sheet: null, decoder: null, trials: [], baseline: null };
let controller: AbortController | null = null;

function newJob(): AbortSignal {
  controller?.abort();
  controller = new AbortController();
  return controller.signal;
}

/** Any PNG/JPEG → gray levels with the one decoder of core/image (libjpeg-turbo / libpng in WebAssembly), so the page and `silico stim` see the same pixels. */
async function decodeToGray(file: NamedBytes): Promise<NamedGrayImage> {
  const img = await decodeImageAsync(file.bytes, file.name);
  const data = new Uint8Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(0.299 * img.data[4 * i] + 0.587 * img.data[4 * i + 1] + 0.114 * img.data[4 * i + 2]);
  return { name: file.name, width: img.width, height: img.height, data };
}

/** fLoc from the catalog, interleaved across categories (so every split of the list keeps the categories balanced). */
async function loadFloc(perCategory: number, mirror: string | undefined, onProgress?: ProgressFn): Promise<{ faces: NamedGrayImage[]; nonFaces: NamedGrayImage[] }> {
  const categories = [...FLOC_FACE_CATEGORIES, ...FLOC_TASK_NONFACES];
  const { files } = await fetchDataset('floc', {
    files: flocSubset(perCategory, categories),
    mirror,
    onEvent: (e) => {
      if (e.type === 'progress') onProgress?.({ done: e.loaded, total: e.total || e.loaded || 1, phase: 'downloading fLoc images' });
    },
  });
  const images = flocImages(files);
  const num = (n: string) => Number(/-(\d+)\./.exec(n)?.[1] ?? 0);
  const order = (a: { name: string; category: string }, b: { name: string; category: string }) => num(a.name) - num(b.name) || categories.indexOf(a.category as never) - categories.indexOf(b.category as never);
  const decode = async (list: typeof images) => {
    const out: NamedGrayImage[] = [];
    for (const [k, f] of list.sort(order).entries()) {
      out.push(await decodeToGray({ name: f.name, bytes: f.bytes }));
      onProgress?.({ done: k + 1, total: list.length, phase: 'decoding fLoc images' });
    }
    return out;
  };
  return { faces: await decode(images.filter((f) => f.face)), nonFaces: await decode(images.filter((f) => !f.face)) };
}

/** Files and zips → image files in natural name order. */
function expandFiles(files: NamedBytes[]): NamedBytes[] {
  const out: NamedBytes[] = [];
  for (const f of files) {
    if (/\.zip$/i.test(f.name)) {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(f.bytes);
      } catch {
        throw new UserFacingError(`"${f.name}" is not a readable zip file.`);
      }
      for (const [name, bytes] of Object.entries(entries)) if (IMAGE_EXT.test(name) && !name.startsWith('__MACOSX')) out.push({ name, bytes });
    } else if (IMAGE_EXT.test(f.name)) out.push(f);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

function preview(img: GrayImage & { name?: string }): ImagePreview {
  return { name: img.name ?? '', width: img.width, height: img.height, data: img.data };
}

function resetExperiment(): void {
  void state.engine?.dispose();
  state.engine = null;
  state.sheet = null;
  state.decoder = null;
  state.baseline = null;
  state.trials = [];
}

function requireSheet(): { engine: OrtStimEngine; sheet: CorticalSheet; decoder: TrainedDecoder; baseline: TaskResult } {
  if (!state.engine || !state.sheet || !state.decoder || !state.baseline) throw new UserFacingError('Build the cortical sheet first.');
  return { engine: state.engine, sheet: state.sheet, decoder: state.decoder, baseline: state.baseline };
}

const api = {
  async loadModel(choice: ModelChoice): Promise<ModelSummary> {
    const { threads } = configureOrt();
    let bytes: Uint8Array;
    let name: string;
    if (choice.kind === 'builtin') {
      bytes = buildHmaxModel();
      name = 'HMAX (built in)';
    } else if (choice.kind === 'cached') {
      const entry = await new ModelCache().get(choice.id);
      const file = entry?.files.find((f) => f.path === 'model.onnx') ?? entry?.files[0];
      if (!file) throw new UserFacingError(`"${choice.name}" is not in the model cache any more. Download it again on the Models page.`);
      bytes = file.data;
      name = choice.name;
    } else {
      bytes = choice.bytes;
      name = choice.name;
    }
    const model = decodeModel(bytes);
    const layers = listLayers(model).filter((l) => l.kind !== 'logits');
    if (layers.length === 0) throw new UserFacingError('This model has no recordable layers.');
    resetExperiment();
    state.modelBytes = bytes;
    state.modelName = name;
    state.layers = layers;
    const def = defaultItLayer(layers);
    const probe = new OrtStimEngine(webOrt, bytes, def.tensor, 1);
    return {
      name,
      layers,
      defaultLayer: def.tensor,
      defaultReason: def.reason,
      input: { name: probe.input.name, channels: probe.input.channels, size: probe.input.size },
      backend: `WASM · ${threads} thread${threads === 1 ? '' : 's'}`,
    };
  },

  async setCategories(choice: CategoryChoice, onProgress?: ProgressFn): Promise<CategorySummary> {
    state.fallback = undefined;
    const synthetic = (perCategory: number) => {
      const set = syntheticFaceSet(perCategory);
      state.faces = set.faces;
      state.nonFaces = set.nonFaces;
      state.synthetic = true;
      state.source = 'synthetic';
    };
    if (choice.kind === 'demo') synthetic(choice.perCategory);
    else if (choice.kind === 'floc') {
      try {
        const set = await loadFloc(choice.perCategory, choice.mirror, onProgress);
        state.faces = set.faces;
        state.nonFaces = set.nonFaces;
        state.synthetic = false;
        state.source = 'floc';
      } catch (e) {
        if (!isDatasetUnavailable(e)) throw e;
        synthetic(16);
        state.fallback = e.howTo;
      }
    } else {
      const faces = expandFiles(choice.faces);
      const nonFaces = expandFiles(choice.nonFaces);
      if (faces.length < 6 || nonFaces.length < 6) {
        throw new UserFacingError(`Need at least 6 face and 6 non-face images (got ${faces.length} faces, ${nonFaces.length} non-faces): the localizer, the decoder and the test trials each get their own.`, 'Pick image files (PNG/JPEG) or zips of them.');
      }
      state.faces = await Promise.all(faces.map(decodeToGray));
      state.nonFaces = await Promise.all(nonFaces.map(decodeToGray));
      state.synthetic = false;
      state.source = 'files';
    }
    resetExperiment();
    const rng = seededRng(7);
    const example = state.faces[0];
    return {
      faces: state.faces.length,
      nonFaces: state.nonFaces.length,
      synthetic: state.synthetic,
      source: state.source,
      fallback: state.fallback,
      preview: {
        faces: state.faces.slice(0, 4).map(preview),
        nonFaces: state.nonFaces.slice(0, 4).map(preview),
        noisy: [0, 15, 25, 40, 50, 80].map((signal) => ({ signal, image: preview(afrazStimulus(example, signal, rng)) })),
      },
    };
  },

  async buildSheet(layer: string, options: SheetOptionsUi, onProgress?: ProgressFn): Promise<SheetSummary> {
    if (state.modelBytes.length === 0) throw new UserFacingError('Load a model first.');
    if (state.faces.length === 0) throw new UserFacingError('Choose a face / non-face image set first.');
    const signal = newJob();
    resetExperiment();
    // The decoder reads the stimulated layer's own channel means unless the downstream readout is asked for (and exists).
    const readout = (options.readout === 'downstream' ? defaultReadout(state.layers, layer) : undefined) ?? POOL_READOUT;
    const engine = new OrtStimEngine(webOrt, state.modelBytes, layer, 0, { readout });
    const batchSize = engine.inputSize > 160 ? 8 : 16;
    const perClass = Math.min(state.faces.length, state.nonFaces.length);
    const setup = defaultSetup(perClass, { task: Math.max(2, options.taskImagesPerCategory), seed: options.seed, repeats: options.repeats ?? LAB_REPEATS });
    const prepared = await prepareExperiment(engine, layer, state.faces, state.nonFaces, setup, { signal, batchSize, onProgress });
    const { sheet, decoder, trials, baseline } = prepared;
    onProgress?.({ done: 0, total: 1, phase: 'bootstrap CIs of the baseline curve' });
    const band = bootstrapCurveBand(trials, baseline.pFace, { bootstrap: LAB_BOOTSTRAP, seed: options.seed + 3 });
    const x50 = bootstrapShifts(trials, baseline.pFace, [], { bootstrap: LAB_BOOTSTRAP, seed: options.seed + 7 }).baselineX50;
    Object.assign(state, { engine, sheet, decoder, trials, baseline });
    return {
      layer,
      readout,
      nSites: sheet.nSites,
      xMm: sheet.xMm,
      yMm: sheet.yMm,
      dPrime: sheet.dPrime,
      spacingMm: sheet.spacingMm,
      baseline: { curve: baseline.curve, points: baseline.points, band, x50, largestDrop: largestDrop(baseline.points) },
      decoderTrainAccuracy: decoder.accuracyHighSignal,
      decoderC: decoder.C,
      setup: { localizer: setup.localizer, decoder: setup.decoder, task: setup.task, repeats: setup.repeats },
      trials: trials.length,
      images: { faces: state.faces.length, nonFaces: state.nonFaces.length, synthetic: state.synthetic, source: state.source },
    };
  },

  async stimulate(site: number, params: StimulationParams): Promise<SiteResult> {
    const s = requireSheet();
    validateStimulation({ currentsUa: [params.currentUa], frequencyHz: params.frequencyHz, durationMs: params.durationMs });
    const signal = newJob();
    const r = await sweepSites(s.engine, s.sheet, s.decoder, state.trials, [site], params, { signal, batchSize: batchOf(s.engine) }, s.baseline);
    const boot = bootstrapShifts(state.trials, s.baseline.pFace, [r.sites[0].pFace], { bootstrap: LAB_BOOTSTRAP, seed: site + 11 });
    return { ...strip(r.sites[0]), ci: { low: boot.shifts[0].low, high: boot.shifts[0].high }, band: bootstrapCurveBand(state.trials, r.sites[0].pFace, { bootstrap: LAB_BOOTSTRAP, seed: site + 13 }) };
  },

  /** The most face-selective sites and non-selective controls (core pickSites), stimulated in turn, with Afraz's statistics. */
  async sweep(selective: number, controls: number, params: StimulationParams, onProgress?: ProgressFn): Promise<SweepOutcome> {
    const s = requireSheet();
    validateStimulation({ currentsUa: [params.currentUa], frequencyHz: params.frequencyHz, durationMs: params.durationMs });
    const signal = newJob();
    const picked = pickSites(s.sheet, selective, controls, params);
    const sites = [...picked.selective, ...picked.controls.filter((c) => !picked.selective.includes(c))];
    const r = await sweepSites(s.engine, s.sheet, s.decoder, state.trials, sites, params, { signal, batchSize: batchOf(s.engine), onProgress }, s.baseline);
    onProgress?.({ done: 0, total: 1, phase: 'bootstrap CIs' });
    const boot = bootstrapShifts(state.trials, s.baseline.pFace, r.sites.map((x) => x.pFace), { bootstrap: LAB_BOOTSTRAP, seed: 17 });
    const tissue = r.sites.map((x) => neighbourhoodSelectivity(s.sheet, x.site, params));
    const summary = r.sites.length >= 4 ? summarizeSelectivityShift(tissue, r.sites.map((x) => x.shift), { replicates: boot.replicates }) : null;
    const advice = summary ? adviseSweep(summary, { currentUa: params.currentUa, decoderAccuracy: s.decoder.accuracyHighSignal, baselineSlope: s.baseline.curve.slope }) : undefined;
    return {
      sites: r.sites.map((x, j) => ({ ...strip(x), ci: { low: boot.shifts[j].low, high: boot.shifts[j].high } })),
      controls: picked.controls,
      correlation: r.correlation,
      params,
      summary,
      advice,
    };
  },

  async doseResponse(site: number, currents: number[], params: StimulationParams, onProgress?: ProgressFn): Promise<DosePoint[]> {
    const s = requireSheet();
    validateStimulation({ currentsUa: currents, frequencyHz: params.frequencyHz, durationMs: params.durationMs });
    const signal = newJob();
    const points = await doseResponse(s.engine, s.sheet, s.decoder, state.trials, site, currents, params, { signal, batchSize: batchOf(s.engine), onProgress }, s.baseline);
    const boot = bootstrapShifts(state.trials, s.baseline.pFace, points.map((p) => p.pFace), { bootstrap: LAB_BOOTSTRAP, seed: site + 19 });
    return points.map(({ pFace: _p, ...p }, j) => ({ ...p, ci: { low: boot.shifts[j].low, high: boot.shifts[j].high } }));
  },

  cancel(): void {
    controller?.abort();
  },
};

/** A site result without its per-trial choices (they stay here). */
function strip({ pFace: _p, ...rest }: CoreSiteResult): SiteResult {
  return rest;
}

function batchOf(engine: OrtStimEngine): number {
  return engine.inputSize > 160 ? 8 : 16;
}

export type MicrostimWorkerApi = typeof api;
Comlink.expose(withWireErrors(api));
