/**
 * A fitted one-class SVM as a kernel expansion f(x) = sum_j coef_j exp(-gamma ||x - v_j||^2) - rho: the support
 * vectors of the exact solver, or the landmarks of the Nystroem solver (its linear weights folded back onto the
 * landmarks), so both are saved and scored the same way. Kernel values are computed in float64.
 */

export interface KernelExpansion {
  /** Expansion rows (support vectors or landmarks), row-major, float32 (copies of preprocessed rows). */
  vectors: Float32Array;
  count: number;
  cols: number;
  coef: Float64Array;
  rho: number;
  gamma: number;
}

/** gamma = 'scale': 1 / (d var(X)) over all entries of X (scikit-learn's default; 1 when X is constant). */
export function scaleGamma(x: ArrayLike<number>, rows: number, cols: number): number {
  const n = rows * cols;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  v /= n;
  return v !== 0 ? 1 / (cols * v) : 1;
}

const BLOCK = 64;

/** Decision values f(x) for row-major rows of x (positive inside the learned support, negative outside). */
export function decisionValues(m: KernelExpansion, x: ArrayLike<number>, rows: number, out = new Float64Array(rows)): Float64Array {
  const { vectors: v, count, cols, coef, gamma, rho } = m;
  // Rows in blocks, so each expansion row is read once per block from cache rather than once per row.
  const acc = new Float64Array(BLOCK);
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    acc.fill(0);
    for (let j = 0; j < count; j++) {
      const vo = j * cols, c = coef[j];
      if (c === 0) continue;
      for (let r = r0; r < r1; r++) {
        const xo = r * cols;
        let s = 0;
        for (let k = 0; k < cols; k++) { const d = x[xo + k] - v[vo + k]; s += d * d; }
        acc[r - r0] += c * Math.exp(-gamma * s);
      }
    }
    for (let r = r0; r < r1; r++) out[r] = acc[r - r0] - rho;
  }
  return out;
}
