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
import { afrazTrials, afrazStimulus, type GrayImage, type TaskTrial } from '../src/core/stim/noise';
import { seededRng } from '../src/core/stim/random';
import type { CorticalSheet } from '../src/core/stim/sheet';
import type { FaceDecoder } from '../src/core/stim/decoder';
import { decodeFace } from '../src/core/stim/decoder';
import {
  buildSheetWithEngine,
  doseResponse,
  pickSites,
  readoutFeatures,
  runTask,
  sweepSites,
  trainDecoderWithEngine,
  type TaskResult,
} from '../src/core/stim/experiment';
import { UserFacingError, type LayerInfo, type ProgressFn } from '../src/core/types';
import { OrtStimEngine, defaultReadout } from '../src/core/stim/ort-engine';
import { configureOrt, webOrt } from './ort-web';
import { withWireErrors } from '../src/core/wire-errors';
import { syntheticFaceSet, type NamedGrayImage } from '../src/core/stim/demo-images';
import type { CategoryChoice, CategorySummary, ImagePreview, ModelChoice, ModelSummary, NamedBytes, SheetOptionsUi, SheetSummary, SweepOutcome } from './microstim-api';
import type { DosePoint, SiteResult } from '../src/core/stim/experiment';
import type { StimulationParams } from '../src/core/stim/spread';

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp)$/i;

interface State {
  modelName: string;
  modelBytes: Uint8Array;
  layers: LayerInfo[];
  faces: NamedGrayImage[];
  nonFaces: NamedGrayImage[];
  synthetic: boolean;
  engine: OrtStimEngine | null;
  sheet: CorticalSheet | null;
  decoder: FaceDecoder | null;
  trials: TaskTrial[];
  baseline: TaskResult | null;
}

const state: State = { modelName: '', modelBytes: new Uint8Array(), layers: [], faces: [], nonFaces: [], synthetic: false, engine: null, sheet: null, decoder: null, trials: [], baseline: null };
let controller: AbortController | null = null;

function newJob(): AbortSignal {
  controller?.abort();
  controller = new AbortController();
  return controller.signal;
}

/** Default IT layer: HMAX's C2 (its top stage), else the last layer before the head (e.g. MobileNetV2's 1280-channel conv). */
function pickDefaultLayer(layers: LayerInfo[]): { tensor: string; reason: string } {
  const c2 = layers.find((l) => /\bC2\b/.test(l.label));
  if (c2) return { tensor: c2.tensor, reason: 'C2 is HMAX’s top, most invariant stage: the closest it has to IT.' };
  const body = layers.filter((l) => l.group !== 'head' && l.kind !== 'logits');
  const last = body[body.length - 1] ?? layers[layers.length - 1];
  if (!last) throw new UserFacingError('This model has no recordable layers.');
  return { tensor: last.tensor, reason: 'The last layer before the classifier head: late layers of ImageNet CNNs predict IT best.' };
}

