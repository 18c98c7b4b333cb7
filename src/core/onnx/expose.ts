/**
 * Graph surgery for recording: make chosen intermediate tensors graph outputs, so one inference run
 * returns them alongside the model's own outputs. The input model is never mutated (we work on a clone).
 */
import { UserFacingError } from '../types';
import { parseOptionalOutputName } from './graph';
import { ElemType, cloneModel, encodeModel, onnx, type DecodedModel, type IModelProto } from './proto';

/** Returns a clone of `model` in which every tensor in `tensorNames` is a graph output (original outputs kept first). */
export function exposeTensorsInModel(model: IModelProto, tensorNames: readonly string[]): DecodedModel {
  const m = cloneModel(model);
  const graph = m.graph;
  const outputs = new Set(graph.output.map((o) => o.name));
  const produced = new Set<string>();
  for (const n of graph.node) for (const o of n.output) if (o) produced.add(o);
  const elemTypes = new Map<string, number>();
  for (const v of [...graph.valueInfo, ...graph.input, ...graph.output]) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) elemTypes.set(v.name, t);
  }

  for (const name of tensorNames) {
    if (outputs.has(name)) continue;
    if (!produced.has(name)) {
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
    }
    graph.output.push(
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: elemTypes.get(name) ?? ElemType.FLOAT } } }),
    );
    outputs.add(name);
  }
  return m;
}

/** exposeTensorsInModel, encoded: the bytes to hand to InferenceSession.create. */
export function exposeTensors(model: IModelProto, tensorNames: readonly string[]): Uint8Array {
  return encodeModel(exposeTensorsInModel(model, tensorNames));
}
