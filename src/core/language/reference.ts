/**
 * Published reference numbers shown beside the lab's own (small constants with their provenance; the data
 * themselves are never bundled).
 */

/**
 * Tuckute et al. 2024 (Nat. Hum. Behav.), SI 6 (`gpt2xl_layer_scores_SI6.csv`, lang_LH_netw): GPT2-XL last-token
 * states, ridge (RidgeCV) fit on 4 participants' responses to the 1,000 baseline sentences, Pearson r with the
 * held-out 5th participant; mean over the 5 held-out participants per layer (0 = embedding … 48). Noise ceiling of
 * that target ≈ 0.559. tests/unit/language-benchmarks.test.ts checks these against the CSV.
 */
export const TUCKUTE_GPT2XL_LAYER_R: readonly number[] = [
  0.1095, 0.1668, 0.1671, 0.1688, 0.1706, 0.1756, 0.1788, 0.1801, 0.1777, 0.1782, 0.1785, 0.1818, 0.1787, 0.181, 0.1859, 0.1894, 0.1951, 0.1969, 0.1997,
  0.2017, 0.2011, 0.2024, 0.2045, 0.1997, 0.2001, 0.1958, 0.1879, 0.1858, 0.1884, 0.1851, 0.1849, 0.1853, 0.1847, 0.1857, 0.186, 0.1854, 0.1852, 0.1857,
  0.1864, 0.1878, 0.1889, 0.1907, 0.193, 0.1895, 0.1884, 0.1792, 0.1773, 0.1771, 0.1765,
];
export const TUCKUTE_GPT2XL_NOISE_CEILING = 0.559;
export const TUCKUTE_REFERENCE_LABEL = 'Tuckute 2024 GPT2-XL (SI 6, held-out participant)';

/** Paper / Brain-Score numbers for the 1,000 baseline sentences (5-participant average), for the results table. */
export const TUCKUTE_PAPER = {
  gpt2xlR: 0.38,
  noiseCeiling: 0.56,
  brainScoreOpenaiGpt: 0.337,
} as const;