async function decodeToGray(file: NamedBytes): Promise<NamedGrayImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([file.bytes as BlobPart]));
  } catch {
    throw new UserFacingError(`"${file.name}" is not an image this browser can read (use PNG or JPEG).`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const data = new Uint8Array(bitmap.width * bitmap.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
  bitmap.close();
  return { name: file.name, width: canvas.width, height: canvas.height, data };
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

function requireSheet(): { engine: OrtStimEngine; sheet: CorticalSheet; decoder: FaceDecoder; baseline: TaskResult } {
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
    const def = pickDefaultLayer(layers);
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

  async setCategories(choice: CategoryChoice): Promise<CategorySummary> {
    if (choice.kind === 'demo') {
      const set = syntheticFaceSet(choice.perCategory);
      state.faces = set.faces;
      state.nonFaces = set.nonFaces;
      state.synthetic = true;
    } else {
      const faces = expandFiles(choice.faces);
      const nonFaces = expandFiles(choice.nonFaces);
      if (faces.length < 2 || nonFaces.length < 2) {
        throw new UserFacingError(`Need at least 2 face and 2 non-face images (got ${faces.length} faces, ${nonFaces.length} non-faces).`, 'Pick image files (PNG/JPEG) or zips of them.');
      }
      state.faces = await Promise.all(faces.map(decodeToGray));
      state.nonFaces = await Promise.all(nonFaces.map(decodeToGray));
      state.synthetic = false;
    }
    resetExperiment();
    const rng = seededRng(7);
    const example = state.faces[0];
    return {
      faces: state.faces.length,
      nonFaces: state.nonFaces.length,
      synthetic: state.synthetic,
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
    const images = [...state.faces, ...state.nonFaces];
    const isFace = images.map((_, i) => i < state.faces.length);
    const engine = new OrtStimEngine(webOrt, state.modelBytes, layer, 0, { readout: defaultReadout(state.layers, layer) });
    const batchSize = engine.inputSize > 160 ? 8 : 16;
    const sheet = await buildSheetWithEngine(engine, layer, images, isFace, { seed: options.seed }, {
      signal,
      batchSize,
      onProgress: (p) => onProgress?.({ ...p, phase: 'recording the localizer' }),
    });
    engine.channels = sheet.nSites;
    onProgress?.({ done: 0, total: 1, phase: 'training the face decoder' });
    const decoder = await trainDecoderWithEngine(engine, sheet.nSites, images, isFace, {}, { signal, batchSize });
    const clean = await readoutFeatures(engine, images, new Float32Array(sheet.nSites), { signal, batchSize });
    const p = decodeFace(decoder, clean.data, clean.n);
    const accuracy = p.reduce((s, v, i) => s + ((v >= 0.5) === isFace[i] ? 1 : 0), 0) / p.length;
    const per = Math.max(1, options.taskImagesPerCategory);
    const taskImages = [...state.faces.slice(0, per), ...state.nonFaces.slice(0, per)];
    const taskIsFace = taskImages.map((_, i) => i < Math.min(per, state.faces.length));
    const trials = afrazTrials(taskImages, taskIsFace, options.seed);
    const total = Math.ceil(trials.length / batchSize);
    const baseline = await runTask(engine, decoder, trials, new Float32Array(sheet.nSites), {
      signal,
      batchSize,
      onProgress: (q) => onProgress?.({ done: q.done, total, phase: 'running the task without stimulation' }),
    });
    Object.assign(state, { engine, sheet, decoder, trials, baseline });
    return {
      layer,
      nSites: sheet.nSites,
      xMm: sheet.xMm,
      yMm: sheet.yMm,
      dPrime: sheet.dPrime,
      spacingMm: sheet.spacingMm,
      baseline: { curve: baseline.curve, points: baseline.points },
      decoderTrainAccuracy: accuracy,
      trials: trials.length,
      images: { faces: state.faces.length, nonFaces: state.nonFaces.length, synthetic: state.synthetic },
    };
  },

  async stimulate(site: number, params: StimulationParams): Promise<SiteResult> {
    const s = requireSheet();
    const signal = newJob();
    const r = await sweepSites(s.engine, s.sheet, s.decoder, state.trials, [site], params, { signal, batchSize: batchOf(s.engine) }, s.baseline);
    return r.sites[0];
  },

  /** The most face-selective sites and non-selective controls (core pickSites), stimulated in turn. */
  async sweep(selective: number, controls: number, params: StimulationParams, onProgress?: ProgressFn): Promise<SweepOutcome> {
    const s = requireSheet();
    const signal = newJob();
    const picked = pickSites(s.sheet, selective, controls, params);
    const sites = [...picked.selective, ...picked.controls.filter((c) => !picked.selective.includes(c))];
    const r = await sweepSites(s.engine, s.sheet, s.decoder, state.trials, sites, params, { signal, batchSize: batchOf(s.engine), onProgress }, s.baseline);
    return { sites: r.sites, controls: picked.controls, correlation: r.correlation, params };
  },

  async doseResponse(site: number, currents: number[], params: StimulationParams, onProgress?: ProgressFn): Promise<DosePoint[]> {
    const s = requireSheet();
    const signal = newJob();
    return doseResponse(s.engine, s.sheet, s.decoder, state.trials, site, currents, params, { signal, batchSize: batchOf(s.engine), onProgress }, s.baseline);
  },

  cancel(): void {
    controller?.abort();
  },
};

function batchOf(engine: OrtStimEngine): number {
  return engine.inputSize > 160 ? 8 : 16;
}

export type MicrostimWorkerApi = typeof api;
Comlink.expose(withWireErrors(api));
