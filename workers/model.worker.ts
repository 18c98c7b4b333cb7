/**
 * The model worker: hosts onnxruntime-web sessions off the main thread, records layer activations,
 * downloads and caches models. Domain logic lives in src/core; this file wires it to ORT and comlink.
 */
import * as Comlink from 'comlink';
import { randomizeWeights } from '../src/core/onnx/untrained';
import { untrainedName } from '../src/core/benchmarks/card';
import type * as OrtWeb from 'onnxruntime-web';
import { Tokenizer } from '@huggingface/tokenizers';
import { forWire } from '../src/core/wire-errors';
import { CancelledError, UserFacingError, throwIfAborted, type LayerActivation, type LayerInfo } from '../src/core/types';
import { decodeModel, modelInputs, modelOutputs, type DecodedModel } from '../src/core/onnx/proto';
import { listLayers } from '../src/core/onnx/layers';
import { buildGpt2Model, gpt2Layers, GPT2_SIZES } from '../src/core/onnx/gpt2';
import { buildHmaxModel } from '../src/core/onnx/hmax';
import { Recorder, type Feed, type Feeds, type RecorderOptions } from '../src/core/engine/recorder';
import { explainOrtError as explainCoreOrtError } from '../src/core/engine/errors';
import { batchToTensor } from '../src/core/image/preprocess';
import { prepareImage } from '../src/core/image/placement';
import { loadImageCodecs } from '../src/core/image/decode';
import { BUILTIN_MODELS, HUB_MODELS, findCatalogEntry, type BuiltinModelId, type ImagePreprocessSpec } from '../src/core/catalog/models';
import { ModelCache, localModelId, type CachedModel } from '../src/core/store/cache';
import { modelContentHash } from '../src/core/store/content-hash';
import { downloadModel, type DownloadProgress } from '../src/core/download/download';
import { chooseBackend, probeWebGpu } from './backend';
import type {
  BackendInfo, EpPreference, ExecutionProvider, InputTensor, LoadedModel, ModelBytes, ModelEngineApi, ModelInput,
  ModelSource, ProgressCallback, RecordOptions, ImageRecordOptions, SentenceRecordOptions,
} from './model-api';

type Ort = typeof OrtWeb;

/**
 * onnxruntime-web for one execution provider, imported on first use: WASM runs on the WASM-only build, WebGPU on the
 * full build (JSEP). Both builds run the same CPU kernels (recordings are identical), but the full build's binary is
 * twice the size (28 vs 14 MB) and costs the renderer ~65 MiB more memory for a WASM session (measured in the app
 * and on a bare page). Each build has its own thread pool, created with its first session from the threads chosen
 * at configure().
 */
const ortModules = new Map<ExecutionProvider, Promise<Ort>>();
function ortFor(ep: ExecutionProvider): Promise<Ort> {
  let loading = ortModules.get(ep);
  if (!loading) {
    loading = (ep === 'webgpu' ? import('onnxruntime-web') : import('onnxruntime-web/wasm')).then(async (ort) => {
      ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
      ort.env.wasm.numThreads = (await backend()).threads;
      return ort;
    });
    // A failed import (e.g. offline before the runtime was cached) is retried on the next call.
    loading.catch(() => ortModules.delete(ep));
    ortModules.set(ep, loading);
  }
  return loading;
}

interface ModelState {
  info: LoadedModel;
  /** The decoded model, kept to rewrite it for each layer set; its initializers are views into the loaded bytes,
   * so the model is held once in JS. */
  proto: DecodedModel;
  externalData: { path: string; data: Uint8Array }[];
  tokenizer?: Tokenizer;
  /** The plain session opened at load time (fails early on unsupported ops); released once recording starts. */
  session?: OrtWeb.InferenceSession;
  /** Recorder for the last layer set; only the latest is kept (sessions can be large). */
  recorder?: { key: string; recorder: Recorder };
}

const cache = new ModelCache();
const models = new Map<string, ModelState>();
const jobs = new Map<string, AbortController>();
let backendInfo: BackendInfo | null = null;
let nextModel = 1;

/** onnxruntime errors in words a person can act on (core mapping), plus out-of-memory, which happens here. */
function explainOrtError(e: unknown, ep: ExecutionProvider, what: string): Error {
  if (e instanceof UserFacingError || e instanceof CancelledError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError || /out of memory|memory access out of bounds|failed to allocate|OOM|Array buffer allocation/i.test(msg)) {
    return new UserFacingError(`Out of memory while ${what}.`, 'Use a smaller batch size, fewer layers or fewer images, or a smaller model.');
  }
  return explainCoreOrtError(e, { backend: ep.toUpperCase() });
}

