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

/**
 * Brain-Score's Coggan2024_fMRI recipe (`benchmarks/coggan2024_fMRI/benchmark.py`, `RSA`): drop units with
 * zero variance across conditions; keep units whose |mean over conditions| > 3.1 × the std (ddof 0) of
 * those unit means; z-score each kept unit across conditions; model RSM = Pearson correlation between
 * the conditions' patterns (np.corrcoef). `x` is stimuli × units (float32 activations are read as float64).
 */
export interface CogganRsm {
  rsm: Matrix;
  /** Units left after dropping zero-variance ones, and after the 3.1 × std selection. */
  nonConstantUnits: number;
  selectedUnits: number;
}

export function cogganRsm(x: { rows: number; cols: number; data: ArrayLike<number> }): CogganRsm {
  const n = x.rows;
  const p = x.cols;
  const means = new Float64Array(p);
  const sds = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) means[k] += x.data[i * p + k];
  for (let k = 0; k < p; k++) means[k] /= n;
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) sds[k] += (x.data[i * p + k] - means[k]) ** 2;
  const nonConstant: number[] = [];
  for (let k = 0; k < p; k++) {
    sds[k] = Math.sqrt(sds[k] / n);
    if (sds[k] !== 0) nonConstant.push(k);
  }
  if (!nonConstant.length) throw new UserFacingError('Every unit of this layer is constant across the stimuli.');
  let mm = 0;
  for (const k of nonConstant) mm += means[k];
  mm /= nonConstant.length;
  let vm = 0;
  for (const k of nonConstant) vm += (means[k] - mm) ** 2;
  const threshold = 3.1 * Math.sqrt(vm / nonConstant.length);
  const selected = nonConstant.filter((k) => Math.abs(means[k]) > threshold);
  if (!selected.length) throw new UserFacingError('No unit has a mean response above 3.1 × the std of the unit means (Coggan2024 unit selection).');
  const q = selected.length;
  const z = new Float64Array(n * q);
  selected.forEach((k, j) => {
    for (let i = 0; i < n; i++) z[i * q + j] = (x.data[i * p + k] - means[k]) / sds[k];
  });
  // np.corrcoef over rows (conditions): centre and scale each row, then dot products.
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < q; j++) m += z[i * q + j];
    m /= q;
    let ss = 0;
    for (let j = 0; j < q; j++) {
      z[i * q + j] -= m;
      ss += z[i * q + j] ** 2;
    }
    const norm = Math.sqrt(ss);
    for (let j = 0; j < q; j++) z[i * q + j] = norm > 0 ? z[i * q + j] / norm : NaN;
  }
  const rsm = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += z[i * q + k] * z[j * q + k];
      rsm.data[i * n + j] = rsm.data[j * n + i] = i === j ? 1 : s;
    }
  }
  return { rsm, nonConstantUnits: nonConstant.length, selectedUnits: q };
}

/** Pearson r over every off-diagonal cell (row by row), as Brain-Score's Coggan2024 get_score. */
export function offDiagonalPearson(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new UserFacingError(`Similarity matrices differ in size: ${a.rows} vs ${b.rows}.`);
  return pearson(offDiagonal(a), offDiagonal(b));
}

export interface CogganResult {
  /** Model RSM vs each subject's RSM. */
  perSubject: Float64Array;
  /** Mean over subjects. */
  raw: number;
  /** Each subject vs the mean RSM of the others. */
  perSubjectCeiling: Float64Array;
  /** Mean of perSubjectCeiling (leave-one-subject-out). */
  ceiling: number;
}

/** Coggan2024 score and ceiling from a model RSM and the subjects' RSMs (similarities, not RDMs). */
export function cogganScore(modelRsm: Matrix, subjectRsms: readonly Matrix[]): CogganResult {
  if (subjectRsms.length < 2) throw new UserFacingError('The Coggan2024 ceiling needs at least 2 subjects.');
  const perSubject = Float64Array.from(subjectRsms, (s) => offDiagonalPearson(s, modelRsm));
  const perSubjectCeiling = Float64Array.from(subjectRsms, (s, i) => offDiagonalPearson(s, meanRdm(subjectRsms.filter((_, j) => j !== i))));
  return { perSubject, raw: mean(perSubject), perSubjectCeiling, ceiling: mean(perSubjectCeiling) };
}
