/**
 * The rooms of the code base, checked: domain logic in src/core (no DOM, no UI, no workers), every web
 * worker in workers/, and a CLI that imports nothing from the UI.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function filesUnder(dir: string, ext = /\.(ts|svelte)$/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

/** Relative import targets of a file, resolved to repository paths. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)));
}

describe('architecture', () => {
  it('src/core imports nothing from the UI, the CLI or the workers', () => {
    const offenders = filesUnder(join(ROOT, 'src/core')).flatMap((f) =>
      importsOf(f).filter((p) => /^(src\/ui|src\/cli|workers)\//.test(p)).map((p) => `${relative(ROOT, f)} → ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  it('src/core uses no DOM globals', () => {
    const dom = /\b(document|window|HTMLElement|localStorage)\s*[.[]/;
    const offenders = filesUnder(join(ROOT, 'src/core')).filter((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .some((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && dom.test(line.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, ''))),
    );
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('the CLI imports nothing from src/ui', () => {
    const offenders = filesUnder(join(ROOT, 'src/cli')).flatMap((f) =>
      importsOf(f).filter((p) => p.startsWith('src/ui/')).map((p) => `${relative(ROOT, f)} → ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every web worker lives in workers/', () => {
    const all = [...filesUnder(join(ROOT, 'src')), ...filesUnder(join(ROOT, 'workers'))];
    const strays = all.filter((f) => /\.worker\.ts$/.test(f) && !relative(ROOT, f).startsWith('workers/'));
    expect(strays.map((f) => relative(ROOT, f))).toEqual([]);
    const spawned = all.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/new Worker\(\s*new URL\(\s*['"]([^'"]+)['"]/g)].map((m) => relative(ROOT, resolve(dirname(f), m[1]))),
    );
    expect(spawned.length).toBeGreaterThanOrEqual(4);
    for (const w of spawned) expect(w).toMatch(/^workers\/[\w-]+\.worker\.ts$/);
  });
});
