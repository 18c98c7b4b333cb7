/**
 * A fresh machine passes: every Python module the tests' reference snippets import is installed by .ci/run.
 * Scans the string literals of tests/**\/*.ts and the scripts under tools/ (*.py) for Python import statements,
 * maps each module to its Debian package (tests/support/python.ts DEBIAN_PACKAGE) and checks .ci/run's list.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PACKAGE } from '../support/python';

const ROOT = resolve(import.meta.dirname, '../..');

/** Modules of Python's standard library that snippets may import (no package needed). */
const STDLIB = new Set(
  'json sys math csv io os re base64 time struct itertools collections functools pathlib tempfile zipfile gzip hashlib random warnings subprocess statistics string textwrap typing dataclasses argparse shutil glob pickle copy operator fractions decimal bisect heapq contextlib datetime zlib array unicodedata traceback importlib inspect'.split(' '),
);
/** Words after "import" in test strings that are not Python (e.g. an error message "import failed"). */
const NOT_MODULES = new Set(['failed']);

function files(dir: string, ext: RegExp): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(files(p, ext));
    else if (ext.test(e)) out.push(p);
  }
  return out;
}

/** Top-level modules imported by Python source text (statements split on newlines and semicolons). */
export function pythonImports(source: string): string[] {
  const found = new Set<string>();
  for (const raw of source.split(/[\n;]/)) {
    const st = raw.trim();
    let m = /^from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(st);
    if (m) {
      found.add(m[1].split('.')[0]);
      continue;
    }
    m = /^import\s+([A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*)\s*$/.exec(st);
    if (m) for (const part of m[1].split(',')) found.add(part.trim().split(/\s+/)[0].split('.')[0]);
  }
  return [...found].filter((x) => !NOT_MODULES.has(x));
}

/** String literals ('…', "…", `…`) of a TypeScript file: where Python snippets live. */
function stringLiterals(ts: string): string[] {
  const out: string[] = [];
  const re = /`((?:[^`\\]|\\.)*)`|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/gs;
  for (const m of ts.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]).replace(/\\n/g, '\n'));
  return out;
}

function collect(): Map<string, Set<string>> {
  const where = new Map<string, Set<string>>();
  const add = (mods: string[], file: string) => {
    for (const m of mods) {
      if (!where.has(m)) where.set(m, new Set());
      where.get(m)!.add(relative(ROOT, file));
    }
  };
  const self = resolve(import.meta.filename);
  for (const f of files(join(ROOT, 'tests'), /\.ts$/).filter((f) => resolve(f) !== self)) for (const lit of stringLiterals(readFileSync(f, 'utf8'))) add(pythonImports(lit), f);
  for (const f of files(join(ROOT, 'tools'), /\.py$/)) add(pythonImports(readFileSync(f, 'utf8')), f);
  return where;
}

function ciPackages(): string[] {
  const run = readFileSync(join(ROOT, '.ci/run'), 'utf8');
  const m = /^PYTHON_PACKAGES=\(([^)]*)\)/m.exec(run);
  if (!m) throw new Error('.ci/run has no PYTHON_PACKAGES=(…) list');
  return m[1].trim().split(/\s+/);
}

describe('.ci/run installs every Python module the tests import', () => {
  it('finds imports in snippets (the scanner itself)', () => {
    expect(pythonImports('import json, sys, numpy as np\nfrom scipy.stats import pearsonr; import PIL.Image')).toEqual(['json', 'sys', 'numpy', 'scipy', 'PIL']);
    expect(pythonImports("import { x } from './y'")).toEqual([]);
    expect(stringLiterals("spawnSync(P, ['-c', 'import netCDF4, xarray'])").flatMap(pythonImports)).toEqual(['netCDF4', 'xarray']);
  });

  it('every third-party module maps to a Debian package that .ci/run installs', () => {
    const where = collect();
    const modules = [...where.keys()].filter((m) => !STDLIB.has(m)).sort();
    console.log(`Python modules imported by tests: ${modules.join(', ')}`);
    // The known references are found (a scanner that finds nothing would pass vacuously).
    expect(modules).toEqual(expect.arrayContaining(['numpy', 'scipy', 'sklearn', 'PIL', 'netCDF4', 'xarray']));
    const unmapped = modules.filter((m) => !DEBIAN_PACKAGE[m]).map((m) => `${m} (in ${[...where.get(m)!].join(', ')})`);
    expect(unmapped, 'add these modules to DEBIAN_PACKAGE in tests/support/python.ts and to .ci/run').toEqual([]);
    const installed = new Set(ciPackages());
    const missing = modules.map((m) => DEBIAN_PACKAGE[m]).filter((p) => !installed.has(p));
    expect(missing, 'add these packages to PYTHON_PACKAGES in .ci/run').toEqual([]);
  });

  it('.ci/run exports CI=true and verifies the imports after installing', () => {
    const run = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(run).toMatch(/^export CI=true$/m);
    const check = /python3 -c 'import ([^']+)'/.exec(run)?.[1].split(',').map((s) => s.trim()) ?? [];
    for (const pkg of ciPackages()) {
      const module = Object.entries(DEBIAN_PACKAGE).find(([, p]) => p === pkg)?.[0];
      expect(module, `${pkg} has no module in DEBIAN_PACKAGE`).toBeDefined();
      expect(check, `.ci/run's final import check lacks ${module}`).toContain(module);
    }
  });

  // One guard: Python is run through tests/support/python.ts (hasPythonModules / runPython / runPythonScript /
  // spawnPython), so a missing interpreter or module fails under CI instead of passing or skipping quietly.
  // A ratchet: files listed here may still spawn /usr/bin/python3 themselves (every one has moved over, so it is
  // empty); no other file may (a listed file that moved over is reported, to be taken off the list).
  const LEGACY_DIRECT_PYTHON = new Set<string>([]);

  it('every Python call in the tests goes through tests/support/python.ts (ratchet on the legacy list)', () => {
    const direct = /spawnSync\(\s*(?:PYTHON|'\/usr\/bin\/python3'|"\/usr\/bin\/python3"|'python3')|execFileSync\(\s*(?:PYTHON|'\/usr\/bin\/python3'|'python3')|PYTHON\s*=\s*'\/usr\/bin\/python3'/;
    const self = resolve(import.meta.filename);
    const offenders = files(join(ROOT, 'tests'), /\.ts$/)
      .filter((f) => resolve(f) !== self && !f.endsWith(join('support', 'python.ts')))
      .filter((f) => direct.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f).split('\\').join('/'))
      .sort();
    expect(offenders.filter((f) => !LEGACY_DIRECT_PYTHON.has(f)), 'use tests/support/python.ts instead of spawning Python').toEqual([]);
    const moved = [...LEGACY_DIRECT_PYTHON].filter((f) => !offenders.includes(f));
    if (moved.length) console.warn(`These files no longer spawn Python directly; remove them from LEGACY_DIRECT_PYTHON: ${moved.join(', ')}`);
  });
});
