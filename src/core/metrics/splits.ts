/**
 * Brain-Score's cross-validation splits (brain-score/vision `metric_helpers/transformations.py`, `Split`):
 * 10 shuffle splits with 90 % of the stimuli for training, stratified by object (scikit-learn's
 * `StratifiedShuffleSplit`) where the data name objects, else plain `ShuffleSplit`.
 *
 * The draws reproduce scikit-learn's with NumPy's legacy RandomState (numpy-random.ts): the same seed gives
 * the same splits index for index (n_train = ⌊train·n⌋, n_test = n − n_train; per class the counts of
 * `_approximate_mode`), checked against scikit-learn in tests/unit/metrics-brainscore.test.ts. Explicit
 * splits (`silico score --splits splits.json`) can still be passed.
 */
import { UserFacingError } from '../types';
import { NumpyRandomState } from './numpy-random';
import type { Split } from './crossval';

export interface ShuffleSplitOptions {
  /** Default 10 (Brain-Score). */
  splits?: number;
  /** Fraction of stimuli used for training; default 0.9 (Brain-Score). */
  trainSize?: number;
  /** Default 1 (Brain-Score's random_state; here it seeds Silico's generator). */
  seed?: number;
}

/** scikit-learn's `_validate_shuffle_split` sizes for a float train size and test_size=None. */
export function shuffleSplitSizes(n: number, trainSize = 0.9): { train: number; test: number } {
  if (!(trainSize > 0 && trainSize < 1)) throw new UserFacingError(`The training fraction must lie between 0 and 1, got ${trainSize}.`);
  // With test_size=None scikit-learn takes n_train = ⌊train·n⌋ and gives the rest to the test set.
  const train = Math.floor(trainSize * n);
  const test = n - train;
  if (train < 2 || test < 1) throw new UserFacingError(`${n} stimuli are too few for a ${Math.round(trainSize * 100)} % train split.`);
  return { train, test };
}

const sorted = (x: number[]) => x.sort((a, b) => a - b);

/** scikit-learn's `ShuffleSplit(n_splits, train_size, random_state=seed)`: test = perm[:n_test], train = perm[n_test:n_test + n_train]. */
export function shuffleSplits(n: number, options: ShuffleSplitOptions = {}): Split[] {
  const { train, test } = shuffleSplitSizes(n, options.trainSize ?? 0.9);
  const rng = new NumpyRandomState(options.seed ?? 1);
  return Array.from({ length: options.splits ?? 10 }, () => {
    const order = rng.permutation(n);
    return { test: sorted(order.slice(0, test)), train: sorted(order.slice(test, test + train)) };
  });
}

/**
 * scikit-learn's `_approximate_mode`: split `total` draws over classes in proportion to `counts`, floors
 * first, the remainder to the classes with the largest fractional parts (ties broken with rng.choice).
 */
export function approximateMode(counts: readonly number[], total: number, rng: NumpyRandomState): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const continuous = counts.map((c) => (c / sum) * total);
  const floored = continuous.map(Math.floor);
  let need = total - floored.reduce((a, b) => a + b, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const v of values) {
      const inds = remainder.map((r, i) => (r === v ? i : -1)).filter((i) => i >= 0);
      const add = Math.min(inds.length, need);
      // rng.choice(inds, add, replace=False) = inds[permutation(len(inds))[:add]] (legacy RandomState).
      for (const k of rng.permutation(inds.length).slice(0, add)) floored[inds[k]]++;
      need -= add;
      if (need === 0) break;
    }
  }
  return floored;
}

/** scikit-learn's `StratifiedShuffleSplit(n_splits, train_size, random_state=seed)` over `labels` (e.g. object names). */
export function stratifiedShuffleSplits(labels: readonly (string | number)[], options: ShuffleSplitOptions = {}): Split[] {
  const n = labels.length;
  const { train, test } = shuffleSplitSizes(n, options.trainSize ?? 0.9);
  // np.unique order: numeric when every label is a number, else by string.
  const numeric = labels.every((l) => typeof l === 'number');
  const keys = [...new Set(labels.map(String))];
  const classes = numeric ? keys.sort((a, b) => Number(a) - Number(b)) : keys.sort();
  const members = classes.map((c) => labels.map((l, i) => (String(l) === c ? i : -1)).filter((i) => i >= 0));
  const counts = members.map((m) => m.length);
  if (Math.min(...counts) < 2) throw new UserFacingError('Stratified splits need at least 2 stimuli of every class.');
  if (train < classes.length || test < classes.length) {
    throw new UserFacingError(`${n} stimuli in ${classes.length} classes are too few for stratified ${Math.round((options.trainSize ?? 0.9) * 100)} % splits.`);
  }
  const rng = new NumpyRandomState(options.seed ?? 1);
  return Array.from({ length: options.splits ?? 10 }, () => {
    const nTrain = approximateMode(counts, train, rng);
    const nTest = approximateMode(counts.map((c, i) => c - nTrain[i]), test, rng);
    const split: Split = { train: [], test: [] };
    members.forEach((m, k) => {
      const order = rng.permutation(m.length).map((j) => m[j]);
      split.train.push(...order.slice(0, nTrain[k]));
      split.test.push(...order.slice(nTrain[k], nTrain[k] + nTest[k]));
    });
    // scikit-learn shuffles both lists once more: the draws must be consumed.
    rng.permutation(split.train.length);
    rng.permutation(split.test.length);
    sorted(split.train);
    sorted(split.test);
    return split;
  });
}

/** Checks explicit splits (e.g. from scikit-learn) against the number of stimuli. */
export function validateSplits(splits: readonly Split[], n: number): Split[] {
  if (!splits.length) throw new UserFacingError('The split list is empty.');
  splits.forEach((s, k) => {
    const all = [...s.train, ...s.test];
    if (!s.train.length || !s.test.length) throw new UserFacingError(`Split ${k + 1} has an empty train or test set.`);
    if (all.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) throw new UserFacingError(`Split ${k + 1} has an index outside 0…${n - 1}.`);
    if (new Set(all).size !== all.length) throw new UserFacingError(`Split ${k + 1} lists a stimulus twice or in both train and test.`);
  });
  return splits.map((s) => ({ train: [...s.train], test: [...s.test] }));
}
