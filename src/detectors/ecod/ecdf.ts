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
  const sorted = new Float32Array(rows * cols), scratch = new Uint32Array(rows);
  for (let f = 0; f < cols; f++) {
    const col = sorted.subarray(f * rows, (f + 1) * rows);
    for (let r = 0; r < rows; r++) col[r] = x[r * cols + f];
    sortFloat32(col, scratch);
  }
  return { rows, cols, sorted, skewness: columnSkewness(sorted, rows, cols) };
}

/**
 * Sorts a in place into TypedArray.prototype.sort's order (-0 before +0), by a least-significant-digit radix sort
 * on the float bits mapped to order-preserving unsigned keys: three passes of 11, 11 and 10 bits, linear in the
 * rows (the comparison sort took ~80 ms per 200,000 values, most of an ECOD fit). scratch: at least a.length.
 * Arrays holding NaN, and short ones, go to the built-in sort.
 */
export function sortFloat32(a: Float32Array, scratch: Uint32Array = new Uint32Array(a.length)): void {
  const n = a.length;
  if (n < 256) { a.sort(); return; }
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) { a.sort(); return; }
  const bits = new Uint32Array(a.buffer, a.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    bits[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  const count = new Uint32Array(2048);
  let src = bits, dst = scratch.subarray(0, n);
  for (const [shift, width] of [[0, 11], [11, 11], [22, 10]]) {
    const mask = (1 << width) - 1;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i] >>> shift) & mask]++;
    let sum = 0;
    for (let d = 0; d <= mask; d++) { const c = count[d]; count[d] = sum; sum += c; }
    for (let i = 0; i < n; i++) { const k = src[i]; dst[count[(k >>> shift) & mask]++] = k; }
    const t = src; src = dst; dst = t;
  }
  // Three passes: the sorted keys are in scratch; map them back into a.
  for (let i = 0; i < n; i++) { const k = src[i]; bits[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0; }
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

/**
 * Rows per block. Each feature's values of a block are gathered into one contiguous buffer and looked up in one
 * pass, so the column and its index stay in cache for the whole block (with 1,024-row blocks every lookup was a
 * cache miss: ~0.5 us each at 200,000 x 50).
 */
const BLOCK = 65536;

/**
 * A search index over one sorted column: the range [min, max] cut into equal buckets, start[b] = #{col < edge b}.
 * A value's count below lies between its bucket's two starts, so the binary search runs over a few values
 * instead of the whole column (a bucket holds INDEX_ROWS_PER_BUCKET values on average). Exact: the same counts.
 */
export interface ColumnIndex { min: number; max: number; width: number; buckets: number; start: Int32Array }
const INDEX_ROWS_PER_BUCKET = 4;
const INDEX_MAX_BUCKETS = 1 << 16;

export function columnIndex(col: Float32Array): ColumnIndex {
  const n = col.length, min = col[0], max = col[n - 1];
  const buckets = max > min ? Math.max(1, Math.min(INDEX_MAX_BUCKETS, Math.floor(n / INDEX_ROWS_PER_BUCKET))) : 1;
  const width = (max - min) / buckets, start = new Int32Array(buckets + 1);
  // Edges min + b * width never decrease in b (rounding is monotone), so one merge pass finds every start.
  let i = 0;
  for (let b = 0; b < buckets; b++) {
    const edge = min + b * width;
    while (i < n && col[i] < edge) i++;
    start[b] = i;
  }
  start[buckets] = n;
  return { min, max, width, buckets, start };
}

/** #{col[i] < v} for a float32 value v, as countBelow, through the column's index. */
export function countBelowIndexed(col: Float32Array, ix: ColumnIndex, v: number): number {
  const out = new Int32Array(1);
  countsBelowIndexed(col, ix, Float32Array.of(v), 1, out);
  return out[0];
}

/** out[i] = #{col < values[i]} for i < count, through the column's index (one tight loop, nothing else in it). */
function countsBelowIndexed(col: Float32Array, ix: ColumnIndex, values: Float32Array, count: number, out: Int32Array): void {
  const { min, max, width, buckets, start } = ix, n = col.length, last = buckets - 1;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!(v > min)) { out[i] = 0; continue; } // also NaN, as countBelow
    if (v > max) { out[i] = n; continue; }
    let b = Math.min(last, Math.floor((v - min) / width));
    // The division may round across an edge: step to the bucket with edge b <= v < edge b + 1.
    while (b > 0 && v < min + b * width) b--;
    while (b < last && v >= min + (b + 1) * width) b++;
    let lo = start[b], hi = start[b + 1];
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (col[mid] < v) lo = mid + 1; else hi = mid; }
    out[i] = lo;
  }
}

