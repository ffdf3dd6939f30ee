/**
 * Per-feature empirical CDFs for ECOD and COPOD: the training columns kept sorted, tail probabilities of a new
 * value by binary search, and the ways the two detectors combine the tails (see ecod/detector.ts and
 * copod/detector.ts for the papers and PyOD's implementations).
 *
 * A scored row counts as one more sample: F_left(v) = (#{x_i <= v} + 1) / (n + 1) and F_right(v) =
 * (#{x_i >= v} + 1) / (n + 1), what PyOD's decision_function computes for a single new row (it appends the rows
 * it scores to the training data; ties take the largest ECDF value). So a row's score does not depend on the
 * other rows scored with it, and no tail probability is 0.
 */
import { SCALED_VALUE_LIMIT } from '../../data/preprocess.js';

export interface EcdfModel {
  rows: number;
  cols: number;
  /** cols x rows: each feature's training values, ascending. */
  sorted: Float32Array;
  /** Per feature: sample skewness (biased, scipy.stats.skew's default); 0 when the feature is (nearly) constant or symmetric. */
  skewness: Float64Array;
}

/**
 * How the tails combine; u_l = -log F_left, u_r = -log F_right, u_skew = u_l where skewness < 0, u_r where > 0,
 * u_l + u_r where 0 (PyOD's sign arithmetic):
 * - ecod: sum over features of max(u_l, u_r, u_skew) (PyOD's ECOD)
 * - copod: sum over features of max(u_skew, (u_l + u_r) / 2) (PyOD's COPOD)
 * - paper: max(sum u_l, sum u_r, sum u_auto), u_auto = u_l where skewness < 0 else u_r (the ECOD paper's
 *   Algorithm 1, and COPOD's)
 */
export type TailCombination = 'ecod' | 'copod' | 'paper';

/** |skewness| at or below this counts as 0 (symmetric): rounding must not pick a tail for symmetric data. */
const SYMMETRIC = 1e-10;

/** Sorts each feature's training values and computes its skewness (from the sorted values, as after loading). */
export function fitEcdf(x: Float32Array, rows: number, cols: number): EcdfModel {
  const sorted = new Float32Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const col = sorted.subarray(f * rows, (f + 1) * rows);
    for (let r = 0; r < rows; r++) col[r] = x[r * cols + f];
    col.sort();
  }
  return { rows, cols, sorted, skewness: columnSkewness(sorted, rows, cols) };
}

/** Biased sample skewness m3 / m2^1.5 of each sorted column; 0 when m2 vanishes against the mean (constant). */
export function columnSkewness(sorted: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let f = 0; f < cols; f++) {
    const col = sorted.subarray(f * rows, (f + 1) * rows);
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += col[r];
    mean /= rows;
    let m2 = 0, m3 = 0;
    for (let r = 0; r < rows; r++) { const d = col[r] - mean; m2 += d * d; m3 += d * d * d; }
    m2 /= rows; m3 /= rows;
    // scipy.stats.skew treats m2 <= (resolution x mean)^2 as a constant column (nan, which PyOD turns into 0).
    if (!(m2 > (1e-15 * mean) ** 2)) continue;
    const g = m3 / m2 ** 1.5;
    out[f] = Math.abs(g) <= SYMMETRIC ? 0 : g;
  }
  return out;
}

/** #{col[i] < v} in an ascending column (binary search). */
export function countBelow(col: Float32Array, v: number): number {
  let lo = 0, hi = col.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (col[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * #{col[i] <= v} given below = #{col[i] < v}: the end of the run of values equal to v, by galloping from its
 * start (one or two steps for continuous data, log of the run length for ties).
 */
export function countAtMost(col: Float32Array, v: number, below: number): number {
  const n = col.length;
  if (below >= n || col[below] !== v) return below;
  let lo = below + 1, step = 1;
  // Invariant: col[lo - 1] <= v. Double the step until a value above v (or the end) bounds the run.
  while (lo + step - 1 < n && col[lo + step - 1] <= v) { lo += step; step *= 2; }
  let hi = Math.min(n, lo + step - 1);
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (col[mid] <= v) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Rows per block: a block's values stay in cache while each feature's column is searched. */
const BLOCK = 1024;

/**
 * Scores of rows (higher = further in the tails). A value at +-SCALED_VALUE_LIMIT beyond the training range
 * (clamped: a million training ranges away) has tail probability 0 on that side, so the score is +Infinity,
 * which the detector contract saturates; elsewhere the (n + 1) rule bounds u by log(n + 1).
 */
export function ecdfScores(m: EcdfModel, combine: TailCombination, x: Float32Array, rows: number, cols: number): Float64Array {
  const n = m.rows, logN1 = Math.log(n + 1), out = new Float64Array(rows);
  const left = combine === 'paper' ? new Float64Array(rows) : null, right = left ? new Float64Array(rows) : null;
  for (let b = 0; b < rows; b += BLOCK) {
    const e = Math.min(rows, b + BLOCK);
    for (let f = 0; f < cols; f++) {
      const col = m.sorted.subarray(f * n, (f + 1) * n), sign = Math.sign(m.skewness[f]);
      const min = col[0], max = col[n - 1];
      for (let r = b; r < e; r++) {
        const v = x[r * cols + f];
        const below = countBelow(col, v);
        const ul = v < min && v <= -SCALED_VALUE_LIMIT ? Infinity : logN1 - Math.log(countAtMost(col, v, below) + 1);
        const ur = v > max && v >= SCALED_VALUE_LIMIT ? Infinity : logN1 - Math.log(n - below + 1);
        if (combine === 'paper') {
          left![r] += ul; right![r] += ur; out[r] += sign < 0 ? ul : ur;
          continue;
        }
        const uskew = sign < 0 ? ul : sign > 0 ? ur : ul + ur;
        out[r] += combine === 'ecod' ? Math.max(ul, ur, uskew) : Math.max(uskew, (ul + ur) / 2);
      }
    }
  }
  if (left && right) for (let r = 0; r < rows; r++) out[r] = Math.max(left[r], right[r], out[r]);
  return out;
}

/** Checks sorted columns read from a model file: finite and ascending. */
export function checkSortedColumns(sorted: Float32Array, rows: number, cols: number, what: string): void {
  for (let f = 0; f < cols; f++) {
    for (let r = 0; r < rows; r++) {
      const v = sorted[f * rows + r];
      if (!Number.isFinite(v)) throw new Error(`${what}: feature ${f} holds a non-finite value (${v})`);
      if (r > 0 && v < sorted[f * rows + r - 1]) throw new Error(`${what}: feature ${f}'s training values are not sorted at ${r}`);
    }
  }
}
