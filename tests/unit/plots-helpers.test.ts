import { describe, expect, test } from 'vitest';
import { columnArgmax, scoreDomain } from '../../src/ui/plots/heatmap';
import { argmax } from '../../src/ui/plots/layerCurves';
import { linearFit } from '../../src/ui/plots/scatter';
import { sharedOffDiagonalDomain } from '../../src/ui/plots/rdmPair';
import { CATEGORICAL, labelColourOn, luminance, thinTicks, truncateLabel, formatScore } from '../../src/ui/plots/theme';

import { hasPythonModules, runPythonScript } from '../support/python';

function python(script: string, input: unknown): unknown {
  return JSON.parse(runPythonScript(script, { input: JSON.stringify(input), modules: ['scipy'] }));
}

describe('tick thinning', () => {
  test('keeps every label when they fit, and never lets kept labels overlap', () => {
    expect(thinTicks(5, 500, 20)).toEqual([0, 1, 2, 3, 4]);
    for (const [count, avail, px] of [
      [100, 400, 16],
      [57, 300, 17],
      [12, 100, 14],
    ]) {
      const kept = thinTicks(count, avail, px);
      expect(kept[0]).toBe(0);
      const spacing = (avail / count) * (kept[1] - kept[0]);
      expect(spacing).toBeGreaterThanOrEqual(px); // adjacent kept labels are at least one label apart
      expect(kept.length).toBeLessThanOrEqual(Math.floor(avail / px) + 1);
    }
  });
  test('truncation keeps both ends of layer names', () => {
    expect(truncateLabel('block 12 · conv 2', 30)).toBe('block 12 · conv 2');
    expect(truncateLabel('block 4 · conv 2 (relu6)', 16)).toBe('block 4 …(relu6)');
    expect(truncateLabel('abcdefghij', 5)).toBe('ab…ij');
    expect(truncateLabel('abcdefghij', 6)).toBe('abc…ij');
    for (const max of [2, 5, 9, 16]) expect(truncateLabel('/features/features.16/conv/conv.2/Conv_output_0', max).length).toBe(max);
  });
  test('score formatting', () => {
    expect(formatScore(0.12345)).toBe('0.12');
    expect(formatScore(NaN)).toBe('–');
  });
});

describe('colours', () => {
  test('WCAG relative luminance of reference colours', () => {
    expect(luminance('#ffffff')).toBeCloseTo(1, 10);
    expect(luminance('#000000')).toBeCloseTo(0, 10);
    // #777777: channel 119/255 → ((0.4667+0.055)/1.055)^2.4 = 0.18447
    expect(luminance('#777777')).toBeCloseTo(0.18447, 4);
    expect(luminance('rgb(119, 119, 119)')).toBeCloseTo(0.18447, 4);
  });
  test('cell labels are dark on light cells and white on dark cells (viridis ends)', () => {
    expect(labelColourOn('#fde725')).not.toBe('#ffffff'); // viridis yellow
    expect(labelColourOn('#440154')).toBe('#ffffff'); // viridis purple
  });
  test('categorical palette colours are distinct', () => {
    expect(new Set(CATEGORICAL).size).toBe(CATEGORICAL.length);
  });
});

describe('layer commitment and domains', () => {
  const values = [
    [0.1, NaN, 0.5],
    [0.4, 0.2, 0.5],
    [0.3, NaN, -0.2],
  ];
  test('best layer per region skips NaN and keeps the first of ties', () => {
    expect(columnArgmax(values, 3)).toEqual([1, 1, 0]);
    expect(columnArgmax([[NaN], [NaN]], 1)).toEqual([-1]);
    expect(argmax([NaN, 0.2, 0.7, 0.7])).toBe(2);
    expect(argmax([])).toBe(-1);
  });
  test('colour domain includes 0 and the data', () => {
    expect(scoreDomain(values)).toEqual([-0.2, 0.5]);
    expect(scoreDomain([[0.3, 0.6]])).toEqual([0, 0.6]);
    expect(scoreDomain([[NaN]])).toEqual([0, 1]);
  });
  test('RDM colour scale is shared and ignores the diagonal', () => {
    const a = { name: 'a', n: 2, values: [0, 0.4, 0.4, 0] };
    const b = { name: 'b', n: 2, values: [9, 1.2, 1.2, 9] };
    expect(sharedOffDiagonalDomain([a, b])).toEqual([0.4, 1.2]);
  });
});

describe('regression line of the scatter', () => {
  test.skipIf(!hasPythonModules('numpy', 'scipy'))('slope, intercept and r match scipy.stats.linregress', () => {
    let s = 7;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const pts = Array.from({ length: 40 }, () => {
      const x = rand() * 10 - 3;
      return { x, y: 0.7 * x + 2 + (rand() - 0.5) * 3 };
    });
    const ref = python(
      'import sys,json; from scipy.stats import linregress; d=json.load(sys.stdin); r=linregress(d["x"], d["y"]); print(json.dumps([r.slope, r.intercept, r.rvalue]))',
      { x: pts.map((p) => p.x), y: pts.map((p) => p.y) },
    ) as number[];
    const fit = linearFit([...pts, { x: NaN, y: 1 }]);
    expect(fit.n).toBe(40);
    expect(fit.slope).toBeCloseTo(ref[0], 10);
    expect(fit.intercept).toBeCloseTo(ref[1], 10);
    expect(fit.r).toBeCloseTo(ref[2], 10);
  });
  test('undefined fits are NaN, not a crash', () => {
    expect(linearFit([{ x: 1, y: 2 }]).r).toBeNaN();
    expect(linearFit([{ x: 1, y: 2 }, { x: 1, y: 3 }]).slope).toBeNaN();
  });
});