/** Indexes built for a model's columns, kept while the model lives (not part of the model file). */
const indexes = new WeakMap<Float32Array, { columns: ColumnIndex[]; logs: Float64Array | null }>();
/** Most training rows for which scoring keeps a table of log(1..n+1) (8 bytes a row; beyond it, Math.log per value). */
const LOG_TABLE_MAX_ROWS = 1 << 22;

/**
 * The model's column indexes, and logs[k] = Math.log(k) for k <= n + 1: every tail probability's logarithm is the
 * log of a count plus one, so two Math.log calls per value become two table reads (the same numbers).
 */
function indexesOf(m: EcdfModel): { columns: ColumnIndex[]; logs: Float64Array | null } {
  let ix = indexes.get(m.sorted);
  if (!ix) {
    const columns = Array.from({ length: m.cols }, (_, f) => columnIndex(m.sorted.subarray(f * m.rows, (f + 1) * m.rows)));
    let logs: Float64Array | null = null;
    if (m.rows <= LOG_TABLE_MAX_ROWS) {
      logs = new Float64Array(m.rows + 2);
      for (let k = 0; k < logs.length; k++) logs[k] = Math.log(k);
    }
    ix = { columns, logs };
    indexes.set(m.sorted, ix);
  }
  return ix;
}

/**
 * Scores of rows (higher = further in the tails). A value at +-SCALED_VALUE_LIMIT beyond the training range
 * (clamped: a million training ranges away) has tail probability 0 on that side, so the score is +Infinity,
 * which the detector contract saturates; elsewhere the (n + 1) rule bounds u by log(n + 1).
 */
export function ecdfScores(m: EcdfModel, combine: TailCombination, x: Float32Array, rows: number, cols: number): Float64Array {
  const n = m.rows, logN1 = Math.log(n + 1), out = new Float64Array(rows);
  const left = combine === 'paper' ? new Float64Array(rows) : null, right = left ? new Float64Array(rows) : null;
  const { columns: index, logs } = indexesOf(m), values = new Float32Array(Math.min(rows, BLOCK)), belows = new Int32Array(values.length);
  for (let b = 0; b < rows; b += BLOCK) {
    const e = Math.min(rows, b + BLOCK);
    for (let f = 0; f < cols; f++) {
      const col = m.sorted.subarray(f * n, (f + 1) * n), sign = Math.sign(m.skewness[f]);
      const min = col[0], max = col[n - 1];
      for (let r = b; r < e; r++) values[r - b] = x[r * cols + f];
      countsBelowIndexed(col, index[f], values, e - b, belows);
      for (let r = b; r < e; r++) {
        const v = values[r - b], below = belows[r - b];
        const atMost = countAtMost(col, v, below);
        const ul = v < min && v <= -SCALED_VALUE_LIMIT ? Infinity : logN1 - (logs ? logs[atMost + 1] : Math.log(atMost + 1));
        const ur = v > max && v >= SCALED_VALUE_LIMIT ? Infinity : logN1 - (logs ? logs[n - below + 1] : Math.log(n - below + 1));
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
