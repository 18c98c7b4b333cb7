/**
 * The microstimulation experiment, independent of the inference engine (onnxruntime-web in a worker, or
 * onnxruntime-node in tests): build the cortical sheet from a localizer, train the face decoder on clean images,
 * run the noisy face-detection task with and without stimulation, sweep electrode sites, dose–response, controls.
 */
import Papa from 'papaparse';
import { UserFacingError, throwIfAborted, type FloatTensor, type ProgressFn } from '../types';
import { decodeFace, trainFaceDecoder, type FaceDecoder, type LogisticOptions } from './decoder';
import { afrazTrials, grayToModelInput, type GrayImage, type TaskTrial } from './noise';
import { fitPsychometric, pearsonWithCI, psychometricPoints, psychometricShift, type Correlation, type LogisticCurve, type PsychometricPoint } from './psychometric';
import { buildSheet, siteResponses, type CorticalSheet, type SheetOptions } from './sheet';
import { activatedRadiusMm, stimulationDeltaSd, toLayerUnits, type StimulationParams } from './spread';

/** What the experiment needs from an inference engine. */
export interface StimEngine {
  /** Model input size (square), e.g. 224. */
  readonly inputSize: number;
  /** Activations of `layers` for a batch of model inputs [N, 3, S, S]. */
  record(images: FloatTensor, layers: string[]): Promise<Record<string, FloatTensor>>;
  /**
   * Readout features [N, D] of the model with `delta` (one value per site, in the stimulated layer's units)
   * added at the stimulated layer; delta = 0 is the unstimulated model.
   */
  runStimulated(images: FloatTensor, delta: Float32Array): Promise<FloatTensor>;
  /** Name of the stimulated layer (what `record` must return for `readoutFromLayer`). */
  readonly layer?: string;
  /**
   * Optional fast path: the same readout computed from already recorded activations of the stimulated layer
   * (only the layers after it run). When present, the task records each trial set once and reuses it.
   */
  readoutFromLayer?(activation: FloatTensor, delta: Float32Array): Promise<FloatTensor>;
}

/** Recorded stimulated-layer activations per engine, trial set, layer and batch size (fast path). */
const layerCache = new WeakMap<StimEngine, WeakMap<object, { layer: string; batchSize: number; batches: FloatTensor[] }>>();

