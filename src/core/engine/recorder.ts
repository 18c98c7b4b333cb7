/**
 * Records layer activations from an ONNX model with any onnxruntime (web in the app's worker, node in
 * tests). The model is rewritten once so that the chosen layers are graph outputs (onnx/expose.ts),
 * one session is created, and each run fetches exactly those tensors, copied into plain Float32Arrays.
 * recordBatches keeps memory bounded: each inference run takes only as many items as fit `maxRunBytes` of
 * outputs (onnxruntime-web's WASM heap only grows, and holds a run's outputs and intermediates), and every
 * run's outputs are copied straight into one preallocated array per layer, then released.
 *
 *   const rec = await Recorder.create(ort, modelBytes, { layers: ['474_quantized', 'output'] });
 *   const acts = await rec.recordBatches(images, (batch) => ({ input: batchToTensor(batch) }), { batchSize: 16 });
 *   await rec.dispose();
 */
import { exposeTensorsInModel } from '../onnx/expose';
import { hasExternalData, inlineExternalData, type ExternalDataFile } from '../onnx/external-data';
import { encodeModel } from '../onnx/proto';
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
  /** External data files the model references (e.g. model.onnx.data): their bytes are copied into the model. */
  externalData?: readonly ExternalDataFile[];
}

export interface BatchOptions {
  /** Items per progress step (and per cancellation check). */
  batchSize?: number;
  /** Upper bound on the recorded outputs of one inference run, in bytes; a batch runs as smaller runs when its
   * outputs would exceed it (default DEFAULT_MAX_RUN_BYTES). Batches run whole when an input's first dimension is
   * fixed (a fixed batch size, or past_* [2, batch, ...] of GPT-2 exports), as the batch axis is then unknown. */
  maxRunBytes?: number;
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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits, rounding to nearest even (overflow to ±Infinity, tiny values to subnormals/zero). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** 64 MiB: MobileNetV2 with all 64 layers is ~26 MiB per image, so it records 2 images per run. The WASM heap grows
 * by one run's outputs (it never shrinks): in the app, 1, 2, 3 and 4 images per run peaked at 1226, 1255, 1277 and
 * 1315 MiB for a batch of 32. Larger runs are faster on 2 threads (onnxruntime-web's per-run and per-op thread
 * overhead: 4 images per run ~10% faster than 2, one run of 32 ~30% less CPU), and a 256 MiB budget once raised the
 * peak by ~470 MiB. */
export const DEFAULT_MAX_RUN_BYTES = 64 * 2 ** 20;

/** Items one inference run may take: as many whose outputs fit `maxRunBytes`, at least 1, at most `batchSize`. */
export function itemsPerRun(batchSize: number, bytesPerItem: number, maxRunBytes: number): number {
  const fit = bytesPerItem > 0 ? Math.floor(maxRunBytes / bytesPerItem) : batchSize;
  return Math.max(1, Math.min(batchSize, fit));
}

/** Writes an output tensor's values as float32 into `target` from `offset` (fp16 given as Uint16Array bits is decoded). */
export function copyAsFloat32(t: OrtTensor, target: Float32Array, offset: number): void {
  const data = t.data;
  if (data instanceof Float32Array) {
    target.set(data, offset);
    return;
  }
  if (!ArrayBuffer.isView(data) || !('length' in data)) throw new UserFacingError(`A recorded layer has type ${t.type}, which cannot be read as numbers.`);
  const values = data as unknown as ArrayLike<number | bigint>;
  const decode = t.type === 'float16' && data instanceof Uint16Array ? (v: number | bigint) => halfToFloat(v as number) : Number;
  for (let i = 0; i < values.length; i++) target[offset + i] = decode(values[i]);
}

/**
 * Frees an array's memory now instead of at some later garbage collection: a buffer that the array alone spans is
 * detached with ArrayBuffer.prototype.transfer(0), where the runtime has it (Chromium >= 114, Node >= 21); anything
 * else (a view into a larger buffer, shared or WebAssembly memory, older runtimes) is left to the collector.
 * onnxruntime-web copies every output out of its heap into a fresh array on each run; once copied into the result
 * arrays these copies are garbage, and a worker blocked in inference collects them late (MobileNetV2 with all layers
 * left ~100 MiB of them alive at a recording's peak).
 */
export function releaseArray(data: unknown): void {
  if (!ArrayBuffer.isView(data)) return;
  const buffer = data.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  if (!(buffer instanceof ArrayBuffer) || typeof buffer.transfer !== 'function' || buffer.detached) return;
  if (data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer(0);
  } catch {
    // not detachable: the garbage collector frees it
  }
}

function elementCount(t: OrtTensor): number {
  return t.dims.reduce((a, b) => a * b, 1);
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
    if (input.type !== given && !(input.type === 'bool' && given === 'uint8') && !(input.type === 'float16' && (given === 'uint16' || given === 'float32'))) {
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
    const exposed = exposeTensorsInModel(proto, layers);
    if (hasExternalData(exposed)) inlineExternalData(exposed, options.externalData ?? []);
    const bytes = encodeModel(exposed);
    const { layers: _ignored, externalData: _inlined, ...sessionOptions } = options;
    const backend = options.executionProviders?.[0];
    try {
      const session = await ort.InferenceSession.create(bytes, sessionOptions);
      return new Recorder(ort, session, layers, modelInputs(proto), backend);
    } catch (e) {
      throw explainOrtError(e, { backend });
    } finally {
      // The runtime holds its own copy of the rewritten model now.
      releaseArray(bytes);
    }
  }

  /** The model's recorded outputs for `feeds`, as onnxruntime tensors (the caller disposes them). */
  private async infer(feeds: Feeds, signal?: AbortSignal): Promise<Record<string, OrtTensor>> {
    if (this.disposed) throw new Error('Recorder used after dispose()');
    throwIfAborted(signal);
    checkFeeds(this.inputs, feeds);
    const tensors: Record<string, OrtTensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      const input = this.inputs.find((i) => i.name === name);
      // float16 values travel as their bits in a Uint16Array (onnxruntime's convention); float32 feeds are rounded.
      if (input?.type === 'float16') {
        const bits = feed.data instanceof Uint16Array ? feed.data : Uint16Array.from(feed.data as Float32Array, floatToHalf);
        tensors[name] = new this.ort.Tensor('float16', bits, feed.dims);
      } else if (input) tensors[name] = new this.ort.Tensor(typeOf(feed.data), feed.data, feed.dims);
    }
    let results: Record<string, OrtTensor>;
    try {
      results = await this.session.run(tensors, this.layers);
    } catch (e) {
      throw explainOrtError(e, { backend: this.backend });
    } finally {
      for (const t of Object.values(tensors)) t.dispose?.();
    }
    const missing = this.layers.find((layer) => !results[layer]);
    if (missing !== undefined) {
      for (const t of Object.values(results)) t.dispose?.();
      throw new UserFacingError(`The model did not produce the layer "${missing}".`);
    }
    return results;
  }

