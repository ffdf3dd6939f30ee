/* Fused forward and backward of a stack of dense layers (see mlpForward / mlpBackward in
 * src/engine/backend/kernels.ts). One parallel region for the whole stack: thread t owns the batch rows
 * [r0, r1) (whole 6-row tiles, a partition that depends only on m and the thread count) and runs them
 * through every layer with the single-threaded gemm and its fused epilogue, so there is no
 * synchronisation between layers and a thread's activations stay in its own caches. (Forward at large
 * batches uses more row blocks than threads, claimed dynamically; its results do not depend on the
 * partition at all, since every row goes through the same per-row arithmetic.) Backward: each
 * thread also forms private partial dW / db over its rows; after the region they are added into dws /
 * dbs in thread order, so results are bit-identical for a fixed thread count. */
#include <stdlib.h>
#include <string.h>

#include "aberrant.h"

#define MLP_MR 6                 /* row tiles of the gemm micro-kernel */
#define FWD_TASK_ROWS 512        /* forward: rows per claimed task at large batches */
#define FWD_MAX_TASKS 32
#define MLP_PAR_MIN 65536.0      /* FMA-equivalents below which one thread is used (~2-4 us of work) */

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

static int heavy_act(int act) { return act == AB_ACT_TANH || act == AB_ACT_SIGMOID || act == AB_ACT_SOFTPLUS; }

/* Threads for a stack of `fma` FMA-equivalents over m rows. */
static int mlp_threads(int64_t m, double fma) {
  int nt = ab_threads();
  const int64_t tiles = (m + MLP_MR - 1) / MLP_MR;
  if (fma < MLP_PAR_MIN) nt = 1;
  if (nt > tiles) nt = (int)tiles;
  return nt < 1 ? 1 : nt;
}

static void rows_of(int64_t m, int t, int nt, int64_t *r0, int64_t *r1) {
  const int64_t tiles = (m + MLP_MR - 1) / MLP_MR;
  *r0 = imin(tiles * t / nt * MLP_MR, m);
  *r1 = imin(tiles * (t + 1) / nt * MLP_MR, m);
}

/* ------------------------------------------------------------------------------------------ forward */
typedef struct {
  int64_t m;
  int L;
  const int64_t *sizes;
  const float *const *w;
  const float *const *b;
  const int *acts;
  float alpha;
  const float *x;
  float *const *outs;
  const int64_t *poff; /* per-layer offsets of the packed weights (NULL: no pre-packing) */
  const float *pw;     /* the weights packed once by the caller, shared read-only by the tasks */
} fwd_job;

/* Rows per chunk: each thread packs the weights once, then runs its rows through the whole stack a chunk
 * at a time, so a chunk's activations stay in L2 (192 rows * 441 floats for the DAGMM net) even at large
 * batches. (Measured on the 2-core Zen3 VM, chunk sizes 48..whole-block are within noise at batch 1024.) */
static int64_t chunk_rows(void) {
  static int64_t ch = 0; /* ABERRANT_MLP_CHUNK overrides the default (for tuning) */
  if (!ch) {
    const char *e = getenv("ABERRANT_MLP_CHUNK");
    int64_t v = e ? atoll(e) : 0;
    ch = v >= MLP_MR ? v / MLP_MR * MLP_MR : 192;
  }
  return ch;
}

/* Offsets of each layer's packed op(B) (transposed weights when tb) in one buffer; -1 if not packable. */
static int64_t pack_offsets(int L, const int64_t *sizes, int tb, int64_t *off) {
  int64_t total = 0;
  for (int l = 0; l < L; l++) {
    const int64_t k = sizes[l], n = sizes[l + 1];
    const int64_t f = tb ? ab_packed_b_floats(k, n) : ab_packed_b_floats(n, k);
    if (f < 0) return -1;
    off[l] = total;
    total += (f + 15) & ~(int64_t)15;
  }
  return total;
}

