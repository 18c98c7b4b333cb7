import { describe, expect, it } from 'vitest';
import { cardEntriesFromScores, definitionMetrics, thinLayers } from '../../src/core/benchmarks/live-card';
import { findBenchmark, provenance } from '../../src/core/benchmarks';
import type { DefinitionScore } from '../../src/core/benchmarks/run';
import type { LayerRegionScore } from '../../src/core/predictivity/scoring';

describe('thinLayers', () => {
  it('keeps at most max layers, evenly spaced, first and last included', () => {
    const layers = Array.from({ length: 63 }, (_, i) => `l${i}`);
    const t = thinLayers(layers, 12);
    expect(t.length).toBe(12);
    expect(t[0]).toBe('l0');
    expect(t[11]).toBe('l62');
    // round(i * 62 / 11)
    expect(t).toEqual([0, 6, 11, 17, 23, 28, 34, 39, 45, 51, 56, 62].map((i) => `l${i}`));
    expect(thinLayers(['a', 'b', 'c'], 12)).toEqual(['a', 'b', 'c']);
    expect(thinLayers(['a', 'b', 'c'], 1)).toEqual(['c']);
  });
});

describe('definitionMetrics', () => {
  it('maps definitions to scorer metrics once each', () => {
    const defs = ['Cowley2023.V4-pls', 'Cowley2023.V4-ridge'].map((id) => findBenchmark(id)!);
    expect(definitionMetrics(defs)).toEqual(['pls', 'ridge']);
  });
});

describe('cardEntriesFromScores', () => {
  const def = findBenchmark('Cowley2023.V4-ridge')!;
  const ds = (layer: string, ceiled: number, raw: number): DefinitionScore => ({ benchmark: def.id, version: def.version, layer, raw, sem: 0.01, ceiling: 0.8, ceilingSem: 0, ceiled, clipped: false, parts: [] });
  const row = (layer: string, sel: number, rep: number): LayerRegionScore => ({
    model: 'm',
    layer,
    benchmark: 'cowley',
    region: 'V4',
    metric: 'ridge',
    raw: rep,
    sem: 0,
    ceiling: 0.8,
    ceilingSem: 0,
    ceiled: rep,
    formula: 'f',
    provenance: provenance(def, { featureReduction: 'none', layerChoice: 'every layer scored on all data (no commitment)', appVersion: 'test', clipped: false }),
    halves: { selection: ds(layer, sel, sel / 2), report: ds(layer, rep, rep / 2), layerChoice: 'chosen on half A, scored on half B' },
  });

  it('commits the layer best on the selection part and reports it on the other part, beside the optimistic best', () => {
    const scores = [row('c1', 0.2, 0.5), row('c2', 0.6, 0.3), row('s2', 0.4, 0.7)];
    const entries = cardEntriesFromScores(scores, new Map([['c2', 'C2 layer']]));
    expect(entries.length).toBe(1);
    const e = entries[0];
    expect(e.benchmark).toBe('Cowley2023.V4-ridge');
    expect(e.version).toBe(def.version);
    expect(e.committedLayer).toBe('c2');
    expect(e.committedLabel).toBe('C2 layer');
    expect(e.ceiled).toBeCloseTo(0.3, 12);
    expect(e.raw).toBeCloseTo(0.15, 12);
    expect(e.optimisticLayer).toBe('s2');
    expect(e.optimisticCeiled).toBeCloseTo(0.7, 12);
    expect(e.provenance.layerChoice).toBe('committed: chosen on half A, scored on half B');
  });

  it('ignores scores without a definition commitment', () => {
    const plain = { ...row('c1', 0.2, 0.5), halves: undefined, provenance: undefined };
    expect(cardEntriesFromScores([plain], new Map())).toEqual([]);
  });
});
