/** FreemanZiemba2013 (movshon.FreemanZiemba2013public.{V1,V2}-pls): 4°, 50–200 ms, stratified by texture type. Needs a BrainIO bundle. */
import type { BenchmarkDefinition } from './types';

const make = (region: 'V1' | 'V2'): BenchmarkDefinition => ({
  id: `FreemanZiemba2013public.${region}-pls`,
  family: 'FreemanZiemba2013',
  version: 1,
  brainScoreId: `movshon.FreemanZiemba2013public.${region}-pls`,
  region,
  brainRegion: region,
  bundle: /freemanziemba2013/i,
  recipe: { kind: 'regression', method: 'pls', nComponents: 25 },
  splits: { kind: 'stratified-shuffle', by: 'texture_type', splits: 10, trainSize: 0.9, seed: 1 },
  ceiling: { kind: 'internal-consistency', splits: 10, seed: 1 },
  normalisation: { formula: 'r2-over-ceiling', clip: false },
  placement: { mode: 'brainscore', visualDegrees: 4, modelDegrees: 8 },
  selection: { kind: 'stimulus-halves', seed: 1, stratifyBy: 'texture_type' },
  citation: 'Freeman, J., Ziemba, C. M., et al. (2013). Nat. Neurosci. 16(7).',
  differences: [
    "Splits and ceiling halves are scikit-learn's with random_state=1 (NumPy's legacy generator reproduced, index for index).",
    'The bundle must hold responses already averaged over 50–200 ms (pack the BrainIO assembly with that time bin).',
  ],
});

export const FREEMANZIEMBA2013: BenchmarkDefinition[] = [make('V1'), make('V2')];
