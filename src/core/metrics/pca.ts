/**
 * PCA of the stimulus features, computed from the centred Gram matrix (cheap when features ≫ stimuli).
 * In cross-validation it is fit on the training stimuli only; test stimuli are projected with the
 * training mean and components. Component signs are arbitrary (as in any PCA); downstream regressions
 * do not depend on them.
 */
import { UserFacingError } from '../types';
import { type Matrix, columnMeans, matmulTransA, matmulTransB, matrix, subtractRow, symmetricEigen } from './linalg';

export interface KernelPca {
  /** n_train × k scores of the training stimuli (= Xc · components). */
  trainScores: Matrix;
  /** n_train × k: test scores = centredCross · projection. */
  projection: Matrix;
  /** Variance of each kept component (eigenvalue / (n − 1)). */
  explainedVariance: Float64Array;
}

/** Keep the top k components of a centred training kernel (k is capped at the data rank). */
export function kernelPca(centeredKernel: Matrix, k: number): KernelPca {
  if (!(k >= 1)) throw new UserFacingError('PCA needs at least one component.');
  const n = centeredKernel.rows;
  const { values, vectors } = symmetricEigen(centeredKernel);
  const tolerance = Math.max(values[0], 0) * 1e-12;
  let kept = 0;
  while (kept < Math.min(k, n) && values[kept] > tolerance) kept++;
  if (!kept) throw new UserFacingError('PCA failed: the features are constant across stimuli.');
  const trainScores = matrix(n, kept);
  const projection = matrix(n, kept);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < kept; c++) {
      const v = vectors.data[i * n + c];
      trainScores.data[i * kept + c] = v * Math.sqrt(values[c]);
      projection.data[i * kept + c] = v / Math.sqrt(values[c]);
    }
  }
  const explainedVariance = Float64Array.from(values.subarray(0, kept), (v) => v / Math.max(n - 1, 1));
  return { trainScores, projection, explainedVariance };
}

export interface PcaModel {
  mean: Float64Array;
  /** features × k, orthonormal columns. */
  components: Matrix;
  explainedVariance: Float64Array;
}

/** PCA on explicit features (stimuli × features). */
export function fitPca(x: Matrix, k: number): PcaModel {
  const mean = columnMeans(x);
  const xc = subtractRow(x, mean);
  const pca = kernelPca(matmulTransB(xc, xc), k);
  return { mean, components: matmulTransA(xc, pca.projection), explainedVariance: pca.explainedVariance };
}

export function transformPca(model: PcaModel, x: Matrix): Matrix {
  if (x.cols !== model.components.rows) throw new UserFacingError(`PCA was fit on ${model.components.rows} features but got ${x.cols}.`);
  const xc = subtractRow(x, model.mean);
  const k = model.components.cols;
  const out = matrix(x.rows, k);
  for (let a = 0; a < x.rows; a++) {
    for (let f = 0; f < x.cols; f++) {
      const v = xc.data[a * x.cols + f];
      for (let c = 0; c < k; c++) out.data[a * k + c] += v * model.components.data[f * k + c];
    }
  }
  return out;
}
