/**
 * A Gaussian mixture fitted by expectation-maximisation (Dempster, Laird and Rubin 1977), for the decoupled
 * two-step baselines of the DAGMM paper (PAE-GMM-EM, Zong et al. 2018, Section 4.2 and Appendix A): the
 * E-step is gmm.ts's posterior kernel, the M-step is eq. (5) with those posteriors as memberships
 * (gmmParamsFromMemberships), so EM and DAGMM share one density, one parameter estimate and one energy.
 *
 * Start: k-means++ seeding (Arthur and Vassilvitskii 2007; kmeans.ts) from the seeded Rng, every row assigned
 * to its nearest seed, one M-step. Stop: when the largest absolute change of any parameter (phi, mu, Sigma) between
 * two iterations is below `tolerance` (the paper: 1e-6), or, with `logLikelihoodTolerance`, when the mean
 * log-likelihood changed by less than it (scikit-learn's GaussianMixture tol: checked after each M-step on the
 * E-steps' values), or after `maxIterations`. The M-step takes the
 * memberships as float32 (as DAGMM's does), so the log-likelihood rises monotonically up to that rounding.
 */
import type { Rng } from '../engine/rng.js';
import { diagonalEnergies, diagonalParamsFromMemberships, type DiagonalGmm } from './diagonal.js';
import { gmmParamsFromMemberships, gmmPosteriors, type GmmOptions, type GmmParams } from './gmm.js';
import { kmeansPlusPlus, nearestCentre } from './kmeans.js';

export interface EmOptions extends GmmOptions {
  /** Stop when max |parameter change| is below this (default 1e-6, the paper's). */
  tolerance?: number;
  /**
   * Set: stop when |change of the mean log-likelihood| between two E-steps is below this (scikit-learn's tol,
   * 1e-3 there) instead of the parameter-change rule (`tolerance` is then unused).
   */
  logLikelihoodTolerance?: number;
  /** At most this many EM iterations (default 1000). */
  maxIterations?: number;
  /** Rows per E-step chunk (memory: chunk x K x D float64 values). */
  chunk?: number;
}

export interface EmResult<P = GmmParams> {
  params: P;
  /** EM iterations run (each an E-step and an M-step). */
  iterations: number;
  converged: boolean;
  /** Mean log-likelihood (1/N) sum_i log p(z_i) under the parameters before each iteration, then the final. */
  logLikelihood: number[];
  /** max |parameter change| of the last iteration (with logLikelihoodTolerance: |log-likelihood change|). */
  lastChange: number;
}

