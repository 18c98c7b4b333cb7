/**
 * Psychometric curves of the face-detection task. The abscissa is the signed visual signal (%): +s for face
 * images, −s for non-face images (0 = pure noise), as in Afraz et al. (2006, Fig. 2). P("face") vs signal is fit
 * with a two-parameter logistic  P(x) = 1 / (1 + exp(−k (x − x₅₀)))  by least squares (Levenberg–Marquardt,
 * the same estimate as scipy.optimize.curve_fit). The shift caused by stimulation is x₅₀(unstimulated) −
 * x₅₀(stimulated): positive = the curve moved left = more "face" choices, in % visual signal.
 */
import { UserFacingError } from '../types';

export interface LogisticCurve {
  /** 50 % point (% signal). */
  x50: number;
  /** Slope k (per % signal). */
  slope: number;
  /** Sum of squared residuals. */
  sse: number;
  iterations: number;
}

export function logisticCurve(x: number, x50: number, slope: number): number {
  const z = -slope * (x - x50);
  return z > 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
}

/** Bounds that keep degenerate (flat or all-one-answer) curves finite; documented in docs/microstimulation.md. */
const X50_BOUND = 500;
const SLOPE_BOUND = 10;

/** Least-squares logistic fit (Levenberg–Marquardt on (x50, slope)). `start` defaults to a data-driven guess. */
export function fitLogisticCurve(x: ArrayLike<number>, p: ArrayLike<number>, start?: { x50: number; slope: number }): LogisticCurve {
  const n = x.length;
  if (n !== p.length) throw new UserFacingError(`Got ${p.length} proportions for ${n} signal levels.`);
  if (n < 2) throw new UserFacingError('A psychometric fit needs at least two signal levels.');
  let x0 = start?.x50 ?? 0;
  let k = start?.slope ?? 0;
  if (!start) {
    let mx = 0;
    let mp = 0;
    for (let i = 0; i < n; i++) {
      mx += x[i] / n;
      mp += p[i] / n;
    }
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (p[i] - mp);
      sxx += (x[i] - mx) ** 2;
    }
    const linSlope = sxx > 0 ? sxy / sxx : 0;
    k = Math.abs(linSlope) > 1e-6 ? 4 * linSlope : 0.05;
    x0 = Math.abs(linSlope) > 1e-6 ? mx + (0.5 - mp) / linSlope : mx;
    x0 = Math.min(Math.max(x0, -X50_BOUND), X50_BOUND);
  }
  const sse = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (p[i] - logisticCurve(x[i], a, b)) ** 2;
    return s;
  };
  let err = sse(x0, k);
  let lambda = 1e-3;
  let iter = 0;
  for (; iter < 500; iter++) {
    // Jacobian of the residual model f(x) wrt (x50, k): f' = f(1−f); ∂/∂x50 = −k f', ∂/∂k = (x − x50) f'.
    let a11 = 0, a12 = 0, a22 = 0, g1 = 0, g2 = 0;
    for (let i = 0; i < n; i++) {
      const f = logisticCurve(x[i], x0, k);
      const df = f * (1 - f);
      const j1 = -k * df;
      const j2 = (x[i] - x0) * df;
      const r = p[i] - f;
      a11 += j1 * j1;
      a12 += j1 * j2;
      a22 += j2 * j2;
      g1 += j1 * r;
      g2 += j2 * r;
    }
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const b11 = a11 * (1 + lambda);
      const b22 = a22 * (1 + lambda);
      const det = b11 * b22 - a12 * a12;
      if (!(Math.abs(det) > 0)) {
        lambda *= 10;
        continue;
      }
      const d1 = (b22 * g1 - a12 * g2) / det;
      const d2 = (b11 * g2 - a12 * g1) / det;
      const nx0 = Math.min(Math.max(x0 + d1, -X50_BOUND), X50_BOUND);
      const nk = Math.min(Math.max(k + d2, -SLOPE_BOUND), SLOPE_BOUND);
      const nerr = sse(nx0, nk);
      if (nerr < err) {
        const small = Math.abs(nx0 - x0) < 1e-12 * (1 + Math.abs(x0)) && Math.abs(nk - k) < 1e-12 * (1 + Math.abs(k));
        x0 = nx0;
        k = nk;
        const relDrop = (err - nerr) / Math.max(err, 1e-300);
        err = nerr;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = !small && relDrop > 1e-15;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { x50: x0, slope: k, sse: err, iterations: iter };
}

export interface PsychometricPoint {
  /** Signed signal (%): + face images, − non-face images. */
  signal: number;
  pFace: number;
  count: number;
}

/** Averages P("face") per signed signal level. */
export function psychometricPoints(trials: { isFace: boolean; signalPercent: number }[], pFace: ArrayLike<number>): PsychometricPoint[] {
  if (trials.length !== pFace.length) throw new UserFacingError(`Got ${pFace.length} choices for ${trials.length} trials.`);
  const bySignal = new Map<number, { sum: number; count: number }>();
  trials.forEach((t, i) => {
    const signal = t.isFace ? t.signalPercent : -t.signalPercent;
    const key = signal === 0 ? 0 : signal; // −0 and 0 are the same pure-noise level
    const acc = bySignal.get(key) ?? { sum: 0, count: 0 };
    acc.sum += pFace[i];
    acc.count++;
    bySignal.set(key, acc);
  });
  return [...bySignal.entries()].sort((a, b) => a[0] - b[0]).map(([signal, a]) => ({ signal, pFace: a.sum / a.count, count: a.count }));
}

export function fitPsychometric(points: PsychometricPoint[]): LogisticCurve {
  return fitLogisticCurve(points.map((p) => p.signal), points.map((p) => p.pFace));
}

/** Shift of the 50 % point caused by stimulation (% signal); positive = toward "face". */
export function psychometricShift(unstimulated: LogisticCurve, stimulated: LogisticCurve): number {
  return unstimulated.x50 - stimulated.x50;
}

export interface Correlation {
  r: number;
  n: number;
  /** 95 % confidence interval from the Fisher z transform. */
  low: number;
  high: number;
}

/** Pearson r with a 95 % CI: z = atanh r, SE = 1/√(n − 3), CI = tanh(z ± 1.959964 SE). */
export function pearsonWithCI(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = x.length;
  if (n !== y.length) throw new UserFacingError(`Correlation needs paired values (got ${n} and ${y.length}).`);
  if (n < 4) throw new UserFacingError('A correlation with a confidence interval needs at least 4 pairs.');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) throw new UserFacingError('A correlation is undefined when one variable is constant.');
  const r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  const z = Math.atanh(r);
  const se = 1 / Math.sqrt(n - 3);
  const q = 1.959963984540054;
  return { r, n, low: Math.tanh(z - q * se), high: Math.tanh(z + q * se) };
}
