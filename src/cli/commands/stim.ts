import { readdirSync, readFileSync } from 'node:fs';
import { checkOutputPath, writeOutputFile } from '../output';
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
import { neighbourhoodSelectivity, prepareExperiment, spanSites, sweepSites } from '../../core/stim/experiment';
import { grayToModelInput, type GrayImage } from '../../core/stim/noise';
import { OrtStimEngine, POOL_READOUT } from '../../core/stim/ort-engine';
import { activatedRadiusMm, AFRAZ_TRAIN, validateStimulation } from '../../core/stim/spread';
import { adviseSweep, bootstrapShifts, largestDrop, summarizeSelectivityShift, type SelectivityShiftSummary, type SweepAdvice } from '../../core/stim/stats';

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** Image files of each folder (natural order), checked before any decoding. */
function listFolders(dirs: string[], what: string): string[][] {
  if (!dirs.length) throw new UserFacingError(`--${what} needs at least one folder.`);
  return dirs.map((dir) => {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => IMAGE_FILE.test(f));
    } catch {
      throw new UserFacingError(`Image folder not found: ${dir}`);
    }
    if (!names.length) throw new UserFacingError(`The folder ${dir} has no PNG or JPEG images.`);
    return names;
  });
}

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
    summary: 'Microstimulation sweep of a vision model (Afraz et al. 2006 in silico): psychometric shift per site and current, with bootstrap CIs → CSV.',
    usage: 'silico stim --model M.onnx --layer T [--readout pool|T] --faces DIR[,DIR] --nonfaces DIR[,DIR...] [--out sweep.csv] [--summary stats.json]',
    options: {
      model: { type: 'string', short: 'm', value: 'FILE', help: 'Vision model (.onnx) with a 224 px RGB input.', required: true },
      layer: { type: 'string', value: 'TENSOR', help: 'Layer stimulated (the model\'s "IT"), a 4-D [N, C, H, W] activation.', required: true },
      readout: { type: 'string', value: 'pool|TENSOR', help: '"pool": the face decoder reads the stimulated layer\'s own channel means (a linear readout of "IT"); or a layer downstream of --layer (e.g. the global pool), through which the stimulation then propagates.', default: 'pool' },
      faces: { type: 'string', value: 'DIRS', help: 'Comma-separated folders of face images.', required: true },
      nonfaces: { type: 'string', value: 'DIRS', help: 'Comma-separated folders of non-face images.', required: true },
      localizer: { type: 'string', value: 'N', help: 'Images per class for the localizer (face selectivity, sheet layout).', default: '24' },
      decoder: { type: 'string', value: 'N', help: 'Other images per class that train the decoder on the task (× 6 signal levels).', default: '48' },
      task: { type: 'string', value: 'N', help: 'Held-out images per class for the test trials (× 6 signal levels × --repeats).', default: '48' },
      repeats: { type: 'string', value: 'N', help: 'Noise draws per test image and signal level.', default: '4' },
      sites: { type: 'string', value: 'N', help: 'Electrode sites spanning the face-selectivity range (capped at the live sites).', default: '24' },
      current: { type: 'string', value: 'µA,…', help: 'Currents to test at each site (0–300 µA).', default: '50' },
      frequency: { type: 'string', value: 'HZ', help: 'Pulse frequency (1–1000 Hz).', default: '200' },
      duration: { type: 'string', value: 'MS', help: 'Train duration (1–1000 ms).', default: '50' },
      seed: { type: 'string', value: 'N', help: 'Seed of the sheet layout, the noise and the bootstrap.', default: '1' },
      bootstrap: { type: 'string', value: 'N', help: 'Bootstrap replicates for the CIs (0 = none).', default: '1000' },
      threads: { type: 'string', value: 'N', help: 'onnxruntime intra-op threads.' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the CSV here instead of stdout.' },
      summary: { type: 'string', value: 'FILE', help: 'Write the statistics (baseline, r, controls, top quarter, with CIs) as JSON.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: [
      'silico stim -m mobilenetv2-12-fp32.onnx --layer 594_quantized --readout pool --faces floc/adult,floc/child --nonfaces floc/body,floc/car,floc/house,floc/word,floc/instrument,floc/corridor --sites 24 --summary stats.json',
    ],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    // Every argument is checked here, before any image is decoded or any layer recorded.
    const modelPath = requiredString(options, 'model');
    const layer = requiredString(options, 'layer');
    const readout = stringOption(options, 'readout') ?? POOL_READOUT;
    const nLoc = integerOption(options, 'localizer', 2) ?? 24;
    const nDec = integerOption(options, 'decoder', 4) ?? 48;
    const nTask = integerOption(options, 'task', 2) ?? 48;
    const repeats = integerOption(options, 'repeats', 1) ?? 4;
    const nSites = integerOption(options, 'sites', 1) ?? 24;
    const currents = numberListOption(options, 'current') ?? [50];
    if (!currents.length) throw new UserFacingError('--current needs at least one value (µA).');
    const frequencyHz = numberOption(options, 'frequency') ?? 200;
    const durationMs = numberOption(options, 'duration') ?? 50;
    validateStimulation({ currentsUa: currents, frequencyHz, durationMs });
    const seed = integerOption(options, 'seed', 0) ?? 1;
    const bootstrap = integerOption(options, 'bootstrap', 0) ?? 1000;
    if (bootstrap > 100000) throw new UserFacingError(`--bootstrap must be at most 100000 (got ${bootstrap}).`);
    const threads = integerOption(options, 'threads', 1);
    if (threads !== undefined && threads > 256) throw new UserFacingError(`--threads must be at most 256 (got ${threads}).`);
    const out = stringOption(options, 'out');
    const summaryPath = stringOption(options, 'summary');
    if (out) checkOutputPath(out, 'file');
    if (summaryPath) checkOutputPath(summaryPath, 'file', 'summary');
    const faceDirs = listOption(options, 'faces') ?? [];
    const nonFaceDirs = listOption(options, 'nonfaces') ?? [];
    const need = nLoc + nDec + nTask;
    const count = (lists: string[][]) => lists.reduce((a, l) => a + l.length, 0);
    const nFaceFiles = count(listFolders(faceDirs, 'faces'));
    const nNonFaceFiles = count(listFolders(nonFaceDirs, 'nonfaces'));
    if (nFaceFiles < need || nNonFaceFiles < need) {
      throw new UserFacingError(`Need ${need} images per class (--localizer ${nLoc} + --decoder ${nDec} + --task ${nTask}, kept apart); got ${nFaceFiles} faces and ${nNonFaceFiles} non-faces.`);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(modelPath));
    } catch {
      throw new UserFacingError(`Model not found: ${modelPath}`);
    }
    const layers = listLayers(decodeModel(bytes));
    const depth = new Map(layers.map((l) => [l.tensor, l.depth]));
    const pool = readout === POOL_READOUT;
    for (const t of pool ? [layer] : [layer, readout]) if (!depth.has(t)) throw new UserFacingError(`The model has no layer "${t}".`, 'Run "silico record --model … --list-layers" for the layer names.');
    if (!pool && (readout === layer || depth.get(readout)! <= depth.get(layer)!)) {
      throw new UserFacingError(`The readout "${readout}" must come after the stimulated layer "${layer}" in the model.`, `Pick a later layer (e.g. the global pool of the head), or "--readout ${POOL_READOUT}" for the stimulated layer's own channel means.`);
    }
    const params = { ...AFRAZ_TRAIN, frequencyHz, durationMs };
    const sessionOptions = threads ? { intraOpNumThreads: threads } : {};
    const ort = await loadOrtNode();

    const faces = readGrayFolders(faceDirs);
    const nonFaces = readGrayFolders(nonFaceDirs);
    // Channels of the stimulated layer, from one recording.
    const probe = await Recorder.create(ort, bytes, { layers: [layer] });
    const [act] = await probe.run({ [probe.inputs[0].name]: grayToModelInput([faces[0]], 224) });
    await probe.dispose();
    if (act.dims.length !== 4) throw new UserFacingError(`Layer "${layer}" has shape [${act.dims.join(', ')}]; stimulation needs a 4-D [N, C, H, W] layer.`);
    const channels = act.dims[1];

    const progress = stderrProgress('stim', process.stderr, quiet);
    const control = { signal, onProgress: progress };
    const engine = new OrtStimEngine(ort, bytes, layer, channels, { readout, sessionOptions });
    const { sheet, decoder, trials, baseline } = await prepareExperiment(engine, layer, faces, nonFaces, { localizer: nLoc, decoder: nDec, task: nTask, repeats, seed }, control);
    note(`decoder: C ${decoder.C} (grouped CV), ${decoder.trials} training trials, accuracy at ≥ 50 % signal ${(100 * decoder.accuracyHighSignal).toFixed(1)} %`, quiet);
    const sites = spanSites(sheet, nSites, params);
    if (sites.length < nSites) note(`--sites ${nSites} capped at ${sites.length}: the layer has only ${sites.length} responsive sites.`, quiet);
    const conditions: { site: number; currentUa: number; pFace: Float64Array; shift: number; deltaPFace: number }[] = [];
    for (const [k, currentUa] of currents.entries()) {
      const p = { ...params, currentUa };
      const r = await sweepSites(engine, sheet, decoder, trials, sites, p, { signal, onProgress: (q) => progress({ done: k * sites.length + q.done, total: currents.length * sites.length, phase: `stimulating sites at ${currentUa} µA` }) }, baseline);
      for (const s of r.sites) conditions.push({ site: s.site, currentUa, pFace: s.pFace, shift: s.shift, deltaPFace: s.deltaPFace });
    }
    progress.end();
    const boot = bootstrapShifts(trials, baseline.pFace, conditions.map((c) => c.pFace), { bootstrap, seed: seed + 7 });
    const tissue = new Map(sites.map((s) => [s, neighbourhoodSelectivity(sheet, s, params)]));
    const rows = conditions.map((c, j) => ({
      layer, site: c.site, x_mm: sheet.xMm[c.site], y_mm: sheet.yMm[c.site], d_prime: sheet.dPrime[c.site], neighbourhood_d_prime: tissue.get(c.site)!,
      current_ua: c.currentUa, radius_mm: activatedRadiusMm(c.currentUa), frequency_hz: frequencyHz, duration_ms: durationMs,
      shift_percent: c.shift, shift_ci_low: boot.shifts[j].low, shift_ci_high: boot.shifts[j].high, delta_p_face: c.deltaPFace,
    }));
    const perCurrent: Record<string, SelectivityShiftSummary | null> = {};
    for (const currentUa of currents) {
      const idx = conditions.map((c, j) => (c.currentUa === currentUa ? j : -1)).filter((j) => j >= 0);
      perCurrent[String(currentUa)] = idx.length >= 4
        ? summarizeSelectivityShift(idx.map((j) => tissue.get(conditions[j].site)!), idx.map((j) => conditions[j].shift), {
          replicates: bootstrap > 0 ? boot.replicates.map((r) => Float64Array.from(idx, (j) => r[j])) : undefined, bootstrap: 0, seed: seed + 8,
        })
        : null;
    }
    const ciHalf = rows.map((r) => (r.shift_ci_high - r.shift_ci_low) / 2);
    const advice: Record<string, SweepAdvice> = {};
    for (const [cur, s] of Object.entries(perCurrent)) {
      if (s) advice[cur] = adviseSweep(s, { currentUa: Number(cur), decoderAccuracy: decoder.accuracyHighSignal, baselineSlope: baseline.curve.slope });
    }
    const summary = {
      model: modelPath, layer, readout, seed, repeats, trials: trials.length, bootstrap,
      images: { localizer: nLoc, decoder: nDec, task: nTask },
      decoder: { C: decoder.C, cv: decoder.cv?.losses, trainingTrials: decoder.trials, accuracyHighSignal: decoder.accuracyHighSignal },
      baseline: { x50: boot.baselineX50, slope: baseline.curve.slope, largestDrop: largestDrop(baseline.points), points: baseline.points },
      medianCiHalfWidth: [...ciHalf].sort((a, b) => a - b)[Math.floor(ciHalf.length / 2)],
      /** CI half-widths of the control sites' shifts (|tissue d′| < 0.5; issue 13 asks ≤ 3 % signal), and the shift range. */
      controlCiHalfWidth: (() => {
        const c = ciHalf.filter((_, j) => Math.abs(rows[j].neighbourhood_d_prime) < 0.5).sort((a, b) => a - b);
        return c.length ? { median: c[Math.floor(c.length / 2)], max: c[c.length - 1], n: c.length } : null;
      })(),
      shiftRange: rows.length ? [Math.min(...rows.map((r) => r.shift_percent)), Math.max(...rows.map((r) => r.shift_percent))] : null,
      perCurrent,
      advice,
    };
    const b = summary.baseline;
    note(`baseline: 50 % point ${b.x50.value.toFixed(1)} % signal [${b.x50.low.toFixed(1)}, ${b.x50.high.toFixed(1)}], slope ${baseline.curve.slope.toFixed(4)}/%, largest drop between levels ${b.largestDrop.toFixed(3)}`, quiet);
    for (const [cur, s] of Object.entries(perCurrent)) {
      if (!s) continue;
      const f = (v: { value: number; low: number; high: number }, d = 2) => `${v.value.toFixed(d)} [${v.low.toFixed(d)}, ${v.high.toFixed(d)}]`;
      note(`${cur} µA, ${s.nSites} sites: r ${f(s.r)}; r(d' ≥ −0.3, n ${s.rInRange.n}) ${f(s.rInRange)}; controls (n ${s.controls.n}) mean ${f(s.controls, 1)} %, SD ${s.controls.sd.toFixed(1)} %; top quarter (n ${s.topQuarter.n}) ${f(s.topQuarter, 1)} %`, quiet);
      for (const w of advice[cur]?.warnings ?? []) note(`warning: ${w}`, quiet);
      for (const h of advice[cur]?.hints ?? []) note(`hint: ${h}`, quiet);
    }
    if (summaryPath) writeOutputFile(summaryPath, `${JSON.stringify(summary, null, 1)}\n`);
    const csv = `${Papa.unparse(rows)}\n`;
    if (out) {
      writeOutputFile(out, csv);
      note(`wrote ${rows.length} rows to ${out}`, quiet);
    } else process.stdout.write(csv);
    return 0;
  },
};
