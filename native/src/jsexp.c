/* exp(x) exactly as V8's Math.exp computes it: V8 uses its port of fdlibm's e_exp.c (src/base/ieee754.cc, from
 * FreeBSD's msun), whose steps are plain IEEE double operations, so the same steps in C (ISO C mode: no
 * contraction, SSE2 doubles) give the same bits. This lets a kernel that the TypeScript reference writes with
 * Math.exp run in C without changing one result; the tests compare it with Math.exp bit for bit. Written from
 * the published algorithm (Sun's fdlibm, freely redistributable), constants given by their bit patterns. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "aberrant.h"
#if AB_X86
#include <immintrin.h>
#endif

static inline double from_bits(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
static inline uint64_t to_bits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }

double ab_js_exp(double x) {
  const double one = 1.0, huge = 1.0e+300;
  const double o_threshold = from_bits(0x40862E42FEFA39EFULL), u_threshold = from_bits(0xC0874910D52D3051ULL);
  const double ln2_hi = from_bits(0x3FE62E42FEE00000ULL), ln2_lo = from_bits(0x3DEA39EF35793C76ULL);
  const double invln2 = from_bits(0x3FF71547652B82FEULL);
  const double P1 = from_bits(0x3FC555555555553EULL), P2 = from_bits(0xBF66C16C16BEBD93ULL),
               P3 = from_bits(0x3F11566AAF25DE2CULL), P4 = from_bits(0xBEBBBD41C5D26BF1ULL),
               P5 = from_bits(0x3E66376972BEA4D0ULL);
  const double twom1000 = from_bits(0x0170000000000000ULL), two1023 = from_bits(0x7FE0000000000000ULL);
  const double E = 2.718281828459045;
  double y, hi = 0.0, lo = 0.0, c, t, twopk;
  int32_t k = 0;
  const uint64_t bits = to_bits(x);
  uint32_t hx = (uint32_t)(bits >> 32);
  const int xsb = (int)((hx >> 31) & 1);
  hx &= 0x7fffffff;
  /* non-finite or |x| >= 709.78 */
  if (hx >= 0x40862E42) {
    if (hx >= 0x7ff00000) {
      const uint32_t lx = (uint32_t)bits;
      if (((hx & 0xfffff) | lx) != 0) return x + x; /* NaN */
      return xsb == 0 ? x : 0.0;                     /* exp(+-inf) = {inf, 0} */
    }
    if (x > o_threshold) return huge * huge;         /* overflow */
    if (x < u_threshold) return twom1000 * twom1000; /* underflow */
  }
  /* argument reduction */
  if (hx > 0x3fd62e42) {   /* |x| > 0.5 ln2 */
    if (hx < 0x3FF0A2B2) { /* and |x| < 1.5 ln2 */
      if (x == 1.0) return E; /* V8 returns Math.E for exp(1) */
      hi = x - (xsb ? -ln2_hi : ln2_hi);
      lo = xsb ? -ln2_lo : ln2_lo;
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(invln2 * x + (xsb ? -0.5 : 0.5));
      t = k;
      hi = x - t * ln2_hi; /* t * ln2_hi is exact here */
      lo = t * ln2_lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) { /* |x| < 2^-28 */
    if (huge + x > one) return one + x;
  } else {
    k = 0;
  }
  /* x is now in the primary range */
  t = x * x;
  if (k >= -1021) twopk = from_bits((uint64_t)(0x3ff00000 + ((uint32_t)k << 20)) << 32);
  else twopk = from_bits((uint64_t)(0x3ff00000 + ((uint32_t)(k + 1000) << 20)) << 32);
  c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return one - ((x * c) / (c - 2.0) - x);
  y = one - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

#if AB_X86
/* Four lanes of ab_js_exp with AVX2 doubles: the same IEEE operations in the same order (intrinsics, no FMA:
 * ISO C mode does not contract), so the same bits. The common path is branch-free: |x| <= 0.5 ln2 (k = 0, its
 * own final formula), 0.5 ln2 < |x| < 1.5 ln2 (k = +-1; hi = x - k ln2_hi and lo = k ln2_lo are what the
 * scalar code's signed constants give, exactly, since k ln2_hi and k ln2_lo are exact) and the rest (k from the
 * truncated invln2 x +- 0.5). Lanes outside it (|x| >= 709.78, non-finite, |x| < 2^-28, x == 1, k < -1021 or
 * k == 1024) are flagged in *special for the caller to redo with ab_js_exp. */
static AB_AVX2 __m256d js_exp4(__m256d x, int *special) {
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
  const __m256d ln2_hi = _mm256_set1_pd(from_bits(0x3FE62E42FEE00000ULL)), ln2_lo = _mm256_set1_pd(from_bits(0x3DEA39EF35793C76ULL));
  const __m256d invln2 = _mm256_set1_pd(from_bits(0x3FF71547652B82FEULL));
  const __m256d P1 = _mm256_set1_pd(from_bits(0x3FC555555555553EULL)), P2 = _mm256_set1_pd(from_bits(0xBF66C16C16BEBD93ULL)),
                P3 = _mm256_set1_pd(from_bits(0x3F11566AAF25DE2CULL)), P4 = _mm256_set1_pd(from_bits(0xBEBBBD41C5D26BF1ULL)),
                P5 = _mm256_set1_pd(from_bits(0x3E66376972BEA4D0ULL));
  const __m256i bits = _mm256_castpd_si256(x);
  const __m256i hx = _mm256_and_si256(_mm256_srli_epi64(bits, 32), _mm256_set1_epi64x(0x7fffffff));
  const __m256d negative = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_setzero_si256(), bits));
  /* hx > limit as a lane mask (hx and the limits are non-negative 64-bit lanes) */
