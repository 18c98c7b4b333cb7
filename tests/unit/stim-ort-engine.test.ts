/**
 * OrtStimEngine (core/stim/ort-engine.ts, the engine of the lab worker and the CLI) on the built-in HMAX model with
 * onnxruntime-node: a grayscale-input model gets the ImageNet normalisation undone (same C2 as a plain session fed
 * the gray pixels), and with the stimulated layer as the model's output the readout is C2 plus the delta, on both
 * the full and the fast path. On MobileNetV2 the pool readout (POOL_READOUT: the decoder reads the stimulated layer's
 * own channel means) is checked against channel means computed here. The MobileNetV2 downstream-readout path is
 * covered by stim-e2e.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { buildHmaxModel } from '../../src/core/onnx/hmax';
import { grayToModelInput, type GrayImage } from '../../src/core/stim/noise';
import { readoutFeatures } from '../../src/core/stim/experiment';
import { OrtStimEngine, POOL_READOUT, type OrtModule } from '../../src/core/stim/ort-engine';
import { UserFacingError } from '../../src/core/types';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

const ort = ortNode as unknown as OrtModule;
const SIZE = 32;
const P = 8;

/** Gray images with values that survive the 8-bit round trip exactly. */
function images(n: number): GrayImage[] {
  return Array.from({ length: n }, (_, i) => ({ width: SIZE, height: SIZE, data: Uint8Array.from({ length: SIZE * SIZE }, (_, k) => (k * (7 + i) + 31 * i) % 256) }));
}

describe('OrtStimEngine on a grayscale model whose stimulated layer is its output (HMAX C2)', () => {
  const bytes = buildHmaxModel({ size: SIZE, bands: 1, prototypes: P });
  const imgs = images(3);
  const x = grayToModelInput(imgs, SIZE);
  const engine = new OrtStimEngine(ort, bytes, 'C2', P, { sessionOptions: { intraOpNumThreads: 1 } });

  test('records C2 from ImageNet-normalised RGB as a plain session does from the gray pixels', async () => {
    expect(engine.input).toEqual({ name: 'image', channels: 1, size: SIZE });
    const c2 = (await engine.record(x, ['C2'])).C2;
    const plain = await ortNode.InferenceSession.create(bytes);
    const gray = Float32Array.from(imgs.flatMap((im) => Array.from(im.data, (v) => v / 255)));
    const ref = (await plain.run({ image: new ortNode.Tensor('float32', gray, [imgs.length, 1, SIZE, SIZE]) })).C2;
    expect(c2.dims).toEqual([3, P]);
    const refData = ref.data as Float32Array;
    c2.data.forEach((v, i) => expect(v).toBeCloseTo(refData[i], 5));
    await plain.release();
  });

  test('the readout is C2 plus the delta, on the full and the fast path', async () => {
    const c2 = (await engine.record(x, ['C2'])).C2;
    const delta = Float32Array.from({ length: P }, (_, c) => (c % 3) - 0.5);
    const full = await engine.runStimulated(x, delta);
    const fast = await engine.readoutFromLayer(c2, delta);
    expect(full.dims).toEqual([3, P]);
    for (let i = 0; i < 3 * P; i++) {
      expect(full.data[i]).toBeCloseTo(c2.data[i] + delta[i % P], 5);
      expect(fast.data[i]).toBeCloseTo(full.data[i], 6);
    }
    await expect(engine.runStimulated(x, new Float32Array(P + 1))).rejects.toThrow(`Stimulation has ${P + 1} sites but layer "C2" has ${P} channels.`);
  });

  test('a readout equal to the stimulated layer is refused, with the pool readout as the way out', () => {
    expect(() => new OrtStimEngine(ort, bytes, 'C2', P, { readout: 'C2' })).toThrow(UserFacingError);
    expect(() => new OrtStimEngine(ort, bytes, 'C2', P, { readout: 'C2' })).toThrow(/readout "pool"/);
  });
});

describe.skipIf(!hasShared)(`OrtStimEngine with the pool readout on MobileNetV2 (${hasShared ? 'block 14 · conv 2' : NO_SHARED})`, () => {
  const LAYER = '594_quantized'; // block 14 · conv 2 (relu6), 576 channels, 7×7 (stride-2 depthwise): the layer Silico commits to IT
  const C = 576;
  const bytes = hasShared ? readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx')) : new Uint8Array();
  const imgs = images(3);
  const x = grayToModelInput(imgs, 224);

  test('the decoder reads the layer\'s own channel means plus the delta, on the full and the fast path', async () => {
    const engine = new OrtStimEngine(ort, bytes, LAYER, C, { readout: POOL_READOUT, sessionOptions: { intraOpNumThreads: 1 } });
    expect(engine.poolReadout).toBe(true);
    const full = (await engine.record(x, [LAYER]))[LAYER];
    expect(full.dims).toEqual([3, C, 7, 7]);
    // Channel means computed here, independently of the engine.
    const means = new Float64Array(3 * C);
    for (let i = 0; i < 3 * C; i++) for (let k = 0; k < 49; k++) means[i] += full.data[i * 49 + k] / 49;
    const pooled = (await engine.record(x, [engine.taskLayer]))[engine.taskLayer];
    expect(pooled.dims).toEqual([3, C, 1, 1]);
    const delta = Float32Array.from({ length: C }, (_, c) => 0.25 * ((c % 5) - 2));
    const stim = await engine.runStimulated(x, delta);
    const fast = await engine.readoutFromLayer(pooled, delta);
    expect(stim.dims).toEqual([3, C]);
    for (let i = 0; i < 3 * C; i++) {
      expect(pooled.data[i]).toBeCloseTo(means[i], 5);
      expect(stim.data[i]).toBeCloseTo(means[i] + delta[i % C], 5);
      expect(fast.data[i]).toBeCloseTo(stim.data[i], 6);
    }
    // The experiment's cached fast path keeps channel means only, and gives the same features as the full path.
    const viaCache = await readoutFeatures(engine, imgs, delta, {}, 'check', imgs);
    const direct = await readoutFeatures(engine, imgs, delta);
    expect(viaCache.d).toBe(C);
    viaCache.data.forEach((v, i) => expect(v).toBeCloseTo(direct.data[i], 6));
    await engine.dispose();
  }, 120_000);
});
