/**
 * (b) MobileNetV2 in the model worker on WebGPU. Headless Chromium here offers SwiftShader (software, ~30x
 * slower than WASM), which auto-selection must avoid; a machine with a hardware adapter must get WebGPU. The
 * test then forces WebGPU whatever the adapter: 1 image, 3 layers.
 */
import { expect, test } from 'vitest';
import { hasShared } from '../support/shared';
import { hasDist } from '../support/browser';
import { describeIf, prerequisite } from '../support/ci';
import { f32ToBase64, loadModelInPage, recordInPage, useEnginePage } from '../support/page-engine';
import { MODEL_URL, finchTensor, maxAbs, maxAbsDiff, reference } from '../support/mobilenet';

describeIf(hasDist && hasShared, 'MobileNetV2 on WebGPU vs onnxruntime-node', () => {
  const ctx = useEnginePage();

  test('auto takes WebGPU only for a hardware adapter; forced WebGPU matches onnxruntime-node', async (t) => {
    const info = await ctx.s.page.evaluate(() => (window as any).__silico.engine.configure('auto'));
    if (!prerequisite('A WebGPU adapter in headless Chromium', info.webgpuAvailable ? null : `none offered (${info.reason})`, 'Chromium needs Vulkan (SwiftShader or a GPU driver).')) return t.skip();
    // Auto takes WebGPU only for a hardware adapter; a software one (SwiftShader) loses to WASM and says why.
    expect(info.ep).toBe(info.adapterIsSoftware ? 'wasm' : 'webgpu');
    expect(info.reason).toMatch(info.adapterIsSoftware ? /software/ : /hardware GPU found/);
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
