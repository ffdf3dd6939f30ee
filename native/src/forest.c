/* Isolation-forest path sums (Kernels.isolationPathSums; isolationPathSumsInto in kernels.ts is the reference).
 * Each row's sum runs over the trees in order. A hyperplane projection takes one product and one add in double per
 * term (float32 x float32 is exact in double, so an FMA gives the same bits) into four partial sums, term c into
 * sum c mod 4, then (s0 + s2) + (s1 + s3) (hyperplaneDot): the order of one 4-wide AVX2 accumulator, and the scalar
 * path keeps it, so both are bit-identical to the reference for any thread count. Speed comes from walking LANES
 * rows of a block at once, so their independent dependency chains (loads down the tree, the dot products) overlap,
 * and from choosing each child without a branch: which side a row takes is a coin flip to a branch predictor. */
#include <stdlib.h>

#include "aberrant.h"
#if AB_X86
#include <immintrin.h>
#endif

#define IF_BLOCK 256
#define IF_LANES 8

typedef struct {
  int64_t rows, cols, trees;
  const float *x, *threshold;
  int64_t cp;              /* cols rounded up to 4 */
  const float *normals_p;  /* normals in rows of cp, zero-padded */
  double *scratch;         /* per task: IF_BLOCK rows of x in double, in lane groups */
  const int32_t *feature, *left, *right, *roots;
  const double *leaf;
  double *sums;
} if_job;

static void if_axis(const if_job *j, int32_t root, int64_t r0, int nl) {
  const int32_t *feature = j->feature, *left = j->left, *right = j->right;
  const float *threshold = j->threshold;
  const float *xr[IF_LANES];
  int32_t n[IF_LANES];
  for (int q = 0; q < nl; q++) { n[q] = root; xr[q] = j->x + (r0 + q) * j->cols; }
  for (int moving = 1; moving;) {
    moving = 0;
    /* Without branches (as in if_hyper); a lane at a leaf stays there, reading its row's first value. */
    for (int q = 0; q < nl; q++) {
      const int32_t at = n[q], f = feature[at], l = left[at], r = right[at];
      const int32_t stay = f < 0 ? -1 : 0;
      const int32_t step = -(int32_t)!(xr[q][f & ~stay] <= threshold[at]);
      n[q] = (at & stay) | (~stay & (l ^ ((l ^ r) & step)));
      moving |= ~stay;
    }
  }
  for (int q = 0; q < nl; q++) j->sums[r0 + q] += j->leaf[n[q]];
}

/* Hyperplane walks pad each normal with zeros to cp = cols rounded up to 4 (p + 0 * 0 = p: a partial sum starts
 * at +0 and is never -0) and copy each lane group's rows to double (exact), interleaved: chunk i of 4 columns of
 * lane q at g[i * 32 + q * 4], so one pointer with constant offsets reaches all 8 lanes (16 pointers would not stay
 * in registers). Lanes past the group's rows hold zeros; their sums are dropped. */
static void if_interleave(const float *x, int64_t cols, int64_t cp, int nl, double *g) {
  for (int64_t i = 0; i < cp / 4; i++)
    for (int q = 0; q < IF_LANES; q++)
      for (int k = 0; k < 4; k++) {
        const int64_t c = i * 4 + k;
        g[i * 32 + q * 4 + k] = q < nl && c < cols ? (double)x[q * cols + c] : 0.0;
      }
}

/* s[q] = nv[q] . (lane q of g) over cp terms for the 8 lanes, in hyperplaneDot's order. */
static void if_dots_scalar(int64_t cp, const float *const *nv, const double *g, double *s) {
  for (int q = 0; q < IF_LANES; q++) {
    double p[4] = { 0, 0, 0, 0 };
    for (int64_t i = 0; i < cp / 4; i++)
      for (int k = 0; k < 4; k++) p[k] += (double)nv[q][i * 4 + k] * g[i * 32 + q * 4 + k];
    s[q] = (p[0] + p[2]) + (p[1] + p[3]);
  }
}

#if AB_X86
AB_AVX2 static inline double if_hsum(__m256d a) {
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1)); /* (s0 + s2, s1 + s3) */
  return _mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h));
}

/* Named accumulators: an array of __m256d ended up on the stack, its FMAs chained through memory. */
#define IF_FMA(a, q) a = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(n##q + c)), _mm256_loadu_pd(gc + 4 * q), a)

AB_AVX2 static void if_dots_avx2(int64_t cp, const float *const *nv, const double *g, double *s) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const float *n0 = nv[0], *n1 = nv[1], *n2 = nv[2], *n3 = nv[3], *n4 = nv[4], *n5 = nv[5], *n6 = nv[6], *n7 = nv[7];
  const double *gc = g;
  for (int64_t c = 0; c < cp; c += 4, gc += 32) {
    IF_FMA(a0, 0); IF_FMA(a1, 1); IF_FMA(a2, 2); IF_FMA(a3, 3);
    IF_FMA(a4, 4); IF_FMA(a5, 5); IF_FMA(a6, 6); IF_FMA(a7, 7);
  }
  s[0] = if_hsum(a0); s[1] = if_hsum(a1); s[2] = if_hsum(a2); s[3] = if_hsum(a3);
  s[4] = if_hsum(a4); s[5] = if_hsum(a5); s[6] = if_hsum(a6); s[7] = if_hsum(a7);
}
#endif

