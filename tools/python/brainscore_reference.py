#!/usr/bin/env python3
"""
An independent reimplementation of Brain-Score's vision recipes (numpy / scipy / scikit-learn), to check
Silico's benchmark definitions against. It receives only model features (one .npy per layer, written by the
Node side) and reads the neural data itself from the shared data folder; it gets no split indices, no unit
selection and no intermediate numbers from Silico, and shares no code with it.

Recipes (brain-score/vision, as summarised in shared/reference/brainscore-protocols.md):
- cowley: regression predictivity. sklearn PLSRegression(n_components=25, scale=False) (or Ridge with
  --method ridge-alpha1: Brain-Score's Ridge(alpha=1)); 10 splits, train 0.9, ShuffleSplit(random_state=seed)
  (Cowley's images have no object labels, so Brain-Score's stratification falls back to ShuffleSplit);
  Pearson r per neuroid on the held-out images; median over neuroids per split; mean over splits,
  error = std / sqrt(splits). Ceiling: internal consistency over 10 ShuffleSplit(train_size=0.5,
  random_state=seed) halves of the repetitions, Pearson per neuroid, Spearman-Brown (n = 2), median over
  neuroids, mean over splits. Cowley's repetitions are NaN-padded: a half is the nan-mean of its valid
  repetitions and an image without a valid repetition in either half is left out of that neuroid's
  correlation. Ceiled = r^2 / ceiling (Brain-Score's explained_variance since PR #2169).
- coggan: Coggan2024_fMRI. Units with zero variance dropped; units kept when |mean over the 24 conditions| >
  3.1 x the std of the unit means; each kept unit z-scored over conditions; model RSM = np.corrcoef over
  conditions. Score = mean over subjects of Pearson between the off-diagonal cells of the model RSM and the
  subject's RSM; ceiling = mean over subjects of each subject vs the mean RSM of the other subjects;
  ceiled = (raw / ceiling)^2, clipped to [0, 1].

Features folder: index.json {"images": [names in row order], "layers": [{"layer": name, "file": "x.npy"}]} and
one float32 .npy per layer, [images, ...] (flattened per image here). Rows are matched to the data by image
name (file stem), so the row order the Node side chose does not matter.

Usage:
  brainscore_reference.py cowley --features DIR --data SHARED/data/vision/cowley2023-v4 --session 210325 [--seed 1] [--method pls] [--raw-features]
  brainscore_reference.py coggan --features DIR --data SHARED/data/vision/coggan2024-fmri
Prints JSON: {"ceiling": ..., "layers": {layer: {region: {"raw", "sem", "ceiling", "ceiled"}}}}.
"""
import argparse
import json
import os
import sys
import warnings
import zipfile

import numpy as np
from scipy.stats import pearsonr
from sklearn.cross_decomposition import PLSRegression
from sklearn.linear_model import Ridge
from sklearn.model_selection import ShuffleSplit


def stem(name):
    base = os.path.basename(str(name))
    return base.rsplit('.', 1)[0] if '.' in base else base


def read_features(folder):
    with open(os.path.join(folder, 'index.json')) as f:
        index = json.load(f)
    images = [stem(n) for n in index['images']]
    for entry in index['layers']:
        x = np.load(os.path.join(folder, entry['file']))
        yield entry['layer'], images, x.reshape(x.shape[0], -1)


def align(features, feature_images, data_images):
    """Rows of `features` in the data's image order (matched by name)."""
    row = {n: i for i, n in enumerate(feature_images)}
    missing = [n for n in data_images if n not in row]
    if missing:
        raise SystemExit(f'features lack {len(missing)} images, e.g. {missing[:3]}')
    return features[[row[n] for n in data_images]]


def pearson_per_column(a, b):
    """scipy Pearson r per column over the rows where both are finite (NaN when fewer than 3 or constant)."""
    out = np.full(a.shape[1], np.nan)
    for j in range(a.shape[1]):
        ok = np.isfinite(a[:, j]) & np.isfinite(b[:, j])
        if ok.sum() >= 3 and np.std(a[ok, j]) > 0 and np.std(b[ok, j]) > 0:
            out[j] = pearsonr(a[ok, j], b[ok, j])[0]
    return out


# ---------------------------------------------------------------- Cowley 2023 V4: regression + internal consistency

def internal_consistency(raw, seed, splits=10):
    """raw: [neuroids, images, repetitions] (NaN-padded). Mean over splits of the median Spearman-Brown-corrected r."""
    reps = raw.shape[2]
    per_split = []
    for a, b in ShuffleSplit(n_splits=splits, train_size=0.5, random_state=seed).split(np.arange(reps)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RuntimeWarning)  # nanmean of an image with no valid repetition in a half
            half_a = np.nanmean(raw[:, :, a], axis=2).T  # images x neuroids
            half_b = np.nanmean(raw[:, :, b], axis=2).T
        r = pearson_per_column(half_a, half_b)
        corrected = 2 * r / (1 + r)
        per_split.append(np.nanmedian(corrected))
    return float(np.mean(per_split))


