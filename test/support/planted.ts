/** Synthetic data with planted anomalies, shared by the detectors' quality floors. */
import { Rng } from '../../src/engine/rng.js';

/**
 * Inliers on a 2-d plane in 8-d (x = A t, t uniform in [-1, 1]^2, A with orthonormal columns) plus N(0, 0.02^2)
 * noise per value; anomalies are inlier-like points (t from the same range) moved 0.5 along a direction
 * orthogonal to the plane. Training rows are inliers only (the benchmark protocol).
 */
export function planted(seed: number): { train: number[][]; test: number[][]; labels: number[] } {
  const rng = new Rng(seed), d = 8, sigma = 0.02, offset = 0.5;
  // Gram-Schmidt on random vectors: two columns spanning the plane, then the anomalies' directions.
  const basis: number[][] = [];
  while (basis.length < d) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (const b of basis) { const c = v.reduce((s, x, i) => s + x * b[i], 0); b.forEach((bi, i) => { v[i] -= c * bi; }); }
    const n = Math.hypot(...v);
    basis.push(v.map((x) => x / n));
  }
  const point = (anomaly: boolean) => {
    const t = [rng.range(-1, 1), rng.range(-1, 1)];
    // A random unit direction inside the plane's orthogonal complement.
    const u = basis.slice(2).map(() => rng.normal()), un = Math.hypot(...u);
    return Array.from({ length: d }, (_, i) => t[0] * basis[0][i] + t[1] * basis[1][i] + sigma * rng.normal()
      + (anomaly ? offset * u.reduce((s, c, k) => s + c * basis[k + 2][i], 0) / un : 0));
  };
  const train = Array.from({ length: 1000 }, () => point(false));
  const labels = Array.from({ length: 500 }, (_, i) => (i < 450 ? 0 : 1));
  return { train, test: labels.map((l) => point(l === 1)), labels };
}

/** Seeded Gaussian blob in d dims plus `outliers` rows at radius [6, 8] in random directions (last rows). */
export function blob(n: number, outliers: number, d: number, seed: number): { x: Float32Array; labels: number[] } {
  const r = new Rng(seed), x = new Float32Array((n + outliers) * d), labels: number[] = [];
  for (let i = 0; i < n + outliers; i++) {
    const v = Array.from({ length: d }, () => r.normal());
    if (i >= n) {
      const norm = Math.hypot(...v), radius = 6 + 2 * r.uniform();
      for (let c = 0; c < d; c++) v[c] *= radius / norm;
    }
    x.set(v, i * d);
    labels.push(i >= n ? 1 : 0);
  }
  return { x, labels };
}

/**
 * Seeded N(0, I_d) inliers plus `outliers` rows (last) whose every coordinate is +-U(4, 6): beyond 4 in each
 * feature, where an inlier coordinate lies with probability 6.3e-5. For detectors that score features
 * separately (histograms, empirical CDFs), whose per-feature view is all they see.
 */
export function marginalBlob(n: number, outliers: number, d: number, seed: number): { x: Float32Array; labels: number[] } {
  const r = new Rng(seed), x = new Float32Array((n + outliers) * d), labels: number[] = [];
  for (let i = 0; i < n + outliers; i++) {
    for (let c = 0; c < d; c++) x[i * d + c] = i >= n ? (r.uniform() < 0.5 ? -1 : 1) * (4 + 2 * r.uniform()) : r.normal();
    labels.push(i >= n ? 1 : 0);
  }
  return { x, labels };
}
