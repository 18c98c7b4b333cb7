/**
 * The microstimulation experiment, independent of the inference engine (onnxruntime-web in a worker, or
 * onnxruntime-node in tests): build the cortical sheet from a localizer, train the face decoder on the noisy task,
 * run the noisy face-detection task with and without stimulation, sweep electrode sites, dose–response, controls.
 */
import Papa from 'papaparse';
import { UserFacingError, throwIfAborted, type FloatTensor, type ProgressFn } from '../types';
import { chooseDecoderC, decodeFace, trainFaceDecoder, type DecoderCSelection, type FaceDecoder, type LogisticOptions } from './decoder';
import { AFRAZ_SIGNAL_LEVELS, afrazTrials, grayToModelInput, taskFormatImages, type GrayImage, type TaskTrial } from './noise';
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
  /** Name of the stimulated layer. */
  readonly layer?: string;
  /**
   * What `record` returns for `readoutFromLayer` (default `layer`): e.g. only the layer's channel means when the
   * decoder reads those (ort-engine.ts POOL_READOUT), so the task's trials are not kept as whole maps.
   */
  readonly taskLayer?: string;
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
  const taskLayer = engine.taskLayer ?? engine.layer;
  const fast = cacheKey && engine.readoutFromLayer && taskLayer ? { layer: taskLayer, run: engine.readoutFromLayer.bind(engine) } : undefined;
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
      control.onProgress?.({ done: b + 1, total: 2 * groups.length, phase });
    }
    perEngine.set(cacheKey, cached);
  }
  const recorded = fast && cached && cached.batches.length === groups.length;
  for (let b = 0; b < groups.length; b++) {
    throwIfAborted(control.signal);
    const out = fast && cached ? await fast.run(cached.batches[b], delta) : await engine.runStimulated(grayToModelInput(groups[b], engine.inputSize), delta);
    d = out.data.length / groups[b].length;
    parts.push(out.data);
    control.onProgress?.(recorded ? { done: groups.length + b + 1, total: 2 * groups.length, phase } : { done: b + 1, total: groups.length, phase });
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
 * Signal levels of the decoder's training trials: the task's own levels (0–80 %), as the monkeys were trained on
 * the task itself. At 0 % the label is the category of the image the noise replaced, so the decoder learns that
 * pure noise is ambiguous (P("face") ≈ ½ there), just as a trained observer must.
 */
export const DECODER_TRAINING_LEVELS = AFRAZ_SIGNAL_LEVELS;

export interface TrainedDecoder extends FaceDecoder {
  /** Regularisation used (chosen by grouped cross-validation unless given). */
  C: number;
  cv?: DecoderCSelection;
  /**
   * SD of each site's response over the decoder's training trials (noisy task images, no stimulation): the unit in
   * which a train's effect is expressed (see spread.ts), or undefined when the engine cannot record the layer.
   */
  siteSd?: Float32Array;
  /** Training trials and the decoder's accuracy on them at ≥ 50 % signal. */
  trials: number;
  accuracyHighSignal: number;
}

export interface DecoderTrainingOptions extends Omit<LogisticOptions, 'C'> {
  seed?: number;
  levels?: readonly number[];
  /** Noise draws per image and level. Default 1. */
  repeats?: number;
  /** 'cv' (default): grouped 4-fold cross-validation over DECODER_C_GRID. */
  C?: number | 'cv';
}

/** Per-site SD (population) of a [n x sites] response matrix. Silent sites get 0. */
function columnSd(data: Float32Array, n: number, sites: number): Float32Array {
  const mean = new Float64Array(sites);
  const v = new Float64Array(sites);
  for (let i = 0; i < n; i++) for (let c = 0; c < sites; c++) mean[c] += data[i * sites + c] / n;
  for (let i = 0; i < n; i++) for (let c = 0; c < sites; c++) v[c] += (data[i * sites + c] - mean[c]) ** 2 / n;
  return Float32Array.from(v, (x) => Math.sqrt(x));
}

/**
 * Trains the face decoder on the task itself: the unstimulated readout of `images` (kept apart from the test
 * trials) rendered at every task signal level with their own noise seed. Returns the decoder with the chosen C and
 * the sites' response SD over these trials.
 */
export async function trainDecoderWithEngine(
  engine: StimEngine,
  sites: number,
  images: GrayImage[],
  isFace: boolean[],
  options: DecoderTrainingOptions = {},
  control: RunControl = {},
): Promise<TrainedDecoder> {
  const trials = afrazTrials(images, isFace, options.seed ?? 2, options.levels ?? DECODER_TRAINING_LEVELS, options.repeats ?? 1);
  const f = await readoutFeatures(engine, trials.map((t) => t.image), new Float32Array(sites), control, 'training decoder', trials);
  let siteSd: Float32Array | undefined;
  const cached = engine.taskLayer ?? engine.layer ? layerCache.get(engine)?.get(trials) : undefined;
  if (cached) {
    const parts = cached.batches.map((b) => siteResponses(b));
    const nSites = parts[0]?.nSites ?? 0;
    const all = new Float32Array(trials.length * nSites);
    let o = 0;
    for (const p of parts) {
      all.set(p.data, o);
      o += p.data.length;
    }
    siteSd = columnSd(all, trials.length, nSites);
    perEngineDelete(engine, trials);
  }
  const labels = trials.map((t) => t.isFace);
  let cv: DecoderCSelection | undefined;
  let C: number;
  if (options.C === undefined || options.C === 'cv') {
    control.onProgress?.({ done: 0, total: 1, phase: 'choosing the decoder\'s regularisation (cross-validation)' });
    throwIfAborted(control.signal);
    cv = chooseDecoderC(f.data, f.n, f.d, labels, trials.map((t) => (t.isFace ? 1 : -1) * (t.source + 1)), {
      onFit: (done, total) => {
        throwIfAborted(control.signal);
        control.onProgress?.({ done, total, phase: 'choosing the decoder\'s regularisation (cross-validation)' });
      },
    });
    C = cv.C;
  } else C = options.C;
  control.onProgress?.({ done: 1, total: 1, phase: 'fitting the decoder' });
  const decoder = trainFaceDecoder(f.data, f.n, f.d, labels, { ...options, C });
  const p = decodeFace(decoder, f.data, f.n);
  let hits = 0;
  let count = 0;
  trials.forEach((t, i) => {
    if (t.signalPercent < 50) return;
    count++;
    hits += (p[i] >= 0.5) === t.isFace ? 1 : 0;
  });
  return { ...decoder, C, cv, siteSd, trials: trials.length, accuracyHighSignal: count ? hits / count : NaN };
}

function perEngineDelete(engine: StimEngine, key: object): void {
  layerCache.get(engine)?.delete(key);
}

/**
 * The sheet with stimulation expressed in units of each site's response SD over the task's (noisy) images, as
 * measured while training the decoder. Without that measurement the localizer SD stays the unit.
 */
export function withTaskUnits(sheet: CorticalSheet, decoder: { siteSd?: Float32Array }): CorticalSheet {
  return decoder.siteSd && decoder.siteSd.length === sheet.nSites ? { ...sheet, unitSd: decoder.siteSd } : sheet;
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
  /** P("face") per trial under stimulation (for bootstrap CIs, stats.ts). */
  pFace: Float64Array;
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
    const delta = toLayerUnits(stimulationDeltaSd(sheet, electrode, params), sheet.unitSd ?? sheet.sd);
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
      pFace: task.pFace,
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
  /** P("face") per trial at this current. */
  pFace: Float64Array;
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
    out.push({ currentUa, radiusMm: activatedRadiusMm(currentUa, params.kUaPerMm2), shift: r.sites[0].shift, deltaPFace: r.sites[0].deltaPFace, pFace: r.sites[0].pFace });
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

/** Images per class for the three disjoint sets of an experiment, and the test trials' noise draws. */
export interface ExperimentSetup {
  /** Localizer (face selectivity, sheet layout), decoder training, test trials: images per class. */
  localizer: number;
  decoder: number;
  task: number;
  /** Noise draws per test image and signal level. */
  repeats: number;
  seed: number;
}

/**
 * Default split of `perClass` images (the smaller class's count): a third each for the localizer, the decoder and
 * the test trials (the localizer gets the remainder), so no image is both trained on and tested.
 */
export function defaultSetup(perClass: number, overrides: Partial<ExperimentSetup> = {}): ExperimentSetup {
  if (perClass < 6) throw new UserFacingError(`The experiment needs at least 6 face and 6 non-face images (2 each for the localizer, the decoder and the test trials); got ${perClass} per class.`);
  const third = Math.floor(perClass / 3);
  const task = Math.min(overrides.task ?? third, perClass - 4);
  const decoder = Math.min(overrides.decoder ?? third, perClass - task - 2);
  const localizer = Math.min(overrides.localizer ?? perClass - task - decoder, perClass - task - decoder);
  const setup = { localizer, decoder, task, repeats: overrides.repeats ?? 2, seed: overrides.seed ?? 1 };
  if (setup.localizer < 2 || setup.decoder < 2 || setup.task < 2) throw new UserFacingError(`Cannot split ${perClass} images per class into localizer ${setup.localizer}, decoder ${setup.decoder} and task ${setup.task} (at least 2 each).`);
  return setup;
}

export interface PreparedExperiment {
  sheet: CorticalSheet;
  decoder: TrainedDecoder;
  trials: TaskTrial[];
  baseline: TaskResult;
  setup: ExperimentSetup;
}

/**
 * The whole set-up shared by the lab's worker, `silico stim` and the tests: three disjoint image sets per class
 * (localizer, decoder training, test trials); the sheet from the localizer shown in the task's format (64 px, full
 * signal); the decoder trained on the task at every signal level; stimulation in units of the sites' response SD
 * over the task images; the unstimulated run of the test trials (`repeats` noise draws per image and level).
 */
export async function prepareExperiment(
  engine: StimEngine & { channels?: number },
  layer: string,
  faces: GrayImage[],
  nonFaces: GrayImage[],
  setup: ExperimentSetup,
  control: RunControl = {},
): Promise<PreparedExperiment> {
  const need = setup.localizer + setup.decoder + setup.task;
  if (faces.length < need || nonFaces.length < need) {
    throw new UserFacingError(`Need ${need} images per class (localizer ${setup.localizer} + decoder ${setup.decoder} + task ${setup.task}, kept apart); got ${faces.length} faces and ${nonFaces.length} non-faces.`);
  }
  const split = (from: number, n: number) => {
    const images = [...faces.slice(from, from + n), ...nonFaces.slice(from, from + n)];
    return { images, isFace: images.map((_, i) => i < n) };
  };
  const loc = split(0, setup.localizer);
  const dec = split(setup.localizer, setup.decoder);
  const task = split(setup.localizer + setup.decoder, setup.task);
  const onProgress = control.onProgress;
  const phase = (name: string): RunControl => ({ ...control, onProgress: onProgress && ((p) => onProgress({ ...p, phase: `${name}${p.phase && p.phase !== name ? ` · ${p.phase}` : ''}` })) });
  let sheet = await buildSheetWithEngine(engine, layer, taskFormatImages(loc.images), loc.isFace, { seed: setup.seed }, phase('recording the localizer'));
  if (engine.channels !== undefined) engine.channels = sheet.nSites;
  const decoder = await trainDecoderWithEngine(engine, sheet.nSites, dec.images, dec.isFace, { seed: setup.seed + 1000 }, phase('training the face decoder'));
  sheet = withTaskUnits(sheet, decoder);
  const trials = afrazTrials(task.images, task.isFace, setup.seed + 6, AFRAZ_SIGNAL_LEVELS, setup.repeats);
  const baseline = await runTask(engine, decoder, trials, new Float32Array(sheet.nSites), phase('running the task without stimulation'));
  return { sheet, decoder, trials, baseline, setup };
}
