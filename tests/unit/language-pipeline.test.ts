// End to end on real parts: GPT-2 tokenizer → random-weight GPT-2 (onnxruntime-node) → last-token
// features → synthetic responses → encoding model → search that drives the predicted response.
import { describe, expect, test } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { hasShared, sharedPath, NO_SHARED } from '../support/shared';
import { buildGpt2Model, GPT2_SIZES } from '../../src/core/onnx/gpt2';
import { loadTokenizer } from '../../src/core/text/tokenizer';
import { encodingScorer, sentenceFeatures, type RunModel, type TextPipelineOptions } from '../../src/core/language/scorer';
import { syntheticResponses } from '../../src/core/language/synthetic';
import { fitEncodingModel, heldOutPerformance } from '../../src/core/language/encoding';
import { createSearchState, rankPool, runSearch, vocabularyFromPool, wordSubstitutionProposer } from '../../src/core/language/search';
import { median } from '../../src/core/metrics/stats';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');

const SUBJECTS = ['The dog', 'My sister', 'A teacher', 'The old man', 'Our neighbor', 'The child', 'A farmer', 'The pilot'];
const VERBS = ['found', 'painted', 'sold', 'carried', 'watched', 'forgot', 'cleaned', 'opened'];
const OBJECTS = ['the red door', 'a small boat', 'the letter', 'an apple', 'the garden', 'a broken clock', 'the window', 'some bread'];
const POOL: string[] = [];
for (let i = 0; i < 96; i++) POOL.push(`${SUBJECTS[i % 8]} ${VERBS[Math.floor(i / 8) % 8]} ${OBJECTS[(i * 5 + Math.floor(i / 8)) % 8]}.`);

describe.skipIf(!hasShared)(`language pipeline with GPT-2 tiny (${hasShared ? 'shared' : NO_SHARED})`, () => {
  test('features → encoding model → search beats the pool', async () => {
    const tokenizer = loadTokenizer(readFileSync(sharedPath('models/gpt2-tokenizer/tokenizer.json'), 'utf8'));
    const session = await ort.InferenceSession.create(buildGpt2Model({ ...GPT2_SIZES.tiny, seed: 1, extraOutputs: ['h.1.resid'] }));
    const runModel: RunModel = async (batch) => {
      const dims = batch.dims;
      const out = await session.run({
        input_ids: new ort.Tensor('int64', batch.inputIds, dims),
        attention_mask: new ort.Tensor('int64', batch.attentionMask, dims),
      });
      const t = (name: string) => ({ dims: out[name].dims as number[], data: out[name].data as Float32Array });
      return { hidden: t('h.1.resid'), logits: t('logits') };
    };
    const pipeline: TextPipelineOptions = { tokenizer, runModel, bosId: 50256, batchSize: 32 };

    const { features, surprisal } = await sentenceFeatures(POOL, pipeline);
    expect(features.dims).toEqual([96, 128]);
    // An untrained model is close to uniform over 50257 tokens: ≈ log2(50257) = 15.6 bits per token.
    expect(Math.abs(median(surprisal) - Math.log2(50257))).toBeLessThan(1.5);
    // Features do not depend on which other sentences share the batch (padding is masked).
    const alone = await sentenceFeatures([POOL[5]], pipeline);
    for (let j = 0; j < 128; j++) expect(alone.features.data[j]).toBeCloseTo(features.data[5 * 128 + j], 4);

    const matrix = { rows: 96, cols: 128, data: Float64Array.from(features.data) };
    const truth = syntheticResponses(POOL, matrix, { seed: 4, targetR: 0.9 });
    const cv = heldOutPerformance(features, truth.table.response, { folds: 4, seed: 0 });
    expect(cv.r).toBeGreaterThan(0.3);
    const model = fitEncodingModel(features, truth.table.response);
    const scorer = encodingScorer(model, pipeline);
    const poolScores = await scorer(POOL);
    const { drive } = rankPool(poolScores.map((s) => s.prediction), POOL, {}, 4);
    const best = drive[0].prediction;
    const spread = Math.max(...poolScores.map((s) => s.prediction)) - Math.min(...poolScores.map((s) => s.prediction));

    const state = createSearchState({
      direction: 'drive', seeds: drive.map((d) => d.sentence), beamWidth: 4, proposalsPerSentence: 6, seed: 2,
      maxSurprisal: median(surprisal) + 1,
    });
    const { state: done } = await runSearch(state, scorer, wordSubstitutionProposer(vocabularyFromPool(POOL)), { iterations: 8 });
    const top = done.leaderboard[0];
    expect(top.iteration).toBeGreaterThan(0); // an edited sentence, not a seed
    expect(top.prediction).toBeGreaterThan(best + 0.1 * spread);
    expect(top.surprisal).toBeLessThanOrEqual(median(surprisal) + 1);
    // Re-scoring the winner on its own reproduces its score.
    const [again] = await scorer([top.sentence]);
    expect(again.prediction).toBeCloseTo(top.prediction, 3);
  });
});
