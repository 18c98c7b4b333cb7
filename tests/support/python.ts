/**
 * THE way tests call Python (Debian's /usr/bin/python3 with numpy, scipy, scikit-learn, PIL, netCDF4, xarray)
 * as an independent reference. Every call goes through the guard in ./ci:
 * - `hasPython` / `hasPythonModules(...)` for `describe.skipIf(!…)`: outside CI a missing interpreter or
 *   module skips with a warning; under CI (CI=true, set by .ci/run) it throws, so the file FAILS.
 * - `runPython(script, input)`: the JSON protocol (`inp` in, `out` back).
 * - `runPythonScript(code, { args, input })`: a script of your own; returns its stdout.
 * - `spawnPython(args, options)`: the raw process result, when a test checks the exit status itself.
 * Python's stderr carries harmless warnings that differ between machines (deprecations, BLAS notices):
 * never assert that it is empty; a non-zero exit status is the failure signal.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { prerequisite } from './ci';

export const PYTHON = process.env.SILICO_PYTHON ?? '/usr/bin/python3';

/** Debian packages that provide the Python modules the tests import (.ci/run installs them; tests/unit/ci-python-modules.test.ts checks). */
export const DEBIAN_PACKAGE: Record<string, string> = {
  numpy: 'python3-numpy',
  scipy: 'python3-scipy',
  sklearn: 'python3-sklearn',
  PIL: 'python3-pil',
  pandas: 'python3-pandas',
  netCDF4: 'python3-netcdf4',
  xarray: 'python3-xarray',
  h5netcdf: 'python3-h5netcdf',
  onnx: 'python3-onnx',
};

const probes = new Map<string, string | null>();

/** Why `modules` cannot be imported by PYTHON, or null when they can (cached per module set). */
export function pythonProblem(modules: readonly string[]): string | null {
  const key = [...modules].sort().join(',');
  if (!probes.has(key)) {
    let problem: string | null = null;
    if (!existsSync(PYTHON)) problem = `${PYTHON} not found`;
    else if (modules.length) {
      const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
      if (r.status !== 0) problem = `${PYTHON} cannot import ${modules.join(', ')}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
    }
    probes.set(key, problem);
  }
  return probes.get(key)!;
}

function installHint(modules: readonly string[]): string {
  return `Install ${modules.map((m) => DEBIAN_PACKAGE[m] ?? `the package providing "${m}"`).join(' ')} (apt-get install; .ci/run does it).`;
}

/**
 * True when PYTHON can import all `modules`: for `describe.skipIf(!hasPythonModules('netCDF4', 'xarray'))`.
 * Outside CI a missing one skips with a warning; under CI it throws (the test file fails).
 */
export function hasPythonModules(...modules: string[]): boolean {
  return prerequisite(`Python reference (${modules.join(', ')})`, pythonProblem(modules), installHint(modules));
}

const CORE = ['numpy', 'scipy', 'sklearn'];
/** True when numpy, scipy and scikit-learn are there (under CI: throws on import of this module otherwise). */
export const hasPython = hasPythonModules(...CORE);
/** Why Python-reference tests are skipped. */
export const NO_PYTHON = `Python reference unavailable (${pythonProblem(CORE) ?? ''}); tests comparing with scikit-learn/scipy are skipped`;

/** Throws (in every environment) when the modules are missing: a test that reached a Python call must not pass without it. */
function ensure(modules: readonly string[]): void {
  const problem = pythonProblem(modules);
  if (problem !== null) throw new Error(`Python reference unavailable: ${problem}. ${installHint(modules)} Guard the test with skipIf(!hasPythonModules(...)).`);
}

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

export interface PythonOptions {
  /** Command-line arguments after the script (sys.argv[1:]). */
  args?: string[];
  /** Text on stdin. */
  input?: string;
  /** Modules the script needs beyond numpy (checked first, with a clear message). */
  modules?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
}

/** The raw process result of `PYTHON ...args` (guarded: throws when numpy or `modules` are missing). */
export function spawnPython(args: string[], o: Omit<PythonOptions, 'args'> = {}): SpawnSyncReturns<string> {
  ensure(['numpy', ...(o.modules ?? [])]);
  return spawnSync(PYTHON, args, { input: o.input, encoding: 'utf8', maxBuffer: 1 << 28, cwd: o.cwd, env: o.env, timeout: o.timeout });
}

/** Runs `code` (python -c) and returns its stdout; throws with Python's stderr when it exits non-zero. */
export function runPythonScript(code: string, o: PythonOptions = {}): string {
  const r = spawnPython(['-c', code, ...(o.args ?? [])], o);
  if (r.status !== 0) throw new Error(`Python failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`);
  return r.stdout;
}

/** Run `script` with `input` as `inp`; returns the JSON-decoded `out`. Throws with Python's stderr on failure. */
export function runPython<T = unknown>(script: string, input: unknown = {}, modules: string[] = []): T {
  return JSON.parse(runPythonScript(PRELUDE + dedent(script) + POSTLUDE, { input: JSON.stringify(input), modules })) as T;
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
