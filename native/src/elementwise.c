/* Elementwise and row/column kernels: AVX2 paths (masked tails, so every element is computed the same
 * way wherever a partition boundary falls) and portable scalar fallbacks. */
#include <string.h>

#include "aberrant.h"
#include "vmath.h"

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

enum { K_ACT, K_ACTGRAD, K_BIN, K_PAIR, K_COMBINE, K_COLSUM };

typedef struct {
  int kind, code, flag;
  float alpha;
  int64_t len, m, n, units, unit;
  const float *a, *b, *ca, *cb;
  float *out;
} ew_job;

/* ---------------------------------------------------------------- scalar ranges */
static void act_scalar_range(int act, float alpha, const float *x, float *out, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; i++) out[i] = ab_act_scalar(act, alpha, x[i]);
}
static void grad_scalar_range(int act, float alpha, const float *y, const float *dy, float *dx, int64_t i0,
                              int64_t i1) {
  if (act == AB_ACT_NONE) {
    if (dx != dy) memmove(dx + i0, dy + i0, (size_t)(i1 - i0) * sizeof(float));
    return;
  }
  for (int64_t i = i0; i < i1; i++) dx[i] = (float)((double)dy[i] * ab_act_grad_scalar(act, alpha, y[i]));
}
static void bin_scalar_range(int op, const float *a, const float *b, float *out, int64_t i0, int64_t i1) {
  switch (op) {
    case AB_BIN_ADD: for (int64_t i = i0; i < i1; i++) out[i] = a[i] + b[i]; break;
    case AB_BIN_SUB: for (int64_t i = i0; i < i1; i++) out[i] = a[i] - b[i]; break;
    case AB_BIN_MUL: for (int64_t i = i0; i < i1; i++) out[i] = a[i] * b[i]; break;
    default: for (int64_t i = i0; i < i1; i++) out[i] = a[i] / b[i]; break;
  }
}
static void pair_scalar_rows(int64_t n, const float *x, const float *y, float *out, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; i++) {
    double xx = 0, yy = 0, xy = 0, dd = 0;
    const float *xi = x + i * n, *yi = y + i * n;
    for (int64_t j = 0; j < n; j++) {
      double xv = xi[j], yv = yi[j], d = xv - yv;
      xx += xv * xv; yy += yv * yv; xy += xv * yv; dd += d * d;
    }
    out[i * 4] = (float)xx; out[i * 4 + 1] = (float)yy; out[i * 4 + 2] = (float)xy; out[i * 4 + 3] = (float)dd;
  }
}
static void combine_scalar_rows(int64_t n, const float *x, const float *y, const float *ca, const float *cb,
                                int acc, float *out, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; i++) {
    const double a = ca[i], b = cb[i];
    const float *xi = x + i * n, *yi = y + i * n;
    float *oi = out + i * n;
    if (acc) for (int64_t j = 0; j < n; j++) oi[j] = (float)(oi[j] + (a * xi[j] + b * yi[j]));
    else for (int64_t j = 0; j < n; j++) oi[j] = (float)(a * xi[j] + b * yi[j]);
  }
}
static void colsum_scalar_cols(int64_t m, int64_t n, const float *x, int acc, float *out, int64_t j0, int64_t j1) {
  if (!acc) for (int64_t j = j0; j < j1; j++) out[j] = 0.0f;
  for (int64_t i = 0; i < m; i++) {
    const float *xi = x + i * n;
    for (int64_t j = j0; j < j1; j++) out[j] += xi[j];
  }
}

/* ---------------------------------------------------------------- AVX2 ranges */
#if AB_X86
#define EW_LOOP(EXPR_OF_V)                                                            \
  do {                                                                                \
    int64_t i = i0;                                                                   \
    for (; i + 8 <= i1; i += 8) {                                                     \
      __m256 v = _mm256_loadu_ps(x + i);                                              \
      _mm256_storeu_ps(out + i, EXPR_OF_V);                                           \
    }                                                                                 \
    if (i < i1) {                                                                     \
      const __m256i mk = v_mask(i1 - i);                                              \
      __m256 v = _mm256_maskload_ps(x + i, mk);                                       \
      _mm256_maskstore_ps(out + i, mk, EXPR_OF_V);                                    \
    }                                                                                 \
  } while (0)

