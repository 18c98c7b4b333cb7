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
import { benchmarksForBundle, provenance, type BenchmarkDefinition, type Placement, type ScoreProvenance } from '../benchmarks';
import { commitFromScores, newCache, scoreDefinition, scoreHalves, selectionHalves, type DefinitionCache, type DefinitionData, type DefinitionScore } from '../benchmarks/run';

/** A definition score without its bulky arrays (kept on the layer's full-data score). */
const strip = ({ predictions: _p, perNeuroid: _n, modelMatrix: _m, ...rest }: DefinitionScore): DefinitionScore => rest;

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
  /**
   * Versioned benchmark definitions (src/core/benchmarks) to score regions with, e.g.
   * `withDefinitions(bench)`. Absent or empty: Silico's generic recipe for every region.
   */
  definitions?: BenchmarkDefinition[];
  /** Per-stimulus labels by name (stratified splits). */
  labels?: Record<string, (string | number)[]>;
}

/** The bench with the registry's definitions for its bundle id (Brain-Score recipes for known data sets). */
export function withDefinitions(bench: ScoringBenchmark): ScoringBenchmark {
  return { ...bench, definitions: bench.synthetic ? [] : benchmarksForBundle(bench.id, bench.regions.map((r) => r.name)) };
}

/** The definition that scores `region` with `metric`, if any (stratified ones need their labels). */
export function definitionFor(bench: ScoringBenchmark, region: string, metric: MetricKind): BenchmarkDefinition | undefined {
  const defs = bench.definitions ?? [];
  return defs.find((d) => {
    if (d.region !== region) return false;
    if (d.splits.kind === 'stratified-shuffle' && !bench.labels?.[d.splits.by]) return false;
    return metric === 'rsa' ? d.recipe.kind !== 'regression' : d.recipe.kind === 'regression' && d.recipe.method === metric;
  });
}

/**
 * How a run on `bench` with `metric` shows the images to the model: the placement its definitions share (e.g.
 * Coggan2024's Brain-Score place_on_screen, as `silico score` does by default), or undefined for the model
 * preset's centre crop (no definitions, or definitions that place images differently).
 */
export function runPlacement(bench: ScoringBenchmark, metric: MetricKind): Placement | undefined {
  const defs = bench.regions.map((r) => definitionFor(bench, r.name, metric)).filter((d): d is BenchmarkDefinition => d !== undefined);
  if (!defs.length) return undefined;
  const p = defs[0].placement;
  if (defs.some((d) => JSON.stringify(d.placement) !== JSON.stringify(p))) return undefined;
  return p.mode === 'brainscore' && p.visualDegrees !== undefined ? p : undefined;
}

function regionData(bench: ScoringBenchmark, region: ScoringRegion, def: BenchmarkDefinition): DefinitionData {
  const similarities = def.recipe.kind === 'coggan2024-rsa';
  return {
    stimuli: bench.stimuli,
    ...(bench.labels ? { labels: bench.labels } : {}),
    ...(region.responses ? { responses: matrix(region.responses.stimuli, region.responses.neuroids, region.responses.data) } : {}),
    ...(region.repeated ? { repeated: region.repeated } : {}),
    // Regions hold RDMs (1 − RSM for similarity data); Coggan2024 compares similarities.
    ...(region.rdms ? { matrices: similarities ? region.rdms.map((m) => ({ rows: m.rows, cols: m.cols, data: m.data.map((v) => 1 - v) })) : region.rdms } : {}),
  };
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
  /** How the recorder placed the images (provenance); default: the model preset's centre crop. */
  placement?: Placement;
  /** Feature reduction per layer (provenance), e.g. "avgpool 4×4 (…)"; default "none". */
  reductions?: Map<string, string>;
  /** App version for provenance. */
  appVersion?: string;
  /** With definitions: also score each layer on the two halves used to commit layers (default true). */
  commit?: boolean;
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
  /** Ceiling normalisation used for `ceiled`, e.g. "r² / ceiling" or "(r / ceiling)², clipped to [0, 1]". */
  formula?: string;
  /** True when clipping to [0, 1] changed `ceiled`. */
  clipped?: boolean;
  /** Set when a versioned benchmark definition computed the score. */
  provenance?: ScoreProvenance;
  /** Layer commitment (definitions only): this layer scored on the selection part and on the report part. */
  halves?: { selection: DefinitionScore; report: DefinitionScore; layerChoice: string };
}

