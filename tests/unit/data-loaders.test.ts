import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle, readBundleZip } from '../../src/core/data/bundle';
import { readNpy } from '../../src/core/data/npy';
import { renderGrating, syntheticBundle } from '../../src/core/data/synthetic';
import { averageRepeats, splitHalfReliability } from '../../src/core/metrics/ceiling';
import { crossValidatedPredictivity } from '../../src/core/metrics/crossval';
import { matrix } from '../../src/core/metrics/linalg';
import { packBundle } from '../../tools/pack-bundle';
import { hasShared, sharedPath } from '../support/shared';
import { describeIf } from '../support/ci';

const tmp = mkdtempSync(join(tmpdir(), 'silico-bundles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeIf(hasShared, 'packing the shared vision datasets', () => {
  it('Cowley V4 session 210325 (CLI): images, transposed responses and repeats', () => {
    const out = join(tmp, 'cowley.zip');
    const root = resolve(import.meta.dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/pack-bundle.ts', '--kind', 'cowley', '--session', '210325', '--out', out], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/640 stimuli, regions: V4 \(responses, 50 neuroids\)/);
    const b = readBundleZip(readFileSync(out));
    expect(b.manifest.synthetic).toBe(false);
    expect(b.manifest.stimuli[0]).toEqual({ id: 'image0001', file: 'stimuli/image0001.jpg' });
    const v4 = b.regions[0];
    expect(v4.name).toBe('V4');
    expect(v4.neuroids![49]).toBe('210325-n49');
    const avg = readNpy(readFileSync(sharedPath('data/vision/cowley2023-v4/responses_avg_210325.npy'))); // [neurons, images]
    for (const [img, n] of [[0, 0], [639, 49], [100, 7]]) expect(v4.responses!.data[img * 50 + n]).toBe(avg.data[n * 640 + img]);
    expect(v4.repeats).toMatchObject({ neuroids: 50, stimuli: 640, repeats: 10 });
    // The repeat-averaged responses shipped with the data are the NaN-mean of the raw repeats.
    const mean = averageRepeats(v4.repeats!);
    for (let i = 0; i < mean.length; i += 97) expect(mean[i]).toBeCloseTo(v4.responses!.data[i], 10);
    // JPEG bytes are carried unchanged.
    expect(b.files.get('stimuli/image0001.jpg')![0]).toBe(0xff);
  });

  it('Coggan 2024: 4 regions of 9 subject RSMs over 24 stimuli', async () => {
    const b = await packBundle({ kind: 'coggan', out: join(tmp, 'coggan.zip') });
    const z = readBundleZip(readFileSync(join(tmp, 'coggan.zip')));
    expect(z.manifest).toEqual(b.manifest);
    expect(z.regions.map((r) => r.name)).toEqual(['V1', 'V2', 'V4', 'IT']);
    const json = JSON.parse(readFileSync(sharedPath('data/vision/coggan2024-fmri/rsm.json'), 'utf8'));
    for (const r of z.regions) {
      expect(r.kind).toBe('rsm');
      expect(r.matrices).toHaveLength(9);
      expect(r.matrices![8].data[24 * 3 + 5]).toBe(json.regions[r.name][8][3][5]);
    }
    expect(z.manifest.stimuli.map((s) => s.id)).toEqual(json.stimulus_ids);
    expect(z.manifest.metric).toMatchObject({ method: 'rsa', ceiling: 'leave-one-subject-out' });
  });

  it('Kriegeskorte 92: monkey and human IT RDMs with category labels', async () => {
    await packBundle({ kind: 'kriegeskorte', out: join(tmp, 'k92.zip') });
    const z = readBundleZip(readFileSync(join(tmp, 'k92.zip')));
    expect(z.manifest.stimuli).toHaveLength(92);
    expect(z.manifest.stimuli.filter((s) => s.labels?.face === 1)).toHaveLength(24);
    expect(z.regions.map((r) => [r.name, r.kind, r.matrices!.length])).toEqual([
      ['IT (monkey)', 'rdm', 1],
      ['IT (human)', 'rdm', 1],
    ]);
    const json = JSON.parse(readFileSync(sharedPath('data/vision/kriegeskorte2008-92/data.json'), 'utf8'));
    expect(z.regions[0].matrices![0].data[92 * 10 + 3]).toBe(json.rdm_monkey_it_674neurons[10][3]);
    expect(z.files.has(z.manifest.stimuli[91].file!)).toBe(true);
  });
});

describe('synthetic benchmark', () => {
  const files = syntheticBundle({ stimuli: 100, neuroids: 12, repeats: 6, size: 32, seed: 3 });
  const b = readBundle(files);

  it('is a valid bundle marked synthetic, with decodable images', () => {
    expect(b.manifest.synthetic).toBe(true);
    expect(b.manifest.name.startsWith('Synthetic demo')).toBe(true);
    const first = b.manifest.stimuli[0];
    const png = PNG.sync.read(Buffer.from(files.get(first.file!)!));
    expect([png.width, png.height]).toEqual([32, 32]);
    const l = first.labels as Record<string, number>;
    const again = renderGrating({ orientation: (l.orientationDeg * Math.PI) / 180, frequency: l.frequency, phase: l.phase, x: l.x, y: l.y, contrast: l.contrast }, 32);
    expect(Buffer.from(again).equals(png.data)).toBe(true);
    // Not a blank image: a grating spans a wide grey range.
    expect(Math.max(...again.filter((_, i) => i % 4 === 0)) - Math.min(...again.filter((_, i) => i % 4 === 0))).toBeGreaterThan(60);
  });

  it('responses follow the known tuning model: reliable, and predictable from tuned features', () => {
    const v1 = b.regions[0];
    const ceiling = splitHalfReliability(v1.repeats!, { seed: 1 }).ceiling;
    expect(ceiling).toBeGreaterThan(0.7);
    // Orientation-energy features from the labels (a bank of tuned units) predict the neurons linearly.
    const bank = 16;
    const x = matrix(100, bank * 3);
    b.manifest.stimuli.forEach((s, i) => {
      const theta = (Number(s.labels!.orientationDeg) * Math.PI) / 180;
      const f = Number(s.labels!.frequency);
      const c = Number(s.labels!.contrast);
      for (let k = 0; k < bank; k++) {
        const tuning = Math.exp(2 * (Math.cos(2 * (theta - (k * Math.PI) / bank)) - 1));
        [3, 5, 7].forEach((pf, j) => (x.data[i * bank * 3 + k * 3 + j] = c * tuning * Math.exp(-(Math.log(f / pf) ** 2) / 0.25)));
      }
    });
    const result = crossValidatedPredictivity(x, v1.responses!, { method: 'ridge', folds: 5 });
    expect(result.score).toBeGreaterThan(0.5);
    // Shuffled features carry no information.
    const shuffled = matrix(100, bank * 3, Array.from({ length: 100 }, (_, i) => Array.from(x.data.subarray(((i * 37) % 100) * 48, (((i * 37) % 100) + 1) * 48))).flat());
    expect(crossValidatedPredictivity(shuffled, v1.responses!, { method: 'ridge', folds: 5 }).score).toBeLessThan(0.3);
  });
});
