/**
 * `npm run bench`: speed and memory of the browser engine against native references, in one run.
 *   (a) recording MobileNetV2 (all layers, batch 32) in the built app's model worker (SILICO_DIST, default dist/; build
 *       it first) on WASM in headless Chromium vs onnxruntime-node; and the renderer's peak RSS
 *   (b) ridge-CV scoring of all MobileNetV2 layers on a Cowley V4 session: silico metrics vs scikit-learn,
 *       plus scaling with stimuli (400 → 1200) and features (1k → 100k)
 *   (c) untrained GPT-2 small (124M): sentences/s for representation + prediction, WASM vs onnxruntime-node
 * Target: silico within 2x of the native reference. Options: --only a,b,c   --threads N (default 2; (a) runs with
 * the threads the app itself chooses, navigator.hardwareConcurrency, and onnxruntime-node with as many)
 * Measurements alternate web/node runs so background load hits both sides alike; the best round of each counts.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { sharedPath, hasShared, NO_SHARED } from '../tests/support/shared';
import { MODEL_URL as MOBILENET_URL } from '../tests/support/mobilenet';
import { decodeModel } from '../src/core/onnx/proto';
import { listLayers } from '../src/core/onnx/layers';
import { exposeTensors } from '../src/core/onnx/expose';
import { buildGpt2Model, GPT2_SIZES, gpt2ParamCount } from '../src/core/onnx/gpt2';
import { openAppBench, openWebBench, type AppRecording, type WebBench } from './bench/web';
import { timeOrtRuns, type FeedSpec, type TimingResult } from './bench/ort-timing';
import { runScoringBench } from './bench/scoring';
import { printTable, type BenchRow } from './bench/table';

const { values } = parseArgs({ options: { only: { type: 'string', default: 'a,b,c' }, threads: { type: 'string', default: '2' } } });
const sections = new Set(String(values.only).split(','));
const threads = Number(values.threads);
const MiB = 2 ** 20;

/** Alternates web and node timings `rounds` times; returns the best (minimum) ms per run of each: on a shared
 * machine the minimum is the least disturbed measurement. */
async function compareEngines(web: WebBench, model: Uint8Array, feeds: FeedSpec[], runs: number, rounds: number): Promise<{ web: TimingResult; node: TimingResult; webMs: number; nodeMs: number }> {
  const url = web.serve('model.onnx', model);
  const webTimes: TimingResult[] = [];
  const nodeTimes: TimingResult[] = [];
  for (let r = 0; r < rounds; r++) {
    webTimes.push(await web.time({ modelUrl: url, feeds, runs, threads }));
    nodeTimes.push(await timeOrtRuns(ortNode as never, model, { feeds, runs, threads }, false));
    process.stderr.write(`  round ${r + 1}/${rounds}: web ${webTimes[r].msPerRun.toFixed(0)} ms/run, node ${nodeTimes[r].msPerRun.toFixed(0)} ms/run\n`);
  }
  return { web: webTimes[0], node: nodeTimes[0], webMs: Math.min(...webTimes.map((t) => t.msPerRun)), nodeMs: Math.min(...nodeTimes.map((t) => t.msPerRun)) };
}

/** (a) measures the app itself: the built app's model worker records through the Recorder, as users run it. */
async function benchRecording(rows: BenchRow[]): Promise<void> {
  const batch = 32;
  const rounds = 2;
  const bytes = new Uint8Array(readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx')));
  const layers = listLayers(decodeModel(bytes));
  const model = exposeTensors(decodeModel(bytes), layers.map((l) => l.tensor));
  const app = await openAppBench();
  try {
    await app.load({ modelUrl: MOBILENET_URL, batch });
    // Memory of what a user does: load the model and record one batch (this first call also opens the recording
    // session), read before the timing rounds leave their results behind as garbage.
    const first = await app.record(1);
    const peak = app.rendererPeakBytes();
    const webTimes: AppRecording[] = [];
    const nodeTimes: TimingResult[] = [];
    for (let r = 0; r < rounds; r++) {
      webTimes.push(await app.record(2));
      nodeTimes.push(await timeOrtRuns(ortNode as never, model, { feeds: [{ name: 'input', type: 'float32', dims: [batch, 3, 224, 224], fill: 'random' }], runs: 2, threads: first.threads }, false));
      process.stderr.write(`(a) round ${r + 1}/${rounds}: app ${webTimes[r].msPerRecord.toFixed(0)} ms/record (${webTimes[r].threads} threads), node ${nodeTimes[r].msPerRun.toFixed(0)} ms/run\n`);
    }
    const webIps = (1000 * batch) / Math.min(...webTimes.map((t) => t.msPerRecord));
    const nodeIps = (1000 * batch) / Math.min(...nodeTimes.map((t) => t.msPerRun));
    const needed = bytes.byteLength + first.outputBytes + batch * 3 * 224 * 224 * 4;
    rows.push(
      { section: 'a', what: `record MobileNetV2 in the app's model worker (${webTimes[0].outputs} outputs, batch ${batch})`, unit: 'images/s', silico: webIps, reference: nodeIps, refName: 'onnxruntime-node', ratio: nodeIps / webIps, target: 2 },
      { section: 'a', what: 'peak renderer memory (RSS), load + one recording', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'weights+input+activations', ratio: peak / needed, target: 2 },
    );
  } finally {
    await app.close();
  }
}

async function benchGpt2(rows: BenchRow[]): Promise<void> {
  const batch = 16;
  const seq = 16;
  const size = GPT2_SIZES.small;
  process.stderr.write(`(c) building untrained GPT-2 small (${(gpt2ParamCount(size) / 1e6).toFixed(1)}M parameters)\n`);
  // Representation (every block's residual stream) and prediction (logits) in one run.
  const extraOutputs = Array.from({ length: size.nLayer }, (_, i) => `h.${i}.resid`);
  const model = buildGpt2Model({ ...size, extraOutputs });
  const feeds: FeedSpec[] = [
    { name: 'input_ids', type: 'int64', dims: [batch, seq], fill: 'random', vocab: 50257 },
    { name: 'attention_mask', type: 'int64', dims: [batch, seq], fill: 1 },
  ];
  const web = await openWebBench(threads);
  try {
    const r = await compareEngines(web, model, feeds, 2, 2);
    const webSps = (1000 * batch) / r.webMs;
    const nodeSps = (1000 * batch) / r.nodeMs;
    const peak = web.rendererPeakBytes();
    const needed = model.byteLength + r.web.outputBytes;
    rows.push(
      { section: 'c', what: `GPT-2 small untrained, ${batch}×${seq} tokens, 12 residuals + logits`, unit: 'sentences/s', silico: webSps, reference: nodeSps, refName: 'onnxruntime-node', ratio: nodeSps / webSps, target: 2 },
      { section: 'c', what: 'peak renderer memory (RSS)', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'weights+activations', ratio: peak / needed },
    );
  } finally {
    await web.close();
  }
}

async function main(): Promise<void> {
  if (!hasShared) throw new Error(NO_SHARED);
  const rows: BenchRow[] = [];
  const t0 = performance.now();
  if (sections.has('a')) await benchRecording(rows);
  if (sections.has('b')) await runScoringBench(rows);
  if (sections.has('c')) await benchGpt2(rows);
  printTable(rows, { threads, seconds: (performance.now() - t0) / 1000 });
}

await main();
