/**
 * Notebook page in the built app: import an experiments file made in Node by the same store code (on
 * fake-indexeddb), list it, rename inline, delete + Undo, export all and compare the downloaded file with
 * what was imported, reject a bad file with a clear message, re-open links (and a clear message for saved results
 * a lab cannot draw), storage bar; the first-run
 * tour (keyboard) and its "seen" flag; sweeps saved by the old Microstimulation lab (its own IndexedDB database,
 * seeded in the page with the raw indexedDB API) moved into the notebook once and re-opened; screenshots.
 */
import 'fake-indexeddb/auto';
import { beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasDist, useBrowser, type BrowserSession } from '../support/browser';
import { describeIf } from '../support/ci';
import { ExperimentStore, parseExperimentsFile } from '../../src/core/experiments';
import type { SiteResult } from '../../workers/microstim-api';
import { pearsonWithCI } from '../../src/core/stim/psychometric';


function site(i: number, dPrime: number, neighbourhoodDPrime: number, shift: number): SiteResult {
  const points = [-80, -40, 0, 40, 80].map((signal) => ({ signal, pFace: 1 / (1 + Math.exp(-0.06 * (signal + shift))), count: 8 }));
  return { site: i, xMm: 0.2 * i, yMm: 0.6, dPrime, neighbourhoodDPrime, curve: { x50: -shift, slope: 0.06, sse: 0.02, iterations: 9 }, points, shift, deltaPFace: shift / 80 };
}

const SWEPT = [site(12, 1.9, 1.4, 6.25), site(40, 1.2, 0.9, 3.5), site(7, 0.05, 0.02, -0.75), site(33, -0.1, 0.01, 0.5)];

/** Two sweeps as the old Microstimulation lab saved them (database `silico-microstim` v1, store `sweeps`). */
const LEGACY_SWEEPS = [
  {
    sites: SWEPT,
    controls: [7, 33],
    correlation: pearsonWithCI(SWEPT.map((x) => x.neighbourhoodDPrime), SWEPT.map((x) => x.shift)),
    params: { currentUa: 50, frequencyHz: 200, durationMs: 50 },
    savedAt: Date.UTC(2026, 9, 14, 10, 30),
    model: 'mobilenetv2-12-fp32.onnx',
    layer: '624_quantized',
    synthetic: false,
  },
  {
    sites: [site(3, 0.8, 0.6, 1.25), site(9, 0, 0, 0)],
    controls: [9],
    correlation: null,
    params: { currentUa: 100, frequencyHz: 200, durationMs: 50 },
    savedAt: Date.UTC(2026, 9, 15, 16, 5),
    model: 'HMAX',
    layer: 'C2',
    synthetic: true,
  },
];

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