def row_space(x):
    """
    The features in an orthonormal basis of their row space: x @ Q with x.T = Q R (QR), i.e. R.T, [images, images].
    Exact for PLS and ridge predictions when there are more features than images: every weight vector either fit
    finds lies in the span of the (training) images' feature vectors, and the basis spans all images, so train and
    held-out predictions are unchanged (to rounding). Only for speed (full layers have up to 10^5 features).
    """
    if x.shape[1] <= x.shape[0]:
        return x
    r = np.linalg.qr(x.T, mode='r')
    return r.T


def regression_score(x, y, seed, method, splits=10):
    per_split = []
    for train, test in ShuffleSplit(n_splits=splits, train_size=0.9, random_state=seed).split(x):
        if method == 'pls':
            model = PLSRegression(n_components=25, scale=False)
        else:
            model = Ridge(alpha=1.0)
        model.fit(x[train], y[train])
        pred = model.predict(x[test])
        per_split.append(np.nanmedian(pearson_per_column(pred, y[test])))
    per_split = np.array(per_split)
    return float(per_split.mean()), float(per_split.std() / np.sqrt(len(per_split)))


def cowley(args):
    folder = args.data
    with zipfile.ZipFile(os.path.join(folder, f'images_{args.session}.zip')) as z:
        names = sorted(n for n in z.namelist() if n.lower().endswith(('.jpg', '.jpeg', '.png')))
    images = [stem(n) for n in names]  # the zip's images are in response order (shared/README.md)
    avg = np.load(os.path.join(folder, f'responses_avg_{args.session}.npy'))  # neuroids x images
    raw = np.load(os.path.join(folder, f'responses_raw_{args.session}.npy'))  # neuroids x images x repetitions
    assert avg.shape[1] == len(images), (avg.shape, len(images))
    y = avg.T.astype(np.float64)
    ceiling = internal_consistency(raw, args.seed)
    layers = {}
    for layer, feature_images, x in read_features(args.features):
        x = align(x, feature_images, images).astype(np.float64)
        features = x.shape[1]
        if not args.raw_features:
            x = row_space(x)
        r, sem = regression_score(x, y, args.seed, args.method)
        layers[layer] = {'V4': {'raw': r, 'sem': sem, 'ceiling': ceiling, 'ceiled': r * r / ceiling}}
        print(f'{layer}: r {r:.4f} ± {sem:.4f}, ceiled {r * r / ceiling:.4f} ({features} features)', file=sys.stderr)
    return {'ceiling': {'V4': ceiling}, 'layers': layers}


# ---------------------------------------------------------------- Coggan 2024 fMRI: unit selection, RSM, subjects

def off_diagonal(m):
    return m[~np.eye(m.shape[0], dtype=bool)]


def model_rsm(patterns):
    """patterns: conditions x units."""
    patterns = patterns[:, patterns.std(axis=0) != 0]
    means = patterns.mean(axis=0)
    keep = np.abs(means) > 3.1 * means.std()
    if not keep.any():
        raise ValueError('no unit passes the 3.1 x std selection')
    kept = patterns[:, keep]
    z = (kept - kept.mean(axis=0)) / kept.std(axis=0)
    return np.corrcoef(z), int(keep.sum())


def coggan(args):
    with open(os.path.join(args.data, 'rsm.json')) as f:
        data = json.load(f)
    images = [stem(n) for n in data['stimulus_ids']]
    regions = {k: np.asarray(v, dtype=np.float64) for k, v in data['regions'].items()}  # subjects x 24 x 24
    ceilings = {}
    for region, rsms in regions.items():
        per = []
        for s in range(rsms.shape[0]):
            rest = np.delete(rsms, s, axis=0).mean(axis=0)
            per.append(pearsonr(off_diagonal(rsms[s]), off_diagonal(rest))[0])
        ceilings[region] = float(np.mean(per))
    layers = {}
    for layer, feature_images, x in read_features(args.features):
        x = align(x, feature_images, images).astype(np.float64)
        try:
            rsm, units = model_rsm(x)
        except ValueError as e:
            print(f'{layer}: {e}', file=sys.stderr)
            continue
        layers[layer] = {}
        for region, rsms in regions.items():
            scores = [pearsonr(off_diagonal(rsms[s]), off_diagonal(rsm))[0] for s in range(rsms.shape[0])]
            raw = float(np.mean(scores))
            ceiled = float(np.clip((raw / ceilings[region]) ** 2, 0, 1))
            layers[layer][region] = {'raw': raw, 'sem': float(np.std(scores, ddof=1) / np.sqrt(len(scores))), 'ceiling': ceilings[region], 'ceiled': ceiled, 'units': units}
    return {'ceiling': ceilings, 'layers': layers}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('dataset', choices=['cowley', 'coggan'])
    p.add_argument('--features', required=True)
    p.add_argument('--data', required=True)
    p.add_argument('--session', default='210325')
    p.add_argument('--seed', type=int, default=1, help="random_state of the splits and ceiling halves (Brain-Score's: 1)")
    p.add_argument('--method', choices=['pls', 'ridge-alpha1'], default='pls')
    p.add_argument('--raw-features', action='store_true', help='fit on the features as they are (no exact row-space basis; slow for full layers)')
    args = p.parse_args()
    out = cowley(args) if args.dataset == 'cowley' else coggan(args)
    json.dump(out, sys.stdout, allow_nan=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
