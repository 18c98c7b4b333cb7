/**
 * What the Predictivity lab says about its numbers: the value label carries each score's own ceiling
 * normalisation, clipped scores are counted, the layer curves mark each region's committed layer, and the Recipe
 * line names the versioned definition the lab runs with the `silico score` flags that give the same numbers —
 * checked here by scoring a Cowley-style bundle both ways (the lab's bundle adapter + scoreLayers, and the CLI's
 * definition path) on the same activations.
 */
import { describe, expect, it } from 'vitest';
import { clippedNote, commitments, heatmapData, layerCurves, recipeNote, semOf, valueLabel } from '../../src/ui/labs/predictivity/views';
import { scoringBenchmark } from '../../src/core/predictivity/bundles';
import { runPlacement, scoreLayers, withDefinitions, type LayerRegionScore, type ScoringBenchmark } from '../../src/core/predictivity/scoring';
import { readBundle } from '../../src/core/data/bundle';
import { syntheticBundle } from '../../src/core/data/synthetic';
import { findBenchmark } from '../../src/core/benchmarks';
import { newCache, scoreDefinition, type DefinitionScore } from '../../src/core/benchmarks/run';
import { definitionData } from '../../src/cli/benchmark';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';

const score = (o: Partial<LayerRegionScore>): LayerRegionScore =>
  ({ model: 'm', layer: 'L0', benchmark: 'b', region: 'V4', metric: 'pls', raw: 0.5, sem: 0.01, ceiling: 0.8, ceilingSem: 0.01, ceiled: 0.3, ...o }) as LayerRegionScore;
const half = (ceiled: number): DefinitionScore => ({ raw: ceiled, sem: 0, ceiling: 1, ceilingSem: 0, ceiled, clipped: false }) as DefinitionScore;

describe('value labels and clipping', () => {
  it("use each score's own formula, per region when they differ; raw values keep the raw label", () => {
    expect(valueLabel([score({ formula: 'r² / ceiling' }), score({ layer: 'L1', formula: 'r² / ceiling' })], 'ceiled')).toBe('ceiled score (r² / ceiling)');
    expect(valueLabel([score({ formula: 'r² / ceiling' }), score({ region: 'IT', formula: '(r / ceiling)², clipped to [0, 1]' })], 'ceiled')).toBe(
      'ceiled score (V4: r² / ceiling; IT: (r / ceiling)², clipped to [0, 1])',
    );
    expect(valueLabel([score({ formula: 'r² / ceiling' })], 'raw')).toBe('raw score (Pearson r)');
    expect(valueLabel([score({})], 'ceiled')).not.toMatch(/raw \/ noise ceiling/);
  });

  it('say how many ceiled scores were clipped, per region', () => {
    const scores = [score({ clipped: true }), score({ layer: 'L1' }), score({ region: 'IT', clipped: true }), score({ region: 'IT', layer: 'L1', clipped: true })];
    expect(clippedNote(scores, 'ceiled')).toBe('3 of 4 ceiled scores were clipped to [0, 1] (V4: 1, IT: 2).');
    expect(clippedNote(scores, 'raw')).toBe('');
    expect(clippedNote([score({})], 'ceiled')).toBe('');
  });
});

describe('layer curves mark the committed layer', () => {
  it('at the layer best on the selection half, which need not be the best of all layers (optimistic)', () => {
    // Selection half prefers L1; the report half (and the full data) prefer L2.
    const scores = [0.2, 0.5, 0.4].map((sel, i) =>
      score({ layer: `L${i}`, ceiled: [0.3, 0.4, 0.6][i], halves: { selection: half(sel), report: half([0.3, 0.35, 0.6][i]), layerChoice: 'chosen on half' } }),
    );
    const [curve] = layerCurves(scores, ['L0', 'L1', 'L2'], ['V4'], 'ceiled');
    expect(curve.committed).toBe(1);
    expect(curve.scores).toEqual([0.3, 0.4, 0.6]);
    // Without commitment data: no mark.
    expect(layerCurves([score({})], ['L0'], ['V4'], 'ceiled')[0].committed).toBeUndefined();
  });
});

