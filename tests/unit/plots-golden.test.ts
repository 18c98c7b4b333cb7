/**
 * Golden-SVG snapshots of every d3 view: each renderer draws fixed data into a minimal DOM in Node
 * (tests/golden/svg-dom.ts) and the SVG is compared byte for byte with tests/golden/<name>.svg.
 * On a mismatch the new drawing is written beside the old one as <name>.new.svg (open both in a
 * browser to review) and the test fails; accept it with `UPDATE_GOLDEN=1` (or by moving the .new.svg
 * over the old one). A missing golden is written on a local run and fails under CI.
 */
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSvg, serialize, type MiniElement } from '../golden/svg-dom';
import { renderHeatmap } from '../../src/ui/plots/heatmap';
import { renderLayerCurves } from '../../src/ui/plots/layerCurves';
import { renderLineChart } from '../../src/ui/plots/lineChart';
import { renderScatter } from '../../src/ui/plots/scatter';
import { renderRdmPair } from '../../src/ui/plots/rdmPair';
import * as microstim from '../../src/ui/labs/microstim/plots';

const GOLDEN = resolve(import.meta.dirname, '../golden');

/** Renderers give gradients and clip paths random ids (several plots share a page): number them in order instead. */
function stableIds(svg: string): string {
  const ids = [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  let out = svg;
  ids.forEach((id, k) => {
    out = out.split(`"${id}"`).join(`"id-${k + 1}"`).split(`#${id})`).join(`#id-${k + 1})`);
  });
  return out;
}

/** Compares the drawing with its golden file; see the header for what happens on a mismatch. */
function expectGolden(name: string, svg: SVGSVGElement): void {
  const text = stableIds(`${serialize(svg as unknown as MiniElement)}\n`);
  const file = resolve(GOLDEN, `${name}.svg`);
  const fresh = resolve(GOLDEN, `${name}.new.svg`);
  if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(file) && process.env.CI !== 'true')) {
    writeFileSync(file, text);
    if (existsSync(fresh)) unlinkSync(fresh);
    return;
  }
  expect(existsSync(file), `golden ${file} is missing (run once without CI, or with UPDATE_GOLDEN=1, and commit it)`).toBe(true);
  const old = readFileSync(file, 'utf8');
  if (old === text) {
    if (existsSync(fresh)) unlinkSync(fresh);
    return;
  }
  writeFileSync(fresh, text);
  const a = old.split('\n');
  const b = text.split('\n');
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  expect.fail(`${name}.svg changed (first at line ${line + 1}):\n- ${a[line] ?? ''}\n+ ${b[line] ?? ''}\nReview tests/golden/${name}.new.svg; accept with UPDATE_GOLDEN=1.`);
}

/** Deterministic pseudo-data: smooth in i, no RNG. */
const wave = (i: number, k = 1) => 0.5 + 0.35 * Math.sin(0.7 * i * k + 0.3);

function draw(render: (svg: SVGSVGElement) => void): SVGSVGElement {
  const svg = createSvg();
  render(svg);
  return svg;
}

