/** The "untrained network" baseline lives in src/core/onnx/untrained.ts (CLI, bench and Report page share it). */
export { randomizeWeights } from '../../src/core/onnx/untrained';
