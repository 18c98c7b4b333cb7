/**
 * Notebook page in the built app: import an experiments file made in Node by the same store code (on
 * fake-indexeddb), list it, rename inline, delete + Undo, export all and compare the downloaded file with
 * what was imported, reject a bad file with a clear message, re-open links (and a clear message for saved results
 * a lab cannot draw), storage bar; the first-run
 * tour (keyboard) and its "seen" flag; screenshots.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../support/server';
import { launchBrowser, openPage, type BrowserSession } from '../support/browser';
import { ExperimentStore, parseExperimentsFile } from '../../src/core/experiments';

const DIST = process.env.SILICO_DIST ?? resolve(import.meta.dirname, '../../dist');

/** An export file with two experiments, written by the store in Node. */
async function makeFile(): Promise<{ text: string; ids: string[] }> {
  const store = new ExperimentStore({ dbName: `notebook-browser-${process.pid}` });
  const a = await store.save({
    kind: 'predictivity',
    name: 'HMAX on the demo benchmark',
    model: 'builtin:hmax',
    layers: ['C1', 'S2', 'C2'],
    benchmark: 'synthetic-demo',
    settings: { metric: 'ridge' },
    results: { ceiled: new Float32Array([0.25, 0.5, NaN]), region: 'V1' },
    synthetic: true,
  });
  const b = await store.save({
    kind: 'microstim',
    name: 'Face patch sweep',
    model: 'mobilenetv2-12',
    layers: ['features.10'],
    settings: { currentUa: 40 },
    results: { shift: new Float64Array([0.01, 0.12, 0.3]) },
    synthetic: false,
  });
  const text = await store.exportJson();
  store.close();
  return { text, ids: [a.id, b.id] };
}