export interface RunControl {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Images per engine call. Default 32. */
  batchSize?: number;
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Records the sheet layer for the localizer and builds the cortical sheet. */
export async function buildSheetWithEngine(
  engine: StimEngine,
  layer: string,
  localizer: GrayImage[],
  isFace: boolean[],
  options: SheetOptions = {},
  control: RunControl = {},
): Promise<CorticalSheet> {
  const parts: Float32Array[] = [];
  let nSites = 0;
  const groups = batches(localizer, control.batchSize ?? 32);
  for (let b = 0; b < groups.length; b++) {
    throwIfAborted(control.signal);
    const acts = await engine.record(grayToModelInput(groups[b], engine.inputSize), [layer]);
    const act = acts[layer];
    if (!act) throw new UserFacingError(`The engine did not return layer "${layer}".`);
    const r = siteResponses(act);
    nSites = r.nSites;
    parts.push(r.data);
    control.onProgress?.({ done: b + 1, total: groups.length, phase: 'recording localizer' });
  }
  const all = new Float32Array(localizer.length * nSites);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return buildSheet(layer, all, localizer.length, nSites, isFace, options);
}

/**
 * Readout features [N x D] of images under a stimulation (layer units). With `cacheKey` and an engine that has
 * `readoutFromLayer`, the stimulated layer is recorded once per key and only the downstream layers re-run.
 */
export async function readoutFeatures(
  engine: StimEngine,
  images: GrayImage[],
  delta: Float32Array,
  control: RunControl = {},
  phase = 'running task',
  cacheKey?: object,
): Promise<{ data: Float32Array; n: number; d: number }> {
  const parts: Float32Array[] = [];
  let d = 0;
  const batchSize = control.batchSize ?? 32;
  const groups = batches(images, batchSize);
  const fast = cacheKey && engine.readoutFromLayer && engine.layer ? { layer: engine.layer, run: engine.readoutFromLayer.bind(engine) } : undefined;
  let perEngine = layerCache.get(engine);
  if (!perEngine) layerCache.set(engine, (perEngine = new WeakMap()));
  let cached = cacheKey ? perEngine.get(cacheKey) : undefined;
  if (fast && cacheKey && (!cached || cached.batchSize !== batchSize || cached.layer !== fast.layer)) {
    cached = { layer: fast.layer, batchSize, batches: [] };
    for (let b = 0; b < groups.length; b++) {
      throwIfAborted(control.signal);
      const act = (await engine.record(grayToModelInput(groups[b], engine.inputSize), [fast.layer]))[fast.layer];
      if (!act) throw new UserFacingError(`The engine did not return layer "${fast.layer}".`);
      cached.batches.push(act);
    }
    perEngine.set(cacheKey, cached);
  }
  for (let b = 0; b < groups.length; b++) {
    throwIfAborted(control.signal);
    const out = fast && cached ? await fast.run(cached.batches[b], delta) : await engine.runStimulated(grayToModelInput(groups[b], engine.inputSize), delta);
    d = out.data.length / groups[b].length;
    parts.push(out.data);
    control.onProgress?.({ done: b + 1, total: groups.length, phase });
  }
  const data = new Float32Array(images.length * d);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { data, n: images.length, d };
}

/**
 * Signal levels of the decoder's training images: clean 64-px images plus 80 % and 50 % signal, so the readout
 * learns the categories in the task's format (a decoder trained on clean images only calls every noisy image
 * "non-face"). 0 % is left out: pure noise has no label.
 */
export const DECODER_TRAINING_LEVELS = [100, 80, 50] as const;

/** Trains the face decoder on the unstimulated readout of training images rendered like task trials (own seed). */
export async function trainDecoderWithEngine(
  engine: StimEngine,
  sites: number,
  images: GrayImage[],
  isFace: boolean[],
  options: LogisticOptions & { seed?: number; levels?: readonly number[] } = {},
  control: RunControl = {},
): Promise<FaceDecoder> {
  const trials = afrazTrials(images, isFace, options.seed ?? 2, options.levels ?? DECODER_TRAINING_LEVELS);
  const f = await readoutFeatures(engine, trials.map((t) => t.image), new Float32Array(sites), control, 'training decoder');
  return trainFaceDecoder(f.data, f.n, f.d, trials.map((t) => t.isFace), options);
}

export interface TaskResult {
  points: PsychometricPoint[];
  curve: LogisticCurve;
  /** P("face") per trial. */
  pFace: Float64Array;
}

/** Runs the face-detection task under a stimulation (layer units; zeros = no stimulation). */
export async function runTask(engine: StimEngine, decoder: FaceDecoder, trials: TaskTrial[], delta: Float32Array, control: RunControl = {}): Promise<TaskResult> {
  const f = await readoutFeatures(engine, trials.map((t) => t.image), delta, control, 'running task', trials);
  const pFace = decodeFace(decoder, f.data, f.n);
  const points = psychometricPoints(trials, pFace);
  return { points, curve: fitPsychometric(points), pFace };
}

/**
 * Spread-weighted mean d' of the sites a train at `site` reaches: the "multi-unit" selectivity of the electrode.
 * With `absolute`, the weighted mean of |d'| (how selective, either way, the reached tissue is).
 */
export function neighbourhoodSelectivity(sheet: CorticalSheet, site: number, params: StimulationParams, absolute = false): number {
  const w = stimulationDeltaSd(sheet, { xMm: sheet.xMm[site], yMm: sheet.yMm[site] }, { ...params, amplitudeSd: 1, frequencyHz: 200, durationMs: 50 });
  let s = 0;
  let ws = 0;
  for (let i = 0; i < w.length; i++) {
    if (sheet.sd[i] === 0) continue; // silent sites are unaffected by stimulation in SD units
    s += w[i] * (absolute ? Math.abs(sheet.dPrime[i]) : sheet.dPrime[i]);
    ws += w[i];
  }
  return ws > 0 ? s / ws : sheet.dPrime[site];
}

/**
 * Electrode sites: the most face-selective by the spread-weighted d' of what a train there reaches (the
 * multi-unit selectivity Afraz et al. measured at each site) and, as controls, those whose reached tissue is the
 * least selective either way (smallest spread-weighted |d'|). Sites that never respond (SD 0) are skipped.
 */
export function pickSites(sheet: CorticalSheet, selective: number, controls: number, params: StimulationParams): { selective: number[]; controls: number[] } {
  const live = Array.from({ length: sheet.nSites }, (_, i) => i).filter((i) => sheet.sd[i] > 0);
  const nd = new Map(live.map((i) => [i, neighbourhoodSelectivity(sheet, i, params)]));
  const bySelectivity = [...live].sort((a, b) => nd.get(b)! - nd.get(a)! || a - b);
  const nAbs = new Map(live.map((i) => [i, neighbourhoodSelectivity(sheet, i, params, true)]));
  const byAbs = [...live].sort((a, b) => nAbs.get(a)! - nAbs.get(b)! || a - b);
  return { selective: bySelectivity.slice(0, selective), controls: byAbs.slice(0, controls) };
}

/** `n` live sites spanning the range of spread-weighted d' (evenly spaced ranks), for selectivity-vs-shift sweeps. */
export function spanSites(sheet: CorticalSheet, n: number, params: StimulationParams): number[] {
  const live = Array.from({ length: sheet.nSites }, (_, i) => i).filter((i) => sheet.sd[i] > 0);
  const nd = new Map(live.map((i) => [i, neighbourhoodSelectivity(sheet, i, params)]));
  const sorted = [...live].sort((a, b) => nd.get(a)! - nd.get(b)! || a - b);
  if (n >= sorted.length) return sorted;
  return Array.from({ length: n }, (_, k) => sorted[Math.round((k * (sorted.length - 1)) / Math.max(n - 1, 1))]);
}

export interface SiteResult {
  site: number;
  xMm: number;
  yMm: number;
  /** d' of the site under the electrode and the spread-weighted d' of what the train reaches. */
  dPrime: number;
  neighbourhoodDPrime: number;
  curve: LogisticCurve;
  points: PsychometricPoint[];
  /** Shift of the 50 % point (% signal), positive = toward "face". */
  shift: number;
  /** Mean change in P("face") over all trials. */
  deltaPFace: number;
}

export interface SweepResult {
  baseline: TaskResult;
  sites: SiteResult[];
  /** Selectivity (spread-weighted d') vs shift across the swept sites; null when fewer than 4 sites. */
  correlation: Correlation | null;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** Stimulates each site in turn (electrode at the site's position) and measures the psychometric shift. */
export async function sweepSites(
  engine: StimEngine,
  sheet: CorticalSheet,
  decoder: FaceDecoder,
  trials: TaskTrial[],
  sites: number[],
  params: StimulationParams,
  control: RunControl = {},
  baseline?: TaskResult,
): Promise<SweepResult> {
  for (const s of sites) if (!(s >= 0 && s < sheet.nSites)) throw new UserFacingError(`Site ${s} is not on the sheet (0–${sheet.nSites - 1}).`);
  const total = sites.length + (baseline ? 0 : 1);
  let done = 0;
  const step = () => control.onProgress?.({ done: ++done, total, phase: 'stimulating sites' });
  const inner: RunControl = { signal: control.signal, batchSize: control.batchSize };
  const base = baseline ?? (await runTask(engine, decoder, trials, new Float32Array(sheet.nSites), inner));
  if (!baseline) step();
  const basePFace = mean(base.pFace);
  const results: SiteResult[] = [];
  for (const site of sites) {
    throwIfAborted(control.signal);
    const electrode = { xMm: sheet.xMm[site], yMm: sheet.yMm[site] };
    const delta = toLayerUnits(stimulationDeltaSd(sheet, electrode, params), sheet.sd);
    const task = await runTask(engine, decoder, trials, delta, inner);
    results.push({
      site,
      ...electrode,
      dPrime: sheet.dPrime[site],
      neighbourhoodDPrime: neighbourhoodSelectivity(sheet, site, params),
      curve: task.curve,
      points: task.points,
      shift: psychometricShift(base.curve, task.curve),
      deltaPFace: mean(task.pFace) - basePFace,
    });
    step();
  }
  const correlation = results.length >= 4 ? safeCorrelation(results.map((r) => r.neighbourhoodDPrime), results.map((r) => r.shift)) : null;
  return { baseline: base, sites: results, correlation };
}

function safeCorrelation(x: number[], y: number[]): Correlation | null {
  try {
    return pearsonWithCI(x, y);
  } catch (e) {
    if (e instanceof UserFacingError) return null;
    throw e;
  }
}

export interface DosePoint {
  currentUa: number;
  radiusMm: number;
  shift: number;
  deltaPFace: number;
}

/** Psychometric shift at one site for several currents (same train otherwise). */
export async function doseResponse(
  engine: StimEngine,
  sheet: CorticalSheet,
  decoder: FaceDecoder,
  trials: TaskTrial[],
  site: number,
  currentsUa: number[],
  params: StimulationParams,
  control: RunControl = {},
  baseline?: TaskResult,
): Promise<DosePoint[]> {
  const out: DosePoint[] = [];
  let done = 0;
  for (const currentUa of currentsUa) {
    const p = { ...params, currentUa };
    const r = await sweepSites(engine, sheet, decoder, trials, [site], p, { signal: control.signal, batchSize: control.batchSize }, baseline);
    baseline = r.baseline;
    out.push({ currentUa, radiusMm: activatedRadiusMm(currentUa, params.kUaPerMm2), shift: r.sites[0].shift, deltaPFace: r.sites[0].deltaPFace });
    control.onProgress?.({ done: ++done, total: currentsUa.length, phase: 'dose–response' });
  }
  return out;
}

export interface AfrazSite {
  faceSelectivity: number;
  psychometricShift: number;
}

/** Parses Afraz et al. 2006 `selectivity_vs_shift_*.csv` (columns face_selectivity, psychometric_shift). */
export function parseAfrazCsv(text: string): AfrazSite[] {
  const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim() });
  const fields = parsed.meta.fields ?? [];
  if (!fields.includes('face_selectivity') || !fields.includes('psychometric_shift')) {
    throw new UserFacingError('This is not the Afraz 2006 table: expected columns face_selectivity and psychometric_shift.');
  }
  return parsed.data.map((row, i) => {
    const faceSelectivity = Number(row.face_selectivity);
    const shift = Number(row.psychometric_shift);
    if (!Number.isFinite(faceSelectivity) || !Number.isFinite(shift)) throw new UserFacingError(`Row ${i + 2} of the Afraz table is not numeric.`);
    return { faceSelectivity, psychometricShift: shift };
  });
}
