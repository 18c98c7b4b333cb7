/**
 * Scoring jobs of the Predictivity lab: every (layer, region) pair of a model on a benchmark, with the
 * metrics person's core functions (cross-validated ridge / PLS, RSA, split-half and leave-one-subject-out
 * ceilings). Plain TS without DOM: it runs in the compute worker and in Node tests alike.
 *
 * Ridge and PLS only need the stimulus × stimulus Gram matrix K = X Xᵀ of a layer (see crossval.ts), so each
 * layer's K is computed once (float64 accumulation on the CPU, or float32 on the GPU) and shared by all
 * regions.
 */
import { UserFacingError, throwIfAborted, type FloatTensor, type ProgressFn } from '../types';
import { crossValidatedPredictivity } from '../metrics/crossval';
import { ceiledScore, splitHalfReliability, type RepeatedResponses } from '../metrics/ceiling';
import { gram, matrix, type Matrix } from '../metrics/linalg';
import { meanRdm, rdm, rsaScore, type RdmComparison } from '../metrics/rsa';
import { median, standardError } from '../metrics/stats';

export type MetricKind = 'ridge' | 'pls' | 'rsa';

export const METRIC_LABELS: Record<MetricKind, string> = {
  ridge: 'Ridge regression (cross-validated)',
  pls: 'PLS regression, 25 components (cross-validated)',
  rsa: 'RSA (representational similarity)',
};

/** One region of a benchmark, in the form the scorer needs. */
export interface ScoringRegion {
  name: string;
  /** Repeat-averaged responses, stimuli × neuroids row-major (regression metrics; RSA builds an RDM from them). */
  responses?: { stimuli: number; neuroids: number; data: Float64Array };
  neuroidIds?: string[];
  /** Responses with repeats for the split-half ceiling. */
  repeated?: RepeatedResponses;
  /** A ceiling given by the benchmark when there are no repeats. */
  ceiling?: number;
  /** Brain RDMs (1 − similarity), one per subject, n × n. */
  rdms?: Matrix[];
}

export interface ScoringBenchmark {
  id: string;
  name: string;
  synthetic: boolean;
  stimuli: number;
  regions: ScoringRegion[];
  /** Cross-validation folds (default 10). */
  folds?: number;
  rsaComparison?: RdmComparison;
  ceilingTransform?: 'ratio' | 'squared-ratio';
}

export interface ScoringOptions {
  metric: MetricKind;
  /** Ids written into each result (for caching and tables). */
  modelId: string;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Gram matrix X Xᵀ of a layer (stimuli × stimuli); default: CPU float64 (`gramMatrix`). */
  gram?: (activation: FloatTensor) => Promise<Matrix> | Matrix;
  /** RDM of a layer (1 − Pearson r between stimulus patterns); default: CPU float64. */
  layerRdm?: (activation: FloatTensor) => Promise<Matrix> | Matrix;
}

/** Score of one layer on one region. */
export interface LayerRegionScore {
  model: string;
  layer: string;
  benchmark: string;
  region: string;
  metric: MetricKind;
  /** Unceiled score: median-over-neuroids held-out r, mean over folds (ridge/PLS); mean RDM correlation over subjects (RSA). */
  raw: number;
  /** Standard error of raw (over folds, or over subjects). */
  sem: number;
  /** Noise ceiling (NaN when the benchmark has none). */
  ceiling: number;
  /** Standard error of the ceiling (over split-halves or subjects). */
  ceilingSem: number;
  /** raw / ceiling (RSA: Brain-Score's ceiling transform). */
  ceiled: number;
  /** Per neuroid held-out r, mean over folds (ridge/PLS). */
  perNeuroid?: Float32Array;
  neuroidIds?: string[];
  /** Held-out predictions, stimuli × neuroids row-major (ridge/PLS), and the measured responses. */
  predicted?: Float32Array;
  measured?: Float32Array;
  stimuli?: number;
  neuroids?: number;
  /** Model and brain (mean over subjects) RDMs, n × n (RSA). */
  modelRdm?: Float32Array;
  brainRdm?: Float32Array;
  /** Why the score is missing, when it is NaN by design (e.g. ridge on an RDM-only region). */
  note?: string;
}

/** Activations as a stimuli × features view (any trailing dims flattened). */
export function featureShape(a: FloatTensor): { stimuli: number; features: number } {
  const stimuli = a.dims[0] ?? 0;
  const features = stimuli ? a.data.length / stimuli : 0;
  if (!Number.isInteger(features)) throw new UserFacingError(`Activation data (${a.data.length} values) does not fit dims [${a.dims.join(', ')}].`);
  return { stimuli, features };
}

/** K = X Xᵀ (stimuli × stimuli) with float64 accumulation, straight from float32 activations. */
export function gramMatrix(a: FloatTensor): Matrix {
  const { stimuli, features } = featureShape(a);
  return gram(a.data, stimuli, features);
}

/** Activations as a float64 matrix (fine for RDMs of moderate layers). */
export function activationMatrix(a: FloatTensor): Matrix {
  const { stimuli, features } = featureShape(a);
  return matrix(stimuli, features, a.data);
}

