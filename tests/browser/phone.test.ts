/**
 * The app on a phone (390 × 844) and on a desktop: one column, full-width plots and a collapsing menu on
 * the phone; the Copy link button and the offline indicator. Screenshots go to test-results/screenshots
 * (phone-*.png, desktop-*.png) and are meant to be looked at.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipBundle } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server';
import { SCREENSHOTS, hasDist, launchBrowser } from '../support/browser';
import { describeIf } from '../support/ci';

const PHONE = { width: 390, height: 844 };

interface Session {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A fresh context (own storage) at `viewport`, recording page errors. */
async function open(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<Session> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page, errors };
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** Widest content of the page: more than the viewport means sideways scrolling. */
const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describeIf(hasDist, 'phone and desktop layout', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('phone, 390 px: collapsing menu, one column, full-width plots, progress in the results', async () => {
    const { context, page, errors } = await open(browser, `${server.url}/#/predictivity`, PHONE);
    try {
      const nav = page.locator('#main-nav');
      const toggle = page.getByTestId('menu-toggle');
      await toggle.waitFor();
      expect(await nav.isVisible()).toBe(false);
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');

      // One column: the setup above the results, each nearly the screen's width.
      await page.locator('summary', { hasText: 'HMAX' }).waitFor({ timeout: 120_000 });
      const setup = (await page.locator('form.setup').boundingBox())!;
      const results = (await page.locator('.results').boundingBox())!;
      expect(results.y).toBeGreaterThanOrEqual(setup.y + setup.height - 1);
      for (const box of [setup, results]) {
        expect(box.width).toBeGreaterThan(PHONE.width * 0.88);
        expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      }
      expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await shot(page, 'phone-predictivity');

      // The menu opens as a column of links and closes on navigation.
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      const links = nav.getByRole('link');
      expect(await links.count()).toBeGreaterThanOrEqual(7);
      const boxes = await Promise.all((await links.all()).map((l) => l.boundingBox()));
      for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.y).toBeGreaterThan(boxes[i - 1]!.y); // stacked
      await shot(page, 'phone-menu-open');
      await nav.getByRole('link', { name: 'Models' }).click();
      await expect.poll(() => nav.isVisible()).toBe(false);
      await page.goBack();
      await page.locator('summary', { hasText: 'HMAX' }).waitFor({ timeout: 120_000 });

      // A run: progress and Cancel show in the results pane, then the heatmap fills the width.
      await page.getByTestId('run').click();
      const progress = page.getByRole('progressbar', { name: 'Scoring progress' });
      await progress.waitFor({ timeout: 60_000 }).catch(() => undefined); // a fast run may finish first
      if (await progress.isVisible()) {
        // In the results pane (not in the setup), and on screen: the page scrolls to it.
        expect(await progress.evaluate((el) => !!el.closest('.lab-results') && !el.closest('form.setup'))).toBe(true);
        const p = (await progress.boundingBox())!;
        expect(p.y + p.height).toBeLessThanOrEqual(PHONE.height);
        expect(p.y).toBeGreaterThanOrEqual(0);
        await shot(page, 'phone-progress');
      }
      const heatmap = page.locator('[data-plot="predictivity heatmap"] svg');
      await heatmap.locator('g.cell').first().waitFor({ timeout: 180_000 });
      const resultsNow = (await page.locator('.results').boundingBox())!;
      const plot = (await heatmap.boundingBox())!;
      expect(plot.width).toBeGreaterThan(resultsNow.width * 0.85);
      expect(plot.x + plot.width).toBeLessThanOrEqual(PHONE.width);
      await page.getByRole('tab', { name: 'Layer curves' }).click();
      const curves = (await page.locator('[data-plot="predictivity layer curves"] svg').boundingBox())!;
      expect(curves.width).toBeGreaterThan(resultsNow.width * 0.85);
      expect(curves.x + curves.width).toBeLessThanOrEqual(PHONE.width);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
      await page.locator('.results').scrollIntoViewIfNeeded();
      await page.evaluate(() => document.querySelector('.results')!.scrollIntoView());
      await shot(page, 'phone-predictivity-results');
      await shot(page, 'phone-predictivity-full', true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('desktop: menu always shown, Copy link copies the address of the view, offline indicator', async () => {
    const { context, page, errors } = await open(browser, `${server.url}/#/predictivity?metric=ridge&view=curves`, { width: 1280, height: 720 });
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      expect(await page.locator('#main-nav').isVisible()).toBe(true);
      expect(await page.getByTestId('menu-toggle').isVisible()).toBe(false);

      await page.locator('summary', { hasText: 'HMAX' }).waitFor({ timeout: 120_000 });
      await page.getByTestId('copy-link').click();
      await expect.poll(() => page.getByTestId('copy-link').textContent()).toContain('Link copied');
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied).toBe(await page.evaluate(() => location.href));
      expect(copied).toContain('#/predictivity?');
      expect(copied).toContain('view=curves');

      expect(await page.getByTestId('offline-indicator').count()).toBe(0);
      await context.setOffline(true);
      await page.getByTestId('offline-indicator').waitFor();
      expect(await page.getByTestId('offline-indicator').textContent()).toBe('Offline');
      await shot(page, 'desktop-offline');
      await context.setOffline(false);
      await expect.poll(() => page.getByTestId('offline-indicator').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('no page scrolls sideways on a phone (every menu entry, 390 px)', async () => {
    const { context, page, errors } = await open(browser, `${server.url}/#/`, PHONE);
    try {
      const wide: string[] = [];
      for (const route of ['/', '/models', '/data', '/record', '/predictivity', '/microstim', '/language', '/report', '/notebook']) {
        await page.goto(`${server.url}/#${route}`);
        await page.locator('h1').first().waitFor();
        await page.waitForTimeout(500);
        const width = await scrollWidth(page);
        if (width > PHONE.width) {
          // Name the widest elements so a failure says what to fix.
          const culprits = await page.evaluate((w) => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > w + 1)
            .slice(0, 3)
            .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}`), PHONE.width);
          wide.push(`${route}: ${width} px (${culprits.join(', ')})`);
        }
      }
      expect(wide).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('RDM view of a small benchmark: stimulus thumbnails on the axes', async () => {
    const { context, page, errors } = await open(browser, `${server.url}/#/predictivity`, { width: 1280, height: 900 });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'silico-rdm-'));
      writeFileSync(join(dir, 'small.zip'), zipBundle(syntheticBundle({ stimuli: 24, neuroids: 4, seed: 3 })));
      await page.locator('summary', { hasText: 'HMAX' }).waitFor({ timeout: 120_000 });
      await page.getByText('Import a benchmark bundle…').click();
      await page.locator('input[type=file][accept=".zip"]').setInputFiles(join(dir, 'small.zip'));
      await expect.poll(() => page.locator('.setup').textContent(), { timeout: 60_000 }).toContain('24 stimuli');
      await page.getByRole('radio', { name: /RSA/ }).check();
      await page.getByTestId('run').click();
      await page.getByRole('tab', { name: 'RDMs' }).click({ timeout: 180_000 });
      const thumbs = page.locator('[data-plot="model vs brain RDMs"] .stimulus-axis image.thumb');
      // Each stimulus beside its row of the first matrix and under its column in both.
      await expect.poll(() => thumbs.count(), { timeout: 180_000 }).toBe(24 * 3);
      expect(await thumbs.first().getAttribute('href')).toMatch(/^data:image\/png;base64,/);
      await page.locator('[data-plot="model vs brain RDMs"]').scrollIntoViewIfNeeded();
      await shot(page, 'desktop-rdm-thumbnails');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
