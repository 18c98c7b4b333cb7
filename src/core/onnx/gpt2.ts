/**
 * A GPT-2-architecture decoder built as an ONNX graph in code, with seeded random weights:
 * the "untrained" baseline of Schrimpf et al. 2021. Same computation as Hugging Face's
 * GPT2LMHeadModel (pre-LayerNorm blocks, gelu_new, tied input/output embeddings), standard
 * opset-17 ops only, so it runs in onnxruntime-web (WASM/WebGPU) and onnxruntime-node.
 *
 * Graph I/O
 *   inputs : input_ids int64 [batch, seq], attention_mask int64 [batch, seq] (1 = token, 0 = pad;
 *            right padding). Positions are 0..seq-1 as in HF's default.
 *   output : logits float32 [batch, seq, vocab]
 *
 * Named intermediate tensors (expose any of them as an output to record it):
 *   embed            token + position embedding                     [B, T, D]
 *   h.{i}.ln_1       LayerNorm before attention                      [B, T, D]
 *   h.{i}.attn.probs attention probabilities                         [B, H, T, T]
 *   h.{i}.attn_out   attention block output (after c_proj)           [B, T, D]
 *   h.{i}.resid_mid  residual stream after attention                 [B, T, D]
 *   h.{i}.ln_2       LayerNorm before the MLP                        [B, T, D]
 *   h.{i}.mlp.act    MLP hidden activation (gelu_new)                [B, T, 4D]
 *   h.{i}.mlp_out    MLP block output (after c_proj)                 [B, T, D]
 *   h.{i}.resid      residual stream after block i                   [B, T, D]
 *   ln_f             final LayerNorm                                 [B, T, D]
 *   logits           next-token logits                               [B, T, V]
 *
 * Initialisation (HF GPT2PreTrainedModel._init_weights): every weight matrix and embedding
 * ~ normal(0, 0.02), the two residual projections (attn.c_proj, mlp.c_proj) ~ normal(0, 0.02/sqrt(2·nLayer)),
 * biases 0, LayerNorm weight 1 / bias 0. Draws come from `Rng(seed)` in a fixed order
 * (wte, wpe, then per block c_attn, attn.c_proj, c_fc, mlp.c_proj), so a seed names one model.
 * Initializer names follow HF (without the "transformer." prefix), e.g. "h.0.attn.c_attn.weight".
 *
 * Memory: weights are written straight into the final protobuf buffer as raw_data (one scratch
 * array per tensor), so building `small` (124M parameters) needs ~500 MB plus the largest tensor.
 */
import { onnx, ElemType, type AttributeProto, type GraphProto, type IModelProto, type NodeProto, type ValueInfoProto } from './proto';
import { Rng } from '../language/random';
import { UserFacingError, type LayerInfo, type ProgressFn } from '../types';

export interface Gpt2Config {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Default 50257 (GPT-2's BPE vocabulary). */
  vocabSize?: number;
  /** Maximum sequence length (rows of the position embedding). Default 1024. */
  nPositions?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  /** Intermediate tensors (names above) to declare as extra graph outputs, besides `logits`. */
  extraOutputs?: string[];
  /** Reports bytes written (building `small` takes seconds). */
  onProgress?: ProgressFn;
}

export type Gpt2Size = 'tiny' | 'mini' | 'small';

export const GPT2_SIZES: Record<Gpt2Size, { nLayer: number; nHead: number; nEmbd: number }> = {
  tiny: { nLayer: 2, nHead: 4, nEmbd: 128 },
  mini: { nLayer: 4, nHead: 4, nEmbd: 256 },
  small: { nLayer: 12, nHead: 12, nEmbd: 768 },
};

const INIT_SD = 0.02;
const LN_EPS = 1e-5;
/** HF fills masked attention scores with the float32 minimum; softmax then gives them weight 0. */
const MASKED_SCORE = -3.4028234663852886e38;

/** Number of trainable parameters (tied embeddings counted once), e.g. 124,439,808 for `small`. */
export function gpt2ParamCount(config: Gpt2Config): number {
  const { nLayer, nEmbd: d } = config;
  const v = config.vocabSize ?? 50257;
  const p = config.nPositions ?? 1024;
  const block = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);
  return v * d + p * d + nLayer * block + 2 * d;
}

