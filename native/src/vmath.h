/* Vectorised float32 math (AVX2+FMA) and the matching scalar activations.
 * No -ffast-math: every function propagates NaN explicitly and saturates like the IEEE reference. */
#ifndef ABERRANT_VMATH_H
#define ABERRANT_VMATH_H

#include <math.h>
#include "aberrant.h"

/* ---------- scalar reference path (double precision, like the TypeScript oracle) ---------- */
static inline float ab_act_scalar(int act, float alpha, float xf) {
  double v = xf;
  switch (act) {
    case AB_ACT_TANH: return (float)tanh(v);
    case AB_ACT_SIGMOID: return (float)(v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v)));
    case AB_ACT_RELU: return v > 0 ? xf : 0.0f;
    case AB_ACT_LEAKY: return v > 0 ? xf : (float)((double)alpha * v);
    case AB_ACT_SOFTPLUS: return (float)(v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)));
    default: return xf;
  }
}

static inline double ab_act_grad_scalar(int act, float alpha, float yf) {
  double y = yf;
  switch (act) {
    case AB_ACT_TANH: return 1.0 - y * y;
    case AB_ACT_SIGMOID: return y * (1.0 - y);
    case AB_ACT_RELU: return y > 0 ? 1.0 : 0.0;
    case AB_ACT_LEAKY: return y > 0 ? 1.0 : (double)alpha;
    case AB_ACT_SOFTPLUS: return -expm1(-y);
    default: return 1.0;
  }
}

#if AB_X86
#include <immintrin.h>

#define V8(x) _mm256_set1_ps((float)(x))

static inline AB_AVX2 __m256 v_isnan(__m256 x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
static inline AB_AVX2 __m256 v_abs(__m256 x) {
  return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}
static inline AB_AVX2 __m256 v_signbit(__m256 x) {
  return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u)));
}

/* exp(x): Cody-Waite reduction + Cephes degree-5 polynomial (~1 ulp); 2^n applied in two halves so
 * the result is also right in the subnormal range; overflow -> +Inf, x < -104 -> 0, NaN -> NaN. */
/* The shared core of the exp variants: n = round(t / ln 2) and y = exp(t - n ln 2) in [0.7, 1.5]. */
static inline AB_AVX2 __m256 v_exp_reduced(__m256 t, __m256 *n_out) {
  __m256 n = _mm256_round_ps(_mm256_mul_ps(t, V8(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, V8(0.693359375f), t);
  r = _mm256_fnmadd_ps(n, V8(-2.12194440e-4f), r);
  __m256 p = V8(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, V8(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, V8(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, V8(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, V8(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, V8(5.0000001201E-1f));
  *n_out = n;
  return _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), V8(1.0f));
}

static inline AB_AVX2 __m256 v_exp(__m256 x) {
  __m256 t = _mm256_min_ps(_mm256_max_ps(x, V8(-104.0f)), V8(89.0f));
  __m256 n;
  __m256 y = v_exp_reduced(t, &n);
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
  y = _mm256_mul_ps(_mm256_mul_ps(y, s1), s2);
  return _mm256_blendv_ps(y, x, v_isnan(x));
}

/* exp(t) for t in [0, 20] only (no NaN, overflow or subnormal handling: the caller guarantees it). */
static inline AB_AVX2 __m256 v_exp_0_20(__m256 t) {
  __m256 n;
  __m256 y = v_exp_reduced(t, &n);
  /* y in [0.7, 1.5], n in [0, 29]: adding n to the exponent field scales by 2^n exactly */
  __m256i e = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23);
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(y), e));
}

/* tanh: odd Cephes polynomial for |x| < 0.625, else 1 - 2/(exp(2|x|)+1) with the sign of x; 2|x| is
 * clamped to 20 (tanh is 1.0f from |x| > 9.01 on). Max error ~1 ulp. */
static inline AB_AVX2 __m256 v_tanh(__m256 x) {
  __m256 ax = v_abs(x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = V8(-5.70498872745E-3f);
  p = _mm256_fmadd_ps(p, z, V8(2.06390887954E-2f));
  p = _mm256_fmadd_ps(p, z, V8(-5.37397155531E-2f));
  p = _mm256_fmadd_ps(p, z, V8(1.33314422036E-1f));
  p = _mm256_fmadd_ps(p, z, V8(-3.33332819422E-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  __m256 e = v_exp_0_20(_mm256_min_ps(_mm256_add_ps(ax, ax), V8(20.0f)));
  __m256 big = _mm256_sub_ps(V8(1.0f), _mm256_div_ps(V8(2.0f), _mm256_add_ps(e, V8(1.0f))));
  big = _mm256_or_ps(big, v_signbit(x));
  __m256 r = _mm256_blendv_ps(small, big, _mm256_cmp_ps(ax, V8(0.625f), _CMP_GE_OQ));
  return _mm256_blendv_ps(r, x, v_isnan(x));
}

/* tanh as Eigen's [13/6] rational approximation on x clamped to +-7.9053 (|x| < 0.0004: x itself). Max
 * relative error 2.9e-7 over all floats (vs 1.2e-7 for v_tanh) at about half the cost: used in the gemm
 * epilogue, where the activation is a small part of each output's error budget. NaN -> NaN. */
static inline AB_AVX2 __m256 v_tanh_fast(__m256 x) {
  const __m256 c = _mm256_min_ps(_mm256_max_ps(x, V8(-7.90531110763549805f)), V8(7.90531110763549805f));
  const __m256 x2 = _mm256_mul_ps(c, c);
  __m256 p = V8(-2.76076847742355e-16f);
  p = _mm256_fmadd_ps(p, x2, V8(2.00018790482477e-13f));
  p = _mm256_fmadd_ps(p, x2, V8(-8.60467152213735e-11f));
  p = _mm256_fmadd_ps(p, x2, V8(5.12229709037114e-08f));
  p = _mm256_fmadd_ps(p, x2, V8(1.48572235717979e-05f));
  p = _mm256_fmadd_ps(p, x2, V8(6.37261928875436e-04f));
  p = _mm256_fmadd_ps(p, x2, V8(4.89352455891786e-03f));
  p = _mm256_mul_ps(p, c);
  __m256 q = V8(1.19825839466702e-06f);
  q = _mm256_fmadd_ps(q, x2, V8(1.18534705686654e-04f));
  q = _mm256_fmadd_ps(q, x2, V8(2.26843463243900e-03f));
  q = _mm256_fmadd_ps(q, x2, V8(4.89352518554385e-03f));
  const __m256 r = _mm256_div_ps(p, q);
  const __m256 keep = _mm256_or_ps(_mm256_cmp_ps(v_abs(x), V8(0.0004f), _CMP_LT_OQ), v_isnan(x));
  return _mm256_blendv_ps(r, x, keep);
}

/* sigmoid: 1/(1+e) for x >= 0, e/(1+e) for x < 0, e = exp(-|x|) (the oracle's two branches). */
static inline AB_AVX2 __m256 v_sigmoid(__m256 x) {
  __m256 e = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), v_abs(x)));
  __m256 num = _mm256_blendv_ps(V8(1.0f), e, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  __m256 r = _mm256_div_ps(num, _mm256_add_ps(V8(1.0f), e));
  return _mm256_blendv_ps(r, x, v_isnan(x));
}

/* log1p(t) for t in [0, 1]: 2 atanh(s), s = t/(2+t) in [0, 1/3], odd series to s^15. */
static inline AB_AVX2 __m256 v_log1p01(__m256 t) {
  __m256 s = _mm256_div_ps(t, _mm256_add_ps(t, V8(2.0f)));
  __m256 s2 = _mm256_mul_ps(s, s);
  __m256 p = V8(1.0f / 15);
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 13));
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 11));
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 9));
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 7));
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 5));
  p = _mm256_fmadd_ps(p, s2, V8(1.0f / 3));
  __m256 l = _mm256_fmadd_ps(_mm256_mul_ps(s, s2), p, s);
  return _mm256_add_ps(l, l);
}

