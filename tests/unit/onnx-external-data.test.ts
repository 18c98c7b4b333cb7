/**
 * externalizeInitializers: the weights become references into the original model bytes. onnxruntime-node, reading
 * the small graph with the original bytes as its external data file, must compute exactly what it computes on the
 * embedded model.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildGpt2Model, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { decodeModel, onnx } from '../../src/core/onnx/proto';
import { EXTERNAL_DATA_PATH, externalizeInitializers } from '../../src/core/onnx/external-data';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

describe('externalizeInitializers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silico-external-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = buildGpt2Model({ ...GPT2_SIZES.tiny, seed: 3, extraOutputs: ['h.0.resid'] });

  test('references every large initializer in place and leaves small ones embedded', () => {
    const { model, externalData, externalBytes } = externalizeInitializers(bytes);
    expect(externalData.data).toBe(bytes);
    expect(externalData.path).toBe(EXTERNAL_DATA_PATH);
    const original = new Map(decodeModel(bytes).graph.initializer.map((t) => [t.name, t]));
    let referenced = 0;
    let embedded = 0;
    for (const t of decodeModel(model).graph.initializer) {
      const raw = original.get(t.name)!.rawData;
      if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
        const entry = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
        expect(entry.location).toBe(EXTERNAL_DATA_PATH);
        const slice = bytes.subarray(Number(entry.offset), Number(entry.offset) + Number(entry.length));
        expect(Buffer.from(slice).equals(Buffer.from(raw))).toBe(true);
        expect(raw.byteLength).toBeGreaterThanOrEqual(1024);
        expect(t.rawData.byteLength).toBe(0);
        referenced += raw.byteLength;
      } else {
        expect(Buffer.from(t.rawData).equals(Buffer.from(raw))).toBe(true);
        embedded++;
      }
    }
    expect(referenced).toBe(externalBytes);
    expect(embedded).toBeGreaterThan(0); // LayerNorm vectors of 128 floats stay inline
    expect(model.byteLength + externalBytes).toBeLessThan(bytes.byteLength + 64 * 1024);
    expect(model.byteLength).toBeLessThan(bytes.byteLength / 20);
  });

  test('onnxruntime computes the same outputs from the external-data model', async () => {
    const { model, externalData } = externalizeInitializers(bytes);
    writeFileSync(join(dir, 'model.onnx'), model);
    writeFileSync(join(dir, externalData.path), externalData.data);
    const ids = BigInt64Array.from([50256, 464, 2068, 7586, 21831, 50256, 40, 588, 262, 3290].map(BigInt));
    const feeds = { input_ids: new ort.Tensor('int64', ids, [2, 5]), attention_mask: new ort.Tensor('int64', new BigInt64Array(10).fill(1n), [2, 5]) };
    const embedded = await ort.InferenceSession.create(bytes);
    const external = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const a = await embedded.run(feeds);
    const b = await external.run(feeds);
    for (const name of ['logits', 'h.0.resid']) {
      expect(b[name].dims).toEqual(a[name].dims);
      expect(Array.from(b[name].data as Float32Array)).toEqual(Array.from(a[name].data as Float32Array));
    }
    await embedded.release();
    await external.release();
  });
});
