/**
 * Encoding models of the language network (Tuckute et al. 2024): ridge regression from a layer's
 * sentence features (e.g. last-token GPT-2 states) to the participant-averaged response.
 *
 * Features are z-scored with the training sentences' mean/SD (constant features get SD 1). The
 * ridge itself, with alpha chosen from a log grid by exact leave-one-out on the training sentences
 * (sklearn RidgeCV), is the metrics library's (src/core/metrics/ridge.ts). Held-out performance is
 * seeded k-fold: Pearson r between each sentence's out-of-fold prediction and its response.
 */
import { UserFacingError, throwIfAborted, type FloatTensor, type ProgressFn } from '../types';
import { type Matrix, matrix } from '../metrics/linalg';
import { DEFAULT_ALPHAS, fitRidge, predictRidge } from '../metrics/ridge';
import { kFoldSplits, type Split } from '../metrics/crossval';
import { mean, pearson } from '../metrics/stats';

/** Sentence features: [sentences, features] as a FloatTensor or a row-major float64 Matrix. */
export type SentenceFeatures = FloatTensor | Matrix;

export interface EncodingOptions {
  /** Alpha grid (default 10^-3 … 10^8). */
  alphas?: readonly number[];
  /** z-score features on the training sentences (default true). */
  standardize?: boolean;
}

export interface EncodingModel {
  /** Per-feature mean and scale applied before the weights (identity when not standardized). */
  featureMean: Float64Array;
  featureScale: Float64Array;
  /** Weights on the standardized features, and the intercept. */
  weights: Float64Array;
  intercept: number;
  alpha: number;
  /** Same map on the raw features: prediction = raw · rawWeights + rawIntercept. */
  rawWeights: Float64Array;
  rawIntercept: number;
}

export interface HeldOutResult {
  /** Pearson r between out-of-fold predictions and responses, over all sentences. */
  r: number;
  /** Pearson r within each test fold, and their mean. */
  foldR: number[];
  meanFoldR: number;
  /** Alpha chosen in each fold. */
  alphas: number[];
  /** Out-of-fold prediction per sentence. */
  predictions: Float64Array;
  splits: Split[];
}

export interface LayerScore extends HeldOutResult {
  layer: string;
}

function asMatrix(features: SentenceFeatures): Matrix {
  if ('rows' in features) return features;
  if (features.dims.length !== 2) throw new UserFacingError(`Sentence features must be [sentences, features], got [${features.dims.join(', ')}].`);
  return { rows: features.dims[0], cols: features.dims[1], data: Float64Array.from(features.data) };
}

function checkInputs(x: Matrix, y: ArrayLike<number>): void {
  if (x.rows !== y.length) throw new UserFacingError(`Features are for ${x.rows} sentences but there are ${y.length} responses.`);
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new UserFacingError(`Response of sentence ${i + 1} is not a number.`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) throw new UserFacingError(`Features of sentence ${Math.floor(i / x.cols) + 1} contain NaN or infinite values.`);
  }
}

function selectRows(x: Matrix, rows: readonly number[]): Matrix {
  const out = matrix(rows.length, x.cols);
  rows.forEach((r, i) => out.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return out;
}

function scaler(x: Matrix, standardize: boolean): { mean: Float64Array; scale: Float64Array } {
  const m = new Float64Array(x.cols);
  const s = new Float64Array(x.cols).fill(1);
  if (!standardize) return { mean: m, scale: s };
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) m[j] += x.data[i * x.cols + j];
  for (let j = 0; j < x.cols; j++) m[j] /= x.rows;
  const v = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) v[j] += (x.data[i * x.cols + j] - m[j]) ** 2;
  // Population SD, as sklearn's StandardScaler; constant features keep scale 1.
  for (let j = 0; j < x.cols; j++) s[j] = v[j] > 0 ? Math.sqrt(v[j] / x.rows) : 1;
  return { mean: m, scale: s };
}

function applyScaler(x: Matrix, mean: Float64Array, scale: Float64Array): Matrix {
  const out = matrix(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] = (x.data[i * x.cols + j] - mean[j]) / scale[j];
  return out;
}

