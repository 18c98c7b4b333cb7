/**
 * A report card made in the browser (built app, SILICO_DIST): Cowley 2023 V4 (session 210325) fetched from the
 * catalog through the local mirror, HMAX on it with committed layers, the card exported as JSON equals
 * `silico report --model hmax --max-features none` on the same bundle, then saved to the notebook and re-opened
 * from there with the same numbers.
 */
import { afterAll, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { hasDist, useBrowser } from '../support/browser';
import { hasSharedFiles } from '../support/shared';
import { describeIf } from '../support/ci';
import type { ReportCard } from '../../src/core/benchmarks/card';

const ROOT = resolve(import.meta.dirname, '../..');
const COWLEY = 'cowley2023-v4-210325';

/** The card on screen, through its own Export JSON button. */
async function exportedCard(page: Page): Promise<ReportCard> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const path = await download.path();
  return JSON.parse(readFileSync(path!, 'utf8')) as ReportCard;
}

const entries = (card: ReportCard) =>
  card.models.flatMap((m) => m.entries.map((e) => ({ model: m.model, benchmark: e.benchmark, layer: e.committedLayer, ceiled: e.ceiled, raw: e.raw, ceiling: e.ceiling })));

describeIf(hasDist && hasSharedFiles('data/vision/cowley2023-v4/images_210325.zip'), 'report card in the browser', () => {
  const suite = useBrowser();
  const tmp = mkdtempSync(join(tmpdir(), 'silico-report-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('HMAX on Cowley: the card equals silico report, and re-opens from the notebook', async () => {
    const s = await suite.open(`/?hub=${encodeURIComponent(suite.server.url)}#/data`);
    const { page } = s;
    const server = suite.server;
    const row = page.locator(`[data-dataset="${COWLEY}"]`);
    await row.locator('summary').click();
    await row.getByTestId('fetch').click();
    await row.getByText('✓ in this browser').waitFor({ timeout: 120_000 });

    await page.goto(`${server.url}/?hub=${encodeURIComponent(server.url)}#/report`);
    await page.getByTestId('report-make').getByText('Cowley').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('report-run').click();
    await page.getByText('Published reference numbers').first().waitFor({ timeout: 600_000 });
    await s.screenshot('report-card');
    const card = await exportedCard(page);
    const made = entries(card);
    expect(made.map((e) => e.benchmark).sort()).toEqual(['Cowley2023.V4-pls', 'Cowley2023.V4-ridge']);

    // The same card from the command line, on the same bundle packed from the same mirror.
    const silico = (args: string[]) => promisify(execFile)(process.execPath, [join(ROOT, 'bin/silico.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    const zip = join(tmp, 'cowley.zip');
    await silico(['pack', '--kind', 'catalog', '--dataset', COWLEY, '--mirror', server.url, '--out', zip]);
    const out = join(tmp, 'card.json');
    await silico(['report', '--model', 'hmax', '--bundles', zip, '--baselines', 'none', '--max-features', 'none', '--out', out]);
    const cli = entries(JSON.parse(readFileSync(out, 'utf8')) as ReportCard);
    for (const e of made) {
      const c = cli.find((x) => x.benchmark === e.benchmark)!;
      expect(c, e.benchmark).toBeDefined();
      expect(e.layer).toBe(c.layer);
      // onnxruntime-web and -node differ in the last bits of float32 activations (measured 6e-8).
      for (const k of ['ceiled', 'raw', 'ceiling'] as const) expect(Math.abs(e[k] - c[k]), `${e.benchmark} ${k}`).toBeLessThan(1e-6);
      console.log(`${e.benchmark}: browser ${e.ceiled.toFixed(8)} (raw ${e.raw.toFixed(8)}), silico report ${c.ceiled.toFixed(8)}, layer ${e.layer}`);
    }

    // Saved to the notebook and re-opened from there: the same card.
    await page.getByTestId('save-experiment').click();
    await expect.poll(() => page.getByTestId('saved-experiment').textContent()).toContain('report card');
    await page.goto(`${server.url}/#/notebook`);
    const saved = page.locator('[data-testid=experiment-list] tbody tr');
    await expect.poll(() => saved.count(), { timeout: 30_000 }).toBe(1);
    expect(await saved.textContent()).toMatch(/Report card/);
    await saved.getByTestId('reopen').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/report\?exp=exp-/);
    await page.getByText('Published reference numbers').first().waitFor({ timeout: 30_000 });
    expect(entries(await exportedCard(page))).toEqual(made);
    expect(s.errors).toEqual([]);
  }, 900_000);
});
