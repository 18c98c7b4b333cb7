/**
 * End to end on the real MobileNetV2 (onnxruntime-node) and real fLoc images: sheet from a localizer, decoder,
 * Afraz task with and without stimulation, site sweep at 50 µA, controls, dose–response.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  buildSheetWithEngine,
  doseResponse,
  neighbourhoodSelectivity,
  pickSites,
  readoutFeatures,
  runTask,
  spanSites,
  sweepSites,
  trainDecoderWithEngine,
  type StimEngine,
  type SweepResult,
  type TaskResult,
} from '../../src/core/stim/experiment';
import { decodeImage } from '../../src/core/image/decode';
import type { FaceDecoder } from '../../src/core/stim/decoder';
import { afrazTrials, type GrayImage, type TaskTrial } from '../../src/core/stim/noise';
import { OrtStimEngine, type OrtModule } from '../../src/core/stim/ort-engine';
import { moransI, type CorticalSheet } from '../../src/core/stim/sheet';
import { AFRAZ_TRAIN } from '../../src/core/stim/spread';
import { CancelledError } from '../../src/core/types';
import { hasShared, NO_SHARED, sharedPath } from '../support/shared';

const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
const LAYER = '627_quantized'; // 1280-channel last conv (7x7), before global pooling: the model's "IT"
const CHANNELS = 1280;
const READOUT = '464_quantized'; // its global average pool: what the decoder reads
const NON_FACE = ['body', 'limb', 'car', 'instrument', 'house', 'corridor', 'word', 'number', 'scrambled'];

function loadGray(category: string, index: number): GrayImage {
  const d = decodeImage(readFileSync(sharedPath('data/vision/floc', category, `${category}-${index}.jpg`)));
  const data = new Uint8Array(d.width * d.height);
  for (let k = 0; k < data.length; k++) data[k] = d.data[4 * k];
  return { width: d.width, height: d.height, data };
}

/** `perFaceCategory` adult + child faces and `nonFaces` non-faces spread over the 9 other categories, from image `first` on. */
function flocSet(first: number, perFaceCategory: number, nonFaces: number): { images: GrayImage[]; isFace: boolean[] } {
  const images: GrayImage[] = [];
  const isFace: boolean[] = [];
  for (const c of ['adult', 'child']) for (let i = 0; i < perFaceCategory; i++) {
    images.push(loadGray(c, first + i));
    isFace.push(true);
  }
  for (let i = 0; i < nonFaces; i++) {
    images.push(loadGray(NON_FACE[i % NON_FACE.length], first + Math.floor(i / NON_FACE.length)));
    isFace.push(false);
  }
  return { images, isFace };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe.skipIf(!hasShared)(`Afraz 2006 in silico on MobileNetV2 (${hasShared ? 'fLoc' : NO_SHARED})`, () => {
  let engine: StimEngine;
  let sheet: CorticalSheet;
  let decoder: FaceDecoder;
  let trials: TaskTrial[];
  let baseline: TaskResult;
  let sweep: SweepResult;
  let picks: { selective: number[]; controls: number[] };

  beforeAll(async () => {
    const model = readFileSync(sharedPath('models/mobilenetv2-12-fp32.onnx'));
    engine = new OrtStimEngine(ort, model, LAYER, CHANNELS, { readout: READOUT, sessionOptions: { intraOpNumThreads: 1 } });
    const localizer = flocSet(1, 12, 24); // 24 faces + 24 non-faces
    sheet = await buildSheetWithEngine(engine, LAYER, localizer.images, localizer.isFace, { seed: 1 });
    decoder = await trainDecoderWithEngine(engine, CHANNELS, localizer.images, localizer.isFace, { C: 1 });
    const task = flocSet(60, 6, 12); // held-out 12 faces + 12 non-faces, x 6 signal levels
    trials = afrazTrials(task.images, task.isFace, 7);
    baseline = await runTask(engine, decoder, trials, new Float32Array(CHANNELS));
    picks = pickSites(sheet, 3, 3, AFRAZ_TRAIN);
    sweep = await sweepSites(engine, sheet, decoder, trials, [...picks.selective, ...picks.controls], AFRAZ_TRAIN, {}, baseline);
  }, 240_000);

  test("the sheet has face-selective sites, clustered into patches", () => {
    const d = Array.from(sheet.dPrime);
    const strong = d.filter((v) => v > 1).length;
    const clustering = moransI(sheet.dPrime, sheet.xMm, sheet.yMm, sheet.spacingMm * 1.5);
    console.log(`d' range [${Math.min(...d).toFixed(2)}, ${Math.max(...d).toFixed(2)}], ${strong}/${d.length} sites d' > 1, Moran's I ${clustering.toFixed(3)}`);
    expect(Math.max(...d)).toBeGreaterThan(1.5);
    expect(strong).toBeGreaterThan(10);
    expect(clustering).toBeGreaterThan(0.3);
    // Neighbourhood selectivity of the picked electrodes: patches, not isolated units.
    for (const s of picks.selective) expect(neighbourhoodSelectivity(sheet, s, AFRAZ_TRAIN)).toBeGreaterThan(0.8);
  });

  test('the unstimulated observer detects faces better with more signal', () => {
    console.log('baseline', baseline.points.map((p) => `${p.signal}:${p.pFace.toFixed(2)}`).join(' '), `x50 ${baseline.curve.x50.toFixed(1)} slope ${baseline.curve.slope.toFixed(4)}`);
    expect(baseline.curve.slope).toBeGreaterThan(0);
    const at = (s: number) => baseline.points.find((p) => p.signal === s)!.pFace;
    expect(at(80)).toBeGreaterThan(at(0) + 0.2);
    expect(at(-80)).toBeLessThan(at(80) - 0.4);
  });

  test('the fast path (cached layer + downstream graph) equals the full rewritten graph', async () => {
    const sub = trials.slice(0, 8).map((t) => t.image);
    const delta = Float32Array.from({ length: CHANNELS }, (_, c) => (c % 11) * 0.05);
    const full = await readoutFeatures(engine, sub, delta);
    const fast = await readoutFeatures(engine, sub, delta, {}, 'check', sub);
    expect(Math.max(...full.data.map((v, i) => Math.abs(v - fast.data[i])))).toBeLessThan(1e-4);
  });

  test('stimulating face-selective sites at 50 µA shifts choices toward "face"; non-selective sites barely', () => {
    for (const s of sweep.sites) console.log(`site ${s.site} d' ${s.dPrime.toFixed(2)} (spread-weighted ${s.neighbourhoodDPrime.toFixed(2)}): shift ${s.shift.toFixed(1)} %, ΔP(face) ${s.deltaPFace.toFixed(3)}`);
    const sel = sweep.sites.filter((s) => picks.selective.includes(s.site));
    const ctl = sweep.sites.filter((s) => picks.controls.includes(s.site));
    console.log(`mean shift: selective ${mean(sel.map((s) => s.shift)).toFixed(2)} %, controls ${mean(ctl.map((s) => s.shift)).toFixed(2)} %`);
    for (const s of sel) {
      expect(s.shift).toBeGreaterThan(0);
      expect(s.deltaPFace).toBeGreaterThan(0);
    }
    expect(mean(sel.map((s) => s.shift))).toBeGreaterThan(mean(ctl.map((s) => s.shift)) + 1);
    expect(mean(sel.map((s) => s.deltaPFace))).toBeGreaterThan(mean(ctl.map((s) => s.deltaPFace)));
  });

  test('shift grows with selectivity across sites spanning the d\' range (Afraz Fig. 3)', async () => {
    const span = await sweepSites(engine, sheet, decoder, trials, spanSites(sheet, 10, AFRAZ_TRAIN), AFRAZ_TRAIN, {}, baseline);
    const c = span.correlation!;
    console.log(`selectivity–shift r = ${c.r.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}] over ${c.n} sites;`, span.sites.map((s) => `${s.neighbourhoodDPrime.toFixed(2)}→${s.shift.toFixed(1)}`).join(' '));
    const all = [...span.sites, ...sweep.sites];
    const { pearsonWithCI } = await import('../../src/core/stim/psychometric');
    const c16 = pearsonWithCI(all.map((s) => s.neighbourhoodDPrime), all.map((s) => s.shift));
    console.log(`over all ${c16.n} swept sites: r = ${c16.r.toFixed(3)} [${c16.low.toFixed(3)}, ${c16.high.toFixed(3)}]`);
    expect(c.r).toBeGreaterThan(0.5);
  });

  test('dose–response: more current, larger shift at a face-selective site', async () => {
    const dose = await doseResponse(engine, sheet, decoder, trials, picks.selective[0], [0, 10, 25, 50, 100], AFRAZ_TRAIN, {}, baseline);
    console.log('dose', dose.map((d) => `${d.currentUa}µA r=${d.radiusMm.toFixed(2)}mm shift ${d.shift.toFixed(1)}`).join(', '));
    expect(dose[0].shift).toBeCloseTo(0, 6);
    expect(dose[4].shift).toBeGreaterThan(dose[1].shift);
    expect(dose[3].shift).toBeGreaterThan(dose[0].shift);
  });

  test('a sweep can be cancelled and reports progress', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = sweepSites(engine, sheet, decoder, trials, picks.controls, AFRAZ_TRAIN, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.done);
        controller.abort();
      },
    }, baseline);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([1]);
  });
});
