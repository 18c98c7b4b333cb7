/** Kriegeskorte et al. 2008, 92 images: generic RDM benchmark on IT (not on Brain-Score). One RDM each, so no ceiling. */
import type { BenchmarkDefinition } from './types';

const make = (region: 'IT (monkey)' | 'IT (human)', id: string): BenchmarkDefinition => ({
  id,
  family: 'Kriegeskorte2008',
  version: 1,
  region,
  brainRegion: 'IT',
  bundle: /^kriegeskorte2008-92/,
  recipe: { kind: 'rdm', comparison: 'spearman' },
  splits: { kind: 'none' },
  ceiling: { kind: 'none', reason: 'One group-level RDM: no between-subject ceiling (Brain-Score\'s rsa_ceiling needs subjects).' },
  normalisation: { formula: 'none', clip: false },
  placement: {
    mode: 'center-crop',
    modelDegrees: 8,
    note: 'The shared data do not state one visual-degree size for both species, so the model preset (centre crop) is used.',
  },
  selection: { kind: 'stimulus-halves', seed: 1, stratifyBy: 'category' },
  citation: 'Kriegeskorte, N., et al. (2008). Neuron 60(6). Images from Kiani et al. 2007.',
  differences: ['Not on Brain-Score: Brain-Score\'s generic RDM recipe (1 − Pearson, Spearman on the upper triangle) applied to it; raw Spearman only.'],
});

export const KRIEGESKORTE2008: BenchmarkDefinition[] = [make('IT (monkey)', 'Kriegeskorte2008.IT-rdm'), make('IT (human)', 'Kriegeskorte2008.IT_human-rdm')];
