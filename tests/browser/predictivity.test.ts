/**
 * Predictivity lab end to end: in the built app, run the built-in HMAX model on the synthetic demo
 * benchmark with ridge, and check that the heatmap shows the same scores as the core metric functions
 * compute in Node on activations recorded with onnxruntime-node; then the CSV export, the score cache,
 * and a screenshot; a link (the address bar) reopens the same view in a new page from the cached scores.
 * The Microstimulation and Language labs' links are checked here too (they share the link code).
 */
import { expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { DIST } from '../support/server';
import { SCREENSHOTS, hasDist, useBrowser, type BrowserSession } from '../support/browser';
import { describeIf } from '../support/ci';
import { parseHash } from '../../src/ui/url-state';
import { buildHmaxModel, hmaxSpec } from '../../src/core/onnx/hmax';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { batchToTensor, preprocessBytes } from '../../src/core/image';
import { readBundle, stimulusBytes, zipBundle } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import { crossValidatedPredictivity } from '../../src/core/metrics/crossval';
import { ceiledScore, splitHalfReliability } from '../../src/core/metrics/ceiling';
import { matrix } from '../../src/core/metrics/linalg';

const DIST_INDEX = resolve(DIST, 'index.html');
/** S1 (32 × 128 × 128 features) is left out to keep the test short; the rest of HMAX is scored. */
const LAYERS = ['C1', 'S2', 'C2'];
/** The link test scores two of them (a layer besides the preselected best one to pick). */
const LINK_LAYERS = ['S2', 'C2'];

interface NodeScore {
  raw: number;
  ceiling: number;
  ceiled: number;
}

/** Scores computed in Node: onnxruntime-node recording + the core metric functions, nothing from the UI. */
async function nodeReference(): Promise<Map<string, NodeScore>> {
  const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
  const bench = readBundle(syntheticBundle());
  const spec = hmaxSpec(128);
  const images = bench.manifest.stimuli.map((s) => preprocessBytes(stimulusBytes(bench, s), spec));
  const rec = await Recorder.create(ort, buildHmaxModel(), { layers: LAYERS });
  const acts = await rec.recordBatches(images, (batch) => ({ image: batchToTensor(batch, spec) }), { batchSize: 16 });
  await rec.dispose();
  const out = new Map<string, NodeScore>();
  for (const region of bench.regions) {
    const ceiling = splitHalfReliability(region.repeats!, { seed: 0 }).ceiling;
    for (const a of acts) {
      const n = a.dims[0];
      const x = matrix(n, a.data.length / n, a.data);
      const r = crossValidatedPredictivity(x, region.responses!, { method: 'ridge', folds: bench.manifest.metric.folds ?? 10, seed: 0 });
      out.set(`${a.layer}|${region.name}`, { raw: r.score, ceiling, ceiled: ceiledScore(r.score, ceiling) });
    }
  }
  return out;
}

/** Heatmap cells as the page shows them. */
function heatmapCells(page: Page): Promise<{ row: string; column: string; value: number }[]> {
  return page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) =>
    els.map((e) => ({ row: e.getAttribute('data-row')!, column: e.getAttribute('data-column')!, value: Number(e.getAttribute('data-value')) })),
  );
}

/** The scatter plot's points (their positions encode the predicted and measured values) and its title. */
async function scatterShown(page: Page): Promise<{ title: string; points: string[] }> {
  const plot = page.locator('[data-plot="predicted vs measured"]');
  const points = await plot.locator('.points path').evaluateAll((els) => els.map((e) => e.getAttribute('transform')!));
  return { title: (await plot.locator('svg text').first().textContent()) ?? '', points };
}

/** A picker of the results: Model, Show, and the scatter / RDM view's Region, Layer, Neuroid. */
function picker(page: Page, name: string) {
  return page.locator('.results label', { hasText: name }).locator('select');
}

