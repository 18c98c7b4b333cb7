/**
 * (f) The Microstimulation lab's cold start in the built app (SILICO_DIST, default dist/): in a fresh page, load
 * MobileNetV2, take the default fLoc set from the catalog (locally served mirror of ../shared) and build the sheet
 * with the default layer and readout, until the sheet is ready. The flow is the browser test's own
 * (`tests/browser/microstim.test.ts`, "bench: …"), run once here so the bench and the test time the same clicks.
 * Issue 13's budget is 60 s on this 2-core machine: the row's reference is that budget (a target, not a
 * measurement), so its ratio is time / budget.
 */
import { spawnSync } from 'node:child_process';
import type { BenchRow } from './table';

const BUDGET_S = 60;

export function runMicrostimBench(rows: BenchRow[]): void {
  process.stderr.write('(f) Microstimulation lab cold start: running the browser flow (about a minute)…\n');
  const r = spawnSync('npx', ['vitest', 'run', '--project', 'browser', 'tests/browser/microstim.test.ts', '-t', 'bench'], {
    env: { ...process.env, SILICO_MICROSTIM_BENCH: '1', CI: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = /BENCH microstim cold start ([\d.]+) s \(load model ([\d.]+) s, fLoc images ([\d.]+) s, Build sheet ([\d.]+) s\); layer (\S+); (\d+) sites .*?(\d+) task trials/.exec(out);
  if (r.status !== 0 || !m) throw new Error(`(f) the Microstimulation flow failed (exit ${r.status}):\n${out.slice(-3000)}`);
  const [total, model, images, sheet] = m.slice(1, 5).map(Number);
  const [layer, sites, trials] = m.slice(5);
  rows.push({
    section: 'f',
    what: `Microstimulation lab, cold: load MobileNetV2 → fLoc from the catalog → sheet ready (layer ${layer}, ${sites} sites, ${trials} task trials; load model ${model.toFixed(1)} s, images ${images.toFixed(1)} s, Build sheet ${sheet.toFixed(1)} s)`,
    unit: 's', silico: total, reference: BUDGET_S, refName: "issue 13's budget", ratio: total / BUDGET_S, target: 1,
  });
}
