/**
 * Ridge regression from features to many neuroids at once, in the kernel (dual) form: the work is
 * on the stimulus × stimulus Gram matrix, so it stays cheap when features ≫ stimuli (CNN layers).
 *
 * With centred features Xc and targets Yc (sklearn `Ridge(fit_intercept=True)`: the intercept is
 * not penalised), the solution is W = Xcᵀ (Xc Xcᵀ + αI)⁻¹ Yc. One eigendecomposition
 * Xc Xcᵀ = V diag(s) Vᵀ serves every alpha: (K + αI)⁻¹ = V diag(1/(s+α)) Vᵀ.
 *
 * Alpha selection (`alphas` with more than one value) is sklearn `RidgeCV(cv=None)`: exact efficient
 * leave-one-out (generalised cross-validation) on the training data, mean squared LOO error, alpha
 * shared by all targets (default, as Brain-Score's RidgeCV) or chosen per target (`alphaPerTarget`).
 */
import { UserFacingError } from '../types';
import {
  type Matrix,
  type SymmetricEigen,
  columnMeans,
  matmulTransA,
  matmulTransB,
  matrix,
  subtractRow,
  symmetricEigen,
} from './linalg';
import { type LinearModel, predictFromDual, predictLinear, primalFromDual } from './linear-model';

/** Default alpha grid: 10^-3 … 10^8 (Brain-Score / sklearn RidgeCV style log grid). */
export const DEFAULT_ALPHAS: readonly number[] = Array.from({ length: 12 }, (_, i) => 10 ** (i - 3));

export interface RidgeOptions {
  /** One alpha (plain ridge) or a grid to choose from by leave-one-out. Default DEFAULT_ALPHAS. */
  alphas?: number | readonly number[];
  /** Choose alpha per target instead of one shared alpha. Default false. */
  alphaPerTarget?: boolean;
}

/** A ridge fit expressed on the training stimuli: prediction = Kc* · dual + yMean. */
export interface KernelRidgeFit {
  /** n_train × targets dual coefficients. */
  dual: Matrix;
  yMean: Float64Array;
  /** Alpha used for each target. */
  alpha: Float64Array;
}

/** Linear kernel X Xᵀ (stimuli × stimuli). */
export function linearKernel(x: Matrix): Matrix {
  return matmulTransB(x, x);
}

function checkTargets(n: number, y: Matrix): void {
  if (y.rows !== n) throw new UserFacingError(`Features have ${n} stimuli but responses have ${y.rows}.`);
  if (n < 2) throw new UserFacingError('Ridge regression needs at least 2 training stimuli.');
  for (let i = 0; i < y.data.length; i++) {
    if (!Number.isFinite(y.data[i])) throw new UserFacingError('Responses contain NaN or infinite values; average repeats or drop those neuroids first.');
  }
}

/**
 * Fit ridge on a centred training kernel (H K H). Use `centerKernel(linearKernel(X))` (linalg.ts), or a kernel
 * computed on the GPU (gpu.ts) and centred here.
 */
export function fitKernelRidge(centeredKernel: Matrix, y: Matrix, options: RidgeOptions = {}): KernelRidgeFit {
  const n = centeredKernel.rows;
  checkTargets(n, y);
  const alphas = typeof options.alphas === 'number' ? [options.alphas] : [...(options.alphas ?? DEFAULT_ALPHAS)];
  if (!alphas.length || alphas.some((a) => !(a > 0))) throw new UserFacingError('Ridge alphas must be positive numbers.');
  const eig = symmetricEigen(centeredKernel);
  const yMean = columnMeans(y);
  const yc = subtractRow(y, yMean);
  const t = y.cols;
  const s = eig.values.map((v) => Math.max(v, 0));
  const V = eig.vectors;
  const vty = matmulTransA(V, yc); // n × t: projections of targets on eigenvectors

  const alpha = new Float64Array(t);
  if (alphas.length === 1) alpha.fill(alphas[0]);
  else {
    const errors = alphas.map((a) => looSquaredErrors(V, s, vty, a)); // per alpha: per target mean squared LOO error
    if (options.alphaPerTarget) {
      for (let j = 0; j < t; j++) {
        let best = 0;
        for (let k = 1; k < alphas.length; k++) if (errors[k][j] < errors[best][j]) best = k;
        alpha[j] = alphas[best];
      }
    } else {
      const total = errors.map((e) => e.reduce((acc, v) => acc + v, 0));
      let best = 0;
      for (let k = 1; k < alphas.length; k++) if (total[k] < total[best]) best = k;
      alpha.fill(alphas[best]);
    }
  }
  return { dual: dualCoefficients(eig, s, vty, alpha), yMean, alpha };
}

/** A = V diag(1/(s+α_j)) Vᵀ y_j per target j. */
function dualCoefficients(eig: SymmetricEigen, s: Float64Array, vty: Matrix, alpha: Float64Array): Matrix {
  const n = s.length;
  const t = vty.cols;
  const V = eig.vectors.data;
  const scaled = matrix(n, t);
  for (let k = 0; k < n; k++) for (let j = 0; j < t; j++) scaled.data[k * t + j] = vty.data[k * t + j] / (s[k] + alpha[j]);
  const out = matrix(n, t);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const v = V[i * n + k];
      for (let j = 0; j < t; j++) out.data[i * t + j] += v * scaled.data[k * t + j];
    }
  }
  return out;
}

/**
 * Exact leave-one-out errors for one alpha: residual r = V diag(α/(s+α)) Vᵀ yc, hat diagonal
 * h_ii = 1/n (intercept) + Σ_k V_ik² s_k/(s_k+α), LOO error = r_i / (1 - h_ii). Returns the mean
 * squared LOO error per target.
 */
function looSquaredErrors(eig: Matrix, s: Float64Array, vty: Matrix, a: number): Float64Array {
  const n = s.length;
  const t = vty.cols;
  const V = eig.data;
  const shrink = s.map((v) => a / (v + a));
  const out = new Float64Array(t);
  const r = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    r.fill(0);
    let h = 1 / n;
    for (let k = 0; k < n; k++) {
      const v = V[i * n + k];
      h += v * v * (1 - shrink[k]);
      const f = v * shrink[k];
      for (let j = 0; j < t; j++) r[j] += f * vty.data[k * t + j];
    }
    const denom = 1 - h;
    for (let j = 0; j < t; j++) out[j] += (r[j] / denom) ** 2;
  }
  for (let j = 0; j < t; j++) out[j] /= n;
  return out;
}

/** Predict from a centred cross-kernel (test × train, see centerCrossKernel). */
export function predictKernelRidge(fit: KernelRidgeFit, centeredCross: Matrix): Matrix {
  return predictFromDual(fit.dual, fit.yMean, centeredCross);
}

/** A ridge model in primal form (features × targets), like sklearn's coef_ᵀ and intercept_. */
export interface RidgeModel extends LinearModel {
  alpha: Float64Array;
}

/** Fit ridge on features X (stimuli × features) and responses Y (stimuli × neuroids). */
export function fitRidge(x: Matrix, y: Matrix, options: RidgeOptions = {}): RidgeModel {
  checkTargets(x.rows, y);
  const xMean = columnMeans(x);
  const xc = subtractRow(x, xMean);
  const fit = fitKernelRidge(linearKernel(xc), y, options);
  return { ...primalFromDual(xc, xMean, fit.dual, fit.yMean), alpha: fit.alpha };
}

export const predictRidge: (model: RidgeModel, x: Matrix) => Matrix = predictLinear;
