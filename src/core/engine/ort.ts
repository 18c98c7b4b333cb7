/**
 * The slice of the onnxruntime API the engine needs. Both `onnxruntime-web` and `onnxruntime-node`
 * satisfy it as imported (`import * as ort from 'onnxruntime-web'`), so engine code never imports
 * a runtime itself: the worker passes onnxruntime-web, tests pass onnxruntime-node.
 */

export type OrtTensorType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

export type OrtTensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

export interface OrtSessionOptions {
  executionProviders?: readonly string[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** What a session says about one of its inputs or outputs (onnxruntime >= 1.22). */
export type OrtValueMetadata = { readonly name: string; readonly isTensor: false } | {
  readonly name: string;
  readonly isTensor: true;
  readonly type: string;
  readonly shape: ReadonlyArray<number | string>;
};

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  InferenceSession: { create(buffer: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: OrtTensorType, data: OrtTensorData, dims?: readonly number[]) => OrtTensor;
}