  /** One inference run: the recorded layers, in the order given at creation. */
  async run(feeds: Feeds, signal?: AbortSignal): Promise<LayerActivation[]> {
    const results = await this.infer(feeds, signal);
    try {
      return this.layers.map((layer) => {
        const t = results[layer];
        const data = new Float32Array(elementCount(t));
        copyAsFloat32(t, data, 0);
        releaseArray(t.data);
        return { layer, dims: [...t.dims], data };
      });
    } finally {
      for (const t of Object.values(results)) t.dispose?.();
    }
  }

  /**
   * Runs `items` in batches and concatenates each layer along dim 0 (the stimulus axis).
   * `makeFeeds` turns a run's items into model inputs (a run is a batch, or part of one when its outputs would
   * exceed `maxRunBytes`: the first run then takes one item to measure them). Throws CancelledError when
   * `signal` aborts.
   */
  async recordBatches<T>(
    items: readonly T[],
    makeFeeds: (batch: T[], start: number) => Feeds | Promise<Feeds>,
    { batchSize = 16, maxRunBytes = DEFAULT_MAX_RUN_BYTES, onProgress, signal }: BatchOptions = {},
  ): Promise<LayerActivation[]> {
    if (items.length === 0) throw new UserFacingError('There are no stimuli to record.');
    const size = Math.max(1, Math.floor(batchSize));
    // A fixed first dimension (e.g. [16, 3, 32, 32]) needs the batch exactly as the caller sized it.
    const splittable = this.inputs.every((i) => !i.dims || typeof i.dims[0] !== 'number');
    let out: LayerActivation[] | undefined;
    let perItem: number[] = [];
    let perRun = splittable ? 1 : size;
    await onProgress?.({ done: 0, total: items.length, phase: 'recording' });
    for (let start = 0; start < items.length; start += size) {
      const end = Math.min(items.length, start + size);
      for (let runStart = start; runStart < end; ) {
        throwIfAborted(signal);
        const runEnd = Math.min(end, runStart + perRun);
        const results = await this.infer(await makeFeeds(items.slice(runStart, runEnd), runStart), signal);
        try {
          if (signal?.aborted) throw new CancelledError();
          if (!out) {
            const first = this.layers.map((layer) => results[layer]);
            perItem = first.map((t) => elementCount(t) / (t.dims[0] || 1));
            out = first.map((t, i) => ({ layer: this.layers[i], dims: [items.length, ...t.dims.slice(1)], data: new Float32Array(items.length * perItem[i]) }));
            if (splittable) perRun = itemsPerRun(size, 4 * perItem.reduce((a, b) => a + b, 0), maxRunBytes);
          }
          this.layers.forEach((layer, i) => {
            const t = results[layer];
            const expected = out![i].dims.slice(1);
            if (t.dims[0] !== runEnd - runStart || t.dims.length !== expected.length + 1 || t.dims.slice(1).some((d, k) => d !== expected[k])) {
              throw new UserFacingError(
                `Layer "${layer}" has shape ${formatDims(t.dims)} for items ${runStart + 1}–${runEnd}, which does not stack with ${formatDims(out![i].dims)}.`,
                'Layers whose size depends on the input (e.g. sequence length) must be recorded one item at a time.',
              );
            }
            copyAsFloat32(t, out![i].data, runStart * perItem[i]);
            // Drop onnxruntime's copy now: only one run's outputs are alive besides the result arrays.
            releaseArray(t.data);
            t.dispose?.();
          });
        } finally {
          for (const t of Object.values(results)) t.dispose?.();
        }
        runStart = runEnd;
      }
      // Awaited (a worker's progress callback is a round trip to the page): a cancel made in the callback is seen
      // before the next batch starts, so cancelling at a given progress step stops at that step on any machine.
      await onProgress?.({ done: end, total: items.length, phase: 'recording' });
      if (end < items.length) throwIfAborted(signal);
    }
    return out!;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
