import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { SentenceFeatureCache, featureCacheKey, type SentenceFeatureIdentity, type SentenceFeatureSet } from '../../src/core/language/feature-cache';

/** A deterministic stand-in for the language model: features are a function of the sentence text. */
function fakeModel(calls: string[][]) {
  return async (sentences: string[]): Promise<SentenceFeatureSet> => {
    calls.push(sentences);
    const width = { a: 3, b: 2 };
    const features = Object.fromEntries(
      Object.entries(width).map(([layer, w]) => [
        layer,
        { width: w, data: Float32Array.from({ length: sentences.length * w }, (_, k) => sentences[Math.floor(k / w)].length * (k % w + 1) + (layer === 'b' ? 0.5 : 0)) },
      ]),
    );
    return { features, surprisal: Float64Array.from(sentences, (s) => s.split(' ').length), n: sentences.length };
  };
}

describe('sentence feature cache (IndexedDB)', () => {
  test('runs the model only on sentences it has not seen, per model, with identical features', async () => {
    const cache = new SentenceFeatureCache('test-features-1');
    const calls: string[][] = [];
    const compute = fakeModel(calls);
    const first = await cache.features('gpt2-tiny', ['one two', 'three', 'one two'], ['a', 'b'], compute);
    expect(calls).toEqual([['one two', 'three']]);
    expect(first.computed).toBe(2);
    expect(Array.from(first.features.a.data)).toEqual([7, 14, 21, 5, 10, 15, 7, 14, 21]);
    expect(Array.from(first.surprisal)).toEqual([2, 1, 2]);

    const second = await cache.features('gpt2-tiny', ['three', 'four five six', 'one two'], ['a', 'b'], compute);
    expect(calls[1]).toEqual(['four five six']);
    expect(second.computed).toBe(1);
    const direct = await fakeModel([])(['three', 'four five six', 'one two']);
    expect(Array.from(second.features.b.data)).toEqual(Array.from(direct.features.b.data));
    expect(Array.from(second.surprisal)).toEqual([1, 3, 2]);

    // Another model (or tokenizer) never sees these entries; a layer not cached yet forces a recompute.
    await cache.features('gpt2-mini', ['three'], ['a'], compute);
    expect(calls[2]).toEqual(['three']);
    await cache.features('gpt2-tiny', ['three'], ['a'], compute);
    expect(calls).toHaveLength(3);
  });

  test('keyed by content: model bytes, tokenizer and every setting; the same identity in any key order is reused', async () => {
    const cache = new SentenceFeatureCache('test-features-identity');
    const calls: string[][] = [];
    const compute = fakeModel(calls);
    const base: SentenceFeatureIdentity = { modelHash: 'sha-model-1', tokenizerHash: 'sha-tok-1', settings: { pooling: 'last', maxLength: 1024, bos: true } };
    await cache.features(base, ['one two', 'three'], ['a'], compute);
    expect(calls).toHaveLength(1);
    const changes: SentenceFeatureIdentity[] = [
      { ...base, modelHash: 'sha-model-2' }, // another model.onnx under the same name
      { ...base, tokenizerHash: 'sha-tok-2' },
      { ...base, settings: { ...base.settings, pooling: 'mean' } },
      { ...base, settings: { ...base.settings, maxLength: 16 } }, // sentences cut to another context
      { ...base, settings: { ...base.settings, bos: false } },
    ];
    for (const [i, id] of changes.entries()) {
      await cache.features(id, ['one two', 'three'], ['a'], compute);
      expect(calls, `change ${i} must recompute`).toHaveLength(2 + i);
    }
    const reordered: SentenceFeatureIdentity = { settings: { bos: true, maxLength: 1024, pooling: 'last' }, tokenizerHash: 'sha-tok-1', modelHash: 'sha-model-1' };
    const again = await cache.features(reordered, ['three', 'one two'], ['a'], compute);
    expect(again.computed).toBe(0);
    expect(calls).toHaveLength(1 + changes.length);
    expect(await featureCacheKey(reordered)).toBe(await featureCacheKey(base));
    expect(await featureCacheKey(changes[2])).not.toBe(await featureCacheKey(base));
  });
});
