/**
 * OrtStimEngine (core/stim/ort-engine.ts, the engine of the lab worker and the CLI) on the built-in HMAX model with
 * onnxruntime-node: a grayscale-input model gets the ImageNet normalisation undone (same C2 as a plain session fed
 * the gray pixels), and with the stimulated layer as the model's output the readout is C2 plus the delta, on both
 * the full and the fast path. The MobileNetV2 (RGB, downstream readout) path is covered by stim-e2e.test.ts.
 */
import * as ortNode from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { buildHmaxModel } from '../../src/core/onnx/hmax';
import { grayToModelInput, type GrayImage } from '../../src/core/stim/noise';
import { OrtStimEngine, type OrtModule } from '../../src/core/stim/ort-engine';
import { UserFacingError } from '../../src/core/types';

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

  test('a readout equal to the stimulated layer is refused', () => {
    expect(() => new OrtStimEngine(ort, bytes, 'C2', P, { readout: 'C2' })).toThrow(UserFacingError);
  });
});
