/**
 * Language lab end to end in headless Chromium (built app, WASM): the built-in tiny untrained GPT-2, the real
 * GPT-2 tokenizer loaded through the page's file input, synthetic ground truth → layer sweep → encoding model →
 * pool ranking → a short generative search → CSV export. The r values shown must equal the core functions'
 * (src/core/language/*) on features recorded in Node with onnxruntime-node. Then the run is saved to the notebook
 * and re-opened from the Notebook page in a fresh page (no model loaded): the same numbers and sentences come back.
 * Finally the lab's worker bundle itself (as the bench drives it) returns the same per-sentence features and surprisal
 * as its engine on onnxruntime-node: the worker hands the weights to onnxruntime-web as external data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server';
import { launchBrowser, openPage, SCREENSHOTS, type BrowserSession, hasDist, DIST } from '../support/browser';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';
import { buildGpt2Model, gpt2Layers, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { syntheticResponses } from '../../src/core/language/synthetic';
import { brainScoreRidge } from '../../src/core/language/benchmarks';
import { shuffleSplits } from '../../src/core/metrics/splits';
import { loadBuiltinGlove } from '../../src/core/language/assets-node';
import { SentenceEngine } from '../../src/core/language/sentence-engine';
import { templateSentences } from '../../src/core/language/demo-pool';
import type { OrtModule } from '../../src/core/engine';
import { openLanguageBench } from '../../tools/bench/web';

const require = createRequire(import.meta.url);
const ortNode = require('onnxruntime-node') as OrtModule;

const TOKENIZER = sharedPath('models/gpt2-tokenizer/tokenizer.json');
const SENTENCES = 120;

if (!hasShared) console.warn(NO_SHARED);

/** What the page shows of a run: the layer table, the fit, the sentence lists (with ticks) and the exported stimuli. */
async function shownResults(page: Page) {
  const list = (id: string) =>
    page.locator(`[data-testid="${id}"] li`).evaluateAll((lis) => lis.map((li) => [li.textContent, li.getAttribute('data-prediction'), li.querySelector('input')?.checked]));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-stimuli').click()]);
  return {
    table: await page.getByTestId('table-ready').textContent(),
    pool: await page.getByTestId('pool').inputValue(),
    layers: await page.locator('[data-testid="layer-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-layer'), tr.getAttribute('data-r'), tr.textContent, tr.className])),
    encoding: await page.getByTestId('encoding-ready').textContent(),
    drive: await list('drive-list'),
    suppress: await list('suppress-list'),
    leaderboard: await list('leaderboard'),
    stimuliCsv: readFileSync((await download.path())!, 'utf8'),
  };
}

