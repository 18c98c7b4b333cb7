/**
 * Face / non-face linear decoder: L2-regularised logistic regression, the same objective as scikit-learn's
 * LogisticRegression(penalty='l2', C):  ½‖w‖² + C Σᵢ log(1 + exp(−ỹᵢ (xᵢ·w + b))), intercept not penalised.
 * Solved by Newton's method with conjugate-gradient inner solves (Hessian-vector products only, so it stays
 * O(n·d) per step even for 1280-d features), with a backtracking line search.
 * The readout is z-scored with the training mean/SD before fitting (FaceDecoder), so C means the same for any layer.
 */
import { UserFacingError } from '../types';

export interface LogisticModel {
  weights: Float64Array;
  intercept: number;
  iterations: number;
}

export interface LogisticOptions {
  /** Inverse regularisation strength, as in scikit-learn. Default 1. */
  C?: number;
  /** Stop when the gradient's max-abs is below this. Default 1e-9. */
  tolerance?: number;
  maxIterations?: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + exp(−m)) without overflow. */
function logLoss(margin: number): number {
  return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
}

/** Fits logistic regression on row-major X [n x d] with labels y ∈ {0, 1}. */
export function fitLogistic(x: Float32Array | Float64Array, n: number, d: number, y: ArrayLike<number>, options: LogisticOptions = {}): LogisticModel {
  const C = options.C ?? 1;
  const tol = options.tolerance ?? 1e-9;
  const maxIter = options.maxIterations ?? 100;
  if (x.length !== n * d) throw new UserFacingError(`Decoder input has ${x.length} values, expected ${n} x ${d}.`);
  if (y.length !== n) throw new UserFacingError(`Got ${y.length} labels for ${n} samples.`);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new UserFacingError('Decoder labels must be 0 (non-face) or 1 (face).');
    pos += y[i];
  }
  if (pos === 0 || pos === n) throw new UserFacingError('The decoder needs both face and non-face training images.');
  if (!(C > 0)) throw new UserFacingError(`C must be > 0 (got ${C}).`);

  const p = d + 1; // parameters: weights, then intercept
  const theta = new Float64Array(p);
  const z = new Float64Array(n);
  const prob = new Float64Array(n);
  const forward = (t: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = t[d];
      const row = i * d;
      for (let j = 0; j < d; j++) s += x[row + j] * t[j];
      out[i] = s;
    }
  };
  const objective = (t: Float64Array, zt: Float64Array) => {
    let f = 0;
    for (let j = 0; j < d; j++) f += 0.5 * t[j] * t[j];
    for (let i = 0; i < n; i++) f += C * logLoss(y[i] === 1 ? zt[i] : -zt[i]);
    return f;
  };
  // Xᵀ v (with the intercept row of ones), for the gradient and Hessian products.
  const transposeTimes = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const row = i * d;
      for (let j = 0; j < d; j++) out[j] += x[row + j] * vi;
      out[d] += vi;
    }
  };
  const grad = new Float64Array(p);
  const weightsW = new Float64Array(n);
  const residual = new Float64Array(n);
  const xv = new Float64Array(n);
  const hv = new Float64Array(p);
  const hessianTimes = (v: Float64Array, out: Float64Array) => {
    forward(v, xv); // [X 1] v
    for (let i = 0; i < n; i++) xv[i] *= C * weightsW[i];
    transposeTimes(xv, out);
    for (let j = 0; j < d; j++) out[j] += v[j];
  };

  forward(theta, z);
  let f = objective(theta, z);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    for (let i = 0; i < n; i++) {
      prob[i] = sigmoid(z[i]);
      residual[i] = C * (prob[i] - y[i]);
      weightsW[i] = prob[i] * (1 - prob[i]);
    }
    transposeTimes(residual, grad);
    for (let j = 0; j < d; j++) grad[j] += theta[j];
    let gMax = 0;
    for (let j = 0; j < p; j++) gMax = Math.max(gMax, Math.abs(grad[j]));
    if (gMax < tol) break;

    // Conjugate gradient for H s = −g.
    const s = new Float64Array(p);
    const r = Float64Array.from(grad, (g) => -g);
    const dir = Float64Array.from(r);
    let rr = r.reduce((a, v) => a + v * v, 0);
    const rr0 = rr;
    for (let k = 0; k < 4 * p && rr > 1e-30 * rr0 && rr > 1e-40; k++) {
      hessianTimes(dir, hv);
      let dHd = 0;
      for (let j = 0; j < p; j++) dHd += dir[j] * hv[j];
      if (dHd <= 0) break;
      const alpha = rr / dHd;
      for (let j = 0; j < p; j++) {
        s[j] += alpha * dir[j];
        r[j] -= alpha * hv[j];
      }
      const rrNew = r.reduce((a, v) => a + v * v, 0);
      const beta = rrNew / rr;
      rr = rrNew;
      for (let j = 0; j < p; j++) dir[j] = r[j] + beta * dir[j];
    }
    // Backtracking (Armijo) line search.
    let slope = 0;
    for (let j = 0; j < p; j++) slope += grad[j] * s[j];
    let step = 1;
    const trial = new Float64Array(p);
    const zTrial = new Float64Array(n);
    let fTrial = f;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < p; j++) trial[j] = theta[j] + step * s[j];
      forward(trial, zTrial);
      fTrial = objective(trial, zTrial);
      if (fTrial <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fTrial <= f)) break; // no progress possible: at the optimum within float precision
    theta.set(trial);
    z.set(zTrial);
    f = fTrial;
  }
  return { weights: theta.slice(0, d), intercept: theta[d], iterations: iter };
}

