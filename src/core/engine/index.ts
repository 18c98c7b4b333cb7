export { Recorder, checkFeeds, copyAsFloat32, floatToHalf, itemsPerRun, releaseArray, DEFAULT_MAX_RUN_BYTES, type Feed, type Feeds, type RecorderOptions, type BatchOptions } from './recorder';
export { explainOrtError } from './errors';
export type { OrtModule, OrtSession, OrtSessionOptions, OrtTensor, OrtTensorData, OrtTensorType, OrtValueMetadata } from './ort';
