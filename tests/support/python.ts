/**
 * Run a Python snippet with Debian's /usr/bin/python3 (numpy, scipy, scikit-learn) as an independent
 * reference. The snippet reads `inp` (the JSON input, NaN sent as null) and assigns `out`; numpy arrays
 * and NaN (as null) in `out` are converted for JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

function probe(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, scipy, sklearn'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} lacks numpy/scipy/scikit-learn: ${r.stderr.trim().split('\n').pop()}`;
}

const problem = probe();
/** True when the Python reference can run. */
export const hasPython = problem === null;
/** Why Python-reference tests are skipped. */
export const NO_PYTHON = `Python reference unavailable (${problem ?? ''}); tests comparing with scikit-learn/scipy are skipped`;

const PRELUDE = `
import json, sys, math
import numpy as np
inp = json.load(sys.stdin)
out = None
`;
const POSTLUDE = `
def _clean(v):
    if isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v
sys.stdout.write(json.dumps(_clean(out)))
`;

/** Run `script` with `input` as `inp`; returns the JSON-decoded `out`. Throws with Python's stderr on failure. */
export function runPython<T = unknown>(script: string, input: unknown = {}): T {
  const source = PRELUDE + dedent(script) + POSTLUDE;
  const r = spawnSync(PYTHON, ['-c', source], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`Python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function dedent(s: string): string {
  const lines = s.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** null (NaN sent through JSON) back to NaN. */
export function nanArray(values: readonly (number | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? NaN : v));
}
