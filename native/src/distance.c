/* Squared Euclidean distances in float64 between float32 rows and float32 or float64 vectors (the one-class
 * SVM's RBF kernel values; GOAD's distances to its float64 transformation centres).
 * Each distance is summed over the columns in order c = 0..k-1, one rounded multiply and one rounded add per
 * term: bit-identical to the TypeScript loop `s += d * d` with d = x - v in double, on either SIMD path and
 * any thread count (threads split the rows; SIMD lanes hold different (row, vector) pairs, never one sum). */
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "aberrant.h"
#if AB_X86
#include <immintrin.h>
#endif

typedef struct {
  int64_t m, n, k;
  const float *x, *v;
  const double *vd; /* the vectors as doubles (float64 input), else NULL and v holds them */
  const double *vt; /* v transposed to k x n doubles (AVX2 path), or NULL */
  double *out;
} sd_job;

static void sd_pair_block(const sd_job *j, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int64_t n = j->n, k = j->k;
  for (int64_t i = i0; i < i1; i++) {
    const float *xi = j->x + i * k;
    for (int64_t q = j0; q < j1; q++) {
      double s = 0;
      if (j->vd) {
        const double *vq = j->vd + q * k;
        for (int64_t c = 0; c < k; c++) {
          const double d = (double)xi[c] - vq[c];
          s += d * d;
        }
      } else {
        const float *vq = j->v + q * k;
        for (int64_t c = 0; c < k; c++) {
          const double d = (double)xi[c] - (double)vq[c];
          s += d * d;
        }
      }
      j->out[i * n + q] = s;
    }
  }
}

#if AB_X86
/* Rows in fours and vectors in eights: 8 accumulators of 4 lanes, one (row, vector) pair per lane.
 * Separate _mm256_mul_pd and _mm256_add_pd keep the rounding of the scalar loop (no fused multiply-add). */
AB_AVX2 static void sd_rows_avx2(const sd_job *j, int64_t i0, int64_t i1) {
  const int64_t n = j->n, k = j->k, n8 = n - n % 8;
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4) {
    const float *x0 = j->x + i * k, *x1 = x0 + k, *x2 = x1 + k, *x3 = x2 + k;
    for (int64_t q = 0; q < n8; q += 8) {
      __m256d a00 = _mm256_setzero_pd(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      const double *vt = j->vt + q;
      for (int64_t c = 0; c < k; c++) {
        const __m256d v0 = _mm256_loadu_pd(vt + c * n), v1 = _mm256_loadu_pd(vt + c * n + 4);
        __m256d b = _mm256_set1_pd((double)x0[c]), d0 = _mm256_sub_pd(b, v0), d1 = _mm256_sub_pd(b, v1);
        a00 = _mm256_add_pd(a00, _mm256_mul_pd(d0, d0)); a01 = _mm256_add_pd(a01, _mm256_mul_pd(d1, d1));
        b = _mm256_set1_pd((double)x1[c]); d0 = _mm256_sub_pd(b, v0); d1 = _mm256_sub_pd(b, v1);
        a10 = _mm256_add_pd(a10, _mm256_mul_pd(d0, d0)); a11 = _mm256_add_pd(a11, _mm256_mul_pd(d1, d1));
        b = _mm256_set1_pd((double)x2[c]); d0 = _mm256_sub_pd(b, v0); d1 = _mm256_sub_pd(b, v1);
        a20 = _mm256_add_pd(a20, _mm256_mul_pd(d0, d0)); a21 = _mm256_add_pd(a21, _mm256_mul_pd(d1, d1));
        b = _mm256_set1_pd((double)x3[c]); d0 = _mm256_sub_pd(b, v0); d1 = _mm256_sub_pd(b, v1);
        a30 = _mm256_add_pd(a30, _mm256_mul_pd(d0, d0)); a31 = _mm256_add_pd(a31, _mm256_mul_pd(d1, d1));
      }
      double *o = j->out + i * n + q;
      _mm256_storeu_pd(o, a00); _mm256_storeu_pd(o + 4, a01);
      _mm256_storeu_pd(o + n, a10); _mm256_storeu_pd(o + n + 4, a11);
      _mm256_storeu_pd(o + 2 * n, a20); _mm256_storeu_pd(o + 2 * n + 4, a21);
      _mm256_storeu_pd(o + 3 * n, a30); _mm256_storeu_pd(o + 3 * n + 4, a31);
    }
    if (n8 < n) sd_pair_block(j, i, i + 4, n8, n);
  }
  if (i < i1) sd_pair_block(j, i, i1, 0, n);
}
#endif

