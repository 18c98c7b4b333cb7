/**
 * A fitted linear map features → neuroids in primal form (sklearn's coef_ᵀ and intercept_), built from a
 * kernel-space (dual) fit: coef = Xcᵀ · dual, intercept = yMean − xMean · coef.
 */
import { UserFacingError } from '../types';
import { type Matrix, matmulTransA, matmulTransB, matrix, transpose } from './linalg';

export interface LinearModel {
  /** features × neuroids */
  coef: Matrix;
  intercept: Float64Array;
}

export function primalFromDual(centeredX: Matrix, xMean: ArrayLike<number>, dual: Matrix, yMean: ArrayLike<number>): LinearModel {
  const coef = matmulTransA(centeredX, dual);
  const intercept = Float64Array.from(yMean);
  for (let f = 0; f < coef.rows; f++) {
    const m = xMean[f];
    if (m === 0) continue;
    for (let j = 0; j < coef.cols; j++) intercept[j] -= m * coef.data[f * coef.cols + j];
  }
  return { coef, intercept };
}

export function predictLinear(model: LinearModel, x: Matrix): Matrix {
  if (x.cols !== model.coef.rows) throw new UserFacingError(`The model was fit on ${model.coef.rows} features but got ${x.cols}.`);
  const t = model.coef.cols;
  const out = matrix(x.rows, t);
  for (let a = 0; a < x.rows; a++) {
    for (let f = 0; f < x.cols; f++) {
      const v = x.data[a * x.cols + f];
      if (v === 0) continue;
      for (let j = 0; j < t; j++) out.data[a * t + j] += v * model.coef.data[f * t + j];
    }
    for (let j = 0; j < t; j++) out.data[a * t + j] += model.intercept[j];
  }
  return out;
}

/** prediction = centredCross · dual + yMean (test × train cross-kernel, centred with the training mean). */
export function predictFromDual(dual: Matrix, yMean: ArrayLike<number>, centeredCross: Matrix): Matrix {
  const t = dual.cols;
  const n = dual.rows;
  if (centeredCross.cols !== n) throw new Error(`predictFromDual: cross-kernel has ${centeredCross.cols} training columns, fit has ${n}`);
  const out = matmulTransB(centeredCross, transpose(dual));
  for (let a = 0; a < out.rows; a++) for (let j = 0; j < t; j++) out.data[a * t + j] += yMean[j];
  return out;
}
