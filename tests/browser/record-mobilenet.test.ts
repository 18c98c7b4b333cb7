/**
 * (a) MobileNetV2 in the model worker on WASM: record 5 layers for 2 images and compare with
 * onnxruntime-node on the same preprocessed inputs.
 */
import { expect, test } from 'vitest';
import { hasShared } from '../support/shared';
import { f32ToBase64, loadModelInPage, recordInPage, useEnginePage } from '../support/page-engine';
import { MODEL_URL, finchTensor, maxAbs, maxAbsDiff, patternTensor, reference } from '../support/mobilenet';
import { hasDist } from '../support/browser';
import { describeIf } from '../support/ci';

describeIf(hasDist && hasShared, 'MobileNetV2 in the model worker vs onnxruntime-node', () => {
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

  test('all 64 layers for 3 images in one batch (run as memory-bounded runs of 1 and 2 images) match onnxruntime-node', async () => {
    // ~26 MiB of outputs per image exceed a third of the worker's 64 MiB run budget, so the batch of 3 is split.
    const input = new Float32Array(3 * 3 * 224 * 224);
    input.set(finchTensor(), 0);
    input.set(patternTensor(), 3 * 224 * 224);
    input.set(finchTensor().map((v) => -v), 2 * 3 * 224 * 224);
    // Every layer comes back as ~2000 evenly spaced samples (the whole recording is ~80 MB).
    const sampled = await ctx.s.page.evaluate(async ({ url, b64 }): Promise<{ layer: string; dims: number[]; stride: number; values: number[] }[]> => {
      const w = window as any;
      const engine = w.__silico.engine;
      const bin = atob(b64);
      const data = new Float32Array(Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer);
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const m = await engine.loadModel({ bytes: { name: 'm', model: bytes } }, { ep: 'wasm' });
      const layers = m.layers.map((l: { tensor: string }) => l.tensor);
      const acts = await engine.recordTensors(m.id, layers, { input: { dims: [3, 3, 224, 224], data } }, { batchSize: 3 });
      await engine.unloadModel(m.id);
      return acts.map((a: { layer: string; dims: number[]; data: Float32Array }) => {
        const stride = Math.max(1, Math.floor(a.data.length / 2000));
        return { layer: a.layer, dims: a.dims, stride, values: Array.from(a.data.filter((_, i) => i % stride === 0)) };
      });
    }, { url: MODEL_URL, b64: f32ToBase64(input) });
    expect(sampled.length).toBe(64);
    const ref = await reference(sampled.map((a) => a.layer), input, 3);
    let worst = 0;
    for (const a of sampled) {
      expect(a.dims[0]).toBe(3);
      const expected = ref[a.layer].filter((_, i) => i % a.stride === 0);
      worst = Math.max(worst, maxAbsDiff(Float32Array.from(a.values), expected));
    }
    console.log(`all 64 layers, 3 images: max |diff| over samples = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
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
      // The recorder awaits each progress report, and this one returns only after the cancel reached the worker:
      // the recording stops right after item 1, on any machine (no race with a fast run).
      const onProgress = w.__silico.proxy(async (p: { done: number }) => {
        seen.push(p.done);
        if (p.done === 1) await engine.cancel('cancel-me');
      });
      try {
        await engine.recordTensors(m.id, ['output'], { input }, { batchSize: 1, jobId: 'cancel-me' }, onProgress);
        return { error: null, seen };
      } catch (e) {
        return { error: (e as Error).name, seen };
      }
    }, MODEL_URL);
    expect(res.error).toBe('CancelledError');
    expect(res.seen).toEqual([0, 1]);
  });
});