async function configure(preference: EpPreference): Promise<BackendInfo> {
  const probe = await probeWebGpu();
  const info = chooseBackend(preference, probe, {
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
  });
  // The WASM thread pool is created with the first session and cannot change afterwards.
  if (backendInfo) info.threads = backendInfo.threads;
  backendInfo = info;
  return info;
}

async function backend(): Promise<BackendInfo> {
  return backendInfo ?? configure('auto');
}

async function resolveEp(pref?: EpPreference): Promise<ExecutionProvider> {
  const b = await backend();
  if (!pref || pref === b.preference) return b.ep;
  return chooseBackend(pref, { available: b.webgpuAvailable, description: b.adapter, isSoftware: b.adapterIsSoftware }, { crossOriginIsolated: b.crossOriginIsolated, hardwareConcurrency: b.threads }).ep;
}

async function createSession(state: Pick<ModelState, 'externalData' | 'info'>, bytes: Uint8Array): Promise<OrtWeb.InferenceSession> {
  try {
    const ort = await ortFor(state.info.ep);
    return await ort.InferenceSession.create(bytes, {
      executionProviders: [state.info.ep],
      externalData: state.externalData.length ? state.externalData : undefined,
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw explainOrtError(e, state.info.ep, `loading ${state.info.name}`);
  }
}

function inputsOf(proto: DecodedModel): ModelInput[] {
  return modelInputs(proto).map((s) => ({ name: s.name, type: s.type, shape: (s.dims ?? []).map((d) => d ?? '?') }));
}

async function register(
  bytes: ModelBytes,
  ep: ExecutionProvider,
  extra: { layers?: LayerInfo[]; preprocess?: ImagePreprocessSpec; idPrefix?: string } = {},
): Promise<LoadedModel> {
  const proto = decodeModel(bytes.model);
  const info: LoadedModel = {
    id: `${extra.idPrefix ?? 'model'}-${nextModel++}`,
    name: bytes.name,
    ep,
    inputs: inputsOf(proto),
    outputs: modelOutputs(proto).map((o) => o.name),
    layers: extra.layers ?? listLayers(proto),
    preprocess: extra.preprocess,
    hasTokenizer: false,
    contentHash: await modelContentHash(bytes), // score caches key on the bytes, never on the id or file name
  };
  const state: ModelState = { info, proto, externalData: bytes.externalData ?? [] };
  if (bytes.tokenizerJson) {
    try {
      state.tokenizer = new Tokenizer(JSON.parse(new TextDecoder().decode(bytes.tokenizerJson)), {});
      info.hasTokenizer = true;
    } catch (e) {
      throw new UserFacingError(`The tokenizer.json could not be read: ${(e as Error).message}`);
    }
  }
  // Create the plain session now, so unsupported ops and bad files fail at load time, not at record time.
  state.session = await createSession(state, bytes.model);
  models.set(info.id, state);
  return info;
}

function splitCachedFiles(files: { path: string; data: Uint8Array }[], name: string): ModelBytes {
  const model = files.find((f) => f.path === 'model.onnx') ?? files.find((f) => f.path.endsWith('.onnx'));
  if (!model) throw new UserFacingError(`The cached entry "${name}" has no .onnx file.`);
  const tokenizer = files.find((f) => f.path.endsWith('tokenizer.json'));
  return {
    name,
    model: model.data,
    tokenizerJson: tokenizer?.data,
    externalData: files.filter((f) => f !== model && f !== tokenizer).map((f) => ({ path: f.path, data: f.data })),
  };
}

/** The untrained baseline of a cached model: its graph with the weights re-drawn (the CLI's `--baselines untrained`). */
function untrainedTwin(bytes: ModelBytes, seed: number): ModelBytes {
  if (bytes.externalData?.length) {
    throw new UserFacingError(`Untrained baseline: not computed — it re-draws weights stored inside one .onnx file, and ${bytes.name} keeps them in external data files.`);
  }
  return { name: untrainedName(bytes.name, seed), model: randomizeWeights(bytes.model, seed), tokenizerJson: bytes.tokenizerJson };
}

async function loadModel(source: ModelSource, options: { ep?: EpPreference } = {}): Promise<LoadedModel> {
  try {
    const ep = await resolveEp(options.ep);
    if ('builtin' in source) return await buildBuiltinModel(source.builtin, options);
    if ('cachedId' in source) {
      const hit = await cache.get(source.cachedId);
      if (!hit) throw new UserFacingError(`"${source.cachedId}" is not in the model cache. Download or import it first.`);
      const entry = findCatalogEntry(source.cachedId);
      const bytes = splitCachedFiles(hit.files, hit.model.name);
      if (source.randomWeights) return await register(untrainedTwin(bytes, source.randomWeights.seed), ep, { preprocess: entry?.preprocess });
      return await register(bytes, ep, { preprocess: entry?.preprocess, idPrefix: source.cachedId });
    }
    return await register(source.bytes, ep);
  } catch (e) {
    throw forWire(e);
  }
}

async function buildBuiltinModel(id: BuiltinModelId, options: { ep?: EpPreference; tokenizerJson?: Uint8Array } = {}): Promise<LoadedModel> {
  try {
    const ep = await resolveEp(options.ep);
    const entry = BUILTIN_MODELS.find((m) => m.id === id);
    if (!entry) throw new UserFacingError(`Unknown built-in model "${id}".`);
    if (id === 'gpt2-tiny' || id === 'gpt2-small-untrained') {
      const size = GPT2_SIZES[id === 'gpt2-tiny' ? 'tiny' : 'small'];
      const bytes = buildGpt2Model({ ...size, seed: 0 });
      const tokenizer = options.tokenizerJson ?? (await cachedTokenizer());
      return await register({ name: entry.name, model: bytes, tokenizerJson: tokenizer }, ep, { layers: gpt2Layers(size.nLayer), idPrefix: id });
    }
    return await register({ name: entry.name, model: buildHmaxModel() }, ep, { preprocess: entry.preprocess, idPrefix: id });
  } catch (e) {
    throw forWire(e);
  }
}

/** GPT-2's tokenizer from any cached GPT-2 catalog download, for the untrained GPT-2 models. */
async function cachedTokenizer(): Promise<Uint8Array | undefined> {
  for (const m of HUB_MODELS.filter((e) => e.tokenizer)) {
    if (!(await cache.has(m.id))) continue;
    const hit = await cache.get(m.id);
    const tok = hit?.files.find((f) => f.path === m.tokenizer);
    if (tok) return tok.data;
  }
  return undefined;
}

function getModel(modelId: string): ModelState {
  const state = models.get(modelId);
  if (!state) throw new UserFacingError('This model is no longer loaded. Load it again.');
  return state;
}

async function recorderFor(state: ModelState, layers: string[]): Promise<Recorder> {
  const key = [...new Set(layers)].sort().join('\u0000');
  if (state.recorder?.key === key) return state.recorder.recorder;
  await state.recorder?.recorder.dispose();
  await state.session?.release();
  state.recorder = undefined;
  state.session = undefined;
  const options: RecorderOptions & Pick<OrtWeb.InferenceSession.SessionOptions, 'externalData'> = {
    layers,
    executionProviders: [state.info.ep],
    graphOptimizationLevel: 'all',
    externalData: state.externalData.length ? state.externalData : undefined,
  };
  try {
    const ort = await ortFor(state.info.ep);
    const recorder = await Recorder.create(ort as unknown as Parameters<typeof Recorder.create>[0], state.proto, options);
    state.recorder = { key, recorder };
    return recorder;
  } catch (e) {
    throw explainOrtError(e, state.info.ep, `preparing ${state.info.name}`);
  }
}

/** Resolves after the messages already queued for this worker (e.g. a cancel()) have run. A message on a channel of
 * its own, not setTimeout(0): nested timers are clamped to 4 ms, which cost ~4% of a MobileNetV2 recording. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

function startJob(jobId?: string): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const id = jobId ?? `job-${Math.random()}`;
  jobs.set(id, controller);
  return { signal: controller.signal, done: () => jobs.delete(id) };
}

/** Plain feed of the model's declared type (the Recorder checks names, types and shapes). */
function toFeed(type: string, dims: number[], data: Float32Array | Int32Array | BigInt64Array): Feed {
  if (type === 'int64') return { dims, data: data instanceof BigInt64Array ? data : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(Math.round(v))) };
  if (type === 'int32') return { dims, data: data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v)) };
  // float16 inputs take float32 values: the Recorder rounds them to half precision.
  if (type === 'float32' || type === 'float16') return { dims, data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v)) };
  throw new UserFacingError(`The model's inputs of type ${type} cannot be fed yet (float32, float16, int64 and int32 can).`);
}

