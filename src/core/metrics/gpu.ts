/**
 * GPU versions of the heavy steps (Gram matrices, ridge predictions, RDMs) with @tensorflow/tfjs-core
 * ops, on whichever tfjs backend is active: 'webgpu' in the compute worker, 'cpu' in Node tests. This
 * module does not pick or register a backend; the caller does (tf.setBackend).
 *
 * Precision: WebGPU has only float32. Features are centred (column means removed) and scaled to unit
 * mean square before the matmuls, so the O(n²p) products run on well-scaled numbers; results come back
 * as float64 and the small n×n tridiagonalisation (every alpha, leave-one-out) runs on the CPU in float64
 * (ridge.ts). Expect ~1e-5–1e-4 relative agreement with the float64 path, not bit-equality.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserFacingError } from '../types';
import { type Matrix, matrix } from './linalg';
import { fitKernelRidge, type RidgeOptions } from './ridge';
import type { RdmMetric } from './rsa';

/** A row-major matrix in float32 (activations) or float64. */
export interface MatrixLike {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

function toTensor(m: MatrixLike): tf.Tensor2D {
  return tf.tensor2d(m.data instanceof Float32Array ? m.data : Float32Array.from(m.data), [m.rows, m.cols], 'float32');
}

async function toMatrix(t: tf.Tensor, scale = 1): Promise<Matrix> {
  const [rows, cols] = t.shape;
  const values = (await t.data()) as Float32Array;
  const out = matrix(rows, cols ?? 1);
  for (let i = 0; i < values.length; i++) out.data[i] = values[i] * scale;
  return out;
}

/** Centre columns with the mean of `reference` and scale by one factor; returns the scale used. */
function standardise(x: tf.Tensor2D, reference: tf.Tensor2D): { mean: tf.Tensor; scale: number } {
  const mean = tf.mean(reference, 0, true);
  const ms = tf.tidy(() => tf.mean(tf.square(tf.sub(reference, mean))).dataSync()[0]);
  return { mean, scale: ms > 0 ? 1 / Math.sqrt(ms) : 1 };
}

/**
 * Linear kernel of the column-centred features, (X − x̄)(X − x̄)ᵀ, in float64 on return. Per-fold
 * centring in crossval.ts gives the same result as with the raw kernel (centring is shift-invariant).
 */
export async function gramGpu(x: MatrixLike): Promise<Matrix> {
  const xt = toTensor(x);
  const { mean, scale } = standardise(xt, xt);
  const k = tf.tidy(() => {
    const xc = tf.mul(tf.sub(xt, mean), scale);
    return tf.matMul(xc, xc, false, true);
  });
  const out = await toMatrix(k, 1 / (scale * scale));
  tf.dispose([xt, mean, k]);
  return out;
}

export interface GpuRidgeResult {
  predictions: Matrix;
  alpha: Float64Array;
}

/** Ridge (dual form) fit on train and predicted on test; same model as ridge.ts fitRidge/predictRidge. */
export async function ridgeGpu(xTrain: MatrixLike, yTrain: Matrix, xTest: MatrixLike, options: RidgeOptions = {}): Promise<GpuRidgeResult> {
  if (xTrain.cols !== xTest.cols) throw new UserFacingError(`Train features have ${xTrain.cols} columns, test features ${xTest.cols}.`);
  const xt = toTensor(xTrain);
  const xs = toTensor(xTest);
  const { mean, scale } = standardise(xt, xt);
  const [k, cross] = tf.tidy(() => {
    const a = tf.mul(tf.sub(xt, mean), scale);
    const b = tf.mul(tf.sub(xs, mean), scale);
    return [tf.matMul(a, a, false, true), tf.matMul(b, a, false, true)];
  });
  const kernel = await toMatrix(k, 1 / (scale * scale));
  const fit = fitKernelRidge(kernel, yTrain, options);
  const predTensor = tf.tidy(() => {
    const dual = tf.tensor2d(Float32Array.from(fit.dual.data), [fit.dual.rows, fit.dual.cols]);
    const yMean = tf.tensor2d(Float32Array.from(fit.yMean), [1, fit.yMean.length]);
    return tf.add(tf.mul(tf.matMul(cross, dual), 1 / (scale * scale)), yMean);
  });
  const predictions = await toMatrix(predTensor);
  tf.dispose([xt, xs, mean, k, cross, predTensor]);
  return { predictions, alpha: fit.alpha };
}

/** RDM of stimuli (rows): 1 − Pearson r between patterns, or Euclidean distance; diagonal exactly 0. */
export async function rdmGpu(x: MatrixLike, metric: RdmMetric = 'correlation'): Promise<Matrix> {
  const xt = toTensor(x);
  const d = tf.tidy(() => {
    if (metric === 'correlation') {
      const centred = tf.sub(xt, tf.mean(xt, 1, true));
      const z = tf.div(centred, tf.norm(centred, 'euclidean', 1, true));
      return tf.sub(1, tf.matMul(z, z, false, true));
    }
    // Centre columns first: distances are unchanged and the dot products are better conditioned.
    const xc = tf.sub(xt, tf.mean(xt, 0, true));
    const sq = tf.sum(tf.square(xc), 1, true);
    const d2 = tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(2, tf.matMul(xc, xc, false, true)));
    return tf.sqrt(tf.relu(d2));
  });
  const out = await toMatrix(d);
  tf.dispose([xt, d]);
  for (let i = 0; i < out.rows; i++) out.data[i * out.cols + i] = 0;
  return out;
}
