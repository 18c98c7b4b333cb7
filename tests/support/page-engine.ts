/**
 * Helpers for browser tests that drive the model worker through the page's test hook
 * (`window.__silico.engine`, the same comlink client the UI uses). Float data crosses as base64.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { EpPreference, LoadedModel } from '../../workers/model-api';
import { startServer, type TestServer } from './server';
import { launchBrowser, openPage, type BrowserSession } from './browser';

/**
 * Registers hooks for a describe block: one test server and headless browser for the block (beforeAll), and
 * for EACH test a fresh context and home page with the engine hook ready (beforeEach; closed afterEach), so no
 * test depends on models or state an earlier test left in the worker. Read `ctx.s` inside tests.
 */
export function useEnginePage(): { s: BrowserSession; server: TestServer } {
  const ctx = {} as { s: BrowserSession; server: TestServer; browser: Browser };
  beforeAll(async () => {
    ctx.server = await startServer();
    ctx.browser = await launchBrowser();
  });
  beforeEach(async () => {
    ctx.s = await openPage(ctx.browser, `${ctx.server.url}/#/`);
    await ctx.s.page.waitForFunction(() => (window as any).__silico?.engine);
  });
  afterEach(async () => {
    await ctx.s?.close();
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}

export function f32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function base64ToF32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Configure the backend and load a model fetched from a same-origin URL (the hub mimic). */
export async function loadModelInPage(page: Page, url: string, ep: EpPreference): Promise<LoadedModel> {
  return page.evaluate(
    async ({ url, ep }) => {
      const engine = (window as any).__silico.engine;
      await engine.configure(ep);
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      return engine.loadModel({ bytes: { name: url.split('/').pop(), model: bytes } }, { ep });
    },
    { url, ep },
  );
}

export interface PageActivation {
  layer: string;
  dims: number[];
  data: Float32Array;
}

/** Record layers for given inputs (float32 as base64, or int ids as number arrays). */
export async function recordInPage(
  page: Page,
  modelId: string,
  layers: string[],
  inputs: Record<string, { dims: number[]; f32?: string; ints?: number[] }>,
  batchSize: number,
): Promise<{ acts: PageActivation[]; progress: { done: number; total: number }[] }> {
  const res = await page.evaluate(
    async ({ modelId, layers, inputs, batchSize }) => {
      const w = window as any;
      const engine = w.__silico.engine;
      const fromB64 = (s: string) => {
        const bin = atob(s);
        const u = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
        return new Float32Array(u.buffer);
      };
      const toB64 = (a: Float32Array) => {
        const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
        let s = '';
        for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
        return btoa(s);
      };
      const feeds: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(inputs)) {
        feeds[k] = { dims: v.dims, data: v.f32 ? fromB64(v.f32) : Int32Array.from(v.ints!) };
      }
      const progress: { done: number; total: number }[] = [];
      const onProgress = w.__silico.proxy((p: { done: number; total: number }) => progress.push({ done: p.done, total: p.total }));
      const acts = await engine.recordTensors(modelId, layers, feeds, { batchSize }, onProgress);
      return { acts: acts.map((a: any) => ({ layer: a.layer, dims: a.dims, b64: toB64(a.data) })), progress };
    },
    { modelId, layers, inputs, batchSize },
  );
  return { acts: res.acts.map((a: { layer: string; dims: number[]; b64: string }) => ({ layer: a.layer, dims: a.dims, data: base64ToF32(a.b64) })), progress: res.progress };
}
