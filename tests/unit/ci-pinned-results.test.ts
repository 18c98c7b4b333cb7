/**
 * Pinned results: the real-data numbers docs/results.md reports are recomputed here and compared with what the
 * document says (parsed from it, with the rounding of its 3 decimals as tolerance). A change that moves one of
 * them fails this test until docs/results.md says the new number too: both move together or neither does.
 *
 * - Cowley 2023 V4, session 210325: the split-half ceiling (10 halvings, seed 0, Spearman-Brown, median);
 * - the headline best layer of MobileNetV2 on it: ridge, 10 folds, ImageNet preprocessing, ≤ 8192 features
 *   (raw and ceiled), recorded and scored exactly as tools/bench/acceptance.ts does;
 * - Afraz et al. 2006: the selectivity–shift correlation of the 86 sites with its 95 % CI.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { describeIf } from '../support/ci';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { cowleyBundle } from '../../src/core/data/loaders';
import { readBundle, stimulusBytes } from '../../src/core/data/bundle';
import { readNpy } from '../../src/core/data/npy';
import { splitHalfReliability } from '../../src/core/metrics/ceiling';
import { loadVisionModel } from '../../src/cli/inputs';
import { toScoringBenchmark } from '../../src/cli/benchmark';
import { recordImages } from '../../src/cli/features';
import { loadOrtNode } from '../../src/cli/ort';
import { scoreLayers } from '../../src/core/predictivity/scoring';
import { pearsonWithCI } from '../../src/core/stim/psychometric';
import { parseAfrazCsv } from '../../src/core/stim/experiment';

const RESULTS = readFileSync(resolve(import.meta.dirname, '../../docs/results.md'), 'utf8');
const SESSION = '210325';
const COWLEY = 'data/vision/cowley2023-v4';
const AFRAZ = 'data/vision/afraz2006/selectivity_vs_shift_100-150ms.csv';

/** docs/results.md prints 3 decimals: a recomputed value must round to the printed one (plus float noise). */
const TOL = 0.0005 + 1e-6;

function pinned(re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(RESULTS);
  if (!m) throw new Error(`docs/results.md no longer states ${what} in the expected form (${re}); update this test with it.`);
  return m;
}

const cowleyFiles = [`images_${SESSION}.zip`, `responses_avg_${SESSION}.npy`, `responses_raw_${SESSION}.npy`].map((f) => `${COWLEY}/${f}`);

describeIf(hasSharedFiles(...cowleyFiles), `Cowley 2023 V4 session ${SESSION} (pinned in docs/results.md)`, () => {
  const docCeiling = Number(pinned(new RegExp(`Cowley V4 session ${SESSION}, 10 folds, every layer \\(split-half ceiling (\\d\\.\\d+)\\)`), 'the Cowley ceiling')[1]);

  test('the split-half ceiling', () => {
    const raw = readNpy(readFileSync(sharedPath(COWLEY, `responses_raw_${SESSION}.npy`)));
    const [neuroids, stimuli, repeats] = raw.shape;
    const { ceiling } = splitHalfReliability({ neuroids, stimuli, repeats, data: raw.data }, { seed: 0 });
    console.log(`Cowley ${SESSION} split-half ceiling: ${ceiling.toFixed(4)} (docs/results.md: ${docCeiling})`);
    expect(Math.abs(ceiling - docCeiling)).toBeLessThanOrEqual(TOL);
  });

  test('the headline best layer of MobileNetV2 (ridge, 10 folds): raw and ceiled', async () => {
    const m = pinned(/\| MobileNetV2 \(trained\) \| \*\*(\d\.\d+)\*\* \(([^,]+), of all \d+ layers, (\d+) folds; raw (\d\.\d+)\)/, 'the MobileNetV2 headline Cowley ridge score');
    const [docCeiled, label, folds, docRaw] = [Number(m[1]), m[2].trim(), Number(m[3]), Number(m[4])];
    const native = new Map(cowleyFiles.map((f) => [f.split('/').pop()!, new Uint8Array(readFileSync(sharedPath(f)))]));
    const bench = readBundle(cowleyBundle(native, SESSION));
    const model = loadVisionModel(sharedPath('models/mobilenetv2-12-fp32.onnx'));
    // The headline drops the activation in brackets: "block 14 · conv 2" is "block 14 · conv 2 (relu6)".
    const layer = model.layers.find((l) => l.label === label || l.label.startsWith(`${label} (`));
    expect(layer, `docs/results.md names layer "${label}", which MobileNetV2 does not have`).toBeDefined();
    const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
    const t0 = performance.now();
    const acts = await recordImages(await loadOrtNode(), model.bytes, images, { layers: [layer!.tensor], preprocess: model.preprocess, batchSize: 16, maxFeatures: 8192 });
    const [score] = await scoreLayers([{ layer: acts[0].layer, activation: acts[0] }], { ...toScoringBenchmark(bench), folds }, { metric: 'ridge', modelId: model.name });
    console.log(`${label}: raw ${score.raw.toFixed(4)}, ceiled ${score.ceiled.toFixed(4)}, ceiling ${score.ceiling.toFixed(4)} in ${((performance.now() - t0) / 1000).toFixed(0)} s (docs/results.md: raw ${docRaw}, ceiled ${docCeiled})`);
    expect(Math.abs(score.raw - docRaw)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(score.ceiled - docCeiled)).toBeLessThanOrEqual(TOL);
  }, 600_000);
});

describeIf(hasSharedFiles(AFRAZ), 'Afraz et al. 2006 (pinned in docs/results.md)', () => {
  test('the selectivity–shift correlation of the 86 sites and its 95 % CI', () => {
    const m = pinned(/\| selectivity–shift correlation \|[^|]*\| r = (\d\.\d+) \[(\d\.\d+), (\d\.\d+)\] \|/, 'the Afraz r');
    const [r, low, high] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const sites = parseAfrazCsv(readFileSync(sharedPath(AFRAZ), 'utf8'));
    const c = pearsonWithCI(sites.map((s) => s.faceSelectivity), sites.map((s) => s.psychometricShift));
    console.log(`Afraz 2006: r = ${c.r.toFixed(4)} [${c.low.toFixed(4)}, ${c.high.toFixed(4)}] over ${sites.length} sites (docs/results.md: ${r} [${low}, ${high}])`);
    expect(sites.length).toBe(86);
    expect(Math.abs(c.r - r)).toBeLessThanOrEqual(0.005 + 1e-6); // printed with 2 decimals
    expect(Math.abs(c.low - low)).toBeLessThanOrEqual(0.005 + 1e-6);
    expect(Math.abs(c.high - high)).toBeLessThanOrEqual(0.005 + 1e-6);
  });
});
