import { describe, expect, test } from 'vitest';
import { planBatches, RUN_SENTENCES, RUN_TOKENS } from '../../src/core/language/sentence-engine';

describe('SentenceEngine run plan', () => {
  test('consecutive runs bounded by sentences and by padded tokens; every sentence once, in order', () => {
    // 16 sentences of ~12 tokens: one run by default (16 × 13 = 208 ≤ 256); runs of 4 when so limited.
    const lengths = [12, 12, 12, 10, 13, 10, 13, 11, 13, 12, 12, 11, 10, 11, 10, 11];
    expect(planBatches(lengths, RUN_SENTENCES, RUN_TOKENS)).toEqual([[0, 16]]);
    expect(planBatches(lengths, 4, RUN_TOKENS)).toEqual([[0, 4], [4, 8], [8, 12], [12, 16]]);
    expect(planBatches(lengths, 16, 256)).toEqual([[0, 16]]);
    expect(planBatches(lengths, 16, 100)).toEqual([[0, 7], [7, 14], [14, 16]]);
    // The token budget: 3 × 40 = 120 ≤ 128, a 4th would make 4 × 40 = 160; a long sentence widens the run.
    expect(planBatches([40, 40, 40, 40, 5], 16, 128)).toEqual([[0, 3], [3, 5]]);
    expect(planBatches([5, 5, 5, 60, 5], 16, 128)).toEqual([[0, 3], [3, 5]]);
    // Longer than the budget: alone.
    expect(planBatches([10, 300, 10], 16, 128)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(planBatches([], 16, 256)).toEqual([]);
    expect(planBatches([3, 3], 0, 256)).toEqual([[0, 1], [1, 2]]);
    // Random lengths: the runs tile 0..n and respect both limits (or hold one sentence).
    let seed = 3;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const many = Array.from({ length: 500 }, () => 1 + Math.floor(rand() * 64));
    const plan = planBatches(many, 16, 256);
    expect(plan[0][0]).toBe(0);
    expect(plan.at(-1)![1]).toBe(500);
    for (let i = 0; i < plan.length; i++) {
      const [a, b] = plan[i];
      if (i > 0) expect(a).toBe(plan[i - 1][1]);
      expect(b - a).toBeGreaterThanOrEqual(1);
      expect(b - a).toBeLessThanOrEqual(16);
      if (b - a > 1) expect((b - a) * Math.max(...many.slice(a, b))).toBeLessThanOrEqual(256);
      // Greedy: the next sentence would not have fit.
      if (b < 500 && b - a < 16) expect((b - a + 1) * Math.max(...many.slice(a, b + 1))).toBeGreaterThan(256);
    }
  });
});