static AB_AVX2 void act_avx2_range(int act, float alpha, const float *x, float *out, int64_t i0, int64_t i1) {
  const __m256 al = _mm256_set1_ps(alpha);
  (void)al;
  switch (act) {
    case AB_ACT_TANH: EW_LOOP(v_tanh(v)); break;
    case AB_ACT_SIGMOID: EW_LOOP(v_sigmoid(v)); break;
    case AB_ACT_SOFTPLUS: EW_LOOP(v_softplus(v)); break;
    case AB_ACT_RELU: EW_LOOP(v_act(AB_ACT_RELU, al, v)); break;
    case AB_ACT_LEAKY: EW_LOOP(v_act(AB_ACT_LEAKY, al, v)); break;
    default:
      if (out != x) memmove(out + i0, x + i0, (size_t)(i1 - i0) * sizeof(float));
      break;
  }
}

#define GRAD_LOOP(G)                                                                  \
  do {                                                                                \
    int64_t i = i0;                                                                   \
    for (; i + 8 <= i1; i += 8) {                                                     \
      __m256 v = _mm256_loadu_ps(y + i);                                              \
      _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), G));            \
    }                                                                                 \
    if (i < i1) {                                                                     \
      const __m256i mk = v_mask(i1 - i);                                              \
      __m256 v = _mm256_maskload_ps(y + i, mk);                                       \
      _mm256_maskstore_ps(dx + i, mk, _mm256_mul_ps(_mm256_maskload_ps(dy + i, mk), G)); \
    }                                                                                 \
  } while (0)

static AB_AVX2 void grad_avx2_range(int act, float alpha, const float *y, const float *dy, float *dx, int64_t i0,
                                    int64_t i1) {
  const __m256 al = _mm256_set1_ps(alpha);
  switch (act) {
    case AB_ACT_TANH: GRAD_LOOP(v_act_grad(AB_ACT_TANH, al, v)); break;
    case AB_ACT_SIGMOID: GRAD_LOOP(v_act_grad(AB_ACT_SIGMOID, al, v)); break;
    case AB_ACT_RELU: GRAD_LOOP(v_act_grad(AB_ACT_RELU, al, v)); break;
    case AB_ACT_LEAKY: GRAD_LOOP(v_act_grad(AB_ACT_LEAKY, al, v)); break;
    case AB_ACT_SOFTPLUS: GRAD_LOOP(v_act_grad(AB_ACT_SOFTPLUS, al, v)); break;
    default:
      if (dx != dy) memmove(dx + i0, dy + i0, (size_t)(i1 - i0) * sizeof(float));
      break;
  }
}

#define BIN_LOOP(F)                                                                   \
  do {                                                                                \
    int64_t i = i0;                                                                   \
    for (; i + 8 <= i1; i += 8)                                                       \
      _mm256_storeu_ps(out + i, F(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));   \
    if (i < i1) {                                                                     \
      const __m256i mk = v_mask(i1 - i);                                              \
      _mm256_maskstore_ps(out + i, mk, F(_mm256_maskload_ps(a + i, mk), _mm256_maskload_ps(b + i, mk))); \
    }                                                                                 \
  } while (0)

static AB_AVX2 void bin_avx2_range(int op, const float *a, const float *b, float *out, int64_t i0, int64_t i1) {
  switch (op) {
    case AB_BIN_ADD: BIN_LOOP(_mm256_add_ps); break;
    case AB_BIN_SUB: BIN_LOOP(_mm256_sub_ps); break;
    case AB_BIN_MUL: BIN_LOOP(_mm256_mul_ps); break;
    default: BIN_LOOP(_mm256_div_ps); break;
  }
}

