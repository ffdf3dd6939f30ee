/**
 * The approximate solver for many rows: Nystroem features (Williams & Seeger, NIPS 2000) and a linear one-class
 * SVM on them, solved to the same tolerance as the exact one.
 *
 * Features. m distinct landmark rows v_1..v_m are drawn with the seed; with K_mm = [K(v_a, v_b)] = L L' (Cholesky,
 * with the smallest diagonal jitter that makes it positive definite), phi(x) = L^-1 k_m(x), k_m(x) = [K(v_a, x)].
 * Then phi(x)'phi(y) = k_m(x)' K_mm^-1 k_m(y), the Nystroem approximation of K(x, y); it depends only on K_mm^-1,
 * not on which square root is taken (scikit-learn's Nystroem uses K_mm^-1/2 from an SVD; any W with W W' = K_mm^-1
 * gives the same linear SVM solution, so the existing Cholesky serves).
 *
 * Linear solver: the same dual as smo.ts with Q = Phi Phi', with w = sum a_i phi_i kept up to date so a gradient
 * G_i = w'phi_i costs O(m), not a kernel column (the idea behind LIBLINEAR's one-class solver; our own scheme).
 * Each pass computes the gradients of the active rows and stops when their maximal violation is below tol; else
 * (1) a sweep pairs the k-th most violating row of each side (i with a_i below its bound and smallest G_i against
 * j with a_j > 0 and largest G_j), each pair with fresh gradients and the exact two-variable step: many moves per
 * pass while many rows are far from optimal; its first pair is the maximal violating one, so every pass
 * decreases the objective; (2) a working set of the 128 most violating rows of each side is solved as a
 * subproblem with its Gram matrix, the gradients inside kept exact by rank-2 updates: many moves per pass near
 * the optimum, where the sweep makes few (KDDCUP: 92 passes, where the sweep alone took 858 and later 3,500).
 * Shrinking as libsvm's: a row at a bound whose gradient puts it outside every violating pair leaves the active
 * set; when the active rows' violation first falls below 10 tol, and again before stopping, every gradient is
 * recomputed and all rows return, so the stopping rule is checked on every row.
 *
 * Equal training rows are merged first (one variable bounded by the count, LIBSVM's C_i, started from libsvm's
 * start summed per group): the optimum's w is unique, so the decision function is the same. KDDCUP's 198,480
 * training rows hold 35,083 distinct ones. Features are stored as float32 (n x m can be large); gradients, w and
 * the kernel rows are float64; the map itself is a float32 gemm when its error bound allows (chooseFeatureMap).
 *
 * The model is folded back into a kernel expansion: w'phi(x) = (L'^-1 w)' k_m(x), so f(x) = sum_a beta_a
 * K(v_a, x) - rho with beta = L'^-1 w, saved and scored like the exact solver's support vectors.
 */
import { distinctRows, type DistinctRows } from '../../data/distinct-rows.js';
import { takeRows } from '../../data/datasets/types.js';
import { kernels } from '../../engine/backend/index.js';
import { backSubstT, choleskyJitter, forwardSubst } from '../../engine/linalg64.js';
import type { Rng } from '../../engine/rng.js';
import { blockDistances, blockRows, type KernelExpansion } from './expansion.js';
import { dotRows, initialAlpha, kktGap, type OneClassSolution, rhoFromGradient } from './smo.js';

const TAU = 1e-12;
/** Most violating rows taken from each side into a pass's working set. */
const WORKING_SET_SIDE = 128;
/** Cap on a working set's inner steps, per row in it. */
const INNER_STEPS_PER_ROW = 20;

/** Up to m rows from distinct groups of equal rows, in the order of a seeded permutation (duplicates waste landmarks). */
export function pickLandmarks(groups: DistinctRows, rows: number, m: number, rng: Rng): Int32Array {
  const perm = rng.permutation(rows), seen = new Uint8Array(groups.count), out: number[] = [];
  for (let k = 0; k < rows && out.length < m; k++) {
    const r = perm[k], g = groups.groupOf[r];
    if (seen[g]) continue;
    seen[g] = 1; out.push(r);
  }
  return Int32Array.from(out);
}

