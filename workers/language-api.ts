/** What crosses between the Language page and its worker (structured-clone friendly). */
import type { LayerInfo } from '../src/core/types';

export type LmChoice = { kind: 'builtin'; size: 'tiny' | 'mini' | 'small' } | { kind: 'cached'; id: string; name: string };

export interface LmSummary {
  name: string;
  /** Layers offered for the sweep (residual stream per block, embedding, final norm). */
  layers: LayerInfo[];
  untrained: boolean;
  parameters?: number;
  /** True when the cache supplied a tokenizer with the model. */
  tokenizerIncluded: boolean;
  backend: string;
}

export interface TokenizerSummary {
  name: string;
  vocabSize: number;
  /** How "The quick brown fox" tokenizes, to show the tokenizer works. */
  example: string[];
}

export interface TableSummary {
  name: string;
  sentences: number;
  participants: number;
  rois: string[];
  roi: string;
  synthetic: boolean;
  /** One line on how the data were made (shown with synthetic data). */
  note: string;
  ceiling: { value: number; low?: number; high?: number } | null;
  preview: { sentence: string; response: number }[];
}

export interface LayerScore {
  tensor: string;
  label: string;
  r: number;
  sem: number;
  alpha: number;
}

export interface SweepResult {
  layers: LayerScore[];
  ceiling: { value: number; low?: number; high?: number } | null;
  best: string;
}

export interface EncodingSummary {
  layer: string;
  label: string;
  alpha: number;
  heldOutR: number;
  sentences: number;
}

export interface PoolFilters {
  minWords: number;
  maxWords: number;
  /** Leave out sentences that are in the training table (only novel sentences). */
  novelOnly: boolean;
}

export interface ScoredSentence {
  sentence: string;
  prediction: number;
  /** Mean surprisal per token (bits). */
  surprisal: number;
  words: number;
  novel: boolean;
}

export interface PoolRanking {
  scored: ScoredSentence[];
  drive: ScoredSentence[];
  suppress: ScoredSentence[];
  kept: number;
  /** Predictions of the training sentences (for reference in the distribution). */
  trainingRange: [number, number];
}

export interface SearchOptionsUi {
  direction: 'drive' | 'suppress';
  steps: number;
  /** Fluency constraint: maximum mean surprisal (bits per token). */
  maxSurprisal: number;
  seed: number;
}

export interface SearchStatus {
  step: number;
  steps: number;
  running: boolean;
  leaderboard: ScoredSentence[];
  evaluated: number;
  direction: 'drive' | 'suppress';
  finished: boolean;
}
