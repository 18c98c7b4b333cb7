import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildGpt2Model, gpt2Layers, gpt2ParamCount, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { onnx } from '../../src/core/onnx/proto';
import { buildGpt2Lazy, drawnOnRead, GPT2_WEIGHTS_PATH } from '../../src/core/language/gpt2-weights';
import { hasPythonModules, runPythonScript } from '../support/python';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<typeof ort.InferenceSession.create>>;

// Independent forward pass of HF GPT2LMHeadModel in numpy, from the dumped initializers.
const NUMPY_GPT2 = String.raw`
import json, sys, numpy as np
d = sys.argv[1]
man = json.load(open(d + '/manifest.json'))
W = {k: np.fromfile(d + '/' + k + '.bin', dtype='<f4').astype(np.float64).reshape(v) for k, v in man['weights'].items()}
cfg = man['config']; H = cfg['nHead']; L = cfg['nLayer']
ids = np.array(man['ids']); mask = np.array(man['mask'])
B, T = ids.shape; D = W['wte.weight'].shape[1]; dh = D // H
def ln(x, p):
    mu = x.mean(-1, keepdims=True); var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * W[p + '.weight'] + W[p + '.bias']
def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
x = W['wte.weight'][ids] + W['wpe.weight'][np.arange(T)][None]
out = {'embed': x}
allowed = np.tril(np.ones((T, T), bool))[None, None] & (mask[:, None, None, :] == 1)
for i in range(L):
    p = 'h.%d' % i
    a = ln(x, p + '.ln_1')
    qkv = a @ W[p + '.attn.c_attn.weight'] + W[p + '.attn.c_attn.bias']
    q, k, v = [t.reshape(B, T, H, dh).transpose(0, 2, 1, 3) for t in np.split(qkv, 3, axis=-1)]
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh)
    s = np.where(allowed, s, -1e30)
    s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
    ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
    attn_out = ctx @ W[p + '.attn.c_proj.weight'] + W[p + '.attn.c_proj.bias']
    x = x + attn_out
    m = gelu_new(ln(x, p + '.ln_2') @ W[p + '.mlp.c_fc.weight'] + W[p + '.mlp.c_fc.bias'])
    mlp_out = m @ W[p + '.mlp.c_proj.weight'] + W[p + '.mlp.c_proj.bias']
    x = x + mlp_out
    out[p + '.attn_out'] = attn_out; out[p + '.mlp_out'] = mlp_out; out[p + '.resid'] = x
out['ln_f'] = ln(x, 'ln_f')
out['logits'] = out['ln_f'] @ W['wte.weight'].T
for k, v in out.items():
    v.astype('<f4').tofile(d + '/out.' + k + '.bin')
`;

const CONFIG = { ...GPT2_SIZES.tiny, seed: 7 };
const EXPOSED = ['embed', 'h.0.attn_out', 'h.0.mlp_out', 'h.0.resid', 'h.1.resid', 'ln_f'];
// Three sentences of 6 tokens; the second is right-padded after 4 tokens.
const IDS = [
  [15496, 995, 11, 314, 1101, 257],
  [464, 2068, 7586, 21831, 50256, 50256],
  [50256, 7, 9, 100, 2000, 50000],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
  [1, 1, 1, 1, 1, 1],
];

