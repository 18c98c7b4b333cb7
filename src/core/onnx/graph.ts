/**
 * Read-only index over an ONNX graph: topological node order, producers, consumers, constant values,
 * and which tensors are "shape plumbing" (derived only from Shape ops and constants).
 * Shared by layer listing (layers.ts) and graph surgery (expose.ts).
 */
import { onnx, tensorFloats, toNumber, type IModelProto, type NodeProto } from './proto';

export interface GraphIndex {
  /** Nodes in topological order. */
  nodes: NodeProto[];
  /** Tensor name → producing node and output slot. */
  producer: Map<string, { node: NodeProto; slot: number }>;
  /** Tensor name → consuming nodes (once per node). */
  consumers: Map<string, NodeProto[]>;
  /** Initializers and Constant-node outputs. */
  constants: Set<string>;
  /** Graph inputs that are not initializers. */
  inputs: Set<string>;
  outputs: Set<string>;
  /** Tensors computed only from shapes and constants (Shape → Gather → Concat → Reshape's shape input, ...). */
  shapeTensors: Set<string>;
  /** Float value of a small constant (initializer or Constant node), if readable. */
  constantValue(name: string): Float32Array | undefined;
  /** ONNX element type code of an initializer; undefined for other tensors. */
  elemTypeOf(name: string): number | undefined;
}

/** Kahn's algorithm, stable with respect to the file's order (which ONNX requires to be topological anyway). */
function topoSort(nodes: NodeProto[], available: Set<string>): NodeProto[] {
  const produced = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && produced.set(o, i)));
  const pending = nodes.map((n) => new Set((n.input ?? []).filter((t) => t && produced.has(t) && !available.has(t))));
  const waiting = new Map<string, number[]>();
  pending.forEach((deps, i) => deps.forEach((t) => waiting.set(t, [...(waiting.get(t) ?? []), i])));
  const ready: number[] = [];
  pending.forEach((deps, i) => deps.size === 0 && ready.push(i));
  const order: NodeProto[] = [];
  const done = new Set<number>();
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    done.add(i);
    order.push(nodes[i]);
    for (const o of nodes[i].output ?? []) {
      for (const j of waiting.get(o) ?? []) {
        pending[j].delete(o);
        if (pending[j].size === 0 && !done.has(j) && !ready.includes(j)) ready.push(j);
      }
    }
  }
  // Cycles or dangling references: keep the rest in file order rather than failing here.
  nodes.forEach((n, i) => done.has(i) || order.push(n));
  return order;
}

export function indexGraph(model: IModelProto): GraphIndex {
  const graph = model.graph ?? {};
  const nodesInFile = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? '').filter((n) => !initializers.has(n)));
  const constants = new Set(initializers.keys());
  const constantNodes = new Map<string, NodeProto>();
  for (const n of nodesInFile) {
    if (n.opType === 'Constant' && n.output?.[0]) {
      constants.add(n.output[0]);
      constantNodes.set(n.output[0], n);
    }
  }
  const nodes = topoSort(nodesInFile, new Set([...constants, ...inputs]));
  const producer = new Map<string, { node: NodeProto; slot: number }>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of nodes) {
    (n.output ?? []).forEach((o, slot) => o && producer.set(o, { node: n, slot }));
    for (const t of new Set(n.input ?? [])) if (t) consumers.set(t, [...(consumers.get(t) ?? []), n]);
  }

  const shapeTensors = new Set<string>();
  for (const n of nodes) {
    const ins = (n.input ?? []).filter(Boolean);
    const fromShape = n.opType === 'Shape' || n.opType === 'Size';
    const allPlumbing = ins.length > 0 && ins.every((t) => shapeTensors.has(t) || constants.has(t)) && ins.some((t) => shapeTensors.has(t));
    if (fromShape || allPlumbing) (n.output ?? []).forEach((o) => o && shapeTensors.add(o));
  }

  const cache = new Map<string, Float32Array | undefined>();
  function constantValue(name: string): Float32Array | undefined {
    if (cache.has(name)) return cache.get(name);
    let value: Float32Array | undefined;
    const init = initializers.get(name);
    if (init) value = tensorFloats(init)?.data;
    const cn = constantNodes.get(name);
    if (cn) {
      const attr = (cn.attribute ?? [])[0];
      if (attr?.t) value = tensorFloats(attr.t)?.data;
      else if (attr?.type === onnx.AttributeProto.AttributeType.FLOAT) value = Float32Array.of(attr.f ?? 0);
      else if (attr?.type === onnx.AttributeProto.AttributeType.INT) value = Float32Array.of(toNumber(attr.i));
    }
    cache.set(name, value);
    return value;
  }

  return {
    nodes,
    producer,
    consumers,
    constants,
    inputs,
    outputs: new Set((graph.output ?? []).map((v) => v.name ?? '')),
    shapeTensors,
    constantValue,
    elemTypeOf: (name: string) => initializers.get(name)?.dataType ?? undefined,
  };
}

/** A node's inputs that carry data (not constants, not shape plumbing, not empty optional slots). */
export function dataInputs(g: GraphIndex, n: NodeProto): string[] {
  return (n.input ?? []).filter((t) => t && !g.constants.has(t) && !g.shapeTensors.has(t));
}

/** Reads a float attribute of a node. */
export function floatAttr(n: NodeProto, name: string): number | undefined {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a ? a.f ?? undefined : undefined;
}

/**
 * Name for an optional output slot a node does not emit (e.g. SkipLayerNormalization's residual sum).
 * listLayers reports it; exposeTensors adds it to the node when asked to expose it.
 */
export function optionalOutputName(n: NodeProto, slot: number): string {
  return `silico::${n.name ?? ''}::output${slot}`;
}

export function parseOptionalOutputName(tensor: string): { nodeName: string; slot: number } | undefined {
  const m = /^silico::(.*)::output(\d+)$/.exec(tensor);
  return m ? { nodeName: m[1], slot: Number(m[2]) } : undefined;
}
