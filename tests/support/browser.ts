import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CI, prerequisite } from './ci';
import { startServer, type ServerOptions, type TestServer } from './server';

/** System Chromium: playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.SILICO_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const ROOT = resolve(import.meta.dirname, '../..');
/** The build the browser tests serve (SILICO_DIST: another build folder, e.g. dist-<name>). */
export const DIST = resolve(ROOT, process.env.SILICO_DIST ?? 'dist');
/** What the build is made from: a newer file here than dist/index.html means the build is stale. */
const SOURCES = ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package-lock.json', 'tools/vite-ort-assets.ts'];
/** Generated during a build (git-ignored), so newer than an older build without the sources having changed. */
const GENERATED = new Set(['public/ort']);

function newestMtime(path: string): { time: number; file: string } {
  if (!existsSync(path) || GENERATED.has(path.slice(ROOT.length + 1))) return { time: 0, file: path };
  const st = statSync(path);
  if (!st.isDirectory()) return { time: st.mtimeMs, file: path };
  let best = { time: 0, file: path };
  for (const e of readdirSync(path)) {
    const n = newestMtime(join(path, e));
    if (n.time > best.time) best = n;
  }
  return best;
}

/** Why dist/ cannot be trusted (missing, or older than a source file), or null. */
export function distProblem(): string | null {
  const index = join(DIST, 'index.html');
  if (!existsSync(index)) return `no build at ${DIST} (run npx vite build${process.env.SILICO_DIST ? ` --outDir ${process.env.SILICO_DIST}` : ''})`;
  const built = statSync(index).mtimeMs;
  const newest = SOURCES.map((p) => newestMtime(resolve(ROOT, p))).reduce((a, b) => (b.time > a.time ? b : a));
  return newest.time > built ? `the build in ${DIST} is older than ${newest.file.slice(ROOT.length + 1)} (stale: rebuild with npx vite build)` : null;
}

/**
 * True when a build is there. Under CI (CI=true) a missing OR stale build throws when this module is imported
 * (every browser test file fails). Outside CI a missing build skips with a warning, a stale one only warns
 * (helpers rebuild into their own dist-<name> while others edit sources).
 */
export const hasDist = ((): boolean => {
  if (!process.env.VITEST) return existsSync(join(DIST, 'index.html')); // imported by a tool (tools/bench), not a test run
  const problem = distProblem();
  if (problem && !CI && existsSync(join(DIST, 'index.html'))) {
    console.warn(`[warning] ${problem}`);
    return true;
  }
  return prerequisite('Built app', problem, 'Build it first (npm test builds before the browser project).');
})();

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** All console lines (for debugging failures). */
  log: string[];
  screenshot(name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface PageOptions {
  viewport?: { width: number; height: number };
}

/** A fresh page at 1280x720 in its OWN browser context (empty IndexedDB, storage, service workers) that records console errors. */
export async function openPage(browser: Browser, url: string, options: PageOptions = {}): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 720 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const log: string[] = [];
  page.on('console', (msg) => {
    log.push(`[${msg.type()}] ${msg.text()}`);
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) log.push(`[http ${r.status()}] ${r.url()}`);
  });
  await page.goto(url);
  return {
    browser,
    context,
    page,
    errors,
    log,
    async screenshot(name: string, fullPage = false) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = resolve(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },
    close: () => context.close(),
  };
}

export interface BrowserSuite {
  server: TestServer;
  browser: Browser;
  /**
   * A fresh page (new browser context: empty IndexedDB and storage) at `path` on the test server, e.g.
   * '/#/predictivity'. Closed automatically after the test that opened it, so no test sees another's state.
   */
  open(path: string, options?: PageOptions): Promise<BrowserSession>;
}

/**
 * Independent browser tests: one server and one browser for the describe block (beforeAll/afterAll), and a new
 * context per `open()` that afterEach closes. A test that needs state (a cached model, saved scores) creates it
 * itself, in its own context: it never relies on what an earlier test left in the page.
 */
export function useBrowser(serverOptions: ServerOptions = {}): BrowserSuite {
  const opened: BrowserSession[] = [];
  const suite = {
    open: async (path: string, options?: PageOptions) => {
      const s = await openPage(suite.browser, `${suite.server.url}${path.startsWith('/') ? '' : '/'}${path}`, options);
      opened.push(s);
      return s;
    },
  } as BrowserSuite;
  beforeAll(async () => {
    suite.server = await startServer({ distDir: DIST, ...serverOptions });
    suite.browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}