static void sd_task(void *ctx, int t, int nt) {
  const sd_job *j = (const sd_job *)ctx;
  const int64_t i0 = j->m * t / nt, i1 = j->m * (t + 1) / nt;
#if AB_X86
  if (j->vt) {
    sd_rows_avx2(j, i0, i1);
    return;
  }
#endif
  sd_pair_block(j, i0, i1, 0, j->n);
}

/* v or vd (float64 vectors) holds the n vectors; the other is NULL. */
void ab_sq_dist64(int64_t m, int64_t n, int64_t k, const float *x, const float *v, const double *vd, double *out) {
  if (m <= 0 || n <= 0) return;
  sd_job j = { .m = m, .n = n, .k = k, .x = x, .v = v, .vd = vd, .vt = NULL, .out = out };
  double *vt = NULL;
#if AB_X86
  if (ab_simd && m >= 4 && n >= 8 && k > 0) {
    vt = (double *)malloc((size_t)(n * k) * sizeof(double));
    if (vt) {
      for (int64_t q = 0; q < n; q++)
        for (int64_t c = 0; c < k; c++) vt[c * n + q] = vd ? vd[q * k + c] : (double)v[q * k + c];
    }
    j.vt = vt;
  }
#endif
  /* ~3 flops per (row, vector, column); threads pay beyond ~50k of them. */
  int nt = ab_threads();
  if ((double)m * (double)n * (double)(k + 1) < 50000.0) nt = 1;
  if (nt > m) nt = (int)m;
  if (nt <= 1) sd_task(&j, 0, 1);
  else ab_parallel(sd_task, &j, nt);
  free(vt);
}

/* Kernels.meanCrossProducts: the loops of meanCrossProductsInto (kernels.ts) in the same order, every sum in
 * double and no contraction (C11 mode), so the results are bit-identical; only each cov row's inner loop over j
 * vectorises, which keeps every element's own sum over the rows in order. */
void ab_mean_cross_products(int64_t rows, int64_t cols, const float *x, double *mean, double *cov) {
  double *c = malloc((size_t)(cols > 0 ? cols : 1) * sizeof(double));
  if (!c) return;
  memset(mean, 0, (size_t)cols * sizeof(double));
  memset(cov, 0, (size_t)(cols * cols) * sizeof(double));
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    for (int64_t j = 0; j < cols; j++) mean[j] += (double)xr[j];
  }
  for (int64_t j = 0; j < cols; j++) mean[j] /= (double)rows;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    for (int64_t j = 0; j < cols; j++) c[j] = (double)xr[j] - mean[j];
    for (int64_t i = 0; i < cols; i++) {
      const double ci = c[i];
      if (ci == 0) continue;
      double *row = cov + i * cols;
      for (int64_t j = 0; j <= i; j++) row[j] += ci * c[j];
    }
  }
  free(c);
}

/* The largest float at most v (NaN for NaN): for a float g, g <= float_at_most(v) exactly when (double)g <= v. */
static float float_at_most(double v) {
  float f = (float)v;
  if ((double)f > v) f = nextafterf(f, -INFINITY);
  return f;
}

/* Kernels.knnLeafUpdate: knnLeafUpdateInto (kernels.ts) in C, the same comparisons and float64 arithmetic in the
 * same order (limit = (dist2[last] - qnorm) + err; each exact distance summed over the columns in order; one
 * distance per run of equal rows), so the neighbour lists come out identical. The caller has checked every index
 * this follows, runs included. */