#define HX_GT(limit) _mm256_castsi256_pd(_mm256_cmpgt_epi64(hx, _mm256_set1_epi64x(limit)))
  const __m256d reduce = HX_GT(0x3fd62e42);                         /* |x| > 0.5 ln2 */
  const __m256d near = _mm256_andnot_pd(HX_GT(0x3FF0A2B1), reduce); /* and |x| < 1.5 ln2 */
  __m256d sp = _mm256_or_pd(HX_GT(0x40862E41), _mm256_andnot_pd(HX_GT(0x3e2fffff), _mm256_castsi256_pd(_mm256_set1_epi64x(-1))));
#undef HX_GT
  sp = _mm256_or_pd(sp, _mm256_cmp_pd(x, one, _CMP_EQ_OQ));
  const __m256d half = _mm256_blendv_pd(_mm256_set1_pd(0.5), _mm256_set1_pd(-0.5), negative);
  const __m256d kfar = _mm256_round_pd(_mm256_add_pd(_mm256_mul_pd(invln2, x), half), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d knear = _mm256_blendv_pd(one, _mm256_set1_pd(-1.0), negative);
  const __m256d t = _mm256_and_pd(_mm256_blendv_pd(kfar, knear, near), reduce); /* k as a double; 0 without reduction */
  sp = _mm256_or_pd(sp, _mm256_or_pd(_mm256_cmp_pd(t, _mm256_set1_pd(-1021.0), _CMP_LT_OQ), _mm256_cmp_pd(t, _mm256_set1_pd(1024.0), _CMP_EQ_OQ)));
  *special = _mm256_movemask_pd(sp);
  const __m256d hi = _mm256_sub_pd(x, _mm256_mul_pd(t, ln2_hi)), lo = _mm256_mul_pd(t, ln2_lo);
  const __m256d r = _mm256_blendv_pd(x, _mm256_sub_pd(hi, lo), reduce);
  const __m256d rr = _mm256_mul_pd(r, r);
  __m256d poly = _mm256_add_pd(P4, _mm256_mul_pd(rr, P5));
  poly = _mm256_add_pd(P3, _mm256_mul_pd(rr, poly));
  poly = _mm256_add_pd(P2, _mm256_mul_pd(rr, poly));
  poly = _mm256_add_pd(P1, _mm256_mul_pd(rr, poly));
  const __m256d c = _mm256_sub_pd(r, _mm256_mul_pd(rr, poly));
  const __m256d rc = _mm256_mul_pd(r, c);
  /* k == 0: one - ((x c) / (c - 2) - x) */
  const __m256d y0 = _mm256_sub_pd(one, _mm256_sub_pd(_mm256_div_pd(rc, _mm256_sub_pd(c, two)), r));
  /* else (one - ((lo - (x c) / (2 - c)) - hi)) 2^k, 2^k from the bits (k + 1023) << 52 */
  const __m256d y = _mm256_sub_pd(one, _mm256_sub_pd(_mm256_sub_pd(lo, _mm256_div_pd(rc, _mm256_sub_pd(two, c))), hi));
  const __m256i k64 = _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(_mm256_blendv_pd(t, zero, sp)));
  const __m256d twopk = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(k64, _mm256_set1_epi64x(1023)), 52));
  return _mm256_blendv_pd(y0, _mm256_mul_pd(y, twopk), reduce);
}

/* js_exp4 with its flagged lanes redone by the scalar code: Math.exp's bits on every lane. */
static AB_AVX2 __m256d js_exp4_exact(__m256d x) {
  int special;
  __m256d e = js_exp4(x, &special);
  if (!special) return e;
  double lanes[4], xs[4];
  _mm256_storeu_pd(lanes, e);
  _mm256_storeu_pd(xs, x);
  for (int l = 0; l < 4; l++) if (special >> l & 1) lanes[l] = ab_js_exp(xs[l]);
  return _mm256_loadu_pd(lanes);
}

