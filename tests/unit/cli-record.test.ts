import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { batchToTensor, preprocessBytes } from '../../src/core/image';
import { buildHmaxModel, hmaxSpec } from '../../src/core/onnx';
import { encodePng } from '../../src/core/data/png';
import { renderGrating } from '../../src/core/data/synthetic';
import { readNpy } from '../../src/core/data/npy';
import { adaptiveAvgPool, poolGrid, reduceActivation } from '../../src/cli/features';
import { silicoBin as silico, silicoInProcess } from '../support/cli';

let dir: string;
const names = ['img2.png', 'img10.png', 'img1.png'];
const pngs = new Map<string, Uint8Array>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'silico-cli-record-'));
  mkdirSync(join(dir, 'images'));
  names.forEach((name, i) => {
    const png = encodePng(renderGrating({ orientation: 0.4 * i, frequency: 3 + i, phase: 0.5, x: 0.5, y: 0.4, contrast: 0.9 }, 96), 96, 96);
    pngs.set(name, png);
    writeFileSync(join(dir, 'images', name), png);
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('silico record', () => {
  test('writes .npy per layer equal to calling the Recorder directly (built-in HMAX)', async () => {
    const out = join(dir, 'acts');
    const r = silico(['record', '--model', 'hmax', '--images', join(dir, 'images'), '--layers', 'C1,C2', '--out', out, '--batch', '2']);
    expect(r.stderr).toContain('record');
    expect(r.code).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    // Natural name order is the stimulus order.
    expect(index.images).toEqual(['img1.png', 'img2.png', 'img10.png']);
    expect(index.layers.map((l: { layer: string }) => l.layer)).toEqual(['C1', 'C2']);

    const spec = hmaxSpec();
    const rec = await Recorder.create(ort as unknown as OrtModule, buildHmaxModel(), { layers: ['C1', 'C2'] });
    const input = batchToTensor(index.images.map((n: string) => preprocessBytes(pngs.get(n)!, spec, n)), spec);
    const direct = await rec.run({ image: input });
    await rec.dispose();
    for (const [i, layer] of index.layers.entries()) {
      const npy = readNpy(new Uint8Array(readFileSync(join(out, layer.file))));
      expect(npy.shape).toEqual(direct[i].dims);
      expect(npy.dtype).toBe('f4');
      let maxDiff = 0;
      direct[i].data.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - npy.data[k]))));
      expect(maxDiff).toBeLessThan(1e-6);
      // Not a trivially constant layer.
      expect(Math.max(...npy.data) - Math.min(...npy.data)).toBeGreaterThan(0.01);
    }
  });

  test('JSON summary on stdout; errors are clear and exit with code 2', async () => {
    const silico = silicoInProcess;
    const ok = await silico(['record', '--model', 'hmax', '--images', join(dir, 'images'), '--layers', 'C2', '--quiet']);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.stdout);
    expect(summary.layers[0]).toMatchObject({ layer: 'C2', dims: [3, 64] });
    expect(ok.stderr).toBe('');

    const noImages = await silico(['record', '--model', 'hmax', '--images', join(dir, 'nope')]);
    expect(noImages.code).toBe(2);
    expect(noImages.stderr).toMatch(/Not found: .*nope/);
    const badLayer = await silico(['record', '--model', 'hmax', '--images', join(dir, 'images'), '--layers', 'V9']);
    expect(badLayer.code).toBe(2);
    expect(badLayer.stderr).toContain('no layer "V9"');
    const badOption = await silico(['record', '--modle', 'hmax']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--modle'");
    const help = await silico(['record', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--max-features');
  });
});

describe('feature reduction', () => {
  test('adaptive average pooling matches block means (closed form)', () => {
    // 1 image, 1 channel, 4×4 → 2×2: each output is the mean of a 2×2 quadrant.
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(adaptiveAvgPool(x, 1, 1, 4, 4, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
    // 5 → 2 uses overlapping bins [0,3) and [2,5), as torch's adaptive_avg_pool2d.
    const y = Float32Array.from({ length: 5 }, (_, i) => i); // 1×5 row, pooled over width only via h = 1
    expect(Array.from(adaptiveAvgPool(y, 1, 1, 1, 5, 1))).toEqual([2]);
    expect(poolGrid(32, 112, 112, 8192)).toBe(16);
    expect(poolGrid(1280, 7, 7, 8192)).toBe(2);
    expect(poolGrid(16384, 7, 7, 8192)).toBe(1);
    const r = reduceActivation({ layer: 'x', dims: [2, 32, 112, 112], data: new Float32Array(2 * 32 * 112 * 112) }, 8192);
    expect(r.dims).toEqual([2, 32, 16, 16]);
    expect(r.reduction).toContain('avgpool 16×16');
  });
});
