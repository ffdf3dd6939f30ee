/**
 * Gaussian mixture math for DAGMM-style models, in float64 for the small K x D x D parameters.
 *
 * gmmEnergyLoss is one fused, differentiable op: from latent codes z [N, D] and soft memberships
 * gamma [N, K] it builds the batch GMM (phi, mu, Sigma), the sample energies and the covariance
 * penalty, and back-propagates through all of it analytically (no per-element tape nodes).
 * gmmVariationalBound (DAGMM-NVI) is the same op with eq. (10)'s bound in place of the energy; both share the
 * batch GMM and its backward pass. gmmPosteriors is EM's E-step (em.ts).
 */
import { kernels } from '../engine/backend/index.js';
import { type GmmKernels, tsGmmKernels } from '../engine/backend/gmm-kernels.js';
import { type JitterPolicy, DEFAULT_JITTER, choleskyInto, choleskyJitter, logDetFromCholesky, inverseFromCholesky } from '../engine/linalg64.js';
import { allocData, allocData64, makeOutput, shapeString, Tensor } from '../engine/tensor.js';
import { slice } from '../engine/ops/shape.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Mixture parameters, float64, row-major. */
export interface GmmParams {
  k: number;
  d: number;
  /** Mixture weights [K]. */
  phi: Float64Array;
  /** Means [K, D]. */
  mu: Float64Array;
  /** Covariances [K, D, D] including the fixed diagonal term and any retry jitter. */
  cov: Float64Array;
  /** Cholesky factors of cov [K, D, D]. */
  chol: Float64Array;
  /** log det cov [K]. */
  logDet: Float64Array;
  /** Retry jitter added per component beyond the fixed term [K] (0 when none was needed). */
  jitter: Float64Array;
}

export interface GmmOptions {
  /** Fixed diagonal term added to every covariance (the paper's implementations use 1e-6). */
  covEps?: number;
  /** What to do when a covariance is still not positive-definite. */
  jitter?: JitterPolicy;
}

function checkInputs(z: Tensor, gamma: Tensor, op: string): { n: number; d: number; k: number } {
  if (z.rank !== 2 || gamma.rank !== 2 || z.shape[0] !== gamma.shape[0]) {
    throw new Error(`${op}: expected z [N, D] and gamma [N, K] with the same N, got ${shapeString(z.shape)} and ${shapeString(gamma.shape)}`);
  }
  const [n, d] = z.shape;
  const k = gamma.shape[1];
  if (n === 0) throw new Error(`${op}: empty batch`);
  return { n, d, k };
}

/** Finishes parameters from accumulated covariances: adds covEps, factorises with retry jitter. */
function factorise(p: GmmParams, covEps: number, policy: JitterPolicy): void {
  const { k, d } = p;
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    for (let j = 0; j < d; j++) p.cov[o + j * d + j] += covEps;
    const jit = choleskyJitter(p.cov, o, d, p.chol, o, policy);
    if (jit > 0) for (let j = 0; j < d; j++) p.cov[o + j * d + j] += jit;
    p.jitter[c] = jit;
    p.logDet[c] = logDetFromCholesky(p.chol, o, d);
  }
}

function emptyParams(k: number, d: number): GmmParams {
  return {
    k, d, phi: new Float64Array(k), mu: new Float64Array(k * d), cov: new Float64Array(k * d * d),
    chol: new Float64Array(k * d * d), logDet: new Float64Array(k), jitter: new Float64Array(k),
  };
}

function gmmKernels(): GmmKernels { return kernels().gmm ?? tsGmmKernels; }

/** Precisions and the per-component constant of log p, for the energy kernel. */
function energyTerms(p: GmmParams): { prec: Float64Array; base: Float64Array } {
  const prec = gmmPrecisions(p);
  const base = new Float64Array(p.k);
  for (let c = 0; c < p.k; c++) base[c] = Math.log(p.phi[c]) - 0.5 * (p.d * LOG_2PI + p.logDet[c]);
  return { prec, base };
}

/**
 * GMM parameters from soft memberships (the paper's eq. 5). Several batches can be given, so the
 * parameters can be computed over a whole training set; batches are combined exactly (pairwise
 * update of means and covariances), each one two-pass.
 */