/**
 * Picks HMAX with exactly `layers` checked on the synthetic demo benchmark (a fresh page has all four checked) and
 * returns the HMAX summary. Every test that needs scores or a selection sets them up itself with this.
 */
async function chooseHmaxLayers(page: Page, layers: readonly string[]) {
  const summary = page.locator('summary', { hasText: 'HMAX' });
  await summary.waitFor({ timeout: 120_000 });
  await summary.click();
  for (const layer of ['S1', 'C1', 'S2', 'C2']) {
    const box = page.getByRole('checkbox', { name: layer, exact: true });
    if (layers.includes(layer)) await box.check();
    else await box.uncheck();
  }
  await expect.poll(() => summary.textContent()).toContain(`${layers.length} of 4 layers`);
  return summary;
}

/** Runs the Predictivity job with the current settings and waits for its summary. */
async function runScoring(page: Page): Promise<void> {
  await page.getByTestId('run').click();
  await page.getByRole('progressbar', { name: 'Scoring progress' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('run-summary').waitFor({ timeout: 400_000 });
}

/** The WebGPU adapter the page sees, classified as the app does (workers/backend.ts), or null when there is none. */
async function pageAdapter(page: Page): Promise<{ text: string; software: boolean } | null> {
  const a = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<any> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (!adapter) return null;
    const info = adapter.info ?? {};
    return { text: [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '), fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) };
  });
  return a && { text: a.text, software: a.fallback || /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(a.text) };
}

/** A second page in the session's browser context (same IndexedDB), recording its errors. */
async function openLink(s: BrowserSession, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await s.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}

describeIf(hasDist, 'Predictivity lab in the browser', () => {
  // Each test opens its own page in a fresh browser context (empty IndexedDB: no cached scores, no imported
  // bundles) and sets up the state it needs itself, so any one of them can run alone (-t) and in any order.
  const suite = useBrowser();

  test('HMAX × synthetic demo benchmark with ridge: heatmap equals the Node reference, CSV export, cache reuse', async () => {
    const s = await suite.open('/#/predictivity');
    const { page } = s;
    // Start the Node reference now; it runs while the browser works.
    const reference = nodeReference();
    reference.catch(() => {});

    await expect.poll(() => page.getByTestId('synthetic-label').textContent(), { timeout: 60_000 }).toContain('Synthetic demo data — not brain data');
    await chooseHmaxLayers(page, LAYERS);
    expect(await page.getByRole('radio', { name: /Ridge regression/ }).isChecked()).toBe(true);

    await runScoring(page);
    expect(await page.getByTestId('run-summary').textContent()).toContain('3 layers computed, 0 reused');
    // Scoring runs on the GPU only for a hardware adapter; with a software one (SwiftShader in headless
    // Chromium) or none it stays on the CPU and says why.
    const adapter = await pageAdapter(page);
    const backend = await page.getByTestId('compute-backend').textContent();
    if (adapter === null) expect(backend).toMatch(/CPU \(float64\): no WebGPU/);
    else if (adapter.software) expect(backend).toMatch(/CPU \(float64\): only a software WebGPU adapter/);
    else expect(backend).toMatch(/GPU \(WebGPU, float32\): hardware GPU found|CPU \(float64\): WebGPU (could not be started|failed to start)/);
    // The float64 CPU linear algebra runs as WebAssembly SIMD in the compute worker (plain JS only where SIMD is missing).
    expect(await page.getByTestId('compute-backend').textContent()).toContain('CPU linear algebra: WebAssembly SIMD.');

    const cells = await page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) =>
      els.map((e) => ({ row: e.getAttribute('data-row')!, column: e.getAttribute('data-column')!, value: Number(e.getAttribute('data-value')), text: e.textContent })),
    );
    expect(cells.map((c) => c.row)).toEqual(LAYERS);
    expect(new Set(cells.map((c) => c.column))).toEqual(new Set(['V1']));

    const ref = await reference;
    for (const c of cells) {
      const r = ref.get(`${c.row}|${c.column}`)!;
      console.log(`${c.row} → ${c.column}: browser ceiled ${c.value.toFixed(5)}, Node ${r.ceiled.toFixed(5)} (raw ${r.raw.toFixed(4)}, ceiling ${r.ceiling.toFixed(4)})`);
      expect(Math.abs(c.value - r.ceiled)).toBeLessThan(1e-3);
      expect(c.text).toContain(c.value.toFixed(2));
    }
    // The best layer (outlined) is the Node reference's best layer.
    const best = await page.locator('[data-plot="predictivity heatmap"] .commitment rect').getAttribute('data-row');
    const nodeBest = LAYERS.reduce((a, b) => (ref.get(`${b}|V1`)!.ceiled > ref.get(`${a}|V1`)!.ceiled ? b : a));
    expect(best).toBe(nodeBest);

    // CSV export of the heatmap's data.
    const heatmapFigure = page.locator('[data-plot="predictivity heatmap"]');
    const [download] = await Promise.all([page.waitForEvent('download'), heatmapFigure.getByRole('button', { name: 'CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('predictivity-heatmap.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true });
    expect(parsed.meta.fields).toEqual(['model', 'layer', 'layerName', 'benchmark', 'benchmarkName', 'region', 'metric', 'raw', 'sem', 'ceiling', 'ceilingSem', 'ceiled']);
    expect(parsed.data.map((r) => r.layer).sort()).toEqual([...LAYERS].sort());
    for (const row of parsed.data) {
      const r = ref.get(`${row.layer}|${row.region}`)!;
      expect(row.model).toBe('builtin:hmax');
      expect(row.metric).toBe('ridge');
      expect(row.benchmark).toMatch(/^synthetic/);
      expect(row.benchmarkName).toContain('Synthetic demo data — not brain data');
      expect(Math.abs(Number(row.raw) - r.raw)).toBeLessThan(1e-3);
      expect(Math.abs(Number(row.ceiling) - r.ceiling)).toBeLessThan(1e-6);
      expect(Math.abs(Number(row.ceiled) - r.ceiled)).toBeLessThan(1e-3);
      expect(Number(row.sem)).toBeGreaterThan(0);
    }

    // SVG export is a standalone document with the scores in it.
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), heatmapFigure.getByRole('button', { name: 'SVG' }).click()]);
    const svg = readFileSync((await svgDownload.path())!, 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('Synthetic demo data — not brain data');
    expect(svg).toMatch(/fill:\s*rgb\(/); // computed styles inlined

    // PNG export: the plot drawn at twice its size.
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), heatmapFigure.getByRole('button', { name: 'PNG' }).click()]);
    const png = PNG.sync.read(readFileSync((await pngDownload.path())!));
    const viewBox = (await heatmapFigure.locator('svg').first().getAttribute('viewBox'))!.split(' ').map(Number);
    expect([png.width, png.height]).toEqual([viewBox[2] * 2, viewBox[3] * 2]);

    await page.evaluate(() => window.scrollTo(0, 0));
    await s.screenshot('predictivity');

    // Other views render.
    await page.getByRole('tab', { name: 'Layer curves' }).click();
    await page.locator('[data-plot="predictivity layer curves"] .series').first().waitFor();
    await page.getByRole('tab', { name: 'Predicted vs measured' }).click();
    await page.locator('[data-plot="predicted vs measured"] .points path').first().waitFor();
    expect(await page.locator('[data-plot="predicted vs measured"] .points path').count()).toBe(120);
    await page.evaluate(() => window.scrollTo(0, 0));
    await s.screenshot('predictivity-scatter');
    await page.getByRole('tab', { name: 'Leaderboard' }).click();
    const boardRow = await page.locator('[data-table="predictivity leaderboard"] tbody tr').first().textContent();
    expect(boardRow).toContain(ref.get(`${nodeBest}|V1`)!.ceiled.toFixed(3)); // best layer's ceiled score
    await page.getByRole('tab', { name: 'Heatmap' }).click();

    // A second run reuses every cached layer.
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-summary').textContent(), { timeout: 60_000 }).toContain('0 layers computed, 3 reused');
    const again = await page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(again).toEqual(cells.map((c) => c.value));

    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('a link reopens the same view: metric, tab, region, layer, neuroid and value from the URL, scores from the cache', async () => {
    // Its own scores: two HMAX layers scored in this test's context (the link's page reads them from its cache).
    const s = await suite.open('/#/predictivity');
    const { page } = s;
    await page.getByTestId('synthetic-label').waitFor({ timeout: 60_000 });
    await chooseHmaxLayers(page, LINK_LAYERS);
    await runScoring(page);
    expect(await page.getByTestId('run-summary').textContent()).toContain(`${LINK_LAYERS.length} layers computed, 0 reused`);
    const ceiledCells = await heatmapCells(page);
    expect(ceiledCells).toHaveLength(LINK_LAYERS.length);

    await page.getByRole('tab', { name: 'Predicted vs measured' }).click();
    const layerSelect = picker(page, 'Layer');
    // A layer other than the preselected best one, the third neuroid, raw scores.
    const current = await layerSelect.inputValue();
    const otherLayer = LINK_LAYERS.find((l) => l !== current)!;
    await layerSelect.selectOption(otherLayer);
    await picker(page, 'Neuroid').selectOption({ index: 2 });
    await picker(page, 'Show').selectOption('raw');
    await expect.poll(async () => (await scatterShown(page)).title).toContain(`from ${otherLayer}`);
    const before = await scatterShown(page);
    expect(before.points).toHaveLength(120);

    const hash = await page.evaluate(() => location.hash);
    const { route, state } = parseHash(hash);
    expect(route).toBe('/predictivity');
    expect(state).toEqual({ benchmark: 'synthetic-demo', metric: 'ridge', view: 'scatter', model: 'builtin:hmax', value: 'raw', region: 'V1', layer: otherLayer, neuroid: '2' });

    const link = await openLink(s, `${suite.server.url}/${hash}`);
    const p2 = link.page;
    try {
      await p2.locator('[data-plot="predicted vs measured"] .points path').first().waitFor({ timeout: 120_000 });
      expect(await p2.getByRole('tab', { name: 'Predicted vs measured' }).getAttribute('aria-selected')).toBe('true');
      expect(await picker(p2, 'Region').inputValue()).toBe('V1');
      expect(await picker(p2, 'Layer').inputValue()).toBe(otherLayer);
      expect(await picker(p2, 'Neuroid').inputValue()).toBe('2');
      expect(await picker(p2, 'Show').inputValue()).toBe('raw');
      expect(await p2.getByRole('radio', { name: /Ridge regression/ }).isChecked()).toBe(true);
      // Same points, drawn from the cached scores: nothing ran.
      expect(await scatterShown(p2)).toEqual(before);
      expect(await p2.getByTestId('run-summary').count()).toBe(0);
      expect(await p2.getByTestId('link-note').count()).toBe(0);
      expect(await p2.locator('.setup').textContent()).toContain(`Showing ${LINK_LAYERS.length} layers of scores cached in this browser`);
      await p2.evaluate(() => window.scrollTo(0, 0));
      await p2.screenshot({ path: join(SCREENSHOTS, 'predictivity-link.png') });

      // The restored page keeps the URL in step: back to ceiled scores on the heatmap, same numbers as the first page.
      await picker(p2, 'Show').selectOption('ceiled');
      await p2.getByRole('tab', { name: 'Heatmap' }).click();
      await expect.poll(() => heatmapCells(p2)).toEqual(ceiledCells);
      expect(parseHash(await p2.evaluate(() => location.hash)).state).toEqual({ benchmark: 'synthetic-demo', metric: 'ridge', view: 'heatmap', model: 'builtin:hmax', value: 'ceiled' });
      expect(link.errors).toEqual([]);
    } finally {
      await p2.close();
    }
  });

  test('importing a bundle: a broken one shows a clear error, a valid one becomes selectable; Cancel stops a run', async () => {
    const s = await suite.open('/#/predictivity');
    const { page } = s;
    const dir = mkdtempSync(join(tmpdir(), 'silico-bundle-'));
    const good = syntheticBundle({ stimuli: 30, neuroids: 4, seed: 7 });
    const bad = new Map(good);
    bad.set('responses_V1.npy', readFileSync(DIST_INDEX)); // not an .npy file
    writeFileSync(join(dir, 'bad.zip'), zipBundle(bad));
    writeFileSync(join(dir, 'good.zip'), zipBundle(good));

    await page.getByText('Import a benchmark bundle…').click();
    const picker = page.locator('input[type=file][accept=".zip"]');
    await picker.setInputFiles(join(dir, 'bad.zip'));
    const banner = page.getByTestId('error-banner');
    await expect.poll(() => banner.textContent()).toMatch(/responses_V1\.npy/);
    await page.getByRole('button', { name: 'Dismiss message' }).click();

    await picker.setInputFiles(join(dir, 'good.zip'));
    await expect.poll(() => page.getByTestId('benchmark-select').inputValue()).toBe('synthetic-gratings-7');
    await expect.poll(() => page.locator('.setup').textContent()).toContain('30 stimuli');
    expect(await page.getByTestId('benchmark-select').locator('option:checked').textContent()).toContain('Synthetic demo data — not brain data');

    // Cancel at a known point: the moment the run shows its first progress (before any layer is recorded), the
    // page itself clicks Cancel (a MutationObserver, no round trip to the test), so however fast this machine
    // scores, the run stops with nothing computed.
    await chooseHmaxLayers(page, LAYERS);
    await page.getByRole('radio', { name: /PLS/ }).check();
    await page.evaluate(() => {
      const observer = new MutationObserver(() => {
        const cancel = document.querySelector<HTMLButtonElement>('[data-testid="lab-busy"] [data-testid="cancel"]');
        if (cancel && document.querySelector('[role="progressbar"]')) {
          observer.disconnect();
          cancel.click();
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    await page.getByTestId('run').click();
    await expect.poll(() => banner.textContent(), { timeout: 60_000 }).toContain('Cancelled');
    await page.getByTestId('run').waitFor();
    // The stopped run says so: its summary counts what was asked for, and the results are marked partial.
    expect(await page.getByTestId('run-summary').textContent()).toMatch(/^\s*Stopped: 0 layers computed, 0 reused from the cache, of 3 asked for\./);
    expect(await page.getByTestId('partial-note').textContent()).toContain('Run cancelled');
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('a link with an unknown benchmark, model and metric says what is missing, uses nothing in its place, no error', async () => {
    const link = await suite.open(`/#/predictivity?benchmark=not-in-this-browser&metric=foo&view=nonsense&neuroid=-1&model=cache%3Anope`);
    const p2 = link.page;
    try {
      await expect.poll(() => p2.getByTestId('link-note').allTextContents(), { timeout: 60_000 }).toEqual([
        'This link\'s benchmark “not-in-this-browser” is not in this browser; import it first.',
        'This link\'s model “cache:nope” is not in this browser; add it on the Models page first.',
      ]);
      // No other benchmark is used in its place: nothing selected, nothing to run yet.
      expect(await p2.getByTestId('synthetic-label').count()).toBe(0);
      expect(await p2.getByRole('radio', { name: /Ridge regression/ }).isChecked()).toBe(true);
      await p2.getByText('No scores yet.').waitFor();
      expect(await p2.getByTestId('error-banner').count()).toBe(0);
      await p2.locator('summary', { hasText: 'HMAX' }).waitFor({ timeout: 120_000 });
      expect(await p2.getByTestId('run').isDisabled()).toBe(true);
      await p2.screenshot({ path: join(SCREENSHOTS, 'predictivity-link-unknown.png') });
      // The URL changes only when the user changes a setting; then it holds what the page shows, not the link's invalid values.
      await p2.getByTestId('benchmark-select').selectOption('synthetic-demo');
      await p2.getByTestId('synthetic-label').waitFor({ timeout: 60_000 });
      await p2.getByRole('radio', { name: /RSA/ }).check();
      await expect.poll(async () => parseHash(await p2.evaluate(() => location.hash)).state).toEqual({ benchmark: 'synthetic-demo', metric: 'rsa', view: 'heatmap', model: 'builtin:hmax' });
      expect(link.errors).toEqual([]);
    } finally {
      await p2.close();
    }
  });

  test('Microstimulation and Language links preselect their settings; layer and site apply once the model and sheet exist', async () => {
    const ms = await suite.open(`/#/microstim?model=builtin%3Ahmax&layer=C1&perCategory=4&site=5&current=75&frequency=100&duration=30&selective=3&controls=2&currents=0%2C40&bogus=1&images=camera`);
    const m = ms.page;
    try {
      const perCategory = m.locator('input[type=number][min="2"][max="64"]');
      await expect.poll(() => perCategory.inputValue(), { timeout: 30_000 }).toBe('4');
      expect(await m.getByTestId('model-select').inputValue()).toBe('builtin:hmax');
      await m.getByTestId('load-model').click();
      await m.getByTestId('model-loaded').waitFor({ timeout: 120_000 });
      expect(await m.getByTestId('layer-select').inputValue()).toBe('C1'); // not the default layer
      await m.getByTestId('build-sheet').click();
      await m.getByTestId('sheet-ready').waitFor({ timeout: 180_000 });
      expect(await m.getByTestId('site').inputValue()).toBe('5');
      expect(await m.getByTestId('current').inputValue()).toBe('75');
      expect(await m.getByTestId('sweep-selective').inputValue()).toBe('3');
      expect(await m.getByTestId('dose-currents').inputValue()).toBe('0, 40');
      await m.getByTestId('current').fill('80');
      await expect.poll(async () => parseHash(await m.evaluate(() => location.hash)).state, { timeout: 30_000 }).toEqual({
        model: 'builtin:hmax', layer: 'C1', images: expect.not.stringMatching(/^camera$/), perCategory: '4', site: '5', current: '80', frequency: '100', duration: '30', selective: '3', controls: '2', currents: '0, 40', bogus: '1',
      });
      expect(ms.errors).toEqual([]);
    } finally {
      await m.close();
    }

    const lang = await suite.open(`/#/language?model=builtin%3Amini&sentences=120&minWords=4&maxWords=12&novelOnly=no&goal=suppress&steps=7&maxSurprisal=12.5&layer=h.1`);
    const l = lang.page;
    try {
      const sentences = l.locator('label', { hasText: 'Sentences' }).locator('input[type=number]');
      await expect.poll(() => sentences.inputValue(), { timeout: 30_000 }).toBe('120');
      expect(await l.getByTestId('lm-select').inputValue()).toBe('builtin:mini');
      // The search and pool settings wait in the page (their fields appear after a fit) and stay in the link.
      await sentences.fill('160');
      // The address is written once the link is applied, which waits for the model cache to be listed.
      await expect.poll(async () => parseHash(await l.evaluate(() => location.hash)).state, { timeout: 30_000 }).toEqual({
        model: 'builtin:mini', sentences: '160', layer: 'h.1', minWords: '4', maxWords: '12', novelOnly: 'no', goal: 'suppress', steps: '7', maxSurprisal: '12.5',
      });
      expect(lang.errors).toEqual([]);
    } finally {
      await l.close();
    }
  });
});
