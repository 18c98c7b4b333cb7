/**
 * `npm run bench`: speed and memory of the browser engine against native references, in one run.
 *   (a) recording MobileNetV2 (all layers exposed, batch 32): onnxruntime-web WASM in headless Chromium vs onnxruntime-node
 *   (b) ridge-CV scoring of all MobileNetV2 layers on a Cowley V4 session: silico metrics vs scikit-learn,
 *       plus scaling with stimuli (400 → 1200) and features (1k → 100k)
 *   (c) untrained GPT-2 small (124M): sentences/s for representation + prediction, WASM vs onnxruntime-node
 * Target: silico within 2x of the native reference. Options: --only a,b,c   --threads N (default 2)
 * Measurements alternate web/node runs so background load hits both sides alike; the best round of each counts.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { sharedPath, hasShared, NO_SHARED } from '../tests/support/shared';
import { decodeModel } from '../src/core/onnx/proto';
import { listLayers } from '../src/core/onnx/layers';
import { exposeTensors } from '../src/core/onnx/expose';
import { buildGpt2Model, GPT2_SIZES, gpt2ParamCount } from '../src/core/onnx/gpt2';
import { openWebBench, type WebBench } from './bench/web';
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

async function benchRecording(rows: BenchRow[]): Promise<void> {
  const batch = 32;
  const bytes = new Uint8Array(readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx')));
  const layers = listLayers(decodeModel(bytes));
  const model = exposeTensors(decodeModel(bytes), layers.map((l) => l.tensor));
  process.stderr.write(`(a) MobileNetV2, ${layers.length} layers exposed, batch ${batch}, ${threads} threads\n`);
  const web = await openWebBench(threads);
  try {
    const r = await compareEngines(web, model, [{ name: 'input', type: 'float32', dims: [batch, 3, 224, 224], fill: 'random' }], 2, 2);
    const webIps = (1000 * batch) / r.webMs;
    const nodeIps = (1000 * batch) / r.nodeMs;
    const peak = web.rendererPeakBytes();
    const pageMem = await web.pageMemoryBytes();
    const needed = bytes.byteLength + r.web.outputBytes + batch * 3 * 224 * 224 * 4;
    rows.push(
      { section: 'a', what: `record MobileNetV2 (${r.web.outputs} outputs, batch ${batch})`, unit: 'images/s', silico: webIps, reference: nodeIps, refName: 'onnxruntime-node', ratio: nodeIps / webIps, target: 2 },
      { section: 'a', what: 'peak renderer memory (RSS)', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'weights+input+activations', ratio: peak / needed },
    );
    if (pageMem !== undefined) rows.push({ section: 'a', what: 'page memory (measureUserAgentSpecificMemory)', unit: 'MiB', silico: pageMem / MiB, reference: needed / MiB, refName: 'weights+input+activations', ratio: pageMem / needed });
  } finally {
    await web.close();
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