/**
 * Largest tolerated worst-case rounding error of a feature (|phi| <= 1) for the float32 gemm map (chooseFeatureMap).
 * Measured on 50,000 x 50 correlated Gaussian rows (min-max scaled, gamma 'scale', nu 0.5, 300 landmarks), where
 * the bound is 2.6e-4: decision values of the two maps differed by at most 6.4e-4 (of |f| up to 3,600), below the
 * solver's own tolerance of 1e-3 on the gradients.
 */
export const GEMM_FEATURE_ERROR_BOUND = 1e-3;

/**
 * How phi(x) = L^-1 k_m(x) is computed. 'gemm': one float32 matrix product per block of rows against L^-1 (the
 * backend's gemm: about 50x the scalar substitution at 500,000 rows). Its rounding error per feature is at most
 * m 2^-24 max_a sum_b |L^-1_ab| (k_m in [0, 1]), so it is used only when that bound is within
 * GEMM_FEATURE_ERROR_BOUND; an ill-conditioned K_mm (near-duplicate landmarks: large L^-1) takes 'substitution',
 * float64 forward substitution per row.
 */
export function chooseFeatureMap(linv: Float64Array, m: number): { map: 'gemm' | 'substitution'; errorBound: number } {
  let amp = 0;
  for (let a = 0; a < m; a++) {
    let s = 0;
    for (let b = 0; b <= a; b++) s += Math.abs(linv[a * m + b]);
    if (s > amp) amp = s;
  }
  const errorBound = m * 2 ** -24 * amp;
  return { map: errorBound <= GEMM_FEATURE_ERROR_BOUND ? 'gemm' : 'substitution', errorBound };
}

/** L^-1 for the lower-triangular Cholesky factor L (m x m, row-major). */
function lowerInverse(chol: Float64Array, m: number): Float64Array {
  const inv = new Float64Array(m * m);
  for (let j = 0; j < m; j++) { inv[j * m + j] = 1; forwardSubst(chol, 0, m, inv, j, m); }
  return inv;
}

/** Kernel rows k_m(x) of each row against the landmarks, mapped to phi(x) = L^-1 k_m(x), into out (rows x m). */
function features(x: Float32Array, rows: number, cols: number, land: Float32Array, m: number, gamma: number, chol: Float64Array,
  out: Float32Array, map: 'gemm' | 'substitution', linv: Float64Array): void {
  const k = new Float64Array(m), block = blockRows(m), d2 = new Float64Array(Math.min(rows, block) * m);
  const linv32 = map === 'gemm' ? Float32Array.from(linv) : null, k32 = linv32 ? new Float32Array(Math.min(rows, block) * m) : null;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    blockDistances(x, r0, r1, cols, land, m, d2);
    kernels().expAffine((r1 - r0) * m, -gamma, 0, d2, d2);
    if (linv32 && k32) {
      const n = r1 - r0;
      for (let t = 0; t < n * m; t++) k32[t] = d2[t];
      kernels().gemm(false, true, n, m, m, k32.subarray(0, n * m), linv32, 0, out.subarray(r0 * m, r1 * m));
      continue;
    }
    for (let r = r0; r < r1; r++) {
      const o = (r - r0) * m;
      for (let a = 0; a < m; a++) k[a] = d2[o + a];
      forwardSubst(chol, 0, m, k, 0);
      out.set(k, r * m);
    }
  }
}

/**
 * The exact two-variable step for a violating pair (i up, j low; G_i < G_j): a_i rises and a_j falls by
 * (G_j - G_i) / quad, clipped to the box [0, c_i] x [0, c_j] with a_i + a_j fixed (libsvm's clipping). Writes the new
 * a_i, a_j into out.
 */
