/* The preprocessor's per-column affine map of a float32 matrix (Kernels.scaleColumns; scaleColumnsInto in
 * kernels.ts is the reference loop): out = (x - offset) / scale in double, the sign of x - offset where scale is
 * not above 0, clamped to +-limit, rounded once to float32 on the store. Each element is one subtraction and one
 * division in double, so the results are bit-identical for any SIMD width and thread count (threads split the
 * rows; clamp counts are per task, then summed). */
#include <stdlib.h>

#include "aberrant.h"

#if AB_X86
#include <immintrin.h>
#endif

typedef struct {
  int64_t rows, cols;
  const float *x;
  const double *offset, *scale;
  double limit;
  float *out;
  int64_t *clamped; /* nt x cols */
  int64_t *first_nan; /* nt: smallest flat index of a NaN in the task's rows, -1 if none */
  int nt;
} sc_job;

static inline float sc_one(double v, double off, double sc, double limit, int64_t *clamped) {
  const double d = v - off;
  double s = sc > 0 ? d / sc : (d > 0 ? 1.0 : d < 0 ? -1.0 : d); /* Math.sign keeps +-0 */
  if (s > limit) { s = limit; (*clamped)++; }
  else if (s < -limit) { s = -limit; (*clamped)++; }
  return (float)s;
}

static void sc_scalar_rows(const sc_job *j, int64_t r0, int64_t r1, int64_t *clamped, int64_t *first_nan) {
  const int64_t cols = j->cols;
  for (int64_t r = r0; r < r1; r++) {
    const float *x = j->x + r * cols;
    float *out = j->out + r * cols;
    for (int64_t k = 0; k < cols; k++) {
      const float v = x[k];
      if (v != v) { if (*first_nan < 0) *first_nan = r * cols + k; out[k] = v; continue; }
      out[k] = sc_one((double)v, j->offset[k], j->scale[k], j->limit, &clamped[k]);
    }
  }
}

#if AB_X86
/* Four columns at a time along each row: the division where scale > 0, else the sign, blended per lane. */
static AB_AVX2 void sc_avx2_rows(const sc_job *j, int64_t r0, int64_t r1, int64_t *clamped, int64_t *first_nan) {
  const int64_t cols = j->cols, c4 = cols & ~(int64_t)3;
  const __m256d lim = _mm256_set1_pd(j->limit), nlim = _mm256_set1_pd(-j->limit), zero = _mm256_setzero_pd();
  const __m256d one = _mm256_set1_pd(1.0), mone = _mm256_set1_pd(-1.0);
  for (int64_t r = r0; r < r1; r++) {
    const float *x = j->x + r * cols;
    float *out = j->out + r * cols;
    int64_t k = 0;
    for (; k < c4; k += 4) {
      const __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + k));
      const __m256d sc = _mm256_loadu_pd(j->scale + k);
      const __m256d d = _mm256_sub_pd(v, _mm256_loadu_pd(j->offset + k));
      const __m256d pos = _mm256_cmp_pd(sc, zero, _CMP_GT_OQ);
      __m256d s = _mm256_div_pd(d, _mm256_blendv_pd(one, sc, pos)); /* no division by 0 in the sign lanes */
      if (_mm256_movemask_pd(pos) != 0xf) {
        const __m256d sgn = _mm256_blendv_pd(_mm256_blendv_pd(d, one, _mm256_cmp_pd(d, zero, _CMP_GT_OQ)), mone,
                                             _mm256_cmp_pd(d, zero, _CMP_LT_OQ));
        s = _mm256_blendv_pd(sgn, s, pos);
      }
      const __m256d hi = _mm256_cmp_pd(s, lim, _CMP_GT_OQ), lo = _mm256_cmp_pd(s, nlim, _CMP_LT_OQ);
      const int mh = _mm256_movemask_pd(hi), ml = _mm256_movemask_pd(lo);
      const int nan = _mm256_movemask_pd(_mm256_cmp_pd(v, v, _CMP_UNORD_Q));
      if (mh | ml | nan) {
        /* Rare: clamps to count, or a NaN (the caller redoes the matrix its own way). */
        for (int l = 0; l < 4; l++) {
          if (nan >> l & 1) { if (*first_nan < 0) *first_nan = r * cols + k + l; }
          else if ((mh | ml) >> l & 1) clamped[k + l]++;
        }
        s = _mm256_blendv_pd(_mm256_blendv_pd(s, lim, hi), nlim, lo);
      }
      _mm_storeu_ps(out + k, _mm256_cvtpd_ps(s));
    }
    for (; k < cols; k++) {
      const float v = x[k];
      if (v != v) { if (*first_nan < 0) *first_nan = r * cols + k; out[k] = v; continue; }
      out[k] = sc_one((double)v, j->offset[k], j->scale[k], j->limit, &clamped[k]);
    }
  }
}
#endif

static void sc_task(void *ctx, int t, int nt) {
  const sc_job *j = ctx;
  const int64_t r0 = j->rows * t / nt, r1 = j->rows * (t + 1) / nt;
  int64_t *clamped = j->clamped + (int64_t)t * j->cols, *first_nan = j->first_nan + t;
  *first_nan = -1;
  if (r0 >= r1) return;
#if AB_X86
  if (ab_simd) { sc_avx2_rows(j, r0, r1, clamped, first_nan); return; }
#endif
  sc_scalar_rows(j, r0, r1, clamped, first_nan);
}

int64_t ab_scale_columns(int64_t rows, int64_t cols, const float *x, const double *offset, const double *scale,
                         double limit, float *out, double *clamped) {
  int nt = ab_threads();
  /* ~1 ns an element: below ~64k elements a parallel region costs more than it saves. */
  if (rows * cols < 65536 || rows < 2) nt = 1;
  if (nt > rows) nt = (int)rows;
  int64_t *counts = calloc((size_t)nt * (size_t)(cols > 0 ? cols : 1), sizeof(int64_t));
  int64_t *nans = malloc((size_t)nt * sizeof(int64_t));
  if (!counts || !nans) { free(counts); free(nans); return -2; }
  sc_job j = { .rows = rows, .cols = cols, .x = x, .offset = offset, .scale = scale, .limit = limit, .out = out,
               .clamped = counts, .first_nan = nans, .nt = nt };
  if (nt <= 1) sc_task(&j, 0, 1);
  else ab_parallel(sc_task, &j, nt);
  int64_t first = -1;
  for (int t = 0; t < nt; t++) {
    if (nans[t] >= 0 && (first < 0 || nans[t] < first)) first = nans[t];
    for (int64_t k = 0; k < cols; k++) clamped[k] += (double)counts[(int64_t)t * cols + k];
  }
  free(counts);
  free(nans);
  return first;
}
