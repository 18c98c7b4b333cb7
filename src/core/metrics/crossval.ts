/**
 * Cross-validated neural predictivity (Brain-Score style): for each fold, fit features → neuroids on
 * the training stimuli (ridge or PLS, optional PCA fit on the training stimuli only), predict the held-out
 * stimuli, Pearson r per neuroid; fold score = median over neuroids; score = mean over folds ± SEM.
 *
 * Everything runs on one stimulus × stimulus Gram matrix K = X Xᵀ computed once (or handed in, e.g.
 * from the GPU): each fold uses its sub-blocks, centred with that fold's training mean.
 */
import { UserFacingError, throwIfAborted, type ProgressFn } from '../types';
import { type Matrix, centerCrossKernel, centerKernel, matmul, matmulTransB, matrix, selectBlock, selectRows } from './linalg';
import { fitKernelPls, predictKernelPls, type PlsOptions } from './pls';
import { kernelPca } from './pca';
import { fitKernelRidge, linearKernel, predictKernelRidge, type RidgeOptions } from './ridge';
import { mean, median, pearsonColumns, permutation, seededRandom, standardError } from './stats';

export interface Split {
  train: number[];
  test: number[];
}

/**
 * Shuffled k-fold (seeded): every stimulus is tested exactly once, so held-out predictions cover all
 * stimuli (for scatter plots). Brain-Score's default is 10 splits.
 */
export function kFoldSplits(n: number, folds = 10, seed = 0): Split[] {
  if (!Number.isInteger(folds) || folds < 2) throw new UserFacingError('Cross-validation needs at least 2 folds.');
  if (n < 2 * folds) throw new UserFacingError(`${n} stimuli are too few for ${folds}-fold cross-validation (need at least ${2 * folds}).`);
  const order = permutation(n, seededRandom(seed));
  const splits: Split[] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    const test = order.slice(start, start + size).sort((a, b) => a - b);
    const inTest = new Set(test);
    splits.push({ test, train: Array.from({ length: n }, (_, i) => i).filter((i) => !inTest.has(i)) });
    start += size;
  }
  return splits;
}

export interface PredictivityOptions {
  method: 'ridge' | 'pls';
  /** Default 10. */
  folds?: number;
  seed?: number;
  /** Explicit splits (overrides folds/seed). */
  splits?: Split[];
  /** Reduce features to this many principal components, fit on each training fold. */
  pca?: number;
  ridge?: RidgeOptions;
  pls?: PlsOptions;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface PredictivityResult {
  method: 'ridge' | 'pls';
  splits: Split[];
  /** Per fold: held-out Pearson r per neuroid. */
  perFold: Float64Array[];
  /** Per fold: median r over neuroids. */
  foldScores: number[];
  /** Mean of foldScores (the raw, unceiled score). */
  score: number;
  /** Standard error of foldScores. */
  sem: number;
  /** Mean r over folds, per neuroid. */
  perNeuroid: Float64Array;
  /** stimuli × neuroids held-out predictions (each stimulus from the fold that tested it; NaN if never tested). */
  predictions: Matrix;
  /** Ridge only: alpha chosen per fold (first neuroid's when per target). */
  alphas?: number[];
}

/** Features as a matrix (stimuli × features) or a precomputed linear kernel X Xᵀ (stimuli × stimuli). */
export type FeatureInput = Matrix | { kernel: Matrix };

export function crossValidatedPredictivity(features: FeatureInput, y: Matrix, options: PredictivityOptions): PredictivityResult {
  const kernel = 'kernel' in features ? features.kernel : linearKernel(features);
  const n = kernel.rows;
  if (kernel.cols !== n) throw new UserFacingError('The feature kernel must be square (stimuli × stimuli).');
  if (y.rows !== n) throw new UserFacingError(`Features have ${n} stimuli but responses have ${y.rows}.`);
  const splits = options.splits ?? kFoldSplits(n, options.folds ?? 10, options.seed ?? 0);
  const predictions = matrix(n, y.cols);
  predictions.data.fill(NaN);
  const perFold: Float64Array[] = [];
  const alphas: number[] = [];
  splits.forEach((split, f) => {
    throwIfAborted(options.signal);
    options.onProgress?.({ done: f, total: splits.length, phase: `fitting ${options.method}` });
    const trainKernel = selectBlock(kernel, split.train, split.train);
    let kc = centerKernel(trainKernel);
    let cross = centerCrossKernel(selectBlock(kernel, split.test, split.train), trainKernel);
    if (options.pca) {
      const pca = kernelPca(kc, options.pca);
      const testScores = matmul(cross, pca.projection);
      kc = matmulTransB(pca.trainScores, pca.trainScores);
      cross = matmulTransB(testScores, pca.trainScores);
    }
    const yTrain = selectRows(y, split.train);
    let pred: Matrix;
    if (options.method === 'ridge') {
      const fit = fitKernelRidge(kc, yTrain, options.ridge);
      alphas.push(fit.alpha[0]);
      pred = predictKernelRidge(fit, cross);
    } else {
      pred = predictKernelPls(fitKernelPls(kc, yTrain, options.pls), cross);
    }
    for (let a = 0; a < split.test.length; a++) predictions.data.set(pred.data.subarray(a * y.cols, (a + 1) * y.cols), split.test[a] * y.cols);
    perFold.push(pearsonColumns(pred, selectRows(y, split.test)));
  });
  options.onProgress?.({ done: splits.length, total: splits.length, phase: `fitting ${options.method}` });
  const foldScores = perFold.map((r) => median(r));
  const perNeuroid = new Float64Array(y.cols);
  for (let j = 0; j < y.cols; j++) perNeuroid[j] = mean(perFold.map((r) => r[j]));
  return {
    method: options.method,
    splits,
    perFold,
    foldScores,
    score: mean(foldScores),
    sem: splits.length > 1 ? standardError(foldScores) : NaN,
    perNeuroid,
    predictions,
    ...(options.method === 'ridge' ? { alphas } : {}),
  };
}
