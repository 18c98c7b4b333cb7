/**
 * Browser sides of the bench, driven by playwright-core, plus the renderer's peak memory read from /proc:
 * - openWebBench: a minimal cross-origin-isolated page that loads onnxruntime-web (WASM, multi-threaded),
 *   served by the test server from a temp folder;
 * - openAppBench: the built app (SILICO_DIST, default dist/) recording through its model worker, i.e. what users run;
 * - openLanguageBench: the built app's Language lab worker computing sentence features, as the lab does.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/support/browser';
import { DIST, startServer, type TestServer } from '../../tests/support/server';
import type { ModelEngineApi } from '../../workers/model-api';
import type { LanguageWorkerApi } from '../../workers/language.worker';
import type { LmChoice } from '../../workers/language-api';
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
  /** Peak resident memory of the page's renderer process (the largest of this browser's renderers) so far, bytes. */
  rendererPeakBytes(): number;
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

/** The largest VmHWM / VmRSS (bytes) among the renderer processes of the browser launched with `marker`. */
function rendererMemory(marker: string): { hwm: number; rss: number } {
  const table = procTable();
  const roots = [...table].filter(([, p]) => p.cmdline.includes(marker)).map(([pid]) => pid);
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = table.get(p)?.ppid ?? 0, hops++) if (roots.includes(p)) return true;
    return false;
  };
  const kB = (status: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  let hwm = 0;
  let rss = 0;
  for (const [pid, p] of table) {
    if (!p.cmdline.includes('--type=renderer') || !inTree(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      hwm = Math.max(hwm, kB(status, 'VmHWM'));
      rss = Math.max(rss, kB(status, 'VmRSS'));
    } catch {
      // gone
    }
  }
  return { hwm, rss };
}

/**
 * Peak renderer memory: VmHWM, and VmRSS sampled every 100 ms as a floor, because Chromium's own memory metrics
 * may reset VmHWM (clear_refs) in the middle of a run.
 */
function peakSampler(marker: string): { peak(): number; stop(): void } {
  let sampled = 0;
  const sample = () => {
    const m = rendererMemory(marker);
    sampled = Math.max(sampled, m.hwm, m.rss);
  };
  const timer = setInterval(sample, 100);
  return {
    peak: () => {
      sample();
      return sampled;
    },
    stop: () => clearInterval(timer),
  };
}

export interface AppRecording {
  /** Best (minimum) milliseconds of one recordTensors call over the timed calls. */
  msPerRecord: number;
  /** Bytes of all recorded activations of one call, as they arrive on the main thread. */
  outputBytes: number;
  outputs: number;
  /** WASM threads the app chose (navigator.hardwareConcurrency in a cross-origin-isolated page). */
  threads: number;
}

export interface AppBench {
  page: Page;
  /** Loads `modelUrl` (served by the test server's hub mimic) in the app's model worker on WASM and prepares
   * `batch` seeded random inputs for its first input. */
  load(req: { modelUrl: string; batch: number }): Promise<void>;
  /** Records every listed layer of the loaded model for the prepared batch, `runs` times; the best time counts.
   * The first call also opens the recording session. */
  record(runs: number): Promise<AppRecording>;
  /** As WebBench.rendererPeakBytes. */
  rendererPeakBytes(): number;
  close(): Promise<void>;
}

interface AppBenchState {
  modelId: string;
  layers: string[];
  inputs: Record<string, { dims: number[]; data: Float32Array }>;
  batch: number;
  threads: number;
}

/** Headless Chromium with its renderers' peak memory watched (a unique flag on its command line finds them in /proc). */
async function launchWatched(): Promise<{ browser: Browser; memory: ReturnType<typeof peakSampler> }> {
  const marker = `--silico-bench-marker=${process.pid}-${Date.now()}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, marker] });
  return { browser, memory: peakSampler(marker) };
}

/** The built app (`distDir`, default the test server's: SILICO_DIST or dist/) open at its home page in a watched
 * headless Chromium; `checkErrors` throws if the page has thrown. */
async function openBuiltApp(distDir?: string) {
  const built = distDir ?? DIST;
  if (!existsSync(join(built, 'index.html'))) throw new Error(`No built app in ${built}: run \`npm run build\` first (or set SILICO_DIST).`);
  const server = await startServer({ distDir });
  const { browser, memory } = await launchWatched();
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // tsx's keepNames helper, for functions shipped to the page by page.evaluate.
  await page.addInitScript('window.__name = (f) => f;');
  await page.goto(`${server.url}/#/`);
  return {
    built,
    page,
    checkErrors() {
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    },
    rendererPeakBytes: () => memory.peak(),
    async close() {
      memory.stop();
      await browser.close();
      await server.close();
    },
  };
}

type BenchWindow = { __silico: { engine: ModelEngineApi }; __bench: AppBenchState };

