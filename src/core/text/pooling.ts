/** Sentence vectors from per-token hidden states [B, T, D]. */
import { UserFacingError, type FloatTensor } from '../types';

function dims3(hidden: FloatTensor): [number, number, number] {
  if (hidden.dims.length !== 3) throw new UserFacingError(`Expected hidden states [batch, tokens, features], got dims [${hidden.dims.join(', ')}].`);
  return hidden.dims as [number, number, number];
}

/** Hidden state at each row's last real token (index lengths[b] - 1): the representation of Tuckute et al. 2024. */
export function lastTokenPool(hidden: FloatTensor, lengths: ArrayLike<number>): FloatTensor {
  const [B, T, D] = dims3(hidden);
  if (lengths.length !== B) throw new UserFacingError(`Got ${lengths.length} lengths for ${B} sentences.`);
  const out = new Float32Array(B * D);
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    if (!Number.isInteger(len) || len < 1 || len > T) throw new UserFacingError(`Sentence ${b + 1} has length ${len}, outside 1..${T}.`);
    out.set(hidden.data.subarray((b * T + len - 1) * D, (b * T + len) * D), b * D);
  }
  return { dims: [B, D], data: out };
}

/** Mean of the hidden states over the tokens where mask is 1 ([B, T], numbers or bigints). */
export function meanPool(hidden: FloatTensor, mask: ArrayLike<number | bigint>): FloatTensor {
  const [B, T, D] = dims3(hidden);
  if (mask.length !== B * T) throw new UserFacingError(`Mask has ${mask.length} entries, expected ${B}×${T}.`);
  const out = new Float32Array(B * D);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    acc.fill(0);
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (Number(mask[b * T + t]) === 0) continue;
      n++;
      const base = (b * T + t) * D;
      for (let j = 0; j < D; j++) acc[j] += hidden.data[base + j];
    }
    if (n === 0) throw new UserFacingError(`Sentence ${b + 1} has no unmasked tokens.`);
    for (let j = 0; j < D; j++) out[b * D + j] = acc[j] / n;
  }
  return { dims: [B, D], data: out };
}
