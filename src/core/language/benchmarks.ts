/**
 * Language benchmarks on the released data (../shared/data/language in tests, the dataset catalog in the app):
 *
 * - Tuckute2024 (Brain-Score language `benchmarks/tuckute2024`): 1,000 baseline sentences × 1 target (LH language
 *   network, averaged over 5 participants). Metric `ridge_pearsonr`: sklearn RidgeCV with alphas
 *   logspace(-3, 3, 7) by efficient leave-one-out, ONE alpha for all targets, no feature scaling, fit intercept;
 *   10 ShuffleSplits (90 % train), Pearson r on each held-out 10 %, mean over splits; raw score, no ceiling.
 * - Pereira2018: the same ridge recipe on the 627 sentences' averaged language-network response (Brain-Score's
 *   newer ridge variant; its original `-linear` benchmarks use plain least squares per experiment and a
 *   ceiling — the averaged file here has neither the experiment split nor voxels, so the raw r is reported).
 *
 * Also: parsers for the shared CSVs, the paper's GPT2-XL per-layer reference curve, Tuckute's property analysis
 * (Pearson r with p from the t distribution, checked against scipy) and the Fedorenko 2010 localizer stimuli.
 */
import Papa from 'papaparse';
import { UserFacingError, throwIfAborted } from '../types';
import { gram, symmetricEigen, transpose, type Matrix } from '../metrics/linalg';
import { mean, pearson, spearman } from '../metrics/stats';
import { shuffleSplits } from '../metrics/splits';
import type { Split } from '../metrics/crossval';
import { heldOutPerformance, type SentenceFeatures } from './encoding';

/** Brain-Score language's ridge alpha grid: np.logspace(-3, 3, 7). */
export const BRAINSCORE_ALPHAS: readonly number[] = Array.from({ length: 7 }, (_, i) => 10 ** (i - 3));

export interface BenchmarkScore {
  /** Mean over splits of the held-out Pearson r (Brain-Score's raw score). */
  score: number;
  perSplit: number[];
  /** Alpha chosen in each split. */
  alphas: number[];
  splits: Split[];
}

export interface BenchmarkOptions {
  splits?: Split[];
  /** Seed of the 10 × 90/10 shuffle splits (default 1, Brain-Score's random_state; Silico's generator). */
  seed?: number;
  alphas?: readonly number[];
  /** z-score features on each training split (default false, as Brain-Score). */
  standardize?: boolean;
  signal?: AbortSignal;
}

/** Brain-Score language `ridge_pearsonr` with 10 shuffle splits of 90/10. */
export function brainScoreRidge(features: SentenceFeatures, responses: ArrayLike<number>, options: BenchmarkOptions = {}): BenchmarkScore {
  const splits = options.splits ?? shuffleSplits(responses.length, { splits: 10, trainSize: 0.9, seed: options.seed ?? 1 });
  const alphas = options.alphas ?? BRAINSCORE_ALPHAS;
  const x: Matrix = 'rows' in features ? features : { rows: features.dims[0], cols: features.dims[1], data: Float64Array.from(features.data) };
  // Far fewer features than training sentences: the primal form (a p×p eigendecomposition per split) is much
  // cheaper than the kernel form (n×n) and gives the same RidgeCV (tested against scikit-learn).
  if (2 * x.cols <= Math.min(...splits.map((s) => s.train.length))) {
    const perSplit: number[] = [];
    const chosen: number[] = [];
    for (const split of splits) {
      throwIfAborted(options.signal);
      const { predictions, alpha } = primalRidgeCV(x, responses, split, alphas, options.standardize ?? false);
      perSplit.push(pearson(predictions, split.test.map((i) => responses[i])));
      chosen.push(alpha);
    }
    return { score: mean(perSplit), perSplit, alphas: chosen, splits };
  }
  const held = heldOutPerformance(features, responses, { splits, alphas, standardize: options.standardize ?? false, signal: options.signal });
  return { score: mean(held.foldR), perSplit: held.foldR, alphas: held.alphas, splits };
}

/**
 * sklearn `RidgeCV(alphas, fit_intercept=True)` (efficient leave-one-out, one target) in the primal form, optionally
 * after `StandardScaler` fit on the training rows; predictions for `split.test`. With centred training features Xc
 * = V-eigenbasis (Xcᵀ Xc = V Λ Vᵀ), the hat matrix is 1/n + Σₖ (Xc vₖ)² / (λₖ + α) and the LOO residual eᵢ / (1 − hᵢᵢ).
 */