static void fwd_task(void *ctx, int t, int nt) {
  const fwd_job *j = ctx;
  int64_t r0, r1;
  rows_of(j->m, t, nt, &r0, &r1);
  if (r0 >= r1) return;
  const int64_t k0 = j->sizes[0];
  if (!j->poff) {
    const int64_t rows = r1 - r0;
    const float *in = j->x + r0 * k0;
    for (int l = 0; l < j->L; l++) {
      const int64_t k = j->sizes[l], n = j->sizes[l + 1];
      float *out = j->outs[l] + r0 * n;
      const ab_epi ep = { j->b[l], j->acts[l], j->alpha };
      ab_gemm_serial(0, 0, rows, n, k, in, j->w[l], 0, out, &ep);
      in = out;
    }
    return;
  }
  const float *pw = j->pw;
  const int64_t ch = chunk_rows();
  for (int64_t c0 = r0; c0 < r1; c0 += ch) {
    const int64_t rc = imin(ch, r1 - c0);
    const float *in = j->x + c0 * k0;
    for (int l = 0; l < j->L; l++) {
      const int64_t k = j->sizes[l], n = j->sizes[l + 1];
      float *out = j->outs[l] + c0 * n;
      if (ab_epi_flat_pays(j->acts[l], n)) {
        const ab_epi ep = { j->b[l], AB_ACT_NONE, j->alpha };
        ab_gemm_packed(rc, n, k, in, pw + j->poff[l], out, &ep);
        ab_epi_act_flat(j->acts[l], j->alpha, rc * n, out);
      } else {
        const ab_epi ep = { j->b[l], j->acts[l], j->alpha };
        ab_gemm_packed(rc, n, k, in, pw + j->poff[l], out, &ep);
      }
      in = out;
    }
  }
}

/* Work estimate of a forward pass in FMAs (transcendental activations weighted), for the thread decision. */
static double forward_fma(int64_t m, int L, const int64_t *sizes, const int *acts) {
  double fma = 0;
  for (int l = 0; l < L; l++)
    fma += (double)m * (double)sizes[l + 1] * ((double)sizes[l] + (heavy_act(acts[l]) ? 40.0 : 2.0));
  return fma;
}

/* Every layer's weights packed once for the SIMD micro-kernel (NULL on the scalar path); poff gets offsets. */
static float *pack_forward_weights(int L, const int64_t *sizes, const float *const *w, int64_t *poff) {
  const int64_t ptotal = ab_simd ? pack_offsets(L, sizes, 0, poff) : -1;
  if (ptotal <= 0) return NULL;
  float *pw = ab_scratch(AB_SCRATCH_MLPW, (size_t)ptotal);
  for (int l = 0; l < L; l++) ab_pack_b_all(0, sizes[l + 1], sizes[l], w[l], pw + poff[l]);
  return pw;
}

/* Large batches: tasks of ~FWD_TASK_ROWS rows, claimed by whichever thread is free, so a thread slowed by
 * other processes does not hold up the whole region (the partition depends on m and nt only). */
static int forward_task_count(int64_t m, int nt) {
  const int64_t tiles = (m + MLP_MR - 1) / MLP_MR;
  int64_t ntasks = m / FWD_TASK_ROWS;
  if (ntasks < nt) ntasks = nt;
  if (ntasks > FWD_MAX_TASKS) ntasks = FWD_MAX_TASKS;
  if (ntasks > tiles) ntasks = tiles;
  return (int)ntasks;
}

void ab_mlp_forward(int64_t m, int L, const int64_t *sizes, const float *const *w, const float *const *b,
                    const int *acts, float alpha, const float *x, float *const *outs) {
  if (m <= 0 || L <= 0) return;
  int64_t poff[L];
  float *pw = pack_forward_weights(L, sizes, w, poff);
  fwd_job j = { m, L, sizes, w, b, acts, alpha, x, outs, pw ? poff : NULL, pw };
  const int nt = mlp_threads(m, forward_fma(m, L, sizes, acts));
  if (nt <= 1) {
    fwd_task(&j, 0, 1);
    return;
  }
  ab_parallel_tasks(fwd_task, &j, forward_task_count(m, nt), nt);
}

/* ------------------------------------------------------------------------ fused latent + features */
/* Inference only: like the forward above, but each chunk's layer outputs live in thread-local scratch
 * (nothing but z is written to the caller's memory), and the reconstruction statistics and features of a
 * chunk are formed while its reconstruction is still in cache. Per element, z equals mlpForward's tap
 * output, and the features equal those computed from rowPairStats (same per-row arithmetic) in double. */
