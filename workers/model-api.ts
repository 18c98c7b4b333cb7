/**
 * The model worker's API as seen from the main thread (types only, shared by worker and client).
 * Everything crossing the boundary is structured-clone friendly; callbacks are comlink proxies.
 */
import type { LayerActivation, LayerInfo, Progress } from '../src/core/types';
import type { ImagePreprocessSpec, BuiltinModelId } from '../src/core/catalog/models';
import type { CachedModel } from '../src/core/store/cache';
import type { DownloadProgress } from '../src/core/download/download';
import type { Placement } from '../src/core/benchmarks/types';

export type EpPreference = 'auto' | 'webgpu' | 'wasm';
export type ExecutionProvider = 'webgpu' | 'wasm';

/** Which compute backend the worker runs on, and why. */
export interface BackendInfo {
  ep: ExecutionProvider;
  preference: EpPreference;
  /** One sentence for the status bar, e.g. "no hardware GPU found (SwiftShader is a software fallback)". */
  reason: string;
  /** WebGPU adapter description when one was found. */
  adapter?: string;
  adapterIsSoftware?: boolean;
  webgpuAvailable: boolean;
  threads: number;
  crossOriginIsolated: boolean;
}

export interface ModelInput {
  name: string;
  type: string;
  /** Numbers where fixed, symbolic names where free. */
  shape: (number | string)[];
}

export interface LoadedModel {
  id: string;
  name: string;
  ep: ExecutionProvider;
  inputs: ModelInput[];
  outputs: string[];
  layers: LayerInfo[];
  /** For built-in and catalog models: how images are turned into the input. */
  preprocess?: ImagePreprocessSpec;
  /** Language models: a tokenizer is attached. */
  hasTokenizer: boolean;
  /** SHA-256 over the model's bytes (.onnx, external data, tokenizer): what caches key on (core/store/content-hash). */
  contentHash?: string;
}

/** Bytes of a model given directly: the .onnx plus external data files and an optional tokenizer.json. */
export interface ModelBytes {
  name: string;
  model: Uint8Array;
  externalData?: { path: string; data: Uint8Array }[];
  tokenizerJson?: Uint8Array;
}

/**
 * `randomWeights`: the cached model's untrained twin (same graph, seeded Kaiming-normal weights:
 * src/core/onnx/untrained.ts), drawn in the worker so the page never stalls.
 */
export type ModelSource = { bytes: ModelBytes } | { cachedId: string; randomWeights?: { seed: number } } | { builtin: BuiltinModelId };

/** A dense input tensor; integer inputs (token ids) may come as Int32Array or plain Float32Array of integers. */
export interface InputTensor {
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface RecordOptions {
  batchSize?: number;
  /** Id to cancel the job with `cancel(jobId)`. */
  jobId?: string;
}

/** Progress callbacks are separate, last arguments: comlink only proxies top-level arguments. */
export type ProgressCallback = (p: Progress) => void;

export interface ImageRecordOptions extends RecordOptions {
  /** How the images are shown to the model (core `prepareImage`); default: the preset's centre crop. */
  placement?: Placement;
}

export interface SentenceRecordOptions extends RecordOptions {
  /** How to reduce the token axis: the last token (default, as in Schrimpf et al. 2021) or the mean. */
  pooling?: 'last' | 'mean';
}

export interface ModelEngineApi {
  /** Pick the backend (call before loading models; the WASM thread count cannot change later). */
  configure(preference: EpPreference): Promise<BackendInfo>;
  backend(): Promise<BackendInfo>;
  loadModel(source: ModelSource, options?: { ep?: EpPreference }): Promise<LoadedModel>;
  /** Built-in models; language ones use `tokenizerJson` if given, else GPT-2's tokenizer from a cached catalog download. */
  buildBuiltinModel(id: BuiltinModelId, options?: { ep?: EpPreference; tokenizerJson?: Uint8Array }): Promise<LoadedModel>;
  unloadModel(modelId: string): Promise<void>;
  /** Record layers for ready-made inputs; missing standard LM inputs (mask, positions, empty past) are filled. */
  recordTensors(modelId: string, layers: string[], inputs: Record<string, InputTensor>, options?: RecordOptions, onProgress?: ProgressCallback): Promise<LayerActivation[]>;
  /** Decode and preprocess encoded images (JPEG/PNG bytes), then record. */
  recordImages(modelId: string, layers: string[], images: ArrayBuffer[], preprocess: ImagePreprocessSpec, options?: ImageRecordOptions, onProgress?: ProgressCallback): Promise<LayerActivation[]>;
  /** Tokenize sentences with the model's tokenizer, record per-token states and pool them per sentence. */
  recordSentences(modelId: string, layers: string[], sentences: string[], options?: SentenceRecordOptions, onProgress?: ProgressCallback): Promise<LayerActivation[]>;
  cancel(jobId: string): Promise<void>;
  downloadCatalogModel(entryId: string, hubBase: string, jobId?: string, onProgress?: (p: DownloadProgress) => void): Promise<CachedModel>;
  importLocalFiles(files: { name: string; data: Uint8Array }[]): Promise<CachedModel>;
  listCache(): Promise<CachedModel[]>;
  deleteCached(id: string): Promise<void>;
  clearCache(): Promise<void>;
}

/** Errors cross the worker boundary as plain Error; this prefix marks UserFacingError messages. */
export const USER_ERROR_PREFIX = 'UserFacingError: ';
export const CANCELLED_MESSAGE = 'Cancelled';
