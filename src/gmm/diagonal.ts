/**
 * Gaussian mixtures with diagonal covariances (scikit-learn's covariance_type 'diag'), kept as k x d variances:
 * the M-step, energies and posteriors cost O(n k d), where the full-covariance path (gmm.ts) costs O(n k d^2) and
 * O(k d^3) per iteration. On wide data, where diagonal covariances are the ones that can be estimated, that is the
 * difference between seconds and hours (500 features: ~250x fewer operations per iteration).
 */

const LOG_2PI = Math.log(2 * Math.PI);

/** A diagonal mixture, float64, row-major. */
export interface DiagonalGmm {
  k: number;
  d: number;
  /** Mixture weights [K]. */
  phi: Float64Array;
  /** Means [K, D]. */
  mu: Float64Array;
  /** Variances [K, D], the regularisation term included. */
  variance: Float64Array;
  /** log phi_c - 0.5 (D log 2 pi + sum_j log variance_cj) [K]: the per-component constant of log p. */
  base: Float64Array;
}

/** The mixture from weights, means and variances: checks them and computes the per-component constants. */
export function diagonalGmm(phi: Float64Array, mu: Float64Array, variance: Float64Array, k: number, d: number): DiagonalGmm {
  const base = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) {
      const v = variance[c * d + j];
      if (!(v > 0 && v < Infinity)) throw new Error(`diagonal mixture: component ${c} has variance ${v} at feature ${j}, not positive and finite`);
      logDet += Math.log(v);
    }
    base[c] = Math.log(phi[c]) - 0.5 * (d * LOG_2PI + logDet);
  }
  return { k, d, phi, mu, variance, base };
}

/**
 * Parameters from soft memberships gamma [N, K] (the M-step, eq. 5 of the DAGMM paper with diagonal
 * covariances): weights, means, then variances in a second pass about the means, plus regCovar.
 */
export function diagonalParamsFromMemberships(z: Float32Array, gamma: Float32Array, n: number, d: number, k: number, regCovar: number): DiagonalGmm {
  const s = new Float64Array(k), mu = new Float64Array(k * d), variance = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let c = 0; c < k; c++) {
      const g = gamma[i * k + c];
      if (g === 0) continue;
      s[c] += g;
      const o = c * d;
      for (let j = 0; j < d; j++) mu[o + j] += g * z[row + j];
    }
  }
  for (let c = 0; c < k; c++) {
    if (!(s[c] > 0)) throw new Error(`mixture component ${c} has zero total membership`);
    for (let j = 0; j < d; j++) mu[c * d + j] /= s[c];
  }
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let c = 0; c < k; c++) {
      const g = gamma[i * k + c];
      if (g === 0) continue;
      const o = c * d;
      for (let j = 0; j < d; j++) { const e = z[row + j] - mu[o + j]; variance[o + j] += g * e * e; }
    }
  }
  const phi = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    phi[c] = s[c] / n;
    for (let j = 0; j < d; j++) {
      const v = variance[c * d + j] / s[c] + regCovar;
      if (!(v > 0)) throw new Error(`mixture component ${c} has zero variance at feature ${j} (a regularisation term above 0 keeps variances positive)`);
      variance[c * d + j] = v;
    }
  }
  return diagonalGmm(phi, mu, variance, k, d);
}

/**
 * Sample energies -log p(z_i) [N] and, given `resp` [N, K], the posteriors p(c | z_i): per row the components'
 * log densities, then a log-sum-exp from their maximum.
 */
export function diagonalEnergies(z: Float32Array, n: number, g: DiagonalGmm, out: Float64Array = new Float64Array(n), resp: Float64Array | null = null): Float64Array {
  const { k, d, mu, variance, base } = g;
  const inv = Float64Array.from(variance, (v) => 1 / v), logp = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let best = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = c * d;
      let q = 0;
      for (let j = 0; j < d; j++) { const e = z[row + j] - mu[o + j]; q += e * e * inv[o + j]; }
      const l = base[c] - 0.5 * q;
      logp[c] = l;
      if (l > best) best = l;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logp[c] - best);
    const logDensity = best + Math.log(sum);
    out[i] = -logDensity;
    if (resp) for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(logp[c] - logDensity);
  }
  return out;
}