describe.skipIf(!existsSync(resolve(DIST, 'index.html')))('Notebook page', () => {
  let server: TestServer;
  let browser: Browser;
  let s: BrowserSession;
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ distDir: DIST });
    browser = await launchBrowser();
    s = await openPage(browser, `${server.url}/#/notebook`);
    dir = mkdtempSync(join(tmpdir(), 'silico-notebook-'));
  });
  afterAll(async () => {
    await s?.close();
    await browser?.close();
    await server?.close();
  });

  test('import, list, rename, delete + undo, export, bad file, re-open links', async () => {
    const { page } = s;
    await page.getByTestId('notebook-empty').waitFor({ timeout: 60_000 });
    const { text, ids } = await makeFile();
    const file = join(dir, 'experiments.json');
    writeFileSync(file, text);

    await page.getByTestId('import-file').setInputFiles(file);
    await expect.poll(() => page.getByTestId('notebook-notice').textContent()).toContain('2 experiments imported');
    const rows = page.locator('[data-testid=experiment-list] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const row = (id: string) => page.locator(`tr[data-experiment="${id}"]`);
    expect(await row(ids[0]).textContent()).toMatch(/HMAX on the demo benchmark.*synthetic.*Predictivity.*builtin:hmax\s*· 3 layers/);
    expect(await row(ids[1]).locator('.badge').count()).toBe(0);
    expect(await row(ids[0]).getByTestId('reopen').getAttribute('href')).toBe(`#/predictivity?exp=${ids[0]}`);
    expect(await row(ids[1]).getByTestId('reopen').getAttribute('href')).toBe(`#/microstim?exp=${ids[1]}`);

    // Importing the same file again adds nothing.
    await page.getByTestId('import-file').setInputFiles(file);
    await expect.poll(() => page.getByTestId('notebook-notice').textContent()).toContain('0 experiments imported, 2 already here');
    expect(await rows.count()).toBe(2);

    // Rename inline with the keyboard.
    await row(ids[0]).getByTestId('rename').click();
    const input = page.getByTestId('rename-input');
    await input.fill('V1 vs HMAX, first try');
    await input.press('Enter');
    await expect.poll(() => row(ids[0]).getByTestId('rename').textContent()).toBe('V1 vs HMAX, first try');
    // Esc cancels.
    await row(ids[0]).getByTestId('rename').click();
    await page.getByTestId('rename-input').fill('not this');
    await page.getByTestId('rename-input').press('Escape');
    expect(await row(ids[0]).getByTestId('rename').textContent()).toBe('V1 vs HMAX, first try');

    await s.screenshot('notebook');

    // Delete, then Undo from the toast.
    await row(ids[1]).getByTestId('delete').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.getByTestId('undo-toast').textContent()).toContain('Deleted “Face patch sweep”');
    await s.screenshot('notebook-undo');
    await page.getByTestId('undo').click();
    await expect.poll(() => rows.count()).toBe(2);
    // Survives a reload (it is in IndexedDB).
    await page.reload();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);

    // Export all: same experiments as imported, with the new name.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
    expect(download.suggestedFilename()).toMatch(/^silico-experiments-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = parseExperimentsFile(readFileSync((await download.path())!, 'utf8'));
    const original = parseExperimentsFile(text);
    expect(exported.map((e) => e.id).sort()).toEqual([...ids].sort());
    for (const e of exported) {
      const o = original.find((x) => x.id === e.id)!;
      expect(e.results).toEqual(o.results); // typed arrays and NaN survive the browser round trip
      expect(e.name).toBe(o.id === ids[0] ? 'V1 vs HMAX, first try' : o.name);
    }

    // A wrong file is refused with a clear message; nothing changes.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'silico-experiments', version: 7, experiments: [] }));
    await page.getByTestId('import-file').setInputFiles(bad);
    await expect.poll(() => page.getByTestId('error-banner').textContent()).toContain('format version 7');
    expect(await rows.count()).toBe(2);

    // Storage bar.
    expect(await page.getByTestId('storage').textContent()).toMatch(/Browser storage for this site: [\d.]+ (B|kB|MB|GB)/);

    // Re-open navigates to the lab with the id in the URL.
    await row(ids[0]).getByTestId('reopen').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/predictivity?exp=${ids[0]}`);
    await page.getByRole('heading', { name: 'Predictivity lab' }).waitFor();
    // A saved experiment whose results the lab cannot draw (here: no cortical sheet) is refused with a message.
    await page.goto(`${server.url}/#/notebook`);
    await row(ids[1]).getByTestId('reopen').click();
    await page.getByRole('heading', { name: 'Microstimulation lab' }).waitFor();
    await expect.poll(() => page.getByTestId('error-banner').textContent()).toContain('“Face patch sweep” holds no cortical sheet this page can draw.');
    expect(await page.getByTestId('saved-banner').count()).toBe(0);
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('first-run tour: keyboard walkthrough, dismissed for good, re-opened from "?"', async () => {
    const { page } = s;
    await page.goto(`${server.url}/#/`);
    // Automated browsers do not get it on their own; the "?" button opens it.
    expect(await page.getByTestId('tour').isVisible()).toBe(false);
    await page.getByTestId('tour-open').click();
    const dialog = page.getByTestId('tour');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.locator('#tour-title').textContent()).toBe('Welcome to Silico');
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('#tour-title').textContent()).toMatch(/^Predictivity/);
    // 'p' inside the tour does not start presentation mode.
    await page.keyboard.press('p');
    expect(await page.evaluate(() => document.body.classList.contains('presenting'))).toBe(false);
    await page.getByTestId('tour-next').click();
    expect(await page.locator('#tour-title').textContent()).toMatch(/^Microstimulation/);
    await s.screenshot('tour');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.evaluate(() => localStorage.getItem('silico.tourSeen'))).toBe('1');
    // Re-open and finish it.
    await page.getByTestId('tour-open').click();
    for (let i = 0; i < 4; i++) await page.getByTestId('tour-next').click();
    await page.getByTestId('tour-done').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });
});