typedef struct {
  fwd_job f;
  int tap, nf, rel_at, cos_at;
  double floor;
  float *z;
  int64_t maxn;
} lat_job;

static void lat_task(void *ctx, int t, int nt) {
  const lat_job *j = ctx;
  const fwd_job *f = &j->f;
  int64_t r0, r1;
  rows_of(f->m, t, nt, &r0, &r1);
  if (r0 >= r1) return;
  const int L = f->L;
  const int64_t k0 = f->sizes[0], lat = f->sizes[j->tap + 1], zw = lat + j->nf;
  const int64_t ch = f->poff ? chunk_rows() : r1 - r0;
  /* two ping-pong activation buffers of ch x maxn, then ch x 4 row statistics */
  const int64_t bufn = (ch * j->maxn + 15) & ~(int64_t)15;
  float *scratch = ab_scratch(AB_SCRATCH_MLP, (size_t)(2 * bufn + ch * 4));
  float *buf[2] = { scratch, scratch + bufn }, *st = scratch + 2 * bufn;
  const double fl = j->floor, fl2 = fl * fl;
  for (int64_t c0 = r0; c0 < r1; c0 += ch) {
    const int64_t rc = imin(ch, r1 - c0);
    const float *in = f->x + c0 * k0;
    for (int l = 0; l < L; l++) {
      const int64_t k = f->sizes[l], n = f->sizes[l + 1];
      float *out = buf[l & 1];
      if (!f->poff) {
        const ab_epi ep = { f->b[l], f->acts[l], f->alpha };
        ab_gemm_serial(0, 0, rc, n, k, in, f->w[l], 0, out, &ep);
      } else if (ab_epi_flat_pays(f->acts[l], n)) {
        const ab_epi ep = { f->b[l], AB_ACT_NONE, f->alpha };
        ab_gemm_packed(rc, n, k, in, f->pw + f->poff[l], out, &ep);
        ab_epi_act_flat(f->acts[l], f->alpha, rc * n, out);
      } else {
        const ab_epi ep = { f->b[l], f->acts[l], f->alpha };
        ab_gemm_packed(rc, n, k, in, f->pw + f->poff[l], out, &ep);
      }
      if (l == j->tap)
        for (int64_t i = 0; i < rc; i++) memcpy(j->z + (c0 + i) * zw, out + i * lat, (size_t)lat * sizeof(float));
      in = out;
    }
    ab_row_pair_stats_serial(rc, k0, f->x + c0 * k0, in, st);
    for (int64_t i = 0; i < rc; i++) {
      float *zi = j->z + (c0 + i) * zw + lat;
      for (int q = 0; q < j->nf; q++) zi[q] = 0.0f;
      const double xx = st[i * 4], yy = st[i * 4 + 1], xy = st[i * 4 + 2], dd = st[i * 4 + 3];
      const double sx = __builtin_sqrt(xx);
      if (j->rel_at >= 0) zi[j->rel_at] = (float)(__builtin_sqrt(dd) / (sx > fl ? sx : fl));
      if (j->cos_at >= 0) {
        const double q2 = sx * __builtin_sqrt(yy);
        zi[j->cos_at] = (float)(xy / (q2 > fl2 ? q2 : fl2));
      }
    }
  }
}

void ab_mlp_latent_features(int64_t m, int L, const int64_t *sizes, const float *const *w, const float *const *b,
                            const int *acts, float alpha, const float *x, int tap, int nf, int rel_at, int cos_at,
                            double floor, float *z) {
  if (m <= 0 || L <= 0) return;
  int64_t maxn = 1;
  for (int l = 0; l < L; l++) if (sizes[l + 1] > maxn) maxn = sizes[l + 1];
  int64_t poff[L];
  float *pw = pack_forward_weights(L, sizes, w, poff);
  lat_job j = { { m, L, sizes, w, b, acts, alpha, x, NULL, pw ? poff : NULL, pw }, tap, nf, rel_at, cos_at, floor, z,
                maxn };
  const int nt = mlp_threads(m, forward_fma(m, L, sizes, acts));
  if (nt <= 1) {
    lat_task(&j, 0, 1);
    return;
  }
  ab_parallel_tasks(lat_task, &j, forward_task_count(m, nt), nt);
}

