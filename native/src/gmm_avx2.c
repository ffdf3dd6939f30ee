/* AVX2 versions of the GMM loops and the row softmax. Rows are processed in blocks of 4, one row per
 * double lane, so every lane performs exactly the scalar oracle's operations in the oracle's order
 * (no FMA contraction in the oracle-shaped arithmetic); only exp and log are our own vectorised
 * versions (<= ~2 ulp). Row-wise kernels (energy, backward apply, softmax) therefore give the same bits
 * whatever the row partition; the reductions (moments, backward accumulate) sum per-lane partials, per
 * thread over a fixed row partition, then combine lanes and threads in a fixed order, so they are
 * bit-deterministic for a given thread count. Rows past the end of a block are zero-padded copies. */
#include <math.h>
#include <string.h>

#include "aberrant.h"
#include "gmm.h"

#if AB_X86
#include <immintrin.h>

#define MAXD 64
#define PAR_MIN_ROWS 512 /* row count from which the kernels use the worker threads */

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

#define D4(x) _mm256_set1_pd((double)(x))

/* ------------------------------------------------------------------------------------ exp and log */
/* exp(x): x = n ln2 + r, |r| <= ln2/2, Taylor polynomial to r^13 (truncation < 5e-18), 2^n applied in
 * two halves so subnormal results are right; exp(x > 709.78) = +Inf, exp(x < -745.2) = 0, NaN -> NaN. */
static inline AB_AVX2 __m256d v_exp_pd(__m256d x) {
  const __m256d magic = D4(6755399441055744.0); /* 1.5 * 2^52: adding it rounds to an integer */
  const __m256d t = _mm256_min_pd(_mm256_max_pd(x, D4(-746.0)), D4(710.0));
  const __m256d n = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(t, D4(1.4426950408889634)), magic), magic);
  __m256d r = _mm256_fnmadd_pd(n, D4(6.93147180369123816490e-01), t);
  r = _mm256_fnmadd_pd(n, D4(1.90821492927058770002e-10), r);
  __m256d p = D4(1.0 / 6227020800.0);
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 479001600.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 39916800.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 3628800.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 362880.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 40320.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 5040.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 720.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 120.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 24.0));
  p = _mm256_fmadd_pd(p, r, D4(1.0 / 6.0));
  p = _mm256_fmadd_pd(p, r, D4(0.5));
  /* 1 + r + r^2 p, the small terms first */
  __m256d y = _mm256_add_pd(D4(1.0), _mm256_fmadd_pd(_mm256_mul_pd(r, r), p, r));
  const __m256d n1 = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(n, D4(0.5)), magic), magic);
  const __m256d n2 = _mm256_sub_pd(n, n1);
  const __m256i bias = _mm256_set1_epi64x(1023), mbits = _mm256_castpd_si256(magic);
  const __m256i e1 = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n1, magic)), mbits);
  const __m256i e2 = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n2, magic)), mbits);
  const __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(e1, bias), 52));
  const __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(e2, bias), 52));
  y = _mm256_mul_pd(_mm256_mul_pd(y, s1), s2);
  return _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

