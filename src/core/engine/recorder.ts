/**
 * Records layer activations from an ONNX model with any onnxruntime (web in the app's worker, node in
 * tests). The model is rewritten once so that the chosen layers are graph outputs (onnx/expose.ts),
 * one session is created, and each run fetches exactly those tensors, copied into plain Float32Arrays.
 *
 *   const rec = await Recorder.create(ort, modelBytes, { layers: ['474_quantized', 'output'] });
 *   const acts = await rec.recordBatches(images, (batch) => ({ input: batchToTensor(batch) }), { batchSize: 16 });
 *   await rec.dispose();
 */
import { exposeTensors } from '../onnx/expose';
import { decodeModel, modelInputs, type IModelProto, type TensorSignature } from '../onnx/proto';
import { CancelledError, UserFacingError, throwIfAborted, type LayerActivation, type ProgressFn } from '../types';
import { explainOrtError } from './errors';
import type { OrtModule, OrtSession, OrtSessionOptions, OrtTensor, OrtTensorData, OrtTensorType } from './ort';

/** A model input as plain data: the tensor type follows from the array type. */
export interface Feed {
  data: OrtTensorData;
  dims: readonly number[];
}
export type Feeds = Record<string, Feed>;

export interface RecorderOptions extends OrtSessionOptions {
  /** Tensor names to record (LayerInfo.tensor); graph outputs may be listed too. */
  layers: readonly string[];
}

export interface BatchOptions {
  batchSize?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

function typeOf(data: OrtTensorData): OrtTensorType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  return 'uint64';
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A copy of an output tensor's values as float32 (fp16 given as Uint16Array bits is decoded). */
function toFloat32(t: OrtTensor): Float32Array {
  const data = t.data;
  if (data instanceof Float32Array) return data.slice();
  if (t.type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (ArrayBuffer.isView(data) && 'length' in data) return Float32Array.from(data as unknown as ArrayLike<number | bigint>, Number);
  throw new UserFacingError(`A recorded layer has type ${t.type}, which cannot be read as numbers.`);
}

function formatDims(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => d ?? '?').join(', ')}]`;
}

/** Compares feeds with the model's declared inputs; explains the first mismatch. */
export function checkFeeds(inputs: readonly TensorSignature[], feeds: Feeds): void {
  for (const input of inputs) {
    const feed = feeds[input.name];
    if (!feed) throw new UserFacingError(`The model needs an input called "${input.name}", which was not given.`);
    const given = typeOf(feed.data);
    if (input.type !== given && !(input.type === 'bool' && given === 'uint8')) {
      throw new UserFacingError(`The model's input "${input.name}" expects ${input.type} values but was given ${given}.`);
    }
    const count = feed.dims.reduce((a, b) => a * b, 1);
    if (count !== feed.data.length) {
      throw new UserFacingError(`Input "${input.name}": shape ${formatDims(feed.dims)} needs ${count} values but ${feed.data.length} were given.`);
    }
    if (!input.dims) continue;
    const fits = input.dims.length === feed.dims.length && input.dims.every((d, i) => typeof d !== 'number' || d === feed.dims[i]);
    if (!fits) {
      throw new UserFacingError(
        `The model's input "${input.name}" expects shape ${formatDims(input.dims)} but was given ${formatDims(feed.dims)}.`,
        'Check the image size, channels and layout in the preprocessing settings.',
      );
    }
  }
}

export class Recorder {
  private disposed = false;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly layers: readonly string[],
    readonly inputs: readonly TensorSignature[],
    private readonly backend: string | undefined,
  ) {}

  /** Rewrites the model to expose `options.layers` and opens one session on it. */
  static async create(ort: OrtModule, model: Uint8Array | IModelProto, options: RecorderOptions): Promise<Recorder> {
    const proto = model instanceof Uint8Array ? decodeModel(model) : model;
    if (options.layers.length === 0) throw new UserFacingError('Choose at least one layer to record.');
    const layers = [...new Set(options.layers)];
    const bytes = exposeTensors(proto, layers);
    const { layers: _ignored, ...sessionOptions } = options;
    const backend = options.executionProviders?.[0];
    try {
      const session = await ort.InferenceSession.create(bytes, sessionOptions);
      return new Recorder(ort, session, layers, modelInputs(proto), backend);
    } catch (e) {
      throw explainOrtError(e, { backend });
    }
  }

  /** One inference run: the recorded layers, in the order given at creation. */
  async run(feeds: Feeds, signal?: AbortSignal): Promise<LayerActivation[]> {
    if (this.disposed) throw new Error('Recorder used after dispose()');
    throwIfAborted(signal);
    checkFeeds(this.inputs, feeds);
    const tensors: Record<string, OrtTensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      if (this.inputs.some((i) => i.name === name)) tensors[name] = new this.ort.Tensor(typeOf(feed.data), feed.data, feed.dims);
    }
    let results: Record<string, OrtTensor>;
    try {
      results = await this.session.run(tensors, this.layers);
    } catch (e) {
      throw explainOrtError(e, { backend: this.backend });
    } finally {
      for (const t of Object.values(tensors)) t.dispose?.();
    }
    try {
      return this.layers.map((layer) => {
        const t = results[layer];
        if (!t) throw new UserFacingError(`The model did not produce the layer "${layer}".`);
        return { layer, dims: [...t.dims], data: toFloat32(t) };
      });
    } finally {
      for (const t of Object.values(results)) t.dispose?.();
    }
  }

  /**
   * Runs `items` in batches and concatenates each layer along dim 0 (the stimulus axis).
   * `makeFeeds` turns a batch of items into model inputs. Throws CancelledError when `signal` aborts.
   */
  async recordBatches<T>(
    items: readonly T[],
    makeFeeds: (batch: T[], start: number) => Feeds | Promise<Feeds>,
    { batchSize = 16, onProgress, signal }: BatchOptions = {},
  ): Promise<LayerActivation[]> {
    if (items.length === 0) throw new UserFacingError('There are no stimuli to record.');
    const size = Math.max(1, Math.floor(batchSize));
    let out: LayerActivation[] | undefined;
    let perItem: number[] = [];
    onProgress?.({ done: 0, total: items.length, phase: 'recording' });
    for (let start = 0; start < items.length; start += size) {
      throwIfAborted(signal);
      const batch = items.slice(start, start + size);
      const acts = await this.run(await makeFeeds(batch, start), signal);
      if (signal?.aborted) throw new CancelledError();
      if (!out) {
        perItem = acts.map((a) => a.data.length / (a.dims[0] || 1));
        out = acts.map((a, i) => ({ layer: a.layer, dims: [items.length, ...a.dims.slice(1)], data: new Float32Array(items.length * perItem[i]) }));
      }
      acts.forEach((a, i) => {
        const expected = out![i].dims.slice(1);
        if (a.dims[0] !== batch.length || a.dims.slice(1).some((d, k) => d !== expected[k]) || a.dims.length !== expected.length + 1) {
          throw new UserFacingError(
            `Layer "${a.layer}" has shape ${formatDims(a.dims)} for items ${start + 1}–${start + batch.length}, which does not stack with ${formatDims(out![i].dims)}.`,
            'Layers whose size depends on the input (e.g. sequence length) must be recorded one item at a time.',
          );
        }
        out![i].data.set(a.data, start * perItem[i]);
      });
      onProgress?.({ done: start + batch.length, total: items.length, phase: 'recording' });
    }
    return out!;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
