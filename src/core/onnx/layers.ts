/**
 * Readable, recordable layers of an ONNX model, in topological order.
 *
 * Two readers, chosen by structure (not by file names, which differ between exporters):
 *
 * Transformers (any LayerNormalization-family nodes and no Conv): we follow the residual stream through
 * its norm sites. Pre-LN blocks give 2L+1 norms: ln_1, ln_2 per block and the final norm. The tensor a
 * norm reads is the residual stream; when that tensor is a residual Add (or a fused
 * SkipLayerNormalization, which adds input + skip), the non-stream operand is the sublayer's output
 * (attention for ln_2's Add, MLP for the next block's ln_1). Fused ORT graphs keep the sum in
 * SkipLayerNormalization's optional output 3 and the embedding sum in EmbedLayerNormalization's output 2;
 * when absent we report a synthetic name that exposeTensors adds to the node. Blocks count from 0 like
 * the h.{i} tensor names (labels match gpt2.ts's gpt2Layers), so "block i · residual" equals Hugging
 * Face's hidden_states[i + 1] (hidden_states[0] = "embedding"). In fused graphs the attention/MLP outputs exclude the projection bias
 * (it is folded into the next SkipLayerNormalization).
 *
 * CNNs and everything else: ops fold into units (Conv + BatchNorm/bias + activation, Add + activation,
 * pool + clamp), shape plumbing is skipped, and units group into blocks. A block ends after a residual
 * Add, after a (non-global) pooling, after a unit whose output branches (a skip connection starts), or
 * after a linear conv (no activation) that no Add consumes — MobileNet's linear bottleneck. Everything
 * from the first global pool or fully connected layer on is the "head"; a first block with more than two
 * convs gives up its first conv as the "stem" (and a first block with a single conv is the stem).
 * Quantized (QLinear*) graphs list their uint8/int8 tensors under the same labels as the fp32 model: the recorder
 * dequantizes them (onnx/expose.ts). Their activations are folded into the op; an output whose zero point sits at
 * the bottom of its range (0 for uint8, -128 for int8) cannot go negative, so it reads as a ReLU ("relu6" when its
 * widest range ends at 6, as calibrated ReLU6 models do).
 * Clip(min=0) counts as ReLU ("relu6" when max <= 6); Clip with a negative min is a range clamp (no activation).
 */
import type { LayerInfo } from '../types';
import { dataInputs, indexGraph, optionalOutputName, type GraphIndex } from './graph';
import type { IModelProto, NodeProto } from './proto';

const NORM_OPS = new Set([
  'LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'EmbedLayerNormalization',
]);

/**
 * Metadata key under which a model built in code (e.g. HMAX) declares its readable layers:
 * JSON array of LayerInfo without `depth`, in depth order. It takes precedence over structure.
 */
export const LAYERS_METADATA_KEY = 'silico.layers';

function declaredLayers(model: IModelProto): Draft[] | undefined {
  const entry = (model.metadataProps ?? []).find((p) => p.key === LAYERS_METADATA_KEY);
  if (!entry?.value) return undefined;
  try {
    const parsed: unknown = JSON.parse(entry.value);
    if (Array.isArray(parsed) && parsed.every((l) => typeof l?.tensor === 'string' && typeof l?.label === 'string')) return parsed as Draft[];
  } catch {
    // fall through to structural listing
  }
  return undefined;
}

export function listLayers(model: IModelProto): LayerInfo[] {
  const declared = declaredLayers(model);
  if (declared) return declared.map((l, depth) => ({ ...l, depth }));
  const g = indexGraph(model);
  const norms = g.nodes.filter((n) => NORM_OPS.has(n.opType ?? '') || decomposedNorm(g, n)).length;
  const isTransformer = norms >= 3 && !g.nodes.some((n) => n.opType === 'Conv');
  const layers = (isTransformer && transformerLayers(g)) || unitLayers(g);
  return layers.map((l, depth) => ({ ...l, depth }));
}

type Draft = Omit<LayerInfo, 'depth'>;

// ---------------------------------------------------------------- transformers

