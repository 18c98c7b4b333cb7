#!/usr/bin/env python3
"""Independent reference for Silico's microstimulation experiment (numpy, scikit-learn, scipy; no Silico code).

Two commands:
  make-model OUT.onnx        writes a small convolutional graph with seeded weights (python3-onnx):
                             input [N,3,32,32] -> Conv 3x3/2 (3->16) -> Relu = "act" (the stimulated layer)
                             -> Conv 1x1 (16->8) -> Relu -> GlobalAveragePool -> Flatten = "readout"
  compute SPEC.json          recomputes, from the model's weights and the trial images only, the stimulation
                             effect: current -> activated radius -> per-site delta (in units of each site's
                             response SD over the decoder's trials) added to "act", the readout, an L2 logistic
                             decoder (StandardScaler + LogisticRegression(C)), the psychometric fit
                             (scipy.optimize.curve_fit) and the shift of the 50 % point. Prints JSON.
                             With "readout": "pool" in the spec, the decoder reads the stimulated layer itself:
                             the spatial mean of act + delta per channel (Silico's POOL_READOUT).
"""
import json
import sys

import numpy as np

RNG_SEED = 20060801


def weights():
    rng = np.random.default_rng(RNG_SEED)
    w1 = rng.normal(0, 0.25, (16, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(0, 0.1, 16).astype(np.float32)
    w2 = rng.normal(0, 0.35, (8, 16, 1, 1)).astype(np.float32)
    b2 = rng.normal(0, 0.05, 8).astype(np.float32)
    return w1, b1, w2, b2


def make_model(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w1, b1, w2, b2 = weights()
    nodes = [
        helper.make_node('Conv', ['input', 'w1', 'b1'], ['conv1'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node('Relu', ['conv1'], ['act']),
        helper.make_node('Conv', ['act', 'w2', 'b2'], ['conv2'], kernel_shape=[1, 1]),
        helper.make_node('Relu', ['conv2'], ['relu2']),
        helper.make_node('GlobalAveragePool', ['relu2'], ['gap']),
        helper.make_node('Flatten', ['gap'], ['readout'], axis=1),
    ]
    graph = helper.make_graph(
        nodes, 'stim_reference',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3, 32, 32])],
        [helper.make_tensor_value_info('readout', TensorProto.FLOAT, ['N', 8])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, 'w1'), (b1, 'b1'), (w2, 'w2'), (b2, 'b2'))],
        value_info=[helper.make_tensor_value_info('act', TensorProto.FLOAT, ['N', 16, 16, 16])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='silico-stim-reference')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def conv3x3s2(x, w, b):
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = h // 2, wd // 2
    out = np.zeros((n, w.shape[0], oh, ow), np.float64)
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + 2 * oh:2, j:j + 2 * ow:2]  # [n, c, oh, ow]
            out += np.einsum('nchw,oc->nohw', patch, w[:, :, i, j].astype(np.float64))
    return out + b[None, :, None, None]


def act_of(x, w1, b1):
    return np.maximum(conv3x3s2(x.astype(np.float64), w1, b1), 0)


def readout_of(act, delta, w2, b2, pool=False):
    if pool:
        return (act + delta[None, :, None, None]).mean(axis=(2, 3))
    z = np.einsum('nchw,oc->nohw', act + delta[None, :, None, None], w2[:, :, 0, 0].astype(np.float64)) + b2[None, :, None, None]
    return np.maximum(z, 0).mean(axis=(2, 3))


def spread(xs, ys, site, current, freq, dur, k=675.0, edge=0.1, amp=1.0):
    r = np.sqrt(current / k)
    d = np.hypot(xs - xs[site], ys - ys[site])
    peak = amp * (freq * dur / 1000.0) / 10.0 if current > 0 else 0.0
    return peak * np.where(d <= r, 1.0, np.exp(-0.5 * ((d - r) / edge) ** 2))


def compute(spec_path):
    from scipy.optimize import curve_fit
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    spec = json.load(open(spec_path))
    w1, b1, w2, b2 = weights()
    size = spec['size']
    dec_x = np.fromfile(spec['decoderInputs'], np.float32).reshape(-1, 3, size, size)
    task_x = np.fromfile(spec['taskInputs'], np.float32).reshape(-1, 3, size, size)
    dec_y = np.array(spec['decoderIsFace'], int)
    dec_act = act_of(dec_x, w1, b1)
    task_act = act_of(task_x, w1, b1)
    site_sd = dec_act.mean(axis=(2, 3)).std(axis=0)  # unit of stimulation: response SD over the task images
    zero = np.zeros(dec_act.shape[1])
    pool = spec.get('readout') == 'pool'
    dec_features = readout_of(dec_act, zero, w2, b2, pool)
    scaler = StandardScaler().fit(dec_features)
    clf = LogisticRegression(C=spec['C'], tol=1e-12, max_iter=100000).fit(scaler.transform(dec_features), dec_y)
    face = np.array(spec['taskIsFace'], bool)
    level = np.array(spec['taskSignal'], float)
    signed = np.where(face, level, -level)
    levels = np.unique(signed)

    def x50(p):
        pts = np.array([p[signed == l].mean() for l in levels])
        f = lambda x, a, kk: 1 / (1 + np.exp(-kk * (x - a)))
        lin = np.polyfit(levels, pts, 1)[0]
        p0 = [float(np.clip(levels.mean() + (0.5 - pts.mean()) / lin, -500, 500)), 4 * lin] if abs(lin) > 1e-6 else [0.0, 0.05]
        (a, kk), _ = curve_fit(f, levels, pts, p0=p0, bounds=([-500, -10], [500, 10]), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100000)
        return a, kk, pts.tolist()

    def p_face(delta):
        return clf.predict_proba(scaler.transform(readout_of(task_act, delta, w2, b2, pool)))[:, 1]

    base = p_face(zero)
    b50, bk, bpts = x50(base)
    xs, ys = np.array(spec['xMm']), np.array(spec['yMm'])
    shifts = []
    for site in spec['sites']:
        delta = spread(xs, ys, site, spec['currentUa'], spec['frequencyHz'], spec['durationMs']) * site_sd
        shifts.append(b50 - x50(p_face(delta))[0])
    print(json.dumps({'baselineX50': b50, 'baselineSlope': bk, 'baselinePoints': bpts, 'shifts': shifts, 'siteSd': site_sd.tolist(), 'basePFace': base.tolist()}))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'make-model':
        make_model(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == 'compute':
        compute(sys.argv[2])
    else:
        sys.exit(__doc__)
