/* SGEMM with a register-blocked 6x16 AVX2/FMA micro-kernel, packed B panels, fused bias+activation
 * epilogue, and a fixed shape-only thread partition. Every C element is produced by exactly one
 * micro-kernel call chain with the same k order whatever the partition, so results do not even
 * depend on the thread count. */
#include <string.h>

#include "aberrant.h"
#include "vmath.h"

#define MR 6
#define NR 16
#define KC 256
#define MC 96 /* rows per L2 block, a multiple of MR */
#define PAR_MIN_FMA 16384.0 /* ~0.4 us of single-core work; a parallel region costs ~0.1 us */

int ab_simd = 0;

void ab_simd_init(void) {
#if AB_X86
  __builtin_cpu_init();
  ab_simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------------------------------------------ */
/* Portable scalar path                                                                             */
/* ------------------------------------------------------------------------------------------------ */

static void epi_scalar(float *c, int64_t m, int64_t n, int64_t ldc, const ab_epi *ep) {
  for (int64_t i = 0; i < m; i++) {
    float *ci = c + i * ldc;
    for (int64_t j = 0; j < n; j++) {
      float v = ep->bias ? ci[j] + ep->bias[j] : ci[j];
      ci[j] = ep->act == AB_ACT_NONE ? v : ab_act_scalar(ep->act, ep->alpha, v);
    }
  }
}

static void gemm_scalar(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b,
                        int beta, float *c) {
  const int64_t ars = ta ? 1 : k, acs = ta ? m : 1;
  const int64_t brs = tb ? 1 : n, bcs = tb ? k : 1;
  for (int64_t i = 0; i < m; i++) {
    float *ci = c + i * n;
    if (!beta) memset(ci, 0, (size_t)n * sizeof(float));
    if (!tb) {
      for (int64_t p = 0; p < k; p++) {
        const float av = a[i * ars + p * acs];
        const float *bp = b + p * n;
        for (int64_t j = 0; j < n; j++) ci[j] += av * bp[j];
      }
    } else {
      for (int64_t j = 0; j < n; j++) {
        float s = 0.0f;
        for (int64_t p = 0; p < k; p++) s += a[i * ars + p * acs] * b[p * brs + j * bcs];
        ci[j] += s;
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* AVX2 path                                                                                        */
/* ------------------------------------------------------------------------------------------------ */
#if AB_X86

/* Packs rows [pc, pc+kc) of panels [jp0, jp1) of op(B) into NR-wide, zero-padded, contiguous panels. */
static AB_AVX2 void pack_b(int tb, int64_t n, int64_t ldb, const float *b, int64_t pc, int64_t kc, int64_t jp0,
                           int64_t jp1, float *pb) {
  for (int64_t jp = jp0; jp < jp1; jp++) {
    const int64_t j0 = jp * NR;
    const int nr = (int)imin(NR, n - j0);
    float *dst = pb + (jp - jp0) * kc * NR;
    if (!tb) {
      const float *src = b + pc * ldb + j0;
      if (nr == NR) {
        for (int64_t p = 0; p < kc; p++, src += ldb, dst += NR) {
          _mm256_store_ps(dst, _mm256_loadu_ps(src));
          _mm256_store_ps(dst + 8, _mm256_loadu_ps(src + 8));
        }
      } else {
        const __m256i m0 = v_mask(nr), m1 = v_mask(nr - 8);
        for (int64_t p = 0; p < kc; p++, src += ldb, dst += NR) {
          _mm256_store_ps(dst, _mm256_maskload_ps(src, m0));
          _mm256_store_ps(dst + 8, _mm256_maskload_ps(src + 8, m1));
        }
      }
    } else {
      if (nr < NR) memset(dst, 0, (size_t)(kc * NR) * sizeof(float));
      for (int jj = 0; jj < nr; jj++) {
        const float *src = b + (j0 + jj) * ldb + pc;
        for (int64_t p = 0; p < kc; p++) dst[p * NR + jj] = src[p];
      }
    }
  }
}

/* Stores the first cnt (1..7) lanes of v: AMD's masked stores (vmaskmovps) are slow, plain ones are not. */
static inline __attribute__((always_inline)) AB_AVX2 void store_partial(float *dst, __m256 v, int cnt) {
  __m128 lo = _mm256_castps256_ps128(v);
  if (cnt >= 4) {
    _mm_storeu_ps(dst, lo);
    lo = _mm256_extractf128_ps(v, 1);
    dst += 4;
    cnt -= 4;
  }
  if (cnt >= 2) {
    _mm_storel_pi((__m64 *)dst, lo);
    lo = _mm_movehl_ps(lo, lo);
    dst += 2;
    cnt -= 2;
  }
  if (cnt >= 1) _mm_store_ss(dst, lo);
}

/* Bias + activation on a spilled register tile (rows of two 8-lane halves); the activation switch is
 * outside the loops so each case is a tight vector loop. */
#define EPI_APPLY(F)                                                 \
  for (int i = 0; i < 2 * mr; i += step) t[i] = F(t[i]);
static AB_AVX2 __attribute__((noinline)) void epi_tile(__m256 *t, int mr, int half, const ab_epi *ep, int64_t j0,
                                                       int nr) {
  const int step = half ? 2 : 1;
  if (ep->bias) {
    const __m256 b0 = _mm256_maskload_ps(ep->bias + j0, v_mask(nr));
    const __m256 b1 = _mm256_maskload_ps(ep->bias + j0 + 8, v_mask(nr - 8));
    for (int r = 0; r < mr; r++) {
      t[2 * r] = _mm256_add_ps(t[2 * r], b0);
      t[2 * r + 1] = _mm256_add_ps(t[2 * r + 1], b1);
    }
  }
  const __m256 al = _mm256_set1_ps(ep->alpha), zero = _mm256_setzero_ps();
  switch (ep->act) {
    case AB_ACT_TANH: EPI_APPLY(v_tanh_fast); break;
    case AB_ACT_SIGMOID: EPI_APPLY(v_sigmoid); break;
    case AB_ACT_SOFTPLUS: EPI_APPLY(v_softplus); break;
    case AB_ACT_RELU:
      for (int i = 0; i < 2 * mr; i += step) t[i] = _mm256_and_ps(t[i], _mm256_cmp_ps(t[i], zero, _CMP_GT_OQ));
      break;
    case AB_ACT_LEAKY:
      for (int i = 0; i < 2 * mr; i += step)
        t[i] = _mm256_blendv_ps(_mm256_mul_ps(al, t[i]), t[i], _mm256_cmp_ps(t[i], zero, _CMP_GT_OQ));
      break;
    default: break;
  }
}

/* The epilogue activation (the very functions epi_tile applies, so values are identical) in place over a
 * contiguous run of len floats: for narrow layers, whose register tiles are mostly padding, this spends
 * the costly activation only on real elements. */
static AB_AVX2 void act_flat_avx2(int act, float alpha, int64_t len, float *x) {
  const __m256 al = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
#define ACT_FLAT(F)                                                             \
  {                                                                             \
    int64_t i = 0;                                                              \
    for (; i + 16 <= len; i += 16) {                                            \
      const __m256 a = F(_mm256_loadu_ps(x + i)), b = F(_mm256_loadu_ps(x + i + 8)); \
      _mm256_storeu_ps(x + i, a);                                               \
      _mm256_storeu_ps(x + i + 8, b);                                           \
    }                                                                           \
    for (; i < len; i += 8) {                                                   \
      const int cnt = (int)imin(8, len - i);                                    \
      const __m256 v = F(_mm256_maskload_ps(x + i, v_mask(cnt)));               \
      if (cnt == 8) _mm256_storeu_ps(x + i, v);                                 \
      else store_partial(x + i, v, cnt);                                        \
    }                                                                           \
  }
#define RELU_F(v) _mm256_and_ps((v), _mm256_cmp_ps((v), zero, _CMP_GT_OQ))
#define LEAKY_F(v) _mm256_blendv_ps(_mm256_mul_ps(al, (v)), (v), _mm256_cmp_ps((v), zero, _CMP_GT_OQ))
  switch (act) {
    case AB_ACT_TANH: ACT_FLAT(v_tanh_fast); break;
    case AB_ACT_SIGMOID: ACT_FLAT(v_sigmoid); break;
    case AB_ACT_SOFTPLUS: ACT_FLAT(v_softplus); break;
    case AB_ACT_RELU: ACT_FLAT(RELU_F); break;
    case AB_ACT_LEAKY: ACT_FLAT(LEAKY_F); break;
    default: break;
  }
#undef ACT_FLAT
#undef RELU_F
#undef LEAKY_F
}

/* The micro-kernel: C[mr x nr] (+)= A[mr x kc] * Bpanel[kc x 16]. A is read in place: column-major
 * (A(r,p) = a[r + p*lda], for transposed A) or row-major (A(r,p) = a[r*lda + p]). */
static inline __attribute__((always_inline)) AB_AVX2 void ukr_body(const int mr, const int cola, const int half,
                                                                   int64_t kc, const float *a, int64_t lda,
                                                                   const float *pb, float *c, int64_t ldc, int nr,
                                                                   int loadc, const ab_epi *ep, int64_t j0) {
  __m256 c0[MR], c1[MR];
  const int full = nr == NR;
  const __m256i mk0 = v_mask(nr), mk1 = v_mask(nr - 8);
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++) {
    if (loadc) { /* masked loads are cheap (unlike masked stores) and never touch masked-off memory */
      if (full) {
        c0[r] = _mm256_loadu_ps(c + r * ldc);
        c1[r] = _mm256_loadu_ps(c + r * ldc + 8);
      } else {
        c0[r] = _mm256_maskload_ps(c + r * ldc, mk0);
        c1[r] = half ? _mm256_setzero_ps() : _mm256_maskload_ps(c + r * ldc + 8, mk1);
      }
    } else {
      c0[r] = _mm256_setzero_ps();
      c1[r] = _mm256_setzero_ps();
    }
  }
  if (cola) {
    for (int64_t p = 0; p < kc; p++) {
      const __m256 b0 = _mm256_load_ps(pb);
      const __m256 b1 = half ? b0 : _mm256_load_ps(pb + 8);
#pragma GCC unroll 6
      for (int r = 0; r < mr; r++) {
        const __m256 av = _mm256_broadcast_ss(a + r);
        c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
        if (!half) c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
      }
      a += lda;
      pb += NR;
    }
  } else {
    const float *ar[MR];
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) ar[r] = a + r * lda;
    for (int64_t p = 0; p < kc; p++) {
      const __m256 b0 = _mm256_load_ps(pb);
      const __m256 b1 = half ? b0 : _mm256_load_ps(pb + 8);
#pragma GCC unroll 6
      for (int r = 0; r < mr; r++) {
        const __m256 av = _mm256_broadcast_ss(ar[r] + p);
        c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
        if (!half) c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
      }
      pb += NR;
    }
  }
  if (ep && ep->act == AB_ACT_NONE) {
    /* bias only (also the narrow layers whose activation runs flat afterwards): no call, no spill; the
     * same additions as epi_tile */
    if (ep->bias) {
      const __m256 b0 = _mm256_maskload_ps(ep->bias + j0, mk0);
      const __m256 b1 = half ? b0 : _mm256_maskload_ps(ep->bias + j0 + 8, mk1);
#pragma GCC unroll 6
      for (int r = 0; r < mr; r++) {
        c0[r] = _mm256_add_ps(c0[r], b0);
        if (!half) c1[r] = _mm256_add_ps(c1[r], b1);
      }
    }
  } else if (ep) {
    __m256 t[2 * MR];
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
      t[2 * r] = c0[r];
      t[2 * r + 1] = c1[r];
    }
    epi_tile(t, mr, half, ep, j0, nr);
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
      c0[r] = t[2 * r];
      c1[r] = t[2 * r + 1];
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < mr; r++) {
    if (full) {
      _mm256_storeu_ps(c + r * ldc, c0[r]);
      _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
    } else if (nr >= 8) {
      _mm256_storeu_ps(c + r * ldc, c0[r]);
      if (!half && nr > 8) store_partial(c + r * ldc + 8, c1[r], nr - 8);
    } else {
      store_partial(c + r * ldc, c0[r], nr);
    }
  }
}

/* Narrow panels (nr <= 8), row-major A, C overwritten: 12 rows at once. The 6-row half kernel keeps only 6
 * FMA chains in flight (the FMA latency needs 8) and pays its per-tile overhead twice as often; per-element
 * results are identical to it (same k order, same epilogue). */
static AB_AVX2 void ukr12_half(int64_t kc, const float *a, int64_t lda, const float *pb, float *c, int64_t ldc,
                               int nr, const ab_epi *ep, int64_t j0) {
  __m256 acc[12];
  const float *ar[12];
#pragma GCC unroll 12
  for (int r = 0; r < 12; r++) {
    acc[r] = _mm256_setzero_ps();
    ar[r] = a + r * lda;
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(pb);
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(ar[r] + p), b0, acc[r]);
    pb += NR;
  }
  if (ep && ep->act == AB_ACT_NONE) {
    if (ep->bias) {
      const __m256 b0 = _mm256_maskload_ps(ep->bias + j0, v_mask(nr));
#pragma GCC unroll 12
      for (int r = 0; r < 12; r++) acc[r] = _mm256_add_ps(acc[r], b0);
    }
  } else if (ep) {
    __m256 t[2 * MR], u[2 * MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      t[2 * r] = t[2 * r + 1] = acc[r];
      u[2 * r] = u[2 * r + 1] = acc[MR + r];
    }
    epi_tile(t, MR, 1, ep, j0, nr);
    epi_tile(u, MR, 1, ep, j0, nr);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      acc[r] = t[2 * r];
      acc[MR + r] = u[2 * r];
    }
  }
  if (nr == 8) {
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) _mm256_storeu_ps(c + r * ldc, acc[r]);
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) store_partial(c + r * ldc, acc[r], nr);
  }
}