interface NormSite {
  node: NodeProto;
  /** Residual stream tensor the norm reads. */
  stream: string;
  /** Sublayer output that was added into the stream here, if any. */
  branch?: string;
  branchOp?: string;
  normOut: string;
  /** A LayerNorm written as ReduceMean/Sub/Pow/... ops. */
  decomposed?: boolean;
}

function producerOp(g: GraphIndex, t: string): string {
  return g.producer.get(t)?.node.opType ?? '';
}

/**
 * A LayerNorm that older exporters (torch.onnx below opset 17, as in Optimum's GPT-2) write as ops: its first
 * ReduceMean(x), whose output a Sub(x, mean) takes. Returns the norm's output, found by following
 * Sub → Div → Mul (weight) → Add (bias); the Div (or Sub) output when the affine part is missing.
 */
function decomposedNorm(g: GraphIndex, n: NodeProto): { input: string; output: string } | undefined {
  if (n.opType !== 'ReduceMean') return undefined;
  const x = n.input?.[0];
  const mean = n.output?.[0];
  if (!x || !mean) return undefined;
  const sub = (g.consumers.get(mean) ?? []).find((c) => c.opType === 'Sub' && c.input?.[0] === x && c.input?.[1] === mean);
  if (!sub?.output?.[0]) return undefined;
  const next = (t: string, op: string) => (g.consumers.get(t) ?? []).find((c) => c.opType === op && c.input?.[0] === t)?.output?.[0];
  const div = next(sub.output[0], 'Div');
  const mul = div && next(div, 'Mul');
  const add = mul && next(mul, 'Add');
  return { input: x, output: add || mul || div || sub.output[0] };
}

function transformerLayers(g: GraphIndex): Draft[] | null {
  const sites: NormSite[] = [];
  const streams = new Set<string>();
  for (const n of g.nodes) {
    const op = n.opType ?? '';
    const decomposed = decomposedNorm(g, n);
    if (decomposed) {
      const add = g.producer.get(decomposed.input)?.node;
      const site: NormSite = { node: n, stream: decomposed.input, normOut: decomposed.output, decomposed: true };
      if (add && add.opType === 'Add' && sites.length > 0) {
        const ins = dataInputs(g, add);
        const prev = ins.find((t) => streams.has(t));
        const branch = ins.find((t) => t !== prev);
        if (prev && branch) Object.assign(site, { branch, branchOp: producerOp(g, branch) });
      }
      streams.add(site.stream);
      sites.push(site);
      continue;
    }
    if (!NORM_OPS.has(op)) continue;
    const out = n.output ?? [];
    const inp = n.input ?? [];
    let site: NormSite;
    if (op === 'EmbedLayerNormalization') {
      site = { node: n, stream: out[2] || optionalOutputName(n, 2), normOut: out[0] };
    } else if (op.startsWith('Skip')) {
      const skipIsStream = !streams.has(inp[0]) || streams.has(inp[1]);
      const [branch, prev] = skipIsStream ? [inp[0], inp[1]] : [inp[1], inp[0]];
      if (!prev) return null;
      site = { node: n, stream: out[3] || optionalOutputName(n, 3), branch, branchOp: producerOp(g, branch), normOut: out[0] };
    } else {
      const x = inp[0];
      const add = g.producer.get(x)?.node;
      site = { node: n, stream: x, normOut: out[0] };
      if (add && (add.opType === 'Add') && sites.length > 0) {
        const ins = dataInputs(g, add);
        const prev = ins.find((t) => streams.has(t));
        const branch = ins.find((t) => t !== prev);
        if (prev && branch) Object.assign(site, { branch, branchOp: producerOp(g, branch) });
      }
    }
    streams.add(site.stream);
    sites.push(site);
  }
  const blocks = (sites.length - 1) / 2;
  if (!Number.isInteger(blocks) || blocks < 1 || sites.slice(1).some((s) => !s.branch)) return null;

  const layers: Draft[] = [];
  const first = sites[0];
  layers.push({ tensor: first.stream, label: 'embedding', group: 'stem', kind: 'embedding', op: first.node.opType === 'EmbedLayerNormalization' ? 'EmbedLayerNormalization' : producerOp(g, first.stream) });
  for (let i = 0; i < blocks; i++) {
    const attn = sites[2 * i + 1];
    const mlp = sites[2 * i + 2];
    const group = `block ${i}`;
    const residualOp = mlp.decomposed || mlp.node.opType === 'LayerNormalization' || mlp.node.opType === 'SimplifiedLayerNormalization' ? producerOp(g, mlp.stream) : mlp.node.opType ?? '';
    layers.push({ tensor: attn.branch!, label: `${group} · attention`, group, kind: 'attention', op: attn.branchOp ?? '' });
    layers.push({ tensor: mlp.branch!, label: `${group} · MLP`, group, kind: 'mlp', op: mlp.branchOp ?? '' });
    layers.push({ tensor: mlp.stream, label: `${group} · residual`, group, kind: 'residual', op: residualOp });
  }
  const last = sites[sites.length - 1];
  layers.push({ tensor: last.normOut, label: 'final LayerNorm', group: 'head', kind: 'norm', op: last.decomposed ? producerOp(g, last.normOut) : last.node.opType ?? '' });
  const logits = findLogits(g, last.normOut);
  if (logits) layers.push({ tensor: logits, label: 'logits', group: 'head', kind: 'logits', op: producerOp(g, logits) });
  return layers;
}

