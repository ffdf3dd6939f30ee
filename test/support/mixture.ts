/** Seeded samples from known Gaussian mixtures, for the gmm detector's tests and its scikit-learn reference. */
import { Rng } from '../../src/engine/rng.js';

export interface MixtureSpec {
  /** Rows per component. */
  sizes: number[];
  means: number[][];
  /** Lower-triangular factors L (row-major d x d): a component's rows are mean + L e, e ~ N(0, I). */
  factors: number[][];
}

/**
 * Three well-separated 2-d components of 150, 100 and 50 rows with different, correlated covariances: EM
 * reaches the same optimum from any sensible start for K <= 3 (the reference case of test/detectors/gmm.test.ts).
 */
export const THREE_BLOBS: MixtureSpec = {
  sizes: [150, 100, 50],
  means: [[0, 0], [8, 1], [2, 9]],
  factors: [[1, 0, 0.6, 0.8], [0.5, 0, -0.3, 1.2], [0.7, 0, 0, 0.4]],
};

/** Rows of the mixture in component order, every value rounded to float32 (so float64 references see the same numbers). */
export function sampleMixture(spec: MixtureSpec, seed: number): { data: Float32Array; rows: number; cols: number } {
  const r = new Rng(seed), d = spec.means[0].length, rows = spec.sizes.reduce((a, b) => a + b, 0);
  const x = new Float32Array(rows * d);
  let i = 0;
  spec.sizes.forEach((n, c) => {
    const L = spec.factors[c], mu = spec.means[c];
    for (let t = 0; t < n; t++, i++) {
      const e = Array.from({ length: d }, () => r.normal());
      for (let a = 0; a < d; a++) {
        let v = mu[a];
        for (let b = 0; b <= a; b++) v += L[a * d + b] * e[b];
        x[i * d + a] = v;
      }
    }
  });
  return { data: x, rows, cols: d };
}
