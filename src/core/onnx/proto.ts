/**
 * ONNX protobuf I/O: decode and encode ModelProto with onnx-proto (protobufjs), plus small readers
 * for what the rest of the app needs to know about a model (opset, inputs, outputs, initializers).
 * Plain TS, no DOM: runs in web workers, Node and vitest alike.
 *
 * onnx-proto is CommonJS: under Node's ESM loader its `onnx` namespace is only on the default export
 * (module.exports), under Vite it is also a named export. Import this module's `onnx`, never onnx-proto directly.
 */
import * as onnxProto from 'onnx-proto';
import { UserFacingError } from '../types';

type OnnxNamespace = typeof onnxProto.onnx;
export const onnx: OnnxNamespace =
  (onnxProto as { onnx?: OnnxNamespace }).onnx ?? (onnxProto as unknown as { default: { onnx: OnnxNamespace } }).default.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
/**
 * What decoding yields: protobufjs fills every repeated field with an array and every string with ''
 * (prototype defaults), so after decodeModel these fields are present — typed here so callers need no `!`.
 */
export type DecodedNode = Omit<onnxProto.onnx.NodeProto, 'attribute'> & { attribute: onnxProto.onnx.AttributeProto[] };
export type DecodedValueInfo = onnxProto.onnx.ValueInfoProto & { name: string };
export type DecodedTensor = onnxProto.onnx.TensorProto & { name: string };
export type DecodedGraph = Omit<onnxProto.onnx.GraphProto, 'node' | 'initializer' | 'input' | 'output' | 'valueInfo'> & {
  node: DecodedNode[];
  initializer: DecodedTensor[];
  input: DecodedValueInfo[];
  output: DecodedValueInfo[];
  valueInfo: DecodedValueInfo[];
};
export type DecodedModel = Omit<onnxProto.onnx.ModelProto, 'graph'> & { graph: DecodedGraph };
export type IModelProto = onnxProto.onnx.IModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** ONNX TensorProto.DataType codes we name. */
export const ElemType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16,
} as const;

const ELEM_TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

/** ORT-style name of an ONNX element type code ("float32", "int64", ...). */
export function elemTypeName(code: number): string {
  return ELEM_TYPE_NAMES[code] ?? `type ${code}`;
}

const NOT_ONNX = 'This file is not an ONNX model (it could not be read as one).';
const NOT_ONNX_HINT = 'Choose a .onnx file exported from PyTorch, TensorFlow or another framework; the file may also be truncated or corrupt.';

/** Decodes ONNX model bytes; throws a UserFacingError for anything that is not a readable ONNX model. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  let model: DecodedModel;
  try {
    model = onnx.ModelProto.decode(bytes) as unknown as DecodedModel;
  } catch {
    throw new UserFacingError(NOT_ONNX, NOT_ONNX_HINT);
  }
  // protobuf decoding of random bytes can "succeed" with junk: demand the parts every model has.
  const graph = model.graph;
  if (!graph || graph.node.length === 0 || graph.output.length === 0 || model.opsetImport.length === 0) {
    throw new UserFacingError(NOT_ONNX, NOT_ONNX_HINT);
  }
  return model;
}

export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Deep copy, so graph surgery never touches the caller's object. */
export function cloneModel(model: IModelProto): DecodedModel {
  const clone = onnx.ModelProto.decode(encodeModel(model)) as unknown as DecodedModel;
  if (!clone.graph) clone.graph = onnx.GraphProto.create() as unknown as DecodedGraph;
  return clone;
}

/** protobufjs gives int64 fields as number or Long; we only need safe integers. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Opset version imported for a domain ('' = the default ai.onnx domain); undefined when not imported. */
export function modelOpset(model: IModelProto, domain = ''): number | undefined {
  const wanted = domain === 'ai.onnx' ? '' : domain;
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === wanted);
  return entry ? toNumber(entry.version) : undefined;
}

/** A model input or output: dims are numbers where fixed, the symbolic name (e.g. "batch_size") or null where free. */
export interface TensorSignature {
  name: string;
  /** ONNX element type code (1 = float32, 7 = int64, ...). */
  elemType: number;
  /** ORT-style type name: "float32", "int64", ... */
  type: string;
  dims: (number | string | null)[] | null;
}

function signatureOf(v: ValueInfoProto): TensorSignature {
  const tt = v.type?.tensorType;
  const shape = tt?.shape;
  const dims = shape
    ? (shape.dim ?? []).map((d) => {
        if (d.dimParam) return d.dimParam;
        if (d.dimValue !== null && d.dimValue !== undefined) return toNumber(d.dimValue);
        return null;
      })
    : null;
  const elemType = tt?.elemType ?? 0;
  return { name: v.name ?? '', elemType, type: elemTypeName(elemType), dims };
}

export function initializerNames(model: IModelProto): Set<string> {
  return new Set((model.graph?.initializer ?? []).map((t) => t.name ?? ''));
}

/** Real inputs (graph inputs that are not initializers, as old exporters list weights as inputs too). */
export function modelInputs(model: IModelProto): TensorSignature[] {
  const inits = initializerNames(model);
  return (model.graph?.input ?? []).filter((v) => !inits.has(v.name ?? '')).map(signatureOf);
}

export function modelOutputs(model: IModelProto): TensorSignature[] {
  return (model.graph?.output ?? []).map(signatureOf);
}

/** Reads a float initializer (float_data or raw_data) as a Float32Array. */
export function initializerFloats(model: IModelProto, name: string): { dims: number[]; data: Float32Array } | undefined {
  const t = (model.graph?.initializer ?? []).find((i) => i.name === name);
  if (!t) return undefined;
  return tensorFloats(t);
}

/** Float values of a TensorProto (float32, or int64/int32/uint8/int8 converted); undefined for other types. */
export function tensorFloats(t: TensorProto): { dims: number[]; data: Float32Array } | undefined {
  const dims = (t.dims ?? []).map(toNumber);
  // Copy raw bytes into a fresh, aligned buffer (under Node they are a view into a shared Buffer pool).
  const raw = t.rawData && t.rawData.length > 0 ? Uint8Array.from(t.rawData) : undefined;
  if (t.dataType === ElemType.FLOAT) {
    if (raw) return { dims, data: new Float32Array(raw.buffer, 0, raw.length / 4) };
    return { dims, data: Float32Array.from(t.floatData ?? []) };
  }
  if (t.dataType === ElemType.INT64) {
    if (raw) return { dims, data: Float32Array.from(new BigInt64Array(raw.buffer, 0, raw.length / 8), Number) };
    return { dims, data: Float32Array.from((t.int64Data ?? []).map(toNumber)) };
  }
  if (t.dataType === ElemType.UINT8 || t.dataType === ElemType.INT8) {
    const codes = raw ?? Uint8Array.from(t.int32Data ?? []);
    return { dims, data: Float32Array.from(t.dataType === ElemType.INT8 ? new Int8Array(codes.buffer, codes.byteOffset, codes.length) : codes) };
  }
  if (t.dataType === ElemType.INT32) {
    if (raw) return { dims, data: Float32Array.from(new Int32Array(raw.buffer, 0, raw.length / 4)) };
    return { dims, data: Float32Array.from(t.int32Data ?? []) };
  }
  return undefined;
}
