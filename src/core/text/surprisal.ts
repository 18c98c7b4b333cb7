/**
 * Surprisal (−log2 p) of each token given its left context, from a causal LM's logits [B, T, V].
 * Token t is predicted by the logits at position t−1, so a row of length L yields L−1 surprisals
 * (the first token has no context; prepend BOS to score it).
 */
import { UserFacingError, type FloatTensor } from '../types';

const LN2 = Math.LN2;

/** Per-row token surprisals in bits, for tokens 1..lengths[b]−1. */
export function tokenSurprisals(logits: FloatTensor, inputIds: ArrayLike<number | bigint>, lengths: ArrayLike<number>): Float64Array[] {
  if (logits.dims.length !== 3) throw new UserFacingError(`Expected logits [batch, tokens, vocab], got [${logits.dims.join(', ')}].`);
  const [B, T, V] = logits.dims;
  if (inputIds.length !== B * T) throw new UserFacingError(`Got ${inputIds.length} token ids for logits of ${B}×${T} positions.`);
  if (lengths.length !== B) throw new UserFacingError(`Got ${lengths.length} lengths for ${B} sentences.`);
  const out: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    if (!Number.isInteger(len) || len < 1 || len > T) throw new UserFacingError(`Sentence ${b + 1} has length ${len}, outside 1..${T}.`);
    const s = new Float64Array(len - 1);
    for (let t = 1; t < len; t++) {
      const row = logits.data.subarray((b * T + t - 1) * V, (b * T + t) * V);
      const target = Number(inputIds[b * T + t]);
      if (!(target >= 0 && target < V)) throw new UserFacingError(`Token id ${target} is outside the vocabulary (size ${V}).`);
      // log-sum-exp around the max keeps exp() from overflowing
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (row[v] > max) max = row[v];
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(row[v] - max);
      const logProb = row[target] - max - Math.log(sum);
      s[t - 1] = -logProb / LN2;
    }
    out.push(s);
  }
  return out;
}

/** Sentence surprisal: sum (total information, bits) or mean (per token). NaN for no tokens. */
export function sentenceSurprisal(tokenBits: ArrayLike<number>, reduce: 'sum' | 'mean' = 'mean'): number {
  if (tokenBits.length === 0) return NaN;
  let total = 0;
  for (let i = 0; i < tokenBits.length; i++) total += tokenBits[i];
  return reduce === 'sum' ? total : total / tokenBits.length;
}