static AB_AVX2 double hsum_pd(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

static AB_AVX2 void pair_avx2_rows(int64_t n, const float *x, const float *y, float *out, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; i++) {
    const float *xi = x + i * n, *yi = y + i * n;
    __m256d xx0 = _mm256_setzero_pd(), yy0 = xx0, xy0 = xx0, dd0 = xx0;
    __m256d xx1 = xx0, yy1 = xx0, xy1 = xx0, dd1 = xx0;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256d xa = _mm256_cvtps_pd(_mm_loadu_ps(xi + j)), ya = _mm256_cvtps_pd(_mm_loadu_ps(yi + j));
      __m256d xb = _mm256_cvtps_pd(_mm_loadu_ps(xi + j + 4)), yb = _mm256_cvtps_pd(_mm_loadu_ps(yi + j + 4));
      __m256d da = _mm256_sub_pd(xa, ya), db = _mm256_sub_pd(xb, yb);
      xx0 = _mm256_fmadd_pd(xa, xa, xx0); xx1 = _mm256_fmadd_pd(xb, xb, xx1);
      yy0 = _mm256_fmadd_pd(ya, ya, yy0); yy1 = _mm256_fmadd_pd(yb, yb, yy1);
      xy0 = _mm256_fmadd_pd(xa, ya, xy0); xy1 = _mm256_fmadd_pd(xb, yb, xy1);
      dd0 = _mm256_fmadd_pd(da, da, dd0); dd1 = _mm256_fmadd_pd(db, db, dd1);
    }
    if (j < n) {
      const __m256i mk = v_mask(n - j);
      const __m128i lo = _mm256_castsi256_si128(mk), hi = _mm256_extracti128_si256(mk, 1);
      __m256d xa = _mm256_cvtps_pd(_mm_maskload_ps(xi + j, lo)), ya = _mm256_cvtps_pd(_mm_maskload_ps(yi + j, lo));
      __m256d xb = _mm256_cvtps_pd(_mm_maskload_ps(xi + j + 4, hi)), yb = _mm256_cvtps_pd(_mm_maskload_ps(yi + j + 4, hi));
      __m256d da = _mm256_sub_pd(xa, ya), db = _mm256_sub_pd(xb, yb);
      xx0 = _mm256_fmadd_pd(xa, xa, xx0); xx1 = _mm256_fmadd_pd(xb, xb, xx1);
      yy0 = _mm256_fmadd_pd(ya, ya, yy0); yy1 = _mm256_fmadd_pd(yb, yb, yy1);
      xy0 = _mm256_fmadd_pd(xa, ya, xy0); xy1 = _mm256_fmadd_pd(xb, yb, xy1);
      dd0 = _mm256_fmadd_pd(da, da, dd0); dd1 = _mm256_fmadd_pd(db, db, dd1);
    }
    out[i * 4] = (float)hsum_pd(_mm256_add_pd(xx0, xx1));
    out[i * 4 + 1] = (float)hsum_pd(_mm256_add_pd(yy0, yy1));
    out[i * 4 + 2] = (float)hsum_pd(_mm256_add_pd(xy0, xy1));
    out[i * 4 + 3] = (float)hsum_pd(_mm256_add_pd(dd0, dd1));
  }
}

static AB_AVX2 void combine_avx2_rows(int64_t n, const float *x, const float *y, const float *ca, const float *cb,
                                      int acc, float *out, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; i++) {
    const __m256 a = _mm256_set1_ps(ca[i]), b = _mm256_set1_ps(cb[i]);
    const float *xi = x + i * n, *yi = y + i * n;
    float *oi = out + i * n;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 v = _mm256_fmadd_ps(a, _mm256_loadu_ps(xi + j), _mm256_mul_ps(b, _mm256_loadu_ps(yi + j)));
      if (acc) v = _mm256_add_ps(_mm256_loadu_ps(oi + j), v);
      _mm256_storeu_ps(oi + j, v);
    }
    if (j < n) {
      const __m256i mk = v_mask(n - j);
      __m256 v = _mm256_fmadd_ps(a, _mm256_maskload_ps(xi + j, mk), _mm256_mul_ps(b, _mm256_maskload_ps(yi + j, mk)));
      if (acc) v = _mm256_add_ps(_mm256_maskload_ps(oi + j, mk), v);
      _mm256_maskstore_ps(oi + j, mk, v);
    }
  }
}

