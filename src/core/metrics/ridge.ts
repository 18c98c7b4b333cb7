/**
 * Ridge regression from features to many neuroids at once, in the kernel (dual) form: the work is
 * on the stimulus × stimulus Gram matrix, so it stays cheap when features ≫ stimuli (CNN layers).
 *
 * With centred features Xc and targets Yc (sklearn `Ridge(fit_intercept=True)`: the intercept is
 * not penalised), the solution is W = Xcᵀ G Yc with G = (Xc Xcᵀ + αI)⁻¹ restricted to the directions
 * orthogonal to the constant vector (the intercept's). One tridiagonalisation of the kernel in that
 * subspace, K = B T Bᵀ, serves every alpha: G = B (T + αI)⁻¹ Bᵀ, and T + αI is solved in O(n).
 *
 * Alpha selection (`alphas` with more than one value) is sklearn `RidgeCV(cv=None)`: exact efficient
 * leave-one-out on the training data — LOO residual cᵢ / Gᵢᵢ with c = G y — mean squared LOO error,
 * alpha shared by all targets (default, as Brain-Score's RidgeCV) or chosen per target (`alphaPerTarget`).
 */
import { UserFacingError } from '../types';
import { type Matrix, type ShiftedFactors, columnMeans, gram, matmulTransB, matrix, shiftedHatDiagonals, solveShifted, solveShiftedStacked, subtractRow, transpose, tridiagonalize } from './linalg';
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
  /** Mean squared leave-one-out error per alpha (rows, in `alphas` order) and target (columns); only when alpha was chosen. */
  looErrors?: Matrix;
}

/** Linear kernel X Xᵀ (stimuli × stimuli). */
export function linearKernel(x: Matrix): Matrix {
  return gram(x.data, x.rows, x.cols);
}

function checkTargets(n: number, y: Matrix): void {
  if (y.rows !== n) throw new UserFacingError(`Features have ${n} stimuli but responses have ${y.rows}.`);
  if (n < 2) throw new UserFacingError('Ridge regression needs at least 2 training stimuli.');
  for (let i = 0; i < y.data.length; i++) {
    if (!Number.isFinite(y.data[i])) throw new UserFacingError('Responses contain NaN or infinite values; average repeats or drop those neuroids first.');
  }
}

/**
 * The centred kernel in the subspace orthogonal to the constant vector, K = B T Bᵀ (B: n × (n−1),
 * orthonormal columns, Bᵀ1 = 0). A reflector H that maps 1/√n to e₀ moves the intercept direction to the
 * first coordinate, where the centred kernel is zero; the rest is tridiagonalised.
 */
interface InterceptFreeBasis {
  b: Matrix;
  /** Bᵀ, (n−1) × n. */
  bt: Matrix;
  diag: Float64Array;
  off: Float64Array;
}

function interceptFreeBasis(kc: Matrix): InterceptFreeBasis {
  const n = kc.rows;
  const m = n - 1;
  // H = I − 2 h hᵀ with h = (u − e₀)/‖u − e₀‖, u = 1/√n.
  const h = new Float64Array(n).fill(1 / Math.sqrt(n));
  h[0] -= 1;
  const hn = Math.hypot(...h);
  for (let i = 0; i < n; i++) h[i] /= hn;
  // H K H = K − 2 h zᵀ − 2 z hᵀ + 4 (hᵀz) h hᵀ with z = K h; keep rows/columns 1..n−1.
  const K = kc.data;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j] * h[j];
    z[i] = s;
  }
  let hz = 0;
  for (let i = 0; i < n; i++) hz += h[i] * z[i];
  const reduced = matrix(m, m);
  for (let i = 1; i < n; i++) {
    for (let j = 1; j < n; j++) reduced.data[(i - 1) * m + j - 1] = K[i * n + j] - 2 * h[i] * z[j] - 2 * z[i] * h[j] + 4 * hz * h[i] * h[j];
  }
  const { diag, off, q } = tridiagonalize(reduced);
  // B = H [0; Q] = [0; Q] − 2 h (hᵀ [0; Q]).
  const hq = new Float64Array(m);
  for (let i = 1; i < n; i++) for (let k = 0; k < m; k++) hq[k] += h[i] * q[(i - 1) * m + k];
  const b = matrix(n, m);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) b.data[i * m + k] = (i > 0 ? q[(i - 1) * m + k] : 0) - 2 * h[i] * hq[k];
  }
  return { b, bt: transpose(b), diag, off };
}

