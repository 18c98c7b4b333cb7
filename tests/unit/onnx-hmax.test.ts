import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Recorder } from '../../src/core/engine';
import { HMAX_ORIENTATIONS_DEG, buildHmaxModel, decodeModel, gaborKernel, hmaxShapes, hmaxSpec, hmaxTemplates, listLayers } from '../../src/core/onnx';
import type { LayerActivation } from '../../src/core/types';

const S = 64;
const opts = { size: S, bands: 2, prototypes: 12, patchSize: 3, seed: 5 };

/** Sinusoidal grating in [0, 1]; `vertical` = vertical bars (luminance varies along x). */
function grating(vertical: boolean, period = 6): Float32Array {
  const img = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) img[y * S + x] = 0.5 + 0.5 * Math.cos((2 * Math.PI * (vertical ? x : y)) / period);
  return img;
}

async function record(images: Float32Array[]): Promise<Record<string, LayerActivation>> {
  const rec = await Recorder.create(ort, buildHmaxModel(opts), { layers: ['S1', 'C1', 'S2', 'C2'] });
  const data = new Float32Array(images.length * S * S);
  images.forEach((im, i) => data.set(im, i * S * S));
  const acts = await rec.run({ image: { data, dims: [images.length, 1, S, S] } });
  await rec.dispose();
  return Object.fromEntries(acts.map((a) => [a.layer, a]));
}

function noise(seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: S * S }, () => (s = (s * 16807) % 2147483647) / 2147483647);
}

describe('HMAX model', () => {
  test('layers are listed as S1, C1, S2, C2 and shapes are as documented', async () => {
    const layers = listLayers(decodeModel(buildHmaxModel(opts)));
    expect(layers.map((l) => l.label)).toEqual(['S1', 'C1', 'S2', 'C2']);
    expect(layers.map((l) => l.depth)).toEqual([0, 1, 2, 3]);
    const acts = await record([noise(1), noise(2)]);
    const shapes = hmaxShapes(opts);
    for (const name of ['S1', 'C1', 'S2', 'C2'] as const) expect(acts[name].dims).toEqual([2, ...shapes[name].slice(1)]);
    expect(shapes).toEqual({ S1: [-1, 16, 64, 64], C1: [-1, 8, 16, 16], S2: [-1, 24, 14, 14], C2: [-1, 12] });
    expect(hmaxSpec(S)).toMatchObject({ size: [64, 64], channels: 'gray', scale: 1 / 255 });
  });

  test('S1 is orientation selective: vertical bars drive the 90° channel, horizontal bars the 0° channel', async () => {
    const acts = await record([grating(true), grating(false)]);
    const s1 = acts.S1;
    const C = s1.dims[1];
    const meanOf = (n: number, c: number) => {
      const plane = s1.data.subarray((n * C + c) * S * S, (n * C + c + 1) * S * S);
      return plane.reduce((a, b) => a + b, 0) / plane.length;
    };
    const vertical = HMAX_ORIENTATIONS_DEG.indexOf(90);
    const horizontal = HMAX_ORIENTATIONS_DEG.indexOf(0);
    for (let scale = 0; scale < C / 4; scale++) {
      expect(meanOf(0, scale * 4 + vertical)).toBeGreaterThan(3 * meanOf(0, scale * 4 + horizontal));
      expect(meanOf(1, scale * 4 + horizontal)).toBeGreaterThan(3 * meanOf(1, scale * 4 + vertical));
    }
  });

  test('each stage equals its definition computed directly in TS', async () => {
    const img = noise(9);
    const { S1, C1, S2, C2 } = await record([img]);
    // S1 = |Gabor * image| (zero padding), Serre et al. 2007 parameters; the 9 px filter at 45° here.
    const k = 13; // largest filter of 2 bands
    const gabor = gaborKernel(9, 3.6, 4.6, 45, k);
    for (const [y, x] of [[0, 0], [20, 31], [63, 5]]) {
      let sum = 0;
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
        const iy = y + ky - 6, ix = x + kx - 6;
        if (iy >= 0 && ix >= 0 && iy < S && ix < S) sum += gabor[ky * k + kx] * img[iy * S + ix];
      }
      expect(S1.data[(1 * 4 + 1) * S * S + y * S + x]).toBeCloseTo(Math.abs(sum), 4);
    }
    // C1 = max over the band's 2 scales and an 8x8 window (stride 4, pad 2).
    const c1Size = S / 4;
    for (const [band, o, y, x] of [[0, 2, 0, 0], [1, 3, 7, 9], [1, 0, 15, 15]]) {
      let m = -Infinity;
      for (const s of [2 * band, 2 * band + 1]) for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) {
        const iy = y * 4 - 2 + dy, ix = x * 4 - 2 + dx;
        if (iy >= 0 && ix >= 0 && iy < S && ix < S) m = Math.max(m, S1.data[(s * 4 + o) * S * S + iy * S + ix]);
      }
      expect(C1.data[(band * 4 + o) * c1Size * c1Size + y * c1Size + x]).toBeCloseTo(m, 5);
    }
    // S2 = cosine similarity between a 3x3x4 C1 patch and a template.
    const n = 3, P = 12, s2Size = c1Size - n + 1;
    const templates = hmaxTemplates(P, n, 5);
    for (const [band, p, y, x] of [[0, 0, 0, 0], [1, 11, 5, 13], [0, 6, 13, 2]]) {
      let dot = 0, norm = 0;
      for (let o = 0; o < 4; o++) for (let dy = 0; dy < n; dy++) for (let dx = 0; dx < n; dx++) {
        const v = C1.data[(band * 4 + o) * c1Size * c1Size + (y + dy) * c1Size + x + dx];
        dot += v * templates[((p * 4 + o) * n + dy) * n + dx];
        norm += v * v;
      }
      expect(S2.data[(band * P + p) * s2Size * s2Size + y * s2Size + x]).toBeCloseTo(dot / Math.sqrt(norm + 1e-6), 4);
    }
    expect(Math.min(...S2.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...S2.data)).toBeLessThanOrEqual(1 + 1e-6);
    // C2 = max over bands and positions.
    for (let p = 0; p < P; p++) {
      let m = -Infinity;
      for (let band = 0; band < 2; band++) for (let i = 0; i < s2Size * s2Size; i++) m = Math.max(m, S2.data[(band * P + p) * s2Size * s2Size + i]);
      expect(C2.data[p]).toBe(m);
    }
  });

  test('templates are deterministic, unit norm, one orientation per position', () => {
    const a = hmaxTemplates(5, 4, 42);
    expect(a).toEqual(hmaxTemplates(5, 4, 42));
    expect(a).not.toEqual(hmaxTemplates(5, 4, 43));
    for (let p = 0; p < 5; p++) {
      const t = a.subarray(p * 64, (p + 1) * 64);
      expect(t.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
      for (let i = 0; i < 16; i++) expect([0, 1, 2, 3].filter((o) => t[o * 16 + i] > 0).length).toBe(1);
    }
  });
});
