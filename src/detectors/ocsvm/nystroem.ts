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
 * G_i = w'phi_i costs O(m), not a kernel column (the idea behind LIBLINEAR's one-class solver; our own scheme):
 * each pass computes all gradients, stops when the maximal violation is below tol, else updates pairs of the most
 * violating rows (i with a_i < 1 and smallest G_i against j with a_j > 0 and largest G_j, in order), each with
 * fresh gradients and the exact two-variable step; the first pair of a pass is the maximal violating pair, so
 * every pass decreases the objective. Features are stored as float32 (n x m can be large); gradients, w and
 * the kernel rows are float64.
 *
 * The model is folded back into a kernel expansion: w'phi(x) = (L'^-1 w)' k_m(x), so f(x) = sum_a beta_a
 * K(v_a, x) - rho with beta = L'^-1 w, saved and scored like the exact solver's support vectors.
 */
import { backSubstT, choleskyJitter, forwardSubst } from '../../engine/linalg64.js';
import type { Rng } from '../../engine/rng.js';
import { blockDistances, blockRows, type KernelExpansion } from './expansion.js';
import { dotRows, initialAlpha, kktGap, type OneClassSolution, rhoFromGradient } from './smo.js';

const TAU = 1e-12;

/** Up to m rows with distinct values, in the order of a seeded permutation (duplicates waste landmarks). */
export function pickLandmarks(x: Float32Array, rows: number, cols: number, m: number, rng: Rng): Int32Array {
  const perm = rng.permutation(rows), seen = new Set<string>(), out: number[] = [];
  for (let k = 0; k < rows && out.length < m; k++) {
    const r = perm[k], key = x.subarray(r * cols, (r + 1) * cols).join(',');
    if (seen.has(key)) continue;
    seen.add(key); out.push(r);
  }
  return Int32Array.from(out);
}

/** Kernel rows k_m(x) of each row against the landmarks, mapped to phi(x) = L^-1 k_m(x), into out (rows x m). */
function features(x: Float32Array, rows: number, cols: number, land: Float32Array, m: number, gamma: number, chol: Float64Array, out: Float32Array): void {
  const k = new Float64Array(m), block = blockRows(m), d2 = new Float64Array(Math.min(rows, block) * m);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    blockDistances(x, r0, r1, cols, land, m, d2);
    for (let r = r0; r < r1; r++) {
      const o = (r - r0) * m;
      for (let a = 0; a < m; a++) k[a] = Math.exp(-gamma * d2[o + a]);
      forwardSubst(chol, 0, m, k, 0);
      out.set(k, r * m);
    }
  }
}

/**
 * The linear one-class SVM dual on the rows of phi (n x m): min 1/2 ||sum a_i phi_i||^2, 0 <= a_i <= 1,
 * sum a_i = nu n. Returns the solution and w = sum a_i phi_i.
 */
export function solveLinearOneClass(phi: Float32Array | Float64Array, n: number, m: number, o: { nu: number; tol: number; maxIterations: number }):
  OneClassSolution & { w: Float64Array } {
  if (!(o.nu > 0 && o.nu <= 1)) throw new Error(`one-class SVM: nu must be in (0, 1], got ${o.nu}`);
  const alpha = initialAlpha(n, o.nu), w = new Float64Array(m), g = new Float64Array(n), qd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qd[i] = dotRows(phi, i * m, phi, i * m, m);
    const a = alpha[i];
    if (a !== 0) for (let c = 0; c < m; c++) w[c] += a * phi[i * m + c];
  }
  const grad = (i: number): number => dotRows(w, 0, phi, i * m, m);
  let iter = 0, converged = false, gap: number;
  const up: number[] = [], low: number[] = [];
  for (;;) {
    for (let i = 0; i < n; i++) g[i] = grad(i);
    gap = kktGap(alpha, g);
    if (gap < o.tol) { converged = true; break; }
    if (iter >= o.maxIterations) break;
    // Candidates that can take part in a violating pair, most violating first.
    let gUpMin = Infinity, gLowMax = -Infinity;
    for (let i = 0; i < n; i++) {
      if (alpha[i] < 1 && g[i] < gUpMin) gUpMin = g[i];
      if (alpha[i] > 0 && g[i] > gLowMax) gLowMax = g[i];
    }
    up.length = 0; low.length = 0;
    for (let i = 0; i < n; i++) {
      if (alpha[i] < 1 && g[i] < gLowMax - o.tol) up.push(i);
      if (alpha[i] > 0 && g[i] > gUpMin + o.tol) low.push(i);
    }
    up.sort((a, b) => g[a] - g[b] || a - b);
    low.sort((a, b) => g[b] - g[a] || a - b);
    const pairs = Math.min(up.length, low.length);
    for (let p = 0; p < pairs && iter < o.maxIterations; p++) {
      const i = up[p], j = low[p];
      if (i === j || !(alpha[i] < 1) || !(alpha[j] > 0)) continue;
      const gi = grad(i), gj = grad(j);
      if (gj - gi < o.tol) continue;
      let quad = qd[i] + qd[j] - 2 * dotRows(phi, i * m, phi, j * m, m);
      if (quad <= 0) quad = TAU;
      const oldI = alpha[i], oldJ = alpha[j], sum = oldI + oldJ, delta = (gi - gj) / quad;
      let ai = oldI - delta, aj = oldJ + delta;
      if (sum > 1) { if (ai > 1) { ai = 1; aj = sum - 1; } } else if (aj < 0) { aj = 0; ai = sum; }
      if (sum > 1) { if (aj > 1) { aj = 1; ai = sum - 1; } } else if (ai < 0) { ai = 0; aj = sum; }
      alpha[i] = ai; alpha[j] = aj;
      const dI = ai - oldI, dJ = aj - oldJ;
      for (let c = 0; c < m; c++) w[c] += dI * phi[i * m + c] + dJ * phi[j * m + c];
      iter++;
    }
  }
  let objective = 0;
  for (let c = 0; c < m; c++) objective += w[c] * w[c];
  return { alpha, w, rho: rhoFromGradient(alpha, g), objective: objective / 2, iterations: iter, converged, gap };
}

export interface NystroemFit extends OneClassSolution {
  model: KernelExpansion;
  landmarks: number;
  /** Diagonal jitter the Cholesky of K_mm needed (0: none). */
  jitter: number;
}

/** Fits the Nystroem one-class SVM (see the module comment). */
export function fitNystroemOneClass(x: Float32Array, rows: number, cols: number, o: { nu: number; gamma: number; components: number; tol: number; maxIterations: number; rng: Rng }): NystroemFit {
  const idx = pickLandmarks(x, rows, cols, o.components, o.rng), m = idx.length;
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
  const phi = new Float32Array(rows * m);
  features(x, rows, cols, land, m, o.gamma, chol, phi);
  const sol = solveLinearOneClass(phi, rows, m, o);
  const beta = Float64Array.from(sol.w);
  backSubstT(chol, 0, m, beta, 0);
  return { ...sol, model: { vectors: land, count: m, cols, coef: beta, rho: sol.rho, gamma: o.gamma }, landmarks: m, jitter };
}
