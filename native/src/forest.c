/* Isolation-forest path sums (Kernels.isolationPathSums; isolationPathSumsInto in kernels.ts is the reference).
 * Each row's sum runs over the trees in order and each hyperplane projection over the columns in order, one
 * product and one add in double per term (float32 x float32 is exact in double, so contraction could not change
 * it either): bit-identical to the reference for any thread count. Speed comes from walking LANES rows of a
 * block at once, so their independent dependency chains (loads down the tree, the dot products) overlap. */
#include <stdlib.h>

#include "aberrant.h"

#define IF_BLOCK 256
#define IF_LANES 8

typedef struct {
  int64_t rows, cols, trees;
  const float *x, *threshold, *normals;
  const double *normals_d; /* normals in double (NULL for axis splits) */
  double *scratch;         /* per task: IF_BLOCK rows of x in double */
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
    for (int q = 0; q < nl; q++) {
      const int32_t f = feature[n[q]];
      if (f < 0) continue;
      n[q] = xr[q][f] <= threshold[n[q]] ? left[n[q]] : right[n[q]];
      moving = 1;
    }
  }
  for (int q = 0; q < nl; q++) j->sums[r0 + q] += j->leaf[n[q]];
}

static void if_hyper(const if_job *j, const double *xd, int32_t root, int64_t r0, int nl) {
  const int64_t cols = j->cols;
  const int32_t *feature = j->feature, *left = j->left, *right = j->right;
  const float *threshold = j->threshold;
  const double *nv[IF_LANES], *xr[IF_LANES];
  int32_t n[IF_LANES];
  /* Lanes past nl, or whose row has reached a leaf, repeat lane 0's row and a valid normal; their sums are dropped. */
  for (int q = 0; q < IF_LANES; q++) { n[q] = root; xr[q] = xd + (q < nl ? q : 0) * cols; }
  for (;;) {
    int any = 0;
    for (int q = 0; q < IF_LANES; q++) {
      const int32_t k = q < nl ? feature[n[q]] : -1;
      nv[q] = j->normals_d + (k >= 0 ? (int64_t)k * cols : 0);
      any |= k >= 0;
    }
    if (!any) break;
    double s[IF_LANES] = { 0 };
    for (int64_t c = 0; c < cols; c++)
      for (int q = 0; q < IF_LANES; q++) s[q] += nv[q][c] * xr[q][c];
    for (int q = 0; q < nl; q++) {
      if (feature[n[q]] < 0) continue;
      n[q] = s[q] <= (double)threshold[n[q]] ? left[n[q]] : right[n[q]];
    }
  }
  for (int q = 0; q < nl; q++) j->sums[r0 + q] += j->leaf[n[q]];
}

static void if_rows(const if_job *j, double *xd, int64_t r0, int64_t r1) {
  for (int64_t b = r0; b < r1; b += IF_BLOCK) {
    const int64_t e = b + IF_BLOCK < r1 ? b + IF_BLOCK : r1;
    for (int64_t r = b; r < e; r++) j->sums[r] = 0;
    if (xd) for (int64_t i = 0; i < (e - b) * j->cols; i++) xd[i] = (double)j->x[b * j->cols + i];
    for (int64_t t = 0; t < j->trees; t++) {
      for (int64_t r = b; r < e; r += IF_LANES) {
        const int nl = (int)(e - r < IF_LANES ? e - r : IF_LANES);
        if (xd) if_hyper(j, xd + (r - b) * j->cols, j->roots[t], r, nl);
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
  if (r0 < r1) if_rows(j, j->scratch ? j->scratch + (int64_t)t * IF_BLOCK * j->cols : NULL, r0, r1);
}

int ab_isolation_path_sums(int64_t rows, int64_t cols, const float *x, const int32_t *feature, const float *threshold,
                            const int32_t *left, const int32_t *right, int64_t trees, const int32_t *roots,
                           int64_t nnormals, const double *leaf, const float *normals, double *sums) {
  if (rows <= 0) return 0;
  if_job j = { .rows = rows, .cols = cols, .trees = trees, .x = x, .threshold = threshold, .normals = normals,
               .normals_d = NULL, .scratch = NULL, .feature = feature, .left = left, .right = right,
               .roots = roots, .leaf = leaf, .sums = sums };
  int nt = ab_threads();
  const int64_t blocks = (rows + IF_BLOCK - 1) / IF_BLOCK;
  if (nt > blocks) nt = (int)blocks;
  if (nt < 1) nt = 1;
  double *buf = NULL;
  if (normals) {
    /* Hyperplane walks read every value once per level and tree: convert the normals and each block's rows to
     * double once (exact, so the sums are unchanged). */
    buf = malloc((size_t)(nnormals + (int64_t)nt * IF_BLOCK * cols + 1) * sizeof(double));
    if (!buf) return -1;
    for (int64_t i = 0; i < nnormals; i++) buf[i] = (double)normals[i];
    j.normals_d = buf;
    j.scratch = buf + nnormals;
  }
  if (nt <= 1) if_task(&j, 0, 1);
  else ab_parallel(if_task, &j, nt);
  free(buf);
  return 0;
}