function sliceRows(t: InputTensor, start: number, end: number): InputTensor {
  const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return { dims: [end - start, ...t.dims.slice(1)], data: t.data.subarray(start * per, end * per) as InputTensor['data'] };
}

/** Feeds for one batch: given inputs sliced to rows [start, end), standard LM inputs filled in. */
function buildFeeds(inputs: ModelInput[], given: Record<string, InputTensor>, start: number, end: number): Feeds {
  const b = end - start;
  const ids = given.input_ids;
  const seq = ids ? ids.dims[1] : 0;
  const feeds: Feeds = {};
  for (const input of inputs) {
    const g = given[input.name];
    if (g) {
      const rows = sliceRows(g, start, end);
      feeds[input.name] = toFeed(input.type, rows.dims, rows.data);
    } else if (input.name === 'attention_mask' && ids) {
      feeds[input.name] = toFeed(input.type, [b, seq], new Float32Array(b * seq).fill(1));
    } else if (input.name === 'position_ids' && ids) {
      const pos = new Float32Array(b * seq).map((_, i) => i % seq);
      feeds[input.name] = toFeed(input.type, [b, seq], pos);
    } else if (/^past/.test(input.name)) {
      // Empty key/value cache: batch axis = b, the symbolic past-length axis = 0.
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : /batch/i.test(d) ? b : 0));
      feeds[input.name] = toFeed(input.type, dims, new Float32Array(0));
    } else if (input.name === 'use_cache_branch' && input.type === 'bool') {
      // Merged decoders: take the branch without a cache.
      feeds[input.name] = { dims: [1], data: new Uint8Array([0]) };
    } else {
      throw new UserFacingError(`The model needs an input "${input.name}" (${input.type} [${input.shape.join(', ')}]) that was not given.`);
    }
  }
  return feeds;
}

