/**
 * What the Predictivity views say about a run that stopped early: results of 8 of 64 layers are marked
 * partial, and each region's "best layer" is then the best of those 8 only; layer blocks for the axis.
 */
import { describe, expect, test } from 'vitest';
import { commitments, layerGroupsOf, partialNote, partialRun } from '../../src/ui/labs/predictivity/views';
import type { LayerRegionScore } from '../../src/core/predictivity/scoring';

const LAYERS = Array.from({ length: 64 }, (_, i) => ({ tensor: `/layer${i}/Relu_output_0`, group: `block ${Math.floor(i / 4) + 1}` }));

describe('partial results', () => {
  test('8 of 64 layers after Cancel: partial; the best layer is the best of those 8', () => {
    const p = partialRun(8, 64, { running: false, cancelled: true });
    expect(p).toEqual({ scored: 8, asked: 64, running: false });
    expect(partialNote(p)).toBe('partial: 8 of 64 layers');
    // Scores rise with depth: among 8 layers the 8th is best, which is not the model's best of 64.
    const scores = LAYERS.slice(0, 8).map((l, i) => ({ layer: l.tensor, region: 'IT', raw: 0.2 + 0.01 * i, ceiled: (0.2 + 0.01 * i) / 0.8, sem: 0.01, ceiling: 0.8 }) as LayerRegionScore);
    expect(commitments(scores, LAYERS.slice(0, 8).map((l) => l.tensor), ['IT'], 'ceiled')[0].layerIndex).toBe(7);
  });

  test('while running: partial so far; complete runs (or a cancel after the last layer) are not', () => {
    expect(partialNote(partialRun(8, 64, { running: true, cancelled: false }))).toBe('partial: 8 of 64 layers so far');
    expect(partialRun(64, 64, { running: false, cancelled: true })).toBeNull();
    expect(partialRun(8, 64, { running: false, cancelled: false })).toBeNull(); // finished runs with layers unticked later
    expect(partialNote(null)).toBe('');
  });

  test('layer blocks of the shown layers, or none when a layer has no block', () => {
    const shown = LAYERS.slice(2, 7).map((l) => l.tensor);
    expect(layerGroupsOf(LAYERS, shown)).toEqual(['block 1', 'block 1', 'block 2', 'block 2', 'block 2']);
    expect(layerGroupsOf(LAYERS, [...shown, 'unknown'])).toBeUndefined();
    expect(layerGroupsOf(undefined, shown)).toBeUndefined();
  });
});
