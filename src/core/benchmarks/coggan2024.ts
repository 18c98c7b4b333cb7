/** Coggan & Tong 2024 fMRI (tong.Coggan2024_fMRI.{V1,V2,V4,IT}-rdm, Brain-Score version 2). */
import type { BenchmarkDefinition } from './types';

const make = (region: 'V1' | 'V2' | 'V4' | 'IT'): BenchmarkDefinition => ({
  id: `Coggan2024.${region}-rdm`,
  family: 'Coggan2024',
  version: 1,
  brainScoreId: `tong.Coggan2024_fMRI.${region}-rdm`,
  region,
  brainRegion: region,
  bundle: /^coggan2024-fmri/,
  recipe: { kind: 'coggan2024-rsa' },
  splits: { kind: 'none' },
  ceiling: { kind: 'leave-one-subject-out' },
  normalisation: { formula: 'squared-ratio', clip: true },
  placement: { mode: 'brainscore', visualDegrees: 9, modelDegrees: 8 },
  selection: { kind: 'subject-halves', seed: 1 },
  citation: 'Coggan, D. D., & Tong, F. (2024). Evidence of strong amodal completion in both early and high-level visual cortices.',
  differences: [
    'Layer commitment: Brain-Score scores the layer committed on MajajHong2015/FreemanZiemba2013 public data; Silico, lacking those here, chooses it on half of the subjects and reports the others.',
    "The ceiling formula is the benchmark's own (raw / ceiling)², clipped to [0, 1]: Brain-Score's PR #2169 did not change Coggan2024's ceiler.",
  ],
});

export const COGGAN2024: BenchmarkDefinition[] = [make('V1'), make('V2'), make('V4'), make('IT')];
