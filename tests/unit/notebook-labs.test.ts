/**
 * Microstimulation and Language runs saved to the notebook and read back: through IndexedDB (fake-indexeddb)
 * and through an export file imported into another store (the JSON codec), the run read back equals the run
 * saved — typed arrays, NaN correlations and sentence lists included — and results this version cannot draw
 * are refused with a clear message.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import { ExperimentStore, type Experiment, type ExperimentInput } from '../../src/core/experiments';
import { UserFacingError } from '../../src/core/types';
import { microstimExperiment, savedMicrostimRun, type MicrostimRun } from '../../src/ui/notebook/microstim';
import { languageExperiment, savedLanguageRun, type LanguageRun } from '../../src/ui/notebook/language';
import type { SiteResult } from '../../workers/microstim-api';
import type { ScoredSentence } from '../../workers/language-api';

let dbCounter = 0;
const stores: ExperimentStore[] = [];
function freshStore(): ExperimentStore {
  const s = new ExperimentStore({ dbName: `notebook-labs-${process.pid}-${dbCounter++}` });
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** Saves, then reads back from the same store and from a second store that imported the export file. */
async function roundTrips(input: ExperimentInput): Promise<Experiment[]> {
  const a = freshStore();
  const saved = await a.save(input);
  const file = await a.exportJson([saved.id]);
  const b = freshStore();
  expect((await b.importJson(file)).added).toEqual([saved.id]);
  return [(await a.get(saved.id))!, (await b.get(saved.id))!];
}

function site(i: number, shift: number): SiteResult {
  return {
    site: i,
    xMm: 0.1 * i,
    yMm: 0.35,
    dPrime: Math.fround(0.3 * i - 0.45),
    neighbourhoodDPrime: 0.2 * i,
    curve: { x50: -3.25 - shift, slope: 0.071, sse: 0.0123, iterations: 17 },
    points: [-80, -40, 0, 40, 80].map((signal) => ({ signal, pFace: 1 / (1 + Math.exp(-0.07 * (signal + shift))), count: 8 })),
    shift,
    deltaPFace: shift / 100,
  };
}

function microstimRun(synthetic: boolean): MicrostimRun {
  const n = 6;
  return {
    modelName: 'mobilenetv2-12',
    settings: { layer: '624_quantized', layerLabel: 'block 17 · conv 3', currentUa: 50, frequencyHz: 200, durationMs: 50, site: 4, taskImagesPerCategory: 4, sweepSelective: 2, sweepControls: 1, doseCurrents: [0, 10, 25] },
    results: {
      sheet: {
        layer: '624_quantized',
        nSites: n,
        xMm: new Float32Array([0, 0.1, 0.2, 0, 0.1, 0.2]),
        yMm: new Float32Array([0, 0, 0, 0.1, 0.1, 0.1]),
        dPrime: new Float32Array([-0.5, 0.25, 1.125, -1e-3, 2.5, 0.75]),
        spacingMm: 0.1,
        baseline: { curve: { x50: -3.25, slope: 0.071, sse: 0.0123, iterations: 17 }, points: site(0, 0).points },
        decoderTrainAccuracy: 0.9375,
        trials: 48,
        images: { faces: 8, nonFaces: 8, synthetic },
      },
      lastStim: site(4, 6.5),
      stimHistory: [{ ...site(4, 6.5), currentUa: 50 }],
      sweep: { sites: [site(4, 6.5), site(2, 2.25), site(3, -0.5)], controls: [3], correlation: { r: NaN, n: 3, low: NaN, high: NaN }, params: { currentUa: 50, frequencyHz: 200, durationMs: 50 } },
      dose: { site: 4, points: [{ currentUa: 0, radiusMm: 0, shift: 0, deltaPFace: 0 }, { currentUa: 25, radiusMm: 0.19, shift: 2.7, deltaPFace: 0.03 }] },
      afraz: [{ faceSelectivity: 0.4, psychometricShift: 12 }],
    },
  };
}

function sentence(s: string, prediction: number): ScoredSentence {
  return { sentence: s, prediction, surprisal: 7.25 + prediction, words: s.split(' ').length, novel: true };
}