/* Column sums over columns [j0, j1): groups of 32 columns (4 independent vector chains), rows in order. */
static AB_AVX2 void colsum_avx2_cols(int64_t m, int64_t n, const float *x, int acc, float *out, int64_t j0,
                                     int64_t j1) {
  for (int64_t j = j0; j < j1; j += 32) {
    const int64_t w = imin(32, j1 - j);
    const __m256i k0 = v_mask(w), k1 = v_mask(w - 8), k2 = v_mask(w - 16), k3 = v_mask(w - 24);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    if (acc) {
      s0 = _mm256_maskload_ps(out + j, k0); s1 = _mm256_maskload_ps(out + j + 8, k1);
      s2 = _mm256_maskload_ps(out + j + 16, k2); s3 = _mm256_maskload_ps(out + j + 24, k3);
    }
    const float *xp = x + j;
    if (w == 32) {
      for (int64_t i = 0; i < m; i++, xp += n) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(xp)); s1 = _mm256_add_ps(s1, _mm256_loadu_ps(xp + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(xp + 16)); s3 = _mm256_add_ps(s3, _mm256_loadu_ps(xp + 24));
      }
    } else {
      for (int64_t i = 0; i < m; i++, xp += n) {
        s0 = _mm256_add_ps(s0, _mm256_maskload_ps(xp, k0)); s1 = _mm256_add_ps(s1, _mm256_maskload_ps(xp + 8, k1));
        s2 = _mm256_add_ps(s2, _mm256_maskload_ps(xp + 16, k2)); s3 = _mm256_add_ps(s3, _mm256_maskload_ps(xp + 24, k3));
      }
    }
    _mm256_maskstore_ps(out + j, k0, s0); _mm256_maskstore_ps(out + j + 8, k1, s1);
    _mm256_maskstore_ps(out + j + 16, k2, s2); _mm256_maskstore_ps(out + j + 24, k3, s3);
  }
}
#endif

/* ---------------------------------------------------------------- dispatch */
static void ew_do(const ew_job *j, int64_t u0, int64_t u1) {
  /* units are elements (K_ACT/K_ACTGRAD/K_BIN), rows (K_PAIR/K_COMBINE) or columns (K_COLSUM). */
#if AB_X86
  if (ab_simd) {
    switch (j->kind) {
      case K_ACT: act_avx2_range(j->code, j->alpha, j->a, j->out, u0, u1); return;
      case K_ACTGRAD: grad_avx2_range(j->code, j->alpha, j->a, j->b, j->out, u0, u1); return;
      case K_BIN: bin_avx2_range(j->code, j->a, j->b, j->out, u0, u1); return;
      case K_PAIR: pair_avx2_rows(j->n, j->a, j->b, j->out, u0, u1); return;
      case K_COMBINE: combine_avx2_rows(j->n, j->a, j->b, j->ca, j->cb, j->flag, j->out, u0, u1); return;
      default: colsum_avx2_cols(j->m, j->n, j->a, j->flag, j->out, u0, u1); return;
    }
  }
#endif
  switch (j->kind) {
    case K_ACT: act_scalar_range(j->code, j->alpha, j->a, j->out, u0, u1); return;
    case K_ACTGRAD: grad_scalar_range(j->code, j->alpha, j->a, j->b, j->out, u0, u1); return;
    case K_BIN: bin_scalar_range(j->code, j->a, j->b, j->out, u0, u1); return;
    case K_PAIR: pair_scalar_rows(j->n, j->a, j->b, j->out, u0, u1); return;
    case K_COMBINE: combine_scalar_rows(j->n, j->a, j->b, j->ca, j->cb, j->flag, j->out, u0, u1); return;
    default: colsum_scalar_cols(j->m, j->n, j->a, j->flag, j->out, u0, u1); return;
  }
}

/* Partition: `units` items in blocks of `unit` (8 elements / 1 row / 32 columns), split evenly by block. */
static void ew_task(void *ctx, int t, int nt) {
  const ew_job *j = ctx;
  const int64_t blocks = (j->units + j->unit - 1) / j->unit;
  const int64_t b0 = blocks * t / nt, b1 = blocks * (t + 1) / nt;
  const int64_t u0 = b0 * j->unit, u1 = imin(b1 * j->unit, j->units);
  if (u0 < u1) ew_do(j, u0, u1);
}

/* cost = rough cycles for the whole call; parallel when it exceeds ~4 us of work (a region costs ~0.1 us,
 * but splitting memory-bound loops across cores only pays for larger arrays). */
static void ew_run(ew_job *j, int64_t units, int64_t unit, double cost) {
  j->units = units;
  j->unit = unit;
  if (units <= 0) return;
  int nt = ab_threads();
  const int64_t blocks = (units + unit - 1) / unit;
  if (cost < 10000.0 || blocks < 2) nt = 1;
  if (nt > blocks) nt = (int)blocks;
  if (nt <= 1) ew_do(j, 0, units);
  else ab_parallel(ew_task, j, nt);
}

