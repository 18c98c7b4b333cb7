/** What crosses between the Language page and its worker (structured-clone friendly). */
import type { LayerInfo } from '../src/core/types';

export type LmChoice = { kind: 'glove' } | { kind: 'builtin'; size: 'tiny' | 'mini' | 'small' } | { kind: 'cached'; id: string; name: string };

/** Which fluency measure the lab uses (pool surprisal column, search filter), and why. */
export interface FluencyInfo {
  /** 'lm': surprisal of a trained language model; 'proxy': a named proxy (no trained LM loaded). */
  kind: 'lm' | 'proxy';
  /** Short name shown beside numbers, e.g. "GPT-2 surprisal (bits/token)". */
  label: string;
  /** Unit of the numbers. */
  unit: string;
  /** One line on what it is and what it is not. */
  note: string;
  /** A sensible default limit for the search filter. */
  defaultMax: number;
}

export interface LmSummary {
  name: string;
  /** Layers offered for the sweep (residual stream per block, embedding, final norm). */
  layers: LayerInfo[];
  untrained: boolean;
  parameters?: number;
  /** True when a tokenizer is ready with the model (cached with it, or GPT-2's built-in one). */
  tokenizerIncluded: boolean;
  /** False for models that read words, not tokens (glove). */
  needsTokenizer?: boolean;
  backend: string;
  /** Honest one-line description (e.g. "trained word vectors, no word order"). */
  description?: string;
  fluency?: FluencyInfo;
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
  /** How the scores were computed (splits, regression), one line. */
  recipe?: string;
  /** A published per-layer curve to overlay (x = relative depth 0…1), when the data are the paper's. */
  reference?: { label: string; note: string; r: number[] } | null;
}

/** Response vs the model's own fluency measure and vs sentence properties (Tuckute et al. 2024, Fig. 4). */
export interface PropertyAnalysis {
  rows: { name: string; r: number; p: number; spearman: number; n: number; source: 'model' | 'table' }[];
  /** The model fluency measure per sentence, for the scatter. */
  fluency: { label: string; values: number[]; response: number[] };
}

export interface LocalizerSummary {
  layer: string;
  sentences: number;
  nonwords: number;
  units: number;
  selective: number;
  meanSelectiveT: number;
  /** Pearson r over units between the localizer t and the encoding model's standardized weight. */
  weightCorrelation: number | null;
  /** Held-out r of an encoding model restricted to the selective units vs all units (same splits). */
  selectiveR: number | null;
  allR: number | null;
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
  /** Fluency constraint: maximum of the fluency measure (LmSummary.fluency); null = no filter. */
  maxSurprisal: number | null;
  seed: number;
}

export interface SearchStatus {
  /** Best and mean prediction of the leaderboard after each step (step 0 = seeds). */
  history?: { step: number; best: number; mean: number }[];
  /** The fluency constraint in force, stated (absent in runs saved before it existed). */
  fluency?: string;
  rejectedDisfluent?: number;
  /** Unit of the leaderboard's fluency numbers ("bits/token", "bits/word"). */
  fluencyUnit?: string;
  step: number;
  steps: number;
  running: boolean;
  leaderboard: ScoredSentence[];
  evaluated: number;
  direction: 'drive' | 'suppress';
  finished: boolean;
}
