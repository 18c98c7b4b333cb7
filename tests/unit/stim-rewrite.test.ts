import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, test } from 'vitest';
import { exposeTensors } from '../../src/core/onnx/expose';
import { decodeModel } from '../../src/core/onnx/proto';
import { downstreamModel, insertStimulation, STIM_INPUT, upstreamModel } from '../../src/core/stim/rewrite';
import { UserFacingError } from '../../src/core/types';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const LAYER = '624_quantized'; // 320-channel output of the last inverted-residual block, 7x7
const CHANNELS = 320;
const READOUT = '464_quantized'; // global-average-pooled 1280-d features

describe.skipIf(!hasShared)(`microstimulation graph rewrite (${hasShared ? 'MobileNetV2' : NO_SHARED})`, () => {
  let original: Uint8Array;
  let input: import('onnxruntime-node').Tensor;
  let reference: Record<string, import('onnxruntime-node').Tensor>;
  let stimulated: ReturnType<typeof insertStimulation>;
  let stimSession: import('onnxruntime-node').InferenceSession;

  beforeAll(async () => {
    original = readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx'));
    const data = new Float32Array(2 * 3 * 224 * 224);
    let s = 12345;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = (s / 2 ** 32) * 4 - 2;
    }
    input = new ort.Tensor('float32', data, [2, 3, 224, 224]);
    const refSession = await ort.InferenceSession.create(exposeTensors(decodeModel(original), [LAYER, READOUT]), { intraOpNumThreads: 1 });
    reference = await refSession.run({ input });
    stimulated = insertStimulation(exposeTensors(decodeModel(original), [READOUT]), LAYER, CHANNELS);
    stimSession = await ort.InferenceSession.create(stimulated.model, { intraOpNumThreads: 1 });
  });

  test('the recording graph cut at a layer (upstreamModel) keeps only what it needs and gives the same activations', async () => {
    for (const layer of [LAYER, '594_quantized']) {
      const exposed = exposeTensors(decodeModel(original), [layer]);
      const cut = upstreamModel(exposed, [layer]);
      const g = decodeModel(cut).graph!;
      expect(g.output.map((o) => o.name)).toEqual([layer]);
      expect(g.node.length).toBeLessThan(decodeModel(exposed).graph!.node.length);
      const a = (await (await ort.InferenceSession.create(exposed, { intraOpNumThreads: 1 })).run({ input }, [layer]))[layer];
      const b = (await (await ort.InferenceSession.create(cut, { intraOpNumThreads: 1 })).run({ input }))[layer];
      expect(b.dims).toEqual(a.dims);
      expect(Buffer.from((b.data as Float32Array).buffer).equals(Buffer.from((a.data as Float32Array).buffer))).toBe(true);
    }
    expect(() => upstreamModel(original, ['594_quantized'])).toThrow(/Not graph outputs/);
  });

  test('adds one Add node and the [1, C, 1, 1] input; every former consumer now reads the stimulated tensor', () => {
    const before = decodeModel(original).graph!;
    const after = decodeModel(stimulated.model).graph!;
    expect(after.node.length).toBe(before.node.length + 1);
    const add = after.node.find((n) => n.opType === 'Add' && n.input.includes(STIM_INPUT))!;
    expect(add.input).toEqual([LAYER, STIM_INPUT]);
    const consumersBefore = before.node.filter((n) => n.input.includes(LAYER)).map((n) => n.name);
    expect(consumersBefore.length).toBeGreaterThan(0);
    expect(after.node.filter((n) => n.input.includes(LAYER))).toEqual([add]);
    expect(after.node.filter((n) => n.input.includes(stimulated.stimulated)).map((n) => n.name)).toEqual(consumersBefore);
    const inputInfo = after.input.find((i) => i.name === STIM_INPUT)!;
    expect(inputInfo.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([1, CHANNELS, 1, 1]);
  });

  test('delta = 0 reproduces the original outputs bit for bit', async () => {
    const out = await stimSession.run({ input, [STIM_INPUT]: new ort.Tensor('float32', new Float32Array(CHANNELS), [1, CHANNELS, 1, 1]) });
    expect(Buffer.from((out.output.data as Float32Array).buffer).equals(Buffer.from((reference.output.data as Float32Array).buffer))).toBe(true);
    expect(Array.from(out[READOUT].data as Float32Array)).toEqual(Array.from(reference[READOUT].data as Float32Array));
  });

  test('nonzero delta matches the downstream subgraph run on (layer + delta) computed in TS, and changes the output', async () => {
    const delta = Float32Array.from({ length: CHANNELS }, (_, c) => Math.sin(c * 0.7) * 0.8);
    const out = await stimSession.run({ input, [STIM_INPUT]: new ort.Tensor('float32', delta, [1, CHANNELS, 1, 1]) });

    // Independent reference: the layer's recorded activation + delta (broadcast in TS) fed to the downstream part.
    const act = reference[LAYER];
    const [n, c, h, w] = act.dims;
    expect(c).toBe(CHANNELS);
    const shifted = Float32Array.from(act.data as Float32Array, (v, i) => v + delta[Math.floor(i / (h * w)) % c]);
    const down = await ort.InferenceSession.create(downstreamModel(original, LAYER, ['output', READOUT]), { intraOpNumThreads: 1 });
    expect(down.inputNames).toEqual([LAYER]);
    const plain = await down.run({ [LAYER]: act });
    // The downstream part alone reproduces the original model (to float rounding: ORT fuses it differently)…
    const po = plain.output.data as Float32Array;
    const ro = reference.output.data as Float32Array;
    expect(Math.max(...po.map((v, i) => Math.abs(v - ro[i])))).toBeLessThan(1e-5);
    const ref = await down.run({ [LAYER]: new ort.Tensor('float32', shifted, [n, c, h, w]) });
    let maxDiff = 0;
    let change = 0;
    for (const name of ['output', READOUT]) {
      const a = out[name].data as Float32Array;
      const b = ref[name].data as Float32Array;
      const o = reference[name].data as Float32Array;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        change = Math.max(change, Math.abs(a[i] - o[i]));
      }
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(change).toBeGreaterThan(0.1);
  });

  test('stimulating a graph input (downstream model) works the same way', async () => {
    const down = insertStimulation(downstreamModel(original, LAYER, [READOUT]), LAYER, CHANNELS);
    const session = await ort.InferenceSession.create(down.model, { intraOpNumThreads: 1 });
    const delta = Float32Array.from({ length: CHANNELS }, (_, c) => (c % 7) * 0.1);
    const a = (await session.run({ [LAYER]: reference[LAYER], [STIM_INPUT]: new ort.Tensor('float32', delta, [1, CHANNELS, 1, 1]) }))[READOUT].data as Float32Array;
    const b = (await stimSession.run({ input, [STIM_INPUT]: new ort.Tensor('float32', delta, [1, CHANNELS, 1, 1]) }))[READOUT].data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  test('bad requests get clear errors', () => {
    expect(() => insertStimulation(original, 'no_such_tensor', 10)).toThrow(UserFacingError);
    expect(() => insertStimulation(original, '624_quantized_W', 10)).toThrow(/no tensor|weight/);
    expect(() => insertStimulation(original, LAYER, 0)).toThrow(/positive integer/);
    expect(() => insertStimulation(stimulated.model, LAYER, CHANNELS)).toThrow(/already/);
    expect(() => downstreamModel(original, LAYER, ['474_quantized'])).toThrow(/only through/);
  });
});
