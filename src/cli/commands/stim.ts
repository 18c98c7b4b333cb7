import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import type { Command } from '../command';
import { integerOption, listOption, numberListOption, numberOption, requiredString, stringOption } from '../args';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { compareNatural, decodeImage } from '../../core/image';
import { decodeModel, listLayers } from '../../core/onnx';
import { Recorder } from '../../core/engine';
import { buildSheetWithEngine, doseResponse, neighbourhoodSelectivity, runTask, spanSites, trainDecoderWithEngine } from '../../core/stim/experiment';
import { afrazTrials, grayToModelInput, type GrayImage } from '../../core/stim/noise';
import { OrtStimEngine } from '../../core/stim/ort-engine';
import { AFRAZ_TRAIN } from '../../core/stim/spread';

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** Grayscale (BT.601 luma) images of the given folders, in natural name order per folder, interleaved across folders. */
function readGrayFolders(dirs: string[]): GrayImage[] {
  const perDir = dirs.map((dir) => {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => IMAGE_FILE.test(f)).sort(compareNatural);
    } catch {
      throw new UserFacingError(`Image folder not found: ${dir}`);
    }
    if (!names.length) throw new UserFacingError(`The folder ${dir} has no PNG or JPEG images.`);
    return names.map((n) => join(dir, n));
  });
  const out: GrayImage[] = [];
  const longest = Math.max(...perDir.map((p) => p.length));
  for (let i = 0; i < longest; i++) {
    for (const files of perDir) {
      if (i >= files.length) continue;
      const d = decodeImage(new Uint8Array(readFileSync(files[i])), files[i]);
      const data = new Uint8Array(d.width * d.height);
      for (let k = 0; k < data.length; k++) data[k] = Math.round(0.299 * d.data[4 * k] + 0.587 * d.data[4 * k + 1] + 0.114 * d.data[4 * k + 2]);
      out.push({ width: d.width, height: d.height, data });
    }
  }
  return out;
}

