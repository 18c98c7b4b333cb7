/**
 * Benchmarks as the Predictivity lab uses them: stimuli to record the model on, and regions to score
 * against. Built from the data person's bundles (src/core/data): the built-in synthetic demo benchmark
 * and imported bundle folders / zips / URLs.
 */
import type { MetricKind, ScoringBenchmark } from './scoring';

/** Shown next to the synthetic benchmark everywhere it appears. */
export const SYNTHETIC_LABEL = 'Synthetic demo data — not brain data';

export interface LoadedBenchmark {
  id: string;
  name: string;
  synthetic: boolean;
  citation?: string;
  modality: 'vision' | 'language';
  /** Stimulus names in response order. */
  stimulusNames: string[];
  /** Encoded images (PNG/JPEG bytes) in response order (vision). */
  images?: Uint8Array[];
  sentences?: string[];
  scoring: ScoringBenchmark;
  defaultMetric?: MetricKind;
}

/** Name with the synthetic label when it applies. */
export function benchmarkTitle(b: Pick<LoadedBenchmark, 'name' | 'synthetic'>): string {
  return b.synthetic && !b.name.includes(SYNTHETIC_LABEL) ? `${b.name} · ${SYNTHETIC_LABEL}` : b.name;
}

/** The metrics a benchmark supports: regression needs responses, RSA works with responses or RDMs. */
export function supportedMetrics(b: LoadedBenchmark): MetricKind[] {
  const hasResponses = b.scoring.regions.some((r) => r.responses);
  return hasResponses ? ['ridge', 'pls', 'rsa'] : ['rsa'];
}