/* log(x), fdlibm's e_log.c algorithm (< 1 ulp): x = 2^e (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2). */
static inline AB_AVX2 __m256d v_log_pd(__m256d x) {
  const __m256d tiny = _mm256_cmp_pd(x, D4(2.2250738585072014e-308), _CMP_LT_OQ);
  const __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, D4(18014398509481984.0)), tiny); /* 2^54 */
  const __m256i bits = _mm256_castpd_si256(xs);
  const __m256i ebits = _mm256_srli_epi64(bits, 52);
  __m256d mant = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                                     _mm256_set1_epi64x(0x3FF0000000000000LL)));
  const __m256d big = _mm256_cmp_pd(mant, D4(1.4142135623730951), _CMP_GT_OQ);
  mant = _mm256_blendv_pd(mant, _mm256_mul_pd(mant, D4(0.5)), big);
  __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(ebits, _mm256_set1_epi64x(0x4330000000000000LL))),
                            D4(4503599627371519.0)); /* 2^52 + 1023 */
  e = _mm256_add_pd(e, _mm256_and_pd(big, D4(1.0)));
  e = _mm256_sub_pd(e, _mm256_and_pd(tiny, D4(54.0)));
  const __m256d f = _mm256_sub_pd(mant, D4(1.0));
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(D4(2.0), f));
  const __m256d z = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z, z);
  const __m256d t1 = _mm256_mul_pd(
      w, _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, D4(1.531383769920937332e-01), D4(2.222219843214978396e-01)),
                         D4(3.999999999940941908e-01)));
  const __m256d t2 = _mm256_mul_pd(
      z, _mm256_fmadd_pd(
             w,
             _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, D4(1.479819860511658591e-01), D4(1.818357216161805012e-01)),
                             D4(2.857142874366239149e-01)),
             D4(6.666666666666735130e-01)));
  const __m256d R = _mm256_add_pd(t2, t1);
  const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(D4(0.5), f), f);
  const __m256d inner = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R), _mm256_mul_pd(e, D4(1.90821492927058770002e-10)));
  __m256d res = _mm256_fmsub_pd(e, D4(6.93147180369123816490e-01), _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f));
  res = _mm256_blendv_pd(res, D4(-INFINITY), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
  res = _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, D4(INFINITY), _CMP_EQ_OQ));
  res = _mm256_blendv_pd(res, D4(NAN), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ));
  return _mm256_blendv_pd(res, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

/* ------------------------------------------------------------------------------------- lane access */
/* Lanes j < nv of p[j * stride] (float), widened; the other lanes are 0. */
static inline AB_AVX2 __m256d ld_f(const float *p, int64_t stride, int nv, __m128i vidx) {
  if (nv == 4) return _mm256_cvtps_pd(_mm_i32gather_ps(p, vidx, 4));
  double t[4] = { 0, 0, 0, 0 };
  for (int j = 0; j < nv; j++) t[j] = p[j * stride];
  return _mm256_loadu_pd(t);
}
static inline AB_AVX2 __m256d ld_d(const double *p, int64_t stride, int nv, __m128i vidx) {
  if (nv == 4) return _mm256_i32gather_pd(p, vidx, 8);
  double t[4] = { 0, 0, 0, 0 };
  for (int j = 0; j < nv; j++) t[j] = p[j * stride];
  return _mm256_loadu_pd(t);
}
static inline AB_AVX2 void st_d(double *p, int64_t stride, int nv, __m256d v) {
  double t[4];
  _mm256_storeu_pd(t, v);
  for (int j = 0; j < nv; j++) p[j * stride] = t[j];
}
/* v must hold float-representable values (it is rounded to float first). */
static inline AB_AVX2 void st_f(float *p, int64_t stride, int nv, __m256d v) {
  float t[4];
  _mm_storeu_ps(t, _mm256_cvtpd_ps(v));
  for (int j = 0; j < nv; j++) p[j * stride] = t[j];
}
static inline AB_AVX2 __m256d round_f(__m256d v) { return _mm256_cvtps_pd(_mm256_cvtpd_ps(v)); }
static inline AB_AVX2 __m128i stride_idx(int64_t stride) {
  return _mm_mullo_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32((int)stride));
}
static inline AB_AVX2 double hsum4(__m256d v) {
  double t[4];
  _mm256_storeu_pd(t, v);
  return (t[0] + t[1]) + (t[2] + t[3]);
}
static inline AB_AVX2 __m256d neg(__m256d v) { return _mm256_xor_pd(v, D4(-0.0)); }

/* Rows [r0, r1) of thread t: whole 4-row blocks, a partition depending only on (n, nt). */
static void rows_of(int64_t n, int t, int nt, int64_t *r0, int64_t *r1) {
  const int64_t blocks = (n + 3) / 4;
  *r0 = imin(blocks * t / nt * 4, n);
  *r1 = imin(blocks * (t + 1) / nt * 4, n);
}

static int gmm_threads(int64_t n) {
  int nt = n >= PAR_MIN_ROWS ? ab_threads() : 1;
  const int64_t blocks = (n + 3) / 4;
  if (nt > blocks) nt = (int)blocks;
  return nt < 1 ? 1 : nt;
}

/* Per-thread slice of `per` doubles (64-byte aligned) in the caller's scratch. */
static double *partials(int nt, int64_t per, int64_t *stride) {
  *stride = (per + 7) & ~(int64_t)7;
  return (double *)ab_scratch(AB_SCRATCH_GMM, (size_t)(*stride * nt * 2));
}

typedef struct {
  int64_t n, k, d;
  const float *z, *gamma, *gE;
  const double *mu, *prec, *base, *resp, *w, *s, *gMu, *gSig, *gS;
  double *energy, *respOut, *wOut, *part;
  float *gz, *gGamma;
  int64_t stride;
} gmm_job;

