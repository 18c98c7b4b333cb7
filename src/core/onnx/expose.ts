/**
 * Graph surgery for recording: make chosen intermediate tensors graph outputs, so one inference run
 * returns them alongside the model's own outputs. The input model is never mutated (we work on a clone).
 *
 * Every exposed tensor comes out as float32 under its own name, whatever the model computes it in:
 * - quantized (uint8/int8 codes of QLinear* / QuantizeLinear ops, or of ops that only move such codes, e.g.
 *   MaxPool, Reshape) get a DequantizeLinear with the producer's own scale and zero point;
 * - float16, bfloat16, float64, integer and bool tensors get a Cast to float32.
 * The original tensor is renamed (`silico::raw::NAME`, in every node and subgraph that reads it) and the new
 * DequantizeLinear/Cast node produces NAME, so the model's own computation is unchanged and callers fetch
 * layers by the names listLayers gives, as for fp32 models. A graph output of another type (e.g. an fp16
 * model's logits) becomes float32 the same way. What cannot be read as numbers is refused by name and type.
 */
import { UserFacingError } from '../types';
import { parseOptionalOutputName } from './graph';
import { ElemType, cloneModel, elemTypeName, encodeModel, onnx, type DecodedModel, type IModelProto, type GraphProto, type NodeProto } from './proto';
import { inferElemTypes, quantParams, type QuantParams } from './types';

/** Ops that move quantized codes without changing their scale and zero point. */
const CODE_PRESERVING = new Set(['MaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Slice', 'Gather', 'Expand', 'Tile', 'Pad', 'SpaceToDepth', 'DepthToSpace', 'Resize']);

/** Name the renamed original of a converted tensor gets. */
export function rawTensorName(name: string): string {
  return `silico::raw::${name}`;
}

function renameInputs(graph: GraphProto, from: string, to: string): void {
  for (const n of graph.node ?? []) {
    n.input = (n.input ?? []).map((t) => (t === from ? to : t));
    for (const a of n.attribute ?? []) {
      if (a.g) renameInputs(a.g, from, to);
      for (const sub of a.graphs ?? []) renameInputs(sub, from, to);
    }
  }
}

function findQuantParams(graph: GraphProto, name: string): QuantParams | undefined {
  const producerOf = new Map<string, { node: NodeProto; slot: number }>();
  for (const n of graph.node ?? []) (n.output ?? []).forEach((o, slot) => o && producerOf.set(o, { node: n, slot }));
  let t = name;
  for (let step = 0; step < 32; step++) {
    const p = producerOf.get(t);
    if (!p) return undefined;
    const q = quantParams(p.node, p.slot);
    if (q) return q;
    if (!CODE_PRESERVING.has(p.node.opType ?? '') || p.slot !== 0) return undefined;
    t = p.node.input?.[0] ?? '';
  }
  return undefined;
}

const FLOAT_LIKE = new Set<number>([ElemType.FLOAT16, ElemType.BFLOAT16, ElemType.DOUBLE]);
const QUANTIZED = new Set<number>([ElemType.UINT8, ElemType.INT8, ElemType.UINT16, ElemType.INT16]);

/** Returns a clone of `model` in which every tensor in `tensorNames` is a float32 graph output (original outputs kept first). */
export function exposeTensorsInModel(model: IModelProto, tensorNames: readonly string[]): DecodedModel {
  const m = cloneModel(model);
  const graph = m.graph;
  const outputs = new Set(graph.output.map((o) => o.name));
  const inputs = new Set(graph.input.map((i) => i.name));
  const produced = new Set<string>();
  for (const n of graph.node) for (const o of n.output) if (o) produced.add(o);
  let types: Map<string, number> | undefined;
  const typeOf = (name: string) => (types ??= inferElemTypes(m)).get(name);

  for (const name of tensorNames) {
    if (!produced.has(name) && !outputs.has(name)) {
      const optional = parseOptionalOutputName(name);
      const node = optional && graph.node.find((n) => n.name === optional.nodeName);
      if (!optional || !node || optional.nodeName === '') {
        throw new UserFacingError(`The model has no layer called "${name}".`, 'Pick a layer from the list of recordable layers.');
      }
      while (node.output.length <= optional.slot) node.output.push('');
      if (node.output[optional.slot] && node.output[optional.slot] !== name) {
        throw new UserFacingError(`The model has no layer called "${name}".`);
      }
      node.output[optional.slot] = name;
      produced.add(name);
      types = undefined;
    }
    const type = typeOf(name);
    if (type !== undefined && type !== ElemType.FLOAT && produced.has(name) && !inputs.has(name)) {
      let converter: NodeProto;
      const raw = rawTensorName(name);
      if (QUANTIZED.has(type) && (type === ElemType.UINT8 || type === ElemType.INT8)) {
        const q = findQuantParams(graph, name);
        if (!q) {
          throw new UserFacingError(
            `The layer "${name}" holds ${elemTypeName(type)} values without a scale and zero point to turn them into real numbers, so it cannot be recorded.`,
            'Pick another layer (quantized layers are recorded through the scale and zero point of the op that produces them).',
          );
        }
        if (typeOf(q.scale) !== undefined && typeOf(q.scale) !== ElemType.FLOAT) {
          throw new UserFacingError(`The layer "${name}" is quantized with a ${elemTypeName(typeOf(q.scale)!)} scale ("${q.scale}"); only float32 scales are supported.`);
        }
        converter = onnx.NodeProto.create({ name: `silico::dequantize::${name}`, opType: 'DequantizeLinear', input: [raw, q.scale, ...(q.zeroPoint ? [q.zeroPoint] : [])], output: [name] });
      } else if (FLOAT_LIKE.has(type) || type === ElemType.BOOL || [ElemType.INT8, ElemType.UINT8, ElemType.INT16, ElemType.UINT16, ElemType.INT32, ElemType.UINT32, ElemType.INT64, ElemType.UINT64].includes(type as 2)) {
        converter = onnx.NodeProto.create({
          name: `silico::cast::${name}`, opType: 'Cast', input: [raw], output: [name],
          attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: ElemType.FLOAT })],
        });
      } else {
        throw new UserFacingError(`The layer "${name}" holds ${elemTypeName(type)} values, which cannot be recorded as numbers.`, 'Pick a layer with numeric values.');
      }
      for (const n of graph.node) n.output = n.output.map((o) => (o === name ? raw : o));
      renameInputs(graph, name, raw);
      for (const v of graph.valueInfo) if (v.name === name) v.name = raw;
      graph.node.push(converter as (typeof graph.node)[number]);
      const existing = graph.output.find((o) => o.name === name);
      if (existing) existing.type = { tensorType: { elemType: ElemType.FLOAT, shape: existing.type?.tensorType?.shape } };
    }
    if (outputs.has(name)) continue;
    graph.output.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: ElemType.FLOAT } } }) as (typeof graph.output)[number]);
    outputs.add(name);
  }
  return m;
}

/** exposeTensorsInModel, encoded: the bytes to hand to InferenceSession.create. */
export function exposeTensors(model: IModelProto, tensorNames: readonly string[]): Uint8Array {
  return encodeModel(exposeTensorsInModel(model, tensorNames));
}
