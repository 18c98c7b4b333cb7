/**
 * PLS regression, matching sklearn 1.2 `PLSRegression(n_components=25, scale=False)` (Brain-Score's
 * default mapping): NIPALS with the same power-method start (first non-constant target column),
 * max_iter 500, tol 1e-6 on the squared change of x_weights, regression-mode deflation.
 *
 * Run in kernel form: every feature-space vector sklearn keeps is Xcᵀ·a for an n-vector a, and the
 * deflated Gram matrix Kₖ = Xₖ Xₖᵀ replaces Xₖ, so cost is O(n²) per iteration instead of O(n·p).
 * sklearn's sign flip of the weights is skipped: it changes no prediction.
 */
import { UserFacingError } from '../types';
import { type Matrix, columnMeans, luSolve, matVecJs, matrix, residentSquare, subtractRow } from './linalg';
import { type LinearModel, predictFromDual, predictLinear, primalFromDual } from './linear-model';
import { linearKernel } from './ridge';

export interface PlsOptions {
  /** Default 25 (Brain-Score). Capped when the training data has lower rank. */
  nComponents?: number;
  maxIter?: number;
  tol?: number;
}

export interface KernelPlsFit {
  /** n_train × targets; prediction = Kc* · dual + yMean */
  dual: Matrix;
  yMean: Float64Array;
  /** Components actually extracted (fewer than asked when the training data run out of rank). */
  nComponents: number;
}

const EPS = 2.220446049250313e-16;

