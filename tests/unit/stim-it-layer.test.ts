/**
 * The lab's default "IT" layer (core/stim/it-layer.ts), chosen without looking at stimulation results: HMAX's C2;
 * for MobileNetV2 the layer Silico's Brain-Score-style scoring commits to IT (block 14 · conv 2, `594_quantized`);
 * otherwise the last layer before the head.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildHmaxModel } from '../../src/core/onnx/hmax';
import { listLayers } from '../../src/core/onnx/layers';
import { decodeModel } from '../../src/core/onnx/proto';
import { defaultItLayer, isMobileNetV2 } from '../../src/core/stim/it-layer';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

const layersOf = (bytes: Uint8Array) => listLayers(decodeModel(bytes)).filter((l) => l.kind !== 'logits');

describe('default IT layer', () => {
  test('HMAX: C2', () => {
    expect(defaultItLayer(layersOf(buildHmaxModel({ size: 32, bands: 1, prototypes: 4 }))).tensor).toBe('C2');
  });

  test.skipIf(!hasShared)(`MobileNetV2 (ImageNet): the committed IT layer, block 14 · conv 2 (${hasShared ? 'fp32 and int8' : NO_SHARED})`, () => {
    for (const file of ['mobilenetv2-12-fp32.onnx', 'mobilenetv2-12-int8.onnx']) {
      const layers = layersOf(new Uint8Array(readFileSync(sharedPath('models', file))));
      expect(isMobileNetV2(layers)).toBe(true);
      const choice = defaultItLayer(layers);
      expect(layers.find((l) => l.tensor === choice.tensor)?.label).toBe('block 14 · conv 2 (relu6)');
      expect(choice.reason).toMatch(/commits to IT/);
    }
    expect(defaultItLayer(layersOf(new Uint8Array(readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx'))))).tensor).toBe('594_quantized');
  });

  test.skipIf(!hasShared)('another network (an 18-block CIFAR MobileNet): the last layer before the head', () => {
    const layers = layersOf(new Uint8Array(readFileSync(sharedPath('models/mbv2_cifar10_int8.onnx'))));
    expect(isMobileNetV2(layers)).toBe(false);
    const body = layers.filter((l) => l.group !== 'head');
    expect(defaultItLayer(layers).tensor).toBe(body[body.length - 1].tensor);
  });
});
