/** Token-id lists to the fixed-shape int64 tensors a decoder takes (right padding). */
import { UserFacingError } from '../types';

export interface BatchOptions {
  /** Longest sequence kept (after the BOS token, if any); longer ones are cut at the end. */
  maxLength: number;
  /** Id written into padded positions (masked out, so any valid id works; GPT-2 uses 50256). */
  padId: number;
  /** Put `bosId` before every sentence (GPT-2: <|endoftext|> = 50256), so the first word gets a context. */
  prependBos?: boolean;
  bosId?: number;
}

export interface TokenBatch {
  /** [batch, seq] row-major. */
  inputIds: BigInt64Array;
  /** 1 for tokens, 0 for padding; [batch, seq]. */
  attentionMask: BigInt64Array;
  /** Tokens per row (including BOS), i.e. index of the last token + 1. */
  lengths: number[];
  dims: [number, number];
  /** How many rows were cut to maxLength. */
  truncated: number;
}

export function batchSentences(tokenIdsList: number[][], options: BatchOptions): TokenBatch {
  const { maxLength, padId, prependBos = false } = options;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new UserFacingError(`maxLength must be a positive integer (got ${maxLength}).`);
  if (tokenIdsList.length === 0) throw new UserFacingError('No sentences to batch.');
  if (prependBos && options.bosId === undefined) throw new UserFacingError('prependBos needs a bosId (GPT-2: 50256, "<|endoftext|>").');
  let truncated = 0;
  const rows = tokenIdsList.map((ids, i) => {
    const row = prependBos ? [options.bosId as number, ...ids] : ids;
    if (row.length === 0) throw new UserFacingError(`Sentence ${i + 1} has no tokens (empty text?).`);
    if (row.length > maxLength) {
      truncated++;
      return row.slice(0, maxLength);
    }
    return row;
  });
  const seq = Math.max(...rows.map((r) => r.length));
  const inputIds = new BigInt64Array(rows.length * seq).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows.length * seq);
  rows.forEach((row, b) => {
    for (let t = 0; t < row.length; t++) {
      inputIds[b * seq + t] = BigInt(row[t]);
      attentionMask[b * seq + t] = 1n;
    }
  });
  return { inputIds, attentionMask, lengths: rows.map((r) => r.length), dims: [rows.length, seq], truncated };
}

/** Default context the labs and the CLI give a sentence (tokens, BOS included). */
export const DEFAULT_MAX_TOKENS = 64;

/**
 * How many sentences are longer than `maxLength` tokens (with the BOS token when one is prepended) and so are cut to
 * their first `maxLength` tokens before the model sees them, and the one-line note that says so (empty when none).
 */
export function contextCut(encode: (s: string) => number[], sentences: string[], maxLength = DEFAULT_MAX_TOKENS, prependBos = true): { cut: number; note: string } {
  const cut = sentences.filter((s) => encode(s).length + (prependBos ? 1 : 0) > maxLength).length;
  const note = cut ? `${cut} of ${sentences.length} sentences are longer than the model's ${maxLength}-token context and were cut to their first ${maxLength} tokens.` : '';
  return { cut, note };
}
