import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  decodeModel, encodeModel, exposeTensors, exposeTensorsInModel, initializerNames, modelInputs, modelOpset, modelOutputs,
} from '../../src/core/onnx';
import { UserFacingError } from '../../src/core/types';
import { hasShared, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';

const mobilenetPath = sharedPath('models/mobilenetv2-12-fp32.onnx');

describe('decodeModel', () => {
  test('random bytes are not an ONNX model', () => {
    let seed = 7;
    const junk = new Uint8Array(4096).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    expect(() => decodeModel(junk)).toThrow(UserFacingError);
    expect(() => decodeModel(junk)).toThrow(/not an ONNX model/);
    expect(() => decodeModel(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(/not an ONNX model/);
    expect(() => decodeModel(new Uint8Array(0))).toThrow(/not an ONNX model/);
  });

  test.skipIf(!hasShared)('MobileNetV2: opset, inputs with symbolic batch, outputs, initializers', () => {
    const model = decodeModel(readFileSync(mobilenetPath));
    expect(modelOpset(model)).toBe(12);
    expect(modelOpset(model, 'com.microsoft')).toBeUndefined();
    expect(modelInputs(model)).toEqual([{ name: 'input', elemType: 1, type: 'float32', dims: ['batch_size', 3, 224, 224] }]);
    expect(modelOutputs(model)).toEqual([{ name: 'output', elemType: 1, type: 'float32', dims: ['batch_size', 1000] }]);
    const inits = initializerNames(model);
    expect(inits.has('474_quantized_W')).toBe(true);
    expect(inits.size).toBe(model.graph!.initializer.length);
  });

  test.skipIf(!hasShared)('a truncated MobileNetV2 is rejected', () => {
    const bytes = readFileSync(mobilenetPath);
    for (const cut of [100, bytes.length / 2, bytes.length - 10]) {
      expect(() => decodeModel(bytes.subarray(0, Math.floor(cut))), `cut at ${cut}`).toThrow(/not an ONNX model/);
    }
  });

  test.skipIf(!hasShared)('tiny GPT-2: int32 inputs with symbolic dims, com.microsoft opset', () => {
    const model = decodeModel(readFileSync(sharedPath('models/tiny-random-gpt2-fp32/past.onnx')));
    expect(modelOpset(model, 'com.microsoft')).toBe(1);
    const inputs = modelInputs(model);
    expect(inputs[0]).toEqual({ name: 'input_ids', elemType: 6, type: 'int32', dims: ['batch_size', 'seq_len'] });
    expect(inputs.find((i) => i.name === 'past_0')?.dims).toEqual([2, 'batch_size', 4, 'past_seq_len', 8]);
  });
});

describeIf(hasShared, 'exposeTensors', () => {
  test('adds outputs after the original ones, without touching the input model', () => {
    const model = decodeModel(readFileSync(mobilenetPath));
    const before = encodeModel(model);
    const exposed = exposeTensorsInModel(model, ['474_quantized', 'output', '339_quantized']);
    expect(exposed.graph!.output.map((o) => o.name)).toEqual(['output', '474_quantized', '339_quantized']);
    expect(exposed.graph!.output[1].type?.tensorType?.elemType).toBe(1);
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
    expect(model.graph!.output.length).toBe(1);
    const reread = decodeModel(exposeTensors(model, ['474_quantized']));
    expect(reread.graph!.output.map((o) => o.name)).toEqual(['output', '474_quantized']);
  });

  test('unknown tensors are a UserFacingError', () => {
    const model = decodeModel(readFileSync(mobilenetPath));
    expect(() => exposeTensors(model, ['no_such_tensor'])).toThrow(/no layer called "no_such_tensor"/);
  });
});
