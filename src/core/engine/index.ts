export { Recorder, checkFeeds, type Feed, type Feeds, type RecorderOptions, type BatchOptions } from './recorder';
export { explainOrtError } from './errors';
export type { OrtModule, OrtSession, OrtSessionOptions, OrtTensor, OrtTensorData, OrtTensorType } from './ort';
