import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from '../command';
import { listOption, requiredString, stringOption } from '../args';
import { loadVisionModel, readImageSet, selectLayers, BUILTIN_VISION_MODELS } from '../inputs';
import { recordImages, recordingFlags, type ReducedLayer } from '../features';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { makeOutputFolder, writeOutputFile } from '../output';
import { writeNpy } from '../../core/data/npy';
import { hasExternalData, inlineExternalData } from '../../core/onnx/external-data';
import { decodeModel, encodeModel } from '../../core/onnx/proto';

/**
 * A model file that keeps its weights in external data files (e.g. model.onnx + model.onnx.data, as large and
 * fp16 exports do) as one buffer: the files the model names are read from next to it.
 */
export function withExternalData(bytes: Uint8Array, modelPath: string): Uint8Array {
  const model = decodeModel(bytes);
  if (!hasExternalData(model)) return bytes;
  const locations = new Set(model.graph.initializer.flatMap((t) => (t.externalData ?? []).filter((kv) => kv.key === 'location').map((kv) => kv.value ?? '')));
  const files = [...locations].filter((l) => existsSync(join(dirname(modelPath), l))).map((l) => ({ path: l, data: new Uint8Array(readFileSync(join(dirname(modelPath), l))) }));
  return encodeModel(inlineExternalData(model, files));
}

/** A file name for a tensor name ("/features/conv/Relu" → "features_conv_Relu"). */
export function layerFileName(tensor: string): string {
  return tensor.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'layer';
}

/** Per-layer summary statistics (the JSON summary printed without --out). */
export function summarize(layer: ReducedLayer): { layer: string; dims: number[]; reduction: string; mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of layer.data) {
    sum += v;
    sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const n = layer.data.length;
  const mean = sum / n;
  return { layer: layer.layer, dims: layer.dims, reduction: layer.reduction, mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)), min, max };
}

export const record: Command = {
  spec: {
    name: 'record',
    summary: 'Record layer activations of a vision model for a folder or zip of images.',
    usage: 'silico record --model MODEL --images PATH [--layers a,b] [--out DIR]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: `An .onnx file or a built-in model (${Object.keys(BUILTIN_VISION_MODELS).join(', ')}).`, required: true },
      images: { type: 'string', short: 'i', value: 'PATH', help: 'Folder or .zip of PNG/JPEG images (natural name order).' },
      layers: { type: 'string', short: 'l', value: 'LIST', help: 'Comma-separated layer tensors or labels, or "all".', default: 'all' },
      'list-layers': { type: 'boolean', help: 'Print the recordable layers of the model as JSON and exit.' },
      preprocess: { type: 'string', value: 'NAME', help: 'Preprocessing preset: imagenet or hmax (default: imagenet for .onnx files).' },
      batch: { type: 'string', value: 'N', help: 'Images per inference run.', default: '16' },
      'max-features': { type: 'string', value: 'N', help: 'Average-pool 4-D layers over space to at most N features per image (default: keep whole).' },
      threads: { type: 'string', value: 'N', help: 'onnxruntime intra-op threads (default: onnxruntime decides).' },
      out: { type: 'string', short: 'o', value: 'DIR', help: 'Write one .npy per layer (float32 [images, ...]) and index.json here; without it a JSON summary goes to stdout.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: [
      'silico record --model hmax --images stimuli/ --out acts/',
      'silico record -m mobilenetv2.onnx -i images.zip --layers all --max-features 8192 -o acts/',
    ],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    const model = loadVisionModel(requiredString(options, 'model'), stringOption(options, 'preprocess'));
    if (options['list-layers']) {
      process.stdout.write(`${JSON.stringify(model.layers, null, 2)}\n`);
      return 0;
    }
    const layers = selectLayers(model.layers, listOption(options, 'layers'));
    const images = readImageSet(requiredString(options, 'images'));
    note(`${model.name}: ${layers.length} layer(s), ${images.length} image(s)`, quiet);
    const progress = stderrProgress('record', process.stderr, quiet);
    const bytes = /\.onnx$/i.test(requiredString(options, 'model')) ? withExternalData(model.bytes, requiredString(options, 'model')) : model.bytes;
    const recorded = await recordImages(await loadOrtNode(), bytes, images, recordingFlags(options, model, layers, progress, signal));
    progress.end();
    const out = stringOption(options, 'out');
    if (!out) {
      process.stdout.write(`${JSON.stringify({ model: model.name, images: images.map((i) => i.name), layers: recorded.map(summarize) }, null, 2)}\n`);
      return 0;
    }
    makeOutputFolder(out);
    const index = recorded.map((r, i) => {
      const file = `${String(i).padStart(3, '0')}_${layerFileName(r.layer)}.npy`;
      writeOutputFile(join(out, file), writeNpy(r.data, r.dims, 'f4'));
      return { layer: r.layer, label: layers[i].label, file, dims: r.dims, reduction: r.reduction };
    });
    writeOutputFile(join(out, 'index.json'), `${JSON.stringify({ model: model.name, images: images.map((i) => i.name), layers: index }, null, 2)}\n`);
    note(`wrote ${index.length} layer(s) to ${out}`, quiet);
    return 0;
  },
};