async function runRecording(
  state: ModelState,
  layers: string[],
  inputs: Record<string, InputTensor>,
  options: RecordOptions,
  onProgress?: ProgressCallback,
): Promise<LayerActivation[]> {
  if (layers.length === 0) throw new UserFacingError('Pick at least one layer to record.');
  const first = Object.values(inputs)[0];
  if (!first) throw new UserFacingError('Nothing to record: no inputs were given.');
  const items = Array.from({ length: first.dims[0] }, (_, i) => i);
  const job = startJob(options.jobId);
  try {
    const recorder = await recorderFor(state, layers);
    const makeFeeds = async (batch: number[], start: number) => {
      // WASM inference finishes in microtasks; yield a macrotask so a cancel() message can arrive between runs.
      await yieldToMessages();
      throwIfAborted(job.signal);
      return buildFeeds(state.info.inputs, inputs, start, start + batch.length);
    };
    return await recorder.recordBatches(items, makeFeeds, {
      batchSize: options.batchSize ?? 8,
      onProgress,
      signal: job.signal,
    });
  } catch (e) {
    throw explainOrtError(e, state.info.ep, 'recording');
  } finally {
    job.done();
  }
}

function transferResult(result: LayerActivation[]): LayerActivation[] {
  return Comlink.transfer(result, result.map((r) => r.data.buffer as ArrayBuffer));
}

async function recordTensors(modelId: string, layers: string[], inputs: Record<string, InputTensor>, options: RecordOptions = {}, onProgress?: ProgressCallback): Promise<LayerActivation[]> {
  try {
    return transferResult(await runRecording(getModel(modelId), layers, inputs, options, onProgress));
  } catch (e) {
    throw forWire(e);
  }
}

async function recordImages(modelId: string, layers: string[], images: ArrayBuffer[], preprocess: ImagePreprocessSpec, options: ImageRecordOptions = {}, onProgress?: ProgressCallback): Promise<LayerActivation[]> {
  try {
    const state = getModel(modelId);
    if (images.length === 0) throw new UserFacingError('Pick at least one image.');
    const imageInputs = state.info.inputs.filter((i) => i.type === 'float32' || i.type === 'float16');
    if (imageInputs.length !== 1) throw new UserFacingError(`"${state.info.name}" does not take a single image input (inputs: ${state.info.inputs.map((i) => i.name).join(', ')}).`);
    onProgress?.({ done: 0, total: images.length, phase: 'preparing images' });
    await loadImageCodecs();
    const tensor = batchToTensor(images.map((b, i) => prepareImage(new Uint8Array(b), preprocess, options.placement, `image ${i + 1}`)), preprocess);
    return transferResult(await runRecording(state, layers, { [imageInputs[0].name]: tensor }, options, onProgress));
  } catch (e) {
    throw forWire(e);
  }
}

