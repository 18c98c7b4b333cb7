/**
 * The one image decoder in the app's model worker: JPEG (libjpeg-turbo WASM) and PNG (libpng WASM) images recorded
 * through engine.recordImages equal onnxruntime-node on the same decoder's pixels and the same preprocessing in
 * Node; an image whose header declares 25000×25000 pixels is refused before decoding, with a clear message.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { imagenetSpec, preprocessBytes } from '../../src/core/image';
import { hasShared, sharedPath } from '../support/shared';
import { useEnginePage } from '../support/page-engine';
import { MODEL_URL } from '../support/mobilenet';
import { hasDist } from '../support/browser';
import { describeIf } from '../support/ci';

function pngHeader(w: number, h: number): number[] {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  b.set([8, 2, 0, 0, 0], 24);
  return Array.from(b);
}

describeIf(hasDist && hasShared, 'images decoded in the model worker', () => {
  const ctx = useEnginePage();

  test('a JPEG and a PNG record as onnxruntime-node does on the same pixels; a 25000² PNG fails fast', async () => {
    const files = [sharedPath('models/test-images/imagenet_finch.jpeg'), sharedPath('data/vision/coggan2024-fmri/stimuli/bear_complete.png')];
    const images = files.map((f) => Array.from(readFileSync(f)));
    const result = await ctx.s.page.evaluate(async ({ url, images, spec, huge }) => {
      const engine = (window as any).__silico.engine;
      await engine.configure('wasm');
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const m = await engine.loadModel({ bytes: { name: 'm', model: bytes } }, { ep: 'wasm' });
      const acts = await engine.recordImages(m.id, ['output'], images.map((a: number[]) => Uint8Array.from(a).buffer), spec, { batchSize: 2 });
      const t0 = performance.now();
      let error = '';
      try {
        await engine.recordImages(m.id, ['output'], [Uint8Array.from(huge).buffer], spec, {});
      } catch (e) {
        error = (e as Error).message;
      }
      const hugeMs = performance.now() - t0;
      await engine.unloadModel(m.id);
      return { logits: Array.from(acts[0].data as Float32Array), error, hugeMs };
    }, { url: MODEL_URL, images, spec: imagenetSpec, huge: pngHeader(25000, 25000) });

    const bytes = readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx'));
    const rec = await Recorder.create(ort as unknown as OrtModule, new Uint8Array(bytes), { layers: ['output'] });
    const x = new Float32Array(2 * 3 * 224 * 224);
    files.forEach((f, i) => x.set(preprocessBytes(new Uint8Array(readFileSync(f)), imagenetSpec, f), i * 3 * 224 * 224));
    const [ref] = await rec.run({ input: { data: x, dims: [2, 3, 224, 224] } });
    await rec.dispose();
    let worst = 0;
    ref.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - result.logits[i]))));
    console.log(`worker-decoded images vs node: max |Δ logits| ${worst.toExponential(2)}; 25000² PNG refused in ${result.hugeMs.toFixed(0)} ms: ${result.error}`);
    expect(worst).toBeLessThan(1e-3);
    expect(result.error).toMatch(/declares 25000×25000 pixels \(625 megapixels\), more than the 50 megapixels/);
    expect(result.hugeMs).toBeLessThan(2000);
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });
});
