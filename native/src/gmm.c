/* GMM loops in double precision. The scalar versions (sc_*) mirror tsGmmKernels in
 * src/engine/backend/gmm-kernels.ts operation for operation; the AVX2 versions in gmm_avx2.c are used
 * when available. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aberrant.h"
#include "gmm.h"

#define MAXD 64 /* larger latent sizes use heap scratch */

static void sc_gmm_moments(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, double *s, double *mu,
                    double *cov) {
  memset(s, 0, sizeof(double) * k);
  memset(mu, 0, sizeof(double) * k * d);
  memset(cov, 0, sizeof(double) * k * d * d);
  for (int64_t i = 0; i < n; i++) {
    const float *zi = z + i * d, *gi = gamma + i * k;
    for (int64_t c = 0; c < k; c++) {
      const double g = gi[c];
      s[c] += g;
      double *mc = mu + c * d;
      for (int64_t a = 0; a < d; a++) mc[a] += g * (double)zi[a];
    }
  }
  for (int64_t c = 0; c < k; c++) {
    const double inv = s[c] > 0 ? 1.0 / s[c] : 0.0;
    for (int64_t a = 0; a < d; a++) mu[c * d + a] *= inv;
  }
  double stackbuf[MAXD];
  double *diff = d <= MAXD ? stackbuf : malloc(sizeof(double) * d);
  for (int64_t i = 0; i < n; i++) {
    const float *zi = z + i * d, *gi = gamma + i * k;
    for (int64_t c = 0; c < k; c++) {
      const double g = gi[c];
      const double *mc = mu + c * d;
      double *cc = cov + c * d * d;
      for (int64_t a = 0; a < d; a++) diff[a] = (double)zi[a] - mc[a];
      for (int64_t a = 0; a < d; a++) {
        const double ga = g * diff[a];
        for (int64_t b = 0; b <= a; b++) cc[a * d + b] += ga * diff[b];
      }
    }
  }
  if (diff != stackbuf) free(diff);
  for (int64_t c = 0; c < k; c++) {
    const double inv = s[c] > 0 ? 1.0 / s[c] : 0.0;
    double *cc = cov + c * d * d;
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b <= a; b++) {
        const double v = cc[a * d + b] * inv;
        cc[a * d + b] = v;
        cc[b * d + a] = v;
      }
  }
}

static void sc_gmm_energy(int64_t n, int64_t k, int64_t d, const float *z, const double *mu, const double *prec,
                   const double *base, double *energy, double *resp, double *w) {
  double *scratch = malloc(sizeof(double) * (d + k + k * d));
  double *diff = scratch, *logp = scratch + d, *wl = scratch + d + k;
  for (int64_t i = 0; i < n; i++) {
    const float *zi = z + i * d;
    double m = -INFINITY;
    for (int64_t c = 0; c < k; c++) {
      const double *mc = mu + c * d, *pc = prec + c * d * d;
      for (int64_t a = 0; a < d; a++) diff[a] = (double)zi[a] - mc[a];
      double maha = 0;
      for (int64_t a = 0; a < d; a++) {
        double v = 0;
        for (int64_t b = 0; b < d; b++) v += pc[a * d + b] * diff[b];
        wl[c * d + a] = v;
        maha += v * diff[a];
      }
      const double lp = base[c] - 0.5 * maha;
      logp[c] = lp;
      if (lp > m) m = lp;
    }
    double sum = 0;
    for (int64_t c = 0; c < k; c++) {
      const double e = exp(logp[c] - m);
      logp[c] = e;
      sum += e;
    }
    energy[i] = -(m + log(sum));
    if (resp && w) {
      const double inv = 1.0 / sum;
      for (int64_t c = 0; c < k; c++) resp[i * k + c] = logp[c] * inv;
      memcpy(w + i * k * d, wl, sizeof(double) * k * d);
    }
  }
  free(scratch);
}

static void sc_gmm_backward_accumulate(int64_t n, int64_t k, int64_t d, const float *gE, const double *resp,
                                const double *w, double *gLogp, double *gMu, double *gOuter, float *gz) {
  memset(gLogp, 0, sizeof(double) * k);
  memset(gMu, 0, sizeof(double) * k * d);
  memset(gOuter, 0, sizeof(double) * k * d * d);
  for (int64_t i = 0; i < n; i++) {
    const double ge = gE[i];
    if (ge == 0) continue;
    for (int64_t c = 0; c < k; c++) {
      const double g = -ge * resp[i * k + c];
      gLogp[c] += g;
      const double *wi = w + (i * k + c) * d;
      double *go = gOuter + c * d * d;
      for (int64_t a = 0; a < d; a++) {
        const double gw = g * wi[a];
        gMu[c * d + a] += gw;
        /* float32 accumulation in the same order as the TypeScript oracle */
        if (gz) gz[i * d + a] = (float)((double)gz[i * d + a] - gw);
        for (int64_t b = 0; b <= a; b++) go[a * d + b] += gw * wi[b];
      }
    }
  }
  for (int64_t c = 0; c < k; c++) {
    double *go = gOuter + c * d * d;
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b < a; b++) go[b * d + a] = go[a * d + b];
  }
}

