/**
 * Gaussian mixture math for DAGMM-style models, in float64 for the small K x D x D parameters.
 *
 * gmmEnergyLoss is one fused, differentiable op: from latent codes z [N, D] and soft memberships
 * gamma [N, K] it builds the batch GMM (phi, mu, Sigma), the sample energies and the covariance
 * penalty, and back-propagates through all of it analytically (no per-element tape nodes).
 */
import { kernels } from '../engine/backend/index.js';
import { type GmmKernels, tsGmmKernels } from '../engine/backend/gmm-kernels.js';
import { type JitterPolicy, DEFAULT_JITTER, choleskyInto, choleskyJitter, logDetFromCholesky, inverseFromCholesky } from '../engine/linalg64.js';
import { allocData, allocData64, makeOutput, shapeString, type Tensor } from '../engine/tensor.js';
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

export interface GmmLossResult {
  /** Per-sample energies [N]. */
  energy: Tensor;
  /** sum_k sum_j 1 / Sigma_k[j][j] (scalar). */
  covPenalty: Tensor;
  /** The batch's GMM parameters. */
  params: GmmParams;
}

/**
 * The fused DAGMM estimation loss: batch GMM from memberships, sample energies and covariance penalty,
 * with gradients with respect to both z and gamma.
 */
export function gmmEnergyLoss(z: Tensor, gamma: Tensor, options: GmmOptions = {}): GmmLossResult {
  const { n, d, k } = checkInputs(z, gamma, 'gmmEnergyLoss');
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

  const out = allocData(n + 1);
  for (let i = 0; i < n; i++) out[i] = energy[i];
  out[n] = penalty;
  for (let i = 0; i <= n; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(`the mixture's ${i < n ? `sample energy of batch row ${i + 1}` : 'covariance penalty'} is not finite (${out[i]}): training diverged; try a lower learning rate or another seed`);
    }
  }

  const joint = makeOutput(out, [n + 1], [z, gamma], (g) => {
    const gP = g[n];
    const gLogp = new Float64Array(k), gMu = new Float64Array(k * d), gSig = new Float64Array(k * d * d);
    const gz = z.requiresGrad ? z.gradBuffer() : null;
    K.backwardAccumulate(n, k, d, g, resp, w, gLogp, gMu, gSig, gz);
    // Sigma gradient: 0.5 sum g w w^T from the Mahalanobis terms, -0.5 gLogp Sigma^-1 from log det,
    // -gP / Sigma_jj^2 from the penalty.
    const gS = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const so = c * d * d;
      let inner = 0;
      for (let q = 0; q < d * d; q++) gSig[so + q] = 0.5 * gSig[so + q] - 0.5 * gLogp[c] * prec[so + q];
      for (let j = 0; j < d; j++) { const v = p.cov[so + j * d + j]; gSig[so + j * d + j] -= gP / (v * v); }
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          const cab = p.cov[so + a * d + b] - (a === b ? covEps + p.jitter[c] : 0);
          inner += gSig[so + a * d + b] * cab;
        }
      }
      gS[c] = gLogp[c] / p.phi[c] / n - inner / s[c];
    }
    K.backwardApply(n, k, d, zd, gd, s, p.mu, gMu, gSig, gS, gz, gamma.requiresGrad ? gamma.gradBuffer() : null);
  });
  return { energy: slice(joint, 0, 0, n), covPenalty: sliceScalar(joint, n), params: p };
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
