/**
 * Element types of a model's tensors, and how to read a quantized one as real numbers.
 *
 * ONNX files rarely carry value_info for intermediate tensors, and onnxruntime needs every graph output typed,
 * so we infer the types by propagation: graph inputs, initializers, value_info and Constant nodes seed the map;
 * each node's outputs follow its op (quantizing ops take their zero point's type, DequantizeLinear its scale's,
 * Cast its `to`, comparisons give bool, shape ops int64, everything else its first typed data input).
 *
 * quantParams finds a QLinear / QuantizeLinear output's scale and zero point, so the recorder can add a
 * DequantizeLinear and record real activations: value = (code - zero_point) * scale.
 */
import { indexGraph } from './graph';
import { ElemType, type IModelProto, type NodeProto } from './proto';

const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression']);

/**
 * Where each quantizing op keeps its OUTPUT scale and zero point (input slots). QLinearConv/MatMul/Add/Mul:
 * (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp); com.microsoft pools/activations: (x, x_scale, x_zp, y_scale, y_zp);
 * QLinearConcat: (y_scale, y_zp, ...inputs); QuantizeLinear: (x, y_scale, y_zp).
 */
const OUTPUT_QUANT_SLOTS: Record<string, [number, number]> = {
  QLinearConv: [6, 7], QLinearMatMul: [6, 7], QLinearAdd: [6, 7], QLinearMul: [6, 7],
  QLinearGlobalAveragePool: [3, 4], QLinearAveragePool: [3, 4], QLinearLeakyRelu: [3, 4], QLinearSigmoid: [3, 4],
  QLinearSoftmax: [3, 4], QLinearReduceMean: [3, 4], QLinearConcat: [0, 1], QuantizeLinear: [1, 2],
  DynamicQuantizeLinear: [1, 2],
};

export interface QuantParams {
  /** Tensor names (initializers or Constant outputs) of the output's scale and zero point. */
  scale: string;
  zeroPoint?: string;
}

/** Scale and zero point of a quantized tensor, when its producer is a known quantizing op. */
export function quantParams(producer: NodeProto | undefined, slot = 0): QuantParams | undefined {
  const op = producer?.opType ?? '';
  const slots = OUTPUT_QUANT_SLOTS[op];
  if (!producer || !slots || slot !== 0) return undefined;
  const scale = producer.input?.[slots[0]];
  if (!scale) return undefined;
  const zeroPoint = producer.input?.[slots[1]] || undefined;
  return { scale, zeroPoint };
}

function attr(n: NodeProto, name: string) {
  return (n.attribute ?? []).find((a) => a.name === name);
}

/** Inferred ONNX element type code of every tensor we can type; tensors left out are unknown. */
export function inferElemTypes(model: IModelProto): Map<string, number> {
  const graph = model.graph ?? {};
  const types = new Map<string, number>();
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const e = v.type?.tensorType?.elemType;
    if (v.name && e) types.set(v.name, e);
  }
  const g = indexGraph(model);
  const typeOf = (t: string | null | undefined) => (t ? types.get(t) : undefined);
  for (const n of g.nodes) {
    const op = n.opType ?? '';
    const ins = n.input ?? [];
    const outs = n.output ?? [];
    let out: number | undefined;
    if (op === 'Constant') {
      const a = (n.attribute ?? [])[0];
      out = a?.t?.dataType ?? (a?.name?.startsWith('value_int') ? ElemType.INT64 : ElemType.FLOAT);
    } else if (op === 'Cast') {
      out = Number(attr(n, 'to')?.i ?? 0) || undefined;
    } else if (op === 'CastLike') {
      out = typeOf(ins[1]);
    } else if (op === 'ConstantOfShape') {
      out = attr(n, 'value')?.t?.dataType ?? ElemType.FLOAT;
    } else if (op === 'DequantizeLinear') {
      out = typeOf(ins[1]) ?? ElemType.FLOAT;
    } else if (OUTPUT_QUANT_SLOTS[op]) {
      const [, zp] = OUTPUT_QUANT_SLOTS[op];
      out = typeOf(ins[zp]) ?? ElemType.UINT8;
    } else if (op === 'ConvInteger' || op === 'MatMulInteger') {
      out = ElemType.INT32;
    } else if (BOOL_OPS.has(op)) {
      out = ElemType.BOOL;
    } else if (INT64_OPS.has(op)) {
      out = ElemType.INT64;
    } else if (op === 'Where') {
      out = typeOf(ins[1]) ?? typeOf(ins[2]);
    } else if (op === 'EyeLike' || op === 'RandomNormalLike' || op === 'RandomUniformLike') {
      out = Number(attr(n, 'dtype')?.i ?? 0) || typeOf(ins[0]);
    } else {
      out = ins.map(typeOf).find((t) => t !== undefined);
    }
    outs.forEach((o, slot) => {
      if (!o || types.has(o)) return;
      // Secondary outputs of a few ops have their own types (TopK/MaxPool indices, DynamicQuantizeLinear scale).
      if (slot > 0 && (op === 'TopK' || op === 'MaxPool' || op === 'Unique')) return types.set(o, ElemType.INT64);
      if (slot === 1 && op === 'DynamicQuantizeLinear') return types.set(o, ElemType.FLOAT);
      if (out !== undefined) types.set(o, out);
    });
  }
  return types;
}
