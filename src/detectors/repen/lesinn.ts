/**
 * LeSiNN (Pang, Ting and Albrecht, "LeSiNN: Detecting anomalies by identifying Least Similar Nearest
 * Neighbours", ICDM Workshops 2015): an ensemble of E random subsamples of S rows each (without replacement
 * within a subsample); a row's score is the mean over the subsamples of its Euclidean distance to the nearest
 * member. REPEN uses it twice: for the pseudo-labels on the training rows, and as the score in the learned
 * space (Pang, Cao, Chen and Liu, KDD 2018).
 */
import { kernels } from '../../engine/backend/index.js';
import type { Rng } from '../../engine/rng.js';

/** E subsamples of min(S, rows) distinct row indices each, [E * S'] (S' = min(S, rows)), from rng. */
export function lesinnSubsamples(rows: number, ensemble: number, subsample: number, rng: Rng): Int32Array {
  const s = Math.min(subsample, rows), out = new Int32Array(ensemble * s);
  for (let e = 0; e < ensemble; e++) {
    // A partial Fisher-Yates shuffle: the first s places of a random permutation.
    const p = new Int32Array(rows);
    for (let i = 0; i < rows; i++) p[i] = i;
    for (let i = 0; i < s; i++) {
      const j = i + rng.int(rows - i);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    out.set(p.subarray(0, s), e * s);
  }
  return out;
}

/**
 * LeSiNN scores of rows x [rows, cols] against the members [E * S, cols] (subsample e is members e*S ..
 * e*S + S - 1): the mean over subsamples of the Euclidean distance to the nearest member. Float64.
 */
export function lesinnScores(x: ArrayLike<number>, rows: number, cols: number, members: ArrayLike<number>, ensemble: number, out: Float64Array): void {
  const m = members.length / cols, s = m / ensemble;
  if (!Number.isInteger(s) || s < 1) throw new Error(`LeSiNN: ${m} members do not form ${ensemble} subsamples of equal size`);
  if (x instanceof Float32Array && (members instanceof Float32Array || members instanceof Float64Array)) {
    // The same sums through the backend's squaredDistances64 (each (x - v)^2 and partial sum in double, columns in
    // order: the loop below, bit for bit), a block of rows at a time.
    const block = Math.max(1, Math.floor((1 << 18) / m)), dist = new Float64Array(Math.min(rows, block) * m);
    for (let i0 = 0; i0 < rows; i0 += block) {
      const nb = Math.min(block, rows - i0);
      kernels().squaredDistances64(nb, m, cols, x.subarray(i0 * cols, (i0 + nb) * cols), members, dist);
      for (let i = 0; i < nb; i++) {
        let total = 0;
        for (let e = 0; e < ensemble; e++) {
          let best = Infinity;
          for (let q = i * m + e * s, end = q + s; q < end; q++) if (dist[q] < best) best = dist[q];
          total += Math.sqrt(best);
        }
        out[i0 + i] = total / ensemble;
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let e = 0; e < ensemble; e++) {
      let best = Infinity;
      for (let q = e * s; q < (e + 1) * s; q++) {
        let d = 0;
        for (let a = 0; a < cols; a++) { const v = x[i * cols + a] - members[q * cols + a]; d += v * v; }
        if (d < best) best = d;
      }
      total += Math.sqrt(best);
    }
    out[i] = total / ensemble;
  }
}