static void if_hyper(const if_job *j, const double *g, int32_t root, int64_t r0, int nl) {
  const int64_t cp = j->cp;
  const int32_t *feature = j->feature, *left = j->left, *right = j->right;
  const float *threshold = j->threshold;
  const float *nv[IF_LANES];
  int32_t n[IF_LANES];
  for (int q = 0; q < IF_LANES; q++) n[q] = root;
  for (;;) {
    /* Lanes past nl, or whose row has reached a leaf, take normal 0; their sums are dropped. */
    int any = 0;
    for (int q = 0; q < IF_LANES; q++) {
      const int32_t k = q < nl ? feature[n[q]] : -1;
      nv[q] = j->normals_p + (k >= 0 ? (int64_t)k * cp : 0);
      any |= k >= 0;
    }
    if (!any) break;
    double s[IF_LANES];
#if AB_X86
    if (ab_simd) if_dots_avx2(cp, nv, g, s);
    else
#endif
      if_dots_scalar(cp, nv, g, s);
    /* Without branches: the comparisons are coin flips to a predictor. NaN <= t is false: right. A lane at a
     * leaf stays there. */
    for (int q = 0; q < nl; q++) {
      const int32_t at = n[q], l = left[at], r = right[at];
      const int32_t step = feature[at] >= 0 ? -(int32_t)!(s[q] <= (double)threshold[at]) : 0;
      const int32_t stay = feature[at] < 0 ? -1 : 0;
      n[q] = (at & stay) | (~stay & (l ^ ((l ^ r) & step)));
    }
  }
  for (int q = 0; q < nl; q++) j->sums[r0 + q] += j->leaf[n[q]];
}

static void if_rows(const if_job *j, double *scratch, int64_t r0, int64_t r1) {
  const int64_t cols = j->cols, group = j->cp * IF_LANES;
  for (int64_t b = r0; b < r1; b += IF_BLOCK) {
    const int64_t e = b + IF_BLOCK < r1 ? b + IF_BLOCK : r1;
    for (int64_t r = b; r < e; r++) j->sums[r] = 0;
    if (scratch)
      for (int64_t r = b; r < e; r += IF_LANES)
        if_interleave(j->x + r * cols, cols, j->cp, (int)(e - r < IF_LANES ? e - r : IF_LANES), scratch + (r - b) / IF_LANES * group);
    for (int64_t t = 0; t < j->trees; t++) {
      for (int64_t r = b; r < e; r += IF_LANES) {
        const int nl = (int)(e - r < IF_LANES ? e - r : IF_LANES);
        if (scratch) if_hyper(j, scratch + (r - b) / IF_LANES * group, j->roots[t], r, nl);
        else if_axis(j, j->roots[t], r, nl);
      }
    }
  }
}

static void if_task(void *ctx, int t, int nt) {
  const if_job *j = (const if_job *)ctx;
  /* Whole blocks per task, so the blocks (and nothing else) are what a thread count changes. */
  const int64_t blocks = (j->rows + IF_BLOCK - 1) / IF_BLOCK;
  const int64_t b0 = blocks * t / nt, b1 = blocks * (t + 1) / nt;
  const int64_t r0 = b0 * IF_BLOCK, r1 = b1 * IF_BLOCK < j->rows ? b1 * IF_BLOCK : j->rows;
  if (r0 < r1) if_rows(j, j->scratch ? j->scratch + (int64_t)t * IF_BLOCK * j->cp : NULL, r0, r1);
}

int ab_isolation_path_sums(int64_t rows, int64_t cols, const float *x, const int32_t *feature, const float *threshold,
                           const int32_t *left, const int32_t *right, int64_t trees, const int32_t *roots,
                           int64_t nnormals, const double *leaf, const float *normals, double *sums) {
  if (rows <= 0) return 0;
  if_job j = { .rows = rows, .cols = cols, .trees = trees, .x = x, .threshold = threshold,
               .feature = feature, .left = left, .right = right, .roots = roots, .leaf = leaf, .sums = sums };
  int nt = ab_threads();
  const int64_t blocks = (rows + IF_BLOCK - 1) / IF_BLOCK;
  if (nt > blocks) nt = (int)blocks;
  if (nt < 1) nt = 1;
  double *buf = NULL;
  float *padded = NULL;
  if (normals) {
    const int64_t cp = (cols + 3) & ~(int64_t)3, splits = cols > 0 ? nnormals / cols : 0;
    buf = malloc((size_t)((int64_t)nt * IF_BLOCK * cp) * sizeof(double) + 1);
    padded = malloc((size_t)(splits * cp) * sizeof(float) + 1);
    if (!buf || !padded) { free(buf); free(padded); return -1; }
    for (int64_t k = 0; k < splits; k++)
      for (int64_t c = 0; c < cp; c++) padded[k * cp + c] = c < cols ? normals[k * cols + c] : 0.0f;
    j.cp = cp;
    j.normals_p = padded;
    j.scratch = buf;
  }
  if (nt <= 1) if_task(&j, 0, 1);
  else ab_parallel(if_task, &j, nt);
  free(buf);
  free(padded);
  return 0;
}
