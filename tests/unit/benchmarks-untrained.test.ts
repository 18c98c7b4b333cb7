/**
 * The untrained baseline (src/core/onnx/untrained.ts): MobileNetV2's graph with its learned parameters re-drawn.
 * Checked with the `onnx` Python package reading both files (an independent protobuf reader): the same graph,
 * every Conv/Gemm weight Kaiming-normal (mean 0, std √(2/fan_in)), their biases 0, BatchNorm identity, every other
 * initializer untouched; the same seed gives the same bytes (the CLI and the Report page draw the same net).
 */
import { expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeIf } from '../support/ci';
import { hasPythonModules, runPythonScript } from '../support/python';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { randomizeWeights } from '../../src/core/onnx/untrained';

const MODEL = 'models/mobilenetv2-12-fp32.onnx';

describeIf(hasPythonModules('onnx') && hasSharedFiles(MODEL), 'untrained baseline: seeded Kaiming-normal re-draw', () => {
  test('MobileNetV2: same graph, Kaiming-normal weights, zero biases, BatchNorm identity, other initializers kept; seeded', () => {
    const bytes = new Uint8Array(readFileSync(sharedPath(MODEL)));
    const a = randomizeWeights(bytes, 0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(randomizeWeights(bytes, 0)))).toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(randomizeWeights(bytes, 1)))).not.toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'silico-untrained-'));
    try {
      writeFileSync(join(dir, 'untrained.onnx'), a);
      const out = runPythonScript(
        `
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
orig, new = onnx.load(sys.argv[1]), onnx.load(sys.argv[2])
assert [(n.op_type, list(n.input), list(n.output)) for n in orig.graph.node] == [(n.op_type, list(n.input), list(n.output)) for n in new.graph.node]
o = {i.name: numpy_helper.to_array(i) for i in orig.graph.initializer}
w = {i.name: numpy_helper.to_array(i) for i in new.graph.initializer}
assert o.keys() == w.keys()
weights, zeros, ones = set(), set(), set()
for n in new.graph.node:
    if n.op_type in ('Conv', 'Gemm', 'MatMul'):
        weights.add(n.input[1])
        if len(n.input) > 2: zeros.add(n.input[2])
    elif n.op_type == 'BatchNormalization':
        ones.update([n.input[1], n.input[4]]); zeros.update([n.input[2], n.input[3]])
worst_sd, worst_mean, checked = 0.0, 0.0, 0
for name, x in w.items():
    assert x.shape == o[name].shape and x.dtype == o[name].dtype, name
    if name in weights and x.ndim >= 2 and x.size >= 2000:
        expected = np.sqrt(2.0 / np.prod(x.shape[1:]))
        worst_sd = max(worst_sd, abs(x.std() / expected - 1))
        worst_mean = max(worst_mean, abs(x.mean()) / expected)
        checked += 1
    elif name in zeros: assert not x.any(), name
    elif name in ones: assert (x == 1).all(), name
    elif name not in weights: assert np.array_equal(x, o[name]), name
changed = sum(not np.array_equal(w[k], o[k]) for k in w)
print(json.dumps({'checked': checked, 'worst_sd': float(worst_sd), 'worst_mean': float(worst_mean), 'changed': int(changed), 'total': len(w)}))
`,
        { args: [sharedPath(MODEL), join(dir, 'untrained.onnx')], modules: ['onnx'] },
      );
      const r = JSON.parse(out) as { checked: number; worst_sd: number; worst_mean: number; changed: number; total: number };
      console.log(`untrained MobileNetV2: ${r.checked} weight tensors checked, worst |std/√(2/fan_in) − 1| ${r.worst_sd.toFixed(4)}, worst |mean|/sd ${r.worst_mean.toFixed(4)}; ${r.changed} of ${r.total} initializers changed`);
      expect(r.checked).toBeGreaterThan(40);
      expect(r.worst_sd).toBeLessThan(0.05); // ≥ 2000 draws per tensor: the sample std is within a few % of √(2/fan_in)
      expect(r.worst_mean).toBeLessThan(0.1);
      expect(r.changed).toBeGreaterThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
