/**
 * An independent reference for the stimulation effect: tools/python/stim_reference.py builds a small convolutional
 * graph (Conv 3×3 → ReLU = the stimulated layer → Conv 1×1 → ReLU → global pool = the readout) and recomputes, in
 * numpy / scikit-learn / scipy from the weights and the trial images only, what Silico computes with
 * onnxruntime-node and src/core/stim: each site's response SD over the decoder's trials, the current → activated
 * radius → per-site delta, the readout under stimulation, the L2 logistic decoder, the psychometric fit and the
 * shift of the 50 % point. Both readouts are checked: a downstream layer (Conv 1×1 → ReLU → pool), through which
 * the stimulation propagates, and POOL_READOUT, the stimulated layer's own channel means.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { AFRAZ_SIGNAL_LEVELS, afrazTrials, grayToModelInput } from '../../src/core/stim/noise';
import { prepareExperiment, sweepSites, type PreparedExperiment } from '../../src/core/stim/experiment';
import { syntheticFaceSet } from '../../src/core/stim/demo-images';
import { OrtStimEngine, POOL_READOUT, type OrtModule } from '../../src/core/stim/ort-engine';
import { AFRAZ_TRAIN } from '../../src/core/stim/spread';
import { hasPythonModules, spawnPython } from '../support/python';

const require = createRequire(import.meta.url);
const SCRIPT = resolve(import.meta.dirname, '../../tools/python/stim_reference.py');
const ready = hasPythonModules('scipy', 'sklearn', 'onnx');

function python(args: string[]): string {
  const r = spawnPython([SCRIPT, ...args], { modules: ['scipy', 'sklearn', 'onnx'], timeout: 300_000 });
  if (r.status !== 0) throw new Error(`stim_reference.py failed: ${r.stderr}`);
  return r.stdout;
}

const READOUTS = [
  { readout: 'readout', what: 'a downstream readout (Conv 1×1 → ReLU → pool)' },
  { readout: POOL_READOUT, what: 'the pool readout (the stimulated layer\'s own channel means)' },
];

for (const { readout, what } of READOUTS) describe.skipIf(!ready)(`stimulation effect vs an independent numpy reference (small conv graph), ${what}`, () => {
  const dir = mkdtempSync(resolve(tmpdir(), 'silico-stim-ref-'));
  const setup = { localizer: 6, decoder: 6, task: 6, repeats: 2, seed: 3 };
  let ours: PreparedExperiment;
  let shifts: number[] = [];
  let sites: number[] = [];
  let ref: { baselineX50: number; baselineSlope: number; shifts: number[]; siteSd: number[]; basePFace: number[] };

  beforeAll(async () => {
    python(['make-model', resolve(dir, 'model.onnx')]);
    const bytes = new Uint8Array(readFileSync(resolve(dir, 'model.onnx')));
    const ort = require('onnxruntime-node') as OrtModule;
    const engine = new OrtStimEngine(ort, bytes, 'act', 0, { readout, sessionOptions: { intraOpNumThreads: 1 } });
    const { faces, nonFaces } = syntheticFaceSet(18, 64, 7);
    ours = await prepareExperiment(engine, 'act', faces, nonFaces, setup);
    // Four sites: the most and least face-selective, two in between.
    const order = Array.from(ours.sheet.dPrime, (d, i) => [d, i]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
    sites = [order[order.length - 1], order[0], order[5], order[10]];
    shifts = (await sweepSites(engine, ours.sheet, ours.decoder, ours.trials, sites, AFRAZ_TRAIN, {}, ours.baseline)).sites.map((s) => s.shift);
    await engine.dispose();

    // The same trial images as model inputs (the decoder's and the test trials', regenerated from their seeds).
    const dec = [...faces.slice(setup.localizer, setup.localizer + setup.decoder), ...nonFaces.slice(setup.localizer, setup.localizer + setup.decoder)];
    const decTrials = afrazTrials(dec, dec.map((_, i) => i < setup.decoder), setup.seed + 1000, AFRAZ_SIGNAL_LEVELS, 1);
    writeFileSync(resolve(dir, 'dec.f32'), grayToModelInput(decTrials.map((t) => t.image), 32).data);
    writeFileSync(resolve(dir, 'task.f32'), grayToModelInput(ours.trials.map((t) => t.image), 32).data);
    writeFileSync(resolve(dir, 'spec.json'), JSON.stringify({
      size: 32, decoderInputs: resolve(dir, 'dec.f32'), taskInputs: resolve(dir, 'task.f32'), decoderIsFace: decTrials.map((t) => t.isFace),
      taskIsFace: ours.trials.map((t) => t.isFace), taskSignal: ours.trials.map((t) => t.signalPercent), C: ours.decoder.C,
      xMm: Array.from(ours.sheet.xMm), yMm: Array.from(ours.sheet.yMm), sites, ...AFRAZ_TRAIN, readout: readout === POOL_READOUT ? 'pool' : 'layer',
    }));
    ref = JSON.parse(python(['compute', resolve(dir, 'spec.json')]));
  }, 600_000);

  test('the unit of stimulation (each site\'s response SD over the decoder trials) matches numpy', () => {
    const sd = ours.sheet.unitSd!;
    expect(sd).toBeDefined();
    ref.siteSd.forEach((v, i) => expect(Math.abs(sd[i] - v)).toBeLessThan(1e-4 * (1 + v)));
  });

  test('the unstimulated decoder and psychometric curve match scikit-learn and scipy', () => {
    let worst = 0;
    ours.baseline.pFace.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - ref.basePFace[i]))));
    console.log(`decoder C ${ours.decoder.C}: max |ΔP(face)| ${worst.toExponential(2)}; 50 % point ${ours.baseline.curve.x50.toFixed(4)} vs ${ref.baselineX50.toFixed(4)} % signal`);
    expect(worst).toBeLessThan(1e-4);
    expect(ours.baseline.curve.x50).toBeCloseTo(ref.baselineX50, 2);
    expect(ours.baseline.curve.slope).toBeCloseTo(ref.baselineSlope, 4);
  });

  test('shifts under a 50 µA, 200 Hz, 50 ms train match the reference at every site', () => {
    shifts.forEach((s, k) => {
      console.log(`site ${sites[k]} (d′ ${ours.sheet.dPrime[sites[k]].toFixed(2)}): shift ${s.toFixed(4)} vs numpy ${ref.shifts[k].toFixed(4)} % signal`);
      expect(Math.abs(s - ref.shifts[k])).toBeLessThan(0.01 + 1e-3 * Math.abs(ref.shifts[k]));
    });
    // Not a vacuous comparison: stimulation moves the curve at some site.
    expect(Math.max(...shifts.map(Math.abs))).toBeGreaterThan(0.5);
  });
});
