/**
 * Running a benchmark definition on a model's layers: per-layer scores, and the committed layer (chosen
 * on one part of the data, reported on the other) beside the best of all layers (optimistic).
 */
import { UserFacingError, throwIfAborted, type FloatTensor } from '../types';
import { brainScoreSem, internalConsistency, type RepeatedResponses } from '../metrics/ceiling';
import { crossValidatedPredictivity, type Split } from '../metrics/crossval';
import { gram, matrix, selectBlock, selectRows, type Matrix } from '../metrics/linalg';
import { cogganRsm, cogganScore, compareRdms, rsaCeiling } from '../metrics/rsa';
import { shuffleSplits, stratifiedShuffleSplits, validateSplits } from '../metrics/splits';
import { mean, permutation, seededRandom, standardError } from '../metrics/stats';
import { normalise, type BenchmarkDefinition } from './index';

/** A region's data in the form definitions need. */
export interface DefinitionData {
  stimuli: number;
  /** Per-stimulus labels by name (e.g. object_name), for stratified splits and halves. */
  labels?: Record<string, (string | number)[]>;
  /** stimuli × neuroids, repetition-averaged. */
  responses?: Matrix;
  repeated?: RepeatedResponses;
  /** coggan2024-rsa: one similarity matrix per subject; rdm: one dissimilarity matrix per subject. */
  matrices?: Matrix[];
}

export interface LayerInput {
  layer: string;
  /** [stimuli, ...] activations, flattened per stimulus. */
  activation: FloatTensor;
}

export interface DefinitionScore {
  benchmark: string;
  version: number;
  layer: string;
  raw: number;
  /** Error of raw: std over splits (ddof 0) / √splits (regression), SEM over subjects (RSA). */
  sem: number;
  ceiling: number;
  ceilingSem: number;
  ceiled: number;
  clipped: boolean;
  /** Regression: median-over-neuroids r per split. RSA: r per subject. */
  parts: number[];
  /** Coggan2024: units kept by the selection. */
  selectedUnits?: number;
  /** Regression: mean held-out r per neuroid, and held-out predictions (subset stimuli × neuroids; NaN where never tested). */
  perNeuroid?: Float64Array;
  predictions?: Matrix;
  /** Coggan2024: the model RSM; generic RDM: the model RDM (subset). */
  modelMatrix?: Matrix;
  note?: string;
}

/** Which stimuli / subjects a score uses. */
export interface Subset {
  stimuli?: number[];
  subjects?: number[];
}

export interface DefinitionCache {
  gram?: Matrix;
  rsm?: ReturnType<typeof cogganRsm>;
  rdm?: Matrix;
  /** Ceiling per region, ceiling spec and subset. A cache belongs to one layer; definitions may share it. */
  ceilings: Map<string, { ceiling: number; sem: number }>;
}

export const newCache = (): DefinitionCache => ({ ceilings: new Map() });

function asMatrix(a: FloatTensor) {
  const rows = a.dims[0] ?? 0;
  return { rows, cols: rows ? a.data.length / rows : 0, data: a.data };
}

function subsetRepeats(r: RepeatedResponses, stimuli: number[]): RepeatedResponses {
  const out = new Float64Array(r.neuroids * stimuli.length * r.repeats);
  for (let n = 0; n < r.neuroids; n++) {
    stimuli.forEach((s, k) => out.set(r.data.subarray((n * r.stimuli + s) * r.repeats, (n * r.stimuli + s + 1) * r.repeats), (n * stimuli.length + k) * r.repeats));
  }
  return { neuroids: r.neuroids, stimuli: stimuli.length, repeats: r.repeats, data: out };
}

/** The definition's cross-validation splits over `stimuli` (indices into that list). */
export function definitionSplits(def: BenchmarkDefinition, data: DefinitionData, stimuli: number[]): Split[] {
  const s = def.splits;
  if (s.kind === 'none') throw new UserFacingError(`${def.id} does not fit a mapping, so it has no splits.`);
  const labels = s.kind === 'stratified-shuffle' ? data.labels?.[s.by] : undefined;
  if (s.kind === 'stratified-shuffle' && !labels) {
    throw new UserFacingError(`${def.id} stratifies its splits by "${s.by}", but the bundle's stimuli have no such label.`);
  }
  return labels
    ? stratifiedShuffleSplits(stimuli.map((i) => labels[i]), { splits: s.splits, trainSize: s.trainSize, seed: s.seed })
    : shuffleSplits(stimuli.length, { splits: s.splits, trainSize: s.trainSize, seed: s.seed });
}