describeIf(hasShared && hasDist, 'Language lab (browser)', () => {
  let server: TestServer;
  let browser: Browser;
  let s: BrowserSession;

  beforeAll(async () => {
    server = await startServer({ distDir: DIST });
    browser = await launchBrowser();
    s = await openPage(browser, `${server.url}/#/language`);
  });
  afterAll(async () => {
    await s?.close();
    await browser?.close();
    await server?.close();
  });

  it('sweeps layers, ranks a pool and exports the chosen stimuli', async () => {
    const { page } = s;
    await page.getByTestId('lm-select').selectOption('builtin:tiny');
    await page.getByTestId('load-lm').click();
    await page.getByTestId('lm-loaded').waitFor({ timeout: 120_000 });
    // GPT-2's tokenizer ships with the app: ready with the model, no file needed.
    await page.getByTestId('tokenizer-loaded').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('tokenizer-loaded').textContent()).toContain('built in');
    // A user may still load another one.
    await page.getByTestId('tokenizer-file').setInputFiles(TOKENIZER);
    await expect.poll(() => page.getByTestId('tokenizer-loaded').textContent()).toContain('tokenizer.json');
    await page.getByTestId('tokenizer-loaded').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('tokenizer-loaded').textContent()).toContain('50,257');

    await page.getByLabel('Sentences', { exact: true }).fill(String(SENTENCES));
    await page.getByTestId('generate-synthetic').click();
    await page.getByTestId('table-ready').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('table-ready').textContent()).toContain('SYNTHETIC');

    await page.getByTestId('run-layer-sweep').click();
    await page.getByTestId('layer-table').waitFor({ timeout: 180_000 });
    const shown = await page.locator('[data-testid="layer-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ layer: tr.getAttribute('data-layer')!, r: Number(tr.getAttribute('data-r')) })),
    );

    // Reference: the same features and scores in Node (onnxruntime-node + the core functions).
    const size = GPT2_SIZES.tiny;
    const layers = gpt2Layers(size.nLayer).filter((l) => ['embedding', 'residual', 'norm'].includes(l.kind));
    const engine = await SentenceEngine.create(ortNode, buildGpt2Model({ ...size, seed: 0, extraOutputs: layers.map((l) => l.tensor) }), 50257);
    const tokenizer = loadTokenizer(readFileSync(TOKENIZER, 'utf8'));
    const sentences = templateSentences(SENTENCES, 1);
    const f = await engine.features(tokenizer, sentences, layers.map((l) => l.tensor));
    await engine.dispose();
    const source = layers.filter((l) => l.kind === 'residual')[0];
    const truth = syntheticResponses(sentences, { rows: f.n, cols: f.features[source.tensor].width, data: f.features[source.tensor].data }, { seed: 1, targetR: 0.7, participants: 6 });
    // The lab's recipe (Brain-Score Tuckute2024): 10 shuffle splits 90/10 (seed 1), z-scored features, RidgeCV over logspace(-3, 3, 7).
    const splits = shuffleSplits(f.n, { splits: 10, trainSize: 0.9, seed: 1 });
    const ref = layers.map((l) => ({ layer: l.tensor, r: brainScoreRidge({ dims: [f.n, f.features[l.tensor].width], data: f.features[l.tensor].data }, truth.table.response, { splits, standardize: true }).score }));
    expect(shown.map((x) => x.layer)).toEqual(ref.map((x) => x.layer));
    shown.forEach((x, i) => {
      console.log(`${x.layer}: page r ${x.r.toFixed(4)} vs node ${ref[i].r.toFixed(4)}`);
      expect(x.r).toBeCloseTo(ref[i].r, 3);
    });
    // The layer the ground truth came from predicts best.
    const best = shown.reduce((b, x) => (x.r > b.r ? x : b));
    expect(best.layer).toBe(source.tensor);

    await page.getByTestId('fit-encoding').click();
    await page.getByTestId('encoding-ready').waitFor({ timeout: 60_000 });

    await page.getByTestId('rank-pool').click();
    await page.locator('[data-testid="drive-list"] li').first().waitFor({ timeout: 120_000 });
    const drive = await page.locator('[data-testid="drive-list"] li').evaluateAll((lis) => lis.map((li) => ({ text: li.querySelector('.sentence')!.textContent!, p: Number(li.getAttribute('data-prediction')) })));
    const suppress = await page.locator('[data-testid="suppress-list"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-prediction'))));
    expect(drive.length).toBe(10);
    for (let i = 1; i < drive.length; i++) expect(drive[i].p).toBeLessThanOrEqual(drive[i - 1].p);
    expect(Math.min(...drive.map((d) => d.p))).toBeGreaterThan(Math.max(...suppress));

    // Short generative search: the leaderboard fills and the search can be resumed.
    await page.getByLabel('Steps', { exact: true }).fill('2');
    await page.getByTestId('start-search').click();
    await page.locator('[data-testid="leaderboard"] li').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('start-search').waitFor({ state: 'visible' });
    await expect.poll(() => page.getByTestId('start-search').isEnabled(), { timeout: 120_000 }).toBe(true);

    // Choose the top two drive sentences and export them.
    await page.locator('[data-testid="drive-list"] li input[type=checkbox]').nth(0).check();
    await page.locator('[data-testid="drive-list"] li input[type=checkbox]').nth(1).check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-stimuli').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true });
    expect(parsed.meta.fields).toEqual(['sentence', 'predicted_response', 'mean_surprisal_bits', 'words', 'source', 'model', 'layer', 'synthetic_data']);
    expect(parsed.data.map((r) => r.sentence)).toEqual([drive[0].text, drive[1].text]);
    parsed.data.forEach((r, i) => {
      expect(Number(r.predicted_response)).toBeCloseTo(drive[i].p, 9);
      expect(Number(r.mean_surprisal_bits)).toBeGreaterThan(0);
      expect(r.synthetic_data).toBe('yes');
    });

    await page.getByRole('heading', { name: /3 · Which layer/ }).evaluate((el) => el.closest('.lab')!.scrollIntoView({ block: 'start' }));
    await s.screenshot('language');
    await page.screenshot({ path: resolve(SCREENSHOTS, 'language-full.png'), fullPage: true });
    expect(s.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });

  it('saves the run to the notebook and re-opens the same results without the model', async () => {
    const { page } = s;
    // The pool as typed is saved too (a reload alone would show the default pool).
    const pool = page.getByTestId('pool');
    await pool.fill(`${await pool.inputValue()}\nA sentence typed just before saving.`);
    const before = await shownResults(page);
    expect(before.layers.length).toBeGreaterThan(2);
    expect(before.drive.filter((d) => d[2])).toHaveLength(2); // the two ticked sentences

    await page.getByTestId('save-experiment').click();
    await expect.poll(() => page.getByTestId('saved-experiment').textContent()).toMatch(/Saved “.*tiny.* · synthetic ground truth · encoding model at .*”/);
    await page.getByTestId('saved-experiment').getByRole('link', { name: 'Notebook' }).click();
    const row = page.locator('[data-testid=experiment-list] tbody tr', { hasText: 'synthetic ground truth' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.badge.synthetic').count()).toBe(1);
    await row.getByTestId('reopen').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/language\?exp=exp-/);
    // A fresh page from the link: a new worker with no model or tokenizer, so what shows comes from the notebook.
    await page.reload();
    await page.getByTestId('saved-banner').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('saved-banner').textContent()).toContain('synthetic demo data');
    expect(await page.getByTestId('lm-loaded').count()).toBe(0);
    expect(await page.getByTestId('saved-setup').textContent()).toMatch(/Model GPT-2 .*tiny.* · tokenizer .*tokenizer.* · /);
    await page.getByTestId('layer-table').waitFor();
    expect(await shownResults(page)).toEqual(before);
    for (const id of ['run-layer-sweep', 'fit-encoding', 'rank-pool', 'start-search']) expect(await page.getByTestId(id).isDisabled()).toBe(true);
    await page.getByTestId('saved-banner').scrollIntoViewIfNeeded();
    await s.screenshot('language-reopened', true);

    await page.getByTestId('live-session').click();
    await expect.poll(() => page.getByTestId('layer-table').count()).toBe(0);
    expect(await page.evaluate(() => location.hash)).toBe('#/language');
    expect(s.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});

describeIf(hasShared && hasDist, 'Language lab on the Tuckute baseline with the built-in GloVe (browser)', () => {
  it('loads the catalog dataset through the mirror, sweeps the GloVe representations like Node, overlays nothing GPT-specific', async () => {
    const server = await startServer({ distDir: DIST });
    const browser = await launchBrowser();
    const s = await openPage(browser, `${server.url}/?mirror=${encodeURIComponent(server.mirror)}#/language`);
    try {
      const { page } = s;
      // The lab opens on the real baseline data (reachable through the mirror).
      await page.getByTestId('table-ready').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('table-ready').textContent()).toContain('1000 sentences');
      await page.getByTestId('lm-select').selectOption('glove');
      await page.getByTestId('load-lm').click();
      await page.getByTestId('lm-loaded').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('lm-loaded').textContent()).toContain('GloVe 6B 100-d: trained word vectors, no word order');
      await page.getByTestId('run-layer-sweep').click();
      await page.getByTestId('layer-table').waitFor({ timeout: 300_000 });
      const shown = await page.locator('[data-testid="layer-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => ({ layer: tr.getAttribute('data-layer')!, r: Number(tr.getAttribute('data-r')) })));
      const { parseSentenceResponses } = await import('../../src/core/language/benchmarks');
      const data = parseSentenceResponses(readFileSync(sharedPath('data/language/tuckute2024/baseline_responses.csv'), 'utf8'));
      const glove = await loadBuiltinGlove();
      const f = glove.represent(data.sentences);
      const node = brainScoreRidge({ dims: [1000, f.dims], data: f.features }, data.response, { standardize: true }).score;
      const page1 = shown.find((x) => x.layer === 'glove:mean+lexical')!;
      console.log(`glove mean+lexical: page r ${page1.r.toFixed(4)} vs node ${node.toFixed(4)}`);
      expect(page1.r).toBeCloseTo(node, 4);
      expect(page1.r).toBeGreaterThan(0.3);

      // Fit at the default representation, then the property analysis (model fluency vs response) and the localizer.
      await page.getByTestId('fit-layer').selectOption('glove:mean+lexical');
      await page.getByTestId('fit-encoding').click();
      await page.getByTestId('encoding-ready').waitFor({ timeout: 300_000 });
      await page.getByTestId('run-analysis').click();
      await page.getByTestId('property-table').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('property-table').textContent()).toContain('Zipf unigram surprisal');
      await page.getByTestId('run-localizer').click();
      await page.getByTestId('localizer-result').waitFor({ timeout: 300_000 });
      expect(await page.getByTestId('localizer-result').textContent()).toMatch(/10 of 103 units selective/);

      // Rank a real pool (Pereira 2018's sentences, through the catalog), then drive and suppress side by side.
      await page.getByTestId('pool-pereira2018').click();
      await expect.poll(() => page.getByTestId('pool').inputValue(), { timeout: 120_000 }).toContain('A banana is a long fruit');
      await page.getByTestId('rank-pool').click();
      await page.locator('[data-testid="drive-list"] li').first().waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('fluency-constraint').textContent()).toContain('proxy');
      await page.getByLabel('Steps', { exact: true }).fill('2');
      await page.getByTestId('search-both').click();
      await expect.poll(() => page.getByTestId('search-status-suppress').textContent(), { timeout: 300_000 }).toContain('finished');
      await expect.poll(() => page.getByTestId('search-both').isEnabled(), { timeout: 60_000 }).toBe(true);
      expect(await page.getByTestId('search-status-drive').textContent()).toContain('finished');
      const drive = await page.locator('[data-testid="leaderboard-drive"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-prediction'))));
      const suppress = await page.locator('[data-testid="leaderboard"] li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-prediction'))));
      expect(Math.min(...drive)).toBeGreaterThan(Math.max(...suppress));
      await s.screenshot('language-glove-tuckute');
      expect(s.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      await s.close();
      await browser.close();
      await server.close();
    }
  });
});

