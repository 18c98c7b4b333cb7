/**
 * (d) Models page against the local hub mimic: download with progress in the UI, cache hit on reload,
 * a truncated download rejected with a visible message and nothing cached.
 * (e) Screenshots of Home, the Models page (mid-download and after) and a recording.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasShared, sharedPath } from '../support/shared';
import { startServer, type TestServer } from '../support/server';
import { launchBrowser, openPage, type BrowserSession } from '../support/browser';
import { formatBytes } from '../../src/core/download/download';

const MOBILENET_ROW = '[data-model="mobilenetv2-12"]';

describe.skipIf(!hasShared)('Models page and recording UI', () => {
  let server: TestServer;
  let browser: Browser;
  let s: BrowserSession;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await s?.close();
    await browser?.close();
    await server?.close();
  });

  test('home shows the three labs and the backend', async () => {
    s = await openPage(browser, `${server.url}/?hub=${encodeURIComponent(server.hubBase)}#/`);
    const page = s.page;
    await expect.poll(() => page.locator('.lab h2').allTextContents()).toEqual(['Predictivity', 'Microstimulation', 'Language']);
    await expect.poll(() => page.locator('[data-testid=backend-status]').textContent()).toMatch(/WASM · \d+ threads? · cross-origin isolated/);
    await s.screenshot('home');
  });

  test('download shows bytes/rate/ETA, lands in the cache, and is a cache hit after reload', async () => {
    const page = s.page;
    await page.goto(`${server.url}/?hub=${encodeURIComponent(server.hubBase)}#/models`);
    await page.locator('[data-testid=cache-empty]').waitFor();
    const size = statSync(sharedPath('models/mobilenetv2-12-fp32.onnx')).size;
    server.setThrottle(2_500_000);
    const before = server.hubRequests.length;
    await page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).click();
    const progress = page.locator(`${MOBILENET_ROW} [data-testid=progress-text]`);
    await expect.poll(() => progress.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`[\\d.]+ [kM]B of ${formatBytes(size)} · [\\d.]+ [kM]B/s · \\d+ s left`));
    await s.screenshot('models-downloading');
    await page.locator(`${MOBILENET_ROW} .ok`).waitFor({ timeout: 60_000 });
    server.setThrottle(0);
    expect(server.hubRequests.length - before).toBe(1);
    await expect.poll(() => page.locator('[data-cached="mobilenetv2-12"] td').nth(1).textContent()).toBe(formatBytes(size));
    await expect.poll(() => page.locator('[data-testid=cache-total]').textContent()).toBe(formatBytes(size));
    await expect.poll(() => page.locator('[data-testid=notice]').textContent()).toMatch(/downloaded and cached/);
    await s.screenshot('models');

    await page.reload();
    await page.locator(`${MOBILENET_ROW} .ok`).waitFor();
    expect(server.hubRequests.length - before).toBe(1);
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('record view: cached MobileNetV2, sample images, 4 layers → activation table and plot', async () => {
    const page = s.page;
    await page.goto(`${server.url}/?hub=${encodeURIComponent(server.hubBase)}#/record`);
    await page.locator('[data-testid=model-choice]').selectOption('cache:mobilenetv2-12');
    await page.locator('[data-testid=load-model]').click();
    await expect.poll(() => page.locator('[data-testid=model-info]').textContent(), { timeout: 60_000 }).toMatch(/on WASM · input input \[batch_size×3×224×224\]/);
    await page.locator('[data-testid=use-samples]').click();
    await expect.poll(() => page.locator('[data-testid=image-count]').textContent()).toMatch(/^4 images/);
    await page.locator('[data-testid=run-record]').click();
    const rows = page.locator('[data-testid=results] tbody tr');
    await rows.first().waitFor({ timeout: 120_000 });
    expect(await rows.count()).toBe(4);
    const shapes = await page.locator('[data-testid=results] tbody tr td:nth-child(2)').allTextContents();
    for (const shape of shapes) expect(shape).toMatch(/^4 × /);
    await page.locator('figure svg image').first().waitFor();
    await page.locator('figure svg image').first().scrollIntoViewIfNeeded();
    await s.screenshot('record');
    expect(s.errors, s.log.join('\n')).toEqual([]);
  });

  test('importing a file that is not ONNX shows a clear error and caches nothing', async () => {
    const page = s.page;
    await page.goto(`${server.url}/?hub=${encodeURIComponent(server.hubBase)}#/models`);
    await page.locator('[data-cached="mobilenetv2-12"]').waitFor();
    await page.locator('[data-testid=import-input]').setInputFiles({ name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('these are my lecture notes, not a model') });
    await expect.poll(() => page.locator('[data-testid=error-banner]').textContent()).toMatch(/not an ONNX model/);
    expect(await page.locator('[data-cached]').count()).toBe(1);
  });

  test('import with external weights: the .data file is required, then both are cached together', async () => {
    const page = s.page;
    const onnxPath = sharedPath('models/tiny-random-llama-fp16/model.onnx');
    const dataPath = sharedPath('models/tiny-random-llama-fp16/model.onnx.data');
    await page.locator('[data-testid=import-input]').setInputFiles([onnxPath]);
    await expect.poll(() => page.locator('[data-testid=error-banner]').textContent()).toMatch(/keeps its weights in model\.onnx\.data/);
    await page.locator('[data-testid=import-input]').setInputFiles([onnxPath, dataPath]);
    const row = page.locator('[data-cached="local-model"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(formatBytes(statSync(onnxPath).size + statSync(dataPath).size));
    // The cached pair opens as one session (weights passed to onnxruntime-web as external data).
    const loaded = await page.evaluate(() => (window as any).__silico.engine.loadModel({ cachedId: 'local-model' }, { ep: 'wasm' }));
    expect(loaded.inputs.map((i: { name: string }) => i.name)).toContain('input_ids');
    expect(loaded.layers.length).toBeGreaterThan(0);
  });

  test('truncated download: visible error, nothing cached', async () => {
    const t = await openPage(browser, `${server.url}/?hub=${encodeURIComponent(`${server.url}/truncated`)}#/models`);
    try {
      await t.page.locator('[data-testid=cache-empty]').waitFor();
      await t.page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).click();
      const banner = t.page.locator('[data-testid=error-banner]');
      await expect.poll(() => banner.textContent(), { timeout: 30_000 }).toMatch(/broke off|incomplete/);
      await t.screenshot('models-truncated');
      await t.page.reload();
      await t.page.locator('[data-testid=cache-empty]').waitFor();
      expect(await t.page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).count()).toBe(1);
    } finally {
      await t.close();
    }
  });
});
