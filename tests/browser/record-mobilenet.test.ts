/**
 * (a) MobileNetV2 in the model worker on WASM: record 5 layers for 2 images and compare with
 * onnxruntime-node on the same preprocessed inputs.
 */
import { describe, expect, test } from 'vitest';
import { hasShared } from '../support/shared';
import { f32ToBase64, loadModelInPage, recordInPage, useEnginePage } from '../support/page-engine';
import { MODEL_URL, finchTensor, maxAbs, maxAbsDiff, patternTensor, reference } from '../support/mobilenet';

describe.skipIf(!hasShared)('MobileNetV2 in the model worker vs onnxruntime-node', () => {
  const ctx = useEnginePage();

  test('WASM: 5 layers for 2 images match within 1e-4, progress reaches the total', async () => {
    const loaded = await loadModelInPage(ctx.s.page, MODEL_URL, 'wasm');
    expect(loaded.ep).toBe('wasm');
    expect(loaded.inputs[0]).toMatchObject({ name: 'input', shape: ['batch_size', 3, 224, 224] });
    expect(loaded.layers.length).toBeGreaterThan(50);
    const pick = [0.1, 0.35, 0.6, 0.85].map((f) => loaded.layers[Math.floor(f * loaded.layers.length)].tensor);
    const layers = [...pick, 'output'];
    const input = new Float32Array(2 * 3 * 224 * 224);
    input.set(finchTensor(), 0);
    input.set(patternTensor(), 3 * 224 * 224);
    const { acts, progress } = await recordInPage(ctx.s.page, loaded.id, layers, { input: { dims: [2, 3, 224, 224], f32: f32ToBase64(input) } }, 1);
    const ref = await reference(layers, input, 2);
    for (const a of acts) {
      expect(a.dims[0]).toBe(2);
      const diff = maxAbsDiff(a.data, ref[a.layer]);
      console.log(`wasm ${a.layer} [${a.dims}] max |diff| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    }
    // The finch is a bird: ImageNet classes 10–24 are birds (brambling 10, goldfinch 11, house finch 12 ...).
    const logits = acts.find((a) => a.layer === 'output')!.data.subarray(0, 1000);
    const top = logits.indexOf(Math.max(...logits));
    expect(top).toBeGreaterThanOrEqual(7);
    expect(top).toBeLessThanOrEqual(24);
    expect(progress.at(-1)).toEqual({ done: 2, total: 2 });
    const backend = await ctx.s.page.locator('[data-testid=backend-status]').textContent();
    expect(backend).toMatch(/WASM · \d+ threads? · cross-origin isolated/);
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });

  test('cancel stops a recording between batches with CancelledError', async () => {
    const res = await ctx.s.page.evaluate(async (url) => {
      const w = window as any;
      const engine = w.__silico.engine;
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const m = await engine.loadModel({ bytes: { name: 'm', model: bytes } }, { ep: 'wasm' });
      const n = 6;
      const input = { dims: [n, 3, 224, 224], data: new Float32Array(n * 3 * 224 * 224) };
      const seen: number[] = [];
      const onProgress = w.__silico.proxy((p: { done: number }) => {
        seen.push(p.done);
        if (p.done === 1) void engine.cancel('cancel-me');
      });
      try {
        await engine.recordTensors(m.id, ['output'], { input }, { batchSize: 1, jobId: 'cancel-me' }, onProgress);
        return { error: null, seen };
      } catch (e) {
        return { error: (e as Error).name, seen };
      }
    }, MODEL_URL);
    expect(res.error).toBe('CancelledError');
    expect(Math.max(...res.seen)).toBeLessThan(6);
  });
});