typedef void (*ukr_fn)(int64_t kc, const float *a, int64_t lda, const float *pb, float *c, int64_t ldc, int nr,
                       int loadc, const ab_epi *ep, int64_t j0);

#define DEF_UKR(M, COLA, HALF)                                                                              \
  static AB_AVX2 void ukr_##M##_##COLA##_##HALF(int64_t kc, const float *a, int64_t lda, const float *pb,     \
                                                float *c, int64_t ldc, int nr, int loadc, const ab_epi *ep, \
                                                int64_t j0) {                                               \
    ukr_body(M, COLA, HALF, kc, a, lda, pb, c, ldc, nr, loadc, ep, j0);                                     \
  }
#define DEF_UKR_M(M) DEF_UKR(M, 0, 0) DEF_UKR(M, 0, 1) DEF_UKR(M, 1, 0) DEF_UKR(M, 1, 1)
DEF_UKR_M(1) DEF_UKR_M(2) DEF_UKR_M(3) DEF_UKR_M(4) DEF_UKR_M(5) DEF_UKR_M(6)

#define UKR_ROW(M) { { ukr_##M##_0_0, ukr_##M##_0_1 }, { ukr_##M##_1_0, ukr_##M##_1_1 } }
/* [mr-1][cola][half] */
static const ukr_fn ukr_tab[MR][2][2] = { UKR_ROW(1), UKR_ROW(2), UKR_ROW(3), UKR_ROW(4), UKR_ROW(5), UKR_ROW(6) };

