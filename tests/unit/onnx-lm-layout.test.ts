/**
 * Language models in the Hugging Face Optimum / transformers.js layout (Xenova/gpt2: onnx/decoder_model.onnx,
 * _quantized, tokenizer.json): built in code in exactly that layout (seeded weights, torch-export node names and
 * I/O), served from the local hub mirror on 127.0.0.1, downloaded with progress into the model cache, then run by
 * the sentence engine. References: onnxruntime-node fed by the test itself, one sentence at a time, and our own
 * GPT-2 build with the same seed (same network, other layout).
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HUB_MODELS, type HubModelEntry } from '../../src/core/catalog/models';
import { downloadModel, type DownloadProgress } from '../../src/core/download/download';
import type { OrtModule } from '../../src/core/engine';
import { detectLmLayout } from '../../src/core/language/lm-layout';
import { SentenceEngine } from '../../src/core/language/sentence-engine';
import { decodeModel, encodeModel, exposeTensors, listLayers, onnx } from '../../src/core/onnx';
import { buildGpt2Model, buildGpt2OptimumModel } from '../../src/core/onnx/gpt2';
import { quantizeMatMulsDynamic } from '../../src/core/onnx/quantize';
import { ModelCache } from '../../src/core/store/cache';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { UserFacingError } from '../../src/core/types';
import { HUB_FILES, startServer, type TestServer } from '../support/server';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';

const ortModule = ort as unknown as OrtModule;
const CONFIG = { nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64, seed: 7 };
const SENTENCES = ['The cat sat on the mat.', 'Colorless green ideas sleep furiously.', 'I went to the store yesterday.'];
const BOS = 50256;

/** The test's own run: one sentence, BOS first, every input the export has, fetched by name. */
async function reference(bytes: Uint8Array, ids: number[], tensors: string[]): Promise<{ last: Record<string, Float32Array>; bits: number }> {
  const model = decodeModel(bytes);
  for (const t of tensors) if (!model.graph.output.some((o) => o.name === t)) model.graph.output.push(onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: 1 } } }) as never);
  const session = await ort.InferenceSession.create(encodeModel(model));
  const T = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
  };
  if (session.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from({ length: T }, (_, i) => BigInt(i)), [1, T]);
  if (session.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([0]), [1]);
  for (const n of session.inputNames.filter((n) => n.startsWith('past_key_values.'))) feeds[n] = new ort.Tensor('float32', new Float32Array(0), [1, CONFIG.nHead, 0, CONFIG.nEmbd / CONFIG.nHead]);
  const out = await session.run(feeds, ['logits', ...tensors]);
  await session.release();
  const last: Record<string, Float32Array> = {};
  for (const t of tensors) {
    const d = out[t].data as Float32Array;
    const width = d.length / T;
    last[t] = d.slice((T - 1) * width, T * width);
  }
  const logits = out.logits.data as Float32Array;
  const V = logits.length / T;
  let bits = 0;
  for (let t = 1; t < T; t++) {
    const row = logits.subarray((t - 1) * V, t * V);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    bits += -(row[ids[t]] - max - Math.log(sum)) / Math.LN2;
  }
  return { last, bits: bits / (T - 1) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('detectLmLayout maps the export I/O by role and refuses what it cannot fill', () => {
  const past = (i: number, kv: string) => ({ name: `past_key_values.${i}.${kv}`, type: 'float16', shape: ['batch_size', 12, 'past_sequence_length', 64] });
  const layout = detectLmLayout(
    [{ name: 'input_ids' }, { name: 'attention_mask' }, { name: 'position_ids' }, past(0, 'key'), past(0, 'value'), { name: 'use_cache_branch', type: 'bool', shape: [1] }],
    ['logits', 'present.0.key', 'present.0.value'],
  );
  expect(layout).toMatchObject({ inputIds: 'input_ids', attentionMask: 'attention_mask', positionIds: 'position_ids', useCacheBranch: 'use_cache_branch', logits: 'logits', presents: ['present.0.key', 'present.0.value'] });
  expect(layout.past).toEqual([
    { name: 'past_key_values.0.key', type: 'float16', emptyShape: [-1, 12, 0, 64] },
    { name: 'past_key_values.0.value', type: 'float16', emptyShape: [-1, 12, 0, 64] },
  ]);
  expect(() => detectLmLayout([{ name: 'pixel_values' }], ['logits'])).toThrow(/none takes token ids/);
  expect(() => detectLmLayout([{ name: 'input_ids' }, { name: 'token_type_ids' }], ['last_hidden_state'])).toThrow(/needs an input "token_type_ids"/);
  expect(() => detectLmLayout([{ name: 'input_ids' }, { name: 'past_key_values.0.key', type: 'float32', shape: ['b', 'h', 'p', 'd'] }], ['logits'])).toThrow(UserFacingError);
});

test('catalog: GPT-2 entries use the transformers.js files, quantized by default, with sizes', () => {
  const gpt2 = HUB_MODELS.filter((m) => m.repo.startsWith('Xenova/'));
  expect(gpt2.length).toBeGreaterThanOrEqual(3);
  const byId = Object.fromEntries(gpt2.map((m) => [m.id, m]));
  expect(byId.gpt2.files.find((f) => f.path === 'model.onnx')!.file).toBe('onnx/decoder_model_quantized.onnx');
  expect(byId['gpt2-fp32'].files.find((f) => f.path === 'model.onnx')!.file).toBe('onnx/decoder_model.onnx');
  for (const m of gpt2) {
    expect(m.files.map((f) => f.path).sort()).toEqual(['model.onnx', 'tokenizer.json']);
    expect(m.files.every((f) => f.size > 0)).toBe(true);
    expect(m.files.find((f) => f.path === 'model.onnx')!.file).toMatch(/^onnx\/decoder_model(_quantized|_fp16)?\.onnx$/);
  }
});

describeIf(hasSharedFiles('models/gpt2-tokenizer/tokenizer.json'), 'Optimum-layout GPT-2 from the local hub mirror', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'silico-hub-'));
  const tokenizerJson = readFileSync(sharedPath('models/gpt2-tokenizer/tokenizer.json'), 'utf8');
  const variants = {
    'onnx/decoder_model.onnx': buildGpt2OptimumModel(CONFIG),
    'onnx/decoder_model_merged.onnx': buildGpt2OptimumModel({ ...CONFIG, past: true, useCacheBranch: true }),
    'onnx/model.onnx': buildGpt2OptimumModel({ ...CONFIG, past: true, positionIds: true }),
    'onnx/decoder_model_quantized.onnx': quantizeMatMulsDynamic(buildGpt2OptimumModel(CONFIG)),
  };
  const ours = buildGpt2Model({ ...CONFIG, extraOutputs: ['h.0.resid', 'h.1.resid'] });

  beforeAll(async () => {
    for (const [file, bytes] of Object.entries(variants)) {
      const path = join(dir, file.replace('/', '_'));
      writeFileSync(path, bytes);
      HUB_FILES[`silico-test/gpt2-optimum/${file}`] = path;
    }
    HUB_FILES['silico-test/gpt2-optimum/tokenizer.json'] = sharedPath('models/gpt2-tokenizer/tokenizer.json');
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  for (const file of Object.keys(variants) as (keyof typeof variants)[]) {
    test(`${file}: downloads with progress into the cache; every block's residual and the surprisal equal onnxruntime-node`, async () => {
      const bytes = variants[file];
      const entry: HubModelEntry = {
        kind: 'hub', id: `test-${file}`, name: 'GPT-2 (test, Optimum layout)', modality: 'language', description: '', repo: 'silico-test/gpt2-optimum',
        files: [{ path: 'model.onnx', file, size: bytes.length }, { path: 'tokenizer.json', file: 'tokenizer.json', size: Buffer.byteLength(tokenizerJson) }],
        tokenizer: 'tokenizer.json', license: 'MIT', verified: true,
      };
      const progress: DownloadProgress[] = [];
      const cache = new ModelCache(`silico-test-${file}`);
      await downloadModel(entry, { hubBase: server.hubBase, cache, onProgress: (p) => progress.push(p) });
      expect(server.hubRequests).toContain(`/silico-test/gpt2-optimum/resolve/main/${file}`);
      expect(progress.at(-1)!.loaded).toBe(bytes.length + Buffer.byteLength(tokenizerJson));
      expect(new Set(progress.map((p) => p.file))).toEqual(new Set(['model.onnx', 'tokenizer.json']));

      // What the language worker does with a cached model: list layers, expose them, open the engine.
      const cached = (await cache.get(entry.id))!;
      const model = cached.files.find((f) => f.path === 'model.onnx')!.data;
      const tokenizer = loadTokenizer(new TextDecoder().decode(cached.files.find((f) => f.path === 'tokenizer.json')!.data));
      const layers = listLayers(decodeModel(model));
      const residuals = layers.filter((l) => l.kind === 'residual');
      expect(residuals.map((l) => [l.label, l.tensor])).toEqual([0, 1].map((i) => [`block ${i} · residual`, `/transformer/h.${i}/Add_1_output_0`]));
      const recorded = layers.filter((l) => ['embedding', 'residual', 'norm'].includes(l.kind)).map((l) => l.tensor);
      const engine = await SentenceEngine.create(ortModule, exposeTensors(decodeModel(model), recorded), tokenizer.vocabSize);
      // Dynamic quantization scales activations per run (DynamicQuantizeLinear over the whole batch, padding
      // included), so a quantized model's features depend slightly on their batch mates: compare one at a time.
      const quantized = file.includes('quantized');
      const f = await engine.features(tokenizer, SENTENCES, recorded, { batchSize: quantized ? 1 : 2 });
      if (quantized) {
        const batched = await engine.features(tokenizer, SENTENCES, recorded, { batchSize: 3 });
        const t = residuals[1].tensor;
        console.log(`${file}: batch of 3 vs one at a time: max |Δ| block 1 residual ${maxAbsDiff(batched.features[t].data, f.features[t].data).toExponential(2)}, surprisal ${Math.max(...batched.surprisal.map((b, i) => Math.abs(b - f.surprisal[i]))).toExponential(2)} bits`);
      }
      await engine.dispose();
      for (const [s, sentence] of SENTENCES.entries()) {
        const ids = [BOS, ...tokenizer.encode(sentence)];
        const ref = await reference(bytes, ids, recorded);
        for (const t of recorded) {
          const width = f.features[t].width;
          expect(maxAbsDiff(f.features[t].data.slice(s * width, (s + 1) * width), ref.last[t]), `${t} of sentence ${s}`).toBeLessThan(1e-4);
        }
        expect(f.surprisal[s]).toBeCloseTo(ref.bits, 3);
        if (!file.includes('quantized')) {
          // fp32 exports are the same network as our own GPT-2 build with that seed.
          const own = await reference(ours, ids, ['h.0.resid', 'h.1.resid']);
          residuals.forEach((l, i) => expect(maxAbsDiff(ref.last[l.tensor], own.last[`h.${i}.resid`])).toBeLessThan(1e-4));
          expect(ref.bits).toBeCloseTo(own.bits, 3);
        }
      }
      console.log(`${file}: ${(bytes.length / 1e6).toFixed(2)} MB, surprisal ${Array.from(f.surprisal, (b) => b.toFixed(3)).join(', ')} bits/token`);
    }, 60_000);
  }
});
