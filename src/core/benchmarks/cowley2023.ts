/** Cowley et al. 2023 macaque V4 (Utah arrays). Not a Brain-Score benchmark: Brain-Score's regression recipe applied to it. */
import type { BenchmarkDefinition } from './types';

const common = {
  family: 'Cowley2023',
  region: 'V4',
  brainRegion: 'V4' as const,
  bundle: /^cowley2023-v4-/,
  // Cowley's images carry no object labels, so Brain-Score's fallback applies: ShuffleSplit.
  splits: { kind: 'shuffle' as const, splits: 10, trainSize: 0.9, seed: 1 },
  ceiling: { kind: 'internal-consistency' as const, splits: 10, seed: 1 },
  normalisation: { formula: 'r2-over-ceiling' as const, clip: false },
  placement: {
    mode: 'center-crop' as const,
    modelDegrees: 8,
    note: "The shared data do not state the images' visual degrees, so Silico's model preset (centre crop) is used.",
  },
  selection: { kind: 'stimulus-halves' as const, seed: 1 },
  citation: 'Cowley, B. R., et al. (2023). Compact deep neural network models of visual cortex. bioRxiv.',
};

const shared = [
  'Not on Brain-Score: the recipe is Brain-Score\'s, the data set is not.',
  "Splits and ceiling halves are scikit-learn's with random_state=1 (NumPy's legacy generator reproduced); layer commitment halves use Silico's generator.",
  "Cowley's repetitions are NaN-padded: a stimulus without a valid repetition in a half is left out of that neuron's correlation (scipy.pearsonr in Brain-Score would give NaN).",
];

export const COWLEY2023: BenchmarkDefinition[] = [
  {
    ...common,
    id: 'Cowley2023.V4-pls',
    version: 1,
    recipe: { kind: 'regression', method: 'pls', nComponents: 25 },
    differences: shared,
  },
  {
    ...common,
    id: 'Cowley2023.V4-ridge',
    version: 1,
    recipe: { kind: 'regression', method: 'ridge' },
    differences: [...shared, 'Ridge alpha chosen per split by leave-one-out over 10^-3…10^8 (sklearn RidgeCV, one alpha for all neuroids); Brain-Score\'s "ridge" is Ridge(alpha=1).'],
  },
];
