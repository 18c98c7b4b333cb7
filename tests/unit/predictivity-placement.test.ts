/**
 * The Predictivity lab records Coggan2024 with the definitions' placement (Brain-Score's place_on_screen: 9° stimuli
 * in an 8° field, square resize, 8-bit rounding), as `silico score` does: the lab's path (bundleToBenchmark →
 * runPlacement → the model worker's image preparation `prepareImage` → scoreLayers in the compute worker) equals
 * `silico score --max-features none` on the real Coggan bundle for two HMAX layers. The model worker and the
 * compute worker run here as the core functions they call (with onnxruntime-node in place of onnxruntime-web).
 */
import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Recorder, type OrtModule } from '../../src/core/engine';
import { batchToTensor, preprocessBytes } from '../../src/core/image';
import { prepareImage } from '../../src/core/image/placement';
import { buildHmaxModel, hmaxSpec } from '../../src/core/onnx';
import { scoreIdentity } from '../../src/core/predictivity/runner';
import { BUILTIN_MODELS, preprocessForInput } from '../../src/core/catalog/models';
import { readBundle } from '../../src/core/data/bundle';
import { bundleToBenchmark } from '../../src/core/predictivity/bundles';
import { runPlacement, scoreLayers } from '../../src/core/predictivity/scoring';
import { silicoInProcess as silico } from '../support/cli';
import { hasSharedFiles } from '../support/shared';
import { sharedCogganBundle, writeBundleFolder } from '../support/bundles';

describe('the lab places Coggan2024 images as the CLI does', () => {
  // Outside CI a missing Coggan set skips (with a warning); under CI it fails the file.
  const run = hasSharedFiles('data/vision/coggan2024-fmri/rsm.json') ? test : test.skip;

  run('lab path = silico score --max-features none on C1 and S2 of HMAX, to 1e-6', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silico-lab-coggan-'));
    try {
      const files = sharedCogganBundle();
      const bundleDir = writeBundleFolder(files, join(dir, 'coggan'));
      const layers = ['C1', 'S2'];
      const out = join(dir, 'scores.json');
      const cli = await silico(['score', '--model', 'hmax', '--bundle', bundleDir, '--metric', 'rsa', '--layers', layers.join(','), '--max-features', 'none', '--out', out]);
      expect(cli.code, cli.stderr).toBe(0);
      const rows = JSON.parse(readFileSync(out, 'utf8')) as { layer: string; region: string; raw: number; ceiled: number; ceiling: number }[];

      // The lab: the loaded benchmark, its placement, the model preset the lab uses for HMAX, the worker's preparation.
      const bench = await bundleToBenchmark(readBundle(files));
      const placement = runPlacement(bench.scoring, 'rsa');
      expect(placement).toMatchObject({ mode: 'brainscore', visualDegrees: 9, modelDegrees: 8 });
      // The placement is part of the score cache key (the lab's modelCacheInfo puts it in `recording`).
      const withPlacement = await scoreIdentity({ contentHash: 'h', recording: { preprocess: hmaxSpec(), placement } }, bench, 'rsa');
      const cropOnly = await scoreIdentity({ contentHash: 'h', recording: { preprocess: hmaxSpec() } }, bench, 'rsa');
      expect(JSON.stringify(withPlacement)).not.toBe(JSON.stringify(cropOnly));
      const hmax = BUILTIN_MODELS.find((m) => m.id === 'hmax')!;
      const spec = preprocessForInput(hmax.preprocess!, [1, 1, 128, 128]);
      const input = batchToTensor(bench.images!.map((b, i) => prepareImage(b, spec, placement, `image ${i + 1}`)), spec);
      const rec = await Recorder.create(ort as unknown as OrtModule, buildHmaxModel(), { layers });
      const acts = await rec.run({ image: input });
      await rec.dispose();
      const lab = await scoreLayers(acts.map((a, i) => ({ layer: layers[i], activation: a })), bench.scoring, { metric: 'rsa', modelId: 'builtin:hmax', placement, commit: false });

      expect(lab).toHaveLength(layers.length * 4);
      expect(rows).toHaveLength(layers.length * 4);
      let maxDiff = 0;
      for (const s of lab) {
        const row = rows.find((r) => r.layer === s.layer && r.region === s.region)!;
        expect(row, `${s.layer} ${s.region}`).toBeDefined();
        expect(Number.isFinite(s.raw)).toBe(true);
        expect(s.provenance?.placement).toContain('place_on_screen: 9° stimuli in an 8° field');
        for (const k of ['raw', 'ceiled', 'ceiling'] as const) maxDiff = Math.max(maxDiff, Math.abs(s[k] - row[k]));
      }
      expect(maxDiff).toBeLessThan(1e-6);

      // The placement matters: the model preset's centre crop gives other numbers (the lab's old path).
      const cropped = batchToTensor(bench.images!.map((b, i) => preprocessBytes(b, spec, `image ${i + 1}`)), spec);
      const rec2 = await Recorder.create(ort as unknown as OrtModule, buildHmaxModel(), { layers: ['C1'] });
      const [c1] = await rec2.run({ image: cropped });
      await rec2.dispose();
      const old = await scoreLayers([{ layer: 'C1', activation: c1 }], bench.scoring, { metric: 'rsa', modelId: 'builtin:hmax', commit: false });
      const v1 = rows.find((r) => r.layer === 'C1' && r.region === 'V1')!;
      expect(Math.abs(old.find((s) => s.region === 'V1')!.raw - v1.raw)).toBeGreaterThan(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
