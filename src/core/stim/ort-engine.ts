/**
 * The one StimEngine over onnxruntime, used by the Microstimulation lab's worker (onnxruntime-web) and the CLI
 * and tests (onnxruntime-node): the caller injects the ORT module (core/engine's OrtModule), so this file never
 * imports a runtime. Recording exposes the chosen tensors (core/onnx/expose.ts); stimulation runs the model
 * rewritten by rewrite.ts, whose per-channel delta is a graph input, so moving the electrode or changing the
 * current never rebuilds a session.
 *
 * Readout (what the face decoder reads), one of:
 * - `POOL_READOUT` ('pool', the lab's and the CLI's default): the stimulated layer's own spatial mean per channel,
 *   with the delta added (the delta is uniform over space, so mean(act + delta) = mean(act) + delta exactly). This is
 *   Brain-Score's view of behaviour as a linear readout of IT (Majaj et al. 2015): the decoder reads the very layer
 *   that is stimulated, and the stimulation enters the decision linearly. No layer after the sheet runs, and the
 *   task trials are kept as channel means (`taskLayer`), not as whole maps;
 * - a tensor downstream of the sheet (e.g. MobileNetV2's global pool `464_quantized`, see `defaultReadout`): the
 *   layers in between re-run under stimulation;
 * - nothing: the model's output; when the stimulated layer is itself the model's output (HMAX C2) this is the pool
 *   readout.
 */
import type { OrtModule, OrtSession, OrtSessionOptions, OrtTensor } from '../engine/ort';
import { exposeTensors } from '../onnx/expose';
import { decodeModel, modelInputs, modelOutputs, type ModelProto } from '../onnx/proto';
import { UserFacingError, type FloatTensor, type LayerInfo } from '../types';
import type { StimEngine } from './experiment';
import { downstreamModel, insertStimulation, upstreamModel } from './rewrite';
import { siteResponses } from './sheet';

export type { OrtModule } from '../engine/ort';

/** ImageNet statistics used by noise.ts grayToModelInput (to undo it for grayscale models). */
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
  if (inputs.length !== 1) throw new UserFacingError(`Microstimulation needs a vision model with one image input; this model has ${inputs.length} inputs.`);
  const [inp] = inputs;
  const dims = inp.dims ?? [];
  const c = dims[1];
  const h = typeof dims[2] === 'number' ? dims[2] : 224;
  if (dims.length !== 4 || (c !== 1 && c !== 3)) {
    throw new UserFacingError(`Expected an image input [batch, 1 or 3, height, width]; "${inp.name}" is [${dims.join(', ')}].`);
  }
  return { name: inp.name, channels: c, size: h };
}

/** The first head layer (global pooling, the penultimate features) after the sheet layer, if any. */
export function defaultReadout(layers: LayerInfo[], sheetLayer: string): string | undefined {
  const depth = layers.find((l) => l.tensor === sheetLayer)?.depth ?? -1;
  const head = layers.filter((l) => l.group === 'head' && l.kind !== 'logits' && l.depth > depth);
  return (head.find((l) => l.kind === 'pool') ?? head[0])?.tensor;
}

function copy(v: OrtTensor): FloatTensor {
  if (!(v.data instanceof Float32Array)) throw new UserFacingError('Expected a float32 activation from the model.');
  return { dims: v.dims.map(Number), data: Float32Array.from(v.data) };
}

/** [N, …] → [N, D]. */
function flatten(v: FloatTensor): FloatTensor {
  const n = v.dims[0];
  return { dims: [n, v.data.length / n], data: v.data };
}

/** `readout` value: the decoder reads the stimulated layer's own spatial mean per channel (see the file comment). */
export const POOL_READOUT = 'pool';
/** Suffix of the pseudo-tensor `record` returns for the stimulated layer's channel means ([N, C, 1, 1]). */
const POOL_SUFFIX = '#pool';

export interface OrtStimEngineOptions {
  /**
   * What the decoder reads: `POOL_READOUT` (the stimulated layer's channel means), or a tensor downstream of the
   * stimulated layer; default the model's (last) output.
   */
  readout?: string;
  /** Passed to every session (e.g. `{ intraOpNumThreads: 1 }` on onnxruntime-node). */
  sessionOptions?: OrtSessionOptions & Record<string, unknown>;
}

export class OrtStimEngine implements StimEngine {
  readonly inputSize: number;
  readonly input: ModelInputSpec;
  private readonly model: ModelProto;
  private readonly outputName: string;
  /** The decoder reads the stimulated layer's channel means (+ delta): nothing after the layer runs. */
  readonly poolReadout: boolean;
  /** What the task records per trial for the fast path: the channel means of the layer with a pool readout. */
  readonly taskLayer: string;
  private readonly sessionOptions: OrtSessionOptions | undefined;
  private recordSessions = new Map<string, Promise<OrtSession>>();
  private stimSession: Promise<{ session: OrtSession; deltaInput: string }> | null = null;
  private downstreamSession: Promise<{ session: OrtSession; deltaInput: string }> | null = null;

