/**
 * Exact k-nearest-neighbour search (Euclidean) of query rows against reference rows, brute force in blocks.
 *
 * The heavy part goes through the engine's gemm: for a block of queries and a block of reference rows,
 * g = ||y||^2 - 2 x.y in float32 (one gemm on augmented rows [x, 1] and [-2y, ||y||^2]), so that
 * ||x - y||^2 ~ ||x||^2 + g. That expansion cancels badly for near rows, so it only decides which rows can be
 * neighbours: with E a rigorous bound on its float32 error (Higham's gamma_{d+1} over the absolute terms), a
 * reference row whose approximate distance exceeds the current k-th exact distance by more than E cannot
 * enter the k nearest. Every other row's squared distance is recomputed exactly, sum of (x_a - y_a)^2 in
 * float64 over a = 0..d-1, and kept in a sorted list of k per query. So the result is exactly the k smallest
 * (float64 distance, reference index) pairs, whatever the backend or its rounding: ties go to the lower
 * index, and a duplicate of a query at another index is a neighbour at distance 0 (scikit-learn's semantics).
 *
 * Memory: one queryBlock x refBlock float32 block plus the results (k per query); never n x n.
 * Cost: queries x reference x (d + 1) multiply-adds in gemm plus one comparison per pair in TypeScript.
 */
import { kernels } from '../engine/backend/index.js';

export interface Neighbors {
  /** Neighbours per query. */
  k: number;
  /** Reference row indices, [queries, k] row-major, nearest first (ties: lower index first). */
  indices: Int32Array;
  /** Euclidean distances in float64, [queries, k], ascending. */
  distances: Float64Array;
}

export interface SearchOptions {
  /**
   * The reference row each query must not count as its own neighbour (-1: none), e.g. the identity map when
   * the queries are the reference rows themselves (scikit-learn's kneighbors(X=None)). Only that index is
   * excluded: a duplicate of the row at another index is a neighbour at distance 0.
   */
  exclude?: Int32Array;
  /** Queries per gemm block (default 512). */
  queryBlock?: number;
  /** Reference rows per gemm block (default 2048). */
  refBlock?: number;
}

/** Default block sizes: a 512 x 2048 float32 block is 4 MiB. */
export const QUERY_BLOCK = 512;
export const REF_BLOCK = 2048;

/** Squared Euclidean distance of query row i and reference row j in float64, summed over a = 0..cols-1. */
export function exactSqDist(q: Float32Array, i: number, ref: Float32Array, j: number, cols: number): number {
  let s = 0;
  const qi = i * cols, rj = j * cols;
  for (let a = 0; a < cols; a++) { const v = q[qi + a] - ref[rj + a]; s += v * v; }
  return s;
}

/** The first j in [from, end) with g[offset + j] < limit (NaN never is), else end: the hot loop, kept tiny. */
function firstBelow(g: Float32Array, offset: number, from: number, end: number, limit: number): number {
  let j = from;
  while (j < end && !(g[offset + j] < limit)) j++;
  return j;
}

/** Identity exclusion map 0..n-1, for searching the reference rows among themselves. */
export function selfExclusion(n: number): Int32Array {
  const e = new Int32Array(n);
  for (let i = 0; i < n; i++) e[i] = i;
  return e;
}

function sqNorms(x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let a = 0; a < cols; a++) { const v = x[i * cols + a]; s += v * v; }
    out[i] = s;
  }
  return out;
}

/**
 * The k nearest reference rows of every query row (see the module comment). ref is [refRows, cols] and query
 * [queryRows, cols], both row-major float32; they may be the same array.
 */
