/**
 * Layer axes of deep networks: labels never cut inside a word, thinned / rotated / grouped by block so
 * they fit, the axis title below the labels, and a noise ceiling far above the scores does not squash
 * them into the bottom of the plot. Drawn in Node with the golden tests' minimal DOM.
 */
import { describe, expect, test } from 'vitest';
import { BLOCK_MODE_FROM, CHAR_EM, layerGroups, layoutLayerAxis, shortenLabel } from '../../src/ui/plots/layerAxis';
import { renderLayerCurves } from '../../src/ui/plots/layerCurves';
import { createSvg, type MiniElement } from '../golden/svg-dom';

const WORD = /[^\s.·_/:-]+/g;

describe('shortenLabel', () => {
  test('keeps whole words, the first and the last', () => {
    expect(shortenLabel('block 12 · conv 2', 30)).toBe('block 12 · conv 2');
    const long = 'features.denseblock4.denselayer16.conv2';
    const s = shortenLabel(long, 20);
    expect(s.length).toBeLessThanOrEqual(20);
    expect(s).toBe('features…conv2');
    expect(s.endsWith('conv2')).toBe(true);
    for (const label of [long, 'block 4 · conv 2 (relu6)', '/features/features.16/conv/conv.2/Conv_output_0', 'layer3.5.bn3.relu']) {
      for (const max of [8, 12, 16, 20]) {
        const out = shortenLabel(label, max);
        // Every word shown is a whole word of the label.
        const words = label.match(WORD)!;
        for (const w of out.replace('…', ' ').match(WORD) ?? []) expect(words).toContain(w);
      }
    }
    expect(shortenLabel('averyveryverylongword', 5)).toBe('averyveryverylongword');
    // Block and op numbers stay with their words; a parenthesised suffix goes first.
    expect(shortenLabel('block 3 · residual', 16)).toBe('block 3…residual');
    expect(shortenLabel('block 1 · conv 1 (relu)', 16)).toBe('block 1 · conv 1');
    expect(shortenLabel('block 4 · conv 2 (relu6)', 12)).toBe('block…conv 2');
  });
});

describe('layoutLayerAxis', () => {
  const deep = Array.from({ length: 64 }, (_, i) => `block ${Math.floor(i / 4) + 1} · conv ${(i % 4) + 1}`);

  test('few short labels: flat, all kept', () => {
    const a = layoutLayerAxis(['C1', 'S2', 'C2'], 600, 13);
    expect(a).toMatchObject({ mode: 'layers', kept: [0, 1, 2], rotate: false, overhang: 0 });
  });

  test('64 layers in 16 blocks: labelled by block, labels apart by at least 1.5 lines', () => {
    expect(layerGroups(deep)).toHaveLength(16);
    const a = layoutLayerAxis(deep, 732, 13);
    expect(a.mode).toBe('blocks');
    const centres = a.kept.map((k) => ((a.groups[k].start + a.groups[k].end + 1) / 2) * (732 / 64));
    for (let i = 1; i < centres.length; i++) expect(centres[i] - centres[i - 1]).toBeGreaterThanOrEqual(13 * (a.rotate ? 1.5 : 0));
    expect(a.labels.every((l) => /^block \d+$/.test(l))).toBe(true);
  });

  test('64 ungrouped layers: thinned, rotated, depth covers the longest label', () => {
    const flat = deep.map((l) => l.replace(' · ', '_'));
    const a = layoutLayerAxis(flat, 732, 13);
    expect(a.mode).toBe('layers');
    expect(a.rotate).toBe(true);
    expect(a.kept.length).toBeLessThan(64);
    const step = a.kept[1] - a.kept[0];
    expect(step * (732 / 64)).toBeGreaterThanOrEqual(13 * 1.5);
    const longest = Math.max(...a.labels.map((l) => l.length)) * 13 * CHAR_EM;
    expect(a.depth).toBeGreaterThanOrEqual(longest * Math.SQRT1_2);
    expect(BLOCK_MODE_FROM).toBeLessThan(64);
  });
});

function layerCurvesSvg(layers: string[], scores: number[], ceiling: { lo: number; hi: number }, groups?: string[]): MiniElement {
  const svg = createSvg();
  renderLayerCurves(svg, layers, [{ region: 'IT', scores, sem: scores.map(() => 0.01), ceiling }], { title: 't', width: 800, height: 420, yLabel: 'ceiled score', groups });
  return svg as unknown as MiniElement;
}

/** y of an element translated by its ancestors' translate(x,y) transforms (enough for these plots). */
function absoluteY(e: MiniElement, own: number): number {
  let y = own;
  for (let p = e.parentNode; p; p = p.parentNode) {
    const m = /translate\(\s*[-\d.e]+\s*,\s*([-\d.e]+)\s*\)/.exec(p.getAttribute('transform') ?? '');
    if (m) y += Number(m[1]);
  }
  return y;
}

describe('layer curves on deep networks', () => {
  test('the x-axis title sits below the deepest tick label', () => {
    const layers = Array.from({ length: 64 }, (_, i) => `layer${Math.floor(i / 4) + 1}.${i % 4}.conv${(i % 3) + 1}`);
    const svg = layerCurvesSvg(layers, layers.map((_, i) => 0.3 + 0.002 * i), { lo: 0.9, hi: 1.1 });
    const title = svg.querySelectorAll('text.axis-label').find((t) => t.textContent.startsWith('model layer'))!;
    const titleY = absoluteY(title, Number(title.getAttribute('y')));
    const ticks = svg.querySelectorAll('.x-axis .tick text').filter((t) => t.textContent);
    expect(ticks.length).toBeGreaterThan(5);
    const axisY = absoluteY(ticks[0], 0);
    // A rotated label reaches (length × char width + font) × sin 45° below the axis.
    const deepest = Math.max(...ticks.map((t) => (t.textContent.length * 13 * CHAR_EM + 13) * Math.SQRT1_2 + 9));
    expect(titleY - 14).toBeGreaterThan(axisY + deepest);
    // Nothing cut mid-word: every tick label is a whole layer name.
    for (const t of ticks) expect(layers).toContain(t.textContent);
    // The svg is tall enough for the title.
    expect(titleY).toBeLessThanOrEqual(420);
  });

  test('a ceiling far above low ceiled scores does not squash them into the bottom fifth', () => {
    const svg = layerCurvesSvg(['a', 'b', 'c', 'd', 'e'], [0.05, 0.09, 0.14, 0.2, 0.17], { lo: 0.92, hi: 1.08 });
    const ys = svg.querySelectorAll('circle.pt').map((c) => Number(c.getAttribute('cy')));
    const gridYs = svg.querySelectorAll('.grid line').map((l) => Number(l.getAttribute('y1')));
    const plotHeight = Math.max(...gridYs); // the 0 grid line is the bottom of the plot
    const spread = (Math.max(...ys) - Math.min(...ys)) / plotHeight;
    expect(spread).toBeGreaterThan(0.5); // 0.05 → 0.2 fills more than half the height (was about 14 %)
    expect(svg.querySelector('.bands-above text')!.textContent).toContain('IT noise ceiling 0.92–1.08 (above this range)');
    expect(svg.querySelectorAll('.bands rect')).toHaveLength(0);
    // A ceiling near the scores stays a band in range.
    const near = layerCurvesSvg(['a', 'b', 'c'], [0.5, 0.7, 0.6], { lo: 0.8, hi: 0.9 });
    expect(near.querySelectorAll('.bands rect')).toHaveLength(1);
    expect(near.querySelector('.bands-above')).toBeNull();
  });
});
