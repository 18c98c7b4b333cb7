/**
 * `npm run bench`: speed and memory of the browser engine against native references, in one run.
 *   (a) recording MobileNetV2 (all layers, batch 32) in the built app's model worker (SILICO_DIST, default dist/; build
 *       it first) on WASM in headless Chromium vs onnxruntime-node; and the renderer's peak RSS
 *   (b) ridge-CV scoring of all MobileNetV2 layers on a Cowley V4 session: silico metrics (as the app scores them,
 *       on a pool of one worker per core) vs scikit-learn, plus scaling with stimuli (400 → 1200) and features (1k → 100k)
 *   (c) the Language lab's worker (same build) loading untrained GPT-2 small (124M) and computing sentence features
 *       (every sweep layer + surprisal), sentences/s vs the same engine on onnxruntime-node; and the renderer's peak RSS
 *   (d) GPT-2 small int8 in the transformers.js layout (decoder_model_quantized) on onnxruntime-web vs -node: speed
 *       and the renderer's peak memory (tools/bench/quantized-lm.ts)
 *   (e) click on a locally served Cowley session → first real plot in the built app (tools/bench/catalog-plot.ts;
 *       against issue 10's 60-s budget)
 *   (f) the Microstimulation lab's cold start: load MobileNetV2 → fLoc → sheet ready in the built app
 *       (tools/bench/microstim.ts; against issue 13's 60-s budget)
 * Targets (issue 14): (a) speed ≤ 1.2x, memory ≤ 1.3x; (b1) ≤ 1.0x scikit-learn; (c) speed and memory ≤ 1.5x; other rows ≤ 2x;
 * (d) is reported without a target; (e), (f) against their 60-s budgets. Options: --only a,b,c,d,e,f   --threads N (default 2; (a) and (c) run with
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
import { openAppBench, openLanguageBench, type AppRecording } from './bench/web';
import { timeOrtRuns, type TimingResult } from './bench/ort-timing';
import { loadTokenizer } from '../src/core/text/tokenizer';
import { planBatches, RUN_SENTENCES, RUN_TOKENS, SentenceEngine } from '../src/core/language/sentence-engine';
import { templateSentences } from '../src/core/language/demo-pool';
import type { OrtModule, OrtSession } from '../src/core/engine';
import { runScoringBench } from './bench/scoring';
import { runQuantizedLmBench } from './bench/quantized-lm';
import { runCatalogPlotBench } from './bench/catalog-plot';
import { runMicrostimBench } from './bench/microstim';
import { printTable, type BenchRow } from './bench/table';

const { values } = parseArgs({ options: { only: { type: 'string', default: 'a,b,c,d,e,f' }, threads: { type: 'string', default: '2' } } });
const sections = new Set(String(values.only).split(','));
const threads = Number(values.threads);
const MiB = 2 ** 20;

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
      { section: 'a', what: `record MobileNetV2 in the app's model worker (${webTimes[0].outputs} outputs, batch ${batch})`, unit: 'images/s', silico: webIps, reference: nodeIps, refName: 'onnxruntime-node', ratio: nodeIps / webIps, target: 1.2 },
      { section: 'a', what: 'peak renderer memory (RSS), load + one recording', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'weights+input+activations', ratio: peak / needed, target: 1.3 },
    );
  } finally {
    await app.close();
  }
}

/** (c) measures the Language lab: its worker builds the untrained GPT-2 small and computes sentence features (every
 * sweep layer's last-token state and the surprisal) with its SentenceEngine; onnxruntime-node runs the same engine
 * on the same model bytes, tokenizer and sentences. */