/** RDM = 1 − Pearson between stimulus patterns, via one Gram matrix of the standardised patterns. */
export function correlationRdm(a: FloatTensor): Matrix {
  const n = a.dims[0];
  const p = a.data.length / n;
  const z = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < p; k++) m += a.data[i * p + k];
    m /= p;
    let ss = 0;
    for (let k = 0; k < p; k++) ss += (a.data[i * p + k] - m) ** 2;
    const sd = Math.sqrt(ss);
    for (let k = 0; k < p; k++) z[i * p + k] = sd > 0 ? (a.data[i * p + k] - m) / sd : NaN;
  }
  const g = gram(z, n, p);
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = i === j ? 0 : 1 - g.data[i * n + j];
  return out;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Score one layer with a definition on a subset of the data (default: all of it). `splits` overrides the
 * definition's (indices into the subset's stimuli), e.g. scikit-learn's for an exact reproduction.
 */
export function scoreDefinition(def: BenchmarkDefinition, input: LayerInput, data: DefinitionData, o: { subset?: Subset; splits?: Split[]; cache?: DefinitionCache; signal?: AbortSignal } = {}): DefinitionScore {
  const cache = o.cache ?? newCache();
  const stimuli = o.subset?.stimuli ?? all(data.stimuli);
  const base = { benchmark: def.id, version: def.version, layer: input.layer };
  const rows = input.activation.dims[0];
  if (rows !== data.stimuli) throw new UserFacingError(`Layer "${input.layer}" has ${rows} stimuli but ${def.id} has ${data.stimuli}.`);
  const r = def.recipe;
  if (r.kind === 'regression') {
    if (!data.responses) throw new UserFacingError(`${def.id} needs responses, but region "${def.region}" has none.`);
    const a = asMatrix(input.activation);
    cache.gram ??= gram(a.data, a.rows, a.cols);
    const k = selectBlock(cache.gram, stimuli, stimuli);
    const y = selectRows(data.responses, stimuli);
    const splits = o.splits ? validateSplits(o.splits, stimuli.length) : definitionSplits(def, data, stimuli);
    const res = crossValidatedPredictivity({ kernel: k }, y, {
      method: r.method,
      splits,
      signal: o.signal,
      ...(r.method === 'pls' ? { pls: { nComponents: r.nComponents ?? 25 } } : { ridge: r.alphas !== undefined ? { alphas: r.alphas } : {} }),
    });
    const c = regressionCeiling(def, data, stimuli, cache);
    const n = normalise(res.score, c.ceiling, def.normalisation);
    return { ...base, raw: res.score, sem: brainScoreSem(res.foldScores), ceiling: c.ceiling, ceilingSem: c.sem, ...n, parts: res.foldScores, perNeuroid: res.perNeuroid, predictions: res.predictions };
  }
  if (!data.matrices?.length) throw new UserFacingError(`${def.id} needs RSMs or RDMs, but region "${def.region}" has none.`);
  if (r.kind === 'coggan2024-rsa') {
    if (o.subset?.stimuli) throw new UserFacingError('Coggan2024 scores all 24 conditions; choose layers on subject halves instead.');
    const subjects = o.subset?.subjects ?? all(data.matrices.length);
    if (!cache.rsm) {
      try {
        cache.rsm = cogganRsm(asMatrix(input.activation));
      } catch (e) {
        // Brain-Score asserts here; a layer without selectable units gets no score rather than stopping the run.
        if (!(e instanceof UserFacingError)) throw e;
        return { ...base, raw: NaN, sem: NaN, ceiling: NaN, ceilingSem: NaN, ceiled: NaN, clipped: false, parts: [], selectedUnits: 0, note: e.message };
      }
    }
    // Per subject: model vs subject, and subject vs the mean of ALL other subjects (the ceiling involves no
    // model, so a subject half keeps Brain-Score's 9-subject ceiling scale); then the mean over `subjects`.
    const full = cogganScore(cache.rsm.rsm, data.matrices);
    const perSubject = subjects.map((s) => full.perSubject[s]);
    const perCeiling = subjects.map((s) => full.perSubjectCeiling[s]);
    const raw = mean(perSubject);
    const ceiling = mean(perCeiling);
    const n = normalise(raw, ceiling, def.normalisation);
    return {
      ...base,
      raw,
      sem: subjects.length > 1 ? standardError(perSubject) : NaN,
      ceiling,
      ceilingSem: perCeiling.length > 1 ? standardError(perCeiling) : NaN,
      ...n,
      parts: perSubject,
      selectedUnits: cache.rsm.selectedUnits,
      modelMatrix: cache.rsm.rsm,
    };
  }
  // Generic RDM.
  cache.rdm ??= correlationRdm(input.activation);
  const model = selectBlock(cache.rdm, stimuli, stimuli);
  const subjects = (o.subset?.subjects ?? all(data.matrices.length)).map((s) => selectBlock(data.matrices![s], stimuli, stimuli));
  const perSubject = subjects.map((s) => compareRdms(model, s, r.comparison));
  const raw = mean(perSubject);
  let ceiling = NaN;
  let ceilingSem = NaN;
  if (def.ceiling.kind === 'rsa-ceiling' && subjects.length > 1) {
    const c = rsaCeiling(subjects, 'spearman');
    ceiling = c.upper;
    ceilingSem = standardError(c.perSubjectUpper);
  } else if (def.ceiling.kind === 'given') ceiling = def.ceiling.value;
  const n = normalise(raw, ceiling, def.normalisation);
  return {
    ...base,
    raw,
    sem: subjects.length > 1 ? standardError(perSubject) : NaN,
    ceiling,
    ceilingSem,
    ...n,
    parts: perSubject,
    modelMatrix: model,
    ...(def.ceiling.kind === 'none' ? { note: def.ceiling.reason } : {}),
  };
}