/** The first graph output downstream of the final norm (through the LM head's MatMul/Gemm and reshapes). */
function findLogits(g: GraphIndex, from: string): string | undefined {
  let frontier = [from];
  const seen = new Set(frontier);
  for (let step = 0; step < 8 && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const t of frontier) {
      for (const c of g.consumers.get(t) ?? []) {
        for (const o of c.output ?? []) {
          if (!o || seen.has(o) || g.shapeTensors.has(o)) continue;
          if (g.outputs.has(o)) return o;
          seen.add(o);
          next.push(o);
        }
      }
    }
    frontier = next;
  }
  return undefined;
}

// ---------------------------------------------------------------- CNNs and generic graphs

type UnitType = 'conv' | 'linear' | 'pool' | 'globalpool' | 'add' | 'concat';

interface Unit {
  type: UnitType;
  op: string;
  tensor: string;
  activation?: string;
}

const MAIN_OPS: Record<string, UnitType> = {
  Conv: 'conv', ConvTranspose: 'conv', ConvInteger: 'conv', QLinearConv: 'conv',
  Gemm: 'linear', MatMul: 'linear', QLinearMatMul: 'linear',
  MaxPool: 'pool', AveragePool: 'pool', LpPool: 'pool',
  GlobalAveragePool: 'globalpool', GlobalMaxPool: 'globalpool', GlobalLpPool: 'globalpool',
  QLinearAveragePool: 'pool', QLinearGlobalAveragePool: 'globalpool',
  Add: 'add', Sum: 'add', QLinearAdd: 'add',
  Concat: 'concat', QLinearConcat: 'concat',
};
const ACTIVATIONS: Record<string, string> = {
  Relu: 'relu', LeakyRelu: 'leaky relu', PRelu: 'prelu', Elu: 'elu', Selu: 'selu', Sigmoid: 'sigmoid',
  HardSigmoid: 'hard sigmoid', HardSwish: 'hard swish', Tanh: 'tanh', Gelu: 'gelu', FastGelu: 'gelu',
  Softplus: 'softplus', Mish: 'mish', Abs: 'abs', QLinearLeakyRelu: 'leaky relu', QLinearSigmoid: 'sigmoid',
};
/** Ops folded into the unit that feeds them (per-channel affine, bias, normalization, dropout). */
const FOLDED = new Set(['BatchNormalization', 'Add', 'Mul', 'Sub', 'Div', 'Dropout', 'InstanceNormalization', 'LRN', 'QLinearAdd', 'QLinearMul']);
/** Ops that pass a value through unchanged in content (only its view changes). */
const ALIASES = new Set(['Identity', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose', 'Cast', 'DequantizeLinear', 'QuantizeLinear']);

function clipActivation(g: GraphIndex, n: NodeProto): string | undefined {
  const attr = (name: string) => (n.attribute ?? []).find((a) => a.name === name)?.f ?? undefined;
  const min = n.input?.[1] ? g.constantValue(n.input[1])?.[0] : attr('min');
  const max = n.input?.[2] ? g.constantValue(n.input[2])?.[0] : attr('max');
  if (min !== 0) return undefined; // a range clamp, not a rectifier
  // Calibrated exports clamp ReLU6 layers at their observed maximum (< 6): still ReLU6 in architecture.
  return max === undefined ? 'relu' : max <= 6 ? 'relu6' : 'clipped relu';
}

const QUANT_OUTPUT: Record<string, [number, number]> = { QLinearConv: [6, 7], QLinearMatMul: [6, 7], QLinearAdd: [6, 7], QLinearMul: [6, 7] };

/** Upper end of the output range of a quantized op whose zero point sits at the bottom of its range (a folded
 * rectifier); undefined when the op's output can go negative or is not a quantized op. */
function rectifiedRange(g: GraphIndex, n: NodeProto): number | undefined {
  const slots = QUANT_OUTPUT[n.opType ?? ''];
  if (!slots) return undefined;
  const scale = g.constantValue(n.input?.[slots[0]] ?? '')?.[0];
  const zp = n.input?.[slots[1]] ? g.constantValue(n.input[slots[1]]!) : Float32Array.of(0);
  if (scale === undefined || !zp || zp.length !== 1) return undefined;
  const signed = g.elemTypeOf(n.input?.[slots[1]] ?? '') === 3;
  if (zp[0] !== (signed ? -128 : 0)) return undefined;
  return scale * ((signed ? 127 : 255) - zp[0]);
}

/**
 * The rectifier each quantized op folded in. ReLU6 and ReLU look alike once calibrated (ranges end at the observed
 * maximum): a model whose widest rectified range is 6 uses ReLU6 (MobileNet), otherwise ReLU (ResNet).
 */
function quantizedActivations(g: GraphIndex): Map<NodeProto, string> {
  const ranges = new Map<NodeProto, number>();
  for (const n of g.nodes) {
    const r = rectifiedRange(g, n);
    if (r !== undefined) ranges.set(n, r);
  }
  const widest = Math.max(...ranges.values());
  const name = Math.abs(widest - 6) < 1e-3 ? 'relu6' : 'relu';
  return new Map([...ranges.keys()].map((n) => [n, name]));
}

function unitLayers(g: GraphIndex): Draft[] {
  const folded = quantizedActivations(g);
  const units: Unit[] = [];
  const unitOf = new Map<string, Unit>();
  const dataConsumers = (t: string) => (g.consumers.get(t) ?? []).filter((c) => dataInputs(g, c).includes(t));

  for (const n of g.nodes) {
    const op = n.opType ?? '';
    const ins = dataInputs(g, n);
    const out = n.output?.[0];
    if (!out || ins.length === 0 || op === 'Constant' || g.shapeTensors.has(out)) continue;
    const source = ins.length === 1 ? unitOf.get(ins[0]) : undefined;
    const soleConsumer = ins.length === 1 && dataConsumers(ins[0]).length === 1;
    const upstreamIsUnit = source !== undefined && source.tensor === ins[0];

    if (ALIASES.has(op) && source) {
      unitOf.set(out, source);
      if (g.outputs.has(out) && soleConsumer) source.tensor = out;
      continue;
    }
    const activation = op === 'Clip' ? clipActivation(g, n) : ACTIVATIONS[op];
    const foldable = op === 'Clip' || activation !== undefined || FOLDED.has(op);
    const mainType = MAIN_OPS[op];
    const isBinaryData = (mainType === 'add' || mainType === 'concat') && ins.length >= 2;
    if (foldable && !isBinaryData && source && upstreamIsUnit && soleConsumer) {
      if (activation && (source.type === 'conv' || source.type === 'linear' || source.type === 'add' || source.type === 'concat') && !source.activation) {
        source.activation = activation;
      }
      source.tensor = out;
      unitOf.set(out, source);
      continue;
    }
    if (mainType && (mainType !== 'add' && mainType !== 'concat' ? true : isBinaryData)) {
      const unit: Unit = { type: mainType, op, tensor: out, activation: folded.get(n) };
      units.push(unit);
      unitOf.set(out, unit);
      continue;
    }
    if (activation && source) {
      // An activation on a branching tensor: its own unit.
      const unit: Unit = { type: source.type === 'pool' || source.type === 'globalpool' ? source.type : 'conv', op, tensor: out, activation };
      if (unit.type === 'conv') unit.type = 'concat'; // generic "other" unit
      units.push(unit);
      unitOf.set(out, unit);
    }
  }
  if (units.length === 0) return [];

  // Which unit tensors feed a residual Add unit, and which branch into several consumers.
  const addInputs = new Set<string>();
  for (const n of g.nodes) {
    const u = n.output?.[0] ? unitOf.get(n.output[0]) : undefined;
    if (u?.type === 'add' && u.op === n.opType) for (const t of dataInputs(g, n)) addInputs.add(unitOf.get(t)?.tensor ?? t);
  }
  const fanOut = (u: Unit) => {
    let count = 0;
    for (const [t, owner] of unitOf) {
      if (owner !== u) continue;
      count += dataConsumers(t).filter((c) => {
        const o = c.output?.[0] ?? '';
        return unitOf.get(o) !== u && !g.shapeTensors.has(o) && c.opType !== 'Shape';
      }).length;
    }
    return count;
  };

  const headStart = units.findIndex((u) => u.type === 'globalpool' || u.type === 'linear');
  const body = headStart >= 0 ? units.slice(0, headStart) : units;
  const head = headStart >= 0 ? units.slice(headStart) : [];
  // Quantized graphs fold activations into QLinearConv: without visible activations every conv would
  // look linear, so the linear-bottleneck rule only applies when some conv has an activation.
  const linearConvsEndBlocks = units.some((u) => u.type === 'conv' && u.activation);
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  for (const u of body) {
    current.push(u);
    const ends =
      u.type === 'add' || u.type === 'pool' || fanOut(u) >= 2 || (linearConvsEndBlocks && u.type === 'conv' && !u.activation && !addInputs.has(u.tensor));
    if (ends) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) {
    // Trailing units after the last block boundary belong to the head (e.g. MobileNet's final 1x1 conv).
    if (head.length > 0 && groups.length > 0) head.unshift(...current);
    else groups.push(current);
  }

  const named: { name: string; units: Unit[] }[] = [];
  const convCount = (us: Unit[]) => us.filter((u) => u.type === 'conv').length;
  let blockNumber = 1;
  groups.forEach((us, i) => {
    if (i === 0 && groups.length > 1 && convCount(us) > 2) {
      named.push({ name: 'stem', units: [us[0]] });
      named.push({ name: `block ${blockNumber++}`, units: us.slice(1) });
    } else if (i === 0 && groups.length > 1 && convCount(us) === 1) {
      named.push({ name: 'stem', units: us });
    } else {
      named.push({ name: `block ${blockNumber++}`, units: us });
    }
  });
  if (head.length > 0) named.push({ name: 'head', units: head });

  const last = units[units.length - 1];
  const layers: Draft[] = [];
  for (const { name, units: us } of named) {
    const counts: Record<string, number> = {};
    for (const u of us) {
      const base = { conv: 'conv', linear: 'fc', pool: 'pool', globalpool: 'global pool', add: 'residual', concat: u.op.toLowerCase() }[u.type];
      counts[base] = (counts[base] ?? 0) + 1;
      const numbered = u.type === 'conv' || u.type === 'linear' ? `${base} ${counts[base]}` : base;
      const isLogits = u === last && u.type === 'linear';
      const label = isLogits ? 'logits' : `${numbered}${u.activation ? ` (${u.activation})` : ''}`;
      const kind: LayerInfo['kind'] = isLogits
        ? 'logits'
        : u.type === 'conv' ? (u.activation ? 'relu' : 'conv')
        : u.type === 'pool' || u.type === 'globalpool' ? 'pool'
        : u.type === 'add' ? 'add'
        : u.activation ? 'relu' : 'other';
      layers.push({ tensor: u.tensor, label: `${name} · ${label}`, group: name, kind, op: g.producer.get(u.tensor)?.node.opType ?? u.op });
    }
  }
  return layers;
}