/* softplus(x) = max(x, 0) + log1p(exp(-|x|)). */
static inline AB_AVX2 __m256 v_softplus(__m256 x) {
  __m256 t = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), v_abs(x)));
  __m256 r = _mm256_add_ps(_mm256_max_ps(x, _mm256_setzero_ps()), v_log1p01(t));
  return _mm256_blendv_ps(r, x, v_isnan(x));
}

/* expm1(x): Taylor series to x^10 for |x| < 0.7, exp(x) - 1 elsewhere. */
static inline AB_AVX2 __m256 v_expm1(__m256 x) {
  __m256 p = V8(1.0 / 3628800);
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 362880));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 40320));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 5040));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 720));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 120));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 24));
  p = _mm256_fmadd_ps(p, x, V8(1.0 / 6));
  p = _mm256_fmadd_ps(p, x, V8(0.5));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x);
  __m256 big = _mm256_sub_ps(v_exp(x), V8(1.0f));
  __m256 r = _mm256_blendv_ps(big, small, _mm256_cmp_ps(v_abs(x), V8(0.7f), _CMP_LT_OQ));
  return _mm256_blendv_ps(r, x, v_isnan(x));
}

static inline AB_AVX2 __m256 v_act(int act, __m256 alpha, __m256 x) {
  switch (act) {
    case AB_ACT_TANH: return v_tanh(x);
    case AB_ACT_SIGMOID: return v_sigmoid(x);
    case AB_ACT_RELU: {
      /* v > 0 ? v : 0 (NaN -> 0, like the oracle's comparison) */
      return _mm256_and_ps(x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
    }
    case AB_ACT_LEAKY:
      return _mm256_blendv_ps(_mm256_mul_ps(alpha, x), x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
    case AB_ACT_SOFTPLUS: return v_softplus(x);
    default: return x;
  }
}

/* act'(pre) written through y = act(pre). */
static inline AB_AVX2 __m256 v_act_grad(int act, __m256 alpha, __m256 y) {
  switch (act) {
    case AB_ACT_TANH: return _mm256_fnmadd_ps(y, y, V8(1.0f));          /* 1 - y*y, one rounding */
    case AB_ACT_SIGMOID: return _mm256_mul_ps(y, _mm256_sub_ps(V8(1.0f), y)); /* y(1-y), Inf-safe */
    case AB_ACT_RELU: return _mm256_and_ps(V8(1.0f), _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
    case AB_ACT_LEAKY: return _mm256_blendv_ps(alpha, V8(1.0f), _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
    case AB_ACT_SOFTPLUS: return _mm256_sub_ps(_mm256_setzero_ps(), v_expm1(_mm256_sub_ps(_mm256_setzero_ps(), y)));
    default: return V8(1.0f);
  }
}

/* Masks selecting the first n lanes (n clamped to [0, 8]). */
static inline AB_AVX2 __m256i v_mask(int64_t n) {
  int c = n < 0 ? 0 : n > 8 ? 8 : (int)n;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif /* AB_X86 */

#endif