void ab_knn_leaf_update(int64_t na, int64_t n, int64_t k, int64_t cols, const float *g, const int32_t *active,
                        const double *err, const float *query, const float *ref, const int32_t *leaf_rows,
                        const int32_t *runs, const double *qnorm, const int32_t *exclude, double *dist2, int32_t *idx) {
  for (int64_t u = 0; u < na; u++) {
    const int64_t qi = active[u], base = qi * k, last = base + k - 1;
    const double e = err[u];
    const int32_t self = exclude ? exclude[qi] : -1;
    const float *q = query + qi * cols, *gu = g + u * n;
    double limit = dist2[last] - qnorm[qi] + e;
    float flimit = float_at_most(limit);
    for (int64_t j = 0; j < n; j++) {
      /* Most rows fail the test: skip 16, then 8, at a time while none passes (g <= flimit <=> (double)g <=
       * limit; cmple is false for NaN, as the scalar test). */
#if AB_X86
      const __m128 lim4 = _mm_set1_ps(flimit);
      while (j + 16 <= n) {
        const __m128 a = _mm_cmple_ps(_mm_loadu_ps(gu + j), lim4), b = _mm_cmple_ps(_mm_loadu_ps(gu + j + 4), lim4);
        const __m128 c = _mm_cmple_ps(_mm_loadu_ps(gu + j + 8), lim4), d4 = _mm_cmple_ps(_mm_loadu_ps(gu + j + 12), lim4);
        if (_mm_movemask_ps(_mm_or_ps(_mm_or_ps(a, b), _mm_or_ps(c, d4)))) break;
        j += 16;
      }
#endif
      while (j + 8 <= n) {
        int any = 0;
        for (int t = 0; t < 8; t++) any |= gu[j + t] <= flimit;
        if (any) break;
        j += 8;
      }
      if (j >= n) break;
      if (!((double)gu[j] <= limit)) continue;
      /* One distance for the run of rows equal to row j; they enter in rising index order until one cannot. */
      const int64_t end = runs ? j + runs[j] : j + 1;
      const float *y = ref + (int64_t)leaf_rows[j] * cols;
      double d = 0;
      for (int64_t a = 0; a < cols; a++) {
        const double v = (double)q[a] - (double)y[a];
        d += v * v;
      }
      for (int64_t t = j; t < end; t++) {
        const int32_t r = leaf_rows[t];
        if (r == self) continue;
        if (!(d < dist2[last] || (d == dist2[last] && r < idx[last]))) break;
        int64_t p = k - 1;
        while (p > 0 && (dist2[base + p - 1] > d || (dist2[base + p - 1] == d && idx[base + p - 1] > r))) {
          dist2[base + p] = dist2[base + p - 1];
          idx[base + p] = idx[base + p - 1];
          p--;
        }
        dist2[base + p] = d;
        idx[base + p] = r;
      }
      limit = dist2[last] - qnorm[qi] + e;
      flimit = float_at_most(limit);
      j = end - 1;
    }
  }
}

/* Kernels.transposeShift: transposeShiftInto (kernels.ts) in C, the same float32 sums in the same order, so the
 * same bits: 4 x 4 blocks transposed in SSE registers, 16 x 16 tiles of them (whole cache lines read and
 * written); the scalar loop does the edges. */
void ab_transpose_shift(int64_t m, int64_t n, const float *g, const float *row_shift, const float *col_shift, float *out) {
  int64_t m4 = 0, n4 = 0;
#if AB_X86
  m4 = m & ~(int64_t)3; n4 = n & ~(int64_t)3;
  for (int64_t i0 = 0; i0 < m4; i0 += 16) {
    const int64_t i1 = i0 + 16 < m4 ? i0 + 16 : m4;
    for (int64_t j0 = 0; j0 < n4; j0 += 16) {
      const int64_t j1 = j0 + 16 < n4 ? j0 + 16 : n4;
      for (int64_t i = i0; i < i1; i += 4) {
        const __m128 r = _mm_loadu_ps(row_shift + i);
        for (int64_t j = j0; j < j1; j += 4) {
          __m128 a = _mm_loadu_ps(g + i * n + j), b = _mm_loadu_ps(g + (i + 1) * n + j);
          __m128 c = _mm_loadu_ps(g + (i + 2) * n + j), d = _mm_loadu_ps(g + (i + 3) * n + j);
          _MM_TRANSPOSE4_PS(a, b, c, d);
          _mm_storeu_ps(out + j * m + i, _mm_sub_ps(_mm_add_ps(a, r), _mm_set1_ps(col_shift[j])));
          _mm_storeu_ps(out + (j + 1) * m + i, _mm_sub_ps(_mm_add_ps(b, r), _mm_set1_ps(col_shift[j + 1])));
          _mm_storeu_ps(out + (j + 2) * m + i, _mm_sub_ps(_mm_add_ps(c, r), _mm_set1_ps(col_shift[j + 2])));
          _mm_storeu_ps(out + (j + 3) * m + i, _mm_sub_ps(_mm_add_ps(d, r), _mm_set1_ps(col_shift[j + 3])));
        }
      }
    }
  }
#endif
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = i < m4 ? n4 : 0; j < n; j++) out[j * m + i] = (g[i * n + j] + row_shift[i]) - col_shift[j];
}

