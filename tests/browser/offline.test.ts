/**
 * Offline PWA, end to end in the built app: the service worker precaches the shell, workers and /ort/
 * WASM; with the server stopped and the context offline, a reload still opens the app and a Predictivity
 * run (built-in HMAX × synthetic demo benchmark, ridge, recomputed from scratch) gives the same scores
 * as the run made online. Then presentation mode on those plots (p, arrows, Esc) with a screenshot.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server';
import { DIST, hasDist, launchBrowser, openPage, type BrowserSession } from '../support/browser';
import { describeIf, prerequisite } from '../support/ci';

const SW = resolve(DIST, 'sw.js');
/** Only the cheapest HMAX layer, to keep the two runs short. */
const LAYER = 'C2';

function precacheList(): string[] {
  const src = readFileSync(SW, 'utf8');
  const m = /const PRECACHE_URLS = (\[[\s\S]*?\]);/.exec(src);
  return JSON.parse(m![1]) as string[];
}

async function runHmaxC2(page: Page): Promise<{ row: string; column: string; value: number }[]> {
  await expect.poll(() => page.getByTestId('synthetic-label').textContent(), { timeout: 60_000 }).toContain('Synthetic demo data');
  const summary = page.locator('summary', { hasText: 'HMAX' });
  await summary.waitFor({ timeout: 120_000 });
  await summary.click();
  for (const other of ['S1', 'C1', 'S2']) await page.getByRole('checkbox', { name: other, exact: true }).uncheck();
  await expect.poll(() => summary.textContent()).toContain('1 of 4 layers');
  await page.getByTestId('run').click();
  await page.getByTestId('run-summary').waitFor({ timeout: 300_000 });
  expect(await page.getByTestId('run-summary').textContent()).toContain('1 layer computed, 0 reused');
  return page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) =>
    els.map((e) => ({ row: e.getAttribute('data-row')!, column: e.getAttribute('data-column')!, value: Number(e.getAttribute('data-value')) })),
  );
}

// Under CI a build without its service worker fails here instead of skipping (tests/support/ci.ts).
describeIf(hasDist && prerequisite('Service worker in the build', existsSync(SW) ? null : `${SW} not found`, 'Build the app with npx vite build.'), 'offline PWA', () => {
  let server: TestServer;
  let browser: Browser;
  let s: BrowserSession;

  beforeAll(async () => {
    server = await startServer({ distDir: DIST });
    browser = await launchBrowser();
    s = await openPage(browser, `${server.url}/#/predictivity`);
  });
  afterAll(async () => {
    await s?.close();
    await browser?.close();
    await server?.close().catch(() => {});
  });

  test('after one visit the app reloads and runs a Predictivity job with the network off', async () => {
    const { page, context } = s;
    // The manifest is linked and valid.
    const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = await page.evaluate(async (href) => (await fetch(href!)).json(), manifestHref);
    expect(manifest).toMatchObject({ short_name: 'Silico', display: 'standalone', start_url: '/#/' });
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));

    // The service worker takes control once everything is precached.
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: 120_000 });
    const expected = precacheList();
    expect(expected).toEqual(expect.arrayContaining(['/index.html', '/ort/ort-wasm-simd-threaded.jsep.wasm', '/ort/ort-wasm-simd-threaded.wasm']));
    expect(expected.some((u) => /^\/assets\/model\.worker-.*\.js$/.test(u))).toBe(true);
    const cached = await page.evaluate(async () => {
      const key = (await caches.keys()).find((k) => k.startsWith('silico-precache-'))!;
      const reqs = await (await caches.open(key)).keys();
      return reqs.map((r) => new URL(r.url).pathname);
    });
    expect(new Set(cached)).toEqual(new Set(expected));

    const online = await runHmaxC2(page);
    expect(online.map((c) => c.row)).toEqual([LAYER]);
    expect(online.map((c) => c.column)).toEqual(['V1']);
    expect(Number.isFinite(online[0].value)).toBe(true);

    // Network off: the server is gone and the context is offline.
    await server.close();
    await context.setOffline(true);
    const direct = await page.evaluate(async (url) => fetch(`${url}/definitely-not-cached.txt`).then(() => 'reached', () => 'failed'), server.url);
    expect(direct).toBe('failed');

    await page.reload();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true); // cached index.html kept COOP/COEP
    await page.getByRole('heading', { name: 'Predictivity lab' }).waitFor({ timeout: 60_000 });
    // Recompute from scratch, not from the score cache.
    await page.getByRole('button', { name: 'Clear cached scores' }).click();
    const offline = await runHmaxC2(page);
    expect(offline.map((c) => [c.row, c.column])).toEqual(online.map((c) => [c.row, c.column]));
    for (let i = 0; i < online.length; i++) expect(Math.abs(offline[i].value - online[i].value)).toBeLessThan(1e-6);
    console.log(`offline ${LAYER}→V1 ceiled ${offline[0].value.toFixed(5)}, online ${online[0].value.toFixed(5)}`);

    // Presentation mode on the results: p enters, arrows move between plots (across the result tabs), Esc exits.
    await page.locator('main h1').click(); // focus outside form fields, where p is a shortcut
    await page.keyboard.press('p');
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('presenting'))).toBe(true);
    const shown = () => page.locator('[data-present-current]').evaluate((e) => e.getAttribute('data-plot') ?? e.getAttribute('data-table'));
    expect(await shown()).toBe('predictivity heatmap');
    expect(await page.getByTestId('present-position').textContent()).toMatch(/View 1 of 6\s+· Heatmap/);
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.getByTestId('present-hud').isVisible()).toBe(true);
    const box = await page.locator('[data-present-current] svg').boundingBox();
    expect(box!.width).toBeGreaterThan(900); // fills the 1280-px-wide screen, not the 800-px plot
    await s.screenshot('present-heatmap');
    await page.keyboard.press('ArrowRight');
    await expect.poll(shown).toBe('predictivity layer curves');
    expect(await page.getByTestId('present-position').textContent()).toMatch(/View 2 of 6\s+· Layer curves/);
    await s.screenshot('present-curves');
    await page.keyboard.press('ArrowRight');
    await expect.poll(shown).toBe('layer commitment');
    await s.screenshot('present-table');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(shown).toBe('predictivity layer curves');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(shown).toBe('predictivity heatmap');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('presenting'))).toBe(false);
    expect(await page.locator('[data-present-current]').count()).toBe(0);
    expect(await page.locator('header.top').isVisible()).toBe(true);

    // Save the run to the notebook (still offline), then re-open it from there: same scores on the heatmap.
    await page.getByTestId('save-experiment').click();
    await expect.poll(() => page.getByTestId('saved-experiment').textContent()).toContain('Saved');
    await page.goto(`${server.url}/#/notebook`);
    const row = page.locator('[data-testid=experiment-list] tbody tr');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.textContent()).toMatch(/HMAX.*synthetic.*Predictivity.*builtin:hmax/);
    await row.getByTestId('reopen').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/predictivity\?exp=exp-/);
    await page.locator('[data-plot="predictivity heatmap"] g.cell').first().waitFor({ timeout: 60_000 });
    const reopened = await page.locator('[data-plot="predictivity heatmap"] g.cell').evaluateAll((els) =>
      els.map((e) => ({ row: e.getAttribute('data-row')!, column: e.getAttribute('data-column')!, value: Number(e.getAttribute('data-value')) })),
    );
    expect(reopened).toEqual(offline);

    const errors = s.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(e));
    expect(errors, s.log.join('\n')).toEqual([]);
  });
});