/* ------------------------------------------------------------------------------------------ energy */
static AB_AVX2 void energy_rows(const gmm_job *j, int64_t r0, int64_t r1) {
  const int64_t k = j->k, d = j->d;
  __m256d zc[MAXD], diff[MAXD];
  __m256d *lp = (__m256d *)ab_scratch(AB_SCRATCH_PACK_A, (size_t)(8 * (k + k * d))), *wl = lp + k;
  const __m128i vz = stride_idx(d);
  const int keep = j->respOut && j->wOut;
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    for (int64_t a = 0; a < d; a++) zc[a] = ld_f(j->z + i * d + a, d, nv, vz);
    __m256d m = D4(-INFINITY);
    for (int64_t c = 0; c < k; c++) {
      const double *mc = j->mu + c * d, *pc = j->prec + c * d * d;
      for (int64_t a = 0; a < d; a++) diff[a] = _mm256_sub_pd(zc[a], D4(mc[a]));
      __m256d maha = _mm256_setzero_pd();
      for (int64_t a = 0; a < d; a++) {
        __m256d v = _mm256_setzero_pd();
        for (int64_t b = 0; b < d; b++) v = _mm256_add_pd(v, _mm256_mul_pd(D4(pc[a * d + b]), diff[b]));
        wl[c * d + a] = v;
        maha = _mm256_add_pd(maha, _mm256_mul_pd(v, diff[a]));
      }
      const __m256d l = _mm256_sub_pd(D4(j->base[c]), _mm256_mul_pd(D4(0.5), maha));
      lp[c] = l;
      m = _mm256_max_pd(l, m); /* like `if (l > m) m = l`: NaN l keeps m, and so do equal zeros */
    }
    __m256d sum = _mm256_setzero_pd();
    for (int64_t c = 0; c < k; c++) {
      const __m256d e = v_exp_pd(_mm256_sub_pd(lp[c], m));
      lp[c] = e;
      sum = _mm256_add_pd(sum, e);
    }
    const __m256d en = neg(_mm256_add_pd(m, v_log_pd(sum)));
    if (nv == 4) _mm256_storeu_pd(j->energy + i, en);
    else st_d(j->energy + i, 1, nv, en);
    if (keep) {
      const __m256d inv = _mm256_div_pd(D4(1.0), sum);
      for (int64_t c = 0; c < k; c++) st_d(j->respOut + i * k + c, k, nv, _mm256_mul_pd(lp[c], inv));
      for (int64_t e = 0; e < k * d; e++) st_d(j->wOut + i * k * d + e, k * d, nv, wl[e]);
    }
  }
}

static void energy_task(void *ctx, int t, int nt) {
  const gmm_job *j = ctx;
  int64_t r0, r1;
  rows_of(j->n, t, nt, &r0, &r1);
  if (r0 < r1) energy_rows(j, r0, r1);
}

void ab_gmm_energy_avx2(int64_t n, int64_t k, int64_t d, const float *z, const double *mu, const double *prec,
                        const double *base, double *energy, double *resp, double *w) {
  if (n <= 0) return;
  gmm_job j = { .n = n, .k = k, .d = d, .z = z, .mu = mu, .prec = prec, .base = base, .energy = energy,
                .respOut = resp, .wOut = w };
  const int nt = gmm_threads(n);
  if (nt <= 1) energy_task(&j, 0, 1);
  else ab_parallel(energy_task, &j, nt);
}

/* ----------------------------------------------------------------------------------------- moments */
/* Pass 1 per thread: lane partials of s[c] and sum_i g z[a] into part[0 .. k + k d) (vectors). */
static AB_AVX2 void moments1_task(void *ctx, int t, int nt) {
  const gmm_job *j = ctx;
  const int64_t k = j->k, d = j->d;
  __m256d *acc = (__m256d *)(j->part + t * j->stride);
  for (int64_t e = 0; e < k + k * d; e++) acc[e] = _mm256_setzero_pd();
  int64_t r0, r1;
  rows_of(j->n, t, nt, &r0, &r1);
  const __m128i vz = stride_idx(d), vg = stride_idx(k);
  __m256d zc[MAXD];
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    for (int64_t a = 0; a < d; a++) zc[a] = ld_f(j->z + i * d + a, d, nv, vz);
    for (int64_t c = 0; c < k; c++) {
      const __m256d g = ld_f(j->gamma + i * k + c, k, nv, vg);
      acc[c] = _mm256_add_pd(acc[c], g);
      __m256d *am = acc + k + c * d;
      for (int64_t a = 0; a < d; a++) am[a] = _mm256_add_pd(am[a], _mm256_mul_pd(g, zc[a]));
    }
  }
}

