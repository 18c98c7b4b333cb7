/** A benchmark bundle (src/core/data) in the form the layer scorer (same as the browser's Predictivity lab) takes. */
import type { Benchmark } from '../core/data/bundle';
import { rsmToRdm } from '../core/metrics/rsa';
import type { ScoringBenchmark } from '../core/predictivity/scoring';

export function toScoringBenchmark(b: Benchmark): ScoringBenchmark {
  const m = b.manifest;
  return {
    id: m.id,
    name: m.name,
    synthetic: m.synthetic,
    stimuli: m.stimuli.length,
    folds: m.metric.folds,
    rsaComparison: m.metric.comparison,
    ceilingTransform: m.metric.ceilingTransform,
    regions: b.regions.map((r) => ({
      name: r.name,
      ...(r.responses ? { responses: { stimuli: r.responses.rows, neuroids: r.responses.cols, data: r.responses.data } } : {}),
      ...(r.neuroids ? { neuroidIds: r.neuroids } : {}),
      ...(r.repeats ? { repeated: r.repeats } : {}),
      ...(r.matrices ? { rdms: r.kind === 'rsm' ? r.matrices.map(rsmToRdm) : r.matrices } : {}),
    })),
  };
}