typedef struct {
  int ta, tb, beta;
  int64_t m, n, k;
  int64_t lda, ldb, ldc; /* A(i,p) = ta ? a[p*lda+i] : a[i*lda+p]; B(p,j) = tb ? b[j*ldb+p] : b[p*ldb+j] */
  const float *a, *b;
  float *c;
  const ab_epi *ep;
} gemm_args;

/* Packs op(A) rows [i0, i0+mc) x k-range [pc, pc+kc) of a transposed A (A(i,p) = a[p*lda+i]) into
 * MR-row tiles laid out [tile][p][MR], rows past mc zero. Each p step is one 6-lane masked load and one
 * 8-lane store whose 2 extra lanes are overwritten by the next step (buffer has 8 floats of slack). */
static AB_AVX2 void pack_a_t(const float *a, int64_t lda, int64_t i0, int64_t mc, int64_t pc, int64_t kc, float *pa) {
  for (int64_t t = 0; t * MR < mc; t++) {
    const int mr = (int)imin(MR, mc - t * MR);
    const __m256i mk = v_mask(mr);
    const float *src = a + pc * lda + i0 + t * MR;
    float *dst = pa + t * kc * MR;
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4, src += 4 * lda, dst += 4 * MR) {
      const __m256 v0 = _mm256_maskload_ps(src, mk), v1 = _mm256_maskload_ps(src + lda, mk);
      const __m256 v2 = _mm256_maskload_ps(src + 2 * lda, mk), v3 = _mm256_maskload_ps(src + 3 * lda, mk);
      _mm256_storeu_ps(dst, v0);
      _mm256_storeu_ps(dst + MR, v1);
      _mm256_storeu_ps(dst + 2 * MR, v2);
      _mm256_storeu_ps(dst + 3 * MR, v3);
    }
    for (; p < kc; p++, src += lda, dst += MR) _mm256_storeu_ps(dst, _mm256_maskload_ps(src, mk));
  }
}