/** `distDir`: the built app to serve (default: the test server's, SILICO_DIST or dist/). */
export async function openAppBench(distDir?: string): Promise<AppBench> {
  const app = await openBuiltApp(distDir);
  const { page, checkErrors } = app;
  await page.waitForFunction(() => (window as unknown as { __silico?: { engine?: unknown } }).__silico?.engine, undefined, { timeout: 60_000 });
  return {
    page,
    async load(req) {
      await page.evaluate(async ({ modelUrl, batch }) => {
        const w = window as unknown as BenchWindow;
        const engine = w.__silico.engine;
        const info = await engine.configure('wasm');
        const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
        const model = await engine.loadModel({ bytes: { name: 'bench.onnx', model: bytes } }, { ep: 'wasm' });
        const dims = model.inputs[0].shape.map((d, i) => (i === 0 ? batch : Number(d)));
        const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
        let seed = 12345;
        for (let i = 0; i < data.length; i++) data[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
        w.__bench = { modelId: model.id, layers: model.layers.map((l) => l.tensor), inputs: { [model.inputs[0].name]: { dims, data } }, batch, threads: info.threads };
      }, req);
      checkErrors();
    },
    async record(runs) {
      const result = await page.evaluate(async (runs) => {
        const w = window as unknown as BenchWindow;
        const b = w.__bench;
        let outputBytes = 0;
        let outputs = 0;
        let best = Infinity;
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          const acts = await w.__silico.engine.recordTensors(b.modelId, b.layers, b.inputs, { batchSize: b.batch });
          best = Math.min(best, performance.now() - t0);
          outputs = acts.length;
          outputBytes = acts.reduce((s, a) => s + a.data.byteLength, 0);
        }
        return { msPerRecord: best, outputBytes, outputs, threads: b.threads };
      }, runs);
      checkErrors();
      return result;
    },
    rendererPeakBytes: app.rendererPeakBytes,
    close: app.close,
  };
}

export interface SentenceRecording {
  /** Best (minimum) milliseconds of one recordSentences call over the timed calls. */
  msPerCall: number;
  /** The last call's features per layer (row-major [sentences x width]) and mean surprisal per sentence. */
  features: Record<string, number[]>;
  surprisal: number[];
}

export interface LanguageBench {
  page: Page;
  /** Loads a language model in the lab's worker (LmChoice, as the lab's model menu) and a tokenizer.json. */
  load(choice: LmChoice, tokenizerJson: string): Promise<{ layers: string[]; backend: string }>;
  /** Features of `sentences` on every sweep layer, `runs` times (the lab's SentenceEngine, no feature cache). */
  features(sentences: string[], runs: number): Promise<SentenceRecording>;
  /** As WebBench.rendererPeakBytes. */
  rendererPeakBytes(): number;
  close(): Promise<void>;
}

type LanguageBenchWindow = { Comlink: { wrap<T>(w: Worker): T }; __language: LanguageWorkerApi };

/** The built app's page with the Language lab's own worker bundle (assets/language.worker-*.js) driven over
 * comlink, as Language.svelte drives it. */
export async function openLanguageBench(distDir?: string): Promise<LanguageBench> {
  const app = await openBuiltApp(distDir);
  const { page, checkErrors } = app;
  const workerAsset = readdirSync(join(app.built, 'assets')).find((f) => /^language\.worker-.*\.js$/.test(f));
  if (!workerAsset) {
    await app.close();
    throw new Error(`No Language lab worker in ${app.built}/assets: rebuild the app.`);
  }
  await page.addScriptTag({ content: readFileSync(createRequire(import.meta.url).resolve('comlink/dist/umd/comlink.min.js'), 'utf8') });
  await page.evaluate((url) => {
    const w = window as unknown as LanguageBenchWindow;
    w.__language = w.Comlink.wrap<LanguageWorkerApi>(new Worker(url, { type: 'module', name: 'silico-language' }));
  }, `/assets/${workerAsset}`);
  return {
    page,
    async load(choice, tokenizerJson) {
      const r = await page.evaluate(async ({ choice, tokenizerJson }) => {
        const lab = (window as unknown as LanguageBenchWindow).__language;
        const lm = await lab.loadModel(choice);
        await lab.loadTokenizer('tokenizer.json', tokenizerJson);
        return { layers: lm.layers.map((l) => l.tensor), backend: lm.backend };
      }, { choice, tokenizerJson });
      checkErrors();
      return r;
    },
    async features(sentences, runs) {
      const r = await page.evaluate(async ({ sentences, runs }) => {
        const lab = (window as unknown as LanguageBenchWindow).__language;
        let best = Infinity;
        let last: Awaited<ReturnType<LanguageWorkerApi['recordSentences']>> | null = null;
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          last = await lab.recordSentences(sentences);
          best = Math.min(best, performance.now() - t0);
        }
        const features = Object.fromEntries(Object.entries(last!.features).map(([k, v]) => [k, Array.from(v.data)]));
        return { msPerCall: best, features, surprisal: Array.from(last!.surprisal) };
      }, { sentences, runs });
      checkErrors();
      return r;
    },
    rendererPeakBytes: app.rendererPeakBytes,
    close: app.close,
  };
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
  const { browser, memory } = await launchWatched();
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
    rendererPeakBytes: () => memory.peak(),
    async close() {
      memory.stop();
      await browser.close();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