export interface RegionCommitment {
  region: string;
  benchmark: string;
  /** Layer with the best score on the selection part. */
  committedLayer: string;
  /** The committed layer on the report part. */
  committed: { ceiled: number; raw: number; sem: number; ceiling: number; clipped: boolean };
  /** Best of all layers on the report part (optimistic). */
  optimisticLayer: string;
  optimistic: { ceiled: number; raw: number };
  layerChoice: string;
  formula: string;
}

/** Committed layer per region from scores that carry `halves` (see ScoringOptions.commit). */
export function regionCommitments(scores: readonly LayerRegionScore[]): RegionCommitment[] {
  const out: RegionCommitment[] = [];
  const key = (s: DefinitionScore) => (Number.isFinite(s.ceiled) ? s.ceiled : s.raw);
  for (const region of [...new Set(scores.map((s) => s.region))]) {
    const rows = scores.filter((s) => s.region === region && s.halves);
    if (!rows.length) continue;
    const pick = (f: (s: LayerRegionScore) => DefinitionScore) =>
      rows.filter((s) => Number.isFinite(key(f(s)))).reduce<LayerRegionScore | undefined>((b, s) => (!b || key(f(s)) > key(f(b)) ? s : b), undefined) ?? rows[0];
    const chosen = pick((s) => s.halves!.selection);
    const best = pick((s) => s.halves!.report);
    const c = chosen.halves!.report;
    out.push({
      region,
      benchmark: chosen.provenance?.benchmark ?? chosen.benchmark,
      committedLayer: chosen.layer,
      committed: { ceiled: c.ceiled, raw: c.raw, sem: c.sem, ceiling: c.ceiling, clipped: c.clipped },
      optimisticLayer: best.layer,
      optimistic: { ceiled: best.halves!.report.ceiled, raw: best.halves!.report.raw },
      layerChoice: chosen.halves!.layerChoice,
      formula: chosen.formula ?? '',
    });
  }
  return out;
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

/**
 * Split-half ceilings by the content of the repeats and the seed. A pool worker (pool.ts) gets one layer per
 * job, so without this it would redo a region's ceiling for every layer; a few recent regions are kept.
 */
const ceilingMemo = new Map<string, CeilingInfo>();

function repeatsKey(r: RepeatedResponses, seed: number): string {
  const words = new Uint32Array(r.data.buffer, r.data.byteOffset, r.data.length * 2);
  // Two 32-bit hashes of the float64 bits (FNV-1a and a multiply-rotate one): 64 bits against collisions.
  let h = 0x811c9dc5;
  let g = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ words[i], 0x01000193);
    g = Math.imul((g << 5) | (g >>> 27), 0x85ebca6b) ^ words[i];
  }
  return `${seed}|${r.neuroids}×${r.stimuli}×${r.repeats}|${(h >>> 0).toString(16).padStart(8, '0')}${(g >>> 0).toString(16).padStart(8, '0')}`;
}

