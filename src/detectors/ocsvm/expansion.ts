/**
 * A fitted one-class SVM as a kernel expansion f(x) = sum_j coef_j exp(-gamma ||x - v_j||^2) - rho: the support
 * vectors of the exact solver, or the landmarks of the Nystroem solver (its linear weights folded back onto the
 * landmarks), so both are saved and scored the same way. Kernel values are computed in float64.
 */
import { kernels } from '../../engine/backend/index.js';
import { squaredDistancesInto } from '../../engine/backend/kernels.js';

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

/** Distances per block: at most this many float64 values (2 MiB), and at most 256 rows. */
const BLOCK_VALUES = 1 << 18;

export function blockRows(count: number): number { return Math.max(4, Math.min(256, Math.floor(BLOCK_VALUES / Math.max(1, count)))); }

/**
 * out[(r - r0) * count + j] = ||x_r - v_j||^2 in float64 for rows r0..r1-1 of x: the backend's squaredDistances64
 * for float32 rows (native: SIMD and threads, the same values), the reference loop for other arrays.
 */
export function blockDistances(x: ArrayLike<number>, r0: number, r1: number, cols: number, v: Float32Array, count: number, out: Float64Array): void {
  if (x instanceof Float32Array) kernels().squaredDistances64(r1 - r0, count, cols, x.subarray(r0 * cols, r1 * cols), v, out);
  else squaredDistancesInto(r1 - r0, count, cols, ArrayBuffer.isView(x) ? (x as Float64Array).subarray(r0 * cols, r1 * cols) : Array.prototype.slice.call(x, r0 * cols, r1 * cols) as number[], v, out);
}

/** Decision values f(x) for row-major rows of x (positive inside the learned support, negative outside). */
export function decisionValues(m: KernelExpansion, x: ArrayLike<number>, rows: number, out = new Float64Array(rows)): Float64Array {
  const { vectors: v, count, cols, coef, gamma, rho } = m;
  const block = blockRows(count), d2 = new Float64Array(Math.min(rows, block) * count);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    blockDistances(x, r0, r1, cols, v, count, d2);
    kernels().expAffine((r1 - r0) * count, -gamma, 0, d2, d2);
    for (let r = r0; r < r1; r++) {
      const o = (r - r0) * count;
      let acc = 0;
      for (let j = 0; j < count; j++) {
        const c = coef[j];
        if (c !== 0) acc += c * d2[o + j];
      }
      out[r] = acc - rho;
    }
  }
  return out;
}