export const stim: Command = {
  spec: {
    name: 'stim',
    summary: 'Microstimulation sweep of a vision model (Afraz et al. 2006 in silico): psychometric shift per site and current → CSV.',
    usage: 'silico stim --model M.onnx --layer T --readout T --faces DIR[,DIR] --nonfaces DIR[,DIR...] [--out sweep.csv]',
    options: {
      model: { type: 'string', short: 'm', value: 'FILE', help: 'Vision model (.onnx) with a 224 px RGB input.', required: true },
      layer: { type: 'string', value: 'TENSOR', help: 'Layer stimulated (the model\'s "IT"), a 4-D [N, C, H, W] activation.', required: true },
      readout: { type: 'string', value: 'TENSOR', help: 'Downstream layer the face decoder reads (e.g. the global pool).', required: true },
      faces: { type: 'string', value: 'DIRS', help: 'Comma-separated folders of face images.', required: true },
      nonfaces: { type: 'string', value: 'DIRS', help: 'Comma-separated folders of non-face images.', required: true },
      localizer: { type: 'string', value: 'N', help: 'Images per class for the localizer (sheet) and the decoder.', default: '24' },
      task: { type: 'string', value: 'N', help: 'Held-out images per class for the noisy task (× 6 signal levels).', default: '12' },
      sites: { type: 'string', value: 'N', help: 'Electrode sites spanning the face-selectivity range.', default: '8' },
      current: { type: 'string', value: 'µA,…', help: 'Currents to sweep at each site.', default: '50' },
      frequency: { type: 'string', value: 'HZ', help: 'Pulse frequency.', default: '200' },
      duration: { type: 'string', value: 'MS', help: 'Train duration.', default: '50' },
      seed: { type: 'string', value: 'N', help: 'Seed of the sheet layout and the task noise.', default: '1' },
      threads: { type: 'string', value: 'N', help: 'onnxruntime intra-op threads.' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the CSV here instead of stdout.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: [
      'silico stim -m mobilenetv2-12-fp32.onnx --layer 627_quantized --readout 464_quantized --faces floc/adult,floc/child --nonfaces floc/body,floc/car,floc/house --current 10,25,50,100',
    ],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    const modelPath = requiredString(options, 'model');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(modelPath));
    } catch {
      throw new UserFacingError(`Model not found: ${modelPath}`);
    }
    const layer = requiredString(options, 'layer');
    const readout = requiredString(options, 'readout');
    const known = new Set(listLayers(decodeModel(bytes)).map((l) => l.tensor));
    for (const t of [layer, readout]) if (!known.has(t)) throw new UserFacingError(`The model has no layer "${t}".`, 'Run "silico record --model … --list-layers" for the layer names.');
    const nLoc = integerOption(options, 'localizer') ?? 24;
    const nTask = integerOption(options, 'task') ?? 12;
    const faces = readGrayFolders(listOption(options, 'faces') ?? []);
    const nonFaces = readGrayFolders(listOption(options, 'nonfaces') ?? []);
    if (faces.length < nLoc + nTask || nonFaces.length < nLoc + nTask) {
      throw new UserFacingError(`Need ${nLoc + nTask} images per class (--localizer ${nLoc} + --task ${nTask}); got ${faces.length} faces and ${nonFaces.length} non-faces.`);
    }
    const currents = numberListOption(options, 'current') ?? [50];
    if (currents.some((c) => c < 0)) throw new UserFacingError('--current values must be ≥ 0 µA.');
    const params = { ...AFRAZ_TRAIN, frequencyHz: numberOption(options, 'frequency') ?? 200, durationMs: numberOption(options, 'duration') ?? 50 };
    const seed = integerOption(options, 'seed', 0) ?? 1;
    const threads = integerOption(options, 'threads');
    const sessionOptions = threads ? { intraOpNumThreads: threads } : {};
    const ort = await loadOrtNode();

    // Channels of the stimulated layer, from one recording.
    const probe = await Recorder.create(ort, bytes, { layers: [layer] });
    const [act] = await probe.run({ [probe.inputs[0].name]: grayToModelInput([faces[0]], 224) });
    await probe.dispose();
    if (act.dims.length !== 4) throw new UserFacingError(`Layer "${layer}" has shape [${act.dims.join(', ')}]; stimulation needs a 4-D [N, C, H, W] layer.`);
    const channels = act.dims[1];

    const progress = stderrProgress('stim', process.stderr, quiet);
    const control = { signal, onProgress: progress };
    const engine = new OrtStimEngine(ort, bytes, layer, channels, { readout, sessionOptions });
    const locImages = [...faces.slice(0, nLoc), ...nonFaces.slice(0, nLoc)];
    const locIsFace = locImages.map((_, i) => i < nLoc);
    const sheet = await buildSheetWithEngine(engine, layer, locImages, locIsFace, { seed }, control);
    const decoder = await trainDecoderWithEngine(engine, channels, locImages, locIsFace, { C: 1 }, control);
    const taskImages = [...faces.slice(nLoc, nLoc + nTask), ...nonFaces.slice(nLoc, nLoc + nTask)];
    const trials = afrazTrials(taskImages, taskImages.map((_, i) => i < nTask), seed + 6);
    const baseline = await runTask(engine, decoder, trials, new Float32Array(channels), control);
    note(`baseline: 50 % point ${baseline.curve.x50.toFixed(1)} % signal, slope ${baseline.curve.slope.toFixed(4)}`, quiet);
    const sites = spanSites(sheet, integerOption(options, 'sites') ?? 8, params);
    const rows: Record<string, number | string>[] = [];
    for (const [k, site] of sites.entries()) {
      const dose = await doseResponse(engine, sheet, decoder, trials, site, currents, params, { signal }, baseline);
      progress({ done: k + 1, total: sites.length, phase: 'stimulating sites' });
      for (const d of dose) {
        rows.push({
          layer, site, x_mm: sheet.xMm[site], y_mm: sheet.yMm[site], d_prime: sheet.dPrime[site], neighbourhood_d_prime: neighbourhoodSelectivity(sheet, site, params),
          current_ua: d.currentUa, radius_mm: d.radiusMm, frequency_hz: params.frequencyHz, duration_ms: params.durationMs,
          shift_percent: d.shift, delta_p_face: d.deltaPFace,
        });
      }
    }
    progress.end();
    const csv = `${Papa.unparse(rows)}\n`;
    const out = stringOption(options, 'out');
    if (out) {
      writeFileSync(out, csv);
      note(`wrote ${rows.length} rows to ${out}`, quiet);
    } else process.stdout.write(csv);
    return 0;
  },
};
