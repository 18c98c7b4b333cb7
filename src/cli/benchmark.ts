/** A benchmark bundle (src/core/data) in the form the layer scorer (same as the browser's Predictivity lab) takes. */
import type { Benchmark } from '../core/data/bundle';
import { rsmToRdm } from '../core/metrics/rsa';
import type { ScoringBenchmark } from '../core/predictivity/scoring';
import { readFileSync } from 'node:fs';
import type { PreprocessSpec } from '../core/image';
import { prepareImage } from '../core/image/placement';
import type { DefinitionData } from '../core/benchmarks/run';
import type { Placement } from '../core/benchmarks/types';
import { UserFacingError } from '../core/types';
import type { NamedBytes } from './inputs';

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


/** One region of a bundle as a definition's data (labels for stratification, RSMs kept as similarities for Coggan). */
export function definitionData(b: Benchmark, region: string, similarities: boolean): DefinitionData {
  const r = b.regions.find((x) => x.name === region);
  if (!r) throw new UserFacingError(`"${b.manifest.name}" has no region "${region}".`);
  const labels: Record<string, (string | number)[]> = {};
  for (const [i, s] of b.manifest.stimuli.entries()) {
    for (const [k, v] of Object.entries(s.labels ?? {})) (labels[k] ??= new Array(b.manifest.stimuli.length))[i] = v;
  }
  for (const k of Object.keys(labels)) if (labels[k].some((v) => v === undefined)) delete labels[k];
  let matrices = r.matrices;
  if (matrices) {
    const isRsm = r.kind === 'rsm';
    if (similarities !== isRsm) matrices = matrices.map((m) => ({ rows: m.rows, cols: m.cols, data: m.data.map((v) => 1 - v) }));
  }
  return {
    stimuli: b.manifest.stimuli.length,
    labels,
    ...(r.responses ? { responses: r.responses } : {}),
    ...(r.repeats ? { repeated: r.repeats } : {}),
    ...(matrices ? { matrices } : {}),
  };
}

/** Image preparation for a placement: Brain-Score's place_on_screen + square resize, or the model's preset. */
export function placementPrepare(placement: Placement, spec: PreprocessSpec): ((img: NamedBytes) => Float32Array) | undefined {
  if (placement.mode === 'center-crop') return undefined;
  // The same function the lab's model worker prepares images with (place_on_screen, square resize, 8-bit rounding).
  return (img) => prepareImage(img.bytes, spec, placement, img.name);
}

/** Silico's version (package.json), for provenance. */
export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? 'silico'} ${pkg.version ?? '?'}`;
  } catch {
    return 'silico (version unknown)';
  }
}

/** `--max-features N|none`: none keeps layers whole (flattened, as Brain-Score does). */
export function maxFeaturesOption(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const s = String(value).trim().toLowerCase();
  if (s === 'none' || s === 'off' || s === 'full') return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UserFacingError(`--max-features must be a positive whole number or "none", got "${String(value)}".`);
  return n;
}