/* Rows [i0, i1) x NR-panels [jp0, jp1) of C, single-threaded. i0 must be a multiple of MR. */
static AB_AVX2 void gemm_block(const gemm_args *g, int64_t i0, int64_t i1, int64_t jp0, int64_t jp1) {
  const int64_t n = g->n, k = g->k, kcmax = imin(k, KC);
  float *pb = ab_scratch(AB_SCRATCH_PACK_B, (size_t)((jp1 - jp0) * NR * kcmax));
  float *pa = g->ta ? ab_scratch(AB_SCRATCH_PACK_A, (size_t)(MC * kcmax + 16)) : NULL;
  for (int64_t pc = 0; pc < k; pc += KC) {
    const int64_t kc = imin(KC, k - pc);
    const int loadc = !(pc == 0 && g->beta == 0);
    const ab_epi *ep = pc + kc >= k ? g->ep : NULL;
    pack_b(g->tb, n, g->ldb, g->b, pc, kc, jp0, jp1, pb);
    for (int64_t ic = i0; ic < i1; ic += MC) {
      const int64_t ie = imin(ic + MC, i1);
      if (g->ta) pack_a_t(g->a, g->lda, ic, ie - ic, pc, kc, pa);
      for (int64_t jp = jp0; jp < jp1; jp++) {
        const int64_t j0 = jp * NR;
        const int nr = (int)imin(NR, n - j0);
        const float *panel = pb + (jp - jp0) * kc * NR;
        for (int64_t ir = ic; ir < ie; ir += MR) {
          const int mr = (int)imin(MR, ie - ir);
          if (g->ta)
            ukr_tab[mr - 1][1][nr <= 8](kc, pa + (ir - ic) * kc, MR, panel, g->c + ir * g->ldc + j0, g->ldc, nr,
                                        loadc, ep, j0);
          else
            ukr_tab[mr - 1][0][nr <= 8](kc, g->a + ir * g->lda + pc, g->lda, panel, g->c + ir * g->ldc + j0,
                                        g->ldc, nr, loadc, ep, j0);
        }
      }
    }
  }
}

