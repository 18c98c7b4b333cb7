/**
 * Injects microstimulation into a running model by rewriting its ONNX graph at one layer:
 *
 *   layer ──▶ Add(layer, stim_delta) ──▶ every former consumer of layer
 *
 * `stim_delta` is a new graph input of shape [1, C, 1, 1]; it broadcasts over batch and space, so one value per
 * channel (= per cortical site) is added at every position. Every downstream node sees the stimulated tensor;
 * nothing upstream changes, and with delta = 0 the outputs equal the original model's exactly (x + 0 = x).
 * If the layer itself is a graph output it keeps reporting the unstimulated value (what a recording electrode
 * would see before the injected current is summed in).
 */
import { UserFacingError } from '../types';
import { ElemType, decodeModel, encodeModel, onnx, type GraphProto, type NodeProto } from '../onnx/proto';

/** Default name of the graph input that carries the per-channel stimulation. */
export const STIM_INPUT = 'silico_stim_delta';

export interface StimulationRewrite {
  /** Graph input to feed: float32 [1, channels, 1, 1]. */
  input: string;
  /** Name of the stimulated tensor that downstream nodes now read. */
  stimulated: string;
  channels: number;
}

/** Renames uses of `from` to `to` in a graph and in any subgraphs (If/Loop bodies read outer values by name). */
/** Names of every value a graph receives or produces (inputs, initializers, node outputs). */
function knownValues(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  for (const i of graph.input ?? []) if (i.name) names.add(i.name);
  for (const t of graph.initializer ?? []) if (t.name) names.add(t.name);
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) names.add(o);
  return names;
}

function renameUses(graph: GraphProto, from: string, to: string, skip: NodeProto): number {
  let count = 0;
  for (const node of graph.node ?? []) {
    if (node === skip) continue;
    const inputs = node.input ?? [];
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i] === from) {
        inputs[i] = to;
        count++;
      }
    }
    for (const attr of node.attribute ?? []) {
      if (attr.g) count += renameUses(attr.g, from, to, skip);
      for (const g of attr.graphs ?? []) count += renameUses(g, from, to, skip);
    }
  }
  return count;
}

/**
 * Returns the model bytes with `Add(tensor, stim_delta)` inserted after `tensor` and every consumer rewired.
 * `tensor` must be a float activation of layout [N, C, ...] with `channels` channels.
 */
export function insertStimulation(
  modelBytes: Uint8Array,
  tensor: string,
  channels: number,
  inputName: string = STIM_INPUT,
): { model: Uint8Array } & StimulationRewrite {
  if (!Number.isInteger(channels) || channels < 1) throw new UserFacingError(`Channel count must be a positive integer (got ${channels}).`);
  const model = decodeModel(modelBytes);
  const graph: GraphProto | null | undefined = model.graph;
  if (!graph) throw new UserFacingError('This ONNX model has no graph.');
  const known = knownValues(graph);
  if (!known.has(tensor)) throw new UserFacingError(`The model has no tensor named "${tensor}" to stimulate.`);
  if (known.has(inputName)) throw new UserFacingError(`The model already has a value named "${inputName}" (already stimulated?).`);
  const isGraphInput = (graph.input ?? []).some((i) => i.name === tensor);
  if ((graph.initializer ?? []).some((t) => t.name === tensor)) {
    throw new UserFacingError(`"${tensor}" is a weight, not an activation: pick a layer output to stimulate.`);
  }
  let stimulated = `${tensor}__stimulated`;
  while (known.has(stimulated)) stimulated += '_';

  const add = onnx.NodeProto.create({
    name: `${tensor}__microstimulation`,
    opType: 'Add',
    input: [tensor, inputName],
    output: [stimulated],
  });
  const consumers = renameUses(graph, tensor, stimulated, add);
  if (consumers === 0) throw new UserFacingError(`Nothing in the model reads "${tensor}", so stimulating it would change nothing.`);

  // Insert right after the producer (first, for a graph input) so the node list stays topologically sorted.
  const nodes = (graph.node ??= []);
  const producer = isGraphInput ? -1 : nodes.findIndex((n) => (n.output ?? []).includes(tensor));
  nodes.splice(producer + 1, 0, add);
  const dims = [1, channels, 1, 1].map((dimValue) => ({ dimValue }));
  (graph.input ??= []).push(onnx.ValueInfoProto.create({ name: inputName, type: { tensorType: { elemType: ElemType.FLOAT, shape: { dim: dims } } } }));
  return { model: encodeModel(model), input: inputName, stimulated, channels };
}

