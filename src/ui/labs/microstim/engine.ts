/**
 * The Microstimulation lab's engine in the browser: implements core/stim/experiment.ts's `StimEngine` with
 * onnxruntime-web (inside the lab worker). Recording exposes the chosen tensors (core/onnx/expose.ts);
 * stimulation runs the model rewritten by core/stim/rewrite.ts, whose per-channel delta is a graph input, so
 * moving the electrode or changing the current never rebuilds a session.
 *
 * Readout (what the face decoder reads): a tensor downstream of the sheet, by default the model's penultimate
 * features (MobileNetV2: the global-average-pooled 1280-d vector, see `defaultReadout`), else its output.
 * When the stimulated layer is itself the model's output (HMAX C2), the readout is that layer's channel means
 * with the delta added.
 */
import { downstreamModel, insertStimulation } from '../../../core/stim/rewrite';
import { siteResponses } from '../../../core/stim/sheet';
import type { StimEngine } from '../../../core/stim/experiment';
import { exposeTensors } from '../../../core/onnx/expose';
import { decodeModel, modelInputs, modelOutputs, type ModelProto } from '../../../core/onnx/proto';
import type { LayerInfo } from '../../../core/types';
import { UserFacingError, type FloatTensor } from '../../../core/types';
import type * as ort from 'onnxruntime-web';

/**
 * The little of onnxruntime the engine needs, so the same engine runs on onnxruntime-web in the lab worker and
 * on onnxruntime-node in tests (both implement onnxruntime-common's API).
 */
export interface OrtRuntime {
  Tensor: typeof ort.Tensor;
  createSession(bytes: Uint8Array): Promise<ort.InferenceSession>;
}

/** ImageNet statistics used by core/stim/noise.ts grayToModelInput (to undo it for grayscale models). */
const R_MEAN = 0.485;
const R_STD = 0.229;

export interface ModelInputSpec {
  name: string;
  /** 1 = grayscale in [0, 1] (HMAX); 3 = RGB with ImageNet normalisation. */
  channels: 1 | 3;
  size: number;
}

/** Reads the image input of a vision model: [N, C, H, W] with C = 1 or 3. */
export function imageInputSpec(model: ModelProto): ModelInputSpec {
  const inputs = modelInputs(model);
  if (inputs.length !== 1) throw new UserFacingError(`The Microstimulation lab needs a vision model with one image input; this model has ${inputs.length} inputs.`);
  const [inp] = inputs;
  const dims = inp.dims ?? [];
  const c = dims[1];
  const h = typeof dims[2] === 'number' ? dims[2] : 224;
  if (dims.length !== 4 || (c !== 1 && c !== 3)) {
    throw new UserFacingError(`Expected an image input [batch, 1 or 3, height, width]; "${inp.name}" is [${dims.join(', ')}].`);
  }
  return { name: inp.name, channels: c, size: h };
}

/** The ImageNet-normalised [N, 3, S, S] tensor the experiment hands us → this model's input. */
function toModelInput(rt: OrtRuntime, x: FloatTensor, spec: ModelInputSpec): ort.Tensor {
  if (spec.channels === 3) return new rt.Tensor('float32', x.data, x.dims);
  const [n, , h, w] = x.dims;
  const plane = h * w;
  const gray = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) {
    const base = i * 3 * plane;
    for (let k = 0; k < plane; k++) gray[i * plane + k] = x.data[base + k] * R_STD + R_MEAN;
  }
  return new rt.Tensor('float32', gray, [n, 1, h, w]);
}

/** The first head layer (global pooling, the penultimate features) after the sheet layer, if any. */
export function defaultReadout(layers: LayerInfo[], sheetLayer: string): string | undefined {
  const depth = layers.find((l) => l.tensor === sheetLayer)?.depth ?? -1;
  const head = layers.filter((l) => l.group === 'head' && l.kind !== 'logits' && l.depth > depth);
  return (head.find((l) => l.kind === 'pool') ?? head[0])?.tensor;
}

function copy(v: ort.Tensor): FloatTensor {
  return { dims: v.dims.map(Number), data: Float32Array.from(v.data as Float32Array) };
}

export class OrtStimEngine implements StimEngine {
  readonly inputSize: number;
  readonly input: ModelInputSpec;
  private readonly model: ModelProto;
  private readonly outputName: string;
  private readonly layerIsOutput: boolean;
  private recordSessions = new Map<string, Promise<ort.InferenceSession>>();
  private stimSession: Promise<{ session: ort.InferenceSession; deltaInput: string }> | null = null;
  private downstreamSession: Promise<{ session: ort.InferenceSession; deltaInput: string }> | null = null;