function checkArgs(z: Float32Array, n: number, d: number, k: number, o: EmOptions): void {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`EM: dimension must be a positive integer, got ${d}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`EM: the number of components must be a positive integer, got ${k}`);
  if (!(Number.isInteger(n) && n >= 1) || z.length !== n * d) throw new Error(`EM: expected ${n} rows of ${d} values, got ${z.length} values`);
  if (n < k) throw new Error(`EM: ${n} rows cannot seed ${k} components`);
  for (let i = 0; i < z.length; i++) if (!Number.isFinite(z[i])) throw new Error(`EM: value ${i % d} of row ${Math.floor(i / d) + 1} is not finite (${z[i]})`);
  if (o.tolerance !== undefined && !(o.tolerance >= 0)) throw new Error(`EM: tolerance must be >= 0, got ${o.tolerance}`);
  if (o.logLikelihoodTolerance !== undefined && !(o.logLikelihoodTolerance >= 0)) throw new Error(`EM: logLikelihoodTolerance must be >= 0, got ${o.logLikelihoodTolerance}`);
  if (o.maxIterations !== undefined && !(Number.isInteger(o.maxIterations) && o.maxIterations >= 1)) {
    throw new Error(`EM: maxIterations must be a positive integer, got ${o.maxIterations}`);
  }
}

/** k-means++ seeds (kmeans.ts), then hard memberships of every row to its nearest seed (ties: the first). */
function initialMemberships(z: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const seeds = kmeansPlusPlus(z, n, d, k, rng);
  const gamma = new Float32Array(n * k);
  for (let i = 0; i < n; i++) gamma[i * k + nearestCentre(z, i, seeds, k, d).index] = 1;
  return gamma;
}

/** The M-step over chunks: eq. (5) with the given memberships. */
function mStep(z: Float32Array, gamma: Float32Array, n: number, d: number, k: number, chunk: number, o: GmmOptions): GmmParams {
  const parts: { z: Float32Array; gamma: Float32Array; n: number }[] = [];
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    parts.push({ z: z.subarray(s * d, e * d), gamma: gamma.subarray(s * k, e * k), n: e - s });
  }
  return gmmParamsFromMemberships(parts, k, d, o);
}

function maxChange(pairs: readonly (readonly [Float64Array, Float64Array])[]): number {
  let m = 0;
  for (const [x, y] of pairs) {
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

/** One mixture family for the EM loop: its M-step, its E-step (posteriors into gamma, mean log-likelihood), its parameters' change. */
interface EmFamily<P> {
  mStep(gamma: Float32Array): P;
  eStep(p: P, gamma: Float32Array): number;
  change(a: P, b: P): number;
}

/** The EM loop shared by the full and the diagonal mixtures (see the module comment for start and stop). */
function runEm<P>(family: EmFamily<P>, z: Float32Array, n: number, d: number, k: number, rng: Rng, o: EmOptions): EmResult<P> {
  checkArgs(z, n, d, k, o);
  const llTolerance = o.logLikelihoodTolerance;
  const tolerance = llTolerance ?? o.tolerance ?? 1e-6, maxIterations = o.maxIterations ?? 1000;
  let iterations = 0, change = Infinity;
  const mStepAt = (gamma: Float32Array): P => {
    try {
      return family.mStep(gamma);
    } catch (e) {
      throw new Error(`EM (iteration ${iterations}): ${(e as Error).message.replace(/^gmmParamsFromMemberships: /, '')}; try fewer components or another seed`, { cause: e });
    }
  };
  let params = mStepAt(initialMemberships(z, n, d, k, rng));
  const gamma = new Float32Array(n * k), logLikelihood: number[] = [];
  while (iterations < maxIterations && change >= tolerance) {
    logLikelihood.push(family.eStep(params, gamma));
    iterations++;
    const next = mStepAt(gamma);
    const m = logLikelihood.length;
    change = llTolerance === undefined ? family.change(params, next) : m > 1 ? Math.abs(logLikelihood[m - 1] - logLikelihood[m - 2]) : Infinity;
    params = next;
  }
  logLikelihood.push(family.eStep(params, gamma));
  return { params, iterations, converged: change < tolerance, logLikelihood, lastChange: change };
}

/** Fits a K-component GMM with full covariances to z [n, d] (row-major) by EM. */
export function fitGmmEm(z: Float32Array, n: number, d: number, k: number, rng: Rng, o: EmOptions = {}): EmResult {
  const chunk = o.chunk ?? 8192, gmmOptions: GmmOptions = { covEps: o.covEps, jitter: o.jitter };
  const resp = new Float64Array(Math.min(n, chunk) * k), energy = new Float64Array(Math.min(n, chunk));
  return runEm<GmmParams>({
    mStep: (gamma) => mStep(z, gamma, n, d, k, chunk, gmmOptions),
    eStep: (p, gamma) => {
      let ll = 0;
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(n, s + chunk) - s;
        gmmPosteriors(z.subarray(s * d, (s + m) * d), m, p, resp.subarray(0, m * k), energy.subarray(0, m));
        for (let i = 0; i < m * k; i++) gamma[s * k + i] = resp[i];
        for (let i = 0; i < m; i++) ll -= energy[i];
      }
      return ll / n;
    },
    change: (a, b) => maxChange([[a.phi, b.phi], [a.mu, b.mu], [a.cov, b.cov]]),
  }, z, n, d, k, rng, o);
}

/**
 * Fits a K-component GMM with diagonal covariances (diagonal.ts) to z [n, d] by EM: the same start, stopping
 * rules and float32 memberships as fitGmmEm, at O(n k d) per iteration. `covEps` is the variances' added term.
 */
export function fitDiagonalGmmEm(z: Float32Array, n: number, d: number, k: number, rng: Rng, o: EmOptions = {}): EmResult<DiagonalGmm> {
  const regCovar = o.covEps ?? 1e-6, resp = new Float64Array(n * k), energy = new Float64Array(n);
  return runEm<DiagonalGmm>({
    mStep: (gamma) => diagonalParamsFromMemberships(z, gamma, n, d, k, regCovar),
    eStep: (p, gamma) => {
      diagonalEnergies(z, n, p, energy, resp);
      let ll = 0;
      for (let i = 0; i < n * k; i++) gamma[i] = resp[i];
      for (let i = 0; i < n; i++) ll -= energy[i];
      return ll / n;
    },
    change: (a, b) => maxChange([[a.phi, b.phi], [a.mu, b.mu], [a.variance, b.variance]]),
  }, z, n, d, k, rng, o);
}