/* Pass 2 per thread: lane partials of sum_i g diff[a] diff[b] (b <= a) into part[c d d + a d + b]. */
static AB_AVX2 void moments2_task(void *ctx, int t, int nt) {
  const gmm_job *j = ctx;
  const int64_t k = j->k, d = j->d;
  __m256d *acc = (__m256d *)(j->part + t * j->stride);
  for (int64_t e = 0; e < k * d * d; e++) acc[e] = _mm256_setzero_pd();
  int64_t r0, r1;
  rows_of(j->n, t, nt, &r0, &r1);
  const __m128i vz = stride_idx(d), vg = stride_idx(k);
  __m256d zc[MAXD], diff[MAXD];
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    for (int64_t a = 0; a < d; a++) zc[a] = ld_f(j->z + i * d + a, d, nv, vz);
    for (int64_t c = 0; c < k; c++) {
      const __m256d g = ld_f(j->gamma + i * k + c, k, nv, vg);
      const double *mc = j->mu + c * d;
      for (int64_t a = 0; a < d; a++) diff[a] = _mm256_sub_pd(zc[a], D4(mc[a]));
      __m256d *ac = acc + c * d * d;
      for (int64_t a = 0; a < d; a++) {
        const __m256d ga = _mm256_mul_pd(g, diff[a]);
        for (int64_t b = 0; b <= a; b++) ac[a * d + b] = _mm256_add_pd(ac[a * d + b], _mm256_mul_pd(ga, diff[b]));
      }
    }
  }
}

/* Sum of slot e over the threads' lane partials, lanes then threads in a fixed order. */
static AB_AVX2 double combine(const double *part, int64_t stride, int nt, int64_t e) {
  double s = hsum4(_mm256_load_pd(part + 4 * e));
  for (int t = 1; t < nt; t++) s += hsum4(_mm256_load_pd(part + t * stride + 4 * e));
  return s;
}

void ab_gmm_moments_avx2(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma, double *s, double *mu,
                         double *cov) {
  const int nt = gmm_threads(n);
  int64_t stride;
  const int64_t slots = k + k * d > k * d * d ? k + k * d : k * d * d;
  double *part = partials(nt, 4 * slots, &stride);
  gmm_job j = { .n = n, .k = k, .d = d, .z = z, .gamma = gamma, .mu = mu, .part = part, .stride = stride };
  if (nt <= 1) moments1_task(&j, 0, 1);
  else ab_parallel(moments1_task, &j, nt);
  for (int64_t c = 0; c < k; c++) s[c] = combine(part, stride, nt, c);
  for (int64_t c = 0; c < k; c++) {
    const double inv = s[c] > 0 ? 1.0 / s[c] : 0.0;
    for (int64_t a = 0; a < d; a++) mu[c * d + a] = combine(part, stride, nt, k + c * d + a) * inv;
  }
  if (nt <= 1) moments2_task(&j, 0, 1);
  else ab_parallel(moments2_task, &j, nt);
  for (int64_t c = 0; c < k; c++) {
    const double inv = s[c] > 0 ? 1.0 / s[c] : 0.0;
    double *cc = cov + c * d * d;
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b <= a; b++) {
        const double v = combine(part, stride, nt, c * d * d + a * d + b) * inv;
        cc[a * d + b] = v;
        cc[b * d + a] = v;
      }
  }
}

