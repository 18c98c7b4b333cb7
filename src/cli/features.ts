/**
 * Recording with per-batch feature reduction, so whole image sets × all layers fit in memory.
 *
 * Reduction (documented in docs/results.md): a 4-D activation [N, C, H, W] whose C·H·W exceeds
 * `maxFeatures` is average-pooled over space into a g×g grid per channel (adaptive average pooling, bins
 * as torch's adaptive_avg_pool2d), with g the largest grid such that C·g² ≤ maxFeatures (g ≥ 1: a layer
 * with more channels than maxFeatures keeps C global averages). Other ranks are flattened unchanged.
 * Pooling is per image, so it is the same whatever the batch size.
 */
import { UserFacingError, throwIfAborted, type LayerActivation, type LayerInfo, type ProgressFn } from '../core/types';
import { Recorder, type OrtModule } from '../core/engine';
import { batchToTensor, preprocessBytes, type PreprocessSpec } from '../core/image';
import type { NamedBytes, VisionModel } from './inputs';
import { integerOption, type ParsedOptions } from './args';

export interface ReducedLayer extends LayerActivation {
  /** How the layer was reduced, e.g. "avgpool 4×4 (32×112×112 → 512)" or "none". */
  reduction: string;
  /** Dims of one stimulus before reduction. */
  originalDims: number[];
}

/** Output grid side for a [C, H, W] layer under a feature budget (H when no pooling is needed). */
export function poolGrid(c: number, h: number, w: number, maxFeatures: number): number {
  if (c * h * w <= maxFeatures) return Math.max(h, w);
  return Math.max(1, Math.min(h, w, Math.floor(Math.sqrt(maxFeatures / c))));
}

/** Adaptive average pooling of [N, C, H, W] to [N, C, g, g]. */
export function adaptiveAvgPool(data: Float32Array, n: number, c: number, h: number, w: number, g: number): Float32Array {
  const out = new Float32Array(n * c * g * g);
  const rowStart = (i: number, size: number) => Math.floor((i * size) / g);
  const rowEnd = (i: number, size: number) => Math.ceil(((i + 1) * size) / g);
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (img * c + ch) * h * w;
      const dst = (img * c + ch) * g * g;
      for (let gy = 0; gy < g; gy++) {
        const y0 = rowStart(gy, h);
        const y1 = rowEnd(gy, h);
        for (let gx = 0; gx < g; gx++) {
          const x0 = rowStart(gx, w);
          const x1 = rowEnd(gx, w);
          let s = 0;
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += data[src + y * w + x];
          out[dst + gy * g + gx] = s / ((y1 - y0) * (x1 - x0));
        }
      }
    }
  }
  return out;
}

/** Reduces one batch of a layer to at most `maxFeatures` per stimulus (see the module comment). */
export function reduceActivation(a: LayerActivation, maxFeatures: number | undefined): ReducedLayer {
  const perItem = a.dims.slice(1);
  const features = perItem.reduce((x, y) => x * y, 1);
  if (maxFeatures === undefined || features <= maxFeatures || a.dims.length !== 4) {
    return { ...a, reduction: 'none', originalDims: perItem };
  }
  const [n, c, h, w] = a.dims;
  const g = poolGrid(c, h, w, maxFeatures);
  return {
    layer: a.layer,
    dims: [n, c, g, g],
    data: adaptiveAvgPool(a.data, n, c, h, w, g),
    reduction: `avgpool ${g}×${g} (${perItem.join('×')} → ${c * g * g})`,
    originalDims: perItem,
  };
}

export interface RecordImagesOptions {
  layers: readonly string[];
  preprocess: PreprocessSpec;
  batchSize?: number;
  /** Feature budget per layer and stimulus; undefined keeps layers whole. */
  maxFeatures?: number;
  threads?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** Decode + preprocess one image (default: preprocessBytes with `preprocess`), e.g. Brain-Score placement. */
  prepare?: (img: NamedBytes) => Float32Array;
}

/** Recording options from the flags `record` and `score` share (--batch, --max-features, --threads). */
export function recordingFlags(options: ParsedOptions, model: VisionModel, layers: readonly LayerInfo[], onProgress: ProgressFn, signal?: AbortSignal): RecordImagesOptions {
  return {
    layers: layers.map((l) => l.tensor),
    preprocess: model.preprocess,
    batchSize: integerOption(options, 'batch'),
    maxFeatures: integerOption(options, 'max-features'),
    threads: integerOption(options, 'threads'),
    onProgress,
    signal,
  };
}

/**
 * Records `layers` for every image with one Recorder session, decoding and preprocessing one batch at a
 * time and reducing each batch right away. Returns the layers in the order asked, stacked over images.
 */
export async function recordImages(ort: OrtModule, model: Uint8Array, images: readonly NamedBytes[], o: RecordImagesOptions): Promise<ReducedLayer[]> {
  if (!images.length) throw new UserFacingError('There are no images to record.');
  const sessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(o.threads ? { intraOpNumThreads: o.threads } : {}) } as const;
  const recorder = await Recorder.create(ort, model, { layers: o.layers, ...sessionOptions });
  const batchSize = Math.max(1, o.batchSize ?? 16);
  let out: ReducedLayer[] | undefined;
  try {
    o.onProgress?.({ done: 0, total: images.length, phase: 'recording' });
    for (let start = 0; start < images.length; start += batchSize) {
      throwIfAborted(o.signal);
      const batch = images.slice(start, start + batchSize);
      const tensor = batchToTensor(batch.map((img) => (o.prepare ? o.prepare(img) : preprocessBytes(img.bytes, o.preprocess, img.name))), o.preprocess);
      const inputName = recorder.inputs[0]?.name;
      if (!inputName) throw new UserFacingError('The model has no input.');
      const acts = (await recorder.run({ [inputName]: tensor }, o.signal)).map((a) => reduceActivation(a, o.maxFeatures));
      if (!out) {
        out = acts.map((a) => ({ ...a, dims: [images.length, ...a.dims.slice(1)], data: new Float32Array(images.length * (a.data.length / batch.length)) }));
      }
      acts.forEach((a, i) => out![i].data.set(a.data, start * (a.data.length / batch.length)));
      o.onProgress?.({ done: start + batch.length, total: images.length, phase: 'recording' });
    }
  } finally {
    await recorder.dispose();
  }
  return out!;
}