function pairStep(oldI: number, oldJ: number, gi: number, gj: number, quad: number, ci: number, cj: number, out: Float64Array): void {
  if (quad <= 0) quad = TAU;
  const sum = oldI + oldJ, delta = (gi - gj) / quad;
  let ai = oldI - delta, aj = oldJ + delta;
  if (sum > ci) { if (ai > ci) { ai = ci; aj = sum - ci; } } else if (aj < 0) { aj = 0; ai = sum; }
  if (sum > cj) { if (aj > cj) { aj = cj; ai = sum - cj; } } else if (ai < 0) { ai = 0; aj = sum; }
  out[0] = ai; out[1] = aj;
}

/** libsvm's start with bounds u_i: in order, each a_i takes up to u_i until the sum is nu sum u_i. */
function boundedStart(upper: Float64Array, nu: number): Float64Array {
  const a = new Float64Array(upper.length);
  let left = nu * upper.reduce((s, u) => s + u, 0);
  for (let i = 0; i < upper.length && left > 0; i++) { a[i] = Math.min(upper[i], left); left -= a[i]; }
  return a;
}

/**
 * The linear one-class SVM dual on the rows of phi (n x m): min 1/2 ||sum a_i phi_i||^2, 0 <= a_i <= u_i,
 * sum a_i = nu sum u_i, with u_i = 1 unless `upper` is given (a row standing for u_i equal rows). Starts from
 * libsvm's point unless `start` (feasible) is given. Returns the solution and w = sum a_i phi_i.
 */