export function gmmParamsFromMemberships(batches: Iterable<{ z: Float32Array; gamma: Float32Array; n: number }>,
  k: number, d: number, options: GmmOptions = {}): GmmParams {
  const p = emptyParams(k, d);
  const s = new Float64Array(k);
  const bs = new Float64Array(k), bmu = new Float64Array(k * d), bcov = new Float64Array(k * d * d);
  let total = 0;
  for (const { z, gamma, n } of batches) {
    if (n === 0) continue;
    gmmKernels().moments(n, k, d, z, gamma, bs, bmu, bcov);
    total += n;
    for (let c = 0; c < k; c++) {
      const s0 = s[c], s1 = bs[c], st = s0 + s1;
      if (s1 === 0) continue;
      const f = s1 / st;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          const da = bmu[c * d + a] - p.mu[c * d + a], db = bmu[c * d + b] - p.mu[c * d + b];
          const q = c * d * d + a * d + b;
          p.cov[q] = (1 - f) * p.cov[q] + f * bcov[q] + f * (1 - f) * da * db;
        }
      }
      for (let a = 0; a < d; a++) p.mu[c * d + a] += f * (bmu[c * d + a] - p.mu[c * d + a]);
      s[c] = st;
    }
  }
  if (total === 0) throw new Error('gmmParamsFromMemberships: no rows');
  for (let c = 0; c < k; c++) {
    if (!(s[c] > 0)) throw new Error(`gmmParamsFromMemberships: mixture component ${c} has zero total membership`);
    p.phi[c] = s[c] / total;
  }
  factorise(p, options.covEps ?? 1e-6, options.jitter ?? DEFAULT_JITTER);
  return p;
}

/** Sample energies E(z) = -log sum_k phi_k N(z | mu_k, Sigma_k) for fixed parameters, float64. */
export function gmmEnergies(z: Float32Array, n: number, p: GmmParams, out: Float64Array = new Float64Array(n)): Float64Array {
  const { prec, base } = energyTerms(p);
  gmmKernels().energy(n, p.k, p.d, z, p.mu, prec, base, out, null, null);
  return out;
}

/**
 * Posterior memberships p(k | z_i) [N, K] (the E-step of EM) and sample energies [N] under fixed parameters,
 * float64, from the same kernel as the energies.
 */
export function gmmPosteriors(z: Float32Array, n: number, p: GmmParams,
  resp: Float64Array = new Float64Array(n * p.k), energy: Float64Array = new Float64Array(n)): { resp: Float64Array; energy: Float64Array } {
  const { prec, base } = energyTerms(p);
  gmmKernels().energy(n, p.k, p.d, z, p.mu, prec, base, energy, resp, new Float64Array(n * p.k * p.d));
  return { resp, energy };
}

export interface GmmLossResult {
  /** Per-sample energies [N]. */
  energy: Tensor;
  /** sum_k sum_j 1 / Sigma_k[j][j] (scalar). */
  covPenalty: Tensor;
  /** The batch's GMM parameters. */
  params: GmmParams;
}

/** The batch GMM of eq. (5) and the per-sample quantities both fused losses need (forward and backward). */
interface BatchGmm {
  n: number; d: number; k: number; covEps: number;
  p: GmmParams;
  /** Membership totals sum_i gamma_ic [K]. */
  s: Float64Array;
  prec: Float64Array;
  /** log phi_c - 0.5 (D log 2 pi + log det Sigma_c) [K]. */
  base: Float64Array;
  energy: Float64Array;
  /** Posterior responsibilities [N, K]. */
  resp: Float64Array;
  /** Sigma_c^-1 (z_i - mu_c) [N, K, D]. */
  w: Float64Array;
  /** sum_c sum_j 1 / Sigma_c[j][j]. */
  penalty: number;
}

function batchGmm(z: Tensor, gamma: Tensor, options: GmmOptions, op: string): BatchGmm {
  const { n, d, k } = checkInputs(z, gamma, op);
  const covEps = options.covEps ?? 1e-6;
  const zd = z.data, gd = gamma.data;
  const K = gmmKernels();
  const p = emptyParams(k, d);
  const s = new Float64Array(k);
  K.moments(n, k, d, zd, gd, s, p.mu, p.cov);
  for (let c = 0; c < k; c++) {
    if (!(s[c] > 0)) throw new Error(`the mixture's component ${c + 1} of ${k} received no membership in a training batch (the estimation network collapsed): try another seed or fewer components`);
    p.phi[c] = s[c] / n;
  }
  factorise(p, covEps, options.jitter ?? DEFAULT_JITTER);
  const { prec, base } = energyTerms(p);
  const energy = allocData64(n), resp = allocData64(n * k), w = allocData64(n * k * d);
  K.energy(n, k, d, zd, p.mu, prec, base, energy, resp, w);
  let penalty = 0;
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) penalty += 1 / p.cov[c * d * d + j * d + j];
  return { n, d, k, covEps, p, s, prec, base, energy, resp, w, penalty };
}

/** [per-sample values..., penalty] as float32, refusing anything not finite (training diverged). */
function jointValues(values: Float64Array, b: BatchGmm, what: string): Float32Array {
  const n = b.n, out = allocData(n + 1);
  for (let i = 0; i < n; i++) out[i] = values[i];
  out[n] = b.penalty;
  for (let i = 0; i <= n; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(`the mixture's ${i < n ? `${what} of batch row ${i + 1}` : 'covariance penalty'} is not finite (${out[i]}): training diverged; try a lower learning rate or another seed`);
    }
  }
  return out;
}

