/**
 * `silico stim` checks every argument before it decodes an image or records a layer: each bad argument fails fast
 * (well under a second, no model run) with a message naming it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { encodePng } from '../../src/core/data/png';
import { hasShared, sharedPath } from '../support/shared';
import { silicoInProcess } from '../support/cli';

/** The CLI in-process, timed: argument errors must come before any work. */
async function silico(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const t0 = performance.now();
  const r = await silicoInProcess(args);
  return { code: r.code, stderr: r.stderr, ms: performance.now() - t0 };
}

let dir: string;
let base: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'silico-stim-cli-'));
  for (const c of ['faces', 'nonfaces']) {
    mkdirSync(join(dir, c));
    const rgba = new Uint8Array(16 * 16 * 4).fill(128);
    for (let i = 0; i < 8; i++) writeFileSync(join(dir, c, `${c}-${i}.png`), encodePng(rgba, 16, 16));
  }
  const model = hasShared ? sharedPath('models/mobilenetv2-12-fp32.onnx') : join(dir, 'missing.onnx');
  base = ['stim', '--model', model, '--layer', '627_quantized', '--readout', '464_quantized', '--faces', join(dir, 'faces'), '--nonfaces', join(dir, 'nonfaces'), '--localizer', '2', '--decoder', '4', '--task', '2'];
});

describe('silico stim argument checks (before any work)', () => {
  const cases: [string, string[], RegExp][] = [
    ['--sites 0', ['--sites', '0'], /--sites must be a whole number ≥ 1/],
    ['--sites 2.5', ['--sites', '2.5'], /--sites must be a whole number/],
    ['absurd current', ['--current', '50,5000'], /Current must be within 0–300 µA \(got 5000\)/],
    ['negative current', ['--current', '-5'], /Current must be within 0–300 µA/],
    ['current not a number', ['--current', '50,abc'], /--current/],
    ['--frequency 0', ['--frequency', '0'], /Frequency must be within 1–1000 Hz/],
    ['--frequency 1e6', ['--frequency', '1000000'], /Frequency must be within/],
    ['--duration -1', ['--duration', '-1'], /Duration must be within 1–1000 ms/],
    ['--repeats 0', ['--repeats', '0'], /--repeats must be a whole number ≥ 1/],
    ['--bootstrap huge', ['--bootstrap', '1000000'], /--bootstrap must be at most 100000/],
    ['--decoder 1', ['--decoder', '1'], /--decoder must be a whole number ≥ 4/],
    ['out folder missing', ['--out', join('/nonexistent-folder', 'x.csv')], /does not exist/],
    ['too few images', ['--task', '5'], /Need 11 images per class/],
    ['missing image folder', ['--faces', '/nonexistent-faces'], /Image folder not found/],
  ];
  test.each(cases)('%s', async (_name, extra, message) => {
    const r = await silico([...base, ...extra]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.ms).toBeLessThan(3000);
  });

  test.skipIf(!hasShared)('unknown layers and a readout that is not downstream are refused before recording', async () => {
    const set = (option: string, value: string) => base.map((a, i) => (base[i - 1] === option ? value : a));
    let r = await silico(set('--layer', 'nope'));
    expect(r.stderr).toMatch(/The model has no layer "nope"/);
    r = await silico(set('--readout', '624_quantized'));
    expect(r.stderr).toMatch(/must come after the stimulated layer/);
    expect(r.stderr).toMatch(/--readout pool/);
    expect(r.ms).toBeLessThan(3000);
    // The default readout is the stimulated layer's own pool: only the layer is checked.
    const noReadout = base.filter((a, i) => a !== '--readout' && base[i - 1] !== '--readout');
    r = await silico(noReadout.map((a, i) => (noReadout[i - 1] === '--layer' ? 'nope' : a)));
    expect(r.stderr).toMatch(/The model has no layer "nope"/);
    r = await silico([...noReadout, '--sites', '0']);
    expect(r.stderr).toMatch(/--sites must be a whole number ≥ 1/);
  });
});
