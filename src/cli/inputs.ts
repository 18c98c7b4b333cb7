/**
 * What CLI commands read from disk: image sets (folder or zip), vision models (ONNX file or built-in),
 * benchmark bundles (folder or zip), and layer selections.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { UserFacingError, type LayerInfo } from '../core/types';
import { compareNatural, imagenetSpec, listZipImages, type PreprocessSpec } from '../core/image';
import { buildHmaxModel, decodeModel, hmaxSpec, listLayers } from '../core/onnx';
import { readBundleAsync, readBundleZipAsync, type Benchmark } from '../core/data/bundle';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new UserFacingError(`Not found: ${path}`);
  }
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UserFacingError(`Cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

/** PNG/JPEG images of a folder (not recursive) or zip, in natural name order (the stimulus order). */
export function readImageSet(path: string): NamedBytes[] {
  if (!isDirectory(path)) {
    if (!/\.zip$/i.test(path)) throw new UserFacingError(`--images must be a folder of PNG/JPEG images or a .zip of them, got ${path}.`);
    return listZipImages(readBytes(path)).map((e) => ({ name: e.name, bytes: e.bytes }));
  }
  const names = readdirSync(path).filter((f) => IMAGE_FILE.test(f) && !f.startsWith('.')).sort(compareNatural);
  if (!names.length) throw new UserFacingError(`The folder ${path} contains no PNG or JPEG images.`);
  return names.map((name) => ({ name, bytes: readBytes(join(path, name)) }));
}

/** All files below a folder, keyed by their path relative to it (with forward slashes). */
function readFolderFiles(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(relative(root, full).split('\\').join('/'), readBytes(full));
    }
  };
  walk(root);
  return files;
}

/** A benchmark bundle from a folder (holding benchmark.json) or a zip; any array format, NetCDF included. */
export function readBenchmark(path: string): Promise<Benchmark> {
  return isDirectory(path) ? readBundleAsync(readFolderFiles(path)) : readBundleZipAsync(readBytes(path));
}

export interface VisionModel {
  name: string;
  bytes: Uint8Array;
  layers: LayerInfo[];
  preprocess: PreprocessSpec;
}

/** Built-in vision models, by the name given to --model. */
export const BUILTIN_VISION_MODELS: Record<string, { description: string; build: () => { bytes: Uint8Array; preprocess: PreprocessSpec } }> = {
  hmax: {
    description: 'HMAX (Serre et al. 2007): Gabor S1, C1, S2 templates, C2; 128 px grayscale; built in code.',
    build: () => ({ bytes: buildHmaxModel(), preprocess: hmaxSpec() }),
  },
};

/** Preprocessing presets for ONNX files (--preprocess). */
export const PREPROCESS_PRESETS: Record<string, PreprocessSpec> = {
  imagenet: imagenetSpec,
  hmax: hmaxSpec(),
};

/** `--model` is a built-in name or a path to an .onnx file; `preprocess` overrides the model's default. */
export function loadVisionModel(model: string, preprocess?: string): VisionModel {
  let bytes: Uint8Array;
  let spec: PreprocessSpec;
  const builtin = BUILTIN_VISION_MODELS[model];
  if (builtin) {
    ({ bytes, preprocess: spec } = builtin.build());
  } else {
    if (!/\.onnx$/i.test(model)) {
      throw new UserFacingError(`--model must be an .onnx file or one of the built-in models (${Object.keys(BUILTIN_VISION_MODELS).join(', ')}), got "${model}".`);
    }
    bytes = readBytes(model);
    spec = imagenetSpec;
  }
  if (preprocess !== undefined) {
    const preset = PREPROCESS_PRESETS[preprocess];
    if (!preset) throw new UserFacingError(`--preprocess must be one of ${Object.keys(PREPROCESS_PRESETS).join(', ')}, got "${preprocess}".`);
    spec = preset;
  }
  let layers: LayerInfo[];
  try {
    layers = listLayers(decodeModel(bytes));
  } catch (e) {
    if (e instanceof UserFacingError) throw e;
    throw new UserFacingError(`${basename(model)} is not a readable ONNX model (${(e as Error).message}).`);
  }
  return { name: builtin ? model : basename(model).replace(/\.onnx$/i, ''), bytes, layers, preprocess: spec };
}

/**
 * Layers picked by tensor name or readable label (case-insensitive), or all layers. `head` layers
 * (logits) are kept: the caller decides.
 */
export function selectLayers(all: readonly LayerInfo[], requested?: readonly string[]): LayerInfo[] {
  if (!requested?.length || (requested.length === 1 && requested[0] === 'all')) return [...all];
  return requested.map((r) => {
    const found = all.find((l) => l.tensor === r) ?? all.find((l) => l.label.toLowerCase() === r.toLowerCase());
    if (!found) {
      const sample = all.slice(0, 8).map((l) => l.tensor).join(', ');
      throw new UserFacingError(`The model has no layer "${r}".`, `Layers (run with --list-layers for all ${all.length}): ${sample}${all.length > 8 ? ', …' : ''}`);
    }
    return found;
  });
}
