import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Recorder, explainOrtError, type OrtModule } from '../../src/core/engine';
import { imagenetSpec, preprocessBytes } from '../../src/core/image';
import { ElemType, GraphBuilder, decodeModel, initializerFloats, listLayers, toNumber } from '../../src/core/onnx';
import { CancelledError, UserFacingError, type LayerActivation } from '../../src/core/types';
import { hasShared, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';

// Type-level check: onnxruntime-node as imported satisfies the engine's OrtModule.
const ortModule: OrtModule = ort;

function seededInput(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * 3 * 224 * 224 }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 2);
}

describeIf(hasShared, 'Recorder on MobileNetV2 (onnxruntime-node)', () => {
  const bytes = readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx'));
  const model = decodeModel(bytes);
  const layers = listLayers(model);
  const nodes = model.graph!.node;
  const producer = (t: string) => nodes.find((n) => n.output.includes(t))!;
  const pick = ['stem · conv 1 (relu6)', 'block 1 · conv 1 (relu6)', 'block 3 · residual', 'block 4 · conv 1 (relu6)', 'block 8 · conv 2 (relu6)', 'block 12 · conv 3', 'block 16 · residual', 'head · conv 1 (relu6)', 'head · global pool', 'head · logits'];
  const chosen = pick.map((label) => {
    const layer = layers.find((l) => l.label === label);
    if (!layer) throw new Error(`missing ${label}`);
    return layer.tensor;
  });
  /** Each conv's input tensor, so its output can be recomputed from recorded values. */
  const convInput = (t: string) => producer(producer(t).input[0]).input[0];
  const recorded = [...new Set([...chosen, ...chosen.slice(0, -2).filter((t) => producer(producer(t).input[0]).opType === 'Conv').map(convInput), 'input_quantized'])];
  const x = seededInput(2, 11);

  test('logits of the rewritten model equal the original model bit for bit; conv and pool outputs check out', async () => {
    const rec = await Recorder.create(ortModule, bytes, { layers: recorded });
    const acts = await rec.run({ input: { data: x, dims: [2, 3, 224, 224] } });
    await rec.dispose();
    const act = (t: string) => acts.find((a) => a.layer === t)!;

    const plain = await ort.InferenceSession.create(bytes);
    const reference = (await plain.run({ input: new ort.Tensor('float32', x, [2, 3, 224, 224]) })).output;
    await plain.release();
    expect(act('output').dims).toEqual([2, 1000]);
    expect(Buffer.from(act('output').data.buffer).equals(Buffer.from((reference.data as Float32Array).buffer))).toBe(true);

    // Global average pool = mean over H, W of the recorded final conv, then the model's clamp.
    const conv = act(layers.find((l) => l.label === 'head · conv 1 (relu6)')!.tensor);
    const pool = act(layers.find((l) => l.label === 'head · global pool')!.tensor);
    const [N, C, H, W] = conv.dims;
    expect(pool.dims).toEqual([N, C, 1, 1]);
    const poolClip = producer(pool.layer);
    const [lo, hi] = [initializerFloats(model, poolClip.input[1])!.data[0], initializerFloats(model, poolClip.input[2])!.data[0]];
    for (let i = 0; i < N * C; i += 7) {
      let s = 0;
      for (let j = 0; j < H * W; j++) s += conv.data[i * H * W + j];
      expect(pool.data[i]).toBeCloseTo(Math.min(hi, Math.max(lo, s / (H * W))), 5);
    }

    // Conv outputs recomputed in TS from the recorded input, the initializer weights and the node's attributes.
    let checked = 0;
    for (const t of chosen) {
      const clip = producer(t);
      const convNode = producer(clip.input[0]);
      if (convNode.opType !== 'Conv') continue;
      const input: LayerActivation = act(convNode.input[0]);
      const w = initializerFloats(model, convNode.input[1])!;
      const b = initializerFloats(model, convNode.input[2])!.data;
      const attr = (name: string) => convNode.attribute.find((a) => a.name === name);
      const group = toNumber(attr('group')?.i ?? 1);
      const stride = toNumber(attr('strides')!.ints[0]);
      const pad = toNumber(attr('pads')!.ints[0]);
      const [O, Cg, K] = w.dims;
      const [, Cin, Hin, Win] = input.dims;
      const out = act(t);
      const [, , Ho, Wo] = out.dims;
      const [clo, chi] = [initializerFloats(model, clip.input[1])!.data[0], initializerFloats(model, clip.input[2])!.data[0]];
      for (const [n, o, y, xx] of [[0, 0, 0, 0], [1, O - 1, Ho - 1, Wo - 1], [1, O >> 1, Ho >> 1, Wo >> 2], [0, 3 % O, 1, Wo - 2]]) {
        const g = Math.floor(o / (O / group));
        let sum = b[o];
        for (let c = 0; c < Cg; c++) for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
          const iy = y * stride - pad + ky;
          const ix = xx * stride - pad + kx;
          if (iy < 0 || ix < 0 || iy >= Hin || ix >= Win) continue;
          sum += w.data[((o * Cg + c) * K + ky) * K + kx] * input.data[((n * Cin + g * Cg + c) * Hin + iy) * Win + ix];
        }
        const expected = Math.min(chi, Math.max(clo, sum));
        expect(out.data[((n * O + o) * Ho + y) * Wo + xx], `${t} at ${[n, o, y, xx]}`).toBeCloseTo(expected, 3);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  test('recordBatches concatenates batches in order, reports progress and can be cancelled', async () => {
    const rec = await Recorder.create(ort, model, { layers: [chosen[2], 'output'] });
    const items = [0, 1, 2];
    const single = await Promise.all(items.map((i) => rec.run({ input: { data: seededInput(1, 100 + i), dims: [1, 3, 224, 224] } })));
    const progress: number[] = [];
    const all = await rec.recordBatches(items, (batch) => {
      const data = new Float32Array(batch.length * 3 * 224 * 224);
      batch.forEach((i, k) => data.set(seededInput(1, 100 + i), k * 3 * 224 * 224));
      return { input: { data, dims: [batch.length, 3, 224, 224] } };
    }, { batchSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual([0, 2, 3]);
    expect(all.map((a) => a.layer)).toEqual([chosen[2], 'output']);
    expect(all[1].dims).toEqual([3, 1000]);
    for (const i of items) {
      for (const k of [0, 1]) {
        const per = single[i][k].data.length;
        const part = all[k].data.subarray(i * per, (i + 1) * per);
        let d = 0;
        for (let j = 0; j < per; j++) d = Math.max(d, Math.abs(part[j] - single[i][k].data[j]));
        expect(d).toBeLessThan(1e-4);
      }
    }

    const controller = new AbortController();
    const cancelled = rec.recordBatches(items, (batch) => ({ input: { data: new Float32Array(batch.length * 3 * 224 * 224), dims: [batch.length, 3, 224, 224] } }), {
      batchSize: 1,
      signal: controller.signal,
      onProgress: (p) => p.done === 1 && controller.abort(),
    });
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);

    // A progress callback that answers later (as a worker's round trip to the page does) and cancels meanwhile:
    // the recorder awaits it, so no further batch starts, however fast inference is.
    const slow = new AbortController();
    const fed: number[] = [];
    const stopped = rec.recordBatches(items, (batch, start) => {
      fed.push(start);
      return { input: { data: new Float32Array(batch.length * 3 * 224 * 224), dims: [batch.length, 3, 224, 224] } };
    }, {
      batchSize: 1,
      signal: slow.signal,
      onProgress: (p) => (p.done === 1 ? new Promise<void>((resolve) => setTimeout(() => (slow.abort(), resolve()), 20)) : undefined),
    });
    await expect(stopped).rejects.toBeInstanceOf(CancelledError);
    expect(fed).toEqual([0]);
    await rec.dispose();
  });

  test('the finch photo is classified as a finch-like bird', async () => {
    const image = preprocessBytes(readFileSync(sharedPath('models/test-images/imagenet_finch.jpeg')), imagenetSpec, 'finch');
    const rec = await Recorder.create(ort, model, { layers: ['output'] });
    const [logits] = await rec.run({ input: { data: image, dims: [1, 3, 224, 224] } });
    await rec.dispose();
    const order = [...logits.data.keys()].sort((a, b) => logits.data[b] - logits.data[a]);
    console.log(`finch top-5 ImageNet classes: ${order.slice(0, 5).join(', ')} (10 brambling, 11 goldfinch, 12 house finch, 13 junco, 14 indigo bunting)`);
    expect([10, 11, 12, 13, 14]).toContain(order[0]);
  });

  test('wrong input shape and type are explained before ORT runs; ORT texts are mapped too', async () => {
    const rec = await Recorder.create(ort, model, { layers: ['output'] });
    await expect(rec.run({ input: { data: new Float32Array(4 * 224 * 224), dims: [1, 4, 224, 224] } })).rejects.toThrow(
      'expects shape [batch_size, 3, 224, 224] but was given [1, 4, 224, 224]',
    );
    await expect(rec.run({ input: { data: new Int32Array(3 * 224 * 224), dims: [1, 3, 224, 224] } })).rejects.toThrow(/expects float32 values but was given int32/);
    await expect(rec.run({})).rejects.toThrow(/needs an input called "input"/);
    await rec.dispose();

    const plain = await ort.InferenceSession.create(bytes);
    const raw = await plain.run({ input: new ort.Tensor('float32', new Float32Array(4 * 224 * 224), [1, 4, 224, 224]) }).catch((e: unknown) => e);
    await plain.release();
    const explained = explainOrtError(raw);
    expect(explained).toBeInstanceOf(UserFacingError);
    expect(explained.message).toBe('Wrong input shape for "input": dimension 1 is 4 but the model expects 3.');
  });
});

describe('Recorder errors', () => {
  test('an unknown operator is reported by name', async () => {
    const g = new GraphBuilder('custom');
    g.input('x', [1, 4]);
    g.node('FancyOp', ['x'], 'y', {}, 'com.example');
    g.output('y', [1, 4]);
    const bytes = g.toBytes([{ version: 13 }, { domain: 'com.example', version: 1 }]);
    await expect(Recorder.create(ort, bytes, { layers: ['y'] })).rejects.toThrow(/operator com\.example:FancyOp, which onnxruntime does not know/);
  });

  test('an operator without a kernel for the input type is reported', async () => {
    // Det is defined for double but onnxruntime's CPU provider only implements float32.
    const g = new GraphBuilder('typed');
    g.input('x', [2, 2], ElemType.DOUBLE);
    g.node('Det', ['x'], 'y');
    g.output('y', [], ElemType.DOUBLE);
    await expect(Recorder.create(ort, g.toBytes(), { layers: ['y'] })).rejects.toThrow(/uses the operator Det \(version 11\), which onnxruntime does not support/);
  });

  test('out-of-memory and unknown texts become UserFacingErrors', () => {
    expect(explainOrtError(new Error('std::bad_alloc')).message).toMatch(/ran out of memory/);
    expect(explainOrtError(new RangeError('Array buffer allocation failed'), { backend: 'webgpu' }).message).toBe('The model ran out of memory on the webgpu backend.');
    expect(explainOrtError(new Error('Could not find an implementation for ConvInteger(10) node with name \'c\'')).message).toMatch(/operator ConvInteger \(version 10\)/);
    expect(explainOrtError(new Error('weird\nsecond line')).message).toBe('The model could not run: weird');
    const cancelled = new CancelledError();
    expect(explainOrtError(cancelled)).toBe(cancelled);
  });

  test('garbage bytes are rejected before ORT sees them', async () => {
    await expect(Recorder.create(ort, new Uint8Array([1, 2, 3, 4, 5]), { layers: ['x'] })).rejects.toThrow(/not an ONNX model/);
  });
});

test('an invalid model (type check) is explained', async () => {
  const g = new GraphBuilder('invalid');
  g.input('x', [2, 2], ElemType.BOOL);
  g.node('Abs', ['x'], 'y');
  g.output('y', [2, 2], ElemType.BOOL);
  await expect(Recorder.create(ort, g.toBytes(), { layers: ['y'] })).rejects.toThrow(/The model file is inconsistent: its shape\/type check failed \(Type Error/);
});
