/**
 * Silico's benchmark definitions against an independent reimplementation of Brain-Score's recipes
 * (tools/python/brainscore_reference.py: numpy / scipy / scikit-learn). Only the model's features cross over, as
 * .npy files; the reference reads the neural data itself from the shared folder and draws its own splits
 * (sklearn ShuffleSplit, random_state=1), ceiling halves, Coggan unit selection and RSM: no indices, no
 * intermediate numbers and no code are shared. Real data: Cowley 2023 V4 session 210325 (640 images, 50
 * neurons, PLS) and Coggan 2024 fMRI (24 images, 4 regions, 9 subjects), on two MobileNetV2 layers.
 * The full check (full layers, 6 Cowley layers, every layer for Coggan) is `tools/bench/acceptance.ts independent`.
 */
import { afterAll, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeIf } from '../support/ci';
import { hasPython, spawnPython } from '../support/python';
import { hasSharedFiles, sharedPath } from '../support/shared';
import { cowleyBundle } from '../../src/core/data/loaders';
import { readBundle, stimulusBytes, type Benchmark } from '../../src/core/data/bundle';
import { writeNpy } from '../../src/core/data/npy';
import { findBenchmark } from '../../src/core/benchmarks';
import { newCache, scoreDefinition } from '../../src/core/benchmarks/run';
import { loadVisionModel } from '../../src/cli/inputs';
import { recordImages } from '../../src/cli/features';
import { definitionData, placementPrepare } from '../../src/cli/benchmark';
import { loadOrtNode } from '../../src/cli/ort';
import { sharedCogganBundle } from '../support/bundles';

const SESSION = '210325';
const COWLEY = `data/vision/cowley2023-v4`;
const COGGAN = 'data/vision/coggan2024-fmri';
const MODEL = 'models/mobilenetv2-12-fp32.onnx';
const REFERENCE = resolve(import.meta.dirname, '../../tools/python/brainscore_reference.py');
/** Two MobileNetV2 layers: block 8's residual output (64×14×14) and the global pool (1280). */
const LAYERS = ['382_quantized', '464_quantized'];
/** Both sides draw the same scikit-learn splits independently, so they agree to rounding (measured ≤ 1e-15). */
const TOLERANCE = 1e-8;

type Ref = { layers: Record<string, Record<string, { raw: number; ceiling: number; ceiled: number; units?: number }>> };

describeIf(
  hasPython && hasSharedFiles(`${COWLEY}/images_${SESSION}.zip`, `${COWLEY}/responses_avg_${SESSION}.npy`, `${COWLEY}/responses_raw_${SESSION}.npy`, `${COGGAN}/rsm.json`, MODEL),
  'Silico vs an independent reimplementation of Brain-Score (real data)',
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 'silico-independent-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const model = loadVisionModel(sharedPath(MODEL));

    /** Records `LAYERS` (full, unpooled) with the definition's image placement; writes one .npy per layer + index.json. */
    async function features(bench: Benchmark, defId: string, dir: string) {
      const images = bench.manifest.stimuli.map((s) => ({ name: s.id, bytes: stimulusBytes(bench, s) }));
      const acts = await recordImages(await loadOrtNode(), model.bytes, images, {
        layers: LAYERS, preprocess: model.preprocess, batchSize: 32, maxFeatures: undefined, prepare: placementPrepare(findBenchmark(defId)!.placement, model.preprocess),
      });
      mkdirSync(dir);
      // Rows shuffled on the way out: the reference must match images by name, not by position.
      const order = images.map((_, i) => i).reverse();
      const index = { images: order.map((i) => images[i].name), layers: [] as { layer: string; file: string }[] };
      for (const a of acts) {
        const p = a.data.length / a.dims[0];
        const rows = new Float32Array(a.data.length);
        order.forEach((src, k) => rows.set(a.data.subarray(src * p, (src + 1) * p), k * p));
        index.layers.push({ layer: a.layer, file: `${index.layers.length}.npy` });
        writeFileSync(join(dir, index.layers.at(-1)!.file), writeNpy(rows, [a.dims[0], p], 'f4'));
      }
      writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
      return acts;
    }

    function reference(args: string[]): Ref {
      const r = spawnPython([REFERENCE, ...args], { modules: ['scipy', 'sklearn'], timeout: 120_000 });
      if (r.status !== 0) throw new Error(`brainscore_reference.py failed (${r.status ?? r.signal}): ${r.stderr}`);
      return JSON.parse(r.stdout.replace(/\bNaN\b/g, 'null')) as Ref;
    }

    test('Cowley2023.V4-pls: PLS(25), 10 shuffle splits, split-half ceiling, r² / ceiling — equal on two full layers', async () => {
      const dir = sharedPath(COWLEY);
      const native = new Map([`images_${SESSION}.zip`, `responses_avg_${SESSION}.npy`, `responses_raw_${SESSION}.npy`].map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
      const bench = readBundle(cowleyBundle(native, SESSION));
      const acts = await features(bench, 'Cowley2023.V4-pls', join(tmp, 'cowley'));
      const ref = reference(['cowley', '--features', join(tmp, 'cowley'), '--data', dir, '--session', SESSION]);
      const def = findBenchmark('Cowley2023.V4-pls')!;
      const data = definitionData(bench, 'V4', false);
      for (const a of acts) {
        const s = scoreDefinition(def, { layer: a.layer, activation: a }, data, { cache: newCache() });
        const r = ref.layers[a.layer].V4;
        console.log(`Cowley ${a.layer} (${a.data.length / a.dims[0]} features): Silico r ${s.raw.toFixed(6)} ceiling ${s.ceiling.toFixed(6)} ceiled ${s.ceiled.toFixed(6)}; reference r ${r.raw.toFixed(6)} ceiling ${r.ceiling.toFixed(6)} ceiled ${r.ceiled.toFixed(6)}`);
        expect(s.raw).toBeGreaterThan(0.2); // a real fit, not a degenerate agreement on zeros
        expect(Math.abs(s.raw - r.raw)).toBeLessThan(TOLERANCE);
        expect(Math.abs(s.ceiling - r.ceiling)).toBeLessThan(TOLERANCE);
        expect(Math.abs(s.ceiled - r.ceiled)).toBeLessThan(TOLERANCE);
      }
    }, 120_000);

    test('Coggan2024 V1, V2, V4, IT: unit selection, z-scored Pearson RSM, subjects, leave-one-out ceiling — equal on two full layers', async () => {
      const bench = readBundle(sharedCogganBundle());
      const acts = await features(bench, 'Coggan2024.V1-rdm', join(tmp, 'coggan'));
      const ref = reference(['coggan', '--features', join(tmp, 'coggan'), '--data', sharedPath(COGGAN)]);
      for (const region of ['V1', 'V2', 'V4', 'IT']) {
        const def = findBenchmark(`Coggan2024.${region}-rdm`)!;
        const data = definitionData(bench, region, true);
        for (const a of acts) {
          const s = scoreDefinition(def, { layer: a.layer, activation: a }, data, { cache: newCache() });
          const r = ref.layers[a.layer][region];
          expect(s.selectedUnits).toBe(r.units);
          for (const k of ['raw', 'ceiling', 'ceiled'] as const) expect(Math.abs(s[k] - r[k]), `${region} ${a.layer} ${k}`).toBeLessThan(TOLERANCE);
        }
      }
    }, 60_000);
  },
);
