/**
 * HMAX: a classic feedforward model of the ventral stream (V1 → IT), built as an ONNX graph in code
 * with standard operators only (Conv, Abs, MaxPool, Reshape, ReduceMax, Mul, Add, Sqrt, Div), so it runs
 * in onnxruntime web (WASM/WebGPU) and node like any other model, and is recorded the same way.
 *
 * References: Riesenhuber & Poggio (1999) Nat Neurosci 2:1019 "Hierarchical models of object recognition
 * in cortex"; Serre, Wolf, Bileschi, Riesenhuber & Poggio (2007) IEEE PAMI 29:411 "Robust object
 * recognition with cortex-like mechanisms"; Mutch & Lowe (2008) IJCV 80:45 (sparse S2 features).
 *
 * Construction (input [N, 1, H, W], grayscale in [0, 1], default 128 x 128):
 *  S1 (simple cells, V1): Gabor filters at 4 orientations x 2 scales per band, `bands` bands (default 4,
 *     filter sizes 7,9 | 11,13 | 15,17 | 19,21 px with Serre et al.'s Table 1 σ and λ, aspect γ = 0.3).
 *     Each filter is zero-mean and unit-norm, zero-padded to the largest size; response = |conv|
 *     (rectified, no local normalization). Tensor "S1": [N, bands*2*4, H, W], channel = scale*4 + orientation.
 *  C1 (complex cells, V1/V2): max over the two scales of a band and over 8x8 positions, stride 4
 *     (Serre grows the pool with the band, 8..14; we keep 8 for all bands so C1 is one tensor).
 *     Tensor "C1": [N, bands*4, H/4, W/4], channel = band*4 + orientation.
 *  S2 (V4): template matching of every n x n x 4 C1 patch (default n = 4) of each band against
 *     `prototypes` fixed templates, as a normalized dot product (cosine similarity, in [0, 1] here), the
 *     normalization variant of S units (Kouh & Poggio 2008) — no RBF width to tune. Templates are not
 *     imprinted from natural images (we ship none); they are deterministic seeded sparse templates in the
 *     style of Mutch & Lowe: one orientation per position, random weight in [0.5, 1]. Tensor "S2":
 *     [N, bands*P, H/4-n+1, W/4-n+1], channel = band*P + prototype.
 *  C2 (IT): max over all positions and bands. Tensor "C2": [N, P], the model output.
 * Orientation k means bars at HMAX_ORIENTATIONS_DEG[k] degrees from horizontal (0 = horizontal bars,
 * 90 = vertical bars).
 */
import type { PreprocessSpec } from '../image/preprocess';
import { mulberry32 } from '../random';
import { GraphBuilder } from './builder';
import { LAYERS_METADATA_KEY } from './layers';
import { onnx } from './proto';

export const HMAX_ORIENTATIONS_DEG = [0, 45, 90, 135] as const;

/** Serre et al. 2007, Table 1: filter size → (σ, λ). */
const S1_TABLE: [size: number, sigma: number, lambda: number][] = [
  [7, 2.8, 3.5], [9, 3.6, 4.6], [11, 4.5, 5.6], [13, 5.4, 6.8],
  [15, 6.3, 7.9], [17, 7.3, 9.1], [19, 8.2, 10.3], [21, 9.2, 11.5],
];

export interface HmaxOptions {
  /** Input height and width in pixels (multiple of 4). Default 128. */
  size?: number;
  /** Scale bands, 1..4. Default 4. */
  bands?: number;
  /** Number of S2 templates (= C2 features). Default 64. */
  prototypes?: number;
  /** S2 template width in C1 units. Default 4. */
  patchSize?: number;
  /** Seed of the template generator. Default 1. */
  seed?: number;
}

export interface HmaxShapes {
  S1: number[];
  C1: number[];
  S2: number[];
  C2: number[];
}

function resolve(opts: HmaxOptions) {
  const size = opts.size ?? 128;
  const bands = opts.bands ?? 4;
  const prototypes = opts.prototypes ?? 64;
  const patchSize = opts.patchSize ?? 4;
  if (!(Number.isInteger(size) && size >= 32 && size % 4 === 0)) throw new Error('HMAX size must be a multiple of 4, at least 32');
  if (!(Number.isInteger(bands) && bands >= 1 && bands <= 4)) throw new Error('HMAX bands must be 1..4');
  if (!(Number.isInteger(patchSize) && patchSize >= 1 && patchSize <= size / 4)) throw new Error('HMAX patchSize out of range');
  return { size, bands, prototypes, patchSize, seed: opts.seed ?? 1 };
}

/** Shapes of the named tensors; -1 marks the batch dimension. */
export function hmaxShapes(opts: HmaxOptions = {}): HmaxShapes {
  const { size, bands, prototypes, patchSize } = resolve(opts);
  const c1 = size / 4;
  const s2 = c1 - patchSize + 1;
  return { S1: [-1, bands * 8, size, size], C1: [-1, bands * 4, c1, c1], S2: [-1, bands * prototypes, s2, s2], C2: [-1, prototypes] };
}

