/**
 * Report-card pieces for runs made in the app: candidate layers thinned to a budget, the metrics a bundle's
 * definitions need, and card entries built from per-layer scores that carry their commitment halves (the
 * compute worker's `LayerRegionScore.halves`), through the same `cardEntry` the CLI uses.
 */
import { findBenchmark, type BenchmarkDefinition } from './index';
import type { CommittedResult, DefinitionScore } from './run';
import { cardEntry, type CardEntry } from './card';
import { regionCommitments, type LayerRegionScore, type MetricKind } from '../predictivity/scoring';

/** At most `max` of `layers`, evenly spaced, always keeping the first and the last (order kept). */
export function thinLayers<T>(layers: readonly T[], max: number): T[] {
  if (max < 1) return [];
  if (layers.length <= max) return [...layers];
  if (max === 1) return [layers[layers.length - 1]];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (layers.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => layers[i]);
}

/** The metric that runs a definition in the scorer: its regression method, or RSA for RDM recipes. */
export function definitionMetric(def: BenchmarkDefinition): MetricKind {
  return def.recipe.kind === 'regression' ? def.recipe.method : 'rsa';
}

/** The distinct metrics needed to run every definition (in definition order). */
export function definitionMetrics(defs: readonly BenchmarkDefinition[]): MetricKind[] {
  return [...new Set(defs.map(definitionMetric))];
}

const asScore = (v: { ceiled: number; raw: number; sem?: number; ceiling?: number; clipped?: boolean }, layer: string): DefinitionScore =>
  ({ layer, ceiled: v.ceiled, raw: v.raw, sem: v.sem ?? NaN, ceiling: v.ceiling ?? NaN, clipped: v.clipped ?? false }) as unknown as DefinitionScore;

/**
 * Card entries (one per committed region) from one model's per-layer scores on one benchmark and metric.
 * Only scores computed by a versioned definition with commitment halves count; `labels` maps tensor names
 * to readable layer names.
 */
export function cardEntriesFromScores(scores: readonly LayerRegionScore[], labels: Map<string, string>): CardEntry[] {
  const out: CardEntry[] = [];
  for (const c of regionCommitments(scores)) {
    const def = findBenchmark(c.benchmark);
    const chosen = scores.find((s) => s.region === c.region && s.layer === c.committedLayer && s.halves);
    if (!def || !chosen?.provenance) continue;
    const result = {
      benchmark: def.id,
      version: def.version,
      committedLayer: c.committedLayer,
      committed: asScore(c.committed, c.committedLayer),
      optimistic: asScore(c.optimistic, c.optimisticLayer),
      layerChoice: `committed: ${c.layerChoice}`,
    } as unknown as CommittedResult;
    out.push(cardEntry(result, labels, { ...chosen.provenance, layerChoice: result.layerChoice, clipped: c.committed.clipped }));
  }
  return out;
}
