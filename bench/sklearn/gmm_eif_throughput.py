"""scikit-learn side of bench/gmm-eif-throughput.ts: the same rows (float32 file), the same work, timed.

GaussianMixture: BIC over k = 1..10 (covariance_type 'full', defaults otherwise) on the first `fit_rows` rows of
a seeded permutation, score_samples on all rows; IsolationForest (defaults) fit and score_samples on all rows, as
the axis-parallel counterpart of eif (scikit-learn has no extended forest). Prints one JSON object.
"""
import json, sys, time
import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.mixture import GaussianMixture

path, rows, cols, fit_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(path, dtype=np.float32).reshape(rows, cols).astype(np.float64)
sub = X[np.random.default_rng(0).permutation(rows)[:fit_rows]]


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, {'wall': time.perf_counter() - w, 'cpu': time.process_time() - c}


def bic_search():
    fits = [GaussianMixture(n_components=k, random_state=0).fit(sub) for k in range(1, 11)]
    bics = [m.bic(sub) for m in fits]
    return fits[int(np.argmin(bics))]


gm, gm_fit = timed(bic_search)
_, gm_score = timed(lambda: gm.score_samples(X))
iso, iso_fit = timed(lambda: IsolationForest(random_state=0).fit(X))
_, iso_score = timed(lambda: iso.score_samples(X))
print(json.dumps({'sklearn': sklearn.__version__, 'gmm': {'fit': gm_fit, 'score': gm_score, 'components': gm.n_components},
                  'iforest': {'fit': iso_fit, 'score': iso_score}}))