export function solveLinearOneClass(phi: Float32Array | Float64Array, n: number, m: number,
  o: { nu: number; tol: number; maxIterations: number; shrinking?: boolean; upper?: Float64Array; start?: Float64Array }): OneClassSolution & { w: Float64Array } {
  if (!(o.nu > 0 && o.nu <= 1)) throw new Error(`one-class SVM: nu must be in (0, 1], got ${o.nu}`);
  const upper = o.upper ?? new Float64Array(n).fill(1);
  if (upper.length !== n || !upper.every((u) => u > 0)) throw new Error(`one-class SVM: upper must hold ${n} positive bounds`);
  const alpha = o.start ? Float64Array.from(o.start) : o.upper ? boundedStart(upper, o.nu) : initialAlpha(n, o.nu), w = new Float64Array(m), g = new Float64Array(n), qd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qd[i] = dotRows(phi, i * m, phi, i * m, m);
    const a = alpha[i];
    if (a !== 0) for (let c = 0; c < m; c++) w[c] += a * phi[i * m + c];
  }
  const grad = (i: number): number => dotRows(w, 0, phi, i * m, m);
  const shrinking = o.shrinking ?? true;
  const active = Int32Array.from({ length: n }, (_, i) => i);
  let nActive = n, unshrunkOnce = false;
  const unshrink = (): void => { for (let i = 0; i < n; i++) active[i] = i; nActive = n; };
  let iter = 0, converged = false, gap: number;
  const up: number[] = [], low: number[] = [], step = new Float64Array(2);
  for (;;) {
    // Gradients and the maximal violation over the active rows.
    let gUpMin = Infinity, gLowMax = -Infinity;
    for (let k = 0; k < nActive; k++) {
      const i = active[k], gi = grad(i);
      g[i] = gi;
      if (alpha[i] < upper[i] && gi < gUpMin) gUpMin = gi;
      if (alpha[i] > 0 && gi > gLowMax) gLowMax = gi;
    }
    gap = gLowMax - gUpMin;
    if (nActive < n && (gap < o.tol || (!unshrunkOnce && gap < 10 * o.tol))) {
      // Bring every row back and recheck on all of them (the shrunk rows' gradients are stale).
      unshrunkOnce = true;
      unshrink();
      continue;
    }
    if (gap < o.tol) { converged = true; break; }
    if (iter >= o.maxIterations) break;
    if (shrinking) {
      let kept = 0;
      for (let k = 0; k < nActive; k++) {
        const i = active[k], a = alpha[i];
        if ((a <= 0 && g[i] > gLowMax) || (a >= upper[i] && g[i] < gUpMin)) continue;
        active[kept++] = i;
      }
      // Removed rows stay behind the kept ones, in order, so unshrinking is a plain reset.
      nActive = kept;
    }
    // Candidates that can take part in a violating pair, most violating first.
    up.length = 0; low.length = 0;
    for (let k = 0; k < nActive; k++) {
      const i = active[k];
      if (alpha[i] < upper[i] && g[i] < gLowMax - o.tol) up.push(i);
      if (alpha[i] > 0 && g[i] > gUpMin + o.tol) low.push(i);
    }
    up.sort((a, b) => g[a] - g[b] || a - b);
    low.sort((a, b) => g[b] - g[a] || a - b);
    // Sweep: pair the k-th most violating row of each side, each pair with fresh gradients (many disjoint moves
    // per pass while many rows are far from optimal; the first pair is the maximal violating one).
    const pairs = Math.min(up.length, low.length);
    for (let p = 0; p < pairs && iter < o.maxIterations; p++) {
      const i = up[p], j = low[p];
      const ci = upper[i], cj = upper[j];
      if (i === j || !(alpha[i] < ci) || !(alpha[j] > 0)) continue;
      const gi = grad(i), gj = grad(j);
      if (gj - gi < o.tol) continue;
      const oldI = alpha[i], oldJ = alpha[j];
      pairStep(oldI, oldJ, gi, gj, qd[i] + qd[j] - 2 * dotRows(phi, i * m, phi, j * m, m), ci, cj, step);
      const ai = step[0], aj = step[1];
      alpha[i] = ai; alpha[j] = aj;
      const dI = ai - oldI, dJ = aj - oldJ;
      for (let c = 0; c < m; c++) w[c] += dI * phi[i * m + c] + dJ * phi[j * m + c];
      iter++;
    }
    // Then a working set: the most violating rows of each side, solved as a subproblem with its Gram matrix and
    // exact gradients kept by rank-2 updates (many moves per pass near the optimum, where the sweep makes few).
    const ws: number[] = [];
    const inWs = new Set<number>();
    for (const list of [up, low]) for (let p = 0; p < Math.min(list.length, WORKING_SET_SIDE); p++) if (!inWs.has(list[p])) { inWs.add(list[p]); ws.push(list[p]); }
    const b = ws.length, q = new Float64Array(b * b), gb = new Float64Array(b), ab = new Float64Array(b);
    for (let s = 0; s < b; s++) {
      const i = ws[s];
      gb[s] = grad(i); ab[s] = alpha[i];
      q[s * b + s] = qd[i];
      for (let t = 0; t < s; t++) q[s * b + t] = q[t * b + s] = dotRows(phi, i * m, phi, ws[t] * m, m);
    }
    for (let inner = 0; inner < INNER_STEPS_PER_ROW * b && iter < o.maxIterations; inner++) {
      let si = -1, sj = -1, gMin = Infinity, gMax = -Infinity;
      for (let s = 0; s < b; s++) {
        if (ab[s] < upper[ws[s]] && gb[s] < gMin) { gMin = gb[s]; si = s; }
        if (ab[s] > 0 && gb[s] > gMax) { gMax = gb[s]; sj = s; }
      }
      if (si < 0 || sj < 0 || gMax - gMin < o.tol) break;
      const ci = upper[ws[si]], cj = upper[ws[sj]];
      const oldI = ab[si], oldJ = ab[sj];
      pairStep(oldI, oldJ, gMin, gMax, q[si * b + si] + q[sj * b + sj] - 2 * q[si * b + sj], ci, cj, step);
      const ai = step[0], aj = step[1];
      ab[si] = ai; ab[sj] = aj;
      const dI = ai - oldI, dJ = aj - oldJ;
      for (let s = 0; s < b; s++) gb[s] += dI * q[s * b + si] + dJ * q[s * b + sj];
      iter++;
    }
    for (let s = 0; s < b; s++) {
      const i = ws[s], d = ab[s] - alpha[i];
      if (d === 0) continue;
      alpha[i] = ab[s];
      for (let c = 0; c < m; c++) w[c] += d * phi[i * m + c];
    }
  }
  // rho needs every row's current gradient (a stop at maxIterations may leave shrunk rows stale).
  if (nActive < n) for (let i = 0; i < n; i++) g[i] = grad(i);
  if (!converged) gap = kktGap(alpha, g, upper);
  let objective = 0;
  for (let c = 0; c < m; c++) objective += w[c] * w[c];
  return { alpha, w, rho: rhoFromGradient(alpha, g, upper), objective: objective / 2, iterations: iter, converged, gap };
}

