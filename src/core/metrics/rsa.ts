/**
 * Representational similarity analysis: RDMs from activations, RDM comparison on the upper triangle,
 * and subject-level scoring with a leave-one-subject-out noise ceiling (Nili et al. 2014).
 *
 * Similarity matrices (RSMs, e.g. Coggan 2024's correlation matrices) are turned into RDMs as 1 − RSM.
 * Asymmetric matrices are compared on all off-diagonal cells, symmetric ones on the upper triangle.
 * Pearson and Spearman are unchanged by that (an affine flip of both sides); Kendall tau-a too.
 */
import { UserFacingError } from '../types';
import { type Matrix, matrix } from './linalg';
import { kendallTauA, mean, pearson, spearman, standardError } from './stats';

export type RdmMetric = 'correlation' | 'euclidean';
export type RdmComparison = 'pearson' | 'spearman' | 'kendall';

/** RDM of stimuli (rows of x): 1 − Pearson r between stimulus patterns, or Euclidean distance. */
export function rdm(x: Matrix, metric: RdmMetric = 'correlation'): Matrix {
  const n = x.rows;
  const p = x.cols;
  const out = matrix(n, n);
  if (metric === 'correlation') {
    // Standardise each stimulus pattern, then r = z_i · z_j / p.
    const z = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let k = 0; k < p; k++) m += x.data[i * p + k];
      m /= p;
      let ss = 0;
      for (let k = 0; k < p; k++) ss += (x.data[i * p + k] - m) ** 2;
      const sd = Math.sqrt(ss);
      for (let k = 0; k < p; k++) z[i * p + k] = sd > 0 ? (x.data[i * p + k] - m) / sd : NaN;
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += z[i * p + k] * z[j * p + k];
        out.data[i * n + j] = out.data[j * n + i] = 1 - s;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += (x.data[i * p + k] - x.data[j * p + k]) ** 2;
        out.data[i * n + j] = out.data[j * n + i] = Math.sqrt(s);
      }
    }
  }
  return out;
}

/** 1 − similarity. */
export function rsmToRdm(rsm: Matrix): Matrix {
  return { rows: rsm.rows, cols: rsm.cols, data: rsm.data.map((v) => 1 - v) };
}

/** Entries above the diagonal, row by row (numpy's triu_indices(n, k=1) order). */
export function upperTriangle(m: Matrix): Float64Array {
  const n = m.rows;
  if (m.cols !== n) throw new UserFacingError(`An RDM must be square, got ${m.rows}×${m.cols}.`);
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = m.data[i * n + j];
  return out;
}

/** All entries off the diagonal, row by row (for asymmetric matrices, e.g. split-half RSMs). */
export function offDiagonal(m: Matrix): Float64Array {
  const n = m.rows;
  const out = new Float64Array(n * (n - 1));
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) out[k++] = m.data[i * n + j];
  return out;
}

export function isSymmetric(m: Matrix): boolean {
  const n = m.rows;
  if (m.cols !== n) return false;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = m.data[i * n + j];
      const b = m.data[j * n + i];
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) return false;
    }
  }
  return true;
}

/**
 * Compare two RDMs: on the upper triangle when both are symmetric, otherwise on all off-diagonal entries
 * (Coggan 2024's RSMs are cross-run correlations and not symmetric; Brain-Score uses every off-diagonal cell).
 */
export function compareRdms(a: Matrix, b: Matrix, comparison: RdmComparison = 'pearson'): number {
  if (a.rows !== b.rows) throw new UserFacingError(`RDMs cover different stimuli: ${a.rows} vs ${b.rows}.`);
  const symmetric = isSymmetric(a) && isSymmetric(b);
  const x = symmetric ? upperTriangle(a) : offDiagonal(a);
  const y = symmetric ? upperTriangle(b) : offDiagonal(b);
  switch (comparison) {
    case 'pearson':
      return pearson(x, y);
    case 'spearman':
      return spearman(x, y);
    case 'kendall':
      return kendallTauA(x, y);
  }
}

/** Element-wise mean of RDMs. */
export function meanRdm(rdms: readonly Matrix[]): Matrix {
  const out = matrix(rdms[0].rows, rdms[0].cols);
  for (const r of rdms) for (let i = 0; i < out.data.length; i++) out.data[i] += r.data[i] / rdms.length;
  return out;
}

export interface RsaCeiling {
  /** Mean over subjects of subject vs mean of all subjects (upper bound). */
  upper: number;
  /** Mean over subjects of subject vs mean of the other subjects (lower bound; Brain-Score's ceiling). */
  lower: number;
  perSubjectUpper: Float64Array;
  perSubjectLower: Float64Array;
}

/** Leave-one-subject-out noise ceiling; needs at least 2 subjects. */
export function rsaCeiling(subjects: readonly Matrix[], comparison: RdmComparison = 'pearson'): RsaCeiling {
  if (subjects.length < 2) throw new UserFacingError('A between-subject noise ceiling needs at least 2 subjects.');
  const all = meanRdm(subjects);
  const perSubjectUpper = Float64Array.from(subjects, (s) => compareRdms(s, all, comparison));
  const perSubjectLower = Float64Array.from(subjects, (s, i) => compareRdms(s, meanRdm(subjects.filter((_, j) => j !== i)), comparison));
  return { upper: mean(perSubjectUpper), lower: mean(perSubjectLower), perSubjectUpper, perSubjectLower };
}

export interface RsaResult {
  comparison: RdmComparison;
  /** Model vs each subject. */
  perSubject: Float64Array;
  /** Mean of perSubject. */
  raw: number;
  /** Standard error over subjects (NaN with one subject). */
  sem: number;
  /** Present with 2+ subjects. */
  ceiling?: RsaCeiling;
  /** raw / ceiling.lower ('ratio', default), or its square ('squared-ratio', Brain-Score Coggan2024). */
  ceiled?: number;
}

/**
 * Score a model RDM against subject RDMs (one RDM = a single "subject", no ceiling). Pass RDMs, not
 * RSMs (use rsmToRdm). Ceiled with the lower bound of the leave-one-subject-out ceiling.
 */
export function rsaScore(
  model: Matrix,
  subjects: readonly Matrix[],
  comparison: RdmComparison = 'pearson',
  ceilingTransform: 'ratio' | 'squared-ratio' = 'ratio',
): RsaResult {
  if (!subjects.length) throw new UserFacingError('RSA needs at least one brain RDM.');
  for (const s of subjects) {
    if (s.rows !== model.rows) throw new UserFacingError(`The brain RDM covers ${s.rows} stimuli but the model RDM ${model.rows}.`);
  }
  const perSubject = Float64Array.from(subjects, (s) => compareRdms(model, s, comparison));
  const raw = mean(perSubject);
  const result: RsaResult = { comparison, perSubject, raw, sem: subjects.length > 1 ? standardError(perSubject) : NaN };
  if (subjects.length > 1) {
    const ceiling = rsaCeiling(subjects, comparison);
    const ratio = ceiling.lower > 0 ? raw / ceiling.lower : NaN;
    result.ceiling = ceiling;
    result.ceiled = ceilingTransform === 'squared-ratio' ? ratio * ratio : ratio;
  }
  return result;
}