/** Labelled recordable tensors of a model built here, in depth order (for layer lists). */
export function gpt2Layers(nLayer: number): LayerInfo[] {
  const layers: LayerInfo[] = [{ tensor: 'embed', label: 'embedding', group: 'stem', kind: 'embedding', op: 'Add', depth: 0 }];
  for (let i = 0; i < nLayer; i++) {
    const group = `block ${i}`;
    layers.push(
      { tensor: `h.${i}.attn_out`, label: `block ${i} · attention`, group, kind: 'attention', op: 'Add', depth: 0 },
      { tensor: `h.${i}.mlp_out`, label: `block ${i} · MLP`, group, kind: 'mlp', op: 'Add', depth: 0 },
      { tensor: `h.${i}.resid`, label: `block ${i} · residual`, group, kind: 'residual', op: 'Add', depth: 0 },
    );
  }
  layers.push(
    { tensor: 'ln_f', label: 'final LayerNorm', group: 'head', kind: 'norm', op: 'LayerNormalization', depth: 0 },
    { tensor: 'logits', label: 'logits', group: 'head', kind: 'logits', op: 'Reshape', depth: 0 },
  );
  layers.forEach((l, i) => (l.depth = i));
  return layers;
}

export type Fill = { kind: 'normal'; sd: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'values'; bytes: Uint8Array };

export interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  fill: Fill;
}

const A = { FLOAT: 1, INT: 2, INTS: 7 } as const; // onnx AttributeProto.AttributeType

function attrInt(name: string, i: number): AttributeProto {
  return { name, type: A.INT, i };
}
function attrInts(name: string, ints: number[]): AttributeProto {
  return { name, type: A.INTS, ints };
}
function attrFloat(name: string, f: number): AttributeProto {
  return { name, type: A.FLOAT, f };
}

/** Builds the model and returns the serialized ONNX ModelProto. */
export function buildGpt2Model(config: Gpt2Config): Uint8Array {
  const { model, graph, inits, seed } = gpt2ModelParts(config);
  return serializeWithInitializers(model, graph, inits, new Rng(seed), config.onProgress);
}

/** buildGpt2Model's model and graph with its initializers still undrawn (in draw order: each 'normal' fill takes
 * the next values of Rng(seed)). core/language/gpt2-weights.ts draws them on demand instead. */