function fitOnMatrix(x: Matrix, y: ArrayLike<number>, options: EncodingOptions): EncodingModel {
  const { mean: featureMean, scale: featureScale } = scaler(x, options.standardize ?? true);
  const fit = fitRidge(applyScaler(x, featureMean, featureScale), matrix(y.length, 1, y), { alphas: options.alphas ?? DEFAULT_ALPHAS });
  const weights = Float64Array.from(fit.coef.data);
  const intercept = fit.intercept[0];
  const rawWeights = weights.map((w, j) => w / featureScale[j]);
  let rawIntercept = intercept;
  for (let j = 0; j < weights.length; j++) rawIntercept -= rawWeights[j] * featureMean[j];
  return { featureMean, featureScale, weights, intercept, alpha: fit.alpha[0], rawWeights, rawIntercept };
}

/** Fits the encoding model on all given sentences (for predicting new ones). */
export function fitEncodingModel(features: SentenceFeatures, responses: ArrayLike<number>, options: EncodingOptions = {}): EncodingModel {
  const x = asMatrix(features);
  checkInputs(x, responses);
  if (x.rows < 3) throw new UserFacingError('An encoding model needs at least 3 sentences.');
  return fitOnMatrix(x, responses, options);
}

/** Predicted responses of new sentences' features. */
export function predictEncoding(model: EncodingModel, features: SentenceFeatures): Float64Array {
  const x = asMatrix(features);
  const p = model.rawWeights.length;
  if (x.cols !== p) throw new UserFacingError(`The encoding model was fit on ${p} features but got ${x.cols} (a different layer or model?).`);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let acc = model.rawIntercept;
    for (let j = 0; j < p; j++) acc += x.data[i * p + j] * model.rawWeights[j];
    out[i] = acc;
  }
  return out;
}

export interface HeldOutOptions extends EncodingOptions {
  /** Default 5. */
  folds?: number;
  seed?: number;
  splits?: Split[];
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** k-fold held-out performance of the encoding model (seeded folds). */
export function heldOutPerformance(features: SentenceFeatures, responses: ArrayLike<number>, options: HeldOutOptions = {}): HeldOutResult {
  const x = asMatrix(features);
  checkInputs(x, responses);
  const splits = options.splits ?? kFoldSplits(x.rows, options.folds ?? 5, options.seed ?? 0);
  const predictions = new Float64Array(x.rows).fill(NaN);
  const foldR: number[] = [];
  const alphas: number[] = [];
  splits.forEach((split, f) => {
    throwIfAborted(options.signal);
    options.onProgress?.({ done: f, total: splits.length, phase: 'fitting ridge' });
    const yTrain = split.train.map((i) => responses[i]);
    const model = fitOnMatrix(selectRows(x, split.train), yTrain, options);
    const pred = predictEncoding(model, selectRows(x, split.test));
    split.test.forEach((i, k) => (predictions[i] = pred[k]));
    foldR.push(pearson(pred, split.test.map((i) => responses[i])));
    alphas.push(model.alpha);
  });
  options.onProgress?.({ done: splits.length, total: splits.length, phase: 'fitting ridge' });
  return { r: pearson(predictions, responses), foldR, meanFoldR: mean(foldR), alphas, predictions, splits };
}

/** Held-out r for each layer (same folds for all layers, so layers are compared on equal terms). */
export function scoreLayers(
  layers: { layer: string; features: SentenceFeatures }[],
  responses: ArrayLike<number>,
  options: HeldOutOptions = {},
): LayerScore[] {
  if (!layers.length) throw new UserFacingError('No layers to score.');
  const n = responses.length;
  const splits = options.splits ?? kFoldSplits(n, options.folds ?? 5, options.seed ?? 0);
  return layers.map(({ layer, features }, l) => {
    throwIfAborted(options.signal);
    options.onProgress?.({ done: l, total: layers.length, phase: `layer ${layer}` });
    return { layer, ...heldOutPerformance(features, responses, { ...options, splits, onProgress: undefined }) };
  });
}