describe('error bars and the ceiling band follow each score\'s own formula', () => {
  // Hand computations: raw r = 0.5 ± 0.04, ceiling c = 0.64 ± 0.08. The whisker on the ceiled scale is the larger
  // half-width of [f(r − sem), f(r + sem)] around f(r).
  const r = 0.5, sem = 0.04, c = 0.64, cs = 0.08;
  const s = (formula: string | undefined, o: Partial<LayerRegionScore> = {}) => score({ raw: r, sem, ceiling: c, ceilingSem: cs, ceiled: NaN, formula, ...o });
  it('ceiled ± for r / ceiling, r² / ceiling and (r / ceiling)², clipped or not', () => {
    expect(semOf(s('r / ceiling'), 'ceiled')).toBeCloseTo(0.04 / 0.64, 12); // 0.0625
    expect(semOf(s(undefined), 'ceiled')).toBeCloseTo(0.0625, 12); // generic scores without a formula: r / ceiling
    expect(semOf(s('r² / ceiling'), 'ceiled')).toBeCloseTo((0.54 * 0.54 - 0.25) / 0.64, 12); // 0.0416 / 0.64 = 0.065
    expect(semOf(s('(r / ceiling)², clipped to [0, 1]'), 'ceiled')).toBeCloseTo((0.54 / 0.64) ** 2 - (0.5 / 0.64) ** 2, 12); // 0.10156…
    expect(semOf(s('r² / ceiling'), 'raw')).toBe(0.04);
    expect(semOf(s('r² / ceiling', { ceiling: NaN }), 'ceiled')).toBeNaN();
    // Negative r: the wider side is towards −1 (|r| grows).
    expect(semOf(s('r² / ceiling', { raw: -0.1 }), 'ceiled')).toBeCloseTo((0.14 * 0.14 - 0.01) / 0.64, 12);
    // The heatmap and commitment table use the same numbers.
    const scores = [s('r² / ceiling', { ceiled: 0.25 / 0.64 })];
    expect(heatmapData(scores, ['L0'], ['V4'], 'ceiled').errors![0][0]).toBeCloseTo(0.065, 12);
    expect(commitments(scores, ['L0'], ['V4'], 'ceiled')[0].sem).toBeCloseTo(0.065, 12);
  });
  it('the ceiled band sits at 1; the raw band at the r that reaches the ceiling (√ceiling for r² / ceiling)', () => {
    const band = (formula: string, v: 'raw' | 'ceiled') => layerCurves([s(formula)], ['L0'], ['V4'], v)[0].ceiling!;
    // r / ceiling: raw band c ± cs; ceiled 1 ± cs / c.
    expect(band('r / ceiling', 'raw').lo).toBeCloseTo(0.56, 12);
    expect(band('r / ceiling', 'raw').hi).toBeCloseTo(0.72, 12);
    expect(band('r / ceiling', 'ceiled').lo).toBeCloseTo(0.875, 12);
    expect(band('r / ceiling', 'ceiled').hi).toBeCloseTo(1.125, 12);
    // r² / ceiling: raw band √(c ∓ cs) around √0.64 = 0.8, labelled; ceiled (c ± cs) / c.
    expect(band('r² / ceiling', 'raw').lo).toBeCloseTo(Math.sqrt(0.56), 12);
    expect(band('r² / ceiling', 'raw').hi).toBeCloseTo(Math.sqrt(0.72), 12);
    expect(band('r² / ceiling', 'raw').label).toMatch(/√ceiling/);
    expect(band('r² / ceiling', 'ceiled').lo).toBeCloseTo(0.875, 12);
    expect(band('r² / ceiling', 'ceiled').hi).toBeCloseTo(1.125, 12);
    // (r / ceiling)²: raw band c ± cs; ceiled ((c ± cs) / c)², unclipped.
    expect(band('(r / ceiling)², clipped to [0, 1]', 'raw').hi).toBeCloseTo(0.72, 12);
    expect(band('(r / ceiling)², clipped to [0, 1]', 'ceiled').lo).toBeCloseTo(0.875 ** 2, 12);
    expect(band('(r / ceiling)², clipped to [0, 1]', 'ceiled').hi).toBeCloseTo(1.125 ** 2, 12);
    // The centre of every ceiled band is near 1 and contains it.
    for (const f of ['r / ceiling', 'r² / ceiling', '(r / ceiling)²']) {
      const b = band(f, 'ceiled');
      expect(b.lo).toBeLessThan(1);
      expect(b.hi).toBeGreaterThan(1);
    }
  });
});