  /** `layer` is the tensor treated as IT (the cortical sheet); `channels` its channel count. */
  constructor(
    private readonly rt: OrtRuntime,
    private readonly modelBytes: Uint8Array,
    readonly layer: string,
    /** Sites on the sheet; known once the layer has been recorded. */
    public channels: number,
    /** Tensor the decoder reads; default the model's (last) output. */
    readout?: string,
  ) {
    this.model = decodeModel(modelBytes);
    this.input = imageInputSpec(this.model);
    this.inputSize = this.input.size;
    const outputs = modelOutputs(this.model);
    this.outputName = readout ?? outputs[outputs.length - 1]?.name ?? '';
    this.layerIsOutput = outputs.some((o) => o.name === layer) && !readout;
  }

  async record(images: FloatTensor, layers: string[]): Promise<Record<string, FloatTensor>> {
    const key = layers.join('|');
    let s = this.recordSessions.get(key);
    if (!s) {
      s = this.rt.createSession(exposeTensors(this.model, layers));
      this.recordSessions.set(key, s);
    }
    const session = await s;
    const out = await session.run({ [this.input.name]: toModelInput(this.rt, images, this.input) }, layers);
    const result: Record<string, FloatTensor> = {};
    for (const l of layers) result[l] = copy(out[l]);
    return result;
  }

  async runStimulated(images: FloatTensor, delta: Float32Array): Promise<FloatTensor> {
    if (delta.length !== this.channels) throw new UserFacingError(`Stimulation has ${delta.length} sites but layer "${this.layer}" has ${this.channels} channels.`);
    if (this.layerIsOutput) {
      // Nothing downstream to rewrite: the readout is the sheet's own channel means, shifted by the delta.
      const act = (await this.record(images, [this.layer]))[this.layer];
      const r = siteResponses(act);
      for (let i = 0; i < r.nImages; i++) for (let c = 0; c < r.nSites; c++) r.data[i * r.nSites + c] += delta[c];
      return { dims: [r.nImages, r.nSites], data: r.data };
    }
    this.stimSession ??= (async () => {
      const rewritten = insertStimulation(exposeTensors(this.model, [this.outputName]), this.layer, this.channels);
      return { session: await this.rt.createSession(rewritten.model), deltaInput: rewritten.input };
    })();
    const { session, deltaInput } = await this.stimSession;
    const out = await session.run(
      { [this.input.name]: toModelInput(this.rt, images, this.input), [deltaInput]: new this.rt.Tensor('float32', delta, [1, delta.length, 1, 1]) },
      [this.outputName],
    );
    const v = copy(out[this.outputName]);
    const n = v.dims[0];
    return { dims: [n, v.data.length / n], data: v.data };
  }

  /**
   * Fast path used by core/stim/experiment.ts: the readout from already recorded activations of the sheet layer,
   * running only the layers after it (core/stim/rewrite.ts downstreamModel), so a sweep records each trial once.
   */
  async readoutFromLayer(activation: FloatTensor, delta: Float32Array): Promise<FloatTensor> {
    if (delta.length !== this.channels) throw new UserFacingError(`Stimulation has ${delta.length} sites but layer "${this.layer}" has ${this.channels} channels.`);
    if (this.layerIsOutput) {
      const r = siteResponses(activation);
      for (let i = 0; i < r.nImages; i++) for (let c = 0; c < r.nSites; c++) r.data[i * r.nSites + c] += delta[c];
      return { dims: [r.nImages, r.nSites], data: r.data };
    }
    this.downstreamSession ??= (async () => {
      const rewritten = insertStimulation(downstreamModel(this.modelBytes, this.layer, [this.outputName]), this.layer, this.channels);
      return { session: await this.rt.createSession(rewritten.model), deltaInput: rewritten.input };
    })();
    const { session, deltaInput } = await this.downstreamSession;
    const out = await session.run(
      { [this.layer]: new this.rt.Tensor('float32', activation.data, activation.dims), [deltaInput]: new this.rt.Tensor('float32', delta, [1, delta.length, 1, 1]) },
      [this.outputName],
    );
    const v = copy(out[this.outputName]);
    const n = v.dims[0];
    return { dims: [n, v.data.length / n], data: v.data };
  }

  async dispose(): Promise<void> {
    const all = [
      ...this.recordSessions.values(),
      ...[this.stimSession, this.downstreamSession].filter((s) => s !== null).map((s) => s.then((x) => x.session)),
    ];
    for (const s of all) await s.then((x) => x.release()).catch(() => undefined);
    this.recordSessions.clear();
    this.stimSession = null;
    this.downstreamSession = null;
  }
}