function regressionCeiling(region: ScoringRegion, seed: number): CeilingInfo {
  if (region.repeated) {
    const key = repeatsKey(region.repeated, seed);
    const hit = ceilingMemo.get(key);
    if (hit) return hit;
    const half = splitHalfReliability(region.repeated, { seed });
    const perSplitMedians = half.perSplit.map((r) => median(r));
    const c = { ceiling: half.ceiling, sem: perSplitMedians.length > 1 ? standardError(perSplitMedians) : NaN };
    if (ceilingMemo.size >= 8) ceilingMemo.delete(ceilingMemo.keys().next().value!);
    ceilingMemo.set(key, c);
    return c;
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
    let defCache: DefinitionCache | undefined;
    for (const region of bench.regions) {
      throwIfAborted(o.signal);
      report(`${o.metric === 'rsa' ? 'RSA' : `fitting ${o.metric}`} · ${layer} → ${region.name}`);
      await yieldToEvents();
      const base = { model: o.modelId, layer, benchmark: bench.id, region: region.name, metric: o.metric };
      const def = definitionFor(bench, region.name, o.metric);
      if (def) {
        defCache ??= newCache();
        if (def.recipe.kind === 'regression' && o.gram && !defCache.gram) defCache.gram = await o.gram(activation); // e.g. on the GPU
        results.push(scoreWithDefinition(def, { layer, activation }, regionData(bench, region, def), region, base, o, defCache));
      } else if (o.metric === 'rsa') {
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
            formula: bench.ceilingTransform === 'squared-ratio' ? '(r / ceiling)²' : 'r / ceiling',
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
          formula: 'r / ceiling',
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

function scoreWithDefinition(
  def: BenchmarkDefinition,
  layer: { layer: string; activation: FloatTensor },
  data: DefinitionData,
  region: ScoringRegion,
  base: Pick<LayerRegionScore, 'model' | 'layer' | 'benchmark' | 'region' | 'metric'>,
  o: ScoringOptions,
  cache: DefinitionCache,
): LayerRegionScore {
  const r = scoreDefinition(def, layer, data, { cache, signal: o.signal });
  let halves: LayerRegionScore['halves'];
  if (o.commit !== false) {
    try {
      const parts = selectionHalves(def, data);
      const [selection, report] = scoreHalves(def, layer, data, parts, o.signal, cache);
      halves = { selection: strip(selection), report: strip(report), layerChoice: commitFromScores(def, data, parts, [selection], [report]).layerChoice.replace(/^committed: /, '') };
    } catch (e) {
      if (!(e instanceof UserFacingError)) throw e; // e.g. too few subjects to halve: no commitment
    }
  }
  const prov = provenance(def, {
    featureReduction: o.reductions?.get(layer.layer) ?? 'none',
    layerChoice: 'every layer scored on all data (no commitment)',
    appVersion: o.appVersion ?? 'silico',
    clipped: r.clipped,
    placement: o.placement ?? { mode: 'center-crop', modelDegrees: 8 },
  });
  const out: LayerRegionScore = {
    ...base,
    raw: r.raw,
    sem: r.sem,
    ceiling: r.ceiling,
    ceilingSem: r.ceilingSem,
    ceiled: r.ceiled,
    formula: prov.formula,
    clipped: r.clipped,
    provenance: prov,
    ...(halves ? { halves } : {}),
    ...(r.note ? { note: r.note } : {}),
  };
  if (r.predictions && region.responses) {
    out.perNeuroid = toF32(r.perNeuroid!);
    out.neuroidIds = region.neuroidIds;
    out.predicted = toF32(r.predictions.data);
    out.measured = toF32(region.responses.data);
    out.stimuli = region.responses.stimuli;
    out.neuroids = region.responses.neuroids;
  } else if (r.modelMatrix && data.matrices) {
    const n = r.modelMatrix.rows;
    const toRdm = (m: Matrix) => (def.recipe.kind === 'coggan2024-rsa' ? m.data.map((v) => 1 - v) : m.data);
    out.modelRdm = toF32(toRdm(r.modelMatrix));
    out.brainRdm = toF32(toRdm(meanRdm(data.matrices)));
    out.stimuli = n;
  }
  return out;
}

/** What the compute worker returns for one scoring job. */
export interface ScoreResult {
  scores: LayerRegionScore[];
  /** Which backend computed the Gram matrices / RDMs, and any fallback that happened. */
  backend: 'webgpu' | 'cpu';
  notes: string[];
}
