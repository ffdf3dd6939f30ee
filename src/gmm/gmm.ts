/**
 * Gaussian mixture math for DAGMM-style models, in float64 for the small K x D x D parameters.
 *
 * gmmEnergyLoss is one fused, differentiable op: from latent codes z [N, D] and soft memberships
 * gamma [N, K] it builds the batch GMM (phi, mu, Sigma), the sample energies and the covariance
 * penalty, and back-propagates through all of it analytically (no per-element tape nodes).
 */
import { type JitterPolicy, DEFAULT_JITTER, choleskyJitter, logDetFromCholesky, inverseFromCholesky } from '../engine/linalg64.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../engine/tensor.js';
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

/**
 * GMM parameters from soft memberships (the paper's eq. 5), two-pass for accuracy.
 * Accepts several batches so parameters can be computed over a whole training set.
 */
export function gmmParamsFromMemberships(batches: Iterable<{ z: Float32Array; gamma: Float32Array; n: number }>,
  k: number, d: number, options: GmmOptions = {}): GmmParams {
  const list = [...batches];
  const p = emptyParams(k, d);
  const s = new Float64Array(k);
  let total = 0;
  for (const { z, gamma, n } of list) {
    total += n;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const g = gamma[i * k + c];
        s[c] += g;
        for (let j = 0; j < d; j++) p.mu[c * d + j] += g * z[i * d + j];
      }
    }
  }
  if (total === 0) throw new Error('gmmParamsFromMemberships: no rows');
  for (let c = 0; c < k; c++) {
    p.phi[c] = s[c] / total;
    if (!(s[c] > 0)) throw new Error(`gmmParamsFromMemberships: mixture component ${c} has zero total membership`);
    for (let j = 0; j < d; j++) p.mu[c * d + j] /= s[c];
  }
  const diff = new Float64Array(d);
  for (const { z, gamma, n } of list) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const g = gamma[i * k + c] / s[c];
        for (let j = 0; j < d; j++) diff[j] = z[i * d + j] - p.mu[c * d + j];
        const o = c * d * d;
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) p.cov[o + a * d + b] += g * diff[a] * diff[b];
      }
    }
  }
  factorise(p, options.covEps ?? 1e-6, options.jitter ?? DEFAULT_JITTER);
  return p;
}