export interface NystroemFit extends OneClassSolution {
  model: KernelExpansion;
  landmarks: number;
  /** Diagonal jitter the Cholesky of K_mm needed (0: none). */
  jitter: number;
  /** Distinct training rows the dual was solved on (equal rows merged). */
  distinctRows: number;
  /** How the features were computed (see chooseFeatureMap) and the gemm's worst-case error bound. */
  featureMap: 'gemm' | 'substitution';
  featureErrorBound: number;
}

/** Fits the Nystroem one-class SVM (see the module comment). */
export function fitNystroemOneClass(x: Float32Array, rows: number, cols: number,
  o: { nu: number; gamma: number; components: number; tol: number; maxIterations: number; rng: Rng; featureMap?: 'gemm' | 'substitution' }): NystroemFit {
  // Equal rows have equal features and gradients: the dual on the distinct rows, each bounded by its count,
  // has the same w (the optimum's w is unique) and so the same decision function.
  const groups = distinctRows(x, rows, cols), u = groups.count;
  const idx = pickLandmarks(groups, rows, o.components, o.rng), m = idx.length;
  const land = new Float32Array(m * cols);
  idx.forEach((r, a) => land.set(x.subarray(r * cols, (r + 1) * cols), a * cols));
  const kmm = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let c = 0; c < cols; c++) { const d = land[a * cols + c] - land[b * cols + c]; s += d * d; }
      kmm[a * m + b] = kmm[b * m + a] = Math.exp(-o.gamma * s);
    }
  }
  const chol = new Float64Array(m * m);
  const jitter = choleskyJitter(kmm, 0, m, chol, 0);
  const xu = u === rows ? x : takeRows(x, cols, groups.first);
  const linv = lowerInverse(chol, m), chosen = chooseFeatureMap(linv, m), featureMap = o.featureMap ?? chosen.map;
  const phi = new Float32Array(u * m);
  features(xu, u, cols, land, m, o.gamma, chol, phi, featureMap, linv);
  let merged = {};
  if (u < rows) {
    // libsvm's start on the rows, summed per group: the merged problem then follows the unmerged one's path.
    const start = new Float64Array(u), perRow = initialAlpha(rows, o.nu);
    for (let r = 0; r < rows; r++) start[groups.groupOf[r]] += perRow[r];
    merged = { upper: Float64Array.from(groups.multiplicity), start };
  }
  const sol = solveLinearOneClass(phi, u, m, { ...o, ...merged });
  const beta = Float64Array.from(sol.w);
  backSubstT(chol, 0, m, beta, 0);
  let alpha = sol.alpha;
  if (u < rows) {
    alpha = new Float64Array(rows);
    for (let r = 0; r < rows; r++) { const gi = groups.groupOf[r]; alpha[r] = sol.alpha[gi] / groups.multiplicity[gi]; }
  }
  return { ...sol, alpha, distinctRows: u, featureMap, featureErrorBound: chosen.errorBound, model: { vectors: land, count: m, cols, coef: beta, rho: sol.rho, gamma: o.gamma }, landmarks: m, jitter };
}
