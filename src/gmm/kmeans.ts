/**
 * k-means: k-means++ seeding (Arthur and Vassilvitskii, SODA 2007) from a seeded Rng, then Lloyd's iterations
 * (Lloyd 1982). The seeding starts EM (em.ts); the whole of it starts DCN's clusters (detectors/dcn).
 * Rows are row-major float32 [n, d]; centres are float64 [k, d]. Ties go to the lower-numbered centre.
 */
import type { Rng } from '../engine/rng.js';

/** Squared Euclidean distance between row i of z and centre j. */
export function sqDist(z: Float32Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) { const v = z[i * d + a] - c[j * d + a]; s += v * v; }
  return s;
}

/** The nearest of k centres to row i of z (ties: the first) and its squared distance. */
export function nearestCentre(z: Float32Array, i: number, c: Float64Array, k: number, d: number): { index: number; sqDist: number } {
  let index = 0, best = Infinity;
  for (let j = 0; j < k; j++) { const v = sqDist(z, i, c, j, d); if (v < best) { best = v; index = j; } }
  return { index, sqDist: best };
}

/**
 * k-means++ seeds: a uniformly drawn row, then each next seed a row drawn with probability proportional to
 * its squared distance to the nearest seed so far (uniform again when every row sits on a seed).
 */
export function kmeansPlusPlus(z: Float32Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const seeds = new Float64Array(k * d);
  const near = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let j = 0; j < k; j++) {
    for (let a = 0; a < d; a++) seeds[j * d + a] = z[pick * d + a];
    let total = 0;
    for (let i = 0; i < n; i++) { near[i] = Math.min(near[i], sqDist(z, i, seeds, j, d)); total += near[i]; }
    if (j + 1 === k) break;
    if (total > 0) {
      let u = rng.uniform() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) { u -= near[i]; if (u < 0) { pick = i; break; } }
    } else pick = rng.int(n);
  }
  return seeds;
}

export interface KmeansResult {
  /** [k, d], row-major: the mean of each cluster's rows (an empty cluster keeps its previous centre). */
  centres: Float64Array;
  /** The nearest centre of every row. */
  assignments: Int32Array;
  /** Rows per cluster. */
  sizes: Float64Array;
  /** Lloyd iterations run (centre updates). */
  iterations: number;
  /** True when the last iteration changed no assignment. */
  converged: boolean;
  /** Sum over rows of the squared distance to the nearest centre. */
  inertia: number;
}

/** Assigns every row to its nearest centre; returns how many assignments changed and the summed distance. */
function assign(z: Float32Array, n: number, d: number, c: Float64Array, k: number, out: Int32Array): { changed: number; inertia: number } {
  let changed = 0, inertia = 0;
  for (let i = 0; i < n; i++) {
    const { index, sqDist: s } = nearestCentre(z, i, c, k, d);
    if (out[i] !== index) { out[i] = index; changed++; }
    inertia += s;
  }
  return { changed, inertia };
}

/**
 * k-means of z [n, d] into k clusters: k-means++ seeds, then Lloyd's iterations (centres = cluster means,
 * rows to the nearest centre) until no assignment changes or after maxIterations (default 100).
 */
export function kmeans(z: Float32Array, n: number, d: number, k: number, rng: Rng, o: { maxIterations?: number } = {}): KmeansResult {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`k-means: dimension must be a positive integer, got ${d}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k-means: the number of clusters must be a positive integer, got ${k}`);
  if (!(Number.isInteger(n) && n >= 1) || z.length !== n * d) throw new Error(`k-means: expected ${n} rows of ${d} values, got ${z.length} values`);
  if (n < k) throw new Error(`k-means: ${n} rows cannot seed ${k} clusters`);
  for (let i = 0; i < z.length; i++) if (!Number.isFinite(z[i])) throw new Error(`k-means: value ${i % d} of row ${Math.floor(i / d) + 1} is not finite (${z[i]})`);
  const maxIterations = o.maxIterations ?? 100;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 0)) throw new Error(`k-means: maxIterations must be a non-negative integer, got ${maxIterations}`);
  const centres = kmeansPlusPlus(z, n, d, k, rng);
  const assignments = new Int32Array(n).fill(-1);
  let { inertia } = assign(z, n, d, centres, k, assignments);
  let iterations = 0, converged = false;
  const sums = new Float64Array(k * d), sizes = new Float64Array(k);
  while (iterations < maxIterations) {
    sums.fill(0); sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const j = assignments[i];
      sizes[j]++;
      for (let a = 0; a < d; a++) sums[j * d + a] += z[i * d + a];
    }
    for (let j = 0; j < k; j++) if (sizes[j] > 0) for (let a = 0; a < d; a++) centres[j * d + a] = sums[j * d + a] / sizes[j];
    iterations++;
    const r = assign(z, n, d, centres, k, assignments);
    inertia = r.inertia;
    if (r.changed === 0) { converged = true; break; }
  }
  sizes.fill(0);
  for (let i = 0; i < n; i++) sizes[assignments[i]]++;
  return { centres, assignments, sizes, iterations, converged, inertia };
}
