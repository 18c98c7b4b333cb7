/**
 * Stimuli of the Afraz et al. (2006) face-detection task, as packaged for Brain-Score: grayscale images shrunk to
 * 64 px; "visual signal" s% means a random (1 − s/100) fraction of the pixels is replaced by uniform random gray
 * (0–255), the rest keep the image. Signal levels 0, 15, 25, 40, 50, 80 %. Everything is seeded.
 * The 64-px image is then scaled up to the model's input size and normalised like ImageNet training data
 * (core/image/preprocess.ts).
 */
import { UserFacingError, type FloatTensor } from '../types';
import { batchToTensor, imagenetSpec, preprocessImage, type PreprocessSpec } from '../image/preprocess';
import { seededRng, type Rng } from './random';

export const AFRAZ_SIGNAL_LEVELS = [0, 15, 25, 40, 50, 80] as const;
export const AFRAZ_IMAGE_SIZE = 64;

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit gray levels. */
  data: Uint8Array;
}

/** Area-average (box) resampling for shrinking, bilinear for enlarging; square or not. */
export function resizeGray(image: GrayImage, width: number, height: number): GrayImage {
  const { width: w, height: h, data } = image;
  if (data.length !== w * h) throw new UserFacingError(`Gray image has ${data.length} pixels, expected ${w} x ${h}.`);
  const out = new Uint8Array(width * height);
  const sx = w / width;
  const sy = h / height;
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      let v: number;
      if (sx >= 1 && sy >= 1) {
        const x0 = Math.floor(ox * sx);
        const x1 = Math.max(x0 + 1, Math.floor((ox + 1) * sx));
        const y0 = Math.floor(oy * sy);
        const y1 = Math.max(y0 + 1, Math.floor((oy + 1) * sy));
        let s = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += data[y * w + x];
        v = s / ((x1 - x0) * (y1 - y0));
      } else {
        const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), w - 1);
        const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), h - 1);
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const x1 = Math.min(x0 + 1, w - 1);
        const y1 = Math.min(y0 + 1, h - 1);
        const ax = fx - x0;
        const ay = fy - y0;
        v =
          (1 - ay) * ((1 - ax) * data[y0 * w + x0] + ax * data[y0 * w + x1]) +
          ay * ((1 - ax) * data[y1 * w + x0] + ax * data[y1 * w + x1]);
      }
      out[oy * width + ox] = Math.round(v);
    }
  }
  return { width, height, data: out };
}

/** Replaces a random (1 − signal/100) fraction of pixels (exact count, rounded) with uniform random gray. */
export function addVisualNoise(image: GrayImage, signalPercent: number, rng: Rng): GrayImage {
  if (!(signalPercent >= 0 && signalPercent <= 100)) throw new UserFacingError(`Signal level must be within 0–100 % (got ${signalPercent}).`);
  const n = image.data.length;
  const replace = Math.round((1 - signalPercent / 100) * n);
  const data = Uint8Array.from(image.data);
  const index = Int32Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < replace; k++) {
    // Partial Fisher–Yates: the first `replace` entries become a uniform random subset.
    const j = k + Math.floor(rng() * (n - k));
    const t = index[k];
    index[k] = index[j];
    index[j] = t;
    data[index[k]] = Math.floor(rng() * 256);
  }
  return { width: image.width, height: image.height, data };
}

/** One trial image: shrink to 64 px, then add noise at the given signal level. */
export function afrazStimulus(image: GrayImage, signalPercent: number, rng: Rng): GrayImage {
  const small = image.width === AFRAZ_IMAGE_SIZE && image.height === AFRAZ_IMAGE_SIZE ? image : resizeGray(image, AFRAZ_IMAGE_SIZE, AFRAZ_IMAGE_SIZE);
  return addVisualNoise(small, signalPercent, rng);
}

export interface TaskTrial {
  /** Index of the source image. */
  source: number;
  /** Which noise draw of this image and level (0 … repeats − 1). */
  repeat?: number;
  isFace: boolean;
  signalPercent: number;
  image: GrayImage;
}

/**
 * Every source image at every signal level, `repeats` independent noise draws each, from one seeded stream
 * (order: repeat, level, image; repeat 0 is the same as a single-draw call with the same seed).
 */
export function afrazTrials(images: GrayImage[], isFace: ArrayLike<boolean>, seed: number, levels: readonly number[] = AFRAZ_SIGNAL_LEVELS, repeats = 1): TaskTrial[] {
  if (images.length !== isFace.length) throw new UserFacingError(`Got ${isFace.length} labels for ${images.length} images.`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new UserFacingError(`Noise draws per image must be a whole number ≥ 1 (got ${repeats}).`);
  const rng = seededRng(seed);
  const trials: TaskTrial[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const level of levels) {
      images.forEach((img, i) => trials.push({ source: i, repeat, isFace: isFace[i], signalPercent: level, image: afrazStimulus(img, level, rng) }));
    }
  }
  return trials;
}

/**
 * Images in the task's format at full signal (64 px gray, no noise): the localizer that measures face selectivity
 * is shown like the task images, so selectivity and behaviour are measured on the same kind of image.
 */
export function taskFormatImages(images: GrayImage[]): GrayImage[] {
  return images.map((img) => (img.width === AFRAZ_IMAGE_SIZE && img.height === AFRAZ_IMAGE_SIZE ? img : resizeGray(img, AFRAZ_IMAGE_SIZE, AFRAZ_IMAGE_SIZE)));
}

/** Gray images → model input [N, 3, size, size]: bilinear resize, gray in R, G, B, /255, ImageNet mean/std. */
export function grayToModelInput(images: GrayImage[], size = 224): FloatTensor {
  const spec: PreprocessSpec = { ...imagenetSpec, size: [size, size], resize: 'exact', crop: 'none', channels: 'gray3' };
  return batchToTensor(
    images.map((img) => {
      const rgba = new Uint8Array(img.data.length * 4);
      for (let k = 0; k < img.data.length; k++) rgba.fill(img.data[k], 4 * k, 4 * k + 3);
      return preprocessImage(rgba, img.width, img.height, spec);
    }),
    spec,
  );
}
