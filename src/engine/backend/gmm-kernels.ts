/**
 * The per-sample loops of the fused GMM op, as kernels: float32 z [N, D] and gamma [N, K] in,
 * float64 accumulators and parameters. The TypeScript versions here are the oracle; a backend may
 * provide native ones (Kernels.gmm). The tiny K x D x D algebra between the passes stays in gmm.ts.
 */

export interface GmmKernels {
  /**
   * Membership totals s [K], means mu [K, D] and covariances cov [K, D, D] (normalised by s, two-pass).
   * Components with s = 0 get mu = 0 and cov = 0.
   */
  moments(n: number, k: number, d: number, z: Float32Array, gamma: Float32Array,
    s: Float64Array, mu: Float64Array, cov: Float64Array): void;

  /**
   * Energies E_i = -log sum_c exp(base_c - 0.5 (z_i - mu_c)^T P_c (z_i - mu_c)) with precisions P [K, D, D]
   * and base_c = log phi_c - 0.5 (D log 2 pi + log det Sigma_c). When resp and w are given, also stores the
   * responsibilities resp [N, K] and w = P_c (z_i - mu_c) [N, K, D] for the backward pass.
   */
  energy(n: number, k: number, d: number, z: Float32Array, mu: Float64Array, prec: Float64Array, base: Float64Array,
    energy: Float64Array, resp: Float64Array | null, w: Float64Array | null): void;

  /**
   * Backward pass 1, from gE [N] (dLoss/dE_i). With g_ic = -gE_i resp_ic (the gradient on log p_ic) and
   * d(log p_ic)/dz_i = -w_ic, it writes gLogp [K] = sum_i g_ic, gMu [K, D] = sum_i g_ic w_ic (the direct
   * path through z_i - mu_c), gOuter [K, D, D] = sum_i g_ic w_ic w_ic^T, and adds -sum_c g_ic w_ic to gz
   * [N, D] when gz is non-null. All accumulators except gz are overwritten.
   */
  backwardAccumulate(n: number, k: number, d: number, gE: Float32Array, resp: Float64Array, w: Float64Array,
    gLogp: Float64Array, gMu: Float64Array, gOuter: Float64Array, gz: Float32Array | null): void;

  /**
   * Backward pass 2, through the batch parameters: with diff = z_i - mu_c,
   * gz_i += sum_c (gamma_ic / s_c) (gMu_c + 2 gSig_c diff), and
   * gGamma_ic += gS_c + (diff . gMu_c + diff^T gSig_c diff) / s_c (either output may be null).
   */
  backwardApply(n: number, k: number, d: number, z: Float32Array, gamma: Float32Array, s: Float64Array,
    mu: Float64Array, gMu: Float64Array, gSig: Float64Array, gS: Float64Array,
    gz: Float32Array | null, gGamma: Float32Array | null): void;
}

export const tsGmmKernels: GmmKernels = {
  moments(n, k, d, z, gamma, s, mu, cov) {
    s.fill(0, 0, k); mu.fill(0, 0, k * d); cov.fill(0, 0, k * d * d);
    for (let i = 0; i < n; i++) {
      const zo = i * d, go = i * k;
      for (let c = 0; c < k; c++) {
        const g = gamma[go + c];
        s[c] += g;
        const mo = c * d;
        for (let a = 0; a < d; a++) mu[mo + a] += g * z[zo + a];
      }
    }
    for (let c = 0; c < k; c++) {
      const inv = s[c] > 0 ? 1 / s[c] : 0;
      for (let a = 0; a < d; a++) mu[c * d + a] *= inv;
    }
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const zo = i * d, go = i * k;
      for (let c = 0; c < k; c++) {
        const g = gamma[go + c];
        const mo = c * d, so = c * d * d;
        for (let a = 0; a < d; a++) diff[a] = z[zo + a] - mu[mo + a];
        for (let a = 0; a < d; a++) {
          const ga = g * diff[a];
          for (let b = 0; b <= a; b++) cov[so + a * d + b] += ga * diff[b];
        }
      }
    }
    for (let c = 0; c < k; c++) {
      const inv = s[c] > 0 ? 1 / s[c] : 0, so = c * d * d;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = cov[so + a * d + b] * inv;
          cov[so + a * d + b] = v; cov[so + b * d + a] = v;
        }
      }
    }
  },

  energy(n, k, d, z, mu, prec, base, energy, resp, w) {
    const diff = new Float64Array(d), logp = new Float64Array(k), wl = new Float64Array(k * d);
    for (let i = 0; i < n; i++) {
      const zo = i * d;
      let m = -Infinity;
      for (let c = 0; c < k; c++) {
        const mo = c * d, so = c * d * d;
        for (let a = 0; a < d; a++) diff[a] = z[zo + a] - mu[mo + a];
        let maha = 0;
        for (let a = 0; a < d; a++) {
          let v = 0;
          for (let b = 0; b < d; b++) v += prec[so + a * d + b] * diff[b];
          wl[mo + a] = v;
          maha += v * diff[a];
        }
        const lp = base[c] - 0.5 * maha;
        logp[c] = lp;
        if (lp > m) m = lp;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) { const e = Math.exp(logp[c] - m); logp[c] = e; sum += e; }
      energy[i] = -(m + Math.log(sum));
      if (resp && w) {
        const inv = 1 / sum;
        for (let c = 0; c < k; c++) resp[i * k + c] = logp[c] * inv;
        w.set(wl, i * k * d);
      }
    }
  },

  backwardAccumulate(n, k, d, gE, resp, w, gLogp, gMu, gOuter, gz) {
    gLogp.fill(0, 0, k); gMu.fill(0, 0, k * d); gOuter.fill(0, 0, k * d * d);
    for (let i = 0; i < n; i++) {
      const ge = gE[i];
      if (ge === 0) continue;
      for (let c = 0; c < k; c++) {
        const g = -ge * resp[i * k + c];
        gLogp[c] += g;
        const wo = (i * k + c) * d, so = c * d * d;
        for (let a = 0; a < d; a++) {
          const gw = g * w[wo + a];
          gMu[c * d + a] += gw;
          if (gz) gz[i * d + a] -= gw;
          for (let b = 0; b <= a; b++) gOuter[so + a * d + b] += gw * w[wo + b];
        }
      }
    }
    for (let c = 0; c < k; c++) {
      const so = c * d * d;
      for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) gOuter[so + b * d + a] = gOuter[so + a * d + b];
    }
  },

  backwardApply(n, k, d, z, gamma, s, mu, gMu, gSig, gS, gz, gGamma) {
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const zo = i * d;
      for (let c = 0; c < k; c++) {
        const mo = c * d, so = c * d * d, invS = 1 / s[c];
        for (let a = 0; a < d; a++) diff[a] = z[zo + a] - mu[mo + a];
        const coef = gamma[i * k + c] * invS;
        let muTerm = 0, sigTerm = 0;
        for (let a = 0; a < d; a++) {
          let sd = 0;
          for (let b = 0; b < d; b++) sd += gSig[so + a * d + b] * diff[b];
          muTerm += diff[a] * gMu[mo + a];
          sigTerm += diff[a] * sd;
          if (gz) gz[zo + a] += coef * (gMu[mo + a] + 2 * sd);
        }
        if (gGamma) gGamma[i * k + c] += gS[c] + (muTerm + sigTerm) * invS;
      }
    }
  },
};