typedef struct {
  gemm_args g;
  int splitm;
  int64_t units, panels;
} gemm_job;

static void gemm_task(void *ctx, int t, int nt) {
  const gemm_job *j = ctx;
  const int64_t u0 = j->units * t / nt, u1 = j->units * (t + 1) / nt;
  if (u0 >= u1) return;
  if (j->splitm) gemm_block(&j->g, u0 * MR, imin(u1 * MR, j->g.m), 0, j->panels);
  else gemm_block(&j->g, 0, j->g.m, u0, u1);
}

/* Fused dense backward. Thread t owns batch rows [r0, r1) (whole MR tiles): dpre rows, dx rows, and
 * partial dW / db over its rows into its own slice of `part`; the caller then adds the partials to
 * dw and db in thread order. The partition depends only on (m, nt), so results are deterministic for a
 * given thread count. */
typedef struct {
  int64_t m, n, k;
  const float *x, *w, *y, *dy;
  int act;
  float alpha;
  float *dpre, *dx, *part;
} bwd_job;

static void bwd_task(void *ctx, int t, int nt) {
  const bwd_job *j = ctx;
  const int64_t m = j->m, n = j->n, k = j->k, tiles = (m + MR - 1) / MR;
  const int64_t r0 = tiles * t / nt * MR, r1 = imin(tiles * (t + 1) / nt * MR, m);
  float *pw = j->part + t * (k * n + n), *pdb = pw + k * n;
  if (r0 >= r1) {
    memset(pw, 0, (size_t)(k * n + n) * sizeof(float));
    return;
  }
  const int64_t rows = r1 - r0;
  float *dpre = j->dpre + r0 * n;
  ab_activation_grad_serial(j->act, j->alpha, rows * n, j->y + r0 * n, j->dy + r0 * n, dpre);
  if (j->dx) {
    const gemm_args g = { 0, 1, 0, rows, k, n, n, n, k, dpre, j->w, j->dx + r0 * k, NULL };
    gemm_block(&g, 0, rows, 0, (k + NR - 1) / NR);
  }
  const gemm_args g = { 1, 0, 0, k, n, rows, k, n, n, j->x + r0 * k, dpre, pw, NULL };
  gemm_block(&g, 0, k, 0, (n + NR - 1) / NR);
  ab_col_sum_serial(rows, n, dpre, 0, pdb);
}