async function recordSentences(modelId: string, layers: string[], sentences: string[], options: SentenceRecordOptions = {}, onProgress?: ProgressCallback): Promise<LayerActivation[]> {
  try {
    const state = getModel(modelId);
    if (!state.tokenizer) throw new UserFacingError(`"${state.info.name}" has no tokenizer: download GPT-2 from the catalog or import a tokenizer.json with the model.`);
    if (sentences.length === 0) throw new UserFacingError('Give at least one sentence.');
    const job = startJob(options.jobId);
    const pooled = new Map<string, { dims: number[]; data: Float32Array }>();
    try {
      for (let s = 0; s < sentences.length; s++) {
        throwIfAborted(job.signal);
        const ids = state.tokenizer.encode(sentences[s]).ids;
        if (ids.length === 0) throw new UserFacingError(`Sentence ${s + 1} is empty after tokenization.`);
        const acts = await runRecording(state, layers, { input_ids: { dims: [1, ids.length], data: Int32Array.from(ids) } }, {});
        for (const a of acts) {
          // [1, T, ...rest] → [...rest] by the chosen pooling over tokens.
          const t = a.dims[1];
          const per = a.data.length / t;
          const v = new Float32Array(per);
          if (options.pooling === 'mean') {
            for (let k = 0; k < t; k++) for (let j = 0; j < per; j++) v[j] += a.data[k * per + j] / t;
          } else v.set(a.data.subarray((t - 1) * per));
          let p = pooled.get(a.layer);
          if (!p) pooled.set(a.layer, (p = { dims: [sentences.length, ...a.dims.slice(2)], data: new Float32Array(sentences.length * per) }));
          p.data.set(v, s * per);
        }
        onProgress?.({ done: s + 1, total: sentences.length, phase: 'recording sentences' });
      }
    } finally {
      job.done();
    }
    return transferResult(layers.map((layer) => ({ layer, ...pooled.get(layer)! })));
  } catch (e) {
    throw forWire(e);
  }
}

async function downloadCatalogModel(entryId: string, hubBase: string, jobId?: string, onProgress?: (p: DownloadProgress) => void): Promise<CachedModel> {
  const entry = HUB_MODELS.find((m) => m.id === entryId);
  const job = startJob(jobId);
  try {
    if (!entry) throw new UserFacingError(`"${entryId}" is not in the catalog.`);
    return await downloadModel(entry, { hubBase, cache, signal: job.signal, onProgress });
  } catch (e) {
    throw forWire(e);
  } finally {
    job.done();
  }
}

/** Import local files: one .onnx, its external data files, optionally tokenizer.json. Validated before caching. */
async function importLocalFiles(files: { name: string; data: Uint8Array }[]): Promise<CachedModel> {
  try {
    const onnxFiles = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
    if (onnxFiles.length !== 1) throw new UserFacingError(onnxFiles.length === 0 ? 'No .onnx file among the dropped files.' : 'Drop one .onnx model at a time (with its .data files and tokenizer.json).');
    const main = onnxFiles[0];
    const proto = decodeModel(main.data);
    const locations = new Set<string>();
    for (const t of proto.graph?.initializer ?? []) {
      const loc = t.externalData?.find((kv) => kv.key === 'location')?.value;
      if (loc) locations.add(loc);
    }
    const names = new Set(files.map((f) => f.name));
    const missing = [...locations].filter((l) => !names.has(l));
    if (missing.length) throw new UserFacingError(`This model keeps its weights in ${missing.join(', ')}: drop that file together with ${main.name}.`);
    const stored = [
      { path: 'model.onnx', data: main.data },
      ...files.filter((f) => locations.has(f.name)).map((f) => ({ path: f.name, data: f.data })),
      ...files.filter((f) => f.name.endsWith('tokenizer.json')).map((f) => ({ path: 'tokenizer.json', data: f.data })),
    ];
    const id = await localModelId(main.name, main.data); // content-hashed: two different model.onnx files never collide
    return await cache.put({ id, name: main.name, source: 'local import' }, stored);
  } catch (e) {
    throw forWire(e);
  }
}

const api: ModelEngineApi = {
  configure: async (p) => configure(p),
  backend,
  loadModel,
  buildBuiltinModel,
  async unloadModel(modelId) {
    const state = models.get(modelId);
    models.delete(modelId);
    await state?.session?.release();
    await state?.recorder?.recorder.dispose();
  },
  recordTensors,
  recordImages,
  recordSentences,
  async cancel(jobId) {
    jobs.get(jobId)?.abort();
  },
  downloadCatalogModel,
  importLocalFiles,
  listCache: () => cache.list(),
  deleteCached: (id) => cache.delete(id),
  clearCache: () => cache.clear(),
};

Comlink.expose(api);