/** Fit PLS on a centred training kernel Kc = Xc Xcᵀ and responses Y (stimuli × neuroids). */
export function fitKernelPls(centeredKernel: Matrix, y: Matrix, options: PlsOptions = {}): KernelPlsFit {
  const n = centeredKernel.rows;
  const t = y.cols;
  if (y.rows !== n) throw new UserFacingError(`Features have ${n} stimuli but responses have ${y.rows}.`);
  for (let i = 0; i < y.data.length; i++) {
    if (!Number.isFinite(y.data[i])) throw new UserFacingError('Responses contain NaN or infinite values; average repeats or drop those neuroids first.');
  }
  const wanted = options.nComponents ?? 25;
  if (!(wanted >= 1)) throw new UserFacingError('PLS needs at least one component.');
  const maxIter = options.maxIter ?? 500;
  const tol = options.tol ?? 1e-6;

  const yMean = columnMeans(y);
  const Yk = subtractRow(y, yMean).data;
  // Kₖ stays resident for the power iterations' products; deflation updates it in place.
  const resident = residentSquare(centeredKernel.data, n);
  const K = resident.data;
  let trace0 = 0;
  for (let i = 0; i < n; i++) trace0 += K[i * n + i];

  const scores: Float64Array[] = []; // x scores t_k (mutually orthogonal)
  const weightsA: Float64Array[] = []; // x_weights_k = Xcᵀ weightsA_k
  const yLoadings: Float64Array[] = [];
  const kv = new Float64Array(n);

  for (let comp = 0; comp < wanted; comp++) {
    // sklearn: zero target columns whose residual is numerically constant.
    for (let j = 0; j < t; j++) {
      let allSmall = true;
      for (let i = 0; i < n && allSmall; i++) if (Math.abs(Yk[i * t + j]) >= 10 * EPS) allSmall = false;
      if (allSmall) for (let i = 0; i < n; i++) Yk[i * t + j] = 0;
    }
    let start = -1;
    for (let j = 0; j < t && start < 0; j++) for (let i = 0; i < n; i++) if (Math.abs(Yk[i * t + j]) > EPS) { start = j; break; }
    if (start < 0) break; // Y fully explained
    let trace = 0;
    for (let i = 0; i < n; i++) trace += K[i * n + i];
    if (trace <= 1e-12 * trace0) break; // X rank exhausted

    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = Yk[i * t + start];
    let g = new Float64Array(n);
    let gOld: Float64Array | null = null;
    const xs = new Float64Array(n);
    const q = new Float64Array(t);
    for (let iter = 0; iter < maxIter; iter++) {
      // x_weights = Xₖᵀ u / (u·u), normalised: represented as Xₖᵀ g.
      const uu = dot(u, u);
      const c = u.map((v) => v / uu);
      resident.times(c, kv);
      const nrm = Math.sqrt(Math.max(dot(c, kv), 0)) + EPS;
      g = c.map((v) => v / nrm);
      for (let i = 0; i < n; i++) xs[i] = kv[i] / nrm; // x_score = Xₖ x_weights
      const tt = dot(xs, xs);
      q.fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) q[j] += Yk[i * t + j] * xs[i];
      for (let j = 0; j < t; j++) q[j] /= tt;
      const qq = dot(q, q) + EPS;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < t; j++) s += Yk[i * t + j] * q[j];
        u[i] = s / qq;
      }
      if (t === 1) break;
      if (gOld) {
        const d = g.map((v, i) => v - gOld![i]);
        resident.times(d, kv);
        if (dot(d, kv) < tol) break;
      }
      gOld = g;
    }
    const tt = dot(xs, xs);
    if (!(tt > 0)) break;
    // Deflate: Xₖ₊₁ = (I − t tᵀ/tᵀt) Xₖ, so Kₖ₊₁ = P Kₖ P; Yₖ₊₁ = Yₖ − t qᵀ with q = Yₖᵀ t / tᵀt.
    const yl = new Float64Array(t);
    for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) yl[j] += Yk[i * t + j] * xs[i];
    for (let j = 0; j < t; j++) yl[j] /= tt;
    for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) Yk[i * t + j] -= xs[i] * yl[j];
    resident.times(xs, kv);
    const tKt = dot(xs, kv) / (tt * tt);
    for (let i = 0; i < n; i++) {
      const ai = xs[i] / tt;
      const bi = kv[i] / tt;
      for (let j = 0; j < n; j++) K[i * n + j] += -ai * kv[j] - bi * xs[j] + xs[i] * xs[j] * tKt;
    }
    // Xₖᵀ g = Xcᵀ (Π_j P_j) g: the earlier scores are orthogonal, so project them out of g.
    const a = Float64Array.from(g);
    for (const s of scores) {
      const f = dot(s, a) / dot(s, s);
      for (let i = 0; i < n; i++) a[i] -= f * s[i];
    }
    scores.push(Float64Array.from(xs));
    weightsA.push(a);
    yLoadings.push(yl);
  }
  const c = scores.length;
  if (c === 0) throw new UserFacingError('PLS could not extract any component: features or responses are constant.');
  // x_loadings_k = Xcᵀ t_k / (t_kᵀ t_k); M = x_loadingsᵀ x_weights = [t_i ᵀ Kc a_j / t_iᵀt_i].
  const Kc = centeredKernel.data;
  const M = matrix(c, c);
  const ka = new Float64Array(n);
  for (let j = 0; j < c; j++) {
    matVecJs(Kc, weightsA[j], ka, n);
    for (let i = 0; i < c; i++) M.data[i * c + j] = dot(scores[i], ka) / dot(scores[i], scores[i]);
  }
  const Qt = matrix(c, t);
  for (let k = 0; k < c; k++) Qt.data.set(yLoadings[k], k * t);
  const rot = luSolve(M, Qt); // (PᵀW)⁻¹ Qᵀ, c × t
  const dual = matrix(n, t);
  for (let k = 0; k < c; k++) {
    const a = weightsA[k];
    for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) dual.data[i * t + j] += a[i] * rot.data[k * t + j];
  }
  return { dual, yMean, nComponents: c };
}

export function predictKernelPls(fit: KernelPlsFit, centeredCross: Matrix): Matrix {
  return predictFromDual(fit.dual, fit.yMean, centeredCross);
}

export interface PlsModel extends LinearModel {
  nComponents: number;
}

/** Fit PLS on features X (stimuli × features) and responses Y (stimuli × neuroids). */
export function fitPls(x: Matrix, y: Matrix, options: PlsOptions = {}): PlsModel {
  const xMean = columnMeans(x);
  const xc = subtractRow(x, xMean);
  const fit = fitKernelPls(linearKernel(xc), y, options);
  return { ...primalFromDual(xc, xMean, fit.dual, fit.yMean), nComponents: fit.nComponents };
}

export const predictPls: (model: PlsModel, x: Matrix) => Matrix = predictLinear;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