/** LDLᵀ factors of the tridiagonal T + αI: pivots d and multipliers l (l[k] multiplies row k−1 into row k). */
function factorShifted(diag: Float64Array, off: Float64Array, alpha: number): ShiftedFactors {
  const m = diag.length;
  const d = new Float64Array(m);
  const l = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const a = diag[k] + alpha;
    if (k === 0) d[0] = a;
    else {
      l[k] = off[k - 1] / d[k - 1];
      d[k] = a - l[k] * off[k - 1];
    }
    if (!(d[k] !== 0 && Number.isFinite(d[k]))) {
      throw new UserFacingError(`Ridge alpha ${alpha} is too small for this kernel (the regularised kernel is singular); use larger alphas.`);
    }
  }
  return { d, l };
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
  const t = y.cols;
  const m = n - 1;
  const yMean = columnMeans(y);
  const yc = subtractRow(y, yMean);
  const basis = interceptFreeBasis(centeredKernel);
  const bty = matmulTransB(basis.bt, transpose(yc)); // Bᵀ Yc, m × t
  const factors = new Map(alphas.map((a) => [a, factorShifted(basis.diag, basis.off, a)]));

  const alpha = new Float64Array(t);
  let looErrors: Matrix | undefined;
  if (alphas.length === 1) alpha.fill(alphas[0]);
  else {
    looErrors = matrix(alphas.length, t);
    // For every alpha at once: Zᵀ stacked, (alphas·t) × m, then one product with B gives all dual coefficients
    // (G Yc)ᵀ, and one sweep over Bᵀ all hat diagonals; each entry is computed as for one alpha at a time.
    const fs = alphas.map((a) => factors.get(a)!);
    const cAll = matmulTransB(solveShiftedStacked(fs, bty), basis.b); // (alphas·t) × n
    const hat = shiftedHatDiagonals(fs, basis.bt); // alphas × n
    const g = new Float64Array(n);
    for (let ai = 0; ai < alphas.length; ai++) {
      for (let i = 0; i < n; i++) g[i] = 1 / hat.data[ai * n + i];
      for (let j = 0; j < t; j++) {
        const row = (ai * t + j) * n;
        let s = 0;
        for (let i = 0; i < n; i++) {
          const e = cAll.data[row + i] * g[i];
          s += e * e;
        }
        looErrors.data[ai * t + j] = s / n;
      }
    }
    const err = (k: number, j: number) => looErrors!.data[k * t + j];
    if (options.alphaPerTarget) {
      for (let j = 0; j < t; j++) {
        let best = 0;
        for (let k = 1; k < alphas.length; k++) if (err(k, j) < err(best, j)) best = k;
        alpha[j] = alphas[best];
      }
    } else {
      const total = alphas.map((_, k) => {
        let s = 0;
        for (let j = 0; j < t; j++) s += err(k, j);
        return s;
      });
      let best = 0;
      for (let k = 1; k < alphas.length; k++) if (total[k] < total[best]) best = k;
      alpha.fill(alphas[best]);
    }
  }
  // Dual coefficients G Yc, each target with its alpha.
  const zt = matrix(t, m); // Zᵀ
  for (const a of new Set(alpha)) {
    const cols = [...alpha.keys()].filter((j) => alpha[j] === a);
    const r = new Float64Array(m * cols.length);
    cols.forEach((j, c) => {
      for (let k = 0; k < m; k++) r[k * cols.length + c] = bty.data[k * t + j];
    });
    solveShifted(factors.get(a)!, r, cols.length);
    cols.forEach((j, c) => {
      for (let k = 0; k < m; k++) zt.data[j * m + k] = r[k * cols.length + c];
    });
  }
  const dual = matmulTransB(basis.b, zt); // B Z, n × t
  return { dual, yMean, alpha, ...(looErrors ? { looErrors } : {}) };
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
