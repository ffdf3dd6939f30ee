"""Scores of scikit-learn's isolation forest and PCA reconstruction on the splits that
bench/sklearn-reference.ts exported (see there). Writes <stem>.<model>.f64 (float64 test scores, higher =
more anomalous) and <stem>.<model>.time.json per split, and reference.json describing the models.
Usage: python3 bench/sklearn/reference.py <dir>"""
import glob
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

MODELS = {
    'iforest': 'IsolationForest(n_estimators=100, max_samples="auto", random_state=seed): scikit-learn defaults; score = -score_samples',
    'pca': 'PCA(n_components=0.95, svd_solver="full") fitted on the fitted rows; score = squared reconstruction error of the row',
}


def minmax(fit, other):
    lo, hi = fit.min(axis=0), fit.max(axis=0)
    rng = hi - lo
    def scale(a):
        d = a - lo
        safe = np.where(rng > 0, rng, 1.0)
        return np.where(rng > 0, d / safe, np.sign(d))
    return scale(fit), scale(other)


def main(d):
    xs = {}
    for meta_file in sorted(glob.glob(os.path.join(d, '*.json'))):
        if meta_file.endswith('reference.json') or '.time.json' in meta_file:
            continue
        meta = json.load(open(meta_file))
        name, stem = meta['dataset'], meta_file[:-5]
        if name not in xs:
            xs[name] = np.fromfile(os.path.join(d, f'{name}.x.f32'), dtype=np.float32).reshape(-1, meta['cols']).astype(np.float64)
        x = xs[name]
        fit_idx = np.fromfile(stem + '.fit.i32', dtype=np.int32)
        test_idx = np.fromfile(stem + '.test.i32', dtype=np.int32)
        for model in MODELS:
            t0 = time.perf_counter()
            xf, xt = minmax(x[fit_idx], x[test_idx])
            if model == 'iforest':
                m = IsolationForest(n_estimators=100, random_state=meta['seed']).fit(xf)
                t1 = time.perf_counter()
                scores = -m.score_samples(xt)
            else:
                m = PCA(n_components=0.95, svd_solver='full').fit(xf)
                t1 = time.perf_counter()
                rec = m.inverse_transform(m.transform(xt))
                scores = ((xt - rec) ** 2).sum(axis=1)
            t2 = time.perf_counter()
            scores.astype(np.float64).tofile(f'{stem}.{model}.f64')
            json.dump({'fit': t1 - t0, 'total': t2 - t0}, open(f'{stem}.{model}.time.json', 'w'))
        print(stem, file=sys.stderr)
    json.dump({'sklearn': sklearn.__version__, 'models': MODELS}, open(os.path.join(d, 'reference.json'), 'w'))


if __name__ == '__main__':
    main(sys.argv[1])
