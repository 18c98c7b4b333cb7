/**
 * Image preprocessing for vision models: resize, crop, channel conversion and normalization into a
 * float CHW array, then stacking into an NCHW batch.
 *
 * Geometry follows torchvision's Resize(int) + CenterCrop: the shorter side is scaled to `resizeTo`
 * (the longer side is floor(resizeTo * long / short)), then a centered crop (offsets rounded half to
 * even, like Python's round) of `size` is taken. Resampling is bilinear with half-pixel centers
 * (align_corners=False, edge pixels clamped), WITHOUT antialiasing: strong downscaling aliases
 * somewhat more than PIL's filter, an accepted difference. Pixels are interpolated as floats (no
 * rounding back to 8 bit). Alpha is ignored (images are treated as opaque).
 * Gray uses ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's "L" mode); since it is linear,
 * converting before or after resizing gives the same result.
 * Output value = (pixel * scale - mean[c]) / std[c]; mean/std of length 1 apply to all channels.
 */
import type { FloatTensor } from '../types';
import { UserFacingError } from '../types';
import { decodeImage, type RgbaImage } from './decode';

export interface PreprocessSpec {
  /** Output [height, width]. */
  size: [number, number];
  /** 'shorter-side': keep aspect ratio, shorter side → resizeTo (default max(size)); 'exact': stretch to size. */
  resize: 'shorter-side' | 'exact';
  resizeTo?: number;
  crop: 'center' | 'none';
  /** 'gray' gives 1 channel, 'gray3' the gray value in 3 channels. */
  channels: 'rgb' | 'gray' | 'gray3';
  /** Multiplies 0..255 pixel values first, e.g. 1/255. */
  scale: number;
  mean: number[];
  std: number[];
  layout: 'nchw';
}

/** ImageNet models (MobileNetV2, ResNet...): 256 shorter side, 224 center crop, /255, ImageNet mean/std. */
export const imagenetSpec: PreprocessSpec = {
  size: [224, 224],
  resize: 'shorter-side',
  resizeTo: 256,
  crop: 'center',
  channels: 'rgb',
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  layout: 'nchw',
};

export function channelCount(spec: PreprocessSpec): number {
  return spec.channels === 'gray' ? 1 : 3;
}

