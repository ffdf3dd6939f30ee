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

export interface EmResult {
  params: GmmParams;
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

/** The M-step over chunks: eq. (5) with the given memberships; an emptied component is a clear error. */
function mStep(z: Float32Array, gamma: Float32Array, n: number, d: number, k: number, chunk: number, o: GmmOptions, iteration: number): GmmParams {
  const parts: { z: Float32Array; gamma: Float32Array; n: number }[] = [];
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    parts.push({ z: z.subarray(s * d, e * d), gamma: gamma.subarray(s * k, e * k), n: e - s });
  }
  try {
    return gmmParamsFromMemberships(parts, k, d, o);
  } catch (e) {
    throw new Error(`EM (iteration ${iteration}): ${(e as Error).message.replace(/^gmmParamsFromMemberships: /, '')}; try fewer components or another seed`, { cause: e });
  }
}

function maxChange(a: GmmParams, b: GmmParams): number {
  let m = 0;
  for (const [x, y] of [[a.phi, b.phi], [a.mu, b.mu], [a.cov, b.cov]] as const) {
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

/** Fits a K-component GMM (full covariances, or diagonal ones with `diagonal`) to z [n, d] (row-major) by EM. */
export function fitGmmEm(z: Float32Array, n: number, d: number, k: number, rng: Rng, o: EmOptions = {}): EmResult {
  checkArgs(z, n, d, k, o);
  const llTolerance = o.logLikelihoodTolerance;
  const tolerance = llTolerance ?? o.tolerance ?? 1e-6, maxIterations = o.maxIterations ?? 1000, chunk = o.chunk ?? 8192;
  const gmmOptions: GmmOptions = { covEps: o.covEps, jitter: o.jitter, diagonal: o.diagonal };
  let params = mStep(z, initialMemberships(z, n, d, k, rng), n, d, k, chunk, gmmOptions, 0);
  const gamma = new Float32Array(n * k), resp = new Float64Array(Math.min(n, chunk) * k), energy = new Float64Array(Math.min(n, chunk));
  const logLikelihood: number[] = [];
  let iterations = 0, change = Infinity;
  /** E-step: posteriors into gamma; returns the mean log-likelihood of the current parameters. */
  const eStep = (p: GmmParams): number => {
    let ll = 0;
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(n, s + chunk) - s;
      gmmPosteriors(z.subarray(s * d, (s + m) * d), m, p, resp.subarray(0, m * k), energy.subarray(0, m));
      for (let i = 0; i < m * k; i++) gamma[s * k + i] = resp[i];
      for (let i = 0; i < m; i++) ll -= energy[i];
    }
    return ll / n;
  };
  while (iterations < maxIterations && change >= tolerance) {
    logLikelihood.push(eStep(params));
    const next = mStep(z, gamma, n, d, k, chunk, gmmOptions, iterations + 1);
    const m = logLikelihood.length;
    change = llTolerance === undefined ? maxChange(params, next) : m > 1 ? Math.abs(logLikelihood[m - 1] - logLikelihood[m - 2]) : Infinity;
    params = next;
    iterations++;
  }
  logLikelihood.push(eStep(params));
  return { params, iterations, converged: change < tolerance, logLikelihood, lastChange: change };
}
