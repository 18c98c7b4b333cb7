/**
 * Quantized and fp16 models in the app's model worker (onnxruntime-web, WASM): the int8 MobileNetV2's layers come
 * back dequantized and equal the Node recorder's (onnxruntime-node); the fp16 Llama, loaded with its external data
 * file, records every block as float32 and equals onnxruntime-node.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { decodeModel, listLayers } from '../../src/core/onnx';
import { hasShared, sharedPath } from '../support/shared';
import { f32ToBase64, useEnginePage } from '../support/page-engine';
import { finchTensor } from '../support/mobilenet';
import { hasDist } from '../support/browser';
import { describeIf } from '../support/ci';

const ortModule = ort as unknown as OrtModule;

describeIf(hasDist && hasShared, 'quantized and fp16 models in the model worker', () => {
  const ctx = useEnginePage();

  test('int8 MobileNetV2: dequantized layers equal onnxruntime-node; fp16 Llama with external data equals onnxruntime-node', async () => {
    const int8 = new Uint8Array(readFileSync(sharedPath('models/mobilenetv2-12-int8.onnx')));
    const layers = listLayers(decodeModel(int8));
    const pick = ['stem · conv 1 (relu6)', 'block 3 · residual', 'block 16 · residual', 'head · global pool', 'head · logits'].map((l) => layers.find((x) => x.label === l)!.tensor);
    const llamaDir = sharedPath('models/tiny-random-llama-fp16');
    const llama = new Uint8Array(readFileSync(`${llamaDir}/model.onnx`));
    const llamaData = new Uint8Array(readFileSync(`${llamaDir}/model.onnx.data`));
    const llamaLayers = listLayers(decodeModel(llama)).map((l) => l.tensor);
    const ids = [0, 5, 17, 3, 99, 42];
    const page = await ctx.s.page.evaluate(async ({ int8Url, llamaUrl, dataUrl, pick, llamaLayers, b64, ids }) => {
      const engine = (window as any).__silico.engine;
      await engine.configure('wasm');
      const get = async (u: string) => new Uint8Array(await (await fetch(u)).arrayBuffer());
      const bin = atob(b64);
      const data = new Float32Array(Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer);
      const q = await engine.loadModel({ bytes: { name: 'int8', model: await get(int8Url) } }, { ep: 'wasm' });
      const qActs = await engine.recordTensors(q.id, pick, { input: { dims: [1, 3, 224, 224], data } }, {});
      await engine.unloadModel(q.id);
      const l = await engine.loadModel({ bytes: { name: 'llama', model: await get(llamaUrl), externalData: [{ path: 'model.onnx.data', data: await get(dataUrl) }] } }, { ep: 'wasm' });
      const lActs = await engine.recordTensors(l.id, llamaLayers, { input_ids: { dims: [1, ids.length], data: Float32Array.from(ids) } }, {});
      await engine.unloadModel(l.id);
      const plain = (acts: { layer: string; dims: number[]; data: Float32Array }[]) => acts.map((a) => ({ layer: a.layer, dims: a.dims, type: a.data.constructor.name, data: Array.from(a.data) }));
      return { q: plain(qActs), l: plain(lActs) };
    }, {
      int8Url: '/silico-test/mobilenetv2-int8/resolve/main/model.onnx',
      llamaUrl: '/silico-test/tiny-random-llama/resolve/main/model.onnx',
      dataUrl: '/silico-test/tiny-random-llama/resolve/main/model.onnx.data',
      pick, llamaLayers, b64: f32ToBase64(finchTensor()), ids,
    });

    const rec = await Recorder.create(ortModule, int8, { layers: pick });
    const ref = await rec.run({ input: { data: finchTensor(), dims: [1, 3, 224, 224] } });
    await rec.dispose();
    for (const [i, a] of page.q.entries()) {
      expect(a.type).toBe('Float32Array');
      let worst = 0, scale = 0;
      a.data.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - ref[i].data[k])); scale = Math.max(scale, Math.abs(ref[i].data[k])); });
      console.log(`int8 ${a.layer} [${a.dims}]: max |web - node| ${worst.toExponential(2)} (max |value| ${scale.toFixed(2)})`);
      // Same codes on both runtimes give the same dequantized values; allow a code step where rounding differs.
      expect(worst).toBeLessThanOrEqual(0.06 * scale + 1e-6);
    }

    const T = ids.length;
    const lrec = await Recorder.create(ortModule, llama, { layers: llamaLayers, externalData: [{ path: 'model.onnx.data', data: llamaData }] });
    const empty = { data: new Uint16Array(0), dims: [1, 1, 0, 16] };
    const lref = await lrec.run({
      input_ids: { data: BigInt64Array.from(ids, BigInt), dims: [1, T] }, attention_mask: { data: new BigInt64Array(T).fill(1n), dims: [1, T] },
      position_ids: { data: BigInt64Array.from({ length: T }, (_, i) => BigInt(i)), dims: [1, T] },
      'past_key_values.0.key': empty, 'past_key_values.0.value': empty, 'past_key_values.1.key': empty, 'past_key_values.1.value': empty,
    });
    await lrec.dispose();
    expect(page.l.map((a) => a.layer)).toEqual(llamaLayers);
    for (const [i, a] of page.l.entries()) {
      let worst = 0;
      a.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - lref[i].data[k]))));
      console.log(`fp16 llama ${a.layer} [${a.dims}]: max |web - node| ${worst.toExponential(2)}`);
      expect(a.dims).toEqual(lref[i].dims);
      expect(worst).toBeLessThan(2e-2);
    }
    expect(ctx.s.errors, ctx.s.log.join('\n')).toEqual([]);
  });
});
