"""scikit-learn's side of bench/classical-throughput.ts: fits one estimator on the float32 matrix the
benchmark wrote and scores the same rows, timing each step. Usage:
  /usr/bin/python3 bench/sklearn/throughput.py <x.f32> <rows> <cols> <model> <seed> <scores.f64>
Prints {"fit": s, "score": s, "fitCpu": s, "scoreCpu": s, "sklearn": version, "estimator": text} as JSON on stdout
(wall and process CPU seconds); writes the scores
(higher = more anomalous) as float64 for the AUROC check."""
import json
import sys
import time

import numpy as np
import sklearn

path, rows, cols, model, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
x = np.fromfile(path, dtype=np.float32).reshape(rows, cols)


def minmax(a):
    lo, hi = a.min(axis=0), a.max(axis=0)
    return (a - lo) / np.where(hi > lo, hi - lo, 1)


t0, c0 = time.perf_counter(), time.process_time()
if model == 'iforest':
    from sklearn.ensemble import IsolationForest
    est = 'IsolationForest(n_estimators=100, random_state=seed), min-max scaled input (also the axis-parallel counterpart of eif: scikit-learn has no extended forest)'
    xs = minmax(x)
    m = IsolationForest(n_estimators=100, random_state=seed).fit(xs)
    t1, c1 = time.perf_counter(), time.process_time()
    s = -m.score_samples(xs)
elif model == 'pca':
    from sklearn.decomposition import PCA
    est = 'PCA(svd_solver="full"); score = sum of squared component scores over their variances (Mahalanobis)'
    xs = minmax(x)
    m = PCA(svd_solver='full').fit(xs)
    t1, c1 = time.perf_counter(), time.process_time()
    y = m.transform(xs)
    s = (y ** 2 / np.maximum(m.explained_variance_, 1e-10 * m.explained_variance_[0])).sum(axis=1)
elif model == 'knn':
    from sklearn.neighbors import NearestNeighbors
    est = 'NearestNeighbors(n_neighbors=5) (algorithm auto); score = distance to the 5th neighbour among the other rows'
    xs = minmax(x)
    m = NearestNeighbors(n_neighbors=6).fit(xs)
    t1, c1 = time.perf_counter(), time.process_time()
    d, _ = m.kneighbors(xs)
    s = d[:, 5]
elif model == 'lof':
    from sklearn.neighbors import LocalOutlierFactor
    est = 'LocalOutlierFactor(n_neighbors=20, novelty=True); score = -score_samples of the same rows'
    xs = minmax(x)
    m = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(xs)
    t1, c1 = time.perf_counter(), time.process_time()
    s = -m.score_samples(xs)
elif model == 'gmm':
    from sklearn.mixture import GaussianMixture
    est = 'GaussianMixture(k, covariance_type="full" where the subsample has at least 10 x features rows per component, else "diag" (as Aberrant\'s gmm), random_state=seed) for k = 1..10 on a seeded 10,000-row subsample, lowest BIC; score = -score_samples of every row'
    xs = minmax(x)
    sub = xs[np.random.default_rng(seed).permutation(rows)[:10000]]
    best = None
    for k in range(1, 11):
        kind = 'full' if len(sub) / k >= 10 * cols else 'diag'
        g = GaussianMixture(n_components=k, covariance_type=kind, random_state=seed).fit(sub)
        b = g.bic(sub)
        if best is None or b < best[0]:
            best = (b, g)
    m = best[1]
    t1, c1 = time.perf_counter(), time.process_time()
    s = -m.score_samples(xs)
elif model == 'ocsvm':
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import SGDOneClassSVM
    from sklearn.pipeline import make_pipeline
    est = 'Nystroem(gamma = 1 / (d var), scikit-learn\'s "scale", n_components=300) + SGDOneClassSVM(nu=0.5): scikit-learn\'s own large-data one-class SVM, with Aberrant\'s defaults (OneClassSVM\'s nu 0.5, 300 landmarks)'
    xs = minmax(x)
    m = make_pipeline(Nystroem(gamma=1.0 / (cols * xs.var()), n_components=300, random_state=seed), SGDOneClassSVM(nu=0.5, random_state=seed)).fit(xs)
    t1, c1 = time.perf_counter(), time.process_time()
    s = -m.decision_function(xs)
else:
    raise SystemExit(f'no scikit-learn counterpart for {model}')
t2, c2 = time.perf_counter(), time.process_time()
np.asarray(s, dtype=np.float64).tofile(out)
print(json.dumps({'fit': t1 - t0, 'score': t2 - t1, 'fitCpu': c1 - c0, 'scoreCpu': c2 - c1, 'sklearn': sklearn.__version__, 'estimator': est}))
