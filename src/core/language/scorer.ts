/**
 * Glue from text to the search's `SentenceScorer`, independent of the inference engine: the caller
 * supplies `runModel`, which runs a causal LM on a token batch (onnxruntime-web in the worker,
 * onnxruntime-node in tests) and returns the chosen layer's hidden states and the logits.
 */
import type { FloatTensor } from '../types';
import { batchSentences, DEFAULT_MAX_TOKENS, type TokenBatch } from '../text/batch';
import { lastTokenPool, meanPool } from '../text/pooling';
import { sentenceSurprisal, tokenSurprisals } from '../text/surprisal';
import type { TextTokenizer } from '../text/tokenizer';
import { predictEncoding, type EncodingModel } from './encoding';
import type { SentenceScorer } from './search';

export interface ModelOutputs {
  /** The recorded layer, [B, T, D]. */
  hidden: FloatTensor;
  /** [B, T, V]; needed for surprisal. */
  logits?: FloatTensor;
}

export type RunModel = (batch: TokenBatch, signal?: AbortSignal) => Promise<ModelOutputs>;

export interface TextPipelineOptions {
  tokenizer: TextTokenizer;
  runModel: RunModel;
  /** BOS prepended to every sentence (GPT-2: 50256); also the pad id. */
  bosId: number;
  /** Default 64 tokens. */
  maxLength?: number;
  /** Sentence representation: last token (Tuckute et al. 2024, default) or mean over tokens. */
  pooling?: 'last' | 'mean';
  /** Sentences per model call. Default 16. */
  batchSize?: number;
}

export interface SentenceFeaturesResult {
  /** [sentences, D] */
  features: FloatTensor;
  /** Mean surprisal (bits/token) per sentence; NaN when logits were not returned. */
  surprisal: Float64Array;
}

/** Features of the chosen layer (and fluency) for each sentence. */
export async function sentenceFeatures(sentences: string[], options: TextPipelineOptions, signal?: AbortSignal): Promise<SentenceFeaturesResult> {
  const batchSize = options.batchSize ?? 16;
  const parts: Float32Array[] = [];
  const surprisal = new Float64Array(sentences.length);
  let dim = 0;
  for (let start = 0; start < sentences.length; start += batchSize) {
    const chunk = sentences.slice(start, start + batchSize);
    const batch = batchSentences(chunk.map((s) => options.tokenizer.encode(s)), {
      maxLength: options.maxLength ?? DEFAULT_MAX_TOKENS,
      padId: options.bosId,
      prependBos: true,
      bosId: options.bosId,
    });
    const out = await options.runModel(batch, signal);
    const pooled = options.pooling === 'mean' ? meanPool(out.hidden, batch.attentionMask) : lastTokenPool(out.hidden, batch.lengths);
    dim = pooled.dims[1];
    parts.push(pooled.data);
    const bits = out.logits ? tokenSurprisals(out.logits, batch.inputIds, batch.lengths) : null;
    chunk.forEach((_, i) => (surprisal[start + i] = bits ? sentenceSurprisal(bits[i], 'mean') : NaN));
  }
  const data = new Float32Array(sentences.length * dim);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { features: { dims: [sentences.length, dim], data }, surprisal };
}

/** A search scorer: prediction of the encoding model on the layer's features, and mean surprisal. */
export function encodingScorer(model: EncodingModel, options: TextPipelineOptions): SentenceScorer {
  return async (sentences, signal) => {
    const { features, surprisal } = await sentenceFeatures(sentences, options, signal);
    const predictions = predictEncoding(model, features);
    return sentences.map((_, i) => ({ prediction: predictions[i], surprisal: surprisal[i] }));
  };
}
