/**
 * Catalog of models the app can use: real public ONNX files fetched from the Hugging Face hub at run
 * time (URL layout `{hubBase}/{repo}/resolve/main/{file}`), and built-in models constructed in code.
 * Sizes are the hub's listed sizes (bytes, approximate where marked); sha256 only where published.
 */

import { imagenetSpec, type PreprocessSpec } from '../image/preprocess';
import { hmaxSpec } from '../onnx/hmax';

/** How images become a model's input: src/core/image's spec (resize, crop, channels, normalization). */
export type ImagePreprocessSpec = PreprocessSpec;

/** Standard torchvision / ONNX-model-zoo ImageNet preprocessing (256 shorter side, 224 center crop). */
export const IMAGENET_PREPROCESS: ImagePreprocessSpec = imagenetSpec;

export interface CatalogFile {
  /** Role / local name: "model.onnx", external data name as the model refers to it, "tokenizer.json". */
  path: string;
  /** Path of the file in the hub repository. */
  file: string;
  /** Expected size in bytes (hub listing; exact unless approxSize). */
  size: number;
  approxSize?: boolean;
  sha256?: string;
}

export type ModelModality = 'vision' | 'language';

export interface HubModelEntry {
  kind: 'hub';
  id: string;
  name: string;
  modality: ModelModality;
  /** One line for students. */
  description: string;
  /** Hub repository, "org/name". */
  repo: string;
  files: CatalogFile[];
  preprocess?: ImagePreprocessSpec;
  /** Language models: tokenizer file (also in files). */
  tokenizer?: string;
  /** Weight precision of the file (quantized and fp16 files are recorded as float32 activations). Default fp32. */
  precision?: 'fp32' | 'fp16' | 'int8';
  license: string;
  /** False when the exact repository path could not be checked when this catalog was written. */
  verified: boolean;
}

export type BuiltinModelId = 'hmax' | 'gpt2-tiny' | 'gpt2-small-untrained';

export interface BuiltinModelEntry {
  kind: 'builtin';
  id: BuiltinModelId;
  name: string;
  modality: ModelModality;
  description: string;
  preprocess?: ImagePreprocessSpec;
}

export type CatalogEntry = HubModelEntry | BuiltinModelEntry;

export const DEFAULT_HUB_BASE = 'https://huggingface.co';

export function hubUrl(hubBase: string, repo: string, file: string): string {
  return `${hubBase.replace(/\/+$/, '')}/${repo}/resolve/main/${file}`;
}

const MB = 1_000_000;

