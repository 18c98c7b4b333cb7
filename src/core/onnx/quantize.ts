/**
 * Dynamic int8 quantization of a model's MatMul weights, as onnxruntime's `quantize_dynamic` does it for the
 * `_quantized` files of Optimum / transformers.js (e.g. Xenova/gpt2's onnx/decoder_model_quantized.onnx):
 * each MatMul(A, W) with a float32 weight initializer becomes
 *   DynamicQuantizeLinear(A) → A_q (uint8), A_scale, A_zero_point
 *   MatMulInteger(A_q, W_quantized (int8, symmetric per tensor), A_zero_point, W_zero_point) → int32
 *   Cast(float) · (A_scale · W_scale) → the MatMul's original output name.
 * Embedding tables read by Gather are stored as int8 too, dequantized after the lookup (DequantizeLinear).
 * Activations between MatMuls stay float32, so the residual stream of a quantized decoder is recorded as usual.
 * Used to build test models in the exact layout of the hub's quantized exports.
 */
import { ElemType, decodeModel, encodeModel, onnx, type AttributeProto, type DecodedModel, type TensorProto } from './proto';

export function quantizeMatMulsDynamic(bytes: Uint8Array): Uint8Array {
  const model: DecodedModel = decodeModel(bytes);
  const graph = model.graph;
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const nodes: typeof graph.node = [];
  const drop = new Set<string>();
  const add = (t: TensorProto) => graph.initializer.push(onnx.TensorProto.create(t) as (typeof graph.initializer)[number]);
  const mk = (opType: string, input: string[], output: string[], name: string, attribute: AttributeProto[] = []) =>
    nodes.push(onnx.NodeProto.create({ opType, input, output, name, attribute }) as (typeof graph.node)[number]);
  const quantized = new Set<string>();
  /** W as int8 (symmetric, per tensor) with its scale and zero point, once per weight. */
  const quantizeWeight = (w: (typeof graph.initializer)[number]) => {
    const W = w.name;
    if (quantized.has(W)) return W;
    quantized.add(W);
    const values = new Float32Array(w.rawData.slice().buffer);
    let max = 0;
    for (const v of values) max = Math.max(max, Math.abs(v));
    const scale = max > 0 ? max / 127 : 1;
    const q = Int8Array.from(values, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
    add({ name: `${W}_quantized`, dims: w.dims, dataType: ElemType.INT8, rawData: new Uint8Array(q.buffer) });
    add({ name: `${W}_scale`, dims: [], dataType: ElemType.FLOAT, rawData: new Uint8Array(Float32Array.of(scale).buffer) });
    add({ name: `${W}_zero_point`, dims: [], dataType: ElemType.INT8, rawData: new Uint8Array(1) });
    drop.add(W);
    return W;
  };
  const floatMatrix = (name: string | undefined) => {
    const w = name ? inits.get(name) : undefined;
    return w && w.dataType === ElemType.FLOAT && w.dims.length === 2 && w.rawData?.length ? w : undefined;
  };
  for (const n of graph.node) {
    // Embedding lookups: Gather(W_quantized, ids) → DequantizeLinear (as onnxruntime's QuantizeGather does).
    const table = n.opType === 'Gather' ? floatMatrix(n.input[0]) : undefined;
    if (table) {
      const W = quantizeWeight(table);
      const out = n.output[0];
      mk('Gather', [`${W}_quantized`, n.input[1]], [`${out}_quantized`], `${n.name}_quant`, n.attribute);
      mk('DequantizeLinear', [`${out}_quantized`, `${W}_scale`, `${W}_zero_point`], [out], `${n.name}_dequant`);
      continue;
    }
    const w = n.opType === 'MatMul' ? floatMatrix(n.input[1]) : undefined;
    if (!w) {
      nodes.push(n);
      continue;
    }
    const W = quantizeWeight(w);
    const A = n.input[0];
    const out = n.output[0];
    mk('DynamicQuantizeLinear', [A], [`${A}_quantized`, `${A}_scale`, `${A}_zero_point`], `${A}_QuantizeLinear`);
    mk('MatMulInteger', [`${A}_quantized`, `${W}_quantized`, `${A}_zero_point`, `${W}_zero_point`], [`${out}_quantized`], `${n.name}_quant`);
    mk('Cast', [`${out}_quantized`], [`${out}_quantized_cast_output`], `${out}_quantized_cast`, [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: ElemType.FLOAT })]);
    mk('Mul', [`${A}_scale`, `${W}_scale`], [`${n.name}_quant_scales_mul:0`], `${n.name}_quant_scales_mul`);
    mk('Mul', [`${out}_quantized_cast_output`, `${n.name}_quant_scales_mul:0`], [out], `${n.name}_quant_output_scale_mul`);
  }
  // DynamicQuantizeLinear of a tensor feeding several MatMuls is computed once (as onnxruntime's quantizer does).
  const seen = new Set<string>();
  graph.node = nodes.filter((n) => n.opType !== 'DynamicQuantizeLinear' || (!seen.has(n.output[0]) && seen.add(n.output[0])));
  graph.initializer = graph.initializer.filter((t) => !drop.has(t.name));
  return encodeModel(model);
}