export function primalRidgeCV(x: Matrix, y: ArrayLike<number>, split: Split, alphas: readonly number[], standardize: boolean): { predictions: Float64Array; alpha: number } {
  const p = x.cols;
  const n = split.train.length;
  const mu = new Float64Array(p);
  const sd = new Float64Array(p).fill(1);
  for (const i of split.train) for (let j = 0; j < p; j++) mu[j] += x.data[i * p + j];
  for (let j = 0; j < p; j++) mu[j] /= n;
  if (standardize) {
    const v = new Float64Array(p);
    for (const i of split.train) for (let j = 0; j < p; j++) v[j] += (x.data[i * p + j] - mu[j]) ** 2;
    for (let j = 0; j < p; j++) sd[j] = v[j] > 0 ? Math.sqrt(v[j] / n) : 1;
  }
  const xc = new Float64Array(n * p);
  let yMean = 0;
  split.train.forEach((i, r) => {
    yMean += y[i];
    for (let j = 0; j < p; j++) xc[r * p + j] = (x.data[i * p + j] - mu[j]) / sd[j];
  });
  yMean /= n;
  const yc = Float64Array.from(split.train, (i) => y[i] - yMean);
  const c = gram(transpose({ rows: n, cols: p, data: xc }).data, p, n);
  const { values, vectors } = symmetricEigen(c);
  // Projections of the training rows and of y on the eigenvectors.
  const proj = new Float64Array(n * p);
  const qy = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < p; k++) {
      let acc = 0;
      for (let j = 0; j < p; j++) acc += xc[r * p + j] * vectors.data[j * p + k];
      proj[r * p + k] = acc;
      qy[k] += acc * yc[r];
    }
  }
  const tol = Math.max(values[0], 0) * 1e-12;
  let best = { alpha: alphas[0], error: Infinity, coef: new Float64Array(p) };
  for (const alpha of alphas) {
    const g = Float64Array.from(values, (l) => (l > tol ? 1 / (l + alpha) : 0));
    let error = 0;
    for (let r = 0; r < n; r++) {
      let fit = 0;
      let h = 1 / n;
      for (let k = 0; k < p; k++) {
        fit += proj[r * p + k] * g[k] * qy[k];
        h += proj[r * p + k] ** 2 * g[k];
      }
      error += ((yc[r] - fit) / (1 - h)) ** 2;
    }
    if (error < best.error) {
      const coef = new Float64Array(p);
      for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) coef[j] += vectors.data[j * p + k] * g[k] * qy[k];
      best = { alpha, error, coef };
    }
  }
  const predictions = Float64Array.from(split.test, (i) => {
    let acc = yMean;
    for (let j = 0; j < p; j++) acc += ((x.data[i * p + j] - mu[j]) / sd[j]) * best.coef[j];
    return acc;
  });
  return { predictions, alpha: best.alpha };
}

// ---------- Parsers ----------

function csvRows(text: string, what: string): Record<string, string>[] {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, '').trim(), { header: true, skipEmptyLines: 'greedy' });
  const fatal = parsed.errors.find((e) => e.type !== 'Delimiter');
  if (fatal) throw new UserFacingError(`${what}: the CSV could not be read (row ${(fatal.row ?? 0) + 2}): ${fatal.message}.`);
  return parsed.data;
}

function column(rows: Record<string, string>[], names: string[], what: string): string {
  const headers = Object.keys(rows[0] ?? {});
  const found = headers.find((h) => names.includes(h.trim().toLowerCase()));
  if (!found) throw new UserFacingError(`${what} has no ${names[0]} column (found: ${headers.join(', ') || 'none'}).`);
  return found;
}

function numberAt(v: string | undefined, row: number, what: string): number {
  const x = v === undefined || v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(x)) throw new UserFacingError(`${what}: row ${row + 2} has no valid number ("${v ?? ''}").`);
  return x;
}

export interface SentenceResponses {
  sentences: string[];
  response: Float64Array;
  /** Condition per sentence when the file has one (Tuckute: B = baseline). */
  conditions: string[];
}