/* Epilogue work in FMA-equivalents (a vector tanh costs about as much as 40 FMAs per element). */
static double epi_cost(const ab_epi *ep, int64_t m, int64_t n) {
  if (!ep) return 0.0;
  const int heavy = ep->act == AB_ACT_TANH || ep->act == AB_ACT_SIGMOID || ep->act == AB_ACT_SOFTPLUS;
  return (double)m * (double)n * (heavy ? 40.0 : 2.0);
}
#endif /* AB_X86 */

void ab_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, int beta, float *c,
             const ab_epi *ep) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!beta) memset(c, 0, (size_t)(m * n) * sizeof(float));
    if (ep) epi_scalar(c, m, n, n, ep);
    return;
  }
#if AB_X86
  if (ab_simd) {
    gemm_job j = { { ta, tb, beta, m, n, k, ta ? m : k, tb ? k : n, n, a, b, c, ep }, 1, 0, 0 };
    const int64_t tiles = (m + MR - 1) / MR;
    j.panels = (n + NR - 1) / NR;
    int nt = ab_threads();
    if ((double)m * (double)n * (double)k + epi_cost(ep, m, n) < PAR_MIN_FMA) nt = 1;
    j.units = tiles;
    if (nt > 1 && tiles < 2 * nt && j.panels > tiles) {
      j.splitm = 0;
      j.units = j.panels;
    }
    if (nt > j.units) nt = (int)j.units;
    if (nt <= 1) gemm_task(&j, 0, 1);
    else ab_parallel(gemm_task, &j, nt);
    return;
  }
#endif
  gemm_scalar(ta, tb, m, n, k, a, b, beta, c);
  if (ep) epi_scalar(c, m, n, n, ep);
}

void ab_gemm_serial(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, int beta,
                    float *c, const ab_epi *ep) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!beta) memset(c, 0, (size_t)(m * n) * sizeof(float));
    if (ep) epi_scalar(c, m, n, n, ep);
    return;
  }
#if AB_X86
  if (ab_simd) {
    const gemm_args g = { ta, tb, beta, m, n, k, ta ? m : k, tb ? k : n, n, a, b, c, ep };
    gemm_block(&g, 0, m, 0, (n + NR - 1) / NR);
    return;
  }
#endif
  gemm_scalar(ta, tb, m, n, k, a, b, beta, c);
  if (ep) epi_scalar(c, m, n, n, ep);
}

/* ---- pre-packed B (for callers that reuse one B over many row blocks, e.g. the fused MLP) ---- */
int64_t ab_packed_b_floats(int64_t n, int64_t k) {
  return k >= 1 && k <= KC && n >= 1 ? (n + NR - 1) / NR * NR * k : -1;
}

