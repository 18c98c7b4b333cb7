/**
 * (b) MobileNetV2 in the model worker on WebGPU. Here the only adapter is SwiftShader (software, ~30x
 * slower than WASM), so auto-selection must avoid it and the test forces it: 1 image, 3 layers.
 */
import { describe, expect, test } from 'vitest';
import { hasShared } from '../support/shared';
import { f32ToBase64, loadModelInPage, recordInPage, useEnginePage } from '../support/page-engine';
import { MODEL_URL, finchTensor, maxAbs, maxAbsDiff, reference } from '../support/mobilenet';

describe.skipIf(!hasShared)('MobileNetV2 on WebGPU (SwiftShader) vs onnxruntime-node', () => {
  const ctx = useEnginePage();

  test('auto avoids the software adapter; forced WebGPU matches onnxruntime-node', async () => {
    const info = await ctx.s.page.evaluate(() => (window as any).__silico.engine.configure('auto'));
    expect(info).toMatchObject({ ep: 'wasm', webgpuAvailable: true, adapterIsSoftware: true });
    expect(info.reason).toMatch(/software/);
    const loaded = await loadModelInPage(ctx.s.page, MODEL_URL, 'webgpu');
    expect(loaded.ep).toBe('webgpu');
    const layers = [loaded.layers[3].tensor, loaded.layers[Math.floor(loaded.layers.length / 2)].tensor, 'output'];
    const input = finchTensor();
    const { acts } = await recordInPage(ctx.s.page, loaded.id, layers, { input: { dims: [1, 3, 224, 224], f32: f32ToBase64(input) } }, 1);
    const ref = await reference(layers, input, 1);
    expect(acts.map((a) => a.layer)).toEqual(layers);
    for (const a of acts) {
      const diff = maxAbsDiff(a.data, ref[a.layer]);
      const scale = maxAbs(ref[a.layer]);
      console.log(`webgpu ${a.layer} [${a.dims}] max |diff| = ${diff.toExponential(2)} (max |ref| ${scale.toFixed(2)})`);
      expect(diff).toBeLessThan(1e-4);
    }
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });
});
