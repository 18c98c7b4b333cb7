/**
 * Types shared by the domain modules (src/core), the workers and the UI.
 * Everything here is plain data: structured-clone friendly, so it crosses worker boundaries as is.
 */

/** A dense float tensor: row-major data with its dims. */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

/** What a recordable layer is, in readable form. `tensor` is the ONNX value name we expose as an output. */
export interface LayerInfo {
  /** ONNX tensor (value) name; the key used to record it. */
  tensor: string;
  /** Readable name, e.g. "block 3 · conv 2" or "block 5 · residual". */
  label: string;
  /** Group it belongs to (CNN block, transformer block, "stem", "head"). */
  group: string;
  /** Role of the tensor. */
  kind: 'conv' | 'relu' | 'pool' | 'add' | 'norm' | 'residual' | 'attention' | 'mlp' | 'embedding' | 'logits' | 'other';
  /** Producing op type (Conv, Relu, Add, ...). */
  op: string;
  /** Position in topological order (0 = closest to the input). */
  depth: number;
}

/** Activations of one recorded layer for a batch or a whole stimulus set: dims[0] is the stimulus axis. */
export interface LayerActivation extends FloatTensor {
  layer: string;
}

/** Progress of a long job, reported through callbacks. */
export interface Progress {
  done: number;
  total: number;
  /** Short human-readable phase, e.g. "recording", "fitting ridge". */
  phase?: string;
}

export type ProgressFn = (p: Progress) => void;

/** Thrown for failures the user should see as is: message is written for a person, not a developer. */
export class UserFacingError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** Thrown when a job is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