describeIf(hasShared && hasDist, 'Language lab worker (browser)', () => {
  it('computes the same sentence features and surprisal as the engine on onnxruntime-node', async () => {
    const lab = await openLanguageBench(DIST);
    try {
      const size = GPT2_SIZES.tiny;
      const layers = gpt2Layers(size.nLayer).filter((l) => ['embedding', 'residual', 'norm'].includes(l.kind)).map((l) => l.tensor);
      const lm = await lab.load({ kind: 'builtin', size: 'tiny' }, readFileSync(TOKENIZER, 'utf8'));
      expect(lm.layers).toEqual(layers);
      const sentences = templateSentences(10, 7);
      const page = await lab.features(sentences, 1);

      const engine = await SentenceEngine.create(ortNode, buildGpt2Model({ ...size, seed: 0, extraOutputs: layers }), 50257);
      const node = await engine.features(loadTokenizer(readFileSync(TOKENIZER, 'utf8')), sentences, layers);
      await engine.dispose();
      for (const layer of layers) {
        const ref = node.features[layer].data;
        expect(page.features[layer]).toHaveLength(ref.length);
        const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const diff = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - page.features[layer][i])), 0);
        console.log(`${layer}: max |page - node| ${diff.toExponential(2)} (max |value| ${scale.toFixed(3)})`);
        expect(scale).toBeGreaterThan(0.1);
        expect(diff).toBeLessThan(1e-5 * Math.max(1, scale));
      }
      page.surprisal.forEach((bits, i) => expect(bits).toBeCloseTo(node.surprisal[i], 4));
    } finally {
      await lab.close();
    }
  });
});
