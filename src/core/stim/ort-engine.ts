/**
 * A StimEngine over onnxruntime (web or node: both expose the same InferenceSession/Tensor API, so the caller
 * passes the module it has). Recording exposes layers as extra outputs; stimulation runs the rewritten graph
 * (rewrite.ts) with the readout layer exposed.
 */
import { UserFacingError, type FloatTensor } from '../types';
import { exposeTensors } from '../onnx/expose';
import { decodeModel } from '../onnx/proto';
import type { StimEngine } from './experiment';
import { downstreamModel, insertStimulation } from './rewrite';

interface OrtTensorLike {
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>, fetches?: readonly string[]): Promise<Record<string, OrtTensorLike>>;
}
/** The part of onnxruntime-web / onnxruntime-node this engine uses. */
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike> };
}

export interface OrtStimEngineOptions {
  /** Layer treated as IT (stimulated): an activation [N, C, H, W]. */
  layer: string;
  /** Its channel count (= number of sites). */
  channels: number;
  /** Downstream layer the decoder reads (e.g. the global-average-pooled features). */
  readout: string;
  inputSize?: number;
  sessionOptions?: Record<string, unknown>;
}

function toFloatTensor(t: OrtTensorLike): FloatTensor {
  if (!(t.data instanceof Float32Array)) throw new UserFacingError('Expected a float32 activation from the model.');
  return { dims: [...t.dims], data: t.data };
}

export async function createOrtStimEngine(ort: OrtModule, modelBytes: Uint8Array, options: OrtStimEngineOptions): Promise<StimEngine> {
  if (options.readout === options.layer) throw new UserFacingError('The decoder must read a layer downstream of the stimulated one, not the same layer.');
  const model = decodeModel(modelBytes);
  const stim = insertStimulation(exposeTensors(model, [options.readout]), options.layer, options.channels);
  const stimSession = await ort.InferenceSession.create(stim.model, options.sessionOptions);
  const inputName = stimSession.inputNames.find((n) => n !== stim.input);
  if (!inputName) throw new UserFacingError('The model has no image input.');
  const recordSessions = new Map<string, Promise<OrtSessionLike>>();
  let downstream: Promise<OrtSessionLike> | undefined;
  const checkDelta = (delta: Float32Array) => {
    if (delta.length !== options.channels) throw new UserFacingError(`Stimulation has ${delta.length} sites but layer "${options.layer}" has ${options.channels} channels.`);
    return new ort.Tensor('float32', delta, [1, options.channels, 1, 1]);
  };
  const flatten = (t: OrtTensorLike, n: number): FloatTensor => {
    const out = toFloatTensor(t);
    return { dims: [n, out.data.length / n], data: out.data };
  };
  return {
    inputSize: options.inputSize ?? 224,
    layer: options.layer,
    async record(images, layers) {
      const key = layers.join('\n');
      let session = recordSessions.get(key);
      if (!session) {
        session = ort.InferenceSession.create(exposeTensors(model, layers), options.sessionOptions);
        recordSessions.set(key, session);
      }
      const out = await (await session).run({ [inputName]: new ort.Tensor('float32', images.data, images.dims) }, layers);
      return Object.fromEntries(layers.map((l) => [l, toFloatTensor(out[l])]));
    },
    async runStimulated(images, delta) {
      const feeds = { [inputName]: new ort.Tensor('float32', images.data, images.dims), [stim.input]: checkDelta(delta) };
      return flatten((await stimSession.run(feeds, [options.readout]))[options.readout], images.dims[0]);
    },
    async readoutFromLayer(activation, delta) {
      downstream ??= ort.InferenceSession.create(
        insertStimulation(downstreamModel(modelBytes, options.layer, [options.readout]), options.layer, options.channels, stim.input).model,
        options.sessionOptions,
      );
      const feeds = { [options.layer]: new ort.Tensor('float32', activation.data, activation.dims), [stim.input]: checkDelta(delta) };
      return flatten((await (await downstream).run(feeds, [options.readout]))[options.readout], activation.dims[0]);
    },
  };
}
