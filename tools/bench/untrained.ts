/**
 * The "untrained network" baseline: the same architecture with seeded random weights (Kaiming-normal
 * conv/linear weights, std √(2/fan_in); biases 0; BatchNorm scale 1, shift 0, mean 0, var 1).
 */
import { decodeModel, encodeModel } from '../../src/core/onnx/proto';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';

export function randomizeWeights(bytes: Uint8Array, seed = 0): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const rand = seededRandom(seed);
  // Only learned parameters change: Conv/Gemm/MatMul weights and biases, BatchNormalization statistics.
  // Everything else (Clip bounds, shapes, constants) is kept as is.
  const weights = new Set<string>();
  const zeros = new Set<string>();
  const ones = new Set<string>();
  for (const n of graph.node) {
    if (n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul') {
      if (n.input[1]) weights.add(n.input[1]);
      if (n.input[2]) zeros.add(n.input[2]);
    } else if (n.opType === 'BatchNormalization') {
      [n.input[1], n.input[4]].forEach((x) => x && ones.add(x));
      [n.input[2], n.input[3]].forEach((x) => x && zeros.add(x));
    }
  }
  for (const init of graph.initializer) {
    const name = init.name ?? '';
    if (init.dataType !== 1 || !(weights.has(name) || zeros.has(name) || ones.has(name))) continue;
    const dims = init.dims.map(Number);
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (weights.has(name) && dims.length >= 2) {
      const fanIn = dims.slice(1).reduce((a, b) => a * b, 1);
      const sd = Math.sqrt(2 / fanIn);
      for (let i = 0; i < size; i++) data[i] = gaussian(rand) * sd;
    } else if (ones.has(name)) data.fill(1);
    init.rawData = new Uint8Array(data.buffer);
    init.floatData = [];
  }
  return encodeModel(model);
}
