import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossValidatedPredictivity } from '../../src/core/metrics/crossval';
import { gramGpu, rdmGpu, ridgeGpu } from '../../src/core/metrics/gpu';
import { matrix, selectRows, type Matrix } from '../../src/core/metrics/linalg';
import { fitRidge, predictRidge } from '../../src/core/metrics/ridge';
import { rdm } from '../../src/core/metrics/rsa';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';

function randomMatrix(rows: number, cols: number, seed: number, offset = 0): Matrix {
  const rand = seededRandom(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => offset + gaussian(rand)));
}

function maxRelative(a: Float64Array, b: Float64Array): number {
  const scale = Math.max(...b.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('tfjs (float32) paths agree with the float64 CPU path', () => {
  // Activations with a large common offset: the case where float32 without centring would fail.
  const x = randomMatrix(100, 500, 1, 20);
  const w = randomMatrix(500, 4, 2);
  const y = matrix(100, 4);
  for (let i = 0; i < 100; i++) for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 0; k < 500; k++) s += (x.data[i * 500 + k] - 20) * w.data[k * 4 + j];
    y.data[i * 4 + j] = s / 20;
  }
  const train = Array.from({ length: 80 }, (_, i) => i);
  const test = Array.from({ length: 20 }, (_, i) => i + 80);

  it('ridge predictions (fixed alpha and leave-one-out alpha choice)', async () => {
    const [xTr, yTr, xTe] = [selectRows(x, train), selectRows(y, train), selectRows(x, test)];
    for (const alphas of [10, [1, 10, 100, 1000]]) {
      const gpu = await ridgeGpu({ ...xTr, data: Float32Array.from(xTr.data) }, yTr, { ...xTe, data: Float32Array.from(xTe.data) }, { alphas });
      const cpuModel = fitRidge(xTr, yTr, { alphas });
      expect(gpu.alpha[0]).toBe(cpuModel.alpha[0]);
      expect(maxRelative(gpu.predictions.data, predictRidge(cpuModel, xTe).data)).toBeLessThan(1e-3);
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('Gram matrix feeds cross-validation with the same scores', async () => {
    const kernel = await gramGpu({ ...x, data: Float32Array.from(x.data) });
    const fromGpu = crossValidatedPredictivity({ kernel }, y, { method: 'ridge', folds: 5, ridge: { alphas: 10 } });
    const fromCpu = crossValidatedPredictivity(x, y, { method: 'ridge', folds: 5, ridge: { alphas: 10 } });
    expect(maxRelative(fromGpu.predictions.data, fromCpu.predictions.data)).toBeLessThan(1e-3);
    expect(fromGpu.score).toBeCloseTo(fromCpu.score, 4);
  });

  it('RDMs (correlation and Euclidean)', async () => {
    for (const metric of ['correlation', 'euclidean'] as const) {
      const gpu = await rdmGpu(x, metric);
      const cpu = rdm(x, metric);
      expect(maxRelative(gpu.data, cpu.data)).toBeLessThan(1e-4);
      expect(gpu.data[0]).toBe(0);
    }
  });
});