/** Gabor filter (zero mean, unit L2 norm) of `size` px for bars at `barDeg` degrees, in a k x k kernel. */
export function gaborKernel(size: number, sigma: number, lambda: number, barDeg: number, k: number): Float32Array {
  const theta = ((barDeg + 90) * Math.PI) / 180; // carrier direction is perpendicular to the bars
  const gamma = 0.3;
  const half = (size - 1) / 2;
  const vals: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - half;
      const dy = y - half;
      const X = dx * Math.cos(theta) + dy * Math.sin(theta);
      const Y = -dx * Math.sin(theta) + dy * Math.cos(theta);
      vals.push(Math.exp(-(X * X + gamma * gamma * Y * Y) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * X) / lambda));
    }
  }
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const centered = vals.map((v) => v - mean);
  const norm = Math.sqrt(centered.reduce((a, b) => a + b * b, 0));
  const out = new Float32Array(k * k);
  const off = (k - size) / 2;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[(y + off) * k + x + off] = centered[y * size + x] / norm;
  return out;
}

/** Sparse unit-norm S2 templates: [P, 4, n, n], one orientation per position. */
export function hmaxTemplates(prototypes: number, patchSize: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const per = 4 * patchSize * patchSize;
  const out = new Float32Array(prototypes * per);
  for (let p = 0; p < prototypes; p++) {
    let sq = 0;
    for (let i = 0; i < patchSize * patchSize; i++) {
      const o = Math.floor(rand() * 4);
      const w = 0.5 + 0.5 * rand();
      out[p * per + o * patchSize * patchSize + i] = w;
      sq += w * w;
    }
    const norm = Math.sqrt(sq);
    for (let j = 0; j < per; j++) out[p * per + j] /= norm;
  }
  return out;
}

/** Builds the HMAX model; returns ONNX bytes. Input "image" [N, 1, size, size]; output "C2" [N, prototypes]. */
export function buildHmaxModel(opts: HmaxOptions = {}): Uint8Array {
  const { size, bands, prototypes: P, patchSize: n, seed } = resolve(opts);
  const scales = bands * 2;
  const k = S1_TABLE[scales - 1][0];
  const g = new GraphBuilder('hmax');
  const image = g.input('image', ['N', 1, size, size]);

  const s1Weights = new Float32Array(scales * 4 * k * k);
  for (let s = 0; s < scales; s++) {
    const [fs, sigma, lambda] = S1_TABLE[s];
    HMAX_ORIENTATIONS_DEG.forEach((deg, o) => s1Weights.set(gaborKernel(fs, sigma, lambda, deg, k), (s * 4 + o) * k * k));
  }
  const pad = (k - 1) / 2;
  const s1Linear = g.node('Conv', [image, g.floats('s1_gabor', [scales * 4, 1, k, k], s1Weights)], 's1_linear', { pads: [pad, pad, pad, pad] });
  const s1 = g.node('Abs', [s1Linear], 'S1');

  const c1Size = size / 4;
  const pooled = g.node('MaxPool', [s1], 'c1_pooled', { kernel_shape: [8, 8], strides: [4, 4], pads: [2, 2, 2, 2] });
  const byScale = g.node('Reshape', [pooled, g.int64s('c1_split_shape', [0, bands, 2, 4, c1Size, c1Size])], 'c1_by_scale');
  const bandMax = g.node('ReduceMax', [byScale], 'c1_band_max', { axes: [2], keepdims: 0 });
  const c1 = g.node('Reshape', [bandMax, g.int64s('c1_shape', [0, bands * 4, c1Size, c1Size])], 'C1');

  const templates = hmaxTemplates(P, n, seed);
  const s2Weights = new Float32Array(bands * P * 4 * n * n);
  for (let b = 0; b < bands; b++) s2Weights.set(templates, b * templates.length);
  const dot = g.node('Conv', [c1, g.floats('s2_templates', [bands * P, 4, n, n], s2Weights)], 's2_dot', { group: bands });
  const c1Squared = g.node('Mul', [c1, c1], 'c1_squared');
  const patchEnergy = g.node('Conv', [c1Squared, g.floats('s2_ones', [bands * P, 4, n, n], new Float32Array(bands * P * 4 * n * n).fill(1))], 's2_patch_energy', { group: bands });
  const patchNorm = g.node('Sqrt', [g.node('Add', [patchEnergy, g.floats('s2_eps', [], [1e-6])], 's2_energy_eps')], 's2_patch_norm');
  const s2 = g.node('Div', [dot, patchNorm], 'S2');

  const s2Max = g.node('ReduceMax', [s2], 'c2_position_max', { axes: [2, 3], keepdims: 0 });
  const byBand = g.node('Reshape', [s2Max, g.int64s('c2_split_shape', [0, bands, P])], 'c2_by_band');
  g.node('ReduceMax', [byBand], 'C2', { axes: [1], keepdims: 0 });
  g.output('C2', ['N', P]);

  const model = g.toModel([{ version: 13 }]);
  model.metadataProps = [
    onnx.StringStringEntryProto.create({
      key: LAYERS_METADATA_KEY,
      value: JSON.stringify([
        { tensor: 'S1', label: 'S1', group: 'V1', kind: 'conv', op: 'Abs' },
        { tensor: 'C1', label: 'C1', group: 'V1', kind: 'pool', op: 'Reshape' },
        { tensor: 'S2', label: 'S2', group: 'V4', kind: 'other', op: 'Div' },
        { tensor: 'C2', label: 'C2', group: 'IT', kind: 'pool', op: 'ReduceMax' },
      ]),
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}

/** Preprocessing matching buildHmaxModel: grayscale in [0, 1], shorter side → size, center crop. */
export function hmaxSpec(size = 128): PreprocessSpec {
  return { size: [size, size], resize: 'shorter-side', resizeTo: size, crop: 'center', channels: 'gray', scale: 1 / 255, mean: [0], std: [1], layout: 'nchw' };
}