/* ----------------------------------------------------------------------------------------- backward */
typedef struct {
  int64_t m;
  int L;
  const int64_t *sizes;
  const float *const *w;
  const int *acts;
  float alpha;
  const float *x;
  const float *const *outs, *const *douts;
  float *const *dpres;
  float *dx;
  float *const *dws, *const *dbs;
  float *part;         /* nt slices of `stride` floats: per layer dW (k x n) then db (n); NULL when nt = 1 */
  const int64_t *off;  /* per-layer offset into a slice */
  int64_t stride;
  const int64_t *poff; /* per-layer offsets of the packed transposed weights (NULL: no pre-packing) */
  int64_t ptotal;
} bwd_job;

/* Backward of rows [c0, c0 + rc) through every layer; `first` when these are the first rows of this
 * task (partial dW / db are then overwritten rather than accumulated). */
static void bwd_rows(const bwd_job *j, int64_t c0, int64_t rc, int first, float *slice, const float *pwt) {
  const float *g = j->douts[j->L - 1] ? j->douts[j->L - 1] + c0 * j->sizes[j->L] : NULL;
  for (int l = j->L - 1; l >= 0; l--) {
    const int64_t k = j->sizes[l], n = j->sizes[l + 1];
    float *dpre = j->dpres[l] + c0 * n;
    if (g) ab_activation_grad_serial(j->acts[l], j->alpha, rc * n, j->outs[l] + c0 * n, g, dpre);
    else memset(dpre, 0, (size_t)(rc * n) * sizeof(float));
    const float *in = l > 0 ? j->outs[l - 1] + c0 * k : j->x + c0 * k;
    if (slice) {
      float *pw = slice + j->off[l];
      ab_gemm_serial(1, 0, k, n, rc, in, dpre, !first, pw, NULL);
      if (j->dbs[l]) ab_col_sum_serial(rc, n, dpre, !first, pw + k * n);
    } else {
      ab_gemm_serial(1, 0, k, n, rc, in, dpre, 1, j->dws[l], NULL);
      if (j->dbs[l]) ab_col_sum_serial(rc, n, dpre, 1, j->dbs[l]);
    }
    float *dst = l > 0 ? j->dpres[l - 1] + c0 * k : j->dx ? j->dx + c0 * k : NULL;
    if (dst) {
      if (pwt) ab_gemm_packed(rc, k, n, dpre, pwt + j->poff[l], dst, NULL);
      else ab_gemm_serial(0, 1, rc, k, n, dpre, j->w[l], 0, dst, NULL);
    }
    if (l > 0) {
      if (j->douts[l - 1]) ab_binary_serial(AB_BIN_ADD, rc * k, dst, j->douts[l - 1] + c0 * k, dst);
      g = dst;
    }
  }
}

static void bwd_task(void *ctx, int t, int nt) {
  const bwd_job *j = ctx;
  int64_t r0, r1;
  rows_of(j->m, t, nt, &r0, &r1);
  float *slice = j->part ? j->part + t * j->stride : NULL;
  if (r0 >= r1) {
    if (slice) memset(slice, 0, (size_t)j->stride * sizeof(float));
    return;
  }
  if (!j->poff) {
    bwd_rows(j, r0, r1 - r0, 1, slice, NULL);
    return;
  }
  float *pwt = ab_scratch(AB_SCRATCH_MLPW, (size_t)j->ptotal);
  for (int l = 0; l < j->L; l++) ab_pack_b_all(1, j->sizes[l], j->sizes[l + 1], j->w[l], pwt + j->poff[l]);
  const int64_t ch = chunk_rows();
  for (int64_t c0 = r0; c0 < r1; c0 += ch) bwd_rows(j, c0, imin(ch, r1 - c0), c0 == r0, slice, pwt);
}

/* dst[e] += p[e] + p[stride + e] + ... (nt terms, in thread order). */
static
#if AB_X86
    AB_AVX2
#endif
    void reduce_add(float *dst, const float *p, int64_t len, int64_t stride, int nt) {
  for (int64_t e = 0; e < len; e++) {
    float s = p[e];
    for (int t = 1; t < nt; t++) s += p[t * stride + e];
    dst[e] += s;
  }
}