async function benchGpt2(rows: BenchRow[]): Promise<void> {
  const rounds = 2;
  const runs = 2;
  const size = GPT2_SIZES.small;
  const sentences = templateSentences(16, 0);
  const tokenizerJson = readFileSync(sharedPath('models/gpt2-tokenizer/tokenizer.json'), 'utf8');
  const tokenizer = loadTokenizer(tokenizerJson);
  const app = await openLanguageBench();
  try {
    process.stderr.write(`(c) loading untrained GPT-2 small (${(gpt2ParamCount(size) / 1e6).toFixed(1)}M parameters) in the Language lab's worker\n`);
    const lm = await app.load({ kind: 'builtin', size: 'small' }, tokenizerJson);
    // Memory of what a user does: load the model and compute one set of sentence features.
    const first = await app.features(sentences, 1);
    const peak = app.rendererPeakBytes();
    const appThreads = Number(/(\d+) thread/.exec(lm.backend)?.[1] ?? 1);
    // The reference: the lab's engine on onnxruntime-node, same model bytes (the worker's builder call), same threads.
    const model = buildGpt2Model({ ...size, seed: 0, extraOutputs: lm.layers });
    const nodeOrt: OrtModule = {
      Tensor: ortNode.Tensor as unknown as OrtModule['Tensor'],
      InferenceSession: { create: (bytes) => ortNode.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: appThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all' }) as unknown as Promise<OrtSession> },
    };
    const engine = await SentenceEngine.create(nodeOrt, model, 50257);
    const reference = await engine.features(tokenizer, sentences, lm.layers);
    const maxDiff = Math.max(...lm.layers.map((l) => reference.features[l].data.reduce((m, v, i) => Math.max(m, Math.abs(v - first.features[l][i])), 0)));
    process.stderr.write(`(c) features page vs node: max |difference| ${maxDiff.toExponential(2)} over ${lm.layers.length} layers\n`);
    const webMs: number[] = [];
    const nodeMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      webMs.push((await app.features(sentences, runs)).msPerCall);
      let best = Infinity;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await engine.features(tokenizer, sentences, lm.layers);
        best = Math.min(best, performance.now() - t0);
      }
      nodeMs.push(best);
      process.stderr.write(`(c) round ${r + 1}/${rounds}: lab ${webMs[r].toFixed(0)} ms, node ${nodeMs[r].toFixed(0)} ms for ${sentences.length} sentences\n`);
    }
    await engine.dispose();
    const webSps = (1000 * sentences.length) / Math.min(...webMs);
    const nodeSps = (1000 * sentences.length) / Math.min(...nodeMs);
    // Weights plus one inference run's outputs (logits and every recorded layer, in the runs the lab's engine makes).
    const tokens = sentences.map((s) => tokenizer.encode(s).length + 1);
    let runBytes = 0;
    for (const [start, end] of planBatches(tokens, RUN_SENTENCES, RUN_TOKENS)) {
      const chunk = tokens.slice(start, end);
      runBytes = Math.max(runBytes, chunk.length * Math.max(...chunk) * (50257 + lm.layers.length * size.nEmbd) * 4);
    }
    const needed = model.byteLength + runBytes;
    const meanTokens = tokens.reduce((a, b) => a + b, 0) / tokens.length;
    rows.push(
      { section: 'c', what: `Language lab: GPT-2 small untrained, features of ${sentences.length} sentences (${meanTokens.toFixed(1)} tokens with BOS; ${lm.layers.length} layers + surprisal)`, unit: 'sentences/s', silico: webSps, reference: nodeSps, refName: 'onnxruntime-node', ratio: nodeSps / webSps, target: 1.5 },
      { section: 'c', what: 'peak renderer memory (RSS), load + one set of features', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'weights+one run\'s outputs', ratio: peak / needed, target: 1.5 },
    );
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  if (!hasShared) throw new Error(NO_SHARED);
  const rows: BenchRow[] = [];
  const t0 = performance.now();
  if (sections.has('a')) await benchRecording(rows);
  if (sections.has('b')) await runScoringBench(rows);
  if (sections.has('c')) await benchGpt2(rows);
  if (sections.has('d')) await runQuantizedLmBench(rows, threads);
  if (sections.has('e')) runCatalogPlotBench(rows);
  if (sections.has('f')) runMicrostimBench(rows);
  printTable(rows, { threads, seconds: (performance.now() - t0) / 1000 });
}

await main();
