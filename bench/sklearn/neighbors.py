"""scikit-learn's side of bench/neighbors.ts: times PyOD-style KNN (NearestNeighbors) and LocalOutlierFactor
(novelty=True) on the float32 rows the TypeScript side wrote, and writes their scores for the comparison.
Wall and CPU seconds (all threads: time.process_time).
Usage: python3 bench/sklearn/neighbors.py <dir> <n> <n_test> <d> <knn_k> <lof_k>
Reads <dir>/train.f32 and <dir>/test.f32; writes <dir>/sklearn.json and <dir>/{knn,lof}.{train,test}.f64."""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors

d_, n, nt, d, knn_k, lof_k = sys.argv[1], *map(int, sys.argv[2:7])
# float64 as scikit-learn's default input (the values are the float32 ones, exactly).
train = np.fromfile(f'{d_}/train.f32', dtype=np.float32).reshape(n, d).astype(np.float64)
test = np.fromfile(f'{d_}/test.f32', dtype=np.float32).reshape(nt, d).astype(np.float64)
out = {'sklearn': sklearn.__version__}

# PyOD's KNN (method largest): fit = NearestNeighbors.fit + kneighbors of the training rows (decision_scores_);
# decision_function = kneighbors of the new rows.
t, c = time.perf_counter(), time.process_time()
nn = NearestNeighbors(n_neighbors=knn_k).fit(train)
s_train = nn.kneighbors(n_neighbors=knn_k)[0][:, -1]
fit, fit_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
s_test = nn.kneighbors(test, n_neighbors=knn_k)[0][:, -1]
out['knn'] = {'fitS': fit, 'scoreS': time.perf_counter() - t, 'fitCpuS': fit_cpu, 'scoreCpuS': time.process_time() - c, 'algorithm': nn._fit_method}
s_train.tofile(f'{d_}/knn.train.f64'); s_test.tofile(f'{d_}/knn.test.f64')

t, c = time.perf_counter(), time.process_time()
lof = LocalOutlierFactor(n_neighbors=lof_k, novelty=True).fit(train)
fit, fit_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
s_test = -lof.score_samples(test)
out['lof'] = {'fitS': fit, 'scoreS': time.perf_counter() - t, 'fitCpuS': fit_cpu, 'scoreCpuS': time.process_time() - c, 'algorithm': lof._fit_method}
(-lof.negative_outlier_factor_).tofile(f'{d_}/lof.train.f64'); s_test.tofile(f'{d_}/lof.test.f64')
json.dump(out, open(f'{d_}/sklearn.json', 'w'))