/* ------------------------------------------------------------------------------ backward accumulate */
/* Per thread: lane partials, per component c, of [gLogp, gMu[d], gOuter[d][d] (b <= a)]. */
static AB_AVX2 void bacc_task(void *ctx, int t, int nt) {
  const gmm_job *j = ctx;
  const int64_t k = j->k, d = j->d, per = 1 + d + d * d;
  __m256d *acc = (__m256d *)(j->part + t * j->stride);
  for (int64_t e = 0; e < k * per; e++) acc[e] = _mm256_setzero_pd();
  int64_t r0, r1;
  rows_of(j->n, t, nt, &r0, &r1);
  const __m128i vz = stride_idx(d), vr = stride_idx(k), vw = stride_idx(k * d);
  __m256d wv[MAXD], gz[MAXD];
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    const __m256d ge = ld_f(j->gE + i, 1, nv, _mm_setr_epi32(0, 1, 2, 3));
    const __m256d live = _mm256_cmp_pd(ge, _mm256_setzero_pd(), _CMP_NEQ_UQ); /* the oracle skips gE = 0 */
    if (j->gz)
      for (int64_t a = 0; a < d; a++) gz[a] = ld_f(j->gz + i * d + a, d, nv, vz);
    for (int64_t c = 0; c < k; c++) {
      const __m256d g = _mm256_and_pd(_mm256_mul_pd(neg(ge), ld_d(j->resp + i * k + c, k, nv, vr)), live);
      __m256d *ac = acc + c * per;
      ac[0] = _mm256_add_pd(ac[0], g);
      const double *wp = j->w + (i * k + c) * d;
      for (int64_t a = 0; a < d; a++) wv[a] = _mm256_and_pd(ld_d(wp + a, k * d, nv, vw), live);
      for (int64_t a = 0; a < d; a++) {
        const __m256d gw = _mm256_mul_pd(g, wv[a]);
        ac[1 + a] = _mm256_add_pd(ac[1 + a], gw);
        if (j->gz) gz[a] = round_f(_mm256_sub_pd(gz[a], gw));
        __m256d *ao = ac + 1 + d + a * d;
        for (int64_t b = 0; b <= a; b++) ao[b] = _mm256_add_pd(ao[b], _mm256_mul_pd(gw, wv[b]));
      }
    }
    if (j->gz)
      for (int64_t a = 0; a < d; a++) st_f(j->gz + i * d + a, d, nv, gz[a]);
  }
}

void ab_gmm_backward_accumulate_avx2(int64_t n, int64_t k, int64_t d, const float *gE, const double *resp,
                                     const double *w, double *gLogp, double *gMu, double *gOuter, float *gz) {
  const int nt = gmm_threads(n);
  const int64_t per = 1 + d + d * d;
  int64_t stride;
  double *part = partials(nt, 4 * k * per, &stride);
  gmm_job j = { .n = n, .k = k, .d = d, .gE = gE, .resp = resp, .w = w, .gz = gz, .part = part, .stride = stride };
  if (nt <= 1) bacc_task(&j, 0, 1);
  else ab_parallel(bacc_task, &j, nt);
  for (int64_t c = 0; c < k; c++) {
    gLogp[c] = combine(part, stride, nt, c * per);
    for (int64_t a = 0; a < d; a++) gMu[c * d + a] = combine(part, stride, nt, c * per + 1 + a);
    double *go = gOuter + c * d * d;
    for (int64_t a = 0; a < d; a++)
      for (int64_t b = 0; b <= a; b++) {
        const double v = combine(part, stride, nt, c * per + 1 + d + a * d + b);
        go[a * d + b] = v;
        go[b * d + a] = v;
      }
  }
}

/* ---------------------------------------------------------------------------------- backward apply */
static AB_AVX2 void bapply_rows(const gmm_job *j, int64_t r0, int64_t r1) {
  const int64_t k = j->k, d = j->d;
  const __m128i vz = stride_idx(d), vg = stride_idx(k);
  __m256d zc[MAXD], diff[MAXD], gz[MAXD];
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    for (int64_t a = 0; a < d; a++) zc[a] = ld_f(j->z + i * d + a, d, nv, vz);
    if (j->gz)
      for (int64_t a = 0; a < d; a++) gz[a] = ld_f(j->gz + i * d + a, d, nv, vz);
    for (int64_t c = 0; c < k; c++) {
      const double *mc = j->mu + c * d, *gs = j->gSig + c * d * d, *gm = j->gMu + c * d;
      const double invS = 1.0 / j->s[c];
      for (int64_t a = 0; a < d; a++) diff[a] = _mm256_sub_pd(zc[a], D4(mc[a]));
      const __m256d coef = _mm256_mul_pd(ld_f(j->gamma + i * k + c, k, nv, vg), D4(invS));
      __m256d muTerm = _mm256_setzero_pd(), sigTerm = _mm256_setzero_pd();
      for (int64_t a = 0; a < d; a++) {
        __m256d sd = _mm256_setzero_pd();
        for (int64_t b = 0; b < d; b++) sd = _mm256_add_pd(sd, _mm256_mul_pd(D4(gs[a * d + b]), diff[b]));
        muTerm = _mm256_add_pd(muTerm, _mm256_mul_pd(diff[a], D4(gm[a])));
        sigTerm = _mm256_add_pd(sigTerm, _mm256_mul_pd(diff[a], sd));
        if (j->gz)
          gz[a] = round_f(_mm256_add_pd(gz[a], _mm256_mul_pd(coef, _mm256_add_pd(D4(gm[a]), _mm256_mul_pd(D4(2.0), sd)))));
      }
      if (j->gGamma) {
        float *gg = j->gGamma + i * k + c;
        const __m256d add = _mm256_add_pd(D4(j->gS[c]), _mm256_mul_pd(_mm256_add_pd(muTerm, sigTerm), D4(invS)));
        st_f(gg, k, nv, _mm256_add_pd(ld_f(gg, k, nv, vg), add));
      }
    }
    if (j->gz)
      for (int64_t a = 0; a < d; a++) st_f(j->gz + i * d + a, d, nv, gz[a]);
  }
}