/** tuckute2024/baseline_responses.csv (Sentence, EffectSize, cond) or pereira2018/pereira_averaged.csv (, Sentence, EffectSize). */
export function parseSentenceResponses(text: string, what = 'The response table'): SentenceResponses {
  const rows = csvRows(text, what);
  if (!rows.length) throw new UserFacingError(`${what} is empty.`);
  const s = column(rows, ['sentence', 'stimulus', 'text'], what);
  const r = column(rows, ['effectsize', 'response_target', 'response'], what);
  const c = Object.keys(rows[0]).find((h) => ['cond', 'condition'].includes(h.trim().toLowerCase()));
  return {
    sentences: rows.map((row, i) => {
      const v = (row[s] ?? '').trim();
      if (!v) throw new UserFacingError(`${what}: row ${i + 2} has an empty sentence.`);
      return v;
    }),
    response: Float64Array.from(rows, (row, i) => numberAt(row[r], i, what)),
    conditions: rows.map((row) => (c ? (row[c] ?? '').trim() : '')),
  };
}

export interface SentenceProperties {
  sentences: string[];
  /** Property names in file order (13 for Tuckute's baseline set). */
  names: string[];
  /** values[k][i]: property k of sentence i (NaN when missing). */
  values: Float64Array[];
}

/** tuckute2024/baseline_sentence_properties.csv: sentence + one column per property. */
export function parseSentenceProperties(text: string): SentenceProperties {
  const what = 'The sentence properties table';
  const rows = csvRows(text, what);
  const s = column(rows, ['sentence'], what);
  const names = Object.keys(rows[0]).filter((h) => h !== s && h.trim() !== '');
  return {
    sentences: rows.map((row) => (row[s] ?? '').trim()),
    names,
    values: names.map((n) => Float64Array.from(rows, (row) => (row[n] === undefined || row[n].trim() === '' ? NaN : Number(row[n])))),
  };
}

/** How the paper's per-layer curve was measured (shown with the overlay). */
export const REFERENCE_CURVE_NOTE =
  "Tuckute et al. 2024, SI 6: GPT2-XL last-token states, ridge fit on 4 participants' responses, r with the held-out 5th (mean of 5); not the same target as the 5-participant average.";

export interface ReferenceLayerCurve {
  model: string;
  roi: string;
  /** Per layer (0 = embedding): mean over held-out participants of the paper's encoding r. */
  layers: { layer: number; r: number; sem: number; n: number }[];
  /** Mean noise ceiling of those rows. */
  noiseCeiling: number;
}

/** tuckute2024/gpt2xl_layer_scores_SI6.csv: the paper's GPT2-XL per-layer scores (SI 6), one row per layer × held-out participant. */
export function parseReferenceLayerScores(text: string, roi = 'lang_LH_netw'): ReferenceLayerCurve {
  const what = 'The GPT2-XL layer score table';
  const rows = csvRows(text, what);
  const roiCol = Object.keys(rows[0] ?? {})[0];
  const picked = rows.filter((r) => (r.roi ?? r[roiCol]) === roi && r.source_layer !== undefined && r.full_score !== undefined);
  if (!picked.length) throw new UserFacingError(`${what} has no rows for ROI ${roi}.`);
  const byLayer = new Map<number, number[]>();
  const nc: number[] = [];
  picked.forEach((r, i) => {
    const layer = numberAt(r.source_layer, i, what);
    const list = byLayer.get(layer) ?? [];
    list.push(numberAt(r.full_score, i, what));
    byLayer.set(layer, list);
    if (r.nc && Number.isFinite(Number(r.nc))) nc.push(Number(r.nc));
  });
  const layers = [...byLayer.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([layer, rs]) => {
      const m = mean(rs);
      const sd = rs.length > 1 ? Math.sqrt(rs.reduce((a, v) => a + (v - m) ** 2, 0) / (rs.length - 1)) : 0;
      return { layer, r: m, sem: sd / Math.sqrt(rs.length), n: rs.length };
    });
  return { model: picked[0].source_model || 'gpt2-xl', roi, layers, noiseCeiling: nc.length ? mean(nc) : NaN };
}

export interface LocalizerStimuli {
  sentences: string[];
  nonwords: string[];
}