function feeds(ids: number[][], mask: number[][]) {
  const dims = [ids.length, ids[0].length];
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), dims),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask.flat().map(BigInt)), dims),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('GPT-2 random-weight ONNX model (tiny preset)', () => {
  let bytes: Uint8Array;
  let session: Session;
  let dir: string;

  beforeAll(async () => {
    bytes = buildGpt2Model({ ...CONFIG, extraOutputs: EXPOSED });
    session = await ort.InferenceSession.create(bytes);
    dir = mkdtempSync(join(tmpdir(), 'silico-gpt2-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('initializers follow HF GPT-2 init and parameter count', () => {
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.opsetImport[0].version)).toBe(17);
    const ops = new Set((model.graph!.node ?? []).map((n) => n.opType));
    for (const op of ops) expect(['Shape', 'Gather', 'Range', 'Add', 'Unsqueeze', 'LessOrEqual', 'Cast', 'And', 'LayerNormalization', 'MatMul', 'Split', 'Reshape', 'Transpose', 'Div', 'Where', 'Softmax', 'Mul', 'Tanh', 'Gemm', 'Concat']).toContain(op);
    let params = 0;
    const stats = new Map<string, { mean: number; sd: number }>();
    for (const t of model.graph!.initializer ?? []) {
      if (t.dataType !== 1 || t.name!.startsWith('const.')) continue;
      const raw = t.rawData!;
      const v = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      params += v.length;
      let s = 0;
      let ss = 0;
      for (const x of v) {
        s += x;
        ss += x * x;
      }
      stats.set(t.name!, { mean: s / v.length, sd: Math.sqrt(ss / v.length - (s / v.length) ** 2) });
    }
    expect(params).toBe(gpt2ParamCount(CONFIG));
    expect(gpt2ParamCount(GPT2_SIZES.small)).toBe(124_439_808); // HF gpt2 (tied embeddings)
    expect(stats.get('wte.weight')!.sd).toBeCloseTo(0.02, 4);
    expect(stats.get('h.0.attn.c_attn.weight')!.sd).toBeCloseTo(0.02, 3);
    expect(stats.get('h.1.mlp.c_proj.weight')!.sd).toBeCloseTo(0.02 / Math.sqrt(4), 3);
    expect(stats.get('h.0.ln_1.weight')).toEqual({ mean: 1, sd: 0 });
    expect(stats.get('h.0.mlp.c_fc.bias')).toEqual({ mean: 0, sd: 0 });
    // Same seed, same bytes; another seed, other weights.
    const progress: number[] = [];
    const again = buildGpt2Model({ ...CONFIG, extraOutputs: EXPOSED, onProgress: (p) => progress.push(p.done / p.total) });
    expect(Buffer.from(again).equals(bytes)).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(Buffer.from(buildGpt2Model({ ...CONFIG, seed: 8, extraOutputs: EXPOSED })).equals(bytes)).toBe(false);
  });

  test.skipIf(!hasPythonModules('numpy'))('matches an independent numpy forward pass (incl. padding) to 1e-4', async () => {
    const model = onnx.ModelProto.decode(bytes);
    const weights: Record<string, number[]> = {};
    for (const t of model.graph!.initializer ?? []) {
      if (t.dataType !== 1 || t.name!.startsWith('const.')) continue;
      writeFileSync(join(dir, `${t.name}.bin`), t.rawData!);
      weights[t.name!] = t.dims!.map(Number);
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ config: CONFIG, weights, ids: IDS, mask: MASK }));
    runPythonScript(NUMPY_GPT2, { args: [dir] });

    const result = await session.run(feeds(IDS, MASK));
    for (const name of [...EXPOSED, 'logits']) {
      const buf = readFileSync(join(dir, `out.${name}.bin`));
      const ref = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const got = result[name].data as Float32Array;
      expect(maxAbsDiff(got, ref), name).toBeLessThan(1e-4);
    }
    expect(result.logits.dims).toEqual([3, 6, 50257]);
    expect(result['h.1.resid'].dims).toEqual([3, 6, 128]);
  });

  test('causal: changing a later token leaves earlier positions unchanged', async () => {
    const V = 50257;
    const a = (await session.run(feeds([IDS[0]], [MASK[0]]))).logits.data as Float32Array;
    const changed = [...IDS[0]];
    changed[4] = 42;
    const b = (await session.run(feeds([changed], [MASK[0]]))).logits.data as Float32Array;
    expect(maxAbsDiff(a.subarray(0, 4 * V), b.subarray(0, 4 * V))).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.subarray(4 * V), b.subarray(4 * V))).toBeGreaterThan(1e-3);
  });

  test('right padding does not change the unpadded positions', async () => {
    const V = 50257;
    const alone = (await session.run(feeds([IDS[1].slice(0, 4)], [[1, 1, 1, 1]]))).logits.data as Float32Array;
    const batched = (await session.run(feeds(IDS, MASK))).logits.data as Float32Array;
    const row1 = batched.subarray(6 * V, 6 * V + 4 * V);
    expect(maxAbsDiff(alone, row1)).toBeLessThan(1e-5);
    // And the pad token's id is irrelevant once masked.
    const otherPad = IDS.map((r, i) => (i === 1 ? [...r.slice(0, 4), 3, 3] : r));
    const batched2 = (await session.run(feeds(otherPad, MASK))).logits.data as Float32Array;
    expect(maxAbsDiff(row1, batched2.subarray(6 * V, 10 * V))).toBeLessThan(1e-6);
  });

  test('onnxruntime-web (WASM) gives the same logits as onnxruntime-node', async () => {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    const webSession = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const dims = [IDS.length, IDS[0].length];
    const out = await webSession.run({
      input_ids: new web.Tensor('int64', BigInt64Array.from(IDS.flat().map(BigInt)), dims),
      attention_mask: new web.Tensor('int64', BigInt64Array.from(MASK.flat().map(BigInt)), dims),
    });
    const ref = (await session.run(feeds(IDS, MASK))).logits.data as Float32Array;
    expect(maxAbsDiff(out.logits.data as Float32Array, ref)).toBeLessThan(1e-4);
    await webSession.release();
  });

  test('lazily drawn external weights are the built model\'s bytes, in any order, and load in onnxruntime-web', async () => {
    const lazy = buildGpt2Lazy({ ...CONFIG, extraOutputs: EXPOSED });
    const built = new Map((onnx.ModelProto.decode(bytes).graph!.initializer ?? []).map((t) => [t.name!, t]));
    const graph = onnx.ModelProto.decode(lazy.model).graph!;
    expect(lazy.model.byteLength).toBeLessThan(20_000);
    expect(graph.initializer!.map((t) => t.name)).toEqual([...built.keys()]);
    let external = 0;
    const refs: { name: string; offset: number; length: number }[] = [];
    for (const t of graph.initializer!) {
      if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
        expect(Buffer.from(t.rawData!).equals(Buffer.from(built.get(t.name!)!.rawData!)), t.name!).toBe(true);
        continue;
      }
      const kv = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
      expect(kv.location).toBe(GPT2_WEIGHTS_PATH);
      refs.push({ name: t.name!, offset: Number(kv.offset), length: Number(kv.length) });
      external += Number(kv.length);
    }
    expect(external).toBe(lazy.byteLength);
    expect(external).toBeGreaterThan(gpt2ParamCount(CONFIG) * 4 - 10_000);
    // Each tensor drawn alone, last first, equals the builder's bytes; so do parts and unaligned ranges.
    for (const r of [...refs].reverse()) expect(Buffer.from(lazy.read(r.offset, new Uint8Array(r.length))).equals(Buffer.from(built.get(r.name)!.rawData!)), r.name).toBe(true);
    const whole = lazy.read(0, new Uint8Array(lazy.byteLength));
    const w = refs.find((r) => r.name === 'h.1.mlp.c_fc.weight')!;
    expect(Buffer.from(whole.subarray(w.offset, w.offset + w.length)).equals(Buffer.from(built.get(w.name)!.rawData!))).toBe(true);
    expect(Buffer.from(lazy.read(w.offset + 3, new Uint8Array(1001))).equals(Buffer.from(whole.subarray(w.offset + 3, w.offset + 1004)))).toBe(true);
    const file = drawnOnRead(lazy);
    expect(file).toBeInstanceOf(Uint8Array);
    expect(file.byteLength).toBe(lazy.byteLength);
    expect(Buffer.from(file.subarray(w.offset, w.offset + 8)).equals(Buffer.from(whole.subarray(w.offset, w.offset + 8)))).toBe(true);
    expect(() => lazy.read(lazy.byteLength - 4, new Uint8Array(8))).toThrow(RangeError);

    // onnxruntime-web takes the drawn-on-read file as its external data and computes what node computes.
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    const webSession = await web.InferenceSession.create(lazy.model, { executionProviders: ['wasm'], externalData: [{ path: GPT2_WEIGHTS_PATH, data: file }] });
    const dims = [IDS.length, IDS[0].length];
    const out = await webSession.run({
      input_ids: new web.Tensor('int64', BigInt64Array.from(IDS.flat().map(BigInt)), dims),
      attention_mask: new web.Tensor('int64', BigInt64Array.from(MASK.flat().map(BigInt)), dims),
    });
    const ref = await session.run(feeds(IDS, MASK));
    for (const name of ['logits', 'h.1.resid']) expect(maxAbsDiff(out[name].data as Float32Array, ref[name].data as Float32Array), name).toBeLessThan(1e-4);
    await webSession.release();
  });

  test('layer list names tensors that exist in the graph', () => {
    const model = onnx.ModelProto.decode(bytes);
    const produced = new Set((model.graph!.node ?? []).flatMap((n) => n.output ?? []));
    const layers = gpt2Layers(CONFIG.nLayer);
    expect(layers.map((l) => l.tensor)).toContain('h.1.resid');
    for (const l of layers) expect(produced.has(l.tensor), l.tensor).toBe(true);
    expect(() => buildGpt2Model({ ...CONFIG, extraOutputs: ['h.9.resid'] })).toThrow(/no tensor named/);
    expect(() => buildGpt2Model({ nLayer: 1, nHead: 3, nEmbd: 128 })).toThrow(/divisible/);
  });
});