describe('golden SVGs of the plots', () => {
  test('heatmap: 6 layers × 3 regions, one missing cell', () => {
    const rows = ['conv1', 'block 1 · conv 2', 'block 2 · conv 2', 'block 3 · conv 2', 'avgpool', 'fc'];
    const columns = ['V1', 'V4', 'IT'];
    const values = rows.map((_, i) => columns.map((_, j) => (i === 2 && j === 1 ? NaN : wave(i, j + 1))));
    const errors = values.map((r) => r.map((v) => (Number.isFinite(v) ? 0.02 + 0.01 * v : NaN)));
    const svg = draw((s) => renderHeatmap(s, { rows, columns, values, errors }, { title: 'ResNet: ridge predictivity per layer and region', subtitle: 'Demo · ridge', width: 800, valueLabel: 'ceiled score' }));
    expectGolden('heatmap', svg);
  });

  test('layer curves: 8 layers, 2 regions with ceilings', () => {
    const layers = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'fc6'];
    const curves = ['V4', 'IT'].map((region, k) => ({
      region,
      scores: layers.map((_, i) => 0.3 + 0.4 * Math.exp(-((i - 3 - 2 * k) ** 2) / 6)),
      sem: layers.map((_, i) => 0.02 + 0.005 * i),
      ceiling: { lo: 0.78 + 0.05 * k, hi: 0.86 + 0.05 * k },
    }));
    expectGolden('layer-curves', draw((s) => renderLayerCurves(s, layers, curves, { title: 'AlexNet: score along the layers', subtitle: 'Demo · ridge', width: 800, height: 420, yLabel: 'raw score (Pearson r)' })));
  });

  test('layer curves: 64 layers of a deep network, ceiled', () => {
    const layers = Array.from({ length: 64 }, (_, i) => `layer${Math.floor(i / 4) + 1}.${i % 4}.conv${(i % 3) + 1}`);
    const curves = ['V1', 'IT'].map((region, k) => ({
      region,
      scores: layers.map((_, i) => 0.25 + 0.3 * Math.exp(-((i - 20 - 25 * k) ** 2) / 120)),
      sem: layers.map(() => 0.03),
      ceiling: { lo: 0.9, hi: 1.1 },
    }));
    const groups = layers.map((l) => l.split('.')[0]);
    expectGolden('layer-curves-64', draw((s) => renderLayerCurves(s, layers, curves, { title: 'ResNet-50: ceiled score along the layers', subtitle: 'Demo · ridge', width: 800, height: 420, yLabel: 'ceiled score', groups })));
    // Without block names: thinned, rotated per-layer labels.
    expectGolden('layer-curves-64-ungrouped', draw((s) => renderLayerCurves(s, layers, curves, { title: 'ResNet-50: ceiled score along the layers', width: 800, height: 420, yLabel: 'ceiled score' })));
  });

  test('layer curves: ceiled scores far under the ceiling keep the plot height (ceiling marked above)', () => {
    const layers = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];
    const curves = [{ region: 'IT', scores: [0.05, 0.09, 0.14, 0.2, 0.17], sem: layers.map(() => 0.01), ceiling: { lo: 0.92, hi: 1.08 } }];
    const svg = draw((s) => renderLayerCurves(s, layers, curves, { title: 'Low scores', width: 800, height: 420, yLabel: 'ceiled score' }));
    expectGolden('layer-curves-low', svg);
  });

  test('phone width (360 px): legends under the plots, shorter row labels', () => {
    const layers = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'fc6'];
    const curves = ['V4', 'IT'].map((region, k) => ({ region, scores: layers.map((_, i) => 0.3 + 0.05 * ((i + k) % 5)), ceiling: { lo: 0.7, hi: 0.8 } }));
    expectGolden('phone-layer-curves', draw((s) => renderLayerCurves(s, layers, curves, { title: 'HMAX (S1–C2): ridge score along the layers', subtitle: 'Synthetic demo · gratings (V1-like) · Synthetic demo data — not brain data · ridge', width: 360, height: 360, yLabel: 'raw score (Pearson r)' })));
    const points = Array.from({ length: 20 }, (_, i) => ({ x: wave(i), y: wave(i + 1) }));
    expectGolden('phone-scatter', draw((s) => renderScatter(s, points, [], { title: 'IT from conv5', width: 360, height: 360, xLabel: 'measured', yLabel: 'predicted', identity: true })));
    const rows = ['block 1 · conv 1 (relu)', 'block 2 · conv 2 (relu)', 'block 3 · residual'];
    expectGolden('phone-heatmap', draw((s) => renderHeatmap(s, { rows, columns: ['V4', 'IT'], values: rows.map((_, i) => [wave(i), wave(i, 2)]) }, { title: 'Heatmap', width: 360, valueLabel: 'ceiled score' })));
  });

  test('line chart: numeric x, dashed fit, band', () => {
    const xs = [-80, -40, -20, 0, 20, 40, 80];
    const series = [
      { name: 'no stimulation', points: xs.map((x) => ({ x, y: 1 / (1 + Math.exp(-0.05 * x)) })), markers: true },
      { name: 'fit', points: xs.map((x) => ({ x, y: 1 / (1 + Math.exp(-0.05 * (x + 10))) })), dashed: true },
    ];
    expectGolden('line-chart', draw((s) => renderLineChart(s, series, [{ name: 'chance', y0: 0.45, y1: 0.55 }], { title: 'Psychometric curve', xLabel: 'visual signal (%)', yLabel: 'P(face)', yReference: 0.5 })));
  });

  test('scatter: predicted vs measured with identity line', () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ x: wave(i), y: wave(i) * 0.8 + 0.1 * Math.cos(i), label: `stimulus ${i + 1}` }));
    expectGolden('scatter', draw((s) => renderScatter(s, points, [], { title: 'IT neuroid 3 from conv5', subtitle: 'Demo · ridge', width: 720, height: 440, xLabel: 'measured', yLabel: 'predicted', name: 'stimuli', identity: true })));
  });

  test('RDM pair: 12 stimuli', () => {
    const n = 12;
    const rdm = (k: number) => Float64Array.from({ length: n * n }, (_, idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      return i === j ? 0 : 0.2 + 0.6 * Math.abs(Math.sin((i + 1) * (j + 1) * 0.1 * k));
    });
    const rdms = [
      { name: 'Model: conv5', values: rdm(1), n },
      { name: 'Brain: IT', values: rdm(2), n },
    ];
    const o = { title: 'Model vs brain RDMs (r = 0.412)', subtitle: 'Demo · RSA', width: 800, height: 430, valueLabel: 'dissimilarity (1 − Pearson r)' };
    // Stimulus numbers on the axes; category ticks and dividers; thumbnails.
    expectGolden('rdm-pair', draw((s) => renderRdmPair(s, rdms, o)));
    const categories = Array.from({ length: n }, (_, i) => ['faces', 'bodies', 'objects'][Math.floor(i / 4)]);
    expectGolden('rdm-pair-categories', draw((s) => renderRdmPair(s, rdms, { ...o, categories })));
    const dot = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    expectGolden('rdm-pair-thumbnails', draw((s) => renderRdmPair(s, rdms, { ...o, thumbnails: Array.from({ length: n }, () => dot), stimulusNames: Array.from({ length: n }, (_, i) => `img${i}.png`) })));
  });

  test('microstim: sheet map, line chart, scatter, histogram', () => {
    const side = 6;
    const sites = side * side;
    const sheet = {
      xMm: Array.from({ length: sites }, (_, i) => 0.4 * (i % side)),
      yMm: Array.from({ length: sites }, (_, i) => 0.4 * Math.floor(i / side)),
      dPrime: Array.from({ length: sites }, (_, i) => 2 * Math.sin(i * 0.37) - 0.3),
      spacingMm: 0.4,
    };
    expectGolden('microstim-sheet', draw((s) => microstim.renderSheetMap(s, sheet, { title: 'Face selectivity map', subtitle: 'HMAX · C2', electrode: { xMm: 0.8, yMm: 1.2 }, radiusMm: 0.5, marked: [3, 10] })));
    const xs = [-80, -40, 0, 40, 80];
    expectGolden(
      'microstim-line',
      draw((s) =>
        microstim.renderLineChart(
          s,
          [
            { name: 'no stimulation', x: xs, y: xs.map((x) => 1 / (1 + Math.exp(-0.04 * x))) },
            { name: 'stimulated', x: xs, y: xs.map((x) => 1 / (1 + Math.exp(-0.04 * (x + 15)))), dashed: true, err: xs.map(() => 0.05) },
          ],
          { title: 'Psychometric curves', xLabel: 'visual signal (%)', yLabel: 'P(face)', hLine: 0.5, vLines: [{ x: -15, label: 'x50' }], band: { y0: 0.4, y1: 0.6, label: 'band' } },
        ),
      ),
    );
    expectGolden(
      'microstim-scatter',
      draw((s) =>
        microstim.renderScatter(
          s,
          [
            { name: 'model sites', x: xs.map((_, i) => i * 0.5), y: xs.map((_, i) => wave(i)) },
            { name: 'Afraz et al.', x: [0.2, 1.1, 1.9], y: [0.1, 0.3, 0.5], hollow: true },
          ],
          { title: 'Selectivity vs shift', xLabel: "face d′", yLabel: 'shift (%)', regressionOf: 0, zeroLines: true },
        ),
      ),
    );
    expectGolden('microstim-histogram', draw((s) => microstim.renderHistogram(s, sheet.dPrime, { title: "d′ of all sites", xLabel: "face d′", marks: [{ x: 1, label: 'selective' }] })));
  });
});
