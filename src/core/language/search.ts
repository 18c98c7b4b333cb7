/**
 * Finding sentences that drive or suppress the (predicted) language-network response, as in
 * Tuckute et al. 2024:
 *  1. `rankPool`: rank a large pool of existing sentences by the encoding model's prediction.
 *  2. `runSearch`: a generative beam search that edits sentences (seeded word substitutions),
 *     scores them through a caller-supplied `scoreSentences` (the model + encoding model; no ORT here),
 *     rejects disfluent ones (mean surprisal above a limit), and keeps a leaderboard. Its state is
 *     plain JSON, so a search can be stopped (AbortSignal), stored, and resumed bit-exactly.
 */
import { UserFacingError, CancelledError, type ProgressFn } from '../types';
import { Rng, type RngState } from './random';

export type Direction = 'drive' | 'suppress';

export interface RankedSentence {
  sentence: string;
  prediction: number;
  /** Index in the pool. */
  index: number;
}

export interface PoolFilters {
  minWords?: number;
  maxWords?: number;
  /** Sentences to leave out (e.g. the training set); compared case- and whitespace-insensitively. */
  excludeSet?: Iterable<string>;
}

export function wordCount(sentence: string): number {
  const t = sentence.trim();
  return t ? t.split(/\s+/).length : 0;
}