export function gpt2ModelParts(config: Gpt2Config): { model: IModelProto; graph: GraphProto; inits: Initializer[]; seed: number } {
  const { nLayer, nHead, nEmbd: d } = config;
  const vocab = config.vocabSize ?? 50257;
  const nPos = config.nPositions ?? 1024;
  for (const [k, v] of Object.entries({ nLayer, nHead, nEmbd: d, vocabSize: vocab, nPositions: nPos })) {
    if (!Number.isInteger(v) || v < 1) throw new UserFacingError(`GPT-2 config: ${k} must be a positive integer (got ${v}).`);
  }
  if (d % nHead !== 0) throw new UserFacingError(`GPT-2 config: nEmbd (${d}) must be divisible by nHead (${nHead}).`);
  const dh = d / nHead;
  const F = ElemType.FLOAT;
  const I64 = ElemType.INT64;

  const inits: Initializer[] = [];
  const weight = (name: string, dims: number[], fill: Fill) => {
    inits.push({ name, dims, dataType: F, fill });
    return name;
  };
  const constI64 = (name: string, values: number[], scalar = false) => {
    const bytes = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
    inits.push({ name, dims: scalar ? [] : [values.length], dataType: I64, fill: { kind: 'values', bytes } });
    return name;
  };
  const constF32 = (name: string, value: number) => {
    inits.push({ name, dims: [], dataType: F, fill: { kind: 'values', bytes: new Uint8Array(new Float32Array([value]).buffer) } });
    return name;
  };

  const nodes: NodeProto[] = [];
  const node = (opType: string, inputs: string[], output: string, attribute: AttributeProto[] = []) => {
    nodes.push({ opType, input: inputs, output: [output], name: `${opType}:${output}`, attribute });
    return output;
  };

  const residSd = INIT_SD / Math.sqrt(2 * nLayer);
  const wte = weight('wte.weight', [vocab, d], { kind: 'normal', sd: INIT_SD });
  const wpe = weight('wpe.weight', [nPos, d], { kind: 'normal', sd: INIT_SD });

  const c0 = constI64('const.zero', [0], true);
  const c1 = constI64('const.one', [1], true);
  const axes0 = constI64('const.axes_0', [0]);
  const axes1 = constI64('const.axes_1', [1]);
  const axes12 = constI64('const.axes_1_2', [1, 2]);
  const shapeBTHD = constI64('const.shape_bthd', [0, 0, nHead, dh]);
  const shapeBTD = constI64('const.shape_btd', [0, 0, d]);
  const shapeFlat = constI64('const.shape_rows_d', [-1, d]);
  const vocabDim = constI64('const.vocab_dim', [vocab]);
  const splitQKV = constI64('const.split_qkv', [d, d, d]);
  const sqrtDh = constF32('const.sqrt_head_dim', Math.sqrt(dh));
  const maskedScore = constF32('const.masked_score', MASKED_SCORE);
  const half = constF32('const.half', 0.5);
  const oneF = constF32('const.one_f', 1);
  const geluCubic = constF32('const.gelu_cubic', 0.044715);
  const geluScale = constF32('const.gelu_scale', Math.sqrt(2 / Math.PI));

  // Embeddings: token rows + position rows 0..T-1.
  const inputShape = node('Shape', ['input_ids'], 'input_shape');
  const seqLen = node('Gather', [inputShape, c1], 'seq_len', [attrInt('axis', 0)]);
  const positions = node('Range', [c0, seqLen, c1], 'positions');
  const tok = node('Gather', [wte, 'input_ids'], 'tok_embed', [attrInt('axis', 0)]);
  const pos = node('Gather', [wpe, positions], 'pos_embed', [attrInt('axis', 0)]);
  let x = node('Add', [tok, pos], 'embed');

  // Attention may use key j from query i when j <= i (causal) and key j is not padding.
  const qPos = node('Unsqueeze', [positions, axes1], 'mask.query_pos');
  const kPos = node('Unsqueeze', [positions, axes0], 'mask.key_pos');
  const causal = node('LessOrEqual', [kPos, qPos], 'mask.causal');
  const keyOk = node('Cast', ['attention_mask'], 'mask.key_ok', [attrInt('to', ElemType.BOOL)]);
  const keyOk4 = node('Unsqueeze', [keyOk, axes12], 'mask.key_ok_4d');
  const allowed = node('And', [causal, keyOk4], 'mask.allowed');

  const layerNorm = (input: string, prefix: string, output: string) =>
    node('LayerNormalization', [input, weight(`${prefix}.weight`, [d], { kind: 'ones' }), weight(`${prefix}.bias`, [d], { kind: 'zeros' })], output, [
      attrInt('axis', -1),
      attrFloat('epsilon', LN_EPS),
    ]);
  const linear = (input: string, prefix: string, nIn: number, nOut: number, sd: number, output: string) => {
    const mm = node('MatMul', [input, weight(`${prefix}.weight`, [nIn, nOut], { kind: 'normal', sd })], `${output}.matmul`);
    return node('Add', [mm, weight(`${prefix}.bias`, [nOut], { kind: 'zeros' })], output);
  };

  for (let i = 0; i < nLayer; i++) {
    const p = `h.${i}`;
    const ln1 = layerNorm(x, `${p}.ln_1`, `${p}.ln_1`);
    const qkv = linear(ln1, `${p}.attn.c_attn`, d, 3 * d, INIT_SD, `${p}.attn.qkv`);
    nodes.push({
      opType: 'Split', input: [qkv, splitQKV], output: [`${p}.attn.q`, `${p}.attn.k`, `${p}.attn.v`],
      name: `Split:${p}.attn.qkv`, attribute: [attrInt('axis', -1)],
    });
    const heads = (t: string, perm: number[], out: string) =>
      node('Transpose', [node('Reshape', [t, shapeBTHD], `${out}.bthd`)], out, [attrInts('perm', perm)]);
    const q = heads(`${p}.attn.q`, [0, 2, 1, 3], `${p}.attn.q_heads`); // [B,H,T,dh]
    const kT = heads(`${p}.attn.k`, [0, 2, 3, 1], `${p}.attn.k_heads_t`); // [B,H,dh,T]
    const v = heads(`${p}.attn.v`, [0, 2, 1, 3], `${p}.attn.v_heads`);
    const scores = node('Div', [node('MatMul', [q, kT], `${p}.attn.qk`), sqrtDh], `${p}.attn.scores`);
    const masked = node('Where', [allowed, scores, maskedScore], `${p}.attn.scores_masked`);
    const probs = node('Softmax', [masked], `${p}.attn.probs`, [attrInt('axis', -1)]);
    const ctx = node('MatMul', [probs, v], `${p}.attn.context_heads`);
    const ctxBTHD = node('Transpose', [ctx], `${p}.attn.context_bthd`, [attrInts('perm', [0, 2, 1, 3])]);
    const ctxBTD = node('Reshape', [ctxBTHD, shapeBTD], `${p}.attn.context`);
    const attnOut = linear(ctxBTD, `${p}.attn.c_proj`, d, d, residSd, `${p}.attn_out`);
    const mid = node('Add', [x, attnOut], `${p}.resid_mid`);

    const ln2 = layerNorm(mid, `${p}.ln_2`, `${p}.ln_2`);
    const fc = linear(ln2, `${p}.mlp.c_fc`, d, 4 * d, INIT_SD, `${p}.mlp.fc`);
    // gelu_new(x) = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))
    const cube = node('Mul', [node('Mul', [fc, fc], `${p}.mlp.fc_sq`), fc], `${p}.mlp.fc_cube`);
    const inner = node('Mul', [node('Add', [fc, node('Mul', [cube, geluCubic], `${p}.mlp.gelu_c`)], `${p}.mlp.gelu_sum`), geluScale], `${p}.mlp.gelu_inner`);
    const tanhPlus1 = node('Add', [node('Tanh', [inner], `${p}.mlp.gelu_tanh`), oneF], `${p}.mlp.gelu_tanh1`);
    const act = node('Mul', [node('Mul', [fc, half], `${p}.mlp.gelu_half`), tanhPlus1], `${p}.mlp.act`);
    const mlpOut = linear(act, `${p}.mlp.c_proj`, 4 * d, d, residSd, `${p}.mlp_out`);
    x = node('Add', [mid, mlpOut], `${p}.resid`);
  }

  const lnF = layerNorm(x, 'ln_f', 'ln_f');
  // Tied output embedding: logits = ln_f · wteᵀ via Gemm(transB) so wte is stored once.
  const rows = node('Reshape', [lnF, shapeFlat], 'ln_f.rows');
  const logitsRows = node('Gemm', [rows, wte], 'logits.rows', [attrInt('transB', 1)]);
  const logitsShape = node('Concat', [inputShape, vocabDim], 'logits.shape', [attrInt('axis', 0)]);
  node('Reshape', [logitsRows, logitsShape], 'logits');

  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const dim = (v: string | number) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v });
  const valueInfo = (name: string, elemType: number, shape?: (string | number)[]): ValueInfoProto => ({
    name,
    type: { tensorType: { elemType, ...(shape ? { shape: { dim: shape.map(dim) } } : {}) } },
  });
  const outputs = [valueInfo('logits', F, ['batch', 'seq', vocab])];
  for (const name of config.extraOutputs ?? []) {
    if (name === 'logits') continue;
    if (!produced.has(name)) throw new UserFacingError(`GPT-2 model has no tensor named "${name}".`, 'See the list of named tensors in src/core/onnx/gpt2.ts.');
    outputs.push(valueInfo(name, F));
  }

  const graph: GraphProto = {
    name: `gpt2-random-L${nLayer}-H${nHead}-D${d}`,
    node: nodes,
    input: [valueInfo('input_ids', I64, ['batch', 'seq']), valueInfo('attention_mask', I64, ['batch', 'seq'])],
    output: outputs,
  };
  const model: IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'silico',
    docString: `GPT-2 architecture with random weights (seed ${config.seed ?? 0})`,
    metadataProps: [
      { key: 'silico.kind', value: 'gpt2-random' },
      { key: 'silico.config', value: JSON.stringify({ nLayer, nHead, nEmbd: d, vocabSize: vocab, nPositions: nPos, seed: config.seed ?? 0 }) },
    ],
  };
  return { model, graph, inits, seed: config.seed ?? 0 };
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 128) {
    out[offset++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[offset++] = n;
  return offset;
}

// Protobuf field tags (field number << 3 | wire type 2 = length-delimited).
const TAG_MODEL_GRAPH = (7 << 3) | 2;
const TAG_GRAPH_INITIALIZER = (5 << 3) | 2;
const TAG_TENSOR_RAW_DATA = (9 << 3) | 2;

/**
 * Protobuf lets a message's fields come in any order and repeated fields be spread out, so we
 * encode the small parts with protobufjs and append each initializer (header + raw_data) by hand
 * into one preallocated buffer, generating its values on the way.
 */
/** Floats generated per step when writing weights. Even, so fillNormal's Box–Muller pairs fall exactly as in one
 * whole-tensor fill: the weights are the same for a given seed. */
const FILL_CHUNK = 1 << 20;

function serializeWithInitializers(model: IModelProto, graph: GraphProto, inits: Initializer[], rng: Rng, onProgress?: ProgressFn): Uint8Array {
  const modelHead = onnx.ModelProto.encode(model).finish();
  const graphHead = onnx.GraphProto.encode(graph).finish();
  const entries = inits.map((t) => {
    const header = onnx.TensorProto.encode({ name: t.name, dims: t.dims, dataType: t.dataType }).finish();
    const count = t.dims.reduce((a, b) => a * b, 1);
    const byteLength = t.fill.kind === 'values' ? t.fill.bytes.length : count * 4;
    const tensorLength = header.length + 1 + varintLength(byteLength) + byteLength;
    return { t, header, count, byteLength, tensorLength, entryLength: 1 + varintLength(tensorLength) + tensorLength };
  });
  const graphLength = graphHead.length + entries.reduce((a, e) => a + e.entryLength, 0);
  const total = modelHead.length + 1 + varintLength(graphLength) + graphLength;
  const out = new Uint8Array(total);
  const scratch = new Float32Array(FILL_CHUNK);
  let o = 0;
  out.set(modelHead, o);
  o += modelHead.length;
  out[o++] = TAG_MODEL_GRAPH;
  o = writeVarint(out, o, graphLength);
  out.set(graphHead, o);
  o += graphHead.length;
  for (const e of entries) {
    out[o++] = TAG_GRAPH_INITIALIZER;
    o = writeVarint(out, o, e.tensorLength);
    out.set(e.header, o);
    o += e.header.length;
    out[o++] = TAG_TENSOR_RAW_DATA;
    o = writeVarint(out, o, e.byteLength);
    const fill = e.t.fill;
    if (fill.kind === 'values') {
      out.set(fill.bytes, o);
    } else if (fill.kind === 'normal' || fill.kind === 'ones') {
      // Through one small scratch buffer rather than a whole tensor at a time (the embedding alone is 150 MB for
      // GPT-2 small). Float32Array is little-endian, as ONNX raw_data requires.
      for (let done = 0; done < e.count; done += FILL_CHUNK) {
        const part = scratch.subarray(0, Math.min(FILL_CHUNK, e.count - done));
        if (fill.kind === 'normal') rng.fillNormal(part, fill.sd);
        else part.fill(1);
        out.set(new Uint8Array(part.buffer, 0, part.length * 4), o + done * 4);
      }
    } // zeros: the buffer is already zero
    o += e.byteLength;
    onProgress?.({ done: o, total, phase: 'building GPT-2 weights' });
  }
  if (o !== total) throw new Error(`GPT-2 serialization size mismatch (${o} != ${total})`);
  return out;
}

// ---------------------------------------------------------------- Hugging Face Optimum / transformers.js layout

export interface Gpt2OptimumConfig extends Gpt2Config {
  /** past_key_values.{i}.key/.value inputs [batch, heads, past, head_size] (decoder_with_past, merged, model.onnx). */
  past?: boolean;
  /** A position_ids input [batch, seq] (transformers.js v3 `onnx/model.onnx`). */
  positionIds?: boolean;
  /** A use_cache_branch bool [1] input, as merged decoders have (here it selects nothing: both branches are one graph). */
  useCacheBranch?: boolean;
}

/**
 * GPT-2 as `torch.onnx.export` writes it for Hugging Face Optimum (the files transformers.js loads, e.g. Xenova/gpt2's
 * onnx/decoder_model.onnx): opset 14, LayerNorm decomposed (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul,
 * Add), tensors named by module scope (`/transformer/h.0/Add_1_output_0` is block 0's residual stream,
 * `/transformer/Add_output_0` the embedding sum), initializers `transformer.h.0.attn.c_attn.weight` ..., the LM head
 * a transposed copy of wte (`onnx::MatMul_*`), and the export's I/O: input_ids, attention_mask [batch,
 * past_sequence_length + sequence_length], optional position_ids, past_key_values.{i}.key/.value and
 * use_cache_branch; outputs logits and present.{i}.key/.value. Same computation and seeded weights as
 * buildGpt2Model, so a seed names the same network in both layouts.
 */
export function buildGpt2OptimumModel(config: Gpt2OptimumConfig): Uint8Array {
  const { nLayer, nHead, nEmbd: d } = config;
  const vocab = config.vocabSize ?? 50257;
  const nPos = config.nPositions ?? 1024;
  if (d % nHead !== 0) throw new UserFacingError(`GPT-2 config: nEmbd (${d}) must be divisible by nHead (${nHead}).`);
  const dh = d / nHead;
  const F = ElemType.FLOAT;
  const I64 = ElemType.INT64;
  const inits: Initializer[] = [];
  const weight = (name: string, dims: number[], fill: Fill) => (inits.push({ name, dims, dataType: F, fill }), name);
  const constI64 = (name: string, values: number[], scalar = false) => {
    inits.push({ name, dims: scalar ? [] : [values.length], dataType: I64, fill: { kind: 'values', bytes: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer) } });
    return name;
  };
  const constF32 = (name: string, value: number) => {
    inits.push({ name, dims: [], dataType: F, fill: { kind: 'values', bytes: new Uint8Array(new Float32Array([value]).buffer) } });
    return name;
  };
  const nodes: NodeProto[] = [];
  /** Node `${scope}/${op}` (numbered `_1`, `_2` within a scope, as torch does) with output `${name}_output_0`. */
  const counts = new Map<string, number>();
  const node = (scope: string, opType: string, inputs: string[], attribute: AttributeProto[] = [], output?: string) => {
    const key = `${scope}/${opType}`;
    const k = counts.get(key) ?? 0;
    counts.set(key, k + 1);
    const name = k === 0 ? key : `${key}_${k}`;
    const out = output ?? `${name}_output_0`;
    nodes.push({ opType, input: inputs, output: [out], name, attribute });
    return out;
  };

  const residSd = INIT_SD / Math.sqrt(2 * nLayer);
  // Weights in buildGpt2Model's draw order: wte, wpe, then per block c_attn, attn.c_proj, c_fc, mlp.c_proj.
  const wte = weight('transformer.wte.weight', [vocab, d], { kind: 'normal', sd: INIT_SD });
  const wpe = weight('transformer.wpe.weight', [nPos, d], { kind: 'normal', sd: INIT_SD });
  const c0 = constI64('/transformer/Constant_output_0', [0], true);
  const c1 = constI64('/transformer/Constant_1_output_0', [1], true);
  const axes0 = constI64('/transformer/Constant_3_output_0', [0]);
  const axes1 = constI64('/transformer/Constant_4_output_0', [1]);
  const axes12 = constI64('/transformer/Constant_5_output_0', [1, 2]);
  const shapeBTHD = constI64('/transformer/Constant_6_output_0', [0, 0, nHead, dh]);
  const shapeBTD = constI64('/transformer/Constant_7_output_0', [0, 0, d]);
  const splitQKV = constI64('/transformer/Constant_8_output_0', [d, d, d]);
  const two = constF32('/transformer/Constant_9_output_0', 2);
  const eps = constF32('/transformer/Constant_10_output_0', LN_EPS);
  const sqrtDh = constF32('/transformer/Constant_11_output_0', Math.sqrt(dh));
  const maskedScore = constF32('/transformer/Constant_12_output_0', MASKED_SCORE);
  const half = constF32('/transformer/Constant_13_output_0', 0.5);
  const oneF = constF32('/transformer/Constant_14_output_0', 1);
  const three = constF32('/transformer/Constant_15_output_0', 3);
  const geluCubic = constF32('/transformer/Constant_16_output_0', 0.044715);
  const geluScale = constF32('/transformer/Constant_17_output_0', Math.sqrt(2 / Math.PI));

  const T = '/transformer';
  const seqLen = node(T, 'Gather', [node(T, 'Shape', ['input_ids']), c1], [attrInt('axis', 0)]);
  const pastLen = config.past ? node(T, 'Gather', [node(T, 'Shape', ['past_key_values.0.key']), constI64('/transformer/Constant_2_output_0', [2], true)], [attrInt('axis', 0)]) : c0;
  const total = node(T, 'Add', [pastLen, seqLen]);
  const queryPos = node(T, 'Range', [pastLen, total, c1]);
  const positions = config.positionIds ? 'position_ids' : node(T, 'Unsqueeze', [queryPos, axes0]);
  const tok = node(`${T}/wte`, 'Gather', [wte, 'input_ids'], [attrInt('axis', 0)]);
  const pos = node(`${T}/wpe`, 'Gather', [wpe, positions], [attrInt('axis', 0)]);
  let x = node(T, 'Add', [tok, pos]);
  // Query at absolute position past+i may attend key j when j <= past+i and key j is not padding.
  const keyPos = node(T, 'Unsqueeze', [node(T, 'Range', [c0, total, c1]), axes0]);
  const causal = node(T, 'LessOrEqual', [keyPos, node(T, 'Unsqueeze', [queryPos, axes1])]);
  const keyOk = node(T, 'Unsqueeze', [node(T, 'Cast', ['attention_mask'], [attrInt('to', ElemType.BOOL)]), axes12]);
  const allowed = node(T, 'And', [causal, keyOk]);

  const layerNorm = (input: string, scope: string, prefix: string) => {
    const mean = node(scope, 'ReduceMean', [input], [attrInts('axes', [-1])]);
    const centered = node(scope, 'Sub', [input, mean]);
    const variance = node(scope, 'ReduceMean', [node(scope, 'Pow', [centered, two])], [attrInts('axes', [-1])]);
    const normed = node(scope, 'Div', [centered, node(scope, 'Sqrt', [node(scope, 'Add', [variance, eps])])]);
    return node(scope, 'Add', [node(scope, 'Mul', [normed, weight(`${prefix}.weight`, [d], { kind: 'ones' })]), weight(`${prefix}.bias`, [d], { kind: 'zeros' })]);
  };
  const conv1d = (input: string, scope: string, prefix: string, nIn: number, nOut: number, sd: number) =>
    node(scope, 'Add', [node(scope, 'MatMul', [input, weight(`${prefix}.weight`, [nIn, nOut], { kind: 'normal', sd })]), weight(`${prefix}.bias`, [nOut], { kind: 'zeros' })]);

  for (let i = 0; i < nLayer; i++) {
    const S = `${T}/h.${i}`;
    const p = `transformer.h.${i}`;
    const ln1 = layerNorm(x, `${S}/ln_1`, `${p}.ln_1`);
    const A = `${S}/attn`;
    const qkv = conv1d(ln1, `${A}/c_attn`, `${p}.attn.c_attn`, d, 3 * d, INIT_SD);
    const split = [`${A}/Split_output_0`, `${A}/Split_output_1`, `${A}/Split_output_2`];
    nodes.push({ opType: 'Split', input: [qkv, splitQKV], output: split, name: `${A}/Split`, attribute: [attrInt('axis', 2)] });
    const heads = (t: string, out?: string) => node(A, 'Transpose', [node(A, 'Reshape', [t, shapeBTHD])], [attrInts('perm', [0, 2, 1, 3])], out);
    const q = heads(split[0]);
    let k = heads(split[1], config.past ? undefined : `present.${i}.key`);
    let v = heads(split[2], config.past ? undefined : `present.${i}.value`);
    if (config.past) {
      k = node(A, 'Concat', [`past_key_values.${i}.key`, k], [attrInt('axis', -2)], `present.${i}.key`);
      v = node(A, 'Concat', [`past_key_values.${i}.value`, v], [attrInt('axis', -2)], `present.${i}.value`);
    }
    const scores = node(A, 'Div', [node(A, 'MatMul', [q, node(A, 'Transpose', [k], [attrInts('perm', [0, 1, 3, 2])])]), sqrtDh]);
    const probs = node(A, 'Softmax', [node(A, 'Where', [allowed, scores, maskedScore])], [attrInt('axis', -1)]);
    const ctx = node(A, 'Reshape', [node(A, 'Transpose', [node(A, 'MatMul', [probs, v])], [attrInts('perm', [0, 2, 1, 3])]), shapeBTD]);
    const attnOut = conv1d(ctx, `${A}/c_proj`, `${p}.attn.c_proj`, d, d, residSd);
    const mid = node(S, 'Add', [x, attnOut]);
    const ln2 = layerNorm(mid, `${S}/ln_2`, `${p}.ln_2`);
    const M = `${S}/mlp`;
    const fc = conv1d(ln2, `${M}/c_fc`, `${p}.mlp.c_fc`, d, 4 * d, INIT_SD);
    // NewGELUActivation: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))
    const G = `${M}/act`;
    const inner = node(G, 'Mul', [node(G, 'Add', [fc, node(G, 'Mul', [node(G, 'Pow', [fc, three]), geluCubic])]), geluScale]);
    const act = node(G, 'Mul', [node(G, 'Mul', [fc, half]), node(G, 'Add', [node(G, 'Tanh', [inner]), oneF])]);
    const mlpOut = conv1d(act, `${M}/c_proj`, `${p}.mlp.c_proj`, 4 * d, d, residSd);
    x = node(S, 'Add', [mid, mlpOut]);
  }
  const lnF = layerNorm(x, `${T}/ln_f`, 'transformer.ln_f');
  // The tied LM head as torch exports it: a transposed copy of wte (filled from wte's values after the fact).
  const lmHead = 'onnx::MatMul_lm_head';
  inits.push({ name: lmHead, dims: [d, vocab], dataType: F, fill: { kind: 'zeros' } });
  node('/lm_head', 'MatMul', [lnF, lmHead], [], 'logits');

  const dim = (v: string | number) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v });
  const valueInfo = (name: string, elemType: number, shape: (string | number)[]): ValueInfoProto => ({ name, type: { tensorType: { elemType, shape: { dim: shape.map(dim) } } } });
  const inputs = [valueInfo('input_ids', I64, ['batch_size', 'sequence_length'])];
  inputs.push(valueInfo('attention_mask', I64, ['batch_size', config.past ? 'past_sequence_length + 1' : 'sequence_length']));
  if (config.positionIds) inputs.push(valueInfo('position_ids', I64, ['batch_size', 'sequence_length']));
  if (config.past) {
    for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) inputs.push(valueInfo(`past_key_values.${i}.${kv}`, F, ['batch_size', nHead, 'past_sequence_length', dh]));
  }
  if (config.useCacheBranch) inputs.push(valueInfo('use_cache_branch', ElemType.BOOL, [1]));
  const outputs = [valueInfo('logits', F, ['batch_size', 'sequence_length', vocab])];
  for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) outputs.push(valueInfo(`present.${i}.${kv}`, F, ['batch_size', nHead, config.past ? 'past_sequence_length + sequence_length' : 'sequence_length', dh]));
  const graph: GraphProto = { name: 'main_graph', node: nodes, input: inputs, output: outputs };
  const model: IModelProto = { irVersion: 8, opsetImport: [{ domain: '', version: 14 }], producerName: 'pytorch', producerVersion: '2.1.0' };
  const bytes = serializeWithInitializers(model, graph, inits, new Rng(config.seed ?? 0), config.onProgress);
  fillTransposedCopy(bytes, inits, wte, lmHead, vocab, d);
  return bytes;
}

/** Writes wte's values, transposed, into the LM head's raw_data inside the serialized model (both are raw float32). */
function fillTransposedCopy(bytes: Uint8Array, inits: Initializer[], from: string, to: string, rows: number, cols: number): void {
  const model = onnx.ModelProto.decode(bytes);
  const raw = (name: string) => model.graph!.initializer!.find((t) => t.name === name)!.rawData!;
  const src = raw(from);
  const dst = raw(to);
  // protobufjs decodes bytes as views into `bytes`: writing dst writes the serialized model.
  if (dst.buffer !== bytes.buffer) throw new Error('LM head bytes are not a view into the model');
  const a = new Float32Array(src.slice().buffer);
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  dst.set(new Uint8Array(t.buffer));
  void inits;
}
