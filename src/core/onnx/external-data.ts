/**
 * Moves a model's large initializers out of the protobuf into ONNX external data without copying them: each
 * becomes an external-data reference (location, offset, length) into the ORIGINAL model bytes, which are handed
 * to onnxruntime-web as the external data file. onnxruntime-web then copies every weight once, straight from
 * that JS buffer into its tensor in WASM memory; given the whole model instead, it first copies the model into
 * its WASM heap (which never shrinks) and parses a second copy of the weights out of it.
 */
import { UserFacingError } from '../types';
import { decodeModel, encodeModel, onnx, type IModelProto } from './proto';

/** Name the graph uses for its external data file (any name works: the data are handed over in memory). */
export const EXTERNAL_DATA_PATH = 'weights.bin';

export interface ExternalizedModel {
  /** The graph with the moved initializers' raw_data replaced by external-data references. */
  model: Uint8Array;
  /** The external data file: the original model bytes themselves. */
  externalData: { path: string; data: Uint8Array };
  /** Bytes of weights now referenced instead of embedded. */
  externalBytes: number;
}

/** Initializers of at least `minBytes` of raw_data (main graph only) become references into `bytes`. */
export function externalizeInitializers(bytes: Uint8Array, minBytes = 1024): ExternalizedModel {
  const model = decodeModel(bytes);
  let externalBytes = 0;
  for (const t of model.graph.initializer) {
    const raw = t.rawData;
    // protobufjs decodes bytes fields as views into the input; anything else stays embedded.
    if (!raw || raw.byteLength < minBytes || raw.buffer !== bytes.buffer) continue;
    const offset = raw.byteOffset - bytes.byteOffset;
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: EXTERNAL_DATA_PATH }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.byteLength) }),
    ];
    t.rawData = new Uint8Array(0);
    externalBytes += raw.byteLength;
  }
  return { model: encodeModel(model), externalData: { path: EXTERNAL_DATA_PATH, data: bytes }, externalBytes };
}

/** An external data file of a model, as onnxruntime-web's `externalData` session option names it. */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

/**
 * The opposite of externalizeInitializers: copies every external-data initializer's bytes (location, offset,
 * length) from `files` into its raw_data, so any onnxruntime (node has no in-memory external data option) can
 * load the model from one buffer. Throws a UserFacingError naming a file the model needs but was not given.
 */
export function inlineExternalData<M extends IModelProto>(model: M, files: readonly ExternalDataFile[]): M {
  const byPath = new Map(files.map((f) => [f.path.replace(/^\.\//, ''), f.data]));
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = Object.fromEntries((t.externalData ?? []).map((kv) => [kv.key ?? '', kv.value ?? '']));
    const location = (entry.location ?? '').replace(/^\.\//, '');
    const file = byPath.get(location) ?? byPath.get(location.split('/').pop() ?? '');
    if (!file) {
      throw new UserFacingError(
        `The model keeps its weights in a separate file "${location}", which was not given.`,
        'Load the .onnx file together with its external data file (e.g. model.onnx.data).',
      );
    }
    const offset = Number(entry.offset ?? 0);
    const length = entry.length !== undefined ? Number(entry.length) : file.byteLength - offset;
    if (offset + length > file.byteLength) {
      throw new UserFacingError(`The external data file "${location}" is shorter than the model expects (tensor "${t.name}").`, 'The file may be truncated.');
    }
    t.rawData = file.subarray(offset, offset + length);
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    t.externalData = [];
  }
  return model;
}

/** Whether a model keeps any initializer in external data. */
export function hasExternalData(model: IModelProto): boolean {
  return (model.graph?.initializer ?? []).some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
}