function languageRun(): LanguageRun {
  const drive = [sentence('The committee approved the plan.', 1.5), sentence('She read the letter twice.', 1.25)];
  const suppress = [sentence('Buy now buy now.', -1.75)];
  return {
    modelName: 'GPT-2 architecture · tiny · untrained',
    settings: { tokenizer: 'tokenizer.json', roi: 'language network', layer: 'block_1', minWords: 3, maxWords: 30, novelOnly: true, pool: 'The committee approved the plan.\nShe read the letter twice.\nBuy now buy now.', searchDirection: 'drive', searchSteps: 2, maxSurprisal: 20 },
    results: {
      table: { name: 'synthetic ground truth', sentences: 120, participants: 6, rois: ['language network'], roi: 'language network', synthetic: true, note: 'from block 1', ceiling: { value: 0.71, low: 0.65, high: 0.77 }, preview: [{ sentence: 'A dog ran.', response: 0.5 }] },
      sweep: { layers: [{ tensor: 'embed', label: 'embedding', r: 0.125, sem: 0.02, alpha: 10 }, { tensor: 'block_1', label: 'block 1', r: 0.655, sem: 0.031, alpha: 100 }], ceiling: { value: 0.71 }, best: 'block_1' },
      encoding: { layer: 'block_1', label: 'block 1', alpha: 100, heldOutR: 0.648, sentences: 120 },
      ranking: { scored: [...drive, ...suppress], drive, suppress, kept: 3, trainingRange: [-2.5, 2.25] },
      search: { step: 2, steps: 2, running: true, leaderboard: [sentence('The committee approved the new plan.', 1.9)], evaluated: 40, direction: 'drive', finished: true },
      chosen: [{ ...drive[0], source: 'pool · drive' }],
    },
  };
}

describe('microstimulation runs in the notebook', () => {
  test('round trip through IndexedDB and an export file gives back the same run', async () => {
    const run = microstimRun(false);
    const input = microstimExperiment(run);
    expect(input).toMatchObject({ kind: 'microstim', model: 'mobilenetv2-12', layers: ['624_quantized'], synthetic: false, stimuli: ['your images: 8 faces, 8 non-faces'] });
    expect(input.name).toBe('mobilenetv2-12 · block 17 · conv 3 · sweep of 3 sites · 50 µA');
    for (const exp of await roundTrips(input)) {
      const back = savedMicrostimRun(exp);
      expect(back.results.sheet.dPrime).toBeInstanceOf(Float32Array);
      expect(back.results.sweep!.correlation!.r).toBeNaN();
      expect(back).toEqual(run);
    }
  });

  test('a demo run is marked synthetic; a sheet without a sweep is named after the stimulated site', () => {
    const run = microstimRun(true);
    run.results.sweep = null;
    const input = microstimExperiment(run);
    expect(input.synthetic).toBe(true);
    expect(input.stimuli).toEqual(['synthetic demo set: 8 faces, 8 non-faces']);
    expect(input.name).toBe('mobilenetv2-12 · block 17 · conv 3 · site 4 · 50 µA');
  });

  test('results without a drawable sheet are refused with a clear message', async () => {
    const [exp] = await roundTrips({ kind: 'microstim', name: 'Face patch sweep', model: 'm', layers: [], settings: {}, results: { shift: new Float64Array([0.1]) }, synthetic: false });
    expect(() => savedMicrostimRun(exp)).toThrow(UserFacingError);
    expect(() => savedMicrostimRun(exp)).toThrow('“Face patch sweep” holds no cortical sheet');
    const run = microstimRun(false);
    const short = { ...run.results, sheet: { ...run.results.sheet, dPrime: new Float32Array(2) } };
    expect(() => savedMicrostimRun({ ...exp, results: short as never })).toThrow(UserFacingError);
  });
});

describe('language runs in the notebook', () => {
  test('round trip gives back the same numbers and sentence lists; a running search is saved as stopped', async () => {
    const run = languageRun();
    const input = languageExperiment(run);
    expect(input).toMatchObject({ kind: 'language', layers: ['embed', 'block_1'], synthetic: true, stimuli: ['synthetic ground truth'] });
    expect(input.name).toBe('GPT-2 architecture · tiny · untrained · synthetic ground truth · encoding model at block 1');
    const expected = { ...run, results: { ...run.results, search: { ...run.results.search!, running: false } } };
    for (const exp of await roundTrips(input)) expect(savedLanguageRun(exp)).toEqual(expected);
  });

  test('results without a layer sweep are refused with a clear message', async () => {
    const [exp] = await roundTrips({ kind: 'language', name: 'old run', model: 'm', layers: [], settings: {}, results: { r: 0.5 }, synthetic: false });
    expect(() => savedLanguageRun(exp)).toThrow('“old run” holds no layer sweep');
  });
});
