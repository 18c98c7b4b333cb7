/**
 * Brain-Score's image placement (`benchmark_helpers/screen.py`, `place_on_screen` / `ImageConverter`):
 * a stimulus shown at `sourceDegrees` is placed in a model's field of view of `targetDegrees` (Brain-Score's
 * default: 8°). ratio = target / source; the new size is round(ratio × size) (NumPy rounding, half to even).
 * - ratio ≥ 1: the image is pasted, unscaled, in the centre of a gray (PIL 'gray' = 128,128,128) canvas of
 *   the new size; top-left = round((new − old) / 2).
 * - ratio < 1: a centre crop of the new size; left/top = round((old − new) / 2).
 * The model then resizes the result to its input square with no crop (`brainscorePreprocess`).
 */
import type { RgbaImage } from './decode';
import { decodeImage } from './decode';
import { preprocessBytes, preprocessDecoded, type PreprocessSpec } from './preprocess';
import type { Placement } from '../benchmarks/types';
import { UserFacingError } from '../types';

/** NumPy's round: half to even. */
function npRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export const GRAY = 128;

export function placeOnScreen(img: RgbaImage, sourceDegrees: number, targetDegrees = 8): RgbaImage {
  if (!(sourceDegrees > 0 && targetDegrees > 0)) throw new UserFacingError('Visual degrees must be positive.');
  if (sourceDegrees === targetDegrees) return img;
  const ratio = targetDegrees / sourceDegrees;
  const w = npRound(ratio * img.width);
  const h = npRound(ratio * img.height);
  const out = new Uint8Array(w * h * 4);
  if (ratio >= 1) {
    for (let i = 0; i < w * h; i++) {
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = GRAY;
      out[i * 4 + 3] = 255;
    }
    const left = npRound((w - img.width) / 2);
    const top = npRound((h - img.height) / 2);
    for (let y = 0; y < img.height; y++) {
      const ty = y + top;
      if (ty < 0 || ty >= h) continue;
      for (let x = 0; x < img.width; x++) {
        const tx = x + left;
        if (tx < 0 || tx >= w) continue;
        const s = (y * img.width + x) * 4;
        const t = (ty * w + tx) * 4;
        out[t] = img.data[s];
        out[t + 1] = img.data[s + 1];
        out[t + 2] = img.data[s + 2];
        out[t + 3] = 255;
      }
    }
  } else {
    const left = npRound((img.width - w) / 2);
    const top = npRound((img.height - h) / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = y + top;
        const sx = x + left;
        const t = (y * w + x) * 4;
        if (sy < 0 || sy >= img.height || sx < 0 || sx >= img.width) continue; // PIL fills outside with black
        const s = (sy * img.width + sx) * 4;
        out[t] = img.data[s];
        out[t + 1] = img.data[s + 1];
        out[t + 2] = img.data[s + 2];
        out[t + 3] = 255;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Brain-Score's model input: a square resize of the placed image to the model's size, no crop. */
export function brainscorePreprocess(spec: PreprocessSpec): PreprocessSpec {
  return { ...spec, resize: 'exact', crop: 'none', resizeTo: undefined };
}

/**
 * Rounds preprocessed values back to the 8-bit pixel grid (PIL resizes 8-bit images and stores 8-bit
 * results, which Brain-Score's loader then scales and normalises): v → (round(p) · scale − mean) / std with
 * p = (v · std + mean) / scale, per channel. In place; returns `x`.
 */
export function quantise8(x: Float32Array, spec: PreprocessSpec): Float32Array {
  const channels = spec.channels === 'gray' ? 1 : 3;
  const plane = x.length / channels;
  for (let c = 0; c < channels; c++) {
    const m = spec.mean[spec.mean.length === 1 ? 0 : c];
    const s = spec.std[spec.std.length === 1 ? 0 : c];
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      const p = Math.min(255, Math.max(0, Math.round((x[i] * s + m) / spec.scale)));
      x[i] = (p * spec.scale - m) / s;
    }
  }
  return x;
}

/**
 * One encoded image → the model's input, placed as `placement` says: the model preset (`preprocessBytes`) for
 * 'center-crop'; for 'brainscore', Brain-Score's place_on_screen at the stimuli's degrees in the model's field,
 * a square resize (`brainscorePreprocess`) and the 8-bit rounding of PIL's pipeline (`quantise8`). The lab's model
 * worker and `silico score` both prepare images with this function.
 */
export function prepareImage(bytes: Uint8Array, spec: PreprocessSpec, placement?: Placement, name?: string): Float32Array {
  if (!placement || placement.mode === 'center-crop') return preprocessBytes(bytes, spec, name);
  const square = brainscorePreprocess(spec);
  const placed = placeOnScreen(decodeImage(bytes, name), placement.visualDegrees ?? placement.modelDegrees, placement.modelDegrees);
  return quantise8(preprocessDecoded(placed, square), square);
}