static double act_cost(int act) {
  return act == AB_ACT_TANH || act == AB_ACT_SIGMOID || act == AB_ACT_SOFTPLUS ? 2.0 : 0.25;
}

void ab_activation(int act, float alpha, int64_t len, const float *x, float *out) {
  ew_job j = { .kind = K_ACT, .code = act, .alpha = alpha, .a = x, .out = out };
  ew_run(&j, len, 8, (double)len * act_cost(act));
}

void ab_activation_grad(int act, float alpha, int64_t len, const float *y, const float *dy, float *dx) {
  ew_job j = { .kind = K_ACTGRAD, .code = act, .alpha = alpha, .a = y, .b = dy, .out = dx };
  ew_run(&j, len, 8, (double)len * (act == AB_ACT_SOFTPLUS ? 2.0 : 0.3));
}

void ab_binary(int op, int64_t len, const float *a, const float *b, float *out) {
  ew_job j = { .kind = K_BIN, .code = op, .a = a, .b = b, .out = out };
  ew_run(&j, len, 8, (double)len * (op == AB_BIN_DIV ? 0.6 : 0.3));
}

void ab_row_pair_stats(int64_t m, int64_t n, const float *x, const float *y, float *out) {
  ew_job j = { .kind = K_PAIR, .m = m, .n = n, .a = x, .b = y, .out = out };
  ew_run(&j, m, 1, (double)m * (double)(n + 8) * 0.6);
}

void ab_row_combine(int64_t m, int64_t n, const float *x, const float *y, const float *ca, const float *cb,
                    int accumulate, float *out) {
  ew_job j = { .kind = K_COMBINE, .flag = accumulate, .m = m, .n = n, .a = x, .b = y, .ca = ca, .cb = cb,
               .out = out };
  ew_run(&j, m, 1, (double)m * (double)(n + 8) * 0.4);
}

void ab_col_sum(int64_t m, int64_t n, const float *x, int accumulate, float *out) {
  if (n <= 0) return;
  if (m <= 0) {
    if (!accumulate) memset(out, 0, (size_t)n * sizeof(float));
    return;
  }
  ew_job j = { .kind = K_COLSUM, .flag = accumulate, .m = m, .n = n, .a = x, .out = out };
  ew_run(&j, n, 32, (double)m * (double)n * 0.15);
}

void ab_activation_grad_serial(int act, float alpha, int64_t len, const float *y, const float *dy, float *dx) {
  ew_job j = { .kind = K_ACTGRAD, .code = act, .alpha = alpha, .a = y, .b = dy, .out = dx };
  if (len > 0) ew_do(&j, 0, len);
}

void ab_col_sum_serial(int64_t m, int64_t n, const float *x, int accumulate, float *out) {
  if (n <= 0) return;
  if (m <= 0) {
    if (!accumulate) memset(out, 0, (size_t)n * sizeof(float));
    return;
  }
  ew_job j = { .kind = K_COLSUM, .flag = accumulate, .m = m, .n = n, .a = x, .out = out };
  ew_do(&j, 0, n);
}

void ab_row_pair_stats_serial(int64_t m, int64_t n, const float *x, const float *y, float *out) {
  ew_job j = { .kind = K_PAIR, .m = m, .n = n, .a = x, .b = y, .out = out };
  if (m > 0) ew_do(&j, 0, m);
}

void ab_binary_serial(int op, int64_t len, const float *a, const float *b, float *out) {
  ew_job j = { .kind = K_BIN, .code = op, .a = a, .b = b, .out = out };
  if (len > 0) ew_do(&j, 0, len);
}

/* Gradient accumulation of the binary ops (Kernels.accumulate): out[i] += the op's term, formed in double and
 * rounded once on the store, as the TypeScript loops `out[i] += g[i] * b[i]` do (a float product is exact in
 * double, so the two agree bit for bit). op: 0 g, 1 -g, 2 g*b, 3 g/b, 4 -g*r/b (div's gradient wrt b, r the
 * quotient). Serial: memory-bound, and the callers' arrays are a training batch's size. */