/* out[i] = exp(a x[i] + b), the product and sum in double (not fused) and Math.exp's bits: Kernels.expAffine
 * (RBF kernel values exp(-gamma d2), shifted exps of a log-sum-exp). out may be x. */
static AB_AVX2 void js_exp_affine_avx2(int64_t n, double a, double b, const double *x, double *out) {
  const __m256d av = _mm256_set1_pd(a), bv = _mm256_set1_pd(b);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, js_exp4_exact(_mm256_add_pd(_mm256_mul_pd(av, _mm256_loadu_pd(x + i)), bv)));
  for (; i < n; i++) out[i] = ab_js_exp(a * x[i] + b);
}
#endif

void ab_js_exp_affine(int64_t n, double a, double b, const double *x, double *out) {
#if AB_X86
  if (ab_simd) { js_exp_affine_avx2(n, a, b, x, out); return; }
#endif
  for (int64_t i = 0; i < n; i++) out[i] = ab_js_exp(a * x[i] + b);
}

#if AB_X86
/* out[i] += g[i] * exp(-b[i]) in double, rounded once to float (Kernels.accumulate's softplus slope). */
static AB_AVX2 void softplus_slope_avx2(int64_t len, const float *g, const float *b, float *out) {
  int64_t i = 0;
  for (; i + 4 <= len; i += 4) {
    const __m256d nb = _mm256_xor_pd(_mm256_set1_pd(-0.0), _mm256_cvtps_pd(_mm_loadu_ps(b + i))); /* -b: the sign bit flipped, NaN too */
    const __m256d e = js_exp4_exact(nb);
    const __m256d acc = _mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(out + i)), _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(g + i)), e));
    _mm_storeu_ps(out + i, _mm256_cvtpd_ps(acc));
  }
  for (; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i] * ab_js_exp(-(double)b[i]));
}
#endif

void ab_softplus_slope_accumulate(int64_t len, const float *g, const float *b, float *out) {
#if AB_X86
  if (ab_simd) { softplus_slope_avx2(len, g, b, out); return; }
#endif
  for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i] * ab_js_exp(-(double)b[i]));
}

/* log(x) as V8's Math.log computes it: its port of fdlibm's e_log.c, the same way as ab_js_exp above
 * (x = 2^k (1 + f), log(1 + f) = f - hfsq + s (hfsq + R), s = f / (2 + f), R a polynomial in s^2). */
