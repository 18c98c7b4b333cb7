/**
 * (d) GPT-2 small in the transformers.js / Optimum layout, int8 (onnx/decoder_model_quantized.onnx as the hub's
 * Xenova/gpt2 ships it: dynamic int8 MatMul weights, built here with seeded weights by core/onnx/gpt2.ts +
 * core/onnx/quantize.ts), run by onnxruntime-web (WASM) in headless Chromium vs onnxruntime-node: speed, and the
 * renderer's peak memory against the file's bytes plus one run's outputs. The fp32 file of the same layout is
 * reported alongside for scale (memory only).
 */
import * as ortNode from 'onnxruntime-node';
import { buildGpt2OptimumModel, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { quantizeMatMulsDynamic } from '../../src/core/onnx/quantize';
import { timeOrtRuns, type FeedSpec } from './ort-timing';
import type { BenchRow } from './table';
import { openWebBench } from './web';

const MiB = 2 ** 20;

export async function runQuantizedLmBench(rows: BenchRow[], threads: number): Promise<void> {
  const batch = 4;
  const seq = 16;
  const feeds: FeedSpec[] = [
    { name: 'input_ids', type: 'int64', dims: [batch, seq], fill: 'random', vocab: 50257 },
    { name: 'attention_mask', type: 'int64', dims: [batch, seq], fill: 1 },
  ];
  process.stderr.write('(d) building GPT-2 small in the Optimum layout and quantizing it (int8)\n');
  const fp32Bytes = buildGpt2OptimumModel({ ...GPT2_SIZES.small, seed: 0 });
  const fp32Size = fp32Bytes.byteLength;
  const model = quantizeMatMulsDynamic(fp32Bytes);
  const web = await openWebBench(threads);
  try {
    const url = web.serve('gpt2-small-int8.onnx', model);
    const webT = await web.time({ modelUrl: url, feeds, runs: 3, threads });
    const peak = web.rendererPeakBytes();
    const nodeT = await timeOrtRuns(ortNode as never, model, { feeds, runs: 3, threads }, false);
    process.stderr.write(`(d) int8 file ${(model.byteLength / MiB).toFixed(0)} MiB (fp32 ${(fp32Size / MiB).toFixed(0)} MiB): web ${webT.msPerRun.toFixed(0)} ms/run, node ${nodeT.msPerRun.toFixed(0)} ms/run, peak renderer ${(peak / MiB).toFixed(0)} MiB\n`);
    const needed = model.byteLength + webT.outputBytes;
    rows.push(
      { section: 'd', what: `GPT-2 small int8, transformers.js layout (decoder_model_quantized, ${(model.byteLength / MiB).toFixed(0)} MiB; fp32 ${(fp32Size / MiB).toFixed(0)} MiB), onnxruntime-web, batch ${batch}×${seq} tokens`, unit: 'ms/run', silico: webT.msPerRun, reference: nodeT.msPerRun, refName: 'onnxruntime-node', ratio: webT.msPerRun / nodeT.msPerRun },
      { section: 'd', what: 'peak renderer memory (RSS), session + runs', unit: 'MiB', silico: peak / MiB, reference: needed / MiB, refName: 'int8 file+one run\'s outputs', ratio: peak / needed },
    );
  } finally {
    await web.close();
  }
}
