/** MajajHong2015 (dicarlo.MajajHong2015public.{V4,IT}-pls): 8°, repetition-averaged, stratified by object. Needs a BrainIO bundle. */
import type { BenchmarkDefinition } from './types';

const make = (region: 'V4' | 'IT'): BenchmarkDefinition => ({
  id: `MajajHong2015public.${region}-pls`,
  family: 'MajajHong2015',
  version: 1,
  brainScoreId: `dicarlo.MajajHong2015public.${region}-pls`,
  region,
  brainRegion: region,
  bundle: /majajhong2015/i,
  recipe: { kind: 'regression', method: 'pls', nComponents: 25 },
  splits: { kind: 'stratified-shuffle', by: 'object_name', splits: 10, trainSize: 0.9, seed: 1 },
  ceiling: { kind: 'internal-consistency', splits: 10, seed: 1 },
  normalisation: { formula: 'r2-over-ceiling', clip: false },
  placement: { mode: 'brainscore', visualDegrees: 8, modelDegrees: 8 },
  selection: { kind: 'stimulus-halves', seed: 1, stratifyBy: 'object_name' },
  citation: 'Majaj, N. J., Hong, H., Solomon, E. A., & DiCarlo, J. J. (2015). J. Neurosci. 35(39).',
  differences: [
    "Splits and ceiling halves are scikit-learn's with random_state=1 (NumPy's legacy generator reproduced, index for index).",
    'Brain-Score commits layers on these public benchmarks and scores the private split; Silico commits on half of the stimuli of the bundle it has.',
    'Brain-Score reduces each layer to 1000 PCA components fitted on ImageNet images before committing; Silico fits on the full (or pooled) layer.',
  ],
});

export const MAJAJHONG2015: BenchmarkDefinition[] = [make('V4'), make('IT')];
