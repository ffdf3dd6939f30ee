/* Unit-length slices and their gradient (Kernels.unitNormalize, unitNormalizeBackward; unitNormalizeInto and
 * unitNormalizeBackwardInto in kernels.ts are the reference loops). Every sum runs over the slice's axis in
 * order in double and every element is formed in double and rounded once on the store, as there; only the
 * loops over the contiguous inner axis vectorise (independent slices), so the results are bit-identical for any
 * SIMD width and thread count (threads split the outer axis). */
#include <math.h>
#include <stdlib.h>

#include "aberrant.h"

typedef struct {
  int64_t outer, len, inner;
  const float *x, *g;
  double floor;
  double *r;
  float *out;
  double *scratch; /* backward: 2 x inner doubles per task (c and 1/q) */
} un_job;

/* Slices along the last axis (inner 1): each a contiguous run. Four slices' sums advance together so their
 * in-order dependency chains overlap; the quotients vectorise along the run. */
static void un_forward_rows(const un_job *j, int64_t o0, int64_t o1) {
  const int64_t len = j->len;
  int64_t o = o0;
  for (; o + 4 <= o1; o += 4) {
    const float *x0 = j->x + o * len, *x1 = x0 + len, *x2 = x1 + len, *x3 = x2 + len;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int64_t l = 0; l < len; l++) {
      s0 += (double)x0[l] * (double)x0[l]; s1 += (double)x1[l] * (double)x1[l];
      s2 += (double)x2[l] * (double)x2[l]; s3 += (double)x3[l] * (double)x3[l];
    }
    j->r[o] = s0; j->r[o + 1] = s1; j->r[o + 2] = s2; j->r[o + 3] = s3;
  }
  for (; o < o1; o++) {
    const float *x = j->x + o * len;
    double s = 0;
    for (int64_t l = 0; l < len; l++) s += (double)x[l] * (double)x[l];
    j->r[o] = s;
  }
  for (o = o0; o < o1; o++) {
    const double n = (double)(float)sqrt(j->r[o]), q = n < j->floor ? j->floor : n;
    j->r[o] = n < j->floor ? -j->floor : n;
    const float *x = j->x + o * len;
    float *out = j->out + o * len;
    for (int64_t l = 0; l < len; l++) out[l] = (float)((double)x[l] / q);
  }
}

static void un_forward(const un_job *j, int64_t o0, int64_t o1) {
  const int64_t len = j->len, inner = j->inner;
  if (inner == 1) { un_forward_rows(j, o0, o1); return; }
  for (int64_t o = o0; o < o1; o++) {
    double *r = j->r + o * inner;
    const float *x = j->x + o * len * inner;
    float *out = j->out + o * len * inner;
    for (int64_t i = 0; i < inner; i++) r[i] = 0;
    for (int64_t l = 0; l < len; l++) {
      const float *xl = x + l * inner;
      for (int64_t i = 0; i < inner; i++) r[i] += (double)xl[i] * (double)xl[i];
    }
    for (int64_t i = 0; i < inner; i++) {
      const double n = (double)(float)sqrt(r[i]);
      r[i] = n < j->floor ? -j->floor : n;
    }
    for (int64_t l = 0; l < len; l++) {
      const float *xl = x + l * inner;
      float *ol = out + l * inner;
      for (int64_t i = 0; i < inner; i++) ol[i] = (float)((double)xl[i] / fabs(r[i]));
    }
  }
}

