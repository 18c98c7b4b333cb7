/** Summary numbers of a recorded layer for display. */
import type { LayerActivation } from '../core/types';

export interface LayerSummary {
  layer: string;
  shape: number[];
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Fraction of exact zeros (e.g. after ReLU). */
  zeros: number;
}

export function summarize(a: LayerActivation): LayerSummary {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (const v of a.data) {
    sum += v;
    sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  const n = a.data.length || 1;
  const mean = sum / n;
  return { layer: a.layer, shape: a.dims, mean, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)), min, max, zeros: zeros / n };
}