/** fedorenko2010-localizer/langloc_fmri_run*_stim_set*.csv: stim2..stim13 = the 12 words, stim14 = S (sentence) or N (nonwords). */
export function parseLocalizer(texts: readonly string[]): LocalizerStimuli {
  const out: LocalizerStimuli = { sentences: [], nonwords: [] };
  for (const text of texts) {
    for (const row of csvRows(text, 'The localizer table')) {
      const words = Array.from({ length: 12 }, (_, i) => (row[`stim${i + 2}`] ?? '').trim()).filter(Boolean);
      const cond = (row.stim14 ?? '').trim();
      if (!words.length || (cond !== 'S' && cond !== 'N')) continue;
      const s = words.join(' ').toLowerCase();
      (cond === 'S' ? out.sentences : out.nonwords).push(s.charAt(0).toUpperCase() + s.slice(1));
    }
  }
  if (!out.sentences.length || !out.nonwords.length) throw new UserFacingError('The localizer files hold no sentence (S) and nonword (N) rows.');
  return out;
}

// ---------- Statistics ----------

/** Continued fraction of the regularized incomplete beta (Numerical Recipes betacf). */
function betacf(a: number, b: number, x: number): number {
  const FPMIN = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

function logGamma(x: number): number {
  // Lanczos (g = 7, n = 9)
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b;
}

/** Two-sided p of a correlation r over n pairs (t = r √((n−2)/(1−r²)), n−2 df), as scipy.stats.pearsonr. */
export function correlationPValue(r: number, n: number): number {
  if (!Number.isFinite(r) || n < 3) return NaN;
  if (Math.abs(r) >= 1) return 0;
  const df = n - 2;
  const t2 = (r * r * df) / (1 - r * r);
  return incompleteBeta(df / (df + t2), df / 2, 0.5);
}

export interface PropertyCorrelation {
  name: string;
  r: number;
  p: number;
  spearman: number;
  n: number;
}

/** Pearson r (and p) and Spearman ρ of the response with each property, over sentences where both are finite. */
export function propertyCorrelations(response: ArrayLike<number>, properties: { name: string; values: ArrayLike<number> }[]): PropertyCorrelation[] {
  return properties.map(({ name, values }) => {
    if (values.length !== response.length) throw new UserFacingError(`Property "${name}" has ${values.length} values for ${response.length} sentences.`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < response.length; i++) {
      if (Number.isFinite(response[i]) && Number.isFinite(values[i])) {
        a.push(response[i]);
        b.push(values[i]);
      }
    }
    const r = pearson(a, b);
    return { name, r, p: correlationPValue(r, a.length), spearman: spearman(a, b), n: a.length };
  });
}

/** Aligns a property table to `sentences` (by exact text); properties of missing sentences are NaN. */
export function alignProperties(props: SentenceProperties, sentences: readonly string[]): { name: string; values: Float64Array }[] {
  const at = new Map(props.sentences.map((s, i) => [s, i]));
  return props.names.map((name, k) => ({ name, values: Float64Array.from(sentences, (s) => (at.has(s) ? props.values[k][at.get(s)!] : NaN)) }));
}

// ---------- Localizer ----------

export interface LocalizerResult {
  /** Welch t (sentences − nonwords) per unit. */
  t: Float64Array;
  /** Indices of the most sentence-selective units (top `fraction`, as Brain-Score language's localisation). */
  selective: number[];
  /** Mean t of the selective units. */
  meanSelectiveT: number;
}

/** Language-selective units of a model: Welch t of sentence vs nonword features per unit; top `fraction` (default 10 %). */
export function localizeUnits(sentenceFeatures: Matrix, nonwordFeatures: Matrix, fraction = 0.1): LocalizerResult {
  if (sentenceFeatures.cols !== nonwordFeatures.cols) throw new UserFacingError('Sentence and nonword features have different widths.');
  const D = sentenceFeatures.cols;
  const stats = (m: Matrix, j: number) => {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += m.data[i * D + j];
    const mu = s / m.rows;
    let v = 0;
    for (let i = 0; i < m.rows; i++) v += (m.data[i * D + j] - mu) ** 2;
    return { mu, v: v / (m.rows - 1), n: m.rows };
  };
  const t = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    const a = stats(sentenceFeatures, j);
    const b = stats(nonwordFeatures, j);
    const se = Math.sqrt(a.v / a.n + b.v / b.n);
    t[j] = se > 0 ? (a.mu - b.mu) / se : 0;
  }
  const k = Math.max(1, Math.round(D * fraction));
  const selective = Array.from({ length: D }, (_, j) => j)
    .sort((x, y) => t[y] - t[x])
    .slice(0, k);
  return { t, selective, meanSelectiveT: mean(selective.map((j) => t[j])) };
}