static void bapply_task(void *ctx, int t, int nt) {
  const gmm_job *j = ctx;
  int64_t r0, r1;
  rows_of(j->n, t, nt, &r0, &r1);
  if (r0 < r1) bapply_rows(j, r0, r1);
}

void ab_gmm_backward_apply_avx2(int64_t n, int64_t k, int64_t d, const float *z, const float *gamma,
                                const double *s, const double *mu, const double *gMu, const double *gSig,
                                const double *gS, float *gz, float *gGamma) {
  if (n <= 0 || (!gz && !gGamma)) return;
  gmm_job j = { .n = n, .k = k, .d = d, .z = z, .gamma = gamma, .s = s, .mu = mu, .gMu = gMu, .gSig = gSig,
                .gS = gS, .gz = gz, .gGamma = gGamma };
  const int nt = gmm_threads(n);
  if (nt <= 1) bapply_task(&j, 0, 1);
  else ab_parallel(bapply_task, &j, nt);
}

/* ---------------------------------------------------------------------------------------- softmax */
typedef struct {
  int64_t m, n;
  const float *x;
  int log_out;
  float *out;
} sm_job;

static AB_AVX2 void softmax_rows(const sm_job *j, int64_t r0, int64_t r1) {
  const int64_t n = j->n;
  __m256d *e = (__m256d *)ab_scratch(AB_SCRATCH_PACK_A, (size_t)(8 * n));
  const __m128i vx = stride_idx(n);
  for (int64_t i = r0; i < r1; i += 4) {
    const int nv = (int)imin(4, r1 - i);
    const float *xi = j->x + i * n;
    float *oi = j->out + i * n;
    __m256d mx = D4(-INFINITY);
    for (int64_t c = 0; c < n; c++) {
      e[c] = ld_f(xi + c, n, nv, vx);
      mx = _mm256_max_pd(e[c], mx);
    }
    __m256d s = _mm256_setzero_pd();
    if (j->log_out) {
      for (int64_t c = 0; c < n; c++) s = _mm256_add_pd(s, v_exp_pd(_mm256_sub_pd(e[c], mx)));
      const __m256d l = _mm256_add_pd(mx, v_log_pd(s));
      for (int64_t c = 0; c < n; c++) st_f(oi + c, n, nv, _mm256_sub_pd(e[c], l));
    } else {
      for (int64_t c = 0; c < n; c++) {
        const __m256d ec = v_exp_pd(_mm256_sub_pd(e[c], mx));
        s = _mm256_add_pd(s, ec);
        e[c] = round_f(ec); /* the oracle sums e in double but divides its float32 copy */
      }
      for (int64_t c = 0; c < n; c++) st_f(oi + c, n, nv, _mm256_div_pd(e[c], s));
    }
  }
}

static void softmax_task(void *ctx, int t, int nt) {
  const sm_job *j = ctx;
  int64_t r0, r1;
  rows_of(j->m, t, nt, &r0, &r1);
  if (r0 < r1) softmax_rows(j, r0, r1);
}

void ab_softmax_rows_avx2(int64_t m, int64_t n, const float *x, int log_out, float *out) {
  if (m <= 0) return;
  sm_job j = { m, n, x, log_out, out };
  int nt = m * n >= 4 * PAR_MIN_ROWS ? ab_threads() : 1;
  if (nt > (m + 3) / 4) nt = (int)((m + 3) / 4);
  if (nt <= 1) softmax_task(&j, 0, 1);
  else ab_parallel(softmax_task, &j, nt);
}
#endif /* AB_X86 */
