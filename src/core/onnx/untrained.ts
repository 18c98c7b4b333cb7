/**
 * The "untrained network" baseline: the same architecture with seeded random weights. Conv/Gemm/MatMul weights
 * are drawn Kaiming-normal (std √(2/fan_in)) from Silico's seeded generator; their biases are 0; BatchNorm
 * scale 1, shift 0, mean 0, var 1. Everything else (Clip bounds, shapes, constants) is kept as is, so the graph,
 * its layers and their names are the model's own. Plain TypeScript: the CLI (`silico report --baselines
 * untrained`), the bench and the Report page (main thread) all call this one function; its card label is
 * `untrainedName` / `UNTRAINED_DESCRIPTION` in src/core/benchmarks/card.ts.
 */
import { decodeModel, encodeModel } from './proto';
import { gaussian, seededRandom } from '../metrics/stats';

/** The model's bytes with its learned parameters re-drawn (seeded: the same bytes and seed give the same weights everywhere). */
export function randomizeWeights(bytes: Uint8Array, seed = 0): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const rand = seededRandom(seed);
  // Only learned parameters change: Conv/Gemm/MatMul weights and biases, BatchNormalization statistics.
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