/** P(class 1) for each row of X [n x d]. */
export function predictLogistic(model: LogisticModel, x: Float32Array | Float64Array, n: number): Float64Array {
  const d = model.weights.length;
  if (x.length !== n * d) throw new UserFacingError(`Decoder expects ${d} features per image, got ${x.length / Math.max(n, 1)}.`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    for (let j = 0; j < d; j++) s += x[i * d + j] * model.weights[j];
    out[i] = sigmoid(s);
  }
  return out;
}

export interface FaceDecoder {
  mean: Float64Array;
  scale: Float64Array;
  model: LogisticModel;
}

/** Z-scores the readout with training statistics, then fits the logistic decoder (label 1 = face). */
export function trainFaceDecoder(features: Float32Array, n: number, d: number, isFace: ArrayLike<boolean>, options: LogisticOptions = {}): FaceDecoder {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (features[i * d + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) || 1;
  const z = standardize(features, n, mean, scale);
  const model = fitLogistic(z, n, d, Array.from(isFace, (f) => (f ? 1 : 0)), options);
  return { mean, scale, model };
}

function standardize(features: Float32Array, n: number, mean: Float64Array, scale: Float64Array): Float64Array {
  const d = mean.length;
  if (features.length !== n * d) throw new UserFacingError(`Decoder expects ${d} features per image, got ${features.length / Math.max(n, 1)}.`);
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] = (features[i * d + j] - mean[j]) / scale[j];
  return z;
}

/** P("face") per image. */
export function decodeFace(decoder: FaceDecoder, features: Float32Array, n: number): Float64Array {
  return predictLogistic(decoder.model, standardize(features, n, decoder.mean, decoder.scale), n);
}

/**
 * Regularisation grid searched by `chooseDecoderC` (inverse strength, as scikit-learn's C). C = 1 (scikit-learn's
 * default) is left out: on 1280-d readouts of noisy images it over-fits badly (held-out log-loss 1.8 vs 0.66 at
 * 10⁻³ on MobileNetV2 + fLoc) and it is by far the slowest fit.
 */
export const DECODER_C_GRID = [1e-4, 1e-3, 1e-2, 1e-1] as const;

export interface DecoderCSelection {
  C: number;
  /** Mean held-out log-loss per grid value. */
  losses: { C: number; logLoss: number; accuracy: number }[];
}

/**
 * Picks the decoder's C by grouped k-fold cross-validation: folds split the source images (every noisy draw of an
 * image stays in one fold), held-out mean log-loss decides (ties → the stronger regularisation). This is the
 * standard model choice (what scikit-learn's LogisticRegressionCV with GroupKFold does), so the decoder's
 * flexibility is set by the data, not by the experiment's outcome.
 */
export function chooseDecoderC(
  features: Float32Array,
  n: number,
  d: number,
  isFace: ArrayLike<boolean>,
  groups: ArrayLike<number>,
  options: { grid?: readonly number[]; folds?: number; onFit?: (done: number, total: number) => void } = {},
): DecoderCSelection {
  const grid = options.grid ?? DECODER_C_GRID;
  const folds = options.folds ?? 4;
  if (groups.length !== n) throw new UserFacingError(`Got ${groups.length} image groups for ${n} decoder samples.`);
  const ids = [...new Set(Array.from(groups))].sort((a, b) => a - b);
  if (ids.length < folds) throw new UserFacingError(`Cross-validating the decoder needs at least ${folds} training images (got ${ids.length}).`);
  const foldOf = new Map(ids.map((g, k) => [g, k % folds]));
  let fits = 0;
  const losses = grid.map((C) => {
    let loss = 0;
    let correct = 0;
    let count = 0;
    for (let f = 0; f < folds; f++) {
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < n; i++) (foldOf.get(groups[i]) === f ? test : train).push(i);
      const pick = (rows: number[]) => {
        const out = new Float32Array(rows.length * d);
        rows.forEach((r, k) => out.set(features.subarray(r * d, (r + 1) * d), k * d));
        return out;
      };
      // Held-out loss needs the optimum only to a few digits: a looser tolerance keeps the search cheap.
      const model = trainFaceDecoder(pick(train), train.length, d, train.map((i) => isFace[i]), { C, tolerance: 1e-5, maxIterations: 50 });
      options.onFit?.(++fits, grid.length * folds);
      const p = decodeFace(model, pick(test), test.length);
      test.forEach((i, k) => {
        const q = Math.min(Math.max(p[k], 1e-12), 1 - 1e-12);
        loss -= isFace[i] ? Math.log(q) : Math.log(1 - q);
        correct += (q >= 0.5) === Boolean(isFace[i]) ? 1 : 0;
        count++;
      });
    }
    return { C, logLoss: loss / count, accuracy: correct / count };
  });
  let best = losses[0];
  for (const l of losses) if (l.logLoss < best.logLoss - 1e-9) best = l;
  return { C: best.C, losses };
}
