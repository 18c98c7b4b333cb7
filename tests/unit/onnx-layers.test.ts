import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Recorder } from '../../src/core/engine';
import { ElemType, GraphBuilder, decodeModel, initializerFloats, listLayers, type DecodedModel } from '../../src/core/onnx';
import { buildGpt2Model, gpt2Layers } from '../../src/core/onnx/gpt2';
import type { LayerActivation, LayerInfo } from '../../src/core/types';
import { hasShared, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';

/** Position of each tensor's producer in the file (ONNX files are topologically sorted). */
function producerIndex(model: DecodedModel): Map<string, number> {
  const m = new Map<string, number>();
  model.graph!.node.forEach((n, i) => n.output.forEach((o) => o && m.set(o, i)));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function byLabel(layers: { label: string; tensor: string }[], acts: LayerActivation[], label: string): LayerActivation {
  const tensor = layers.find((l) => l.label === label)?.tensor;
  const act = acts.find((a) => a.layer === tensor);
  if (!act) throw new Error(`no activation for ${label}`);
  return act;
}

describeIf(hasShared, 'listLayers on MobileNetV2', () => {
  const model = decodeModel(readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx')));
  const layers = listLayers(model);

  test('64 recordable layers: stem, 17 inverted-residual blocks, head', () => {
    expect(layers.length).toBe(64);
    const groups = [...new Set(layers.map((l) => l.group))];
    expect(groups[0]).toBe('stem');
    expect(groups.at(-1)).toBe('head');
    expect(groups.filter((g) => g.startsWith('block ')).length).toBe(17);
    expect(layers.filter((l) => l.kind === 'add').length).toBe(10); // MobileNetV2 has 10 residual connections
    expect(layers.filter((l) => l.op === 'Clip' && (l.kind === 'relu' || l.kind === 'conv')).length).toBe(52); // 52 convs
    // Expanded blocks: expand 1x1 (relu6), depthwise 3x3 (relu6), linear projection; +residual when shapes match.
    expect(layers.filter((l) => l.group === 'block 3').map((l) => l.label)).toEqual([
      'block 3 · conv 1 (relu6)', 'block 3 · conv 2 (relu6)', 'block 3 · conv 3', 'block 3 · residual',
    ]);
    expect(layers.filter((l) => l.group === 'block 1').map((l) => l.label)).toEqual(['block 1 · conv 1 (relu6)', 'block 1 · conv 2']);
    expect(layers.filter((l) => l.group === 'head').map((l) => l.label)).toEqual(['head · conv 1 (relu6)', 'head · global pool', 'head · logits']);
    expect(layers.at(-1)).toMatchObject({ tensor: 'output', kind: 'logits' });
  });

  test('depth follows topological order and every tensor exists, no shape plumbing', () => {
    const at = producerIndex(model);
    layers.forEach((l, i) => {
      expect(l.depth).toBe(i);
      expect(at.has(l.tensor), l.tensor).toBe(true);
      if (i > 0) expect(at.get(l.tensor)!).toBeGreaterThan(at.get(layers[i - 1].tensor)!);
      expect(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape', 'Constant', 'Cast']).not.toContain(l.op);
    });
    expect(new Set(layers.map((l) => l.tensor)).size).toBe(layers.length);
  });
});

describeIf(hasShared, 'listLayers on the ORT-fused tiny GPT-2', () => {
  const model = decodeModel(readFileSync(sharedPath('models/tiny-random-gpt2-fp32/past.onnx')));
  const layers = listLayers(model);

  test('embedding, 5 blocks x (attention, MLP, residual), final LayerNorm, logits', () => {
    expect(layers.map((l) => l.label)).toEqual([
      'embedding',
      ...[0, 1, 2, 3, 4].flatMap((k) => [`block ${k} · attention`, `block ${k} · MLP`, `block ${k} · residual`]),
      'final LayerNorm',
      'logits',
    ]);
    expect(layers[0].tensor).toBe('EmbedLayerNormalization_0_embedding_sum');
    expect(layers.find((l) => l.label === 'block 0 · residual')?.tensor).toBe('/transformer/h.0/Add_1_output_0');
    expect(layers.find((l) => l.label === 'block 0 · attention')?.tensor).toBe('GptAttention_0_matmul_output');
    expect(layers.find((l) => l.label === 'block 4 · MLP')?.tensor).toBe('FullyConnect_MatMul_9_output');
    expect(layers.at(-2)?.tensor).toBe('/transformer/ln_f/Add_1_output_0');
    expect(layers.at(-1)).toMatchObject({ tensor: 'logits', kind: 'logits' });
  });

  test('recorded values obey the residual algebra (stream + attention + mlp + biases) and LayerNorm', async () => {
    // Block 4's residual sum is not emitted by the file: it is the optional SkipLayerNormalization output we add.
    const rec = await Recorder.create(ort, model, { layers: layers.map((l) => l.tensor) });
    const T = 6;
    const ids = Int32Array.from([5, 17, 998, 0, 42, 7]);
    const feeds: Record<string, { data: Int32Array | Float32Array; dims: number[] }> = {
      input_ids: { data: ids, dims: [1, T] },
      position_ids: { data: Int32Array.from({ length: T }, (_, i) => i), dims: [1, T] },
      attention_mask: { data: new Int32Array(T).fill(1), dims: [1, T] },
    };
    for (let i = 0; i < 5; i++) feeds[`past_${i}`] = { data: new Float32Array(0), dims: [2, 1, 4, 0, 8] };
    const acts = await rec.run(feeds);
    await rec.dispose();
    const D = 32;

    const wte = initializerFloats(model, 'transformer.wte.weight')!.data;
    const wpe = initializerFloats(model, 'transformer.wpe.weight')!.data;
    const embedding = byLabel(layers, acts, 'embedding');
    expect(embedding.dims).toEqual([1, T, D]);
    const expectedEmbedding = new Float32Array(T * D).map((_, i) => wte[ids[Math.floor(i / D)] * D + (i % D)] + wpe[Math.floor(i / D) * D + (i % D)]);
    expect(maxAbsDiff(embedding.data, expectedEmbedding)).toBeLessThan(1e-6);

    const skipNodes = model.graph!.node.filter((n) => n.opType === 'SkipLayerNormalization');
    let stream = embedding.data;
    for (let k = 0; k < 5; k++) {
      const attn = byLabel(layers, acts, `block ${k} · attention`).data;
      const mlp = byLabel(layers, acts, `block ${k} · MLP`).data;
      const attnBias = initializerFloats(model, skipNodes[2 * k].input[4])!.data;
      const mlpBias = initializerFloats(model, skipNodes[2 * k + 1].input[4])!.data;
      const expected = stream.map((v, i) => v + attn[i] + attnBias[i % D] + mlp[i] + mlpBias[i % D]);
      const residual = byLabel(layers, acts, `block ${k} · residual`).data;
      expect(maxAbsDiff(residual, expected), `block ${k}`).toBeLessThan(1e-4);
      stream = residual;
    }
    const last = skipNodes.at(-1)!;
    const gamma = initializerFloats(model, last.input[2])!.data;
    const beta = initializerFloats(model, last.input[3])!.data;
    const eps = last.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-12;
    const norm = new Float32Array(T * D);
    for (let t = 0; t < T; t++) {
      const row = stream.subarray(t * D, (t + 1) * D);
      const mean = row.reduce((a, b) => a + b, 0) / D;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
      for (let d = 0; d < D; d++) norm[t * D + d] = ((row[d] - mean) / Math.sqrt(variance + eps)) * gamma[d] + beta[d];
    }
    expect(maxAbsDiff(byLabel(layers, acts, 'final LayerNorm').data, norm)).toBeLessThan(1e-4);
    expect(byLabel(layers, acts, 'logits').dims).toEqual([1, T, 1000]);
  });
});

/** A 2-block pre-LN GPT-2-style graph from standard ops, named like a torch export (h.{i}...). */
function buildStandardGpt(blocks: number, D = 8, V = 11) {
  const g = new GraphBuilder('gpt');
  let seed = 3;
  const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.8);
  const ids = g.input('input_ids', ['batch', 'seq'], ElemType.INT64);
  const pos = g.input('position_ids', ['batch', 'seq'], ElemType.INT64);
  const tok = g.node('Gather', [g.floats('wte', [V, D], rand(V * D)), ids], '/transformer/wte/Gather_output_0');
  const wpe = g.node('Gather', [g.floats('wpe', [16, D], rand(16 * D)), pos], '/transformer/wpe/Gather_output_0');
  let x = g.node('Add', [tok, wpe], '/transformer/Add_output_0');
  const ln = (name: string, input: string) =>
    g.node('LayerNormalization', [input, g.floats(`${name}.weight`, [D], rand(D).map((v) => 1 + v)), g.floats(`${name}.bias`, [D], rand(D))], `/transformer/${name}/LayerNormalization_output_0`, { axis: -1, epsilon: 1e-5 });
  const linear = (name: string, input: string, inD: number, outD: number) => {
    const mm = g.node('MatMul', [input, g.floats(`${name}.weight`, [inD, outD], rand(inD * outD))], `/transformer/${name}/MatMul_output_0`);
    return g.node('Add', [g.floats(`${name}.bias`, [outD], rand(outD)), mm], `/transformer/${name}/Add_output_0`);
  };
  for (let i = 0; i < blocks; i++) {
    const h = `h.${i}`;
    const a = ln(`${h}/ln_1`, x);
    const v = linear(`${h}/attn/c_attn`, a, D, D);
    const scores = g.node('Softmax', [g.node('MatMul', [a, g.node('Transpose', [a], `/transformer/${h}/attn/Transpose_output_0`, { perm: [0, 2, 1] })], `/transformer/${h}/attn/MatMul_output_0`)], `/transformer/${h}/attn/Softmax_output_0`, { axis: -1 });
    const attn = linear(`${h}/attn/c_proj`, g.node('MatMul', [scores, v], `/transformer/${h}/attn/MatMul_1_output_0`), D, D);
    x = g.node('Add', [x, attn], `/transformer/${h}/Add_output_0`);
    const m = ln(`${h}/ln_2`, x);
    const mlp = linear(`${h}/mlp/c_proj`, g.node('Tanh', [linear(`${h}/mlp/c_fc`, m, D, 2 * D)], `/transformer/${h}/mlp/act/Tanh_output_0`), 2 * D, D);
    x = g.node('Add', [x, mlp], `/transformer/${h}/Add_1_output_0`);
  }
  const f = ln('ln_f', x);
  g.node('MatMul', [f, g.floats('lm_head', [D, V], rand(D * V))], 'logits');
  g.output('logits', ['batch', 'seq', V]);
  return g.toModel([{ version: 17 }]);
}

describe('listLayers on a GPT-2 graph from standard ops', () => {
  const model = buildStandardGpt(2);
  const layers = listLayers(model);

  test('follows the residual stream through LayerNormalization and Add', () => {
    expect(layers.map((l) => [l.label, l.tensor])).toEqual([
      ['embedding', '/transformer/Add_output_0'],
      ['block 0 · attention', '/transformer/h.0/attn/c_proj/Add_output_0'],
      ['block 0 · MLP', '/transformer/h.0/mlp/c_proj/Add_output_0'],
      ['block 0 · residual', '/transformer/h.0/Add_1_output_0'],
      ['block 1 · attention', '/transformer/h.1/attn/c_proj/Add_output_0'],
      ['block 1 · MLP', '/transformer/h.1/mlp/c_proj/Add_output_0'],
      ['block 1 · residual', '/transformer/h.1/Add_1_output_0'],
      ['final LayerNorm', '/transformer/ln_f/LayerNormalization_output_0'],
      ['logits', 'logits'],
    ]);
    expect(layers.map((l) => l.kind)).toEqual(['embedding', 'attention', 'mlp', 'residual', 'attention', 'mlp', 'residual', 'norm', 'logits']);
  });

  test('records in onnxruntime-node; residual = previous stream + attention + mlp', async () => {
    const rec = await Recorder.create(ort, model, { layers: layers.map((l) => l.tensor) });
    const acts = await rec.run({
      input_ids: { data: BigInt64Array.from([1n, 4n, 9n, 2n, 3n, 3n, 0n, 10n]), dims: [2, 4] },
      position_ids: { data: BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n, 2n, 3n]), dims: [2, 4] },
    });
    await rec.dispose();
    let stream = byLabel(layers, acts, 'embedding').data;
    for (const k of [0, 1]) {
      const attn = byLabel(layers, acts, `block ${k} · attention`).data;
      const mlp = byLabel(layers, acts, `block ${k} · MLP`).data;
      const residual = byLabel(layers, acts, `block ${k} · residual`);
      expect(residual.dims).toEqual([2, 4, 8]);
      expect(maxAbsDiff(residual.data, stream.map((v, i) => v + attn[i] + mlp[i]))).toBeLessThan(1e-5);
      stream = residual.data;
    }
  });
});

test('listLayers on gpt2.ts\'s GPT-2 agrees with the layers that file declares', () => {
  const layers = listLayers(decodeModel(buildGpt2Model({ nLayer: 3, nHead: 2, nEmbd: 16, vocabSize: 40, nPositions: 16 })));
  const pick = (l: LayerInfo) => [l.tensor, l.label, l.group, l.kind, l.depth];
  expect(layers.map(pick)).toEqual(gpt2Layers(3).map(pick));
});

test.skipIf(!hasShared)('listLayers on a quantized ResNet-8 (QLinearConv/QLinearAdd, com.microsoft)', () => {
  const layers = listLayers(decodeModel(readFileSync(sharedPath('models/mlperftiny_ic_resnet8_int8.onnx'))));
  expect(layers.map((l) => l.label)).toEqual([
    // Folded ReLUs read from the output ranges (zero point 0), as the fp32 model's Conv+Relu and Add+Relu units.
    'stem · conv 1 (relu)',
    'block 1 · conv 1 (relu)', 'block 1 · conv 2', 'block 1 · residual (relu)',
    'block 2 · conv 1 (relu)', 'block 2 · conv 2', 'block 2 · conv 3', 'block 2 · residual (relu)',
    'block 3 · conv 1 (relu)', 'block 3 · conv 2', 'block 3 · conv 3', 'block 3 · residual (relu)',
    'head · logits',
  ]);
  expect(layers.at(-1)).toMatchObject({ tensor: '76', op: 'DequantizeLinear', kind: 'logits' });
});