interface CeilingInfo {
  ceiling: number;
  sem: number;
}

function regressionCeiling(region: ScoringRegion, seed: number): CeilingInfo {
  if (region.repeated) {
    const half = splitHalfReliability(region.repeated, { seed });
    const perSplitMedians = half.perSplit.map((r) => median(r));
    return { ceiling: half.ceiling, sem: perSplitMedians.length > 1 ? standardError(perSplitMedians) : NaN };
  }
  return { ceiling: region.ceiling ?? NaN, sem: NaN };
}

const toF32 = (x: ArrayLike<number>) => Float32Array.from(x);

/** Give the event loop a turn so cancel and progress messages get through. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Score every layer on every region. Results come in layer-major order. Regions that cannot be scored
 * with the metric (e.g. ridge on a region with only RDMs) give NaN scores with a `note`.
 */
export async function scoreLayers(
  layers: { layer: string; activation: FloatTensor }[],
  bench: ScoringBenchmark,
  o: ScoringOptions,
): Promise<LayerRegionScore[]> {
  const seed = o.seed ?? 0;
  const folds = bench.folds ?? 10;
  for (const l of layers) {
    const { stimuli } = featureShape(l.activation);
    if (stimuli !== bench.stimuli) {
      throw new UserFacingError(`Layer "${l.layer}" was recorded on ${stimuli} stimuli but the benchmark "${bench.name}" has ${bench.stimuli}.`);
    }
  }
  const total = layers.length * bench.regions.length;
  let done = 0;
  const report = (phase: string) => o.onProgress?.({ done, total, phase });
  const results: LayerRegionScore[] = [];
  const ceilings = new Map<string, CeilingInfo>();

  for (const { layer, activation } of layers) {
    throwIfAborted(o.signal);
    let gram: Matrix | undefined;
    let modelRdm: Matrix | undefined;
    for (const region of bench.regions) {
      throwIfAborted(o.signal);
      report(`${o.metric === 'rsa' ? 'RSA' : `fitting ${o.metric}`} · ${layer} → ${region.name}`);
      await yieldToEvents();
      const base = { model: o.modelId, layer, benchmark: bench.id, region: region.name, metric: o.metric };
      if (o.metric === 'rsa') {
        const subjects = region.rdms ?? (region.responses ? [rdm(matrix(region.responses.stimuli, region.responses.neuroids, region.responses.data))] : []);
        if (!subjects.length) {
          results.push({ ...base, raw: NaN, sem: NaN, ceiling: NaN, ceilingSem: NaN, ceiled: NaN, note: 'This region has no responses or RDMs.' });
        } else {
          modelRdm ??= await (o.layerRdm ?? ((a: FloatTensor) => rdm(activationMatrix(a))))(activation);
          const r = rsaScore(modelRdm, subjects, bench.rsaComparison ?? 'pearson', bench.ceilingTransform ?? 'ratio');
          const brain = meanRdm(subjects);
          const ceilingSem = r.ceiling && r.ceiling.perSubjectLower.length > 1 ? standardError(r.ceiling.perSubjectLower) : NaN;
          results.push({
            ...base,
            raw: r.raw,
            sem: r.sem,
            ceiling: r.ceiling?.lower ?? NaN,
            ceilingSem,
            ceiled: r.ceiled ?? NaN,
            modelRdm: toF32(modelRdm.data),
            brainRdm: toF32(brain.data),
            stimuli: modelRdm.rows,
            ...(subjects.length === 1 ? { note: 'One brain RDM: no between-subject noise ceiling, so only the raw score is defined.' } : {}),
          });
        }
      } else if (!region.responses) {
        results.push({ ...base, raw: NaN, sem: NaN, ceiling: NaN, ceilingSem: NaN, ceiled: NaN, note: `${region.name} has only RDMs: use RSA for it.` });
      } else {
        gram ??= await (o.gram ?? gramMatrix)(activation);
        throwIfAborted(o.signal);
        if (!ceilings.has(region.name)) ceilings.set(region.name, regressionCeiling(region, seed));
        const c = ceilings.get(region.name)!;
        const y = matrix(region.responses.stimuli, region.responses.neuroids, region.responses.data);
        const r = crossValidatedPredictivity({ kernel: gram }, y, { method: o.metric, folds, seed, signal: o.signal });
        results.push({
          ...base,
          raw: r.score,
          sem: r.sem,
          ceiling: c.ceiling,
          ceilingSem: c.sem,
          ceiled: ceiledScore(r.score, c.ceiling),
          perNeuroid: toF32(r.perNeuroid),
          neuroidIds: region.neuroidIds,
          predicted: toF32(r.predictions.data),
          measured: toF32(region.responses.data),
          stimuli: y.rows,
          neuroids: y.cols,
        });
      }
      done++;
      report(`${layer} → ${region.name} done`);
    }
  }
  return results;
}

/** What the compute worker returns for one scoring job. */
export interface ScoreResult {
  scores: LayerRegionScore[];
  /** Which backend computed the Gram matrices / RDMs, and any fallback that happened. */
  backend: 'webgpu' | 'cpu';
  notes: string[];
}
