/**
 * A small builder for ONNX graphs written in code (the HMAX model, test graphs).
 * Only what we need: float/int64 initializers, nodes with int/float/ints/floats/string attributes,
 * typed graph inputs and outputs. Produces a ModelProto or its bytes.
 */
import { ElemType, encodeModel, onnx, type ModelProto, type NodeProto, type TensorProto, type AttributeProto } from './proto';

/** Attribute value: integers become INT(S), other numbers FLOAT(S); wrap in `{ float }` / `{ floats }` to force floats. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, v: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (Array.isArray(v)) {
    return v.every(Number.isInteger) ? { name, type: T.INTS, ints: v } : { name, type: T.FLOATS, floats: v };
  }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inits: TensorProto[] = [];
  private readonly inputs: ReturnType<typeof valueInfo>[] = [];
  private readonly outputs: ReturnType<typeof valueInfo>[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dims: Dim[], elemType: number = ElemType.FLOAT): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: Dim[], elemType: number = ElemType.FLOAT): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Float32 initializer (stored as raw little-endian bytes). */
  floats(name: string, dims: number[], data: Float32Array | number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${arr.length} values for dims [${dims}]`);
    this.inits.push({ name, dims, dataType: ElemType.FLOAT, rawData: new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength)) });
    return name;
  }

  /** 1-D int64 initializer (shapes, axes). */
  int64s(name: string, values: number[]): string {
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: ElemType.INT64, rawData: new Uint8Array(arr.buffer) });
    return name;
  }

  /** Adds a node; returns its first output name. Outputs default to a fresh name. */
  node(opType: string, inputs: string[], outputs?: string[] | string, attrs: Record<string, AttrValue> = {}, domain = ''): string {
    const outs = outputs === undefined ? [`${opType.toLowerCase()}_${this.counter}`] : typeof outputs === 'string' ? [outputs] : outputs;
    this.nodes.push({
      opType,
      domain,
      name: `${opType}_${this.counter++}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs[0];
  }

  toModel(opsets: { domain?: string; version: number }[] = [{ version: 13 }]): ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'silico',
      opsetImport: opsets.map((o) => ({ domain: o.domain ?? '', version: o.version })),
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
  }

  toBytes(opsets?: { domain?: string; version: number }[]): Uint8Array {
    return encodeModel(this.toModel(opsets));
  }
}
