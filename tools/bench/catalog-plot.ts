/**
 * (e) From a click on a locally served Cowley session in the Data page to the first real plot (MobileNetV2, 8 layers,
 * ridge) in the built app. The flow is the browser test's own (`tests/browser/catalog.test.ts`, "bench: …"), run once
 * here so the bench and the test time the same clicks. Issue 10's budget is 60 s on this 2-core machine: the row's
 * reference is that budget (a target, not a measurement), so its ratio is time / budget.
 */
import { spawnSync } from 'node:child_process';
import type { BenchRow } from './table';

const BUDGET_S = 60;

export function runCatalogPlotBench(rows: BenchRow[]): void {
  process.stderr.write('(e) catalog → first plot: running the browser flow (about a minute)…\n');
  const r = spawnSync('npx', ['vitest', 'run', '--project', 'browser', 'tests/browser/catalog.test.ts', '-t', 'bench'], {
    env: { ...process.env, SILICO_CATALOG_BENCH: '1', CI: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = /BENCH click-to-first-plot ([\d.]+) s \(fetch\+verify\+pack\+store ([\d.]+) s.*?Run to first plot ([\d.]+) s\); all 8 layers ([\d.]+) s/.exec(out);
  if (r.status !== 0 || !m) throw new Error(`(e) the catalog flow failed (exit ${r.status}):\n${out.slice(-3000)}`);
  const [total, fetch, run, all] = m.slice(1).map(Number);
  rows.push({ section: 'e', what: `click on Cowley 210325 in the Data page → first heatmap cell, MobileNetV2, 8 layers, ridge (fetch+verify+pack+store ${fetch.toFixed(1)} s; Run → plot ${run.toFixed(1)} s; all 8 layers ${all.toFixed(1)} s)`, unit: 's', silico: total, reference: BUDGET_S, refName: "issue 10's budget", ratio: total / BUDGET_S, target: 1 });
}