/** Dims of one preprocessed image: [C, H, W]. */
export function preprocessedDims(spec: PreprocessSpec): [number, number, number] {
  return [channelCount(spec), spec.size[0], spec.size[1]];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function validateSpec(spec: PreprocessSpec): void {
  const [h, w] = spec.size;
  const c = channelCount(spec);
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new UserFacingError(`Image size must be two positive whole numbers, got [${spec.size}].`);
  for (const [name, v] of [['mean', spec.mean], ['std', spec.std]] as const) {
    if (v.length !== 1 && v.length !== c) throw new UserFacingError(`Preprocessing ${name} needs 1 or ${c} values for ${spec.channels} images, got ${v.length}.`);
  }
  if (spec.std.some((s) => !(s > 0))) throw new UserFacingError('Preprocessing std values must be positive.');
  if (!(spec.scale > 0)) throw new UserFacingError('Preprocessing scale must be positive.');
  if (spec.resize === 'shorter-side') {
    if (spec.crop !== 'center') throw new UserFacingError('Resizing by the shorter side needs a center crop to give a fixed size.');
    if (spec.resizeTo !== undefined && spec.resizeTo < Math.max(h, w)) {
      throw new UserFacingError(`Resize target ${spec.resizeTo} is smaller than the crop ${h}x${w}.`);
    }
  }
  if (spec.layout !== 'nchw') throw new UserFacingError(`Layout ${String(spec.layout)} is not supported (only NCHW).`);
}

/** Source coordinate (clamped) and weight for each output index along one axis. */
function axisSamples(outCount: number, offset: number, resized: number, source: number) {
  const i0 = new Int32Array(outCount);
  const i1 = new Int32Array(outCount);
  const t = new Float32Array(outCount);
  const ratio = source / resized;
  for (let k = 0; k < outCount; k++) {
    const s = Math.min(Math.max((k + offset + 0.5) * ratio - 0.5, 0), source - 1);
    const lo = Math.floor(s);
    i0[k] = lo;
    i1[k] = Math.min(lo + 1, source - 1);
    t[k] = s - lo;
  }
  return { i0, i1, t };
}

/** RGBA 8-bit pixels → normalized float array, [C, H, W] (C = 1 for 'gray', else 3). */
export function preprocessImage(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, spec: PreprocessSpec): Float32Array {
  validateSpec(spec);
  if (!(width > 0 && height > 0) || rgba.length < width * height * 4) {
    throw new UserFacingError(`Image data does not match its size ${width}x${height}.`);
  }
  const [outH, outW] = spec.size;
  let resizedH = outH;
  let resizedW = outW;
  if (spec.resize === 'shorter-side') {
    const short = spec.resizeTo ?? Math.max(outH, outW);
    if (width <= height) {
      resizedW = short;
      resizedH = Math.floor((short * height) / width);
    } else {
      resizedH = short;
      resizedW = Math.floor((short * width) / height);
    }
  }
  const top = spec.crop === 'center' ? roundHalfEven((resizedH - outH) / 2) : 0;
  const left = spec.crop === 'center' ? roundHalfEven((resizedW - outW) / 2) : 0;
  const ys = axisSamples(outH, top, resizedH, height);
  const xs = axisSamples(outW, left, resizedW, width);

  const channels = channelCount(spec);
  const plane = outH * outW;
  const out = new Float32Array(channels * plane);
  const mean = (c: number) => spec.mean[spec.mean.length === 1 ? 0 : c];
  const std = (c: number) => spec.std[spec.std.length === 1 ? 0 : c];
  const rgb = new Float64Array(3);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y] * width;
    const r1 = ys.i1[y] * width;
    const ty = ys.t[y];
    for (let x = 0; x < outW; x++) {
      const c0 = xs.i0[x];
      const c1 = xs.i1[x];
      const tx = xs.t[x];
      for (let c = 0; c < 3; c++) {
        const a = rgba[(r0 + c0) * 4 + c];
        const b = rgba[(r0 + c1) * 4 + c];
        const d = rgba[(r1 + c0) * 4 + c];
        const e = rgba[(r1 + c1) * 4 + c];
        rgb[c] = (a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty;
      }
      const p = y * outW + x;
      if (spec.channels === 'rgb') {
        for (let c = 0; c < 3; c++) out[c * plane + p] = (rgb[c] * spec.scale - mean(c)) / std(c);
      } else {
        const gray = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) * spec.scale;
        for (let c = 0; c < channels; c++) out[c * plane + p] = (gray - mean(c)) / std(c);
      }
    }
  }
  return out;
}

export function preprocessDecoded(img: RgbaImage, spec: PreprocessSpec): Float32Array {
  return preprocessImage(img.data, img.width, img.height, spec);
}

/** Decode PNG/JPEG bytes and preprocess them (in browsers and workers after `await loadImageCodecs()`). */
export function preprocessBytes(bytes: Uint8Array, spec: PreprocessSpec, name?: string): Float32Array {
  return preprocessDecoded(decodeImage(bytes, name), spec);
}

/** Stacks preprocessed images ([C, H, W] each, per `spec`) into one NCHW tensor. */
export function batchToTensor(images: readonly Float32Array[], spec: PreprocessSpec): FloatTensor {
  const dims = preprocessedDims(spec);
  const per = dims[0] * dims[1] * dims[2];
  if (images.length === 0) throw new UserFacingError('No images to stack into a batch.');
  const data = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    if (img.length !== per) throw new UserFacingError(`Image ${i + 1} has ${img.length} values, expected ${per} (${dims.join('x')}).`);
    data.set(img, i * per);
  });
  return { dims: [images.length, ...dims], data };
}
