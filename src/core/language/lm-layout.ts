/**
 * The input/output layout of a causal language model export, whatever it names things: our own GPT-2 builds,
 * Hugging Face Optimum / transformers.js exports (`onnx/decoder_model.onnx`, `decoder_with_past_model.onnx`,
 * `decoder_model_merged.onnx`, `model.onnx` and their `_quantized` / `_fp16` variants), and onnxruntime-genai
 * exports. It says how to feed one batch of whole sentences with no cache:
 *   input_ids           int64 [batch, seq]
 *   attention_mask      int64 [batch, past + seq] (1 = token, 0 = right padding)
 *   position_ids        int64 [batch, seq] (optional; 0..seq-1, as transformers.js derives them from the mask)
 *   past_key_values.{i}.key / .value (or past.{i}, past_key.{i}, ...)  [batch, heads, 0, head_dim]: empty caches
 *   use_cache_branch    bool [1] = false (merged decoders: take the no-cache branch)
 * and where the answer is: `logits` (else the first output whose name says so, else the first output);
 * present.* outputs are never fetched.
 */
import { UserFacingError } from '../types';
import type { OrtModule, OrtTensor, OrtTensorType } from '../engine/ort';

/** What a session tells about one input: its name, element type and shape (numbers fixed, strings symbolic). */
export interface LmInputInfo {
  name: string;
  type?: string;
  shape?: readonly (number | string | null)[];
}

export interface LmPastInput {
  name: string;
  /** 'float32' or 'float16' (the cache's type). */
  type: OrtTensorType;
  /** Shape with the sequence axis set to 0 and the batch axis marked -1. */
  emptyShape: number[];
}

export interface LmLayout {
  inputIds: string;
  attentionMask?: string;
  positionIds?: string;
  useCacheBranch?: string;
  past: LmPastInput[];
  logits: string;
  /** Outputs that are caches (present.*): never fetched. */
  presents: string[];
}

const PAST = /^(past_key_values|past|past_key|past_value|past_keys|past_values|cache)[._]/i;
const PRESENT = /^(present|present_key|present_value|new_cache)[._]?/i;

function isName(name: string, ...candidates: string[]): boolean {
  return candidates.includes(name.toLowerCase());
}

/**
 * Maps a model's inputs and outputs to the roles above. Throws a UserFacingError naming any input it cannot fill
 * (e.g. token_type_ids of an encoder, pixel_values of a vision model).
 */
export function detectLmLayout(inputs: readonly LmInputInfo[], outputNames: readonly string[]): LmLayout {
  const names = inputs.map((i) => i.name);
  const inputIds = names.find((n) => isName(n, 'input_ids', 'input', 'tokens', 'input_tokens'));
  if (!inputIds) {
    throw new UserFacingError(
      `This model's inputs (${names.join(', ')}) are not those of a causal language model: none takes token ids (input_ids).`,
      'Use a decoder-only language model export (e.g. GPT-2 in the transformers.js layout: onnx/decoder_model.onnx).',
    );
  }
  const layout: LmLayout = { inputIds, past: [], logits: '', presents: outputNames.filter((n) => PRESENT.test(n)) };
  for (const input of inputs) {
    const n = input.name;
    if (n === inputIds) continue;
    if (isName(n, 'attention_mask', 'mask')) layout.attentionMask = n;
    else if (isName(n, 'position_ids', 'positions')) layout.positionIds = n;
    else if (isName(n, 'use_cache_branch', 'use_cache')) layout.useCacheBranch = n;
    else if (PAST.test(n)) layout.past.push(pastInput(input));
    else {
      throw new UserFacingError(
        `This model needs an input "${n}" that a causal language model does not have, so it cannot be run on sentences.`,
        `Its inputs are ${names.join(', ')}; a GPT-2-style export takes input_ids, attention_mask and optionally position_ids and past_key_values.*.`,
      );
    }
  }
  const candidates = outputNames.filter((n) => !layout.presents.includes(n));
  layout.logits = candidates.find((n) => n === 'logits') ?? candidates.find((n) => /logits/i.test(n)) ?? candidates[0] ?? '';
  if (!layout.logits) throw new UserFacingError('This model has no output besides its key/value caches, so it gives no next-token logits.');
  return layout;
}

function pastInput(input: LmInputInfo): LmPastInput {
  const shape = input.shape ?? [];
  const type = input.type === 'float16' ? 'float16' : 'float32';
  if (input.type && input.type !== 'float32' && input.type !== 'float16') {
    throw new UserFacingError(`The cache input "${input.name}" has type ${input.type}; only float32 and float16 caches are supported.`);
  }
  if (shape.length !== 4 || typeof shape[1] !== 'number' || typeof shape[3] !== 'number') {
    throw new UserFacingError(
      `The cache input "${input.name}" has shape [${shape.map((d) => d ?? '?').join(', ')}]; expected [batch, heads, past_sequence, head_size] with fixed heads and head size.`,
      'Use an export whose past_key_values inputs declare their number of heads and head size (Optimum and transformers.js exports do).',
    );
  }
  return { name: input.name, type, emptyShape: [-1, shape[1], 0, shape[3]] };
}

/** One batch of right-padded token ids, as core/text/batch.ts makes them. */
export interface LmBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  dims: [number, number];
}

/** The feeds for one batch of whole sentences (no cache). The caller disposes the tensors after the run. */
export function lmFeeds(ort: OrtModule, layout: LmLayout, batch: LmBatch): Record<string, OrtTensor> {
  const [B, T] = batch.dims;
  const feeds: Record<string, OrtTensor> = { [layout.inputIds]: new ort.Tensor('int64', batch.inputIds, [B, T]) };
  if (layout.attentionMask) feeds[layout.attentionMask] = new ort.Tensor('int64', batch.attentionMask, [B, T]);
  if (layout.positionIds) {
    const pos = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) pos[b * T + t] = BigInt(t);
    feeds[layout.positionIds] = new ort.Tensor('int64', pos, [B, T]);
  }
  if (layout.useCacheBranch) feeds[layout.useCacheBranch] = new ort.Tensor('bool', new Uint8Array([0]), [1]);
  for (const p of layout.past) {
    const dims = p.emptyShape.map((d) => (d === -1 ? B : d));
    feeds[p.name] = new ort.Tensor(p.type, p.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims);
  }
  return feeds;
}
