/** MobileNetV2 reference for browser tests: the test's own preprocessing and onnxruntime-node outputs. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';
import { decodeModel } from '../../src/core/onnx/proto';
import { exposeTensors } from '../../src/core/onnx/expose';
import { sharedPath } from './shared';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const MODEL = sharedPath('models/mobilenetv2-12-fp32.onnx');
export const MODEL_URL = '/silico-test/mobilenetv2/resolve/main/model.onnx';
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** The finch photo, center-cropped and nearest-resized to 224, ImageNet-normalized (test's own preprocessing). */
export function finchTensor(): Float32Array {
  const img = jpeg.decode(readFileSync(sharedPath('models/test-images/imagenet_finch.jpeg')), { useTArray: true });
  const side = Math.min(img.width, img.height);
  const x0 = Math.floor((img.width - side) / 2);
  const y0 = Math.floor((img.height - side) / 2);
  const out = new Float32Array(3 * 224 * 224);
  for (let y = 0; y < 224; y++)
    for (let x = 0; x < 224; x++) {
      const sx = x0 + Math.floor(((x + 0.5) * side) / 224);
      const sy = y0 + Math.floor(((y + 0.5) * side) / 224);
      for (let c = 0; c < 3; c++) out[c * 224 * 224 + y * 224 + x] = (img.data[(sy * img.width + sx) * 4 + c] / 255 - MEAN[c]) / STD[c];
    }
  return out;
}

/** A smooth colour pattern as a second, very different image. */
export function patternTensor(): Float32Array {
  const out = new Float32Array(3 * 224 * 224);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++) out[c * 224 * 224 + y * 224 + x] = (0.5 + 0.5 * Math.sin(x / (7 + c) + y / 11) - MEAN[c]) / STD[c];
  return out;
}

export async function reference(layers: string[], input: Float32Array, n: number): Promise<Record<string, Float32Array>> {
  const bytes = exposeTensors(decodeModel(new Uint8Array(readFileSync(MODEL))), layers);
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, 224, 224]) }, layers);
  const res: Record<string, Float32Array> = {};
  for (const l of layers) res[l] = out[l].data as Float32Array;
  await session.release();
  return res;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