/* The backward of un_forward_rows: four slices' <g, x> together, the update vectorised along each run. */
static void un_backward_rows(const un_job *j, int64_t o0, int64_t o1) {
  const int64_t len = j->len;
  for (int64_t o = o0; o < o1; o += 4) {
    const int nb = o + 4 <= o1 ? 4 : (int)(o1 - o);
    double dot[4] = { 0, 0, 0, 0 };
    if (nb == 4) {
      const float *x0 = j->x + o * len, *g0 = j->g + o * len;
      double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (int64_t l = 0; l < len; l++) {
        d0 += (double)g0[l] * (double)x0[l]; d1 += (double)g0[len + l] * (double)x0[len + l];
        d2 += (double)g0[2 * len + l] * (double)x0[2 * len + l]; d3 += (double)g0[3 * len + l] * (double)x0[3 * len + l];
      }
      dot[0] = d0; dot[1] = d1; dot[2] = d2; dot[3] = d3;
    } else {
      for (int b = 0; b < nb; b++) {
        const float *x = j->x + (o + b) * len, *g = j->g + (o + b) * len;
        double d = 0;
        for (int64_t l = 0; l < len; l++) d += (double)g[l] * (double)x[l];
        dot[b] = d;
      }
    }
    for (int b = 0; b < nb; b++) {
      const double q = j->r[o + b];
      const double c = q < 0 ? 0 : dot[b] / (q * q * q), inv = q < 0 ? 1 / -q : 1 / q;
      const float *x = j->x + (o + b) * len, *g = j->g + (o + b) * len;
      float *gx = j->out + (o + b) * len;
      for (int64_t l = 0; l < len; l++) gx[l] = (float)((double)gx[l] + ((double)g[l] * inv - (double)x[l] * c));
    }
  }
}

static void un_backward(const un_job *j, int64_t o0, int64_t o1, double *c, double *inv) {
  const int64_t len = j->len, inner = j->inner;
  if (inner == 1) { un_backward_rows(j, o0, o1); return; }
  for (int64_t o = o0; o < o1; o++) {
    const double *r = j->r + o * inner;
    const float *x = j->x + o * len * inner, *g = j->g + o * len * inner;
    float *gx = j->out + o * len * inner;
    for (int64_t i = 0; i < inner; i++) c[i] = 0;
    for (int64_t l = 0; l < len; l++) {
      const float *xl = x + l * inner, *gl = g + l * inner;
      for (int64_t i = 0; i < inner; i++) c[i] += (double)gl[i] * (double)xl[i];
    }
    for (int64_t i = 0; i < inner; i++) {
      const double q = r[i];
      if (q < 0) { c[i] = 0; inv[i] = 1 / -q; } else { c[i] = c[i] / (q * q * q); inv[i] = 1 / q; }
    }
    for (int64_t l = 0; l < len; l++) {
      const float *xl = x + l * inner, *gl = g + l * inner;
      float *gxl = gx + l * inner;
      for (int64_t i = 0; i < inner; i++) gxl[i] = (float)((double)gxl[i] + ((double)gl[i] * inv[i] - (double)xl[i] * c[i]));
    }
  }
}

static void un_forward_task(void *ctx, int t, int nt) {
  const un_job *j = (const un_job *)ctx;
  un_forward(j, j->outer * t / nt, j->outer * (t + 1) / nt);
}

static void un_backward_task(void *ctx, int t, int nt) {
  const un_job *j = (const un_job *)ctx;
  double *c = j->scratch + (int64_t)t * 2 * j->inner;
  un_backward(j, j->outer * t / nt, j->outer * (t + 1) / nt, c, c + j->inner);
}

static int un_threads(int64_t outer, int64_t size) {
  int nt = ab_threads();
  if (size < 65536) nt = 1; /* below ~64k elements the hand-off costs more than the work */
  if (nt > outer) nt = (int)outer;
  return nt < 1 ? 1 : nt;
}

void ab_unit_normalize(int64_t outer, int64_t len, int64_t inner, const float *x, double floor, double *r, float *out) {
  if (outer <= 0 || inner <= 0) return;
  un_job j = { .outer = outer, .len = len, .inner = inner, .x = x, .g = NULL, .floor = floor, .r = r, .out = out,
               .scratch = NULL };
  const int nt = un_threads(outer, outer * len * inner);
  if (nt <= 1) un_forward(&j, 0, outer);
  else ab_parallel(un_forward_task, &j, nt);
}

int ab_unit_normalize_backward(int64_t outer, int64_t len, int64_t inner, const float *x, const float *g, const double *r,
                               float *gx) {
  if (outer <= 0 || inner <= 0) return 0;
  const int nt = un_threads(outer, outer * len * inner);
  double *scratch = malloc((size_t)(2 * inner * nt) * sizeof(double));
  if (!scratch) return -1;
  un_job j = { .outer = outer, .len = len, .inner = inner, .x = x, .g = g, .floor = 0, .r = (double *)r, .out = gx,
               .scratch = scratch };
  if (nt <= 1) un_backward_task(&j, 0, 1);
  else ab_parallel(un_backward_task, &j, nt);
  free(scratch);
  return 0;
}