void ab_mlp_backward(int64_t m, int L, const int64_t *sizes, const float *const *w, const int *acts, float alpha,
                     const float *x, const float *const *outs, const float *const *douts, float *const *dpres,
                     float *dx, float *const *dws, float *const *dbs) {
  if (L <= 0) return;
  if (m <= 0) return; /* no rows: dW, db unchanged; dx is empty */
  int64_t off[L > 0 ? L : 1];
  int64_t stride = 0;
  double fma = 0;
  for (int l = 0; l < L; l++) {
    const int64_t k = sizes[l], n = sizes[l + 1];
    off[l] = stride;
    stride += k * n + n;
    fma += (double)m * (double)n * (2.0 * (double)k + (acts[l] == AB_ACT_SOFTPLUS ? 40.0 : 2.0));
  }
  stride = (stride + 15) & ~(int64_t)15; /* 64-byte aligned slices */
  const int nt = mlp_threads(m, fma);
  int64_t poff[L];
  const int64_t ptotal = ab_simd ? pack_offsets(L, sizes, 1, poff) : -1;
  bwd_job j = { m, L, sizes, w, acts, alpha, x, outs, douts, dpres, dx, dws, dbs, NULL, off, stride,
                ptotal > 0 ? poff : NULL, ptotal };
  if (nt <= 1) {
    bwd_task(&j, 0, 1);
    return;
  }
  j.part = ab_scratch(AB_SCRATCH_MLP, (size_t)(stride * nt));
  ab_parallel(bwd_task, &j, nt);
  for (int l = 0; l < L; l++) {
    const int64_t k = sizes[l], n = sizes[l + 1];
    reduce_add(dws[l], j.part + off[l], k * n, stride, nt);
    if (dbs[l]) reduce_add(dbs[l], j.part + off[l] + k * n, n, stride, nt);
  }
}

/* ---------------------------------------------------------------------------------------------- adam */
/* torch.optim.Adam, in double precision like the TypeScript oracle (m and v are re-read after rounding to
 * float32, as the oracle reads them back from its Float32Arrays), so results match it bit for bit. */
#if AB_X86
#include <immintrin.h>
static AB_AVX2 void adam_avx2(int64_t len, float *w, const float *g, float *m, float *v, double step,
                              double bc2sqrt, double b1, double b2, double eps, double wd) {
  const __m256d vb1 = _mm256_set1_pd(b1), vb2 = _mm256_set1_pd(b2), c1 = _mm256_set1_pd(1 - b1),
                c2 = _mm256_set1_pd(1 - b2), vwd = _mm256_set1_pd(wd), vst = _mm256_set1_pd(step),
                vbc = _mm256_set1_pd(bc2sqrt), veps = _mm256_set1_pd(eps);
  int64_t i = 0;
  for (; i + 4 <= len; i += 4) {
    const __m256d wi = _mm256_cvtps_pd(_mm_loadu_ps(w + i));
    __m256d gi = _mm256_cvtps_pd(_mm_loadu_ps(g + i));
    if (wd != 0) gi = _mm256_add_pd(gi, _mm256_mul_pd(vwd, wi));
    const __m256d mi = _mm256_add_pd(_mm256_mul_pd(vb1, _mm256_cvtps_pd(_mm_loadu_ps(m + i))), _mm256_mul_pd(c1, gi));
    const __m256d vi = _mm256_add_pd(_mm256_mul_pd(vb2, _mm256_cvtps_pd(_mm_loadu_ps(v + i))),
                                     _mm256_mul_pd(_mm256_mul_pd(c2, gi), gi));
    const __m128 mf = _mm256_cvtpd_ps(mi), vf = _mm256_cvtpd_ps(vi);
    _mm_storeu_ps(m + i, mf);
    _mm_storeu_ps(v + i, vf);
    const __m256d num = _mm256_mul_pd(vst, _mm256_cvtps_pd(mf));
    const __m256d den = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(_mm256_cvtps_pd(vf)), vbc), veps);
    _mm_storeu_ps(w + i, _mm256_cvtpd_ps(_mm256_sub_pd(wi, _mm256_div_pd(num, den))));
  }
  for (; i < len; i++) {
    double gi = g[i];
    if (wd != 0) gi += wd * (double)w[i];
    m[i] = (float)(b1 * (double)m[i] + (1 - b1) * gi);
    v[i] = (float)(b2 * (double)v[i] + (1 - b2) * gi * gi);
    w[i] = (float)((double)w[i] - (step * (double)m[i]) / (__builtin_sqrt((double)v[i]) / bc2sqrt + eps));
  }
}
#endif

