/**
 * Synthetic ground truth for the Language lab: responses generated from sentence features with a known,
 * seeded linear map plus participant noise, so encoding and ceiling code can be checked against known
 * answers. Always labelled `source: 'synthetic'`: never to be shown as measured data.
 *
 *   signal_s   = features_s · w            (w ~ normal(0, 1/p), seeded)
 *   response_sp = signal_s + noise_sp      (participant p, noise ~ normal(0, σ²))
 *   response_s = mean over P participants
 *
 * σ is set from `targetR`, the correlation expected between the true signal and the averaged response:
 * r² = var(signal) / (var(signal) + σ²/P). That r is also the ceiling a perfect model can reach.
 */
import { UserFacingError } from '../types';
import { Rng } from './random';
import type { SentenceTable } from './table';

export interface SyntheticOptions {
  seed?: number;
  /** Correlation between the noise-free signal and the averaged response, in (0, 1]. Default 0.7. */
  targetR?: number;
  /** Default 6. */
  participants?: number;
}

export interface SyntheticTruth {
  source: 'synthetic';
  /** The known weights (one per feature) and the noise-free signal per sentence. */
  weights: Float64Array;
  signal: Float64Array;
  /** Participant noise SD. */
  noiseSd: number;
  /** Expected corr(signal, averaged response): the best held-out r any model can expect. */
  expectedR: number;
  /** Expected split-half (Spearman-Brown) reliability of the average: expectedR². */
  expectedReliability: number;
  table: SentenceTable;
}

/** features: [sentences × features] row-major. */
export function syntheticResponses(sentences: string[], features: { rows: number; cols: number; data: ArrayLike<number> }, options: SyntheticOptions = {}): SyntheticTruth {
  const { rows: S, cols: D } = features;
  if (S !== sentences.length) throw new UserFacingError(`Features are for ${S} sentences but ${sentences.length} sentences were given.`);
  const targetR = options.targetR ?? 0.7;
  if (!(targetR > 0 && targetR <= 1)) throw new UserFacingError('targetR must be in (0, 1].');
  const P = options.participants ?? 6;
  if (!Number.isInteger(P) || P < 1) throw new UserFacingError('participants must be a positive integer.');
  const rng = new Rng(options.seed ?? 0);
  const weights = new Float64Array(D);
  rng.fillNormal(weights, 1 / Math.sqrt(D));
  const signal = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let acc = 0;
    for (let j = 0; j < D; j++) acc += features.data[s * D + j] * weights[j];
    signal[s] = acc;
  }
  let m = 0;
  for (const v of signal) m += v / S;
  let varSignal = 0;
  for (const v of signal) varSignal += (v - m) ** 2 / S;
  if (!(varSignal > 0)) throw new UserFacingError('The features do not vary across sentences, so no synthetic signal can be made.');
  const noiseSd = Math.sqrt(P * varSignal * (1 / (targetR * targetR) - 1));
  const perParticipant = new Float64Array(S * P);
  const response = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (let p = 0; p < P; p++) {
      const v = signal[s] + noiseSd * rng.normal();
      perParticipant[s * P + p] = v;
      response[s] += v / P;
    }
  }
  return {
    source: 'synthetic',
    weights,
    signal,
    noiseSd,
    expectedR: targetR,
    expectedReliability: targetR * targetR,
    table: {
      source: 'synthetic',
      roi: 'synthetic',
      sentences: [...sentences],
      itemIds: sentences.map((_, i) => String(i + 1)),
      conditions: sentences.map(() => 'B'),
      response,
      participants: Array.from({ length: P }, (_, p) => `synthetic-${p + 1}`),
      perParticipant,
    },
  };
}