function regressionCeiling(def: BenchmarkDefinition, data: DefinitionData, stimuli: number[], cache: DefinitionCache): { ceiling: number; sem: number } {
  const key = `${def.region}|${JSON.stringify(def.ceiling)}|${stimuli.join(',')}`;
  const hit = cache.ceilings.get(key);
  if (hit) return hit;
  let c = { ceiling: NaN, sem: NaN };
  if (def.ceiling.kind === 'internal-consistency' && data.repeated) {
    const rep = stimuli.length === data.stimuli ? data.repeated : subsetRepeats(data.repeated, stimuli);
    const ic = internalConsistency(rep, { splits: def.ceiling.splits, seed: def.ceiling.seed });
    c = { ceiling: ic.ceiling, sem: ic.sem };
  } else if (def.ceiling.kind === 'given') c = { ceiling: def.ceiling.value, sem: NaN };
  cache.ceilings.set(key, c);
  return c;
}

/** The two halves a definition commits layers with: [selection, report]. */
export function selectionHalves(def: BenchmarkDefinition, data: DefinitionData): [Subset, Subset] {
  const rand = seededRandom(def.selection.seed + 7919);
  if (def.selection.kind === 'subject-halves') {
    const n = data.matrices?.length ?? 0;
    if (n < 4) throw new UserFacingError(`${def.id} needs at least 4 subjects to choose layers on half of them.`);
    const order = permutation(n, rand);
    const h = Math.floor(n / 2);
    return [{ subjects: order.slice(0, h).sort((a, b) => a - b) }, { subjects: order.slice(h).sort((a, b) => a - b) }];
  }
  const labels = def.selection.stratifyBy ? data.labels?.[def.selection.stratifyBy] : undefined;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < data.stimuli; i++) {
    const key = labels ? String(labels[i]) : '';
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const a: number[] = [];
  const b: number[] = [];
  let odd = 0;
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    const order = permutation(g.length, rand).map((j) => g[j]);
    // Odd-sized groups alternate which half gets the extra stimulus, so the halves stay balanced.
    const h = (g.length + (g.length % 2 ? odd++ % 2 : 0)) >> 1;
    a.push(...order.slice(0, h));
    b.push(...order.slice(h));
  }
  return [{ stimuli: a.sort((x, y) => x - y) }, { stimuli: b.sort((x, y) => x - y) }];
}

