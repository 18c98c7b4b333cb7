import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/core/language/random';
import {
  createSearchState, rankPool, runSearch, vocabularyFromPool, wordSubstitutionProposer,
  type SentenceScorer,
} from '../../src/core/language/search';

// A cheap deterministic "model": each word has a fixed value in [-1, 1]; prediction = mean word value.
// Words containing "z" count as disfluent (surprisal 10 bits each, else 2).
function wordValue(w: string): number {
  let h = 2166136261;
  for (const c of w.toLowerCase().replace(/[^a-z]/g, '')) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) / 4294967295) * 2 - 1;
}
const predict = (s: string) => {
  const words = s.split(/\s+/);
  return words.reduce((a, w) => a + wordValue(w), 0) / words.length;
};
const surprisal = (s: string) => {
  const words = s.split(/\s+/);
  return words.reduce((a, w) => a + (/z/i.test(w) ? 10 : 2), 0) / words.length;
};
const scorer: SentenceScorer = async (sentences) => sentences.map((s) => ({ prediction: predict(s), surprisal: surprisal(s) }));

const rng = new Rng(11);
const VOCAB = Array.from({ length: 300 }, () => Array.from({ length: 3 + rng.int(5) }, () => String.fromCharCode(97 + rng.int(26))).join(''));
const POOL = Array.from({ length: 200 }, () => Array.from({ length: 5 + rng.int(4) }, () => VOCAB[rng.int(VOCAB.length)]).join(' ') + '.');

describe('sentence search', () => {
  test('rankPool ranks, filters by length and excludes known sentences', () => {
    const preds = POOL.map(predict);
    const { drive, suppress, eligible } = rankPool(preds, POOL, { minWords: 6, maxWords: 7, excludeSet: [POOL[0].toUpperCase()] }, 5);
    const expected = POOL.map((s, i) => ({ s, i, p: preds[i], w: s.split(' ').length }))
      .filter((x) => x.w >= 6 && x.w <= 7 && x.i !== 0);
    expect(eligible).toBe(new Set(expected.map((x) => x.s)).size);
    expect(drive.map((d) => d.prediction)).toEqual(expected.map((x) => x.p).sort((a, b) => b - a).slice(0, 5));
    expect(suppress.map((d) => d.prediction)).toEqual(expected.map((x) => x.p).sort((a, b) => a - b).slice(0, 5));
    expect(drive.every((d) => d.index !== 0)).toBe(true);
    expect(() => rankPool([1], ['a', 'b'])).toThrow(/predictions/);
  });

  test('generative search beats every pool sentence under a fluency limit', async () => {
    const preds = POOL.map(predict);
    const bestPool = Math.max(...preds);
    const worstPool = Math.min(...preds);
    const { drive, suppress } = rankPool(preds, POOL, {}, 4);
    const vocab = vocabularyFromPool(POOL);
    expect(vocab.length).toBeGreaterThan(100);
    const propose = wordSubstitutionProposer(vocab);
    const up = await runSearch(createSearchState({ direction: 'drive', seeds: drive.map((d) => d.sentence), maxSurprisal: 3, seed: 1 }), scorer, propose, { iterations: 25 });
    const down = await runSearch(createSearchState({ direction: 'suppress', seeds: suppress.map((d) => d.sentence), maxSurprisal: 3, seed: 1 }), scorer, propose, { iterations: 25 });
    expect(up.stopped).toBe(false);
    const top = up.state.leaderboard[0];
    expect(top.prediction).toBeGreaterThan(bestPool + 0.2);
    expect(down.state.leaderboard[0].prediction).toBeLessThan(worstPool - 0.2);
    for (const s of up.state.leaderboard) {
      expect(s.surprisal).toBeLessThanOrEqual(3);
      expect(s.prediction).toBeCloseTo(predict(s.sentence), 12);
    }
    expect(up.state.rejectedDisfluent).toBeGreaterThan(0);
    // leaderboard sorted best first, no duplicates
    const preds2 = up.state.leaderboard.map((s) => s.prediction);
    expect(preds2).toEqual([...preds2].sort((a, b) => b - a));
    expect(new Set(up.state.leaderboard.map((s) => s.sentence)).size).toBe(up.state.leaderboard.length);
  });

  test('stop and resume (through JSON) gives the same result as one run', async () => {
    const seeds = POOL.slice(0, 3);
    const propose = wordSubstitutionProposer(VOCAB);
    const cfg = { direction: 'drive' as const, seeds, seed: 5, beamWidth: 4, proposalsPerSentence: 4 };
    const whole = await runSearch(createSearchState(cfg), scorer, propose, { iterations: 8 });

    const controller = new AbortController();
    let calls = 0;
    const stoppingScorer: SentenceScorer = async (sentences, signal) => {
      if (++calls === 5) controller.abort(); // abort while iteration 4 is being scored
      const out = await scorer(sentences);
      if (signal?.aborted) throw new Error('aborted');
      return out;
    };
    const part = await runSearch(createSearchState(cfg), stoppingScorer, propose, { iterations: 8, signal: controller.signal });
    expect(part.stopped).toBe(true);
    expect(part.state.iteration).toBe(3); // iterations 0..3 completed, 4 dropped
    const restored = JSON.parse(JSON.stringify(part.state));
    const rest = await runSearch(restored, scorer, propose, { iterations: 8 - 4 });
    expect(rest.state).toEqual(whole.state);
  });
});