  /** `layer` is the tensor treated as IT (the cortical sheet); `channels` its channel count (0 until known). */
  constructor(
    private readonly ort: OrtModule,
    private readonly modelBytes: Uint8Array,
    readonly layer: string,
    /** Sites on the sheet; known once the layer has been recorded. */
    public channels: number,
    options: OrtStimEngineOptions = {},
  ) {
    const { readout, sessionOptions } = options;
    if (readout !== undefined && readout === layer) {
      throw new UserFacingError(`The decoder cannot read "${layer}" itself; for its channel means use the readout "${POOL_READOUT}", or name a layer downstream of it.`);
    }
    this.model = decodeModel(modelBytes);
    this.input = imageInputSpec(this.model);
    this.inputSize = this.input.size;
    const outputs = modelOutputs(this.model);
    const pool = readout === POOL_READOUT;
    this.outputName = (pool ? undefined : readout) ?? outputs[outputs.length - 1]?.name ?? '';
    this.poolReadout = pool || (outputs.some((o) => o.name === layer) && !readout);
    this.taskLayer = this.poolReadout ? `${layer}${POOL_SUFFIX}` : layer;
    this.sessionOptions = sessionOptions;
  }

  private session(bytes: Uint8Array): Promise<OrtSession> {
    return this.ort.InferenceSession.create(bytes, this.sessionOptions);
  }

  /** The ImageNet-normalised [N, 3, S, S] tensor the experiment hands us → this model's input. */
  private modelInput(x: FloatTensor): OrtTensor {
    if (this.input.channels === 3) return new this.ort.Tensor('float32', x.data, x.dims);
    const [n, , h, w] = x.dims;
    const plane = h * w;
    const gray = new Float32Array(n * plane);
    for (let i = 0; i < n; i++) {
      const base = i * 3 * plane;
      for (let k = 0; k < plane; k++) gray[i * plane + k] = x.data[base + k] * R_STD + R_MEAN;
    }
    return new this.ort.Tensor('float32', gray, [n, 1, h, w]);
  }

  private checkDelta(delta: Float32Array): void {
    if (delta.length !== this.channels) throw new UserFacingError(`Stimulation has ${delta.length} sites but layer "${this.layer}" has ${this.channels} channels.`);
  }

  private deltaTensor(delta: Float32Array): OrtTensor {
    this.checkDelta(delta);
    return new this.ort.Tensor('float32', delta, [1, delta.length, 1, 1]);
  }

  /** The pool readout: the layer's channel means plus the delta (any [N, C, …] activation, pooled or not). */
  private shiftedMeans(activation: FloatTensor, delta: Float32Array): FloatTensor {
    const r = siteResponses(activation);
    for (let i = 0; i < r.nImages; i++) for (let c = 0; c < r.nSites; c++) r.data[i * r.nSites + c] += delta[c];
    return { dims: [r.nImages, r.nSites], data: r.data };
  }

  /** Activations of `layers`; `taskLayer` of a pool readout comes back as the layer's channel means [N, C, 1, 1]. */
  async record(images: FloatTensor, layers: string[]): Promise<Record<string, FloatTensor>> {
    const tensors = [...new Set(layers.map((l) => (l.endsWith(POOL_SUFFIX) ? l.slice(0, -POOL_SUFFIX.length) : l)))];
    const key = tensors.join('\n');
    let s = this.recordSessions.get(key);
    if (!s) {
      s = this.session(upstreamModel(exposeTensors(this.model, tensors), tensors));
      this.recordSessions.set(key, s);
    }
    const out = await (await s).run({ [this.input.name]: this.modelInput(images) }, tensors);
    return Object.fromEntries(layers.map((l) => {
      if (!l.endsWith(POOL_SUFFIX)) return [l, copy(out[l])];
      const r = siteResponses(copy(out[l.slice(0, -POOL_SUFFIX.length)]));
      return [l, { dims: [r.nImages, r.nSites, 1, 1], data: r.data }];
    }));
  }

  async runStimulated(images: FloatTensor, delta: Float32Array): Promise<FloatTensor> {
    if (this.poolReadout) {
      this.checkDelta(delta);
      return this.shiftedMeans((await this.record(images, [this.layer]))[this.layer], delta);
    }
    this.stimSession ??= (async () => {
      const rewritten = insertStimulation(exposeTensors(this.model, [this.outputName]), this.layer, this.channels);
      return { session: await this.session(rewritten.model), deltaInput: rewritten.input };
    })();
    const { session, deltaInput } = await this.stimSession;
    const out = await session.run({ [this.input.name]: this.modelInput(images), [deltaInput]: this.deltaTensor(delta) }, [this.outputName]);
    return flatten(copy(out[this.outputName]));
  }

  /**
   * Fast path used by experiment.ts: the readout from already recorded activations (`taskLayer`) of the sheet
   * layer, running only the layers after it (rewrite.ts downstreamModel), or none with a pool readout, so a sweep
   * records each trial once.
   */
  async readoutFromLayer(activation: FloatTensor, delta: Float32Array): Promise<FloatTensor> {
    if (this.poolReadout) {
      this.checkDelta(delta);
      return this.shiftedMeans(activation, delta);
    }
    this.downstreamSession ??= (async () => {
      const rewritten = insertStimulation(downstreamModel(this.modelBytes, this.layer, [this.outputName]), this.layer, this.channels);
      return { session: await this.session(rewritten.model), deltaInput: rewritten.input };
    })();
    const { session, deltaInput } = await this.downstreamSession;
    const out = await session.run(
      { [this.layer]: new this.ort.Tensor('float32', activation.data, activation.dims), [deltaInput]: this.deltaTensor(delta) },
      [this.outputName],
    );
    return flatten(copy(out[this.outputName]));
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