export function kNearest(ref: Float32Array, refRows: number, query: Float32Array, queryRows: number, cols: number, k: number, o: SearchOptions = {}): Neighbors {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k-nearest neighbours: k must be an integer >= 1, got ${k}`);
  if (ref.length < refRows * cols || query.length < queryRows * cols) throw new Error('k-nearest neighbours: a matrix is shorter than rows x cols');
  const exclude = o.exclude;
  if (exclude && exclude.length !== queryRows) throw new Error(`k-nearest neighbours: exclude has ${exclude.length} entries for ${queryRows} queries`);
  const available = refRows - (exclude ? 1 : 0);
  if (k > available) {
    throw new Error(`k-nearest neighbours: asked for ${k} neighbours but there are only ${refRows} reference rows${exclude ? ' (each row is not its own neighbour)' : ''}; need k <= ${available}`);
  }
  const bq = Math.max(1, Math.min(o.queryBlock ?? QUERY_BLOCK, queryRows)), br = Math.max(1, Math.min(o.refBlock ?? REF_BLOCK, refRows));
  const w = cols + 1;
  const dist2 = new Float64Array(queryRows * k).fill(Infinity), idx = new Int32Array(queryRows * k).fill(-1);
  const qNorm = sqNorms(query, queryRows, cols), rNorm = sqNorms(ref, refRows, cols);
  // Error bound of g = fl(sum_a x_a (-2 y_a) + 1 * fl32(||y||^2)) for any summation order, with or without
  // FMA: gamma_{cols+1} (2 |x.y|_abs + ||y||^2) <= gamma (||x||^2 + 2 ||y||^2), plus ||y||^2's own float32
  // rounding. 2^-23 is twice the unit roundoff (safety for gamma's 1 / (1 - n u)); the absolute term covers
  // subnormals flushed to zero by SIMD code.
  const gamma = (cols + 2) * 2 ** -23, tiny = (cols + 2) * 1e-37;
  const qa = new Float32Array(bq * w), ra = new Float32Array(br * w), g = new Float32Array(bq * br);
  const gemm = kernels();
  for (let q0 = 0; q0 < queryRows; q0 += bq) {
    const m = Math.min(bq, queryRows - q0);
    for (let i = 0; i < m; i++) {
      qa.set(query.subarray((q0 + i) * cols, (q0 + i + 1) * cols), i * w);
      qa[i * w + cols] = 1;
    }
    for (let r0 = 0; r0 < refRows; r0 += br) {
      const n = Math.min(br, refRows - r0);
      let maxNorm = 0;
      for (let j = 0; j < n; j++) {
        const rj = (r0 + j) * cols, o2 = j * w;
        for (let a = 0; a < cols; a++) ra[o2 + a] = -2 * ref[rj + a];
        ra[o2 + cols] = rNorm[r0 + j];
        if (rNorm[r0 + j] > maxNorm) maxNorm = rNorm[r0 + j];
      }
      gemm.gemm(false, true, m, n, w, qa, ra, 0, g);
      for (let i = 0; i < m; i++) {
        const qi = q0 + i, base = qi * k, err = gamma * (qNorm[qi] + 2.0000002 * maxNorm) + tiny;
        // Reference row j can enter only if ||x||^2 + g_j - err < the current k-th squared distance.
        let limit = dist2[base + k - 1] - qNorm[qi] + err;
        const gi = i * n, self = exclude ? exclude[qi] - r0 : -1;
        for (let j = firstBelow(g, gi, 0, n, limit); j < n; j = firstBelow(g, gi, j + 1, n, limit)) {
          if (j === self) continue;
          const d = exactSqDist(query, qi, ref, r0 + j, cols);
          if (!(d < dist2[base + k - 1])) continue;
          // Insert after every entry <= d: rows come in index order, so ties keep the lower index first.
          let p = k - 1;
          while (p > 0 && dist2[base + p - 1] > d) { dist2[base + p] = dist2[base + p - 1]; idx[base + p] = idx[base + p - 1]; p--; }
          dist2[base + p] = d; idx[base + p] = r0 + j;
          limit = dist2[base + k - 1] - qNorm[qi] + err;
        }
      }
    }
  }
  const distances = new Float64Array(queryRows * k);
  for (let t = 0; t < distances.length; t++) distances[t] = Math.sqrt(dist2[t]);
  return { k, indices: idx, distances };
}