void ab_pack_b_all(int tb, int64_t n, int64_t k, const float *b, float *pb) {
#if AB_X86
  if (ab_simd) pack_b(tb, n, tb ? k : n, b, 0, k, 0, (n + NR - 1) / NR, pb);
#else
  (void)tb, (void)n, (void)k, (void)b, (void)pb;
#endif
}

void ab_gemm_packed(int64_t m, int64_t n, int64_t k, const float *a, const float *pb, float *c, const ab_epi *ep) {
#if AB_X86
  const int64_t panels = (n + NR - 1) / NR;
  for (int64_t ic = 0; ic < m; ic += MC) {
    const int64_t ie = imin(ic + MC, m);
    for (int64_t jp = 0; jp < panels; jp++) {
      const int64_t j0 = jp * NR;
      const int nr = (int)imin(NR, n - j0);
      const float *panel = pb + jp * k * NR;
      int64_t ir = ic;
      if (nr <= 8)
        for (; ir + 12 <= ie; ir += 12) ukr12_half(k, a + ir * k, k, panel, c + ir * n + j0, n, nr, ep, j0);
      for (; ir < ie; ir += MR) {
        const int mr = (int)imin(MR, ie - ir);
        ukr_tab[mr - 1][0][nr <= 8](k, a + ir * k, k, panel, c + ir * n + j0, n, nr, 0, ep, j0);
      }
    }
  }
#else
  (void)m, (void)n, (void)k, (void)a, (void)pb, (void)c, (void)ep;
#endif
}

int ab_epi_flat_pays(int act, int64_t n) {
  const int heavy = act == AB_ACT_TANH || act == AB_ACT_SIGMOID || act == AB_ACT_SOFTPLUS;
  const int64_t lanes = n <= 8 ? 8 : (n + NR - 1) / NR * NR; /* lanes the register tiles evaluate per row */
  return heavy && n >= 1 && lanes * 8 > n * 9;                /* more than 1/8 of them padding */
}

void ab_epi_act_flat(int act, float alpha, int64_t len, float *x) {
#if AB_X86
  if (ab_simd) {
    act_flat_avx2(act, alpha, len, x);
    return;
  }
#endif
  if (act != AB_ACT_NONE)
    for (int64_t i = 0; i < len; i++) x[i] = ab_act_scalar(act, alpha, x[i]);
}

void ab_dense_backward(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *y,
                       const float *dy, int act, float alpha, float *dpre, float *dx, float *dw, float *db) {
#if AB_X86
  if (ab_simd && m > 0 && n > 0 && k > 0) {
    int nt = ab_threads();
    const int64_t tiles = (m + MR - 1) / MR;
    if (2.0 * (double)m * (double)n * (double)k + (double)m * (double)n * (act == AB_ACT_SOFTPLUS ? 40.0 : 2.0) <
        PAR_MIN_FMA)
      nt = 1;
    if (nt > tiles) nt = (int)tiles;
    const int64_t stride = k * n + n;
    bwd_job j = { m, n, k, x, w, y, dy, act, alpha, dpre, dx,
                  ab_scratch(AB_SCRATCH_PARTIAL, (size_t)(stride * nt)) };
    if (nt <= 1) bwd_task(&j, 0, 1);
    else ab_parallel(bwd_task, &j, nt);
    /* dw += sum_t partial_t, db likewise, in thread order */
    for (int64_t e = 0; e < k * n; e++) {
      float s = j.part[e];
      for (int t = 1; t < nt; t++) s += j.part[t * stride + e];
      dw[e] += s;
    }
    if (db) {
      for (int64_t e = 0; e < n; e++) {
        float s = j.part[k * n + e];
        for (int t = 1; t < nt; t++) s += j.part[t * stride + k * n + e];
        db[e] += s;
      }
    }
    return;
  }
#endif
  ab_activation_grad(act, alpha, m * n, y, dy, dpre);
  ab_gemm(1, 0, k, n, m, x, dpre, 1, dw, NULL);
  if (db) ab_col_sum(m, n, dpre, 1, db);
  if (dx) ab_gemm(0, 1, m, k, n, dpre, w, 0, dx, NULL);
}
