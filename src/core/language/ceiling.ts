/**
 * Noise ceiling of participant-averaged sentence responses: split the participants (not the trials)
 * into two random halves, average each half per sentence, correlate the halves across sentences,
 * Spearman-Brown correct to the full set of participants; repeat over many seeded splits and average.
 *
 * The result estimates the reliability of the averaged response, i.e. the correlation expected between
 * two independent groups of this many participants. A perfect model's expected Pearson r with the data is
 * sqrt(reliability); we report both.
 */
import { UserFacingError } from '../types';
import { splitHalfReliability } from '../metrics/ceiling';
import { mean, std } from '../metrics/stats';
import { Rng } from './random';
import type { SentenceTable } from './table';

export interface ParticipantCeiling {
  /** Spearman-Brown corrected split-half reliability, mean over splits. */
  reliability: number;
  /** sqrt(max(reliability, 0)): the highest r a noise-free model can expect. */
  maxR: number;
  /** SD of the corrected value over splits. */
  sd: number;
  perSplit: number[];
  participants: number;
}

export interface CeilingOptions {
  /** Default 200. */
  splits?: number;
  seed?: number;
}

export function participantNoiseCeiling(table: Pick<SentenceTable, 'sentences' | 'participants' | 'perParticipant'>, options: CeilingOptions = {}): ParticipantCeiling {
  const S = table.sentences.length;
  const P = table.participants.length;
  if (P < 2) throw new UserFacingError('A noise ceiling needs responses from at least 2 participants.', 'The table needs a participant column (target_UID).');
  if (S < 3) throw new UserFacingError('A noise ceiling needs at least 3 sentences.');
  const splits = options.splits ?? 200;
  const rng = new Rng(options.seed ?? 0);
  // The same participant permutation for every sentence: halves are groups of participants.
  const orders = Array.from({ length: splits }, () => {
    const perm = rng.permutation(P);
    return Array.from({ length: S }, () => perm);
  });
  // [neuroids=1, stimuli=S, repeats=P] is exactly the sentence × participant matrix.
  const result = splitHalfReliability({ neuroids: 1, stimuli: S, repeats: P, data: table.perParticipant }, { orders });
  const perSplit = result.perSplit.map((r) => r[0]);
  const finite = perSplit.filter(Number.isFinite);
  if (!finite.length) throw new UserFacingError('The noise ceiling is undefined: too few sentences were seen by participants of both halves.');
  const reliability = mean(finite);
  return { reliability, maxR: Math.sqrt(Math.max(reliability, 0)), sd: finite.length > 1 ? std(finite) : 0, perSplit, participants: P };
}