/**
 * The part of the model downstream of `tensor`: `tensor` becomes the graph input and only the nodes needed to
 * compute `outputs` from it (and from weights) are kept. Used to re-run only the layers after the stimulated
 * one on cached activations; combine with insertStimulation to stimulate it.
 */
export function downstreamModel(modelBytes: Uint8Array, tensor: string, outputs: string[]): Uint8Array {
  const model = decodeModel(modelBytes);
  const graph: GraphProto = model.graph!;
  const nodes = graph.node ?? [];
  const producerOf = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producerOf.set(o, i)));
  const weights = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  if (!producerOf.has(tensor) && !graphInputs.has(tensor)) throw new UserFacingError(`The model has no tensor named "${tensor}".`);
  const keep = new Set<number>();
  const stack = [...outputs];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v) || v === tensor || v === '' || weights.has(v)) continue;
    seen.add(v);
    const p = producerOf.get(v);
    if (p === undefined) {
      throw new UserFacingError(`"${outputs.join(', ')}" does not depend on the model input only through "${tensor}", so it cannot be computed from that layer alone.`);
    }
    if (keep.has(p)) continue;
    keep.add(p);
    const n = nodes[p];
    for (const i of n.input ?? []) stack.push(i);
    if ((n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length)) {
      throw new UserFacingError('Layers with control flow (If/Loop) downstream of the stimulated layer are not supported.');
    }
  }
  if (keep.size === 0) throw new UserFacingError(`Nothing between "${tensor}" and the readout: pick a readout downstream of it.`);
  const kept = nodes.filter((_, i) => keep.has(i));
  const used = new Set(kept.flatMap((n) => n.input ?? []));
  const outInfo = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: ElemType.FLOAT } } });
  graph.node = kept;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  graph.input = [outInfo(tensor)];
  graph.output = outputs.map(outInfo);
  graph.valueInfo = [];
  return encodeModel(model);
}

/**
 * Only what `outputs` need: the nodes upstream of them (and the initializers those read), with `outputs` as the only
 * graph outputs. onnxruntime runs every node of a session whatever is fetched, so a recording session cut at the
 * stimulated layer skips the rest of the network (MobileNetV2 to block 14: about a third less work). Graphs with
 * control flow (If/Loop bodies read outer values by name) are returned whole.
 */
export function upstreamModel(modelBytes: Uint8Array, outputs: string[]): Uint8Array {
  const model = decodeModel(modelBytes);
  const graph: GraphProto = model.graph!;
  const nodes = graph.node ?? [];
  if (nodes.some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length))) return modelBytes;
  const producerOf = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producerOf.set(o, i)));
  const declared = new Map((graph.output ?? []).map((o) => [o.name ?? '', o]));
  if (!outputs.every((o) => declared.has(o))) throw new UserFacingError(`Not graph outputs: ${outputs.filter((o) => !declared.has(o)).join(', ')}.`);
  const keep = new Set<number>();
  const stack = [...outputs];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producerOf.get(v);
    if (p === undefined || keep.has(p)) continue;
    keep.add(p);
    stack.push(...(nodes[p].input ?? []));
  }
  graph.node = nodes.filter((_, i) => keep.has(i));
  const used = new Set(graph.node.flatMap((n) => n.input ?? []));
  const dropped = new Set((graph.initializer ?? []).filter((t) => !used.has(t.name ?? '')).map((t) => t.name ?? ''));
  graph.initializer = (graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? ''));
  // Old IR versions also list initializers as graph inputs: those of dropped weights go too.
  graph.input = (graph.input ?? []).filter((i) => !dropped.has(i.name ?? ''));
  graph.output = outputs.map((o) => declared.get(o)!);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => seen.has(v.name ?? ''));
  return encodeModel(model);
}
