/** Sentences longer than the model's context are counted and named, with the same rule the batcher cuts by. */
import { describe, expect, test } from 'vitest';
import { batchSentences, contextCut, DEFAULT_MAX_TOKENS } from '../../src/core/text/batch';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { gpt2TokenizerText } from '../../src/core/language/assets-node';

describe('context cut', () => {
  const tokenizer = loadTokenizer(gpt2TokenizerText());
  const encode = (s: string) => tokenizer.encode(s);
  const short = 'The cat sat on the mat.';
  const long = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ') + '.';
  const edge = (() => {
    // Exactly DEFAULT_MAX_TOKENS tokens with BOS: kept whole.
    let s = 'a';
    while (encode(`${s} a`).length + 1 <= DEFAULT_MAX_TOKENS) s += ' a';
    return s;
  })();

  test('counts exactly the sentences the batcher cuts, and says so in one line', () => {
    const sentences = [short, long, edge, long];
    expect(encode(edge).length + 1).toBe(DEFAULT_MAX_TOKENS);
    const { cut, note } = contextCut(encode, sentences);
    const batch = batchSentences(sentences.map(encode), { maxLength: DEFAULT_MAX_TOKENS, padId: 50256, prependBos: true, bosId: 50256 });
    expect(cut).toBe(2);
    expect(batch.truncated).toBe(cut);
    expect(note).toBe(`2 of 4 sentences are longer than the model's ${DEFAULT_MAX_TOKENS}-token context and were cut to their first ${DEFAULT_MAX_TOKENS} tokens.`);
  });

  test('no note when nothing is cut', () => {
    expect(contextCut(encode, [short, edge])).toEqual({ cut: 0, note: '' });
  });
});
