/**
 * Timing of onnxruntime inference with every requested output fetched, written once as a plain function
 * so the very same code runs in Node (onnxruntime-node) and in the page (onnxruntime-web, via page.evaluate).
 * It must stay self-contained: page.evaluate ships it as source text.
 */

export interface FeedSpec {
  name: string;
  type: 'float32' | 'int64';
  dims: number[];
  /** 'random': uniform [0,1) floats or token ids in [0, vocab); a number fills the tensor with it. */
  fill: 'random' | number;
  /** Upper bound for random int64 (token ids). */
  vocab?: number;
}

export interface TimingRequest {
  modelUrl: string;
  feeds: FeedSpec[];
  /** Timed runs after one warm-up run. */
  runs: number;
  threads: number;
}

export interface TimingResult {
  /** Mean milliseconds per run (excluding warm-up). */
  msPerRun: number;
  /** Bytes of all outputs of one run. */
  outputBytes: number;
  outputs: number;
  sessionMs: number;
}

/** Minimal structural view of the onnxruntime API shared by -node and -web. */
interface OrtLike {
  env: { wasm?: { numThreads?: number; wasmPaths?: string } };
  Tensor: new (type: string, data: Float32Array | BigInt64Array, dims: number[]) => unknown;
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<{
      outputNames: readonly string[];
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: { byteLength: number }; dispose?: () => void }>>;
      release(): Promise<void>;
    }>;
  };
}

/** Self-contained (no closures over module scope): shipped to the browser as source. */
export async function timeOrtRuns(ort: OrtLike, model: Uint8Array, req: Omit<TimingRequest, 'modelUrl'>, isWeb: boolean): Promise<TimingResult> {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const feeds: Record<string, unknown> = {};
  for (const f of req.feeds) {
    const size = f.dims.reduce((a, b) => a * b, 1);
    if (f.type === 'float32') {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = f.fill === 'random' ? rand() : f.fill;
      feeds[f.name] = new ort.Tensor('float32', data, f.dims);
    } else {
      const data = new BigInt64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(f.fill === 'random' ? Math.floor(rand() * (f.vocab ?? 1000)) : f.fill);
      feeds[f.name] = new ort.Tensor('int64', data, f.dims);
    }
  }
  const options: Record<string, unknown> = isWeb
    ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
    : { executionProviders: ['cpu'], intraOpNumThreads: req.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, options);
  const sessionMs = performance.now() - t0;
  let outputBytes = 0;
  let outputs = 0;
  const once = async () => {
    const result = await session.run(feeds);
    outputBytes = 0;
    outputs = 0;
    for (const name of Object.keys(result)) {
      outputBytes += result[name].data.byteLength;
      outputs++;
      result[name].dispose?.();
    }
  };
  await once();
  const t1 = performance.now();
  for (let i = 0; i < req.runs; i++) await once();
  const msPerRun = (performance.now() - t1) / req.runs;
  await session.release();
  return { msPerRun, outputBytes, outputs, sessionMs };
}