/** Sample energies E(z) = -log sum_k phi_k N(z | mu_k, Sigma_k) for fixed parameters, float64. */
export function gmmEnergies(z: Float32Array, n: number, p: GmmParams, out = new Float64Array(n)): Float64Array {
  const { k, d } = p;
  const y = new Float64Array(d);
  const logp = new Float64Array(k);
  const base = new Float64Array(k);
  for (let c = 0; c < k; c++) base[c] = Math.log(p.phi[c]) - 0.5 * (d * LOG_2PI + p.logDet[c]);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = c * d * d;
      let maha = 0;
      for (let a = 0; a < d; a++) {
        let v = z[i * d + a] - p.mu[c * d + a];
        for (let b = 0; b < a; b++) v -= p.chol[o + a * d + b] * y[b];
        v /= p.chol[o + a * d + a];
        y[a] = v;
        maha += v * v;
      }
      logp[c] = base[c] - 0.5 * maha;
      if (logp[c] > m) m = logp[c];
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(logp[c] - m);
    out[i] = -(m + Math.log(s));
  }
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
  const p = gmmParamsFromMemberships([{ z: zd, gamma: gd, n }], k, d, options);
  const s = new Float64Array(k);
  for (let c = 0; c < k; c++) s[c] = p.phi[c] * n;

  // Per (i, c): w = Sigma^-1 (z_i - mu_c), log p; energies by log-sum-exp.
  const w = new Float64Array(n * k * d);
  const logp = new Float64Array(n * k);
  const energy = new Float64Array(n);
  const base = new Float64Array(k);
  for (let c = 0; c < k; c++) base[c] = Math.log(p.phi[c]) - 0.5 * (d * LOG_2PI + p.logDet[c]);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = c * d * d, wo = (i * k + c) * d;
      let maha = 0;
      for (let a = 0; a < d; a++) {
        let v = zd[i * d + a] - p.mu[c * d + a];
        for (let b = 0; b < a; b++) v -= p.chol[o + a * d + b] * w[wo + b];
        v /= p.chol[o + a * d + a];
        w[wo + a] = v;
        maha += v * v;
      }
      for (let a = d - 1; a >= 0; a--) {
        let v = w[wo + a];
        for (let b = a + 1; b < d; b++) v -= p.chol[o + b * d + a] * w[wo + b];
        w[wo + a] = v / p.chol[o + a * d + a];
      }
      const lp = base[c] - 0.5 * maha;
      logp[i * k + c] = lp;
      if (lp > m) m = lp;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logp[i * k + c] - m);
    energy[i] = -(m + Math.log(sum));
  }
  let penalty = 0;
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) penalty += 1 / p.cov[c * d * d + j * d + j];

  const out = allocData(n + 1);
  for (let i = 0; i < n; i++) out[i] = energy[i];
  out[n] = penalty;
  for (let i = 0; i <= n; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(`gmmEnergyLoss: non-finite ${i < n ? `energy at row ${i}` : 'covariance penalty'} (${out[i]}); check the inputs for NaN/Inf`);
    }
  }

  const joint = makeOutput(out, [n + 1], [z, gamma], (g) => {
    const gP = g[n];
    const gPhi = new Float64Array(k), gLogDet = new Float64Array(k);
    const gMu = new Float64Array(k * d), gSig = new Float64Array(k * d * d);
    const gz = z.requiresGrad ? z.gradBuffer() : null;
    // Energy terms.
    for (let i = 0; i < n; i++) {
      const gE = g[i];
      if (gE === 0) continue;
      for (let c = 0; c < k; c++) {
        const r = Math.exp(logp[i * k + c] + energy[i]);
        const gl = -gE * r; // on log p_ic
        if (gl === 0) continue;
        gPhi[c] += gl / p.phi[c];
        gLogDet[c] += -0.5 * gl;
        const gm = -0.5 * gl; // on the Mahalanobis term
        const wo = (i * k + c) * d, so = c * d * d;
        for (let a = 0; a < d; a++) {
          const gdA = 2 * gm * w[wo + a];
          if (gz) gz[i * d + a] += gdA;
          gMu[c * d + a] -= gdA;
          for (let b = 0; b < d; b++) gSig[so + a * d + b] -= gm * w[wo + a] * w[wo + b];
        }
      }
    }
    // log det and penalty terms on Sigma.
    const inv = new Float64Array(d * d);
    for (let c = 0; c < k; c++) {
      const so = c * d * d;
      if (gLogDet[c] !== 0) {
        inverseFromCholesky(p.chol, so, d, inv, 0);
        for (let q = 0; q < d * d; q++) gSig[so + q] += gLogDet[c] * inv[q];
      }
      for (let j = 0; j < d; j++) { const v = p.cov[so + j * d + j]; gSig[so + j * d + j] -= gP / (v * v); }
    }
    // Through Sigma = C/s + eps I, mu = sum gamma z / s, phi = s / N, s = sum gamma.
    const gs = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const so = c * d * d;
      let inner = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          const cab = p.cov[so + a * d + b] - (a === b ? covEps + p.jitter[c] : 0);
          inner += gSig[so + a * d + b] * cab;
        }
      }
      gs[c] = gPhi[c] / n - inner / s[c];
    }
    const gg = gamma.requiresGrad ? gamma.gradBuffer() : null;
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const so = c * d * d;
        for (let a = 0; a < d; a++) diff[a] = zd[i * d + a] - p.mu[c * d + a];
        let muTerm = 0, sigTerm = 0;
        const coef = gd[i * k + c] / s[c];
        for (let a = 0; a < d; a++) {
          let sd = 0;
          for (let b = 0; b < d; b++) sd += gSig[so + a * d + b] * diff[b];
          muTerm += diff[a] * gMu[c * d + a];
          sigTerm += diff[a] * sd;
          if (gz) gz[i * d + a] += coef * (gMu[c * d + a] + 2 * sd);
        }
        if (gg) gg[i * k + c] += gs[c] + (muTerm + sigTerm) / s[c];
      }
    }
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

/** Rebuilds parameters (and their factorisation) from saved phi, mu, cov. */
export function gmmParamsFromJSON(j: { k: number; d: number; phi: number[]; mu: number[]; cov: number[] }): GmmParams {
  const p = emptyParams(j.k, j.d);
  if (j.phi.length !== j.k || j.mu.length !== j.k * j.d || j.cov.length !== j.k * j.d * j.d) {
    throw new Error(`GMM parameters: sizes do not match k=${j.k}, d=${j.d}`);
  }
  p.phi.set(j.phi); p.mu.set(j.mu); p.cov.set(j.cov);
  factorise(p, 0, DEFAULT_JITTER);
  return p;
}

/** Dense inverse covariances, e.g. for reports. */
export function gmmPrecisions(p: GmmParams): Float64Array {
  const out = new Float64Array(p.k * p.d * p.d);
  for (let c = 0; c < p.k; c++) inverseFromCholesky(p.chol, c * p.d * p.d, p.d, out, c * p.d * p.d);
  return out;
}
