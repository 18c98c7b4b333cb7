/**
 * The one guard (tests/support/ci.ts) in child processes, since CI is read once at import: outside CI a missing
 * prerequisite skips with a warning; with CI=true it throws. The build check: a dist older than the sources is
 * stale, a missing one is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function run(code: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('prerequisite guard', () => {
  const script = `import { prerequisite } from './tests/support/ci.ts';
console.log(JSON.stringify(prerequisite('Thing', 'it is gone', 'Install it.')), JSON.stringify(prerequisite('Other', null, '')));`;

  test('outside CI: a missing prerequisite returns false (skip) with a warning; a present one true', () => {
    const r = run(script, { CI: '' });
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('false true');
    expect(r.err).toContain('[skipped] Thing unavailable: it is gone. Install it.');
  });

  test('CI=true: a missing prerequisite throws (the test file fails)', () => {
    const r = run(script, { CI: 'true' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/MissingPrerequisiteError: CI=true, so a missing prerequisite fails the suite instead of skipping it\. Thing unavailable: it is gone/);
  });

  test('CI=true and a missing Python module: importing python.ts fails', () => {
    const r = run(`import './tests/support/python.ts';`, { CI: 'true', SILICO_PYTHON: '/nonexistent/python3' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Python reference \(numpy, scipy, sklearn\) unavailable: \/nonexistent\/python3 not found/);
  });
});

describe('build check', () => {
  const check = `import { distProblem } from './tests/support/browser.ts'; console.log(JSON.stringify(distProblem()));`;

  test('a missing build and a build older than the sources are problems; a fresh one is not', () => {
    const dir = mkdtempSync(join(ROOT, 'dist-ci-guard-'));
    try {
      const env = { SILICO_DIST: relative(ROOT, dir), VITEST: 'true', CI: '' };
      expect(JSON.parse(run(check, env).out)).toMatch(/no build at/);
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      const old = new Date('2001-01-01T00:00:00Z');
      utimesSync(join(dir, 'index.html'), old, old);
      expect(JSON.parse(run(check, env).out)).toMatch(/is older than .* \(stale: rebuild/);
      const future = new Date(Date.now() + 3600_000);
      utimesSync(join(dir, 'index.html'), future, future);
      expect(JSON.parse(run(check, env).out)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
