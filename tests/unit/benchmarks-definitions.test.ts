/**
 * Benchmark definitions are versioned: any change to what decides a number (recipe, splits, ceiling,
 * normalisation, placement, layer selection) must come with a new version. This test pins a fingerprint
 * of each definition to its id@version; when it fails, bump the definition's version and update the pin.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS, benchmarksForBundle, definitionFingerprint, findBenchmark, formulaLabel, placementLabel, provenance } from '../../src/core/benchmarks';

const PINNED: Record<string, string> = {
  'FreemanZiemba2013public.V1-pls@1': '133dc6dd9162',
  'FreemanZiemba2013public.V2-pls@1': '2632b4ae95fb',
  'MajajHong2015public.V4-pls@1': 'd1b669ddd111',
  'MajajHong2015public.IT-pls@1': 'b0c19b6b6234',
  'Cowley2023.V4-pls@1': 'b05c39668511',
  'Cowley2023.V4-ridge@1': 'e6a47c465c3b',
  'Coggan2024.V1-rdm@1': 'bb5e4773abd0',
  'Coggan2024.V2-rdm@1': '4a5a83d6ba09',
  'Coggan2024.V4-rdm@1': '18386566461a',
  'Coggan2024.IT-rdm@1': '24d98816a985',
  'Kriegeskorte2008.IT-rdm@1': 'acf91da922dd',
  'Kriegeskorte2008.IT_human-rdm@1': '11b4aba6548e',
};

describe('benchmark definitions', () => {
  it('each definition matches the fingerprint pinned to its version (bump the version when numbers would change)', () => {
    const now = Object.fromEntries(BENCHMARKS.map((d) => [`${d.id}@${d.version}`, createHash('sha256').update(definitionFingerprint(d)).digest('hex').slice(0, 12)]));
    expect(now).toEqual(PINNED);
  });

  it('ids are unique and follow Brain-Score conventions', () => {
    expect(new Set(BENCHMARKS.map((d) => d.id)).size).toBe(BENCHMARKS.length);
    for (const d of BENCHMARKS) {
      expect(d.id).toMatch(/^[A-Za-z]+\d{4}(public)?\.[A-Za-z0-9_]+-(pls|ridge|rdm)$/);
      if (d.recipe.kind === 'regression') {
        expect(d.normalisation).toEqual({ formula: 'r2-over-ceiling', clip: false });
        expect(d.splits).toMatchObject({ splits: 10, trainSize: 0.9, seed: 1 });
        expect(d.ceiling).toEqual({ kind: 'internal-consistency', splits: 10, seed: 1 });
      }
    }
    expect(findBenchmark('tong.Coggan2024_fMRI.IT-rdm')?.normalisation).toEqual({ formula: 'squared-ratio', clip: true });
    expect(findBenchmark('MajajHong2015public.IT-pls')?.splits).toMatchObject({ kind: 'stratified-shuffle', by: 'object_name' });
    expect(findBenchmark('FreemanZiemba2013public.V1-pls')?.splits).toMatchObject({ kind: 'stratified-shuffle', by: 'texture_type' });
  });

  it('bundles map to their definitions; labels name the formula and the placement', () => {
    expect(benchmarksForBundle('coggan2024-fmri', ['V1', 'V2', 'V4', 'IT']).map((d) => d.id)).toEqual(['Coggan2024.V1-rdm', 'Coggan2024.V2-rdm', 'Coggan2024.V4-rdm', 'Coggan2024.IT-rdm']);
    expect(benchmarksForBundle('cowley2023-v4-210325', ['V4']).map((d) => d.id)).toEqual(['Cowley2023.V4-pls', 'Cowley2023.V4-ridge']);
    expect(benchmarksForBundle('synthetic-demo', ['V1'])).toEqual([]);
    const coggan = findBenchmark('Coggan2024.V1-rdm')!;
    expect(formulaLabel(coggan.normalisation)).toBe('(r / ceiling)², clipped to [0, 1]');
    expect(placementLabel(coggan.placement)).toContain('centre-cropped to 0.889');
    expect(placementLabel(findBenchmark('FreemanZiemba2013public.V1-pls')!.placement)).toContain('gray canvas ×2.000');
    const p = provenance(findBenchmark('Cowley2023.V4-pls')!, { featureReduction: 'none', layerChoice: 'x', appVersion: 'silico 0.1.0', clipped: false });
    expect(p).toMatchObject({ benchmark: 'Cowley2023.V4-pls', version: 1, formula: 'r² / ceiling', appVersion: 'silico 0.1.0' });
    expect(p.recipe).toContain('PLS 25 components, no scaling');
    expect(p.splits).toBe('10 shuffle splits, 90 % train, seed 1');
  });
});
