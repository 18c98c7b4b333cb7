import { beforeAll, describe, expect, test } from 'vitest';
import { addVisualNoise, afrazTrials, grayToModelInput, resizeGray, type GrayImage } from '../../src/core/stim/noise';
import { seededRng } from '../../src/core/stim/random';
import { buildSheet, correlationEmbedding, faceDPrime, gridAssignment, moransI, siteResponses } from '../../src/core/stim/sheet';
import { activatedRadiusMm, chargeScale, spreadProfile, stimulationDeltaSd, toLayerUnits, AFRAZ_TRAIN } from '../../src/core/stim/spread';
import { UserFacingError } from '../../src/core/types';
import { hasPythonModules, runPythonScript } from '../support/python';

/** numpy through the one guard: outside CI the reference tests skip without it, under CI the file fails. */
const hasNumpy = hasPythonModules('numpy');

const NUMPY = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
R = np.array(d['r'], float).reshape(d['n'], d['s'])
face = np.array(d['face'], bool)
f, nf = R[face], R[~face]
dprime = (f.mean(0) - nf.mean(0)) / np.sqrt((f.var(0) + nf.var(0)) / 2)
C = np.corrcoef(R.T)
J = np.eye(d['s']) - 1.0 / d['s']
w, v = np.linalg.eigh(J @ C @ J)
emb = v[:, ::-1][:, :2] * np.sqrt(w[::-1][:2])
img = np.array(d['img'], float).reshape(256, 256)
small = np.floor(img.reshape(64, 4, 64, 4).mean(axis=(1, 3)) + 0.5)
print(json.dumps({'dprime': dprime.tolist(), 'emb': emb.tolist(), 'small': small.ravel().tolist()}))
`;

/** Synthetic localizer: 3 tuning groups (face units, object units, mixed) + noise. */
function synthetic(nImages: number, nSites: number, seed: number) {
  const rng = seededRng(seed);
  const isFace = Array.from({ length: nImages }, (_, i) => i % 2 === 0);
  const gain = Array.from({ length: nSites }, (_, s) => (s % 3 === 0 ? 2 : s % 3 === 1 ? -1.5 : 0.2));
  const latent = Array.from({ length: nImages }, () => rng());
  const r = new Float32Array(nImages * nSites);
  for (let i = 0; i < nImages; i++) for (let s = 0; s < nSites; s++) r[i * nSites + s] = (isFace[i] ? gain[s] : 0) + latent[i] * ((s % 5) - 2) + rng();
  return { r, isFace };
}

describe('cortical sheet', () => {
  const nImages = 40;
  const nSites = 30;
  const { r, isFace } = synthetic(nImages, nSites, 5);
  const img: GrayImage = { width: 256, height: 256, data: Uint8Array.from({ length: 256 * 256 }, (_, i) => (i * 37 + (i >> 8) * 11) % 256) };
  let ref: { dprime: number[]; emb: number[][]; small: number[] };
  beforeAll(() => {
    if (!hasNumpy) return;
    ref = JSON.parse(runPythonScript(NUMPY, { input: JSON.stringify({ r: Array.from(r), n: nImages, s: nSites, face: isFace, img: Array.from(img.data) }) }));
  }, 60_000);

  test.skipIf(!hasNumpy)("face d' matches numpy", () => {
    const d = faceDPrime(r, nImages, nSites, isFace);
    expect(Math.max(...ref.dprime.map((v, i) => Math.abs(v - d[i])))).toBeLessThan(1e-4);
  });

  test.skipIf(!hasNumpy)('MDS embedding matches numpy eigh (pairwise distances, sign-free)', () => {
    const { x, y } = correlationEmbedding(r, nImages, nSites, 3);
    let worst = 0;
    for (let a = 0; a < nSites; a++) {
      for (let b = a + 1; b < nSites; b++) {
        const ours = Math.hypot(x[a] - x[b], y[a] - y[b]);
        const theirs = Math.hypot(ref.emb[a][0] - ref.emb[b][0], ref.emb[a][1] - ref.emb[b][1]);
        worst = Math.max(worst, Math.abs(ours - theirs));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  test('grid assignment is a bijection onto grid cells and keeps x order across columns', () => {
    const x = Array.from({ length: 23 }, (_, i) => Math.sin(i * 1.3));
    const y = Array.from({ length: 23 }, (_, i) => Math.cos(i * 0.7));
    const g = gridAssignment(x, y);
    expect(g.cols).toBe(5);
    expect(g.rows).toBe(5);
    const cells = new Set(Array.from(g.col, (c, i) => c * 100 + g.row[i]));
    expect(cells.size).toBe(23);
    for (let i = 0; i < 23; i++) for (let j = 0; j < 23; j++) if (g.col[i] < g.col[j]) expect(x[i]).toBeLessThanOrEqual(x[j]);
  });

  test('sheet is deterministic, face-selective sites cluster (Moran I ≫ shuffled)', () => {
    const a = buildSheet('L', r, nImages, nSites, isFace, { seed: 9 });
    const b = buildSheet('L', r, nImages, nSites, isFace, { seed: 9 });
    expect(Array.from(a.xMm)).toEqual(Array.from(b.xMm));
    expect(a.spacingMm).toBe(0.1);
    const clustered = moransI(a.dPrime, a.xMm, a.yMm, 0.1);
    const rng = seededRng(1);
    const shuffled = Array.from(a.dPrime).sort(() => rng() - 0.5);
    expect(clustered).toBeGreaterThan(0.3);
    expect(clustered).toBeGreaterThan(moransI(shuffled, a.xMm, a.yMm, 0.1) + 0.3);
  });

  test("Moran's I: checkerboard −1, constant-gradient positive", () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
      xs.push(i);
      ys.push(j);
    }
    expect(moransI(xs.map((x, k) => (x + ys[k]) % 2), xs, ys, 1)).toBeCloseTo(-1, 12);
    expect(moransI(xs, xs, ys, 1)).toBeGreaterThan(0.5);
  });

  test('siteResponses averages each channel over space', () => {
    const act = { dims: [2, 3, 2, 2], data: Float32Array.from({ length: 24 }, (_, i) => i) };
    expect(Array.from(siteResponses(act).data)).toEqual([1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
    expect(() => faceDPrime(r, nImages, nSites, isFace.slice(1))).toThrow(UserFacingError);
  });

  test.skipIf(!hasNumpy)('64-px box resampling matches numpy block means', () => {
    const small = resizeGray(img, 64, 64);
    expect(Array.from(small.data)).toEqual(ref.small);
  });
});

describe('current spread', () => {
  test('Stoney radius r = √(I/k): 50 µA at k = 675 µA/mm² ≈ 0.272 mm', () => {
    expect(activatedRadiusMm(50)).toBeCloseTo(Math.sqrt(50 / 675), 12);
    expect(activatedRadiusMm(50)).toBeCloseTo(0.2722, 4);
    expect(activatedRadiusMm(200, 800)).toBeCloseTo(0.5, 12);
    expect(() => activatedRadiusMm(-1)).toThrow(UserFacingError);
  });

  test('profile: 1 inside r, Gaussian beyond; charge scale linear in pulses', () => {
    expect(spreadProfile(0.2, 0.27, 0.1)).toBe(1);
    expect(spreadProfile(0.37, 0.27, 0.1)).toBeCloseTo(Math.exp(-0.5), 12);
    expect(chargeScale(200, 50)).toBeCloseTo(1, 12);
    expect(chargeScale(100, 50)).toBeCloseTo(0.5, 12);
  });

  test('per-site delta falls with distance, scales with amplitude, and 0 µA gives nothing', () => {
    const sheet = { xMm: Float32Array.from([0, 0.1, 0.3, 1]), yMm: new Float32Array(4) };
    const d = stimulationDeltaSd(sheet, { xMm: 0, yMm: 0 }, { ...AFRAZ_TRAIN, amplitudeSd: 2 });
    expect(d[0]).toBeCloseTo(2, 6);
    expect(d[1]).toBeCloseTo(2, 6);
    expect(d[2]).toBeCloseTo(2 * Math.exp(-0.5 * ((0.3 - Math.sqrt(50 / 675)) / 0.1) ** 2), 5);
    expect(d[3]).toBeLessThan(1e-10);
    expect(Array.from(stimulationDeltaSd(sheet, { xMm: 0, yMm: 0 }, { ...AFRAZ_TRAIN, currentUa: 0 }))).toEqual([0, 0, 0, 0]);
    expect(Array.from(toLayerUnits(Float32Array.from([1, 2]), Float32Array.from([0.5, 3])))).toEqual([0.5, 6]);
  });
});

describe('Afraz noise', () => {
  const base: GrayImage = { width: 64, height: 64, data: new Uint8Array(64 * 64).fill(7) };
  test.each([0, 15, 25, 40, 50, 80, 100])('signal %i %: the replaced fraction is 1 − s/100', (s) => {
    const noisy = addVisualNoise(base, s, seededRng(s + 1));
    const changed = noisy.data.filter((v) => v !== 7).length;
    const replaced = Math.round((1 - s / 100) * 4096);
    // A replaced pixel keeps its value with probability 1/256.
    expect(changed).toBeLessThanOrEqual(replaced);
    expect(changed).toBeGreaterThanOrEqual(Math.floor(replaced * (255 / 256) - 3 * Math.sqrt(replaced / 256) - 1));
    if (s === 0) {
      const mean = noisy.data.reduce((a, v) => a + v, 0) / 4096;
      expect(Math.abs(mean - 127.5)).toBeLessThan(4); // uniform gray: sd of the mean ≈ 1.15
    }
  });

  test('seeded: same seed same trials, other seed different; labels and levels kept', () => {
    const img: GrayImage = { width: 256, height: 256, data: new Uint8Array(65536).fill(200) };
    const a = afrazTrials([img, img], [true, false], 4);
    const b = afrazTrials([img, img], [true, false], 4);
    const c = afrazTrials([img, img], [true, false], 5);
    expect(a.length).toBe(12);
    expect(a.map((t) => t.signalPercent)).toEqual([0, 0, 15, 15, 25, 25, 40, 40, 50, 50, 80, 80]);
    expect(a[3].isFace).toBe(false);
    expect(a[5].image.width).toBe(64);
    expect(Array.from(a[5].image.data)).toEqual(Array.from(b[5].image.data));
    expect(Array.from(a[5].image.data)).not.toEqual(Array.from(c[5].image.data));
    expect(() => addVisualNoise(img, 120, seededRng(1))).toThrow(UserFacingError);
  });

  test('model input: gray copied to RGB, /255, ImageNet mean/std', () => {
    const t = grayToModelInput([{ width: 64, height: 64, data: new Uint8Array(4096).fill(128) }], 224);
    expect(t.dims).toEqual([1, 3, 224, 224]);
    expect(t.data[0]).toBeCloseTo((128 / 255 - 0.485) / 0.229, 5);
    expect(t.data[224 * 224 + 5]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(t.data[2 * 224 * 224 + 99]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
  });
});