/** The synthetic bundle relabelled as a Cowley session (id and region), so the registry's definitions apply. */
function cowleyLike() {
  const files = syntheticBundle({ stimuli: 60, neuroids: 8, repeats: 4 });
  const manifest = JSON.parse(new TextDecoder().decode(files.get('benchmark.json')));
  manifest.id = 'cowley2023-v4-test';
  manifest.synthetic = false;
  manifest.regions[0].name = 'V4';
  files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return readBundle(files);
}

describe('the Recipe line', () => {
  it('names the versioned definition and the matching silico score flags; the generic recipe otherwise', () => {
    const bench = scoringBenchmark(cowleyLike());
    const ridge = recipeNote(bench, 'ridge')!;
    expect(ridge.text).toMatch(/^Cowley2023\.V4-ridge@1: ridge/);
    expect(ridge.text).toContain('r² / ceiling');
    expect(ridge.flags).toBe('--metric ridge --max-features none --benchmark Cowley2023.V4-ridge');
    expect(recipeNote(bench, 'pls')!.flags).toBe('--metric pls --max-features none --benchmark Cowley2023.V4-pls');
    const synthetic = scoringBenchmark(readBundle(syntheticBundle({ stimuli: 20, neuroids: 4 })));
    expect(recipeNote(synthetic, 'ridge')!.flags).toBe('--metric ridge --max-features none --benchmark none');
    expect(recipeNote(synthetic, 'ridge')!.text).toMatch(/generic recipe.*r \/ ceiling/);
    // A definition that places images Brain-Score's way: the lab records with that placement (as silico score does by default).
    const coggan = withDefinitions({ id: 'coggan2024-fmri', name: 'Coggan', synthetic: false, stimuli: 4, regions: ['V1', 'V2', 'V4', 'IT'].map((name) => ({ name, rdms: [] })) } as ScoringBenchmark);
    const rsa = recipeNote(coggan, 'rsa')!;
    expect(rsa.text).toContain('Coggan2024.V1-rdm@');
    expect(rsa.flags).not.toContain('--placement');
    expect(rsa.text).toMatch(/images placed as Brain-Score does \(Brain-Score place_on_screen: 9° stimuli in an 8° field/);
    expect(runPlacement(coggan, 'rsa')).toEqual({ mode: 'brainscore', visualDegrees: 9, modelDegrees: 8 });
    expect(runPlacement(bench, 'ridge')).toBeUndefined(); // Cowley: the model preset's centre crop
  });

  it('is what the lab computes: the lab path equals the CLI definition path on the same activations', async () => {
    const bundle = cowleyLike();
    const rnd = seededRandom(3);
    const activation = { dims: [60, 40], data: Float32Array.from({ length: 60 * 40 }, () => gaussian(rnd)) };
    for (const metric of ['ridge', 'pls'] as const) {
      const [lab] = await scoreLayers([{ layer: 'L', activation }], scoringBenchmark(bundle), { metric, modelId: 'm', commit: false });
      const def = findBenchmark(`Cowley2023.V4-${metric}`)!;
      const cli = scoreDefinition(def, { layer: 'L', activation }, definitionData(bundle, 'V4', false), { cache: newCache() });
      expect(lab.provenance?.benchmark).toBe(def.id);
      expect(lab.formula).toBe('r² / ceiling');
      expect(Number.isFinite(cli.ceiled)).toBe(true);
      expect(Math.abs(lab.raw - cli.raw)).toBeLessThan(1e-12);
      expect(Math.abs(lab.ceiling - cli.ceiling)).toBeLessThan(1e-12);
      expect(Math.abs(lab.ceiled - cli.ceiled)).toBeLessThan(1e-12);
    }
  });
});