export const HUB_MODELS: HubModelEntry[] = [
  {
    kind: 'hub',
    id: 'mobilenetv2-12',
    name: 'MobileNetV2 (ImageNet)',
    modality: 'vision',
    description: 'A small, fast ImageNet classifier: a good first model to map to the ventral stream.',
    repo: 'onnxmodelzoo/legacy_models',
    files: [{ path: 'model.onnx', file: 'validated/vision/classification/mobilenet/model/mobilenetv2-12.onnx', size: 13_974_236 }],
    preprocess: IMAGENET_PREPROCESS,
    license: 'Apache-2.0',
    verified: true,
  },
  {
    kind: 'hub',
    id: 'squeezenet1.1-7',
    name: 'SqueezeNet 1.1 (ImageNet)',
    modality: 'vision',
    description: 'A tiny AlexNet-level classifier built from "fire" modules.',
    repo: 'onnxmodelzoo/legacy_models',
    files: [{ path: 'model.onnx', file: 'validated/vision/classification/squeezenet/model/squeezenet1.1-7.onnx', size: 4.96 * MB, approxSize: true }],
    preprocess: IMAGENET_PREPROCESS,
    license: 'Apache-2.0',
    verified: true,
  },
  {
    kind: 'hub',
    id: 'resnet50-v1-12',
    name: 'ResNet-50 v1 (ImageNet)',
    modality: 'vision',
    description: 'The classic deep residual network; scores high on Brain-Score V4 and IT.',
    repo: 'onnxmodelzoo/legacy_models',
    files: [{ path: 'model.onnx', file: 'validated/vision/classification/resnet/model/resnet50-v1-12.onnx', size: 97.8 * MB, approxSize: true }],
    preprocess: IMAGENET_PREPROCESS,
    license: 'Apache-2.0',
    verified: true,
  },
  {
    kind: 'hub',
    id: 'alexnet-torchhub',
    name: 'AlexNet (ImageNet, torchvision)',
    modality: 'vision',
    description: 'The 2012 network that started deep learning in vision; Brain-Score reference model.',
    repo: 'onnxmodelzoo/legacy_models',
    files: [{ path: 'model.onnx', file: 'Computer_Vision/alexnet_Opset17_torch_hub/alexnet_Opset17.onnx', size: 244 * MB, approxSize: true }],
    preprocess: IMAGENET_PREPROCESS,
    license: 'BSD-3-Clause (torchvision weights)',
    verified: true,
  },
  // Language models in the transformers.js / Optimum layout (core/language/lm-layout.ts runs any of their I/O
  // layouts). Quantized (dynamic int8 MatMul/Gather weights) by default: a quarter of fp32's download and memory.
  // Not the merged decoders: their blocks sit inside If subgraphs, where layers cannot be recorded.
  {
    kind: 'hub',
    id: 'gpt2',
    name: 'GPT-2 small (124M, int8)',
    modality: 'language',
    description: 'The pretrained GPT-2 language model; its middle layers predict the language network well.',
    repo: 'Xenova/gpt2',
    // Size unverified here: ~1/4 of the fp32 file (int8 weights, tied LM head stored twice as in the fp32 export).
    files: [
      { path: 'model.onnx', file: 'onnx/decoder_model_quantized.onnx', size: 164 * MB, approxSize: true },
      { path: 'tokenizer.json', file: 'tokenizer.json', size: 1_355_256, approxSize: true },
    ],
    tokenizer: 'tokenizer.json',
    precision: 'int8',
    license: 'MIT',
    verified: true,
  },
  {
    kind: 'hub',
    id: 'gpt2-fp32',
    name: 'GPT-2 small (124M, full precision)',
    modality: 'language',
    description: 'GPT-2 small in float32, exactly as trained: 4x the download of the int8 version.',
    repo: 'Xenova/gpt2',
    files: [
      { path: 'model.onnx', file: 'onnx/decoder_model.onnx', size: 654 * MB, approxSize: true },
      { path: 'tokenizer.json', file: 'tokenizer.json', size: 1_355_256, approxSize: true },
    ],
    tokenizer: 'tokenizer.json',
    precision: 'fp32',
    license: 'MIT',
    verified: true,
  },
  {
    kind: 'hub',
    id: 'gpt2-fp16',
    name: 'GPT-2 small (124M, fp16)',
    modality: 'language',
    description: 'GPT-2 small in half precision: half the download of float32, values read as float32.',
    repo: 'Xenova/gpt2',
    // Unverified: file name follows the transformers.js v3 layout (`_fp16`); size is half the fp32 file.
    files: [
      { path: 'model.onnx', file: 'onnx/decoder_model_fp16.onnx', size: 327 * MB, approxSize: true },
      { path: 'tokenizer.json', file: 'tokenizer.json', size: 1_355_256, approxSize: true },
    ],
    tokenizer: 'tokenizer.json',
    precision: 'fp16',
    license: 'MIT',
    verified: false,
  },
  {
    kind: 'hub',
    id: 'distilgpt2',
    name: 'DistilGPT-2 (82M, int8)',
    modality: 'language',
    description: 'A 6-layer distilled GPT-2: faster, slightly weaker.',
    repo: 'Xenova/distilgpt2',
    // Unverified: file name follows the Xenova/gpt2 layout; size is approximate.
    files: [
      { path: 'model.onnx', file: 'onnx/decoder_model_quantized.onnx', size: 122 * MB, approxSize: true },
      { path: 'tokenizer.json', file: 'tokenizer.json', size: 1_355_256, approxSize: true },
    ],
    tokenizer: 'tokenizer.json',
    precision: 'int8',
    license: 'Apache-2.0',
    verified: false,
  },
  {
    kind: 'hub',
    id: 'gpt2-medium',
    name: 'GPT-2 medium (355M, int8)',
    modality: 'language',
    description: 'A larger GPT-2; Tuckute et al. 2024 used GPT2-XL, bigger models fit better.',
    repo: 'Xenova/gpt2-medium',
    // Unverified repository layout and size.
    files: [
      { path: 'model.onnx', file: 'onnx/decoder_model_quantized.onnx', size: 409 * MB, approxSize: true },
      { path: 'tokenizer.json', file: 'tokenizer.json', size: 1_355_256, approxSize: true },
    ],
    tokenizer: 'tokenizer.json',
    precision: 'int8',
    license: 'MIT',
    verified: false,
  },
];

export const BUILTIN_MODELS: BuiltinModelEntry[] = [
  {
    kind: 'builtin',
    id: 'hmax',
    name: 'HMAX (S1–C2)',
    modality: 'vision',
    description: 'The classic model of the ventral stream: Gabor filters (V1 simple cells) and max pooling (complex cells). No training, no download.',
    preprocess: hmaxSpec(),
  },
  {
    kind: 'builtin',
    id: 'gpt2-tiny',
    name: 'GPT-2 architecture, tiny, untrained',
    modality: 'language',
    description: 'A 2-block GPT-2 with random weights: a baseline that shows what architecture alone explains.',
  },
  {
    kind: 'builtin',
    id: 'gpt2-small-untrained',
    name: 'GPT-2 small architecture, untrained',
    modality: 'language',
    description: 'GPT-2 small (12 blocks, 768 wide) with random weights: the untrained control for GPT-2.',
  },
];

export const CATALOG: CatalogEntry[] = [...HUB_MODELS, ...BUILTIN_MODELS];

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}

export function catalogDownloadBytes(entry: HubModelEntry): number {
  return entry.files.reduce((s, f) => s + f.size, 0);
}

/**
 * The spec adjusted to a model's declared image input ([N, C, H, W] with fixed H, W): crop to H×W,
 * resize the shorter side in the same proportion as the base spec (256→224 becomes 146→128).
 */
export function preprocessForInput(spec: ImagePreprocessSpec, inputShape: readonly (number | string)[]): ImagePreprocessSpec {
  const [h, w] = [inputShape[2], inputShape[3]];
  if (typeof h !== 'number' || typeof w !== 'number') return spec;
  if (h === spec.size[0] && w === spec.size[1]) return spec;
  const ratio = (spec.resizeTo ?? Math.max(...spec.size)) / Math.max(...spec.size);
  return { ...spec, size: [h, w], resizeTo: Math.round(Math.max(h, w) * ratio) };
}