static void sc_gmm_backward_apply(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, const double *s,
                           const double *mu, const double *gMu, const double *gSig, const double *gS, float *gz,
                           float *gGamma) {
  double stackbuf[MAXD];
  double *diff = d <= MAXD ? stackbuf : malloc(sizeof(double) * d);
  for (int64_t i = 0; i < n; i++) {
    const float *zi = z + i * d;
    for (int64_t c = 0; c < k; c++) {
      const double *mc = mu + c * d, *gs = gSig + c * d * d, *gm = gMu + c * d;
      const double invS = 1.0 / s[c];
      for (int64_t a = 0; a < d; a++) diff[a] = (double)zi[a] - mc[a];
      const double coef = (double)gamma[i * k + c] * invS;
      double muTerm = 0, sigTerm = 0;
      for (int64_t a = 0; a < d; a++) {
        double sd = 0;
        for (int64_t b = 0; b < d; b++) sd += gs[a * d + b] * diff[b];
        muTerm += diff[a] * gm[a];
        sigTerm += diff[a] * sd;
        if (gz) gz[i * d + a] = (float)((double)gz[i * d + a] + coef * (gm[a] + 2 * sd));
      }
      if (gGamma) gGamma[i * k + c] = (float)((double)gGamma[i * k + c] + gS[c] + (muTerm + sigTerm) * invS);
    }
  }
  if (diff != stackbuf) free(diff);
}

static void sc_softmax_rows(int64_t m, int64_t n, const float *x, int log_out, float *out) {
  for (int64_t r = 0; r < m; r++) {
    const float *xr = x + r * n;
    float *o = out + r * n;
    double mx = -INFINITY;
    for (int64_t j = 0; j < n; j++)
      if (xr[j] > mx) mx = xr[j];
    double s = 0;
    if (log_out) {
      for (int64_t j = 0; j < n; j++) s += exp((double)xr[j] - mx);
      const double l = mx + log(s);
      for (int64_t j = 0; j < n; j++) o[j] = (float)((double)xr[j] - l);
    } else {
      for (int64_t j = 0; j < n; j++) {
        const double e = exp((double)xr[j] - mx);
        o[j] = (float)e;
        s += e;
      }
      for (int64_t j = 0; j < n; j++) o[j] = (float)((double)o[j] / s);
    }
  }
}

/* ---------------------------------------------------------------------------------------- dispatch */
#define GMM_MAXD 64

void ab_gmm_moments(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, double *s, double *mu,
                    double *cov) {
#if AB_X86
  if (ab_simd && d <= GMM_MAXD && k > 0 && d > 0) {
    ab_gmm_moments_avx2(n, k, d, z, gamma, s, mu, cov);
    return;
  }
#endif
  sc_gmm_moments(n, k, d, z, gamma, s, mu, cov);
}

void ab_gmm_energy(int64_t n, int64_t k, int64_t d, const float *z, const double *mu, const double *prec,
                   const double *base, double *energy, double *resp, double *w) {
#if AB_X86
  if (ab_simd && d <= GMM_MAXD && k > 0) {
    ab_gmm_energy_avx2(n, k, d, z, mu, prec, base, energy, resp, w);
    return;
  }
#endif
  sc_gmm_energy(n, k, d, z, mu, prec, base, energy, resp, w);
}

void ab_gmm_backward_accumulate(int64_t n, int64_t k, int64_t d, const float *gE, const double *resp,
                                const double *w, double *gLogp, double *gMu, double *gOuter, float *gz) {
#if AB_X86
  if (ab_simd && d <= GMM_MAXD && k > 0 && d > 0) {
    ab_gmm_backward_accumulate_avx2(n, k, d, gE, resp, w, gLogp, gMu, gOuter, gz);
    return;
  }
#endif
  sc_gmm_backward_accumulate(n, k, d, gE, resp, w, gLogp, gMu, gOuter, gz);
}

void ab_gmm_backward_apply(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, const double *s,
                           const double *mu, const double *gMu, const double *gSig, const double *gS, float *gz,
                           float *gGamma) {
#if AB_X86
  if (ab_simd && d <= GMM_MAXD && k > 0 && d > 0) {
    ab_gmm_backward_apply_avx2(n, k, d, z, gamma, s, mu, gMu, gSig, gS, gz, gGamma);
    return;
  }
#endif
  sc_gmm_backward_apply(n, k, d, z, gamma, s, mu, gMu, gSig, gS, gz, gGamma);
}

void ab_softmax_rows(int64_t m, int64_t n, const float *x, int log_out, float *out) {
#if AB_X86
  if (ab_simd && n > 0) {
    ab_softmax_rows_avx2(m, n, x, log_out, out);
    return;
  }
#endif
  sc_softmax_rows(m, n, x, log_out, out);
}
