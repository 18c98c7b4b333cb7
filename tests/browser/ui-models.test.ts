/**
 * (d) Models page against the local hub mimic: download with progress in the UI, cache hit on reload,
 * a truncated download rejected with a visible message and nothing cached.
 * (e) Screenshots of Home, the Models page (mid-download and after) and a recording.
 */
import { readFileSync, statSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { hasDist, useBrowser } from '../support/browser';
import { describeIf } from '../support/ci';
import { formatBytes } from '../../src/core/download/download';
import { localModelId } from '../../src/core/store/cache';

const MOBILENET_ROW = '[data-model="mobilenetv2-12"]';

describeIf(hasDist && hasSharedFiles('models/mobilenetv2-12-fp32.onnx', 'models/tiny-random-llama-fp16/model.onnx', 'models/tiny-random-llama-fp16/model.onnx.data'), 'Models page and recording UI', () => {
  // Every test opens its own page in a fresh browser context (empty model cache) and sets up what it needs.
  const suite = useBrowser();
  /** A fresh page at `route` with the app's hub pointed at the test server's mimic (or `hub`). */
  const open = (route: string, hub = suite.server.hubBase) => suite.open(`/?hub=${encodeURIComponent(hub)}#${route}`);
  /** Downloads MobileNetV2 on the Models page (unthrottled) so it is in this context's cache. */
  async function cacheMobilenet(page: Page): Promise<void> {
    await page.locator('[data-testid=cache-empty]').waitFor();
    await page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).click();
    await page.locator(`${MOBILENET_ROW} .ok`).waitFor({ timeout: 60_000 });
    await page.locator('[data-cached="mobilenetv2-12"]').waitFor();
  }

  test('home shows the three labs and the backend', async () => {
    const s = await open('/');
    const page = s.page;
    await expect.poll(() => page.locator('.lab h2').allTextContents()).toEqual(['Predictivity', 'Microstimulation', 'Language']);
    // Auto picks WebGPU for a hardware adapter and WASM otherwise (SwiftShader in headless Chromium here).
    await page.waitForFunction(() => (window as any).__silico?.engine);
    const auto = await page.evaluate(() => (window as any).__silico.engine.configure('auto'));
    await expect.poll(() => page.locator('[data-testid=backend-status]').textContent()).toMatch(auto.ep === 'webgpu' ? /WebGPU · / : /WASM · \d+ threads? · cross-origin isolated/);
    await s.screenshot('home');
  });

  test('download shows bytes/rate/ETA, lands in the cache, and is a cache hit after reload', async () => {
    const s = await open('/models');
    const page = s.page;
    const { server } = suite;
    await page.locator('[data-testid=cache-empty]').waitFor();
    const size = statSync(sharedPath('models/mobilenetv2-12-fp32.onnx')).size;
    server.setThrottle(2_500_000);
    const before = server.hubRequests.length;
    try {
      await page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).click();
      const progress = page.locator(`${MOBILENET_ROW} [data-testid=progress-text]`);
      await expect.poll(() => progress.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`[\\d.]+ [kM]B of ${formatBytes(size)} · [\\d.]+ [kM]B/s · \\d+ s left`));
      await s.screenshot('models-downloading');
      await page.locator(`${MOBILENET_ROW} .ok`).waitFor({ timeout: 60_000 });
    } finally {
      server.setThrottle(0);
    }
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
    // Its own cached model: downloaded in this test's context first.
    const s = await open('/models');
    const page = s.page;
    await cacheMobilenet(page);
    await page.goto(`${suite.server.url}/?hub=${encodeURIComponent(suite.server.hubBase)}#/record`);
    // The app's default backend choice (auto): WebGPU for a hardware adapter, WASM otherwise.
    await page.waitForFunction(() => (window as any).__silico?.engine);
    const { ep } = await page.evaluate(() => (window as any).__silico.engine.configure('auto'));
    await page.locator('[data-testid=model-choice]').selectOption('cache:mobilenetv2-12');
    await page.locator('[data-testid=load-model]').click();
    await expect.poll(() => page.locator('[data-testid=model-info]').textContent(), { timeout: 60_000 }).toContain(`on ${String(ep).toUpperCase()} · input input [batch_size×3×224×224]`);
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
    // A cache with one model in it, so "caches nothing" also means "leaves what is there alone".
    const s = await open('/models');
    const page = s.page;
    await cacheMobilenet(page);
    await page.locator('[data-testid=import-input]').setInputFiles({ name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('these are my lecture notes, not a model') });
    await expect.poll(() => page.locator('[data-testid=error-banner]').textContent()).toMatch(/not an ONNX model/);
    expect(await page.locator('[data-cached]').count()).toBe(1);
  });

  test('import with external weights: the .data file is required, then both are cached together', async () => {
    const s = await open('/models');
    const page = s.page;
    await page.locator('[data-testid=cache-empty]').waitFor();
    const onnxPath = sharedPath('models/tiny-random-llama-fp16/model.onnx');
    const dataPath = sharedPath('models/tiny-random-llama-fp16/model.onnx.data');
    await page.locator('[data-testid=import-input]').setInputFiles([onnxPath]);
    await expect.poll(() => page.locator('[data-testid=error-banner]').textContent()).toMatch(/keeps its weights in model\.onnx\.data/);
    await page.locator('[data-testid=import-input]').setInputFiles([onnxPath, dataPath]);
    // A local import's id carries a hash of its bytes (two different model.onnx files never collide).
    const id = await localModelId('model.onnx', new Uint8Array(readFileSync(onnxPath)));
    const row = page.locator(`[data-cached="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe(formatBytes(statSync(onnxPath).size + statSync(dataPath).size));
    // The cached pair opens as one session (weights passed to onnxruntime-web as external data).
    const loaded = await page.evaluate((cachedId) => (window as any).__silico.engine.loadModel({ cachedId }, { ep: 'wasm' }), id);
    expect(loaded.inputs.map((i: { name: string }) => i.name)).toContain('input_ids');
    expect(loaded.layers.length).toBeGreaterThan(0);
  });

  test('Report page: an ONNX file dropped there is cached and chosen for the card; a non-model is refused clearly', async () => {
    const s = await open('/report');
    const page = s.page;
    const input = page.locator('[data-testid=report-import]');
    await input.setInputFiles({ name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('these are my lecture notes, not a model') });
    await expect.poll(() => page.locator('[data-testid=report-error]').textContent()).toMatch(/not an ONNX model/);
    const onnxPath = sharedPath('models/mobilenetv2-12-fp32.onnx');
    await input.setInputFiles([onnxPath]);
    const id = await localModelId('mobilenetv2-12-fp32.onnx', new Uint8Array(readFileSync(onnxPath)));
    await expect.poll(() => page.locator('[data-testid=report-model]').inputValue(), { timeout: 30_000 }).toBe(`cache:${id}`);
    expect(await page.locator('[data-testid=report-error]').count()).toBe(0);
    // It is in the model cache, as if imported on the Models page.
    const cached = await page.evaluate(() => (window as any).__silico.engine.listCache());
    expect(cached.map((c: { id: string }) => c.id)).toContain(id);
  });

  test('truncated download: visible error, nothing cached', async () => {
    const t = await open('/models', `${suite.server.url}/truncated`);
    await t.page.locator('[data-testid=cache-empty]').waitFor();
    await t.page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).click();
    const banner = t.page.locator('[data-testid=error-banner]');
    await expect.poll(() => banner.textContent(), { timeout: 30_000 }).toMatch(/broke off|incomplete/);
    await t.screenshot('models-truncated');
    await t.page.reload();
    await t.page.locator('[data-testid=cache-empty]').waitFor();
    expect(await t.page.locator(`${MOBILENET_ROW} button`, { hasText: 'Download' }).count()).toBe(1);
  });
});