/** Case/whitespace-insensitive identity of a sentence. */
export function sentenceKey(sentence: string): string {
  return sentence.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Top `topK` pool sentences by prediction, highest first (drive) and lowest first (suppress). */
export function rankPool(
  predictions: ArrayLike<number>,
  sentences: string[],
  filters: PoolFilters = {},
  topK = 10,
): { drive: RankedSentence[]; suppress: RankedSentence[]; eligible: number } {
  if (predictions.length !== sentences.length) throw new UserFacingError(`Got ${predictions.length} predictions for ${sentences.length} sentences.`);
  const exclude = new Set([...(filters.excludeSet ?? [])].map(sentenceKey));
  const seen = new Set<string>();
  const eligible: RankedSentence[] = [];
  sentences.forEach((sentence, index) => {
    const words = wordCount(sentence);
    const key = sentenceKey(sentence);
    if (!Number.isFinite(predictions[index])) return;
    if (filters.minWords !== undefined && words < filters.minWords) return;
    if (filters.maxWords !== undefined && words > filters.maxWords) return;
    if (exclude.has(key) || seen.has(key)) return;
    seen.add(key);
    eligible.push({ sentence, prediction: predictions[index], index });
  });
  const sorted = [...eligible].sort((a, b) => b.prediction - a.prediction || a.index - b.index);
  return {
    drive: sorted.slice(0, topK),
    suppress: sorted.slice().reverse().slice(0, topK).sort((a, b) => a.prediction - b.prediction || a.index - b.index),
    eligible: eligible.length,
  };
}

/** What the caller's scorer returns per sentence. `surprisal`: mean bits per token (fluency). */
export interface SentenceScore {
  prediction: number;
  surprisal: number;
}

export type SentenceScorer = (sentences: string[], signal?: AbortSignal) => Promise<SentenceScore[]>;

export interface ScoredSentence extends SentenceScore {
  sentence: string;
  /** Iteration that produced it (0 = seed). */
  iteration: number;
}

/** Makes one edited variant of a sentence, or null when it cannot. Must use only `rng` for randomness. */
export type Proposer = (sentence: string, rng: Rng) => string | null;

/** Replaces one random word with a random word of the vocabulary (keeps the edited word's trailing punctuation). */
export function wordSubstitutionProposer(vocabulary: string[]): Proposer {
  const words = [...new Set(vocabulary.map((w) => w.trim()).filter(Boolean))];
  if (!words.length) throw new UserFacingError('The substitution vocabulary is empty.');
  return (sentence, rng) => {
    const tokens = sentence.trim().split(/\s+/);
    if (!tokens[0]) return null;
    const i = rng.int(tokens.length);
    const m = /^(.*?)([.,;:!?"')]*)$/.exec(tokens[i])!;
    let replacement = words[rng.int(words.length)];
    if (i === 0 && /^[A-Z]/.test(m[1])) replacement = replacement.charAt(0).toUpperCase() + replacement.slice(1);
    tokens[i] = replacement + m[2];
    return tokens.join(' ');
  };
}

/** Words of a sentence pool (lower-cased, punctuation stripped), most frequent first, for substitutions. */
export function vocabularyFromPool(sentences: string[], minCount = 1): string[] {
  const counts = new Map<string, number>();
  for (const s of sentences) {
    for (const raw of s.split(/\s+/)) {
      const w = raw.replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, '').toLowerCase();
      if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
}

export interface SearchConfig {
  direction: Direction;
  /** Starting sentences (e.g. the top of `rankPool`). */
  seeds: string[];
  /** Sentences kept and edited each iteration. Default 8. */
  beamWidth?: number;
  /** New variants per beam sentence per iteration. Default 8. */
  proposalsPerSentence?: number;
  /** Fluency constraint: candidates above this mean surprisal (bits/token) are rejected. Default none. */
  maxSurprisal?: number;
  /** Default 20. */
  leaderboardSize?: number;
  seed?: number;
}

export interface SearchState {
  config: Required<Omit<SearchConfig, 'maxSurprisal'>> & { maxSurprisal: number | null };
  /** Completed iterations (0 = seeds scored). */
  iteration: number;
  rng: RngState;
  beam: ScoredSentence[];
  /** Best fluent sentences found so far, best first. */
  leaderboard: ScoredSentence[];
  /** Keys of every sentence scored, so none is scored twice. */
  seen: string[];
  scored: number;
  rejectedDisfluent: number;
}

export function createSearchState(config: SearchConfig): SearchState {
  if (config.direction !== 'drive' && config.direction !== 'suppress') throw new UserFacingError('Search direction must be "drive" or "suppress".');
  const seeds = config.seeds.map((s) => s.trim()).filter(Boolean);
  if (!seeds.length) throw new UserFacingError('The search needs at least one seed sentence.');
  const full = {
    direction: config.direction,
    seeds,
    beamWidth: config.beamWidth ?? 8,
    proposalsPerSentence: config.proposalsPerSentence ?? 8,
    leaderboardSize: config.leaderboardSize ?? 20,
    seed: config.seed ?? 0,
    maxSurprisal: config.maxSurprisal ?? null,
  };
  for (const k of ['beamWidth', 'proposalsPerSentence', 'leaderboardSize'] as const) {
    if (!Number.isInteger(full[k]) || full[k] < 1) throw new UserFacingError(`${k} must be a positive integer.`);
  }
  return { config: full, iteration: -1, rng: new Rng(full.seed).state(), beam: [], leaderboard: [], seen: [], scored: 0, rejectedDisfluent: 0 };
}

export interface RunSearchOptions {
  /** Iterations to run in this call (default 10). */
  iterations?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Called after each completed iteration with the new state (e.g. to persist it or update a plot). */
  onIteration?: (state: SearchState) => void;
}

/** Better-first comparison for the search direction. */
function better(direction: Direction): (a: ScoredSentence, b: ScoredSentence) => number {
  return direction === 'drive' ? (a, b) => b.prediction - a.prediction : (a, b) => a.prediction - b.prediction;
}

/**
 * Runs up to `iterations` iterations from `state` and returns the new state (the input is not mutated).
 * When `signal` aborts, the current iteration is dropped and the last completed state is returned with
 * `stopped: true`; pass that state back in later to resume.
 */
export async function runSearch(
  state: SearchState,
  scoreSentences: SentenceScorer,
  propose: Proposer,
  options: RunSearchOptions = {},
): Promise<{ state: SearchState; stopped: boolean }> {
  const iterations = options.iterations ?? 10;
  let current = structuredClone(state);
  for (let it = 0; it < iterations; it++) {
    if (options.signal?.aborted) return { state: current, stopped: true };
    options.onProgress?.({ done: it, total: iterations, phase: 'searching' });
    try {
      current = await step(current, scoreSentences, propose, options.signal);
    } catch (e) {
      if (e instanceof CancelledError || options.signal?.aborted) return { state: current, stopped: true };
      throw e;
    }
    options.onIteration?.(current);
  }
  options.onProgress?.({ done: iterations, total: iterations, phase: 'searching' });
  return { state: current, stopped: false };
}

async function step(prev: SearchState, scoreSentences: SentenceScorer, propose: Proposer, signal?: AbortSignal): Promise<SearchState> {
  const s = structuredClone(prev);
  const { config } = s;
  const rng = new Rng(s.rng);
  const seen = new Set(s.seen);
  const candidates: string[] = [];
  const add = (sentence: string | null) => {
    if (!sentence) return;
    const key = sentenceKey(sentence);
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push(sentence);
  };
  if (s.iteration < 0) config.seeds.forEach(add);
  else {
    for (const b of s.beam) {
      // A few extra attempts make up for proposals that repeat already scored sentences.
      for (let k = 0, made = 0; k < config.proposalsPerSentence * 3 && made < config.proposalsPerSentence; k++) {
        const before = candidates.length;
        add(propose(b.sentence, rng));
        if (candidates.length > before) made++;
      }
    }
  }
  const scores = candidates.length ? await scoreSentences(candidates, signal) : [];
  if (scores.length !== candidates.length) throw new Error(`scoreSentences returned ${scores.length} scores for ${candidates.length} sentences`);
  const iteration = s.iteration + 1;
  const scored = candidates.map((sentence, i) => ({ sentence, iteration, prediction: scores[i].prediction, surprisal: scores[i].surprisal }));
  const limit = config.maxSurprisal;
  const fluent = scored.filter((c) => Number.isFinite(c.prediction) && (limit === null || c.surprisal <= limit));
  const cmp = better(config.direction);
  // Seeds stay in the beam even if disfluent (so the search can start); edits must be fluent.
  const pool = s.iteration < 0 ? scored.filter((c) => Number.isFinite(c.prediction)) : [...s.beam, ...fluent];
  s.beam = pool.sort(cmp).slice(0, config.beamWidth);
  s.leaderboard = [...s.leaderboard, ...fluent].sort(cmp).slice(0, config.leaderboardSize);
  s.rejectedDisfluent += scored.length - fluent.length;
  s.scored += scored.length;
  s.seen = [...seen];
  s.rng = rng.state();
  s.iteration = iteration;
  return s;
}
