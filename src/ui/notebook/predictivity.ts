/** Predictivity runs ⇄ notebook entries: what the lab saves, and reading it back when re-opened. */
import type { Experiment, ExperimentInput } from '../../core/experiments';
import type { LayerRegionScore, MetricKind } from '../../core/predictivity/scoring';

export interface PredictivityRun {
  modelKey: string;
  modelName: string;
  benchmark: { id: string; name: string; synthetic: boolean };
  metric: MetricKind;
  /** Layers in display order. */
  layers: string[];
  /** The scores shown (one model, benchmark and metric). */
  scores: LayerRegionScore[];
}

export function predictivityExperiment(run: PredictivityRun): ExperimentInput {
  return {
    kind: 'predictivity',
    name: `${run.modelName} × ${run.benchmark.name} (${run.metric})`,
    model: run.modelKey,
    layers: run.layers,
    benchmark: run.benchmark.id,
    settings: { metric: run.metric },
    results: { scores: run.scores } as unknown as ExperimentInput['results'],
    synthetic: run.benchmark.synthetic,
  };
}

export function savedPredictivityRun(exp: Experiment): { metric: MetricKind; scores: LayerRegionScore[] } {
  const results = exp.results as unknown as { scores?: LayerRegionScore[] } | null;
  return { metric: exp.settings.metric as MetricKind, scores: results?.scores ?? [] };
}
