/**
 * Bench (b): ridge scoring speed, silico (the app's scoring code: Gram matrix + kernel ridge with
 * leave-one-out alpha choice, src/core/predictivity/scoring.ts + src/core/metrics) vs scikit-learn
 * RidgeCV via /usr/bin/python3 on the same features, responses and folds, in the same run.
 *   b1  all MobileNetV2 layers (but the logits; features pooled to ≤ 8192 as in docs/results.md) recorded on
 *       Cowley V4 session 210305 (400 images, 70 neurons), 5-fold CV: total time, and the slowest and fastest layers.
 *       silico scores the layers as the app does: in passes of LAYERS_PER_PASS layers (runner.ts), each pass's
 *       layers spread over a pool of one worker per core (pool.ts; here worker_threads running the compute
 *       worker's CPU path, scoring-worker.ts; in the browser compute workers) — the total is wall time of all
 *       passes; a layer's own time (sub-rows) is measured in its worker, alongside the others. scikit-learn uses
 *       every core through BLAS.
 *   b2  one ridge fit (12 alphas, 50 targets) on random features (p = 1024) for n = 400, 800, 1200 stimuli
 *   b3  the same for n = 200 and p = 1k, 10k, 100k features (Gram matrix included)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { sharedPath } from '../../tests/support/shared';
import { cowleyBundle } from '../../src/core/data/loaders';
import { readBundle, stimulusBytes } from '../../src/core/data/bundle';
import { writeNpy } from '../../src/core/data/npy';
import { kFoldSplits } from '../../src/core/metrics/crossval';
import { DEFAULT_ALPHAS, fitKernelRidge } from '../../src/core/metrics/ridge';
import { centerKernel, matrix, type Matrix } from '../../src/core/metrics/linalg';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import { gramMatrix, type ScoreResult } from '../../src/core/predictivity/scoring';
import { scoreOnPool, type PoolWorker } from '../../src/core/predictivity/pool';
import { LAYERS_PER_PASS } from '../../src/core/predictivity/runner';
import type { ScoreJob } from '../../workers/compute-api';
import type { Progress } from '../../src/core/types';
import { toScoringBenchmark } from '../../src/cli/benchmark';
import { recordImages } from '../../src/cli/features';
import { loadVisionModel } from '../../src/cli/inputs';
import { loadOrtNode } from '../../src/cli/ort';
import type { BenchRow } from './table';

const PYTHON = '/usr/bin/python3';
const SESSION = '210305';
const FOLDS = 5;

interface SklearnJob {
  mode: 'cv' | 'fit';
  x: string;
  y: string;
  tests?: number[][];
  alphas: readonly number[];
}

function sklearn(jobs: SklearnJob[]): { seconds: number; score?: number; alpha?: number }[] {
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'sklearn_ridge.py')], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scikit-learn reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: rows * cols }, () => gaussian(rand));
}

/** Targets with a linear signal in the features plus noise, so ridge has something to find. */
function targetsFor(x: Float32Array, n: number, p: number, t: number, seed: number): Matrix {
  const rand = seededRandom(seed);
  const y = matrix(n, t);
  const k = Math.min(p, 64);
  const w = Float64Array.from({ length: k * t }, () => gaussian(rand));
  for (let i = 0; i < n; i++) for (let j = 0; j < t; j++) {
    let s = 0;
    for (let f = 0; f < k; f++) s += x[i * p + f] * w[f * t + j];
    y.data[i * t + j] = s / Math.sqrt(k) + 2 * gaussian(rand);
  }
  return y;
}

type PoolJob = Omit<ScoreJob, 'jobId' | 'cancelFlag'>;

/** A worker thread running scoring-worker.ts (TypeScript through tsx's loader, as this bench runs). */
async function scoringThread(): Promise<Worker> {
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(new URL('./scoring-worker.ts', import.meta.url).href)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return worker;
}

/** The threads as pool workers for scoreOnPool; `seconds` gets each layer's time in its worker. */
function threadPool(threads: Worker[], seconds: Map<string, number>): PoolWorker<PoolJob>[] {
  let ids = 0;
  return threads.map((worker) => (job: PoolJob, onProgress: (p: Progress) => void) => {
    const id = ids++;
    const result = new Promise<ScoreResult>((resolve, reject) => {
      const listen = (m: { id?: number; progress?: Progress; result?: ScoreResult; seconds?: number; error?: string }) => {
        if (m.id !== id) return;
        if (m.progress) return onProgress(m.progress);
        worker.off('message', listen);
        if (m.error !== undefined) return reject(new Error(m.error));
        seconds.set(job.layers.map((l) => l.layer).join(','), m.seconds!);
        resolve(m.result!);
      };
      worker.on('message', listen);
    });
    worker.postMessage({ id, job }, [...new Set(job.layers.map((l) => l.activation.data.buffer as ArrayBuffer))]);
    return { result, cancel: () => {} };
  });
}