void ab_accumulate(int op, int64_t len, const float *g, const float *b, const float *r, float *out) {
  switch (op) {
    case 0: for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i]); break;
    case 1: for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + -(double)g[i]); break;
    case 2: for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i] * (double)b[i]); break;
    case 3: for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i] / (double)b[i]); break;
    case 4:
      for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + -(double)g[i] * (double)r[i] / (double)b[i]);
      break;
    case 5: /* softplus's slope from its output: d/dy (1 - e^-y) = e^-y, with Math.exp's exact bits */
      ab_softplus_slope_accumulate(len, g, b, out);
      break;
    default: /* square's backward: g * 2x, 2x formed in double (no float32 overflow) */
      for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + (double)g[i] * (2.0 * (double)b[i]));
      break;
  }
}

/* Kernels.squaredErrorSum: sum of (a[i] - b[i])^2 in double, strictly in index order (one running sum, no
 * reassociation: the build has no -ffast-math and ISO C mode keeps d * d and the add separate), so it equals
 * the TypeScript loop bit for bit. Latency-bound on the adds; still ~2x the JavaScript loop. */
double ab_squared_error_sum(int64_t len, const float *a, const float *b) {
  double s = 0;
  for (int64_t i = 0; i < len; i++) {
    const double d = (double)a[i] - (double)b[i];
    s += d * d;
  }
  return s;
}

/* Kernels.accumulateScaledDifference: out[i] += c * (a[i] - b[i]) in double, rounded once on the store, as the
 * TypeScript loop does. Independent per element, so it vectorises. */
void ab_accumulate_scaled_difference(int64_t len, double c, const float *a, const float *b, float *out) {
  for (int64_t i = 0; i < len; i++) out[i] = (float)((double)out[i] + c * ((double)a[i] - (double)b[i]));
}

/* Kernels.addScaled: out[i] = base[i] + c * z[i] in double, rounded once on the store, as the TypeScript loop. */
void ab_add_scaled(int64_t len, double c, const double *z, const float *base, float *out) {
  for (int64_t i = 0; i < len; i++) out[i] = (float)((double)base[i] + c * z[i]);
}

/* Kernels.rowBroadcastAdd: out[q n + j] = row[j] + x[q n + j] (a float sum in double, rounded on the store). */
void ab_row_broadcast_add(int64_t m, int64_t n, const float *row, const float *x, float *out) {
  for (int64_t q = 0; q < m; q++) {
    const float *xq = x + q * n;
    float *oq = out + q * n;
    for (int64_t j = 0; j < n; j++) oq[j] = (float)((double)row[j] + (double)xq[j]);
  }
}

/* Kernels.rowSum: each row summed in double strictly in index order (the TypeScript loop's bits), four rows at
 * a time so that four independent add chains overlap; rounded to float once. */
void ab_row_sum(int64_t m, int64_t n, const float *x, float *out) {
  int64_t q = 0;
  for (; q + 4 <= m; q += 4) {
    const float *x0 = x + q * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int64_t j = 0; j < n; j++) { s0 += x0[j]; s1 += x1[j]; s2 += x2[j]; s3 += x3[j]; }
    out[q] = (float)s0; out[q + 1] = (float)s1; out[q + 2] = (float)s2; out[q + 3] = (float)s3;
  }
  for (; q < m; q++) {
    const float *xq = x + q * n;
    double s = 0;
    for (int64_t j = 0; j < n; j++) s += xq[j];
    out[q] = (float)s;
  }
}

/* Kernels.rowSumBackward: out[q n + j] += g[q]; a float sum formed in double and rounded, which is the float sum. */
void ab_row_sum_backward(int64_t m, int64_t n, const float *g, float *out) {
  for (int64_t q = 0; q < m; q++) {
    const double gv = g[q];
    float *oq = out + q * n;
    for (int64_t j = 0; j < n; j++) oq[j] = (float)((double)oq[j] + gv);
  }
}

/* Kernels.columnAccumulate: out[j] += (+-)g[q n + j], rows in order, each add rounded to float32 on the store as
 * the TypeScript loop does (vectorised across j only, so every out[j] sees the same sequence of adds). */
void ab_column_accumulate(int64_t m, int64_t n, const float *g, int negate, float *out) {
  for (int64_t q = 0; q < m; q++) {
    const float *gq = g + q * n;
    if (negate) for (int64_t j = 0; j < n; j++) out[j] = (float)((double)out[j] + -(double)gq[j]);
    else for (int64_t j = 0; j < n; j++) out[j] = (float)((double)out[j] + (double)gq[j]);
  }
}
