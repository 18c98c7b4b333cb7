/**
 * A minimal cross-origin-isolated page that loads onnxruntime-web (WASM, multi-threaded), served by the test
 * server from a temp folder, driven by playwright-core; plus the renderer's peak memory read from /proc.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/support/browser';
import { startServer, type TestServer } from '../../tests/support/server';
import { timeOrtRuns, type TimingRequest, type TimingResult } from './ort-timing';

// tsx (esbuild keepNames) wraps functions in __name(...): functions shipped as source need it defined.
const PAGE = `<!doctype html><meta charset="utf-8"><title>silico bench</title>
<script>window.__name = (f) => f;</script>
<script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
window.ort = ort;
window.ortReady = true;
</script>`;

export interface WebBench {
  page: Page;
  /** Writes bytes into the served folder; returns their URL path. */
  serve(name: string, bytes: Uint8Array): string;
  time(req: TimingRequest): Promise<TimingResult>;
  /** Peak resident memory (VmHWM) of the page's renderer process (the largest of this browser's renderers), bytes. */
  rendererPeakBytes(): number;
  /** performance.measureUserAgentSpecificMemory() in the page, bytes (undefined when unavailable). */
  pageMemoryBytes(): Promise<number | undefined>;
  close(): Promise<void>;
}

function procTable(): Map<number, { ppid: number; cmdline: string }> {
  const table = new Map<number, { ppid: number; cmdline: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      table.set(Number(entry), { ppid, cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

function peakRssOfRenderers(marker: string): number {
  const table = procTable();
  const roots = [...table].filter(([, p]) => p.cmdline.includes(marker)).map(([pid]) => pid);
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = table.get(p)?.ppid ?? 0, hops++) if (roots.includes(p)) return true;
    return false;
  };
  let peak = 0;
  for (const [pid, p] of table) {
    if (!p.cmdline.includes('--type=renderer') || !inTree(pid)) continue;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }
  return peak;
}

export async function openWebBench(threads: number): Promise<WebBench> {
  const root = mkdtempSync(join(tmpdir(), 'silico-bench-'));
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  mkdirSync(join(root, 'ort'));
  for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
    if (!existsSync(join(ortDist, f))) throw new Error(`onnxruntime-web file missing: ${f}`);
    symlinkSync(join(ortDist, f), join(root, 'ort', f));
  }
  writeFileSync(join(root, 'index.html'), PAGE);
  const server: TestServer = await startServer({ distDir: root });
  const marker = `--silico-bench-marker=${process.pid}-${Date.now()}`;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, marker] });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => (window as unknown as { ortReady?: boolean }).ortReady === true, undefined, { timeout: 60_000 });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) throw new Error('bench page is not cross-origin isolated: onnxruntime-web would run single-threaded');
  await page.evaluate((n) => {
    (window as unknown as { ort: { env: { wasm: { numThreads: number } } } }).ort.env.wasm.numThreads = n;
  }, threads);
  const timingSource = timeOrtRuns.toString();
  return {
    page,
    serve(name, bytes) {
      writeFileSync(join(root, name), bytes);
      return `/${name}`;
    },
    async time(req) {
      const result = await page.evaluate(
        async ({ src, req }) => {
          // Rebuild the shared timing function from its source text (same code as the Node side).
          const fn = new Function(`return (${src})`)() as (ort: unknown, model: Uint8Array, r: unknown, isWeb: boolean) => Promise<unknown>;
          const bytes = new Uint8Array(await (await fetch(req.modelUrl)).arrayBuffer());
          return fn((window as unknown as { ort: unknown }).ort, bytes, req, true);
        },
        { src: timingSource, req },
      );
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      return result as TimingResult;
    },
    rendererPeakBytes: () => peakRssOfRenderers(marker),
    async pageMemoryBytes() {
      return page.evaluate(async () => {
        const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
        if (!perf.measureUserAgentSpecificMemory) return undefined;
        try {
          return (await perf.measureUserAgentSpecificMemory()).bytes;
        } catch {
          return undefined;
        }
      });
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
