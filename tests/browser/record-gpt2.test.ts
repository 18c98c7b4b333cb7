/**
 * (c) Language models in the model worker (WASM): the ORT-fused tiny random GPT-2 (com.microsoft
 * Attention, empty key/value cache filled in by the worker) and the project's own GPT-2-architecture
 * model built in code. Per-block residual states are compared with onnxruntime-node on the same tokens.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { decodeModel } from '../../src/core/onnx/proto';
import { buildGpt2Model, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { exposeTensors } from '../../src/core/onnx/expose';
import { hasShared, sharedPath } from '../support/shared';
import { loadModelInPage, recordInPage, useEnginePage } from '../support/page-engine';
import { maxAbs, maxAbsDiff } from '../support/mobilenet';
import { hasDist } from '../support/browser';
import { describeIf } from '../support/ci';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const BATCH = 2;
const SEQ = 6;
/** Fixed token ids below the tiny model's 1000-word vocabulary. */
const IDS = [15, 873, 42, 7, 512, 99, 3, 250, 640, 11, 908, 77];

describeIf(hasDist && hasShared, 'GPT-2 models in the model worker vs onnxruntime-node', () => {
  const ctx = useEnginePage();

  test('tiny-random-gpt2 (past.onnx, fused ops): 4 block residual states + logits', async () => {
    const loaded = await loadModelInPage(ctx.s.page, '/silico-test/tiny-random-gpt2/resolve/main/model.onnx', 'wasm');
    expect(loaded.inputs.map((i) => i.name)).toEqual(['input_ids', 'position_ids', 'attention_mask', 'past_0', 'past_1', 'past_2', 'past_3', 'past_4']);
    const layers = [0, 1, 2, 3].map((i) => `/transformer/h.${i}/Add_1_output_0`).concat('logits');
    const { acts } = await recordInPage(ctx.s.page, loaded.id, layers, { input_ids: { dims: [BATCH, SEQ], ints: IDS } }, 1);

    const session = await ort.InferenceSession.create(exposeTensors(decodeModel(new Uint8Array(readFileSync(sharedPath('models/tiny-random-gpt2-fp32/past.onnx')))), layers));
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {
      input_ids: new ort.Tensor('int32', Int32Array.from(IDS), [BATCH, SEQ]),
      position_ids: new ort.Tensor('int32', Int32Array.from({ length: BATCH * SEQ }, (_, i) => i % SEQ), [BATCH, SEQ]),
      attention_mask: new ort.Tensor('int32', new Int32Array(BATCH * SEQ).fill(1), [BATCH, SEQ]),
    };
    for (let i = 0; i < 5; i++) feeds[`past_${i}`] = new ort.Tensor('float32', new Float32Array(0), [2, BATCH, 4, 0, 8]);
    const ref = await session.run(feeds, layers);
    for (const a of acts) {
      expect(a.dims).toEqual(ref[a.layer].dims);
      const diff = maxAbsDiff(a.data, ref[a.layer].data as Float32Array);
      console.log(`past.onnx ${a.layer} [${a.dims}] max |diff| = ${diff.toExponential(2)} (max |ref| ${maxAbs(ref[a.layer].data as Float32Array).toFixed(3)})`);
      expect(diff).toBeLessThan(1e-4);
    }
    // Different tokens give different states (the comparison is not trivially zero vs zero).
    expect(maxAbs(acts[0].data)).toBeGreaterThan(1e-3);
    await session.release();
  });

  test('built-in GPT-2 (tiny, untrained, seed 0): per-block residual stream', async () => {
    const loaded = await ctx.s.page.evaluate(() => (window as any).__silico.engine.buildBuiltinModel('gpt2-tiny', { ep: 'wasm' }));
    const blocks = GPT2_SIZES.tiny.nLayer;
    const resid = Array.from({ length: blocks }, (_, i) => `h.${i}.resid`);
    expect(loaded.layers.map((l: { tensor: string }) => l.tensor)).toEqual(expect.arrayContaining(['embed', ...resid, 'ln_f', 'logits']));
    const layers = ['embed', ...resid];
    const { acts } = await recordInPage(ctx.s.page, loaded.id, layers, { input_ids: { dims: [BATCH, SEQ], ints: IDS } }, 2);

    const session = await ort.InferenceSession.create(buildGpt2Model({ ...GPT2_SIZES.tiny, seed: 0, extraOutputs: layers }));
    const ref = await session.run(
      {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(IDS, BigInt), [BATCH, SEQ]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(BATCH * SEQ).fill(1n), [BATCH, SEQ]),
      },
      layers,
    );
    for (const a of acts) {
      expect(a.dims).toEqual([BATCH, SEQ, GPT2_SIZES.tiny.nEmbd]);
      const diff = maxAbsDiff(a.data, ref[a.layer].data as Float32Array);
      console.log(`gpt2-tiny ${a.layer} [${a.dims}] max |diff| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    }
    await session.release();
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });
});

describeIf(hasDist && hasShared, 'sentences through the GPT-2 tokenizer', () => {
  const ctx = useEnginePage();

  test('recordSentences: last-token and mean pooling of the built-in GPT-2 match onnxruntime-node', async () => {
    // GPT-2 BPE ids, as published for the original tokenizer: "The cat sat." and "Hello world".
    const sentences = [{ text: 'The cat sat.', ids: [464, 3797, 3332, 13] }, { text: 'Hello world', ids: [15496, 995] }];
    const layer = 'h.1.resid';
    const res = await ctx.s.page.evaluate(async ({ texts, layer }) => {
      const engine = (window as any).__silico.engine;
      await engine.configure('wasm');
      const tok = new Uint8Array(await (await fetch('/silico-test/tiny-random-gpt2/resolve/main/tokenizer.json')).arrayBuffer());
      const m = await engine.buildBuiltinModel('gpt2-tiny', { ep: 'wasm', tokenizerJson: tok });
      const last = await engine.recordSentences(m.id, [layer], texts, { pooling: 'last' });
      const mean = await engine.recordSentences(m.id, [layer], texts, { pooling: 'mean' });
      return { hasTokenizer: m.hasTokenizer, last: { dims: last[0].dims, data: Array.from(last[0].data as Float32Array) }, mean: { dims: mean[0].dims, data: Array.from(mean[0].data as Float32Array) } };
    }, { texts: sentences.map((x) => x.text), layer });
    expect(res.hasTokenizer).toBe(true);
    const d = GPT2_SIZES.tiny.nEmbd;
    expect(res.last.dims).toEqual([2, d]);
    expect(res.mean.dims).toEqual([2, d]);

    const session = await ort.InferenceSession.create(buildGpt2Model({ ...GPT2_SIZES.tiny, seed: 0, extraOutputs: [layer] }));
    for (let k = 0; k < sentences.length; k++) {
      const ids = sentences[k].ids;
      const out = await session.run(
        {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
        },
        [layer],
      );
      const states = out[layer].data as Float32Array;
      const lastRef = states.subarray((ids.length - 1) * d, ids.length * d);
      const meanRef = new Float32Array(d).map((_, j) => states.filter((_, i) => i % d === j).reduce((a, b) => a + b, 0) / ids.length);
      expect(maxAbsDiff(Float32Array.from(res.last.data.slice(k * d, (k + 1) * d)), lastRef)).toBeLessThan(1e-4);
      expect(maxAbsDiff(Float32Array.from(res.mean.data.slice(k * d, (k + 1) * d)), meanRef)).toBeLessThan(1e-4);
    }
    await session.release();
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });
});