void ab_adam_step_serial(int64_t len, float *w, const float *g, float *m, float *v, double step, double bc2sqrt,
                         double b1, double b2, double eps, double wd) {
#if AB_X86
  if (ab_simd) {
    adam_avx2(len, w, g, m, v, step, bc2sqrt, b1, b2, eps, wd);
    return;
  }
#endif
  for (int64_t i = 0; i < len; i++) {
    double gi = g[i];
    if (wd != 0) gi += wd * (double)w[i];
    m[i] = (float)(b1 * (double)m[i] + (1 - b1) * gi);
    v[i] = (float)(b2 * (double)v[i] + (1 - b2) * gi * gi);
    w[i] = (float)((double)w[i] - (step * (double)m[i]) / (__builtin_sqrt((double)v[i]) / bc2sqrt + eps));
  }
}

/* ------------------------------------------------------------------------------------ gather rows */
/* dst row i = src row idx[i] (indices already checked). Rows are scattered over a large matrix, so each
 * one usually misses the caches and the TLB: prefetch a few rows ahead, and split large gathers over
 * the threads (plain copies: the result does not depend on the partition). */
#define GATHER_AHEAD 6
typedef struct {
  int64_t n, cols;
  const float *src;
  const int32_t *idx;
  float *dst;
} gather_job;

static void gather_range(const gather_job *j, int64_t i0, int64_t i1) {
  const int64_t cols = j->cols, bytes = cols * (int64_t)sizeof(float);
  for (int64_t i = i0; i < i1; i++) {
    if (i + GATHER_AHEAD < i1) {
      const char *p = (const char *)(j->src + (int64_t)j->idx[i + GATHER_AHEAD] * cols);
      for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 0);
    }
    memcpy(j->dst + i * cols, j->src + (int64_t)j->idx[i] * cols, (size_t)bytes);
  }
}

static void gather_task(void *ctx, int t, int nt) {
  const gather_job *j = ctx;
  gather_range(j, j->n * t / nt, j->n * (t + 1) / nt);
}

void ab_gather_rows(int64_t n, int64_t cols, const float *src, const int32_t *idx, float *dst) {
  if (n <= 0 || cols <= 0) return;
  gather_job j = { n, cols, src, idx, dst };
  int nt = n * cols >= 65536 ? ab_threads() : 1;
  if (nt > n) nt = (int)n;
  for (int g = 0; g < GATHER_AHEAD && g < n; g++) __builtin_prefetch(src + (int64_t)idx[g] * cols, 0, 0);
  if (nt <= 1) gather_task(&j, 0, 1);
  else ab_parallel(gather_task, &j, nt);
}

/* ------------------------------------------------------------------------------ threaded adam step */
typedef struct {
  int64_t len;
  float *w, *m, *v;
  const float *g;
  double step, bc2, b1, b2, eps, wd;
} adam_job;

static void adam_task(void *ctx, int t, int nt) {
  const adam_job *j = ctx;
  /* 8-element aligned split so each element is always computed by the same (vector or tail) code */
  const int64_t blocks = (j->len + 7) / 8, e0 = imin(blocks * t / nt * 8, j->len),
                e1 = imin(blocks * (t + 1) / nt * 8, j->len);
  if (e0 < e1)
    ab_adam_step_serial(e1 - e0, j->w + e0, j->g + e0, j->m + e0, j->v + e0, j->step, j->bc2, j->b1, j->b2, j->eps,
                        j->wd);
}

void ab_adam_step(int64_t len, float *w, const float *g, float *m, float *v, double step, double bc2sqrt, double b1,
                  double b2, double eps, double wd) {
  if (len <= 0) return;
  adam_job j = { len, w, m, v, g, step, bc2sqrt, b1, b2, eps, wd };
  const int nt = len >= 65536 ? ab_threads() : 1; /* below this a thread handoff costs more than it saves */
  if (nt <= 1) adam_task(&j, 0, 1);
  else ab_parallel(adam_task, &j, nt);
}