export interface CommittedResult {
  benchmark: string;
  version: number;
  selection: Subset;
  report: Subset;
  /** Per layer, on the selection part. */
  selectionScores: DefinitionScore[];
  /** Per layer, on the report part. */
  reportScores: DefinitionScore[];
  /** Layer with the best ceiled (or raw, without a ceiling) score on the selection part. */
  committedLayer: string;
  /** The committed layer's score on the report part. */
  committed: DefinitionScore;
  /** Best of all layers on the report part (optimistic: chosen on the data it is scored on). */
  optimistic: DefinitionScore;
  layerChoice: string;
}

const key = (s: DefinitionScore) => (Number.isFinite(s.ceiled) ? s.ceiled : s.raw);
function best(scores: DefinitionScore[]): DefinitionScore {
  const finite = scores.filter((s) => Number.isFinite(key(s)));
  if (!finite.length) return scores[0];
  // Ties (e.g. several layers clipped to 1) go to the higher raw score, then the earlier layer.
  return finite.reduce((b, s) => (key(s) > key(b) || (key(s) === key(b) && s.raw > b.raw) ? s : b));
}

/** One layer scored on both parts of a definition's layer selection. */
export function scoreHalves(def: BenchmarkDefinition, layer: LayerInput, data: DefinitionData, halves: [Subset, Subset], signal?: AbortSignal, cache = newCache()): [DefinitionScore, DefinitionScore] {
  return [scoreDefinition(def, layer, data, { subset: halves[0], cache, signal }), scoreDefinition(def, layer, data, { subset: halves[1], cache, signal })];
}

/** The committed layer from per-layer scores on the selection and report parts (same layer order). */
export function commitFromScores(def: BenchmarkDefinition, data: DefinitionData, halves: [Subset, Subset], selectionScores: DefinitionScore[], reportScores: DefinitionScore[]): CommittedResult {
  if (!selectionScores.length) throw new UserFacingError('There are no layers to commit.');
  const [selection, report] = halves;
  const chosen = best(selectionScores);
  const committed = reportScores.find((s) => s.layer === chosen.layer)!;
  const what = def.selection.kind === 'subject-halves'
    ? `chosen on ${selection.subjects!.length} of ${data.matrices!.length} subjects (seed ${def.selection.seed}), scored on the other ${report.subjects!.length} (ceiling: each of them vs the mean of all other subjects)`
    : `chosen on ${selection.stimuli!.length} of ${data.stimuli} stimuli${def.selection.stratifyBy && data.labels?.[def.selection.stratifyBy] ? ` (stratified by ${def.selection.stratifyBy})` : ''} (seed ${def.selection.seed}), scored on the other ${report.stimuli!.length}`;
  return {
    benchmark: def.id,
    version: def.version,
    selection,
    report,
    selectionScores,
    reportScores,
    committedLayer: chosen.layer,
    committed,
    optimistic: best(reportScores),
    layerChoice: `committed: ${what}`,
  };
}

/** Choose the layer on the selection part and report it on the other, beside the best of all layers there. */
export function commitLayer(def: BenchmarkDefinition, layers: readonly LayerInput[], data: DefinitionData, o: { signal?: AbortSignal; onLayer?: (done: number, total: number) => void } = {}): CommittedResult {
  if (!layers.length) throw new UserFacingError('There are no layers to commit.');
  const halves = selectionHalves(def, data);
  const selectionScores: DefinitionScore[] = [];
  const reportScores: DefinitionScore[] = [];
  layers.forEach((l, i) => {
    throwIfAborted(o.signal);
    const [a, b] = scoreHalves(def, l, data, halves, o.signal);
    selectionScores.push(a);
    reportScores.push(b);
    o.onLayer?.(i + 1, layers.length);
  });
  return commitFromScores(def, data, halves, selectionScores, reportScores);
}
