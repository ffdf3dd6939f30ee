/* GMM per-sample loops and row softmax (see src/engine/backend/gmm-kernels.ts for the contract). */
#ifndef ABERRANT_GMM_H
#define ABERRANT_GMM_H
#include <stdint.h>

void ab_gmm_moments(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, double *s, double *mu,
                    double *cov);
void ab_gmm_energy(int64_t n, int64_t k, int64_t d, const float *z, const double *mu, const double *prec,
                   const double *base, double *energy, double *resp, double *w);
void ab_gmm_backward_accumulate(int64_t n, int64_t k, int64_t d, const float *gE, const double *resp,
                                const double *w, double *gLogp, double *gMu, double *gOuter, float *gz);
void ab_gmm_backward_apply(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, const double *s,
                           const double *mu, const double *gMu, const double *gSig, const double *gS, float *gz,
                           float *gGamma);
void ab_softmax_rows(int64_t m, int64_t n, const float *x, int log_out, float *out);
/* AVX2 versions (gmm_avx2.c): rows in 4-lane blocks, d <= 64. */
void ab_gmm_moments_avx2(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, double *s, double *mu,
                         double *cov);
void ab_gmm_energy_avx2(int64_t n, int64_t k, int64_t d, const float *z, const double *mu, const double *prec,
                        const double *base, double *energy, double *resp, double *w);
void ab_gmm_backward_accumulate_avx2(int64_t n, int64_t k, int64_t d, const float *gE, const double *resp,
                                     const double *w, double *gLogp, double *gMu, double *gOuter, float *gz);
void ab_gmm_backward_apply_avx2(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma,
                                const double *s, const double *mu, const double *gMu, const double *gSig,
                                const double *gS, float *gz, float *gGamma);
void ab_softmax_rows_avx2(int64_t m, int64_t n, const float *x, int log_out, float *out);
#endif