double ab_js_log(double x) {
  const double ln2_hi = from_bits(0x3FE62E42FEE00000ULL), ln2_lo = from_bits(0x3DEA39EF35793C76ULL);
  const double two54 = from_bits(0x4350000000000000ULL);
  const double Lg1 = from_bits(0x3FE5555555555593ULL), Lg2 = from_bits(0x3FD999999997FA04ULL),
               Lg3 = from_bits(0x3FD2492494229359ULL), Lg4 = from_bits(0x3FCC71C51D8E78AFULL),
               Lg5 = from_bits(0x3FC7466496CB03DEULL), Lg6 = from_bits(0x3FC39A09D078C69FULL),
               Lg7 = from_bits(0x3FC2F112DF3E5244ULL);
  const double zero = 0.0;
  double hfsq, f, s, z, R, w, t1, t2, dk;
  uint64_t bits = to_bits(x);
  int32_t hx = (int32_t)(uint32_t)(bits >> 32), k = 0, i, j;
  const uint32_t lx = (uint32_t)bits;
  if (hx < 0x00100000) {                                     /* x < 2^-1022 */
    if (((hx & 0x7fffffff) | (int32_t)lx) == 0) return -two54 / zero; /* log(+-0) = -inf */
    if (hx < 0) return (x - x) / zero;                       /* log(-#) = NaN */
    k -= 54;
    x *= two54;                                              /* subnormal: scale up */
    hx = (int32_t)(uint32_t)(to_bits(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  i = (hx + 0x95f64) & 0x100000;
  x = from_bits(((uint64_t)(uint32_t)(hx | (i ^ 0x3ff00000)) << 32) | (to_bits(x) & 0xffffffffULL)); /* x or x/2 */
  k += (i >> 20);
  f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) { /* -2^-20 <= f < 2^-20 */
    if (f == zero) {
      if (k == 0) return zero;
      dk = (double)k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = (double)k;
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  dk = (double)k;
  z = s * s;
  i = hx - 0x6147a;
  w = z * z;
  j = 0x6b851 - hx;
  t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  R = t2 + t1;
  if (i > 0) {
    hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

void ab_js_log_array(int64_t n, const double *x, double *out) {
  for (int64_t i = 0; i < n; i++) out[i] = ab_js_log(x[i]);
}

#if AB_X86
/* e[j] = exp(x[j] - c) for j < n (float x, double c), Math.exp's bits; four lanes at a time when enabled. */
static AB_AVX2 void shifted_exp_avx2(int64_t n, const float *x, double c, double *e) {
  const __m256d cv = _mm256_set1_pd(c);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    _mm256_storeu_pd(e + j, js_exp4_exact(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + j)), cv)));
  }
  for (; j < n; j++) e[j] = ab_js_exp((double)x[j] - c);
}
#endif

static void shifted_exp(int64_t n, const float *x, double c, double *e) {
#if AB_X86
  if (ab_simd) { shifted_exp_avx2(n, x, c, e); return; }
#endif
  for (int64_t j = 0; j < n; j++) e[j] = ab_js_exp((double)x[j] - c);
}

#define AB_LSM_CHUNK 256

static double row_max(int64_t n, const float *x) {
  double mx = -INFINITY;
  for (int64_t j = 0; j < n; j++) if (x[j] > mx) mx = x[j];
  return mx;
}

/* sum of exp(x[j] - c) in index order (the TypeScript loop's running sum), a chunk of exps at a time. */
static double shifted_exp_sum(int64_t n, const float *x, double c) {
  double e[AB_LSM_CHUNK], s = 0;
  for (int64_t j0 = 0; j0 < n; j0 += AB_LSM_CHUNK) {
    const int64_t len = n - j0 < AB_LSM_CHUNK ? n - j0 : AB_LSM_CHUNK;
    shifted_exp(len, x + j0, c, e);
    for (int64_t j = 0; j < len; j++) s += e[j];
  }
  return s;
}

/* Kernels.logSoftmax: per row, m = max, s = sum of exp(x - m) in index order, l = m + log(s), out = x - l;
 * every step in double as the TypeScript loop (Math.exp and Math.log's bits), rounded once on the store. */
void ab_log_softmax(int64_t m, int64_t n, const float *x, float *out) {
  for (int64_t r = 0; r < m; r++) {
    const float *xr = x + r * n;
    float *o = out + r * n;
    const double mx = row_max(n, xr);
    const double l = mx + ab_js_log(shifted_exp_sum(n, xr, mx));
    for (int64_t j = 0; j < n; j++) o[j] = (float)((double)xr[j] - l);
  }
}

/* Kernels.logSoftmaxBackward: gx += g - exp(y) * (row sum of g), as the TypeScript loop, in double. */
void ab_log_softmax_backward(int64_t m, int64_t n, const float *y, const float *g, float *gx) {
  double e[AB_LSM_CHUNK];
  for (int64_t r = 0; r < m; r++) {
    const float *yr = y + r * n, *gr = g + r * n;
    float *o = gx + r * n;
    double gs = 0;
    for (int64_t j = 0; j < n; j++) gs += gr[j];
    for (int64_t j0 = 0; j0 < n; j0 += AB_LSM_CHUNK) {
      const int64_t len = n - j0 < AB_LSM_CHUNK ? n - j0 : AB_LSM_CHUNK;
      shifted_exp(len, yr + j0, 0.0, e);
      for (int64_t j = 0; j < len; j++) o[j0 + j] = (float)((double)o[j0 + j] + ((double)gr[j0 + j] - e[j] * gs));
    }
  }
}

/* Kernels.logSumExp: per row mx = max; a row whose max is not finite gives mx, else mx + log(sum of
 * exp(x - mx) in index order); Math.exp / Math.log's bits, as the TypeScript loop. */
void ab_log_sum_exp(int64_t m, int64_t n, const float *x, float *out) {
  for (int64_t r = 0; r < m; r++) {
    const float *xr = x + r * n;
    const double mx = row_max(n, xr);
    out[r] = isfinite(mx) ? (float)(mx + ab_js_log(shifted_exp_sum(n, xr, mx))) : (float)mx;
  }
}

/* Kernels.logSumExpBackward: gx += g[r] exp(x - y[r]) for rows whose y[r] is not -inf. */
void ab_log_sum_exp_backward(int64_t m, int64_t n, const float *x, const float *y, const float *g, float *gx) {
  double e[AB_LSM_CHUNK];
  for (int64_t r = 0; r < m; r++) {
    const double l = y[r], gr = g[r];
    if (l == -INFINITY) continue;
    const float *xr = x + r * n;
    float *o = gx + r * n;
    for (int64_t j0 = 0; j0 < n; j0 += AB_LSM_CHUNK) {
      const int64_t len = n - j0 < AB_LSM_CHUNK ? n - j0 : AB_LSM_CHUNK;
      shifted_exp(len, xr + j0, l, e);
      for (int64_t j = 0; j < len; j++) o[j0 + j] = (float)((double)o[j0 + j] + gr * e[j]);
    }
  }
}
