/** Adapter from the data module's benchmark bundles (src/core/data) to the lab's LoadedBenchmark. */
import { UserFacingError } from '../types';
import { readBundle, readBundleAsync, readBundleZipAsync, stimulusBytes, type Benchmark } from '../data/bundle';
import { syntheticBundle } from '../data/synthetic';
import { rsmToRdm } from '../metrics/rsa';
import type { LoadedBenchmark } from './benchmarks';
import { withDefinitions, type ScoringBenchmark, type ScoringRegion } from './scoring';

/** An imported bundle (folder files by path); NetCDF assemblies load the HDF5 reader on demand. */
export function readBundleFiles(files: Map<string, Uint8Array>): Promise<Benchmark> {
  return readBundleAsync(files);
}

export function readBundleZipBytes(bytes: Uint8Array): Promise<Benchmark> {
  return readBundleZipAsync(bytes);
}

/** The scorer's view of a bundle: responses (+ repeats for the ceiling) or RDMs per subject. */
export function scoringBenchmark(b: Benchmark): ScoringBenchmark {
  const m = b.manifest;
  const regions: ScoringRegion[] = b.regions.map((r) => {
    if (r.kind === 'responses') {
      if (!r.responses) throw new UserFacingError(`Region "${r.name}" has no responses.`);
      return {
        name: r.name,
        responses: { stimuli: r.responses.rows, neuroids: r.responses.cols, data: r.responses.data },
        neuroidIds: r.neuroids,
        repeated: r.repeats,
      };
    }
    const mats = r.matrices ?? [];
    return { name: r.name, rdms: r.kind === 'rsm' ? mats.map(rsmToRdm) : mats };
  });
  // Stimulus labels (for stratified splits), and the versioned Brain-Score-style definitions for known bundles (D).
  const labels: Record<string, (string | number)[]> = {};
  for (const key of new Set(m.stimuli.flatMap((s) => Object.keys(s.labels ?? {})))) {
    if (m.stimuli.every((s) => s.labels?.[key] !== undefined)) labels[key] = m.stimuli.map((s) => s.labels![key]);
  }
  return withDefinitions({
    id: m.id,
    name: m.name,
    synthetic: m.synthetic,
    stimuli: m.stimuli.length,
    regions,
    folds: m.metric.folds,
    rsaComparison: m.metric.comparison,
    ceilingTransform: m.metric.ceilingTransform,
    labels,
  });
}

export async function bundleToBenchmark(b: Benchmark): Promise<LoadedBenchmark> {
  const m = b.manifest;
  if (m.modality !== 'vision') {
    throw new UserFacingError(`"${m.name}" is a language benchmark; the Predictivity lab scores vision models.`, 'Use the Language lab for language benchmarks.');
  }
  return {
    id: m.id,
    name: m.name,
    synthetic: m.synthetic,
    citation: m.citation || undefined,
    modality: m.modality,
    stimulusNames: m.stimuli.map((s) => s.id),
    images: m.stimuli.map((s) => stimulusBytes(b, s)),
    scoring: scoringBenchmark(b),
    defaultMetric: m.metric.method,
  };
}

/** The built-in synthetic demo benchmark (generated in code, seeded: the same every time). */
export async function loadSyntheticBenchmark(): Promise<LoadedBenchmark> {
  return bundleToBenchmark(readBundle(syntheticBundle()));
}
