/**
 * Hugging Face tokenizer.json loading (via @huggingface/tokenizers, pure JS, runs in workers).
 * We never add special tokens implicitly: callers decide about BOS/EOS (see batch.ts).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { UserFacingError } from '../types';

export interface TextTokenizer {
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  /** Id of a token string (e.g. "<|endoftext|>"), or undefined. */
  tokenId(token: string): number | undefined;
  /** Largest id + 1. */
  vocabSize: number;
}

/** Loads a tokenizer from the contents of a tokenizer.json (text or parsed object). */
export function loadTokenizer(json: string | object, config: object = {}): TextTokenizer {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new UserFacingError('The tokenizer file is not valid JSON.', 'Use the tokenizer.json file of a Hugging Face model.');
    }
  }
  const obj = parsed as { model?: { vocab?: Record<string, number> | unknown[] } } | null;
  if (!obj || typeof obj !== 'object' || !obj.model || !obj.model.vocab) {
    throw new UserFacingError('This file is not a Hugging Face tokenizer.json (it has no model vocabulary).', 'Use the tokenizer.json file of a Hugging Face model.');
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(obj, config);
  } catch (e) {
    throw new UserFacingError(`The tokenizer could not be loaded: ${(e as Error).message}`);
  }
  const vocab = obj.model.vocab;
  let vocabSize = Array.isArray(vocab) ? vocab.length : Math.max(...Object.values(vocab)) + 1;
  for (const id of tokenizer.get_added_tokens_decoder().keys()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(Array.from(ids), { skip_special_tokens: false }),
    tokenId: (token) => tokenizer.token_to_id(token),
    vocabSize,
  };
}