export async function runScoringBench(rows: BenchRow[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'silico-bench-b-'));
  try {
    // b1: real features on a real session.
    const native = new Map<string, Uint8Array>();
    for (const f of [`images_${SESSION}.zip`, `responses_avg_${SESSION}.npy`]) native.set(f, new Uint8Array(readFileSync(sharedPath('data/vision/cowley2023-v4', f))));
    const bench = readBundle(cowleyBundle(native, SESSION));
    const model = loadVisionModel(sharedPath('models/mobilenetv2-12-fp32.onnx'));
    const layers = model.layers.filter((l) => l.kind !== 'logits').map((l) => l.tensor);
    process.stderr.write(`(b) recording ${layers.length} MobileNetV2 layers on Cowley ${SESSION} (${bench.manifest.stimuli.length} images)\n`);
    const acts = await recordImages(await loadOrtNode(), model.bytes, bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) })), {
      layers, preprocess: model.preprocess, batchSize: 32, maxFeatures: 8192,
    });
    const scoring = { ...toScoringBenchmark(bench), folds: FOLDS };
    const y = scoring.regions[0].responses!;
    writeFileSync(join(dir, 'y.npy'), writeNpy(y.data, [y.stimuli, y.neuroids]));
    const tests = kFoldSplits(y.stimuli, FOLDS, 0).map((s) => s.test);
    const features = acts.map((a) => a.data.length / a.dims[0]);
    for (const [i, a] of acts.entries()) writeFileSync(join(dir, `${i}.npy`), writeNpy(a.data, a.dims, 'f4'));
    // The app's path: passes of LAYERS_PER_PASS layers, each spread over one worker per core (activations transferred).
    const threads = await Promise.all(Array.from({ length: availableParallelism() }, scoringThread));
    const layerSeconds = new Map<string, number>();
    const pool = threadPool(threads, layerSeconds);
    const raw = new Map<string, number>();
    let wall = 0;
    try {
      for (let start = 0; start < acts.length; start += LAYERS_PER_PASS) {
        const pass = acts.slice(start, start + LAYERS_PER_PASS);
        const t0 = performance.now();
        const { scores } = await scoreOnPool<PoolJob>({ modelId: 'mobilenetv2', metric: 'ridge', benchmark: scoring, layers: pass.map((a) => ({ layer: a.layer, activation: a })) }, pool).result;
        wall += (performance.now() - t0) / 1000;
        for (const r of scores) raw.set(r.layer, r.raw);
        process.stderr.write(`(b) scored ${start + pass.length}/${acts.length} on ${threads.length} worker threads: ${pass.map((a) => `${a.layer} ${layerSeconds.get(a.layer)!.toFixed(2)} s`).join(', ')}\n`);
      }
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
    const silico = acts.map((a) => ({ seconds: layerSeconds.get(a.layer)!, score: raw.get(a.layer)! }));
    const ref = sklearn(acts.map((_, i) => ({ mode: 'cv', x: join(dir, `${i}.npy`), y: join(dir, 'y.npy'), tests, alphas: DEFAULT_ALPHAS })));
    const worstScore = Math.max(...acts.map((_, i) => Math.abs(silico[i].score - ref[i].score!)));
    const total = (xs: { seconds: number }[]) => xs.reduce((acc, x) => acc + x.seconds, 0);
    rows.push({
      section: 'b1', what: `ridge ${FOLDS}-fold, all ${acts.length} layers (n=${y.stimuli}, ${y.neuroids} neurons; scores agree to ${worstScore.toExponential(0)})`, unit: 's',
      silico: wall, reference: total(ref), refName: 'sklearn RidgeCV', ratio: wall / total(ref), target: 1,
    });
    const ratios = acts.map((_, i) => silico[i].seconds / ref[i].seconds);
    for (const i of [ratios.indexOf(Math.max(...ratios)), ratios.indexOf(Math.min(...ratios))]) {
      const a = acts[i];
      rows.push({
        section: 'b1', what: `  of which ${a.layer} (${features[i]} features; ${i === ratios.indexOf(Math.max(...ratios)) ? 'slowest' : 'fastest'} relative to sklearn)`, unit: 's',
        silico: silico[i].seconds, reference: ref[i].seconds, refName: 'sklearn RidgeCV', ratio: ratios[i],
      });
    }

    // b2 / b3: scaling on random features (one fit with the alpha grid, Gram matrix included).
    const scaling: { section: string; n: number; p: number }[] = [
      { section: 'b2', n: 400, p: 1024 }, { section: 'b2', n: 800, p: 1024 }, { section: 'b2', n: 1200, p: 1024 },
      { section: 'b3', n: 200, p: 1000 }, { section: 'b3', n: 200, p: 10_000 }, { section: 'b3', n: 200, p: 100_000 },
    ];
    const jobs: SklearnJob[] = [];
    const times: number[] = [];
    // b1 now runs in worker threads: warm this thread's kernels (WebAssembly compile, JIT) as b1 used to, untimed.
    const warm = randomMatrix(400, 1024, 99);
    fitKernelRidge(centerKernel(gramMatrix({ dims: [400, 1024], data: warm })), targetsFor(warm, 400, 1024, 50, 98));
    scaling.forEach(({ n, p }, i) => {
      process.stderr.write(`(b) ridge fit n=${n} p=${p}\n`);
      const x = randomMatrix(n, p, i + 1);
      const yy = targetsFor(x, n, p, 50, 100 + i);
      writeFileSync(join(dir, `x${i}.npy`), writeNpy(x, [n, p], 'f4'));
      writeFileSync(join(dir, `y${i}.npy`), writeNpy(yy.data, [n, 50]));
      jobs.push({ mode: 'fit', x: join(dir, `x${i}.npy`), y: join(dir, `y${i}.npy`), alphas: DEFAULT_ALPHAS });
      const t0 = performance.now();
      fitKernelRidge(centerKernel(gramMatrix({ dims: [n, p], data: x })), yy);
      times.push((performance.now() - t0) / 1000);
    });
    const refs = sklearn(jobs);
    scaling.forEach(({ section, n, p }, i) =>
      rows.push({ section, what: `one ridge fit, 12 alphas, 50 targets, n=${n}, p=${p}`, unit: 's', silico: times[i], reference: refs[i].seconds, refName: 'sklearn RidgeCV', ratio: times[i] / refs[i].seconds, target: 2 }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