// Every test opens its own page in a fresh browser context (empty IndexedDB and localStorage): none depends on another.
describeIf(hasDist, 'Notebook page', () => {
  const suite = useBrowser();
  const server = { get url() { return suite.server.url; } };
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'silico-notebook-'));
  });

  test('import, list, rename, delete + undo, export, bad file, re-open links', async () => {
    const s: BrowserSession = await suite.open('/#/notebook');
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
    await expect.poll(() => page.getByTestId('error-banner').textContent()).toContain('“Face patch sweep” holds no cortical sheet or site sweep this page can draw.');
    expect(await page.getByTestId('saved-banner').count()).toBe(0);
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('first-run tour: keyboard walkthrough, dismissed for good, re-opened from "?"', async () => {
    const s = await suite.open('/#/');
    const { page } = s;
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

  test('sweeps saved by the old Microstimulation lab move into the notebook once and re-open', async () => {
    const s = await suite.open('/#/notebook');
    const { page } = s;
    // The Notebook page looks for the old database; it must not create one while doing so.
    await page.getByTestId('notebook-empty').waitFor({ timeout: 60_000 });
    await page.goto(`${server.url}/#/`);
    const seed = (sweeps: unknown[]) =>
      page.evaluate(
        (records) =>
          new Promise<void>((done, fail) => {
            const open = indexedDB.open('silico-microstim', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('sweeps', { keyPath: 'id', autoIncrement: true });
            open.onerror = () => fail(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction('sweeps', 'readwrite');
              for (const r of records) tx.objectStore('sweeps').add(r);
              tx.oncomplete = () => (open.result.close(), done());
              tx.onerror = () => fail(tx.error);
            };
          }),
        sweeps,
      );
    const legacyDbExists = () => page.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'silico-microstim'));
    expect(await legacyDbExists()).toBe(false);
    await seed(LEGACY_SWEEPS);
    expect(await legacyDbExists()).toBe(true);

    await page.goto(`${server.url}/#/notebook`);
    await expect.poll(() => page.getByTestId('notebook-notice').textContent(), { timeout: 30_000 }).toBe(
      '2 site sweeps saved by an earlier version of the Microstimulation lab are now in the notebook.',
    );
    const row = (name: RegExp) => page.locator('[data-testid=experiment-list] tbody tr', { hasText: name });
    const big = row(/^mobilenetv2-12-fp32\.onnx · 624_quantized · sweep of 4 sites \(saved 2026-10-\d\d \d\d:\d\d\)/);
    const small = row(/^HMAX · C2 · sweep of 2 sites \(saved 2026-10-\d\d \d\d:\d\d\)/);
    await expect.poll(() => big.count()).toBe(1);
    expect(await small.count()).toBe(1);
    expect(await small.locator('.badge.synthetic').count()).toBe(1);
    expect(await big.locator('.badge.synthetic').count()).toBe(0);
    expect(await big.textContent()).toContain('Microstimulation');
    await expect.poll(legacyDbExists).toBe(false);
    await s.screenshot('notebook-legacy-sweeps');

    // A second visit moves nothing again.
    await page.reload();
    await expect.poll(() => big.count(), { timeout: 30_000 }).toBe(1);
    expect(await small.count()).toBe(1);
    expect(await page.getByTestId('notebook-notice').count()).toBe(0);

    // Re-open: the sweep as saved, and a plain word that its sheet was not.
    await big.getByTestId('reopen').click();
    await page.getByTestId('saved-banner').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('saved-setup').textContent()).toContain('Model mobilenetv2-12-fp32.onnx · layer treated as IT: 624_quantized (your images)');
    expect(await page.getByTestId('no-sheet').textContent()).toContain('The cortical sheet was not saved with this older sweep');
    const shown = await page.locator('[data-testid="sweep-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ site: Number(tr.getAttribute('data-site')), shift: Number(tr.getAttribute('data-shift')), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })),
    );
    const saved = LEGACY_SWEEPS[0];
    expect(shown.map((r) => [r.site, r.shift])).toEqual(saved.sites.map((x) => [x.site, x.shift]));
    expect(shown.map((r) => r.cells)).toEqual(
      // Sweeps saved by the old lab have no 95 % CI of the shift: "–".
      saved.sites.map((x) => [String(x.site), x.dPrime.toFixed(2), x.neighbourhoodDPrime.toFixed(2), x.shift.toFixed(2), '–', saved.controls.includes(x.site) ? 'control' : 'selective']),
    );
    expect(await page.getByTestId('sweep-r').getAttribute('data-value')).toBe(String(saved.correlation!.r));
    // The plot's own fit through the points it drew gives the saved correlation.
    expect(await page.locator('[data-plot="selectivity vs shift"]').textContent()).toContain(`r = ${saved.correlation!.r.toFixed(3)}, n = 4`);
    // No sheet map, curves or dose–response; nothing to run.
    expect(await page.getByTestId('sheet').count()).toBe(0);
    expect(await page.locator('[data-plot="psychometric curves"]').count()).toBe(0);
    expect(await page.getByTestId('run-sweep').isDisabled()).toBe(true);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await s.screenshot('microstim-legacy-sweep', true);

    // The Microstimulation page moves sweeps too (a tab of the old version may have saved one meanwhile).
    await page.goto(`${server.url}/#/`);
    await seed([{ ...LEGACY_SWEEPS[1], savedAt: Date.UTC(2026, 9, 16, 8, 0) }]);
    await page.goto(`${server.url}/#/microstim`);
    await expect.poll(legacyDbExists, { timeout: 30_000 }).toBe(false);
    await page.goto(`${server.url}/#/notebook`);
    await expect.poll(() => small.count(), { timeout: 30_000 }).toBe(2); // the earlier one and the one just saved
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });
});
