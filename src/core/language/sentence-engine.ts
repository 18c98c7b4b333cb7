/**
 * The Language lab's engine: runs a causal language model (the built-in GPT-2-architecture models of
 * core/onnx/gpt2.ts, or a cached ONNX GPT-2 export) on sentences and returns, per sentence, the last-token
 * state of chosen layers (Tuckute et al. 2024's sentence representation) and the mean surprisal (bits/token).
 * Runtime-agnostic (onnxruntime-web in the lab worker, onnxruntime-node in tests): the ORT module is injected,
 * as for core/stim/ort-engine.ts.
 * A BOS token (<|endoftext|>) is prepended so every word token has a context and gets a surprisal.
 */
import { batchSentences } from '../text/batch';
import { lastTokenPool } from '../text/pooling';
import { sentenceSurprisal, tokenSurprisals } from '../text/surprisal';
import type { TextTokenizer } from '../text/tokenizer';
import { CancelledError, UserFacingError, throwIfAborted, type ProgressFn } from '../types';
import type { OrtModule, OrtSession, OrtSessionOptions, OrtTensor } from '../engine';

export interface SentenceFeatures {
  /** Per layer: row-major [sentences x width]. */
  features: Record<string, { data: Float32Array; width: number }>;
  /** Mean surprisal per token (bits) of each sentence. */
  surprisal: Float64Array;
  n: number;
}

export interface FeatureOptions {
  batchSize?: number;
  maxLength?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export class SentenceEngine {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    private readonly logitsName: string,
    readonly vocabSize: number,
  ) {}

  /** `modelBytes` must already expose the layers to record as graph outputs (besides the logits). `options` are
   * for the session only and are not kept (they may hold the model's weights). */
  static async create(ort: OrtModule, modelBytes: Uint8Array, vocabSize: number, options?: OrtSessionOptions): Promise<SentenceEngine> {
    const session = await ort.InferenceSession.create(modelBytes, options);
    const required = session.inputNames.filter((n) => !['input_ids', 'attention_mask', 'position_ids'].includes(n));
    if (!session.inputNames.includes('input_ids') || required.length > 0) {
      throw new UserFacingError(
        `This model's inputs (${session.inputNames.join(', ')}) are not those of a plain causal language model.`,
        'Use a GPT-2 export without past key values (input_ids, attention_mask).',
      );
    }
    const logitsName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    return new SentenceEngine(ort, session, logitsName, vocabSize);
  }

  async features(tokenizer: TextTokenizer, sentences: string[], layers: string[], o: FeatureOptions = {}): Promise<SentenceFeatures> {
    const n = sentences.length;
    const batchSize = Math.max(1, o.batchSize ?? 4);
    const bosId = tokenizer.tokenId('<|endoftext|>') ?? 50256;
    const out: SentenceFeatures['features'] = {};
    const surprisal = new Float64Array(n);
    for (let start = 0; start < n; start += batchSize) {
      throwIfAborted(o.signal);
      const chunk = sentences.slice(start, start + batchSize);
      const ids = chunk.map((s, i) => {
        const t = tokenizer.encode(s);
        if (t.length === 0) throw new UserFacingError(`Sentence ${start + i + 1} is empty.`);
        const bad = t.find((id) => id >= this.vocabSize);
        if (bad !== undefined) throw new UserFacingError(`The tokenizer gives id ${bad}, outside this model's vocabulary of ${this.vocabSize}: the tokenizer does not match the model.`);
        return t;
      });
      const batch = batchSentences(ids, { maxLength: o.maxLength ?? 64, padId: bosId, prependBos: true, bosId });
      const [B, T] = batch.dims;
      const feeds: Record<string, OrtTensor> = {
        input_ids: new this.ort.Tensor('int64', batch.inputIds, [B, T]),
      };
      if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = new this.ort.Tensor('int64', batch.attentionMask, [B, T]);
      if (this.session.inputNames.includes('position_ids')) {
        const pos = new BigInt64Array(B * T);
        for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) pos[b * T + t] = BigInt(t);
        feeds.position_ids = new this.ort.Tensor('int64', pos, [B, T]);
      }
      const result = await this.session.run(feeds, [this.logitsName, ...layers.filter((l) => l !== this.logitsName)]);
      const logits = result[this.logitsName];
      const bits = tokenSurprisals({ dims: logits.dims.map(Number), data: logits.data as Float32Array }, batch.inputIds, batch.lengths);
      bits.forEach((b, i) => (surprisal[start + i] = sentenceSurprisal(b, 'mean')));
      for (const layer of layers) {
        const v = result[layer];
        if (!v) throw new UserFacingError(`The model did not return layer "${layer}".`);
        const pooled = lastTokenPool({ dims: v.dims.map(Number), data: v.data as Float32Array }, batch.lengths);
        const width = pooled.dims[1];
        out[layer] ??= { data: new Float32Array(n * width), width };
        out[layer].data.set(pooled.data, start * width);
      }
      for (const v of Object.values(result)) v.dispose?.();
      o.onProgress?.({ done: Math.min(n, start + batchSize), total: n, phase: 'running the language model' });
    }
    if (o.signal?.aborted) throw new CancelledError();
    return { features: out, surprisal, n };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