/**
 * Backward pass of a fused loss whose per-sample value depends on log p_ic = log phi_c + log N(z_i | mu_c,
 * Sigma_c) with d value_i / d log p_ic = -g_i weight_ic (weight = resp for the energy, gamma for the bound),
 * and on the covariance penalty (gradient g[n]): through z directly and through the batch parameters of eq. (5)
 * into z and gamma.
 */
function backwardThroughGmm(b: BatchGmm, z: Tensor, gamma: Tensor, g: Float32Array, weight: Float64Array): void {
  const { n, k, d, p, s, prec, covEps } = b;
  const K = gmmKernels();
  const gP = g[n];
  const gLogp = new Float64Array(k), gMu = new Float64Array(k * d), gSig = new Float64Array(k * d * d);
  const gz = z.requiresGrad ? z.gradBuffer() : null;
  K.backwardAccumulate(n, k, d, g, weight, b.w, gLogp, gMu, gSig, gz);
  // Sigma gradient: 0.5 sum g w w^T from the Mahalanobis terms, -0.5 gLogp Sigma^-1 from log det,
  // -gP / Sigma_jj^2 from the penalty.
  const gS = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const so = c * d * d;
    let inner = 0;
    for (let q = 0; q < d * d; q++) gSig[so + q] = 0.5 * gSig[so + q] - 0.5 * gLogp[c] * prec[so + q];
    for (let j = 0; j < d; j++) { const v = p.cov[so + j * d + j]; gSig[so + j * d + j] -= gP / (v * v); }
    for (let a = 0; a < d; a++) {
      for (let bb = 0; bb < d; bb++) {
        const cab = p.cov[so + a * d + bb] - (a === bb ? covEps + p.jitter[c] : 0);
        inner += gSig[so + a * d + bb] * cab;
      }
    }
    gS[c] = gLogp[c] / p.phi[c] / n - inner / s[c];
  }
  K.backwardApply(n, k, d, z.data, gamma.data, s, p.mu, gMu, gSig, gS, gz, gamma.requiresGrad ? gamma.gradBuffer() : null);
}

/**
 * The fused DAGMM estimation loss: batch GMM from memberships, sample energies and covariance penalty,
 * with gradients with respect to both z and gamma.
 */
export function gmmEnergyLoss(z: Tensor, gamma: Tensor, options: GmmOptions = {}): GmmLossResult {
  const b = batchGmm(z, gamma, options, 'gmmEnergyLoss');
  const joint = makeOutput(jointValues(b.energy, b, 'sample energy'), [b.n + 1], [z, gamma], (g) => backwardThroughGmm(b, z, gamma, g, b.resp));
  return { energy: slice(joint, 0, 0, b.n), covPenalty: sliceScalar(joint, b.n), params: b.p };
}

export interface GmmBoundResult extends GmmLossResult {
  /** Per-sample variational upper bounds of the energy [N] (differentiable). */
  bound: Tensor;
}

/** Where gamma is 0, gamma log gamma is 0; its derivative's log gamma is taken at this floor. */
const GAMMA_LOG_FLOOR = 1e-30;

/**
 * DAGMM-NVI's estimation objective (Zong et al. 2018, Section 3.4, eqs. 8-10): with Q(k | z_i) = gamma_ik
 * (the estimation network as a variational posterior) and the batch GMM of eq. (5), the per-sample bound
 *   B_i = -E_Q[log p(z_i, k) - log Q(k | z_i)] = sum_k gamma_ik (log gamma_ik - log phi_k - log N(z_i | mu_k, Sigma_k))
 *       = E(z_i) + KL(Q(k | z_i) || p(k | z_i)) >= E(z_i),
 * with the covariance penalty, differentiable in z and gamma. `energy` holds the sample energies (not
 * differentiated: a view of the same values for reports).
 */