/* Kernels.tripletHinge: GOAD's triplet centre hinge over rows feature vectors z (rows x f, row r belonging to
 * centre r % m), the m centres c (m x f) and zc = z c^T (rows x m, from the gemm). The nearest other centre of
 * row r minimises ||c_j||^2 - 2 zc_rj over j != r % m (first on ties; ||c_j||^2 summed in double in order), the
 * two distances are summed in double from the differences, and a row whose hinge
 * ||z - c_own||^2 + margin - ||z - c_nearest||^2 is positive adds it to the total and records its nearest centre
 * (else -1). Every operation in double in the TypeScript loop's order, so the same bits. */
double ab_triplet_hinge(int64_t rows, int64_t m, int64_t f, const float *z, const float *c, const float *zc, double margin,
                        double *cn, int32_t *nearest) {
  for (int64_t j = 0; j < m; j++) {
    double s = 0;
    for (int64_t a = 0; a < f; a++) s += (double)c[j * f + a] * (double)c[j * f + a];
    cn[j] = s;
  }
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t k = r % m;
    const float *zr = z + r * f, *zcr = zc + r * m;
    int64_t best = -1;
    double bv = INFINITY;
    for (int64_t j = 0; j < k; j++) {
      const double d = cn[j] - 2 * (double)zcr[j];
      if (d < bv) { bv = d; best = j; }
    }
    for (int64_t j = k + 1; j < m; j++) {
      const double d = cn[j] - 2 * (double)zcr[j];
      if (d < bv) { bv = d; best = j; }
    }
    if (best < 0) { nearest[r] = -1; continue; } /* every candidate NaN: the TypeScript loop's hinge is NaN too */
    const float *ck = c + k * f, *cb = c + best * f;
    double pos = 0, neg = 0;
    for (int64_t a = 0; a < f; a++) {
      const double u = (double)zr[a] - (double)ck[a], v = (double)zr[a] - (double)cb[a];
      pos += u * u;
      neg += v * v;
    }
    const double h = pos + margin - neg;
    if (h > 0) { total += h; nearest[r] = (int32_t)best; } else nearest[r] = -1;
  }
  return total;
}

/* Kernels.tripletHingeBackward: with s = 2 dL/dtotal / rows (the caller's), each active row r (own centre k,
 * nearest b) adds s (c_b - c_k) to its gradient, -s (z_r - c_k) to centre k's and s (z_r - c_b) to centre b's
 * (dc, double, in row order); then every row of centre k gets dc_k / n (c = the mean of n rows). Each gz element
 * takes one double sum rounded once on the store, as the TypeScript loop. */
void ab_triplet_hinge_backward(int64_t rows, int64_t m, int64_t f, int64_t n, const float *z, const float *c,
                               const int32_t *nearest, double s, double *dc, float *gz) {
  for (int64_t i = 0; i < m * f; i++) dc[i] = 0;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t b = nearest[r];
    if (b < 0) continue;
    const int64_t k = r % m;
    const float *zr = z + r * f;
    for (int64_t a = 0; a < f; a++) {
      dc[k * f + a] -= s * ((double)zr[a] - (double)c[k * f + a]);
      dc[b * f + a] += s * ((double)zr[a] - (double)c[b * f + a]);
    }
  }
  for (int64_t r = 0; r < rows; r++) {
    const int64_t b = nearest[r], k = r % m;
    float *g = gz + r * f;
    for (int64_t a = 0; a < f; a++) {
      const double own = b < 0 ? 0 : s * ((double)c[b * f + a] - (double)c[k * f + a]);
      g[a] = (float)((double)g[a] + (own + dc[k * f + a] / (double)n));
    }
  }
}
