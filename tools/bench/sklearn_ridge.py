"""Reference for `npm run bench` (b): scikit-learn ridge on the same features, responses and splits as silico.
Reads a JSON list of jobs on stdin, prints a JSON list of results (seconds exclude loading the .npy files).

job {"mode": "cv", "x": npy, "y": npy, "tests": [[test indices], ...], "alphas": [...]}
    RidgeCV per fold (leave-one-out alpha choice, shared alpha), Pearson r per neuroid on the held-out
    stimuli, median over neuroids, mean over folds -> {"seconds", "score"}
job {"mode": "fit", "x": npy, "y": npy, "alphas": [...]}
    one RidgeCV fit on all stimuli -> {"seconds", "alpha"}
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import RidgeCV


def pearson_columns(a, b):
    a = a - a.mean(0)
    b = b - b.mean(0)
    return (a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0))


def run(job):
    x = np.load(job["x"]).astype(np.float64)
    x = x.reshape(x.shape[0], -1)
    y = np.load(job["y"]).astype(np.float64)
    t0 = time.perf_counter()
    if job["mode"] == "fit":
        model = RidgeCV(alphas=job["alphas"]).fit(x, y)
        return {"seconds": time.perf_counter() - t0, "alpha": float(model.alpha_)}
    n = x.shape[0]
    scores = []
    for test in job["tests"]:
        test = np.asarray(test)
        train = np.setdiff1d(np.arange(n), test)
        model = RidgeCV(alphas=job["alphas"]).fit(x[train], y[train])
        scores.append(np.median(pearson_columns(model.predict(x[test]), y[test])))
    return {"seconds": time.perf_counter() - t0, "score": float(np.mean(scores))}


json.dump([run(job) for job in json.load(sys.stdin)], sys.stdout)
