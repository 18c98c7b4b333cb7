/**
 * Benchmarks as versioned definitions (Brain-Score style). A definition fixes everything that decides a
 * number: the metric recipe, the splits and their seed, the ceiling and its normalisation formula, and how
 * images are placed in the model's field of view. Its `version` changes whenever any of that changes
 * (tests/unit/benchmarks-definitions.test.ts pins a fingerprint of each definition to its version).
 */

/** How a raw score is divided by its ceiling. */
export type CeilingFormula = 'r2-over-ceiling' | 'squared-ratio' | 'ratio' | 'none';

export const CEILING_FORMULAS: Record<CeilingFormula, { label: string; source: string }> = {
  'r2-over-ceiling': {
    label: 'r² / ceiling',
    source: "Brain-Score's explained_variance since PR #2169 (commit e376e306, 2026-01-13): the current convention",
  },
  'squared-ratio': {
    label: '(r / ceiling)²',
    source: 'Brain-Score 2.0 explained_variance before 2026 (published leaderboard numbers), and the Coggan2024_fMRI ceiler',
  },
  ratio: { label: 'r / ceiling', source: 'early Brain-Score; RSA ceilings (metrics/rsa_ceiling)' },
  none: { label: 'raw (no ceiling)', source: 'no noise ceiling available' },
};

export interface Normalisation {
  formula: CeilingFormula;
  /** Clip the ceiled score to [0, 1] (Brain-Score's bound_score, used by Coggan2024_fMRI). */
  clip: boolean;
}

export type Recipe =
  | {
      kind: 'regression';
      method: 'pls' | 'ridge';
      /** PLS: sklearn PLSRegression(n_components, scale=False). */
      nComponents?: number;
      /** Ridge: one alpha (sklearn Ridge) or a grid chosen by leave-one-out (sklearn RidgeCV, one alpha for all neuroids). */
      alphas?: number | readonly number[];
      /** Per split: Pearson r per neuroid on held-out stimuli, median over neuroids; mean over splits, error = std(ddof 0) / √splits. */
    }
  | {
      /** Brain-Score Coggan2024_fMRI: unit selection |mean| > 3.1·std, z-score, Pearson RSM, off-diagonal Pearson per subject, mean over subjects. */
      kind: 'coggan2024-rsa';
    }
  | {
      /** Generic RDM benchmark: RDM = 1 − Pearson, compared on the upper triangle. */
      kind: 'rdm';
      comparison: 'spearman' | 'pearson' | 'kendall';
    };

export type SplitSpec =
  | { kind: 'stratified-shuffle'; by: string; splits: number; trainSize: number; seed: number }
  | { kind: 'shuffle'; splits: number; trainSize: number; seed: number }
  | { kind: 'none' };

export type CeilingSpec =
  /** Brain-Score internal consistency: repetition halves, Pearson, Spearman-Brown, median over neuroids, mean over splits. */
  | { kind: 'internal-consistency'; splits: number; seed: number }
  /** Each subject vs the mean of the other subjects (Coggan2024 get_ceiling). */
  | { kind: 'leave-one-subject-out' }
  /** Brain-Score rsa_ceiling: mean Spearman of each subject's RDM with the mean RDM of all subjects. */
  | { kind: 'rsa-ceiling' }
  /** A published ceiling (when the bundle has no repetitions). */
  | { kind: 'given'; value: number; source: string }
  | { kind: 'none'; reason: string };

export interface Placement {
  /**
   * 'brainscore': place_on_screen (benchmark_helpers/screen.py) — the image spans `visualDegrees` inside the
   * model's `modelDegrees` field: ratio ≥ 1 pastes it centred on a gray canvas, ratio < 1 centre-crops; then
   * a square resize (no crop). 'center-crop': Silico's model preset (e.g. shorter side 256, centre crop 224).
   */
  mode: 'brainscore' | 'center-crop';
  /** The stimuli's size in visual degrees (brainscore mode). */
  visualDegrees?: number;
  /** The model's field of view in degrees; Brain-Score's default is 8. */
  modelDegrees: number;
  note?: string;
}

export interface LayerSelection {
  /**
   * 'stimulus-halves': choose the layer on a seeded (stratified) half of the stimuli, report on the other
   * half. 'subject-halves': choose on half of the subjects, report on the others (the model RSM stays whole).
   */
  kind: 'stimulus-halves' | 'subject-halves';
  seed: number;
  /** Stimulus label to stratify the halves by, when present. */
  stratifyBy?: string;
}

export interface BenchmarkDefinition {
  /** e.g. "Coggan2024.V1-rdm". */
  id: string;
  family: string;
  version: number;
  /** Brain-Score's identifier, when Brain-Score has this benchmark. */
  brainScoreId?: string;
  /** Region name in the bundle. */
  region: string;
  /** Brain region the layer is committed for (V1, V2, V4, IT). */
  brainRegion: 'V1' | 'V2' | 'V4' | 'IT';
  /** Bundle ids this definition scores (regex on the bundle id). */
  bundle: RegExp;
  recipe: Recipe;
  splits: SplitSpec;
  ceiling: CeilingSpec;
  normalisation: Normalisation;
  placement: Placement;
  selection: LayerSelection;
  citation: string;
  /** Where Silico's computation still differs from Brain-Score's, in plain words. */
  differences: string[];
}

/** What a score carries so it can be traced back to the exact computation. */
export interface ScoreProvenance {
  benchmark: string;
  version: number;
  brainScoreId?: string;
  recipe: string;
  ceiling: string;
  formula: string;
  clipped: boolean;
  splits: string;
  featureReduction: string;
  placement: string;
  layerChoice: string;
  appVersion: string;
}
