/**
 * Published Brain-Score numbers for reference models, shown BESIDE live results and never mixed with them.
 * Each entry names its source and date; these models' weights are not available to Silico.
 */
export interface PublishedScore {
  model: string;
  /** Brain region (V1, V2, V4, IT) or a benchmark id. */
  target: string;
  ceiled: number;
  source: string;
  date: string;
  formula: string;
}

const LEADERBOARD = {
  source: 'Brain-Score vision public leaderboard (brain-score.org), region scores as quoted in the shared data README',
  date: 'before 2026-01-13 (exact retrieval date not recorded)',
  formula: '(r / ceiling)² (Brain-Score 2.0, before PR #2169)',
};

const COGGAN_TEST = {
  source: 'brain-score/vision benchmarks/coggan2024_fMRI/test.py (expected AlexNet scores)',
  date: '2024 (benchmark version 2)',
  formula: '(r / ceiling)², clipped to [0, 1]',
};

const rows = (model: string, v: [number, number, number, number], meta: typeof LEADERBOARD): PublishedScore[] =>
  (['V1', 'V2', 'V4', 'IT'] as const).map((target, i) => ({ model, target, ceiled: v[i], ...meta }));

export const PUBLISHED: readonly PublishedScore[] = [
  ...rows('AlexNet', [0.316, 0.353, 0.55, 0.508], LEADERBOARD),
  ...rows('ResNet-50', [0.278, 0.32, 0.602, 0.539], LEADERBOARD),
  ...rows('CORnet-S', [0.294, 0.218, 0.581, 0.541], LEADERBOARD),
  ...(['V1', 'V2', 'V4', 'IT'] as const).map((r, i) => ({ model: 'AlexNet', target: `Coggan2024.${r}-rdm`, ceiled: [0.0183, 0.3352, 0.3008, 0.4487][i], ...COGGAN_TEST })),
];