export function gmmVariationalBound(z: Tensor, gamma: Tensor, options: GmmOptions = {}): GmmBoundResult {
  const b = batchGmm(z, gamma, options, 'gmmVariationalBound');
  const { n, k, d, base, w, p } = b;
  const zd = z.data, gd = gamma.data;
  // log p_ic = base_c - 0.5 (z_i - mu_c)^T Sigma_c^-1 (z_i - mu_c), with Sigma_c^-1 (z_i - mu_c) = w_ic.
  const logp = new Float64Array(n * k), bound = new Float64Array(n), weight = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let bi = 0;
    for (let c = 0; c < k; c++) {
      let maha = 0;
      const wo = (i * k + c) * d;
      for (let a = 0; a < d; a++) maha += w[wo + a] * (zd[i * d + a] - p.mu[c * d + a]);
      const lp = base[c] - 0.5 * maha, q = gd[i * k + c];
      logp[i * k + c] = lp;
      weight[i * k + c] = q;
      if (q > 0) bi += q * (Math.log(q) - lp);
    }
    bound[i] = bi;
  }
  const joint = makeOutput(jointValues(bound, b, 'variational bound'), [n + 1], [z, gamma], (g) => {
    backwardThroughGmm(b, z, gamma, g, weight);
    if (!gamma.requiresGrad) return;
    // The direct path: d B_i / d gamma_ic = log gamma_ic + 1 - log p_ic.
    const gg = gamma.gradBuffer();
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      if (gi === 0) continue;
      for (let c = 0; c < k; c++) gg[i * k + c] += gi * (Math.log(Math.max(gd[i * k + c], GAMMA_LOG_FLOOR)) + 1 - logp[i * k + c]);
    }
  });
  const energy = new Tensor(Float32Array.from(b.energy), [n]);
  return { bound: slice(joint, 0, 0, n), energy, covPenalty: sliceScalar(joint, n), params: p };
}

function sliceScalar(joint: Tensor, index: number): Tensor {
  const s = slice(joint, 0, index, index + 1);
  const out = allocData(1);
  out[0] = s.data[0];
  return makeOutput(out, [], [s], (g) => { s.gradBuffer()[0] += g[0]; });
}

/** Number of parameters' entries for serialisation. */
export function gmmParamsToJSON(p: GmmParams): { k: number; d: number; phi: number[]; mu: number[]; cov: number[] } {
  return { k: p.k, d: p.d, phi: Array.from(p.phi), mu: Array.from(p.mu), cov: Array.from(p.cov) };
}

/**
 * Rebuilds parameters (and their factorisation) from saved phi, mu, cov, refusing any that could not score:
 * sizes are checked before anything is allocated (the arrays are the only evidence of k and d), the mixture
 * weights must be a distribution, every covariance symmetric and positive definite as stored. Errors name
 * the field (`phi`, `cov[c]`) relative to where the caller keeps the parameters.
 */
export function gmmParamsFromJSON(j: { k: number; d: number; phi: number[]; mu: number[]; cov: number[] }): GmmParams {
  const fail = (field: string, detail: string): never => { throw new Error(`GMM parameters: ${field} ${detail}`); };
  if (typeof j !== 'object' || j === null) fail('(all)', 'are missing');
  const { k, d } = j;
  if (!Number.isInteger(k) || k < 1) fail('k', `must be a positive integer, got ${String(k)}`);
  if (!Number.isInteger(d) || d < 1) fail('d', `must be a positive integer, got ${String(d)}`);
  for (const [name, arr, n] of [['phi', j.phi, k], ['mu', j.mu, k * d], ['cov', j.cov, k * d * d]] as const) {
    if (!Array.isArray(arr) || arr.length !== n) fail(name, `must hold ${n} numbers for k=${k}, d=${d}, got ${Array.isArray(arr) ? arr.length : typeof arr}`);
    const bad = (arr as unknown[]).findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) fail(`${name}[${bad}]`, `is not a finite number (${String((arr as unknown[])[bad])})`);
  }
  let sum = 0;
  j.phi.forEach((v, c) => { if (!(v >= 0)) fail(`phi[${c}]`, `is negative (${v}); mixture weights are a distribution`); sum += v; });
  if (!(Math.abs(sum - 1) <= 1e-4)) fail('phi', `sums to ${sum}, not 1; mixture weights are a distribution`);
  const p = emptyParams(k, d);
  p.phi.set(j.phi); p.mu.set(j.mu); p.cov.set(j.cov);
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    for (let r = 0; r < d; r++) {
      for (let q = 0; q < r; q++) {
        const a = p.cov[o + r * d + q], b = p.cov[o + q * d + r];
        if (Math.abs(a - b) > 1e-6 * (Math.abs(a) + Math.abs(b)) + 1e-12) fail(`cov[${c}]`, `is not symmetric at [${r}, ${q}] (${a} vs ${b})`);
      }
    }
    if (!choleskyInto(p.cov, o, d, p.chol, o, 0)) fail(`cov[${c}]`, 'is not positive definite');
  }
  factorise(p, 0, DEFAULT_JITTER);
  return p;
}

/** Dense inverse covariances, e.g. for reports. */
export function gmmPrecisions(p: GmmParams): Float64Array {
  const out = new Float64Array(p.k * p.d * p.d);
  for (let c = 0; c < p.k; c++) inverseFromCholesky(p.chol, c * p.d * p.d, p.d, out, c * p.d * p.d);
  return out;
}
