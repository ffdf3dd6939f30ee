/* Shared declarations of the aberrant native kernels (plain C11, Node-API free). */
#ifndef ABERRANT_H
#define ABERRANT_H

#include <stddef.h>
#include <stdint.h>

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(AB_FORCE_PORTABLE)
#define AB_X86 1
#define AB_AVX2 __attribute__((target("avx2,fma")))
#else
#define AB_X86 0
#endif

/* Activation codes (must match src/engine/backend/kernels.ts). */
enum { AB_ACT_NONE = 0, AB_ACT_TANH = 1, AB_ACT_SIGMOID = 2, AB_ACT_RELU = 3, AB_ACT_LEAKY = 4,
       AB_ACT_SOFTPLUS = 5 };
/* Binary codes. */
enum { AB_BIN_ADD = 0, AB_BIN_SUB = 1, AB_BIN_MUL = 2, AB_BIN_DIV = 3 };

/* ---- thread pool (pool.c) ---- */
typedef void (*ab_task_fn)(void *ctx, int tid, int nt);
/* Runs fn(ctx, t, nt) for t in [0, nt): t = 0 on the caller, the rest on pool workers. The partition
 * each task handles must depend only on (t, nt), so results never depend on timing. */
void ab_parallel(ab_task_fn fn, void *ctx, int nt);
/* The same with nt tasks over at most nthreads threads (workers claim tasks as they free up, so finer
 * tasks balance the load when a core is slowed by other processes; results still depend on nt only). */
void ab_parallel_tasks(ab_task_fn fn, void *ctx, int nt, int nthreads);
int ab_threads(void);
int ab_set_threads(int n);

/* ---- SIMD level ---- */
extern int ab_simd; /* 1 = AVX2+FMA path, 0 = portable scalar */
void ab_simd_init(void);

/* ---- kernels ---- */
typedef struct {
  const float *bias; /* may be NULL */
  int act;
  float alpha;
} ab_epi;

/* C(m x n) = beta*C + op(A) op(B); optional fused epilogue out = act(C + bias) (requires beta 0). */
void ab_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, int beta,
             float *c, const ab_epi *ep);
void ab_dense_backward(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *y,
                       const float *dy, int act, float alpha, float *dpre, float *dx, float *dw, float *db);
void ab_activation(int act, float alpha, int64_t len, const float *x, float *out);
void ab_activation_grad(int act, float alpha, int64_t len, const float *y, const float *dy, float *dx);
void ab_binary(int op, int64_t len, const float *a, const float *b, float *out);
void ab_row_pair_stats(int64_t m, int64_t n, const float *x, const float *y, float *out);
void ab_row_combine(int64_t m, int64_t n, const float *x, const float *y, const float *ca, const float *cb,
                    int accumulate, float *out);
void ab_col_sum(int64_t m, int64_t n, const float *x, int accumulate, float *out);
/* Single-threaded variants (for use inside parallel regions). */
void ab_activation_grad_serial(int act, float alpha, int64_t len, const float *y, const float *dy, float *dx);
void ab_col_sum_serial(int64_t m, int64_t n, const float *x, int accumulate, float *out);
void ab_binary_serial(int op, int64_t len, const float *a, const float *b, float *out);
void ab_row_pair_stats_serial(int64_t m, int64_t n, const float *x, const float *y, float *out);
/* ab_gemm on the calling thread only (any m, n, k; same per-element results as ab_gemm). */
void ab_gemm_serial(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, int beta,
                    float *c, const ab_epi *ep);

/* Pre-packed B: floats needed to pack op(B) (k x n; -1 unless 1 <= k <= 256 and n >= 1), the packing
 * (AVX2 path only), and C(m x n) = act(A(m x k, row-major) op(B) + bias) from it, on the calling thread;
 * per-element results are identical to ab_gemm's. */
int64_t ab_packed_b_floats(int64_t n, int64_t k);
void ab_pack_b_all(int tb, int64_t n, int64_t k, const float *b, float *pb);
void ab_gemm_packed(int64_t m, int64_t n, int64_t k, const float *a, const float *pb, float *c, const ab_epi *ep);

/* Narrow layers: whether applying a heavy activation after the gemm over the contiguous output
 * (ab_epi_act_flat, same per-element values as the fused epilogue) beats the padded register tiles. */
int ab_epi_flat_pays(int act, int64_t n);
void ab_epi_act_flat(int act, float alpha, int64_t len, float *x);

/* ---- fused MLP stack (mlp.c) ---- */
/* Layer l: sizes[l] -> sizes[l+1]; biases[l], douts[l], dbs[l], dx may be NULL. See kernels.ts. */
void ab_mlp_forward(int64_t m, int L, const int64_t *sizes, const float *const *w, const float *const *b,
                    const int *acts, float alpha, const float *x, float *const *outs);
void ab_mlp_backward(int64_t m, int L, const int64_t *sizes, const float *const *w, const int *acts, float alpha,
                     const float *x, const float *const *outs, const float *const *douts, float *const *dpres,
                     float *dx, float *const *dws, float *const *dbs);
/* Inference-only fused DAGMM latent code (see mlpLatentFeatures in kernels.ts): z (m x (sizes[tap+1] + nf))
 * row i = [outs[tap] row i, reconstruction features of x row i vs the last layer's output]; rel_at / cos_at
 * are feature columns (-1: absent). Per-element results equal mlpForward + rowPairStats + the features. */
void ab_mlp_latent_features(int64_t m, int L, const int64_t *sizes, const float *const *w, const float *const *b,
                            const int *acts, float alpha, const float *x, int tap, int nf, int rel_at, int cos_at,
                            double floor, float *z);
/* Squared Euclidean distances (distance.c): out (m x n, float64) [i][j] = sum over c in order of
 * ((double)x[i][c] - v[j][c])^2 for x (m x k) float32 and the vectors (n x k) in v (float32) or vd (float64; the
 * other NULL), bit-identical on every path. */
void ab_sq_dist64(int64_t m, int64_t n, int64_t k, const float *x, const float *v, const double *vd, double *out);
/* Column means and centred cross-product sums in double (distance.c; Kernels.meanCrossProducts). */
void ab_mean_cross_products(int64_t rows, int64_t cols, const float *x, double *mean, double *cov);
/* One leaf's candidate update of the exact kNN search (distance.c; Kernels.knnLeafUpdate). */
void ab_knn_leaf_update(int64_t na, int64_t n, int64_t k, int64_t cols, const float *g, const int32_t *active,
                        const double *err, const float *query, const float *ref, const int32_t *leaf_rows,
                        const int32_t *runs, const double *qnorm, const int32_t *exclude, double *dist2, int32_t *idx);
/* out (n x m) = (g^T + row shift) - column shift in float32 (distance.c; Kernels.transposeShift). */
void ab_transpose_shift(int64_t m, int64_t n, const float *g, const float *row_shift, const float *col_shift, float *out);
/* Isolation-forest path sums over the trees in order (forest.c; Kernels.isolationPathSums); normals NULL =
 * axis splits, else nnormals values; returns -1 when its scratch cannot be allocated. */
int ab_isolation_path_sums(int64_t rows, int64_t cols, const float *x, const int32_t *feature, const float *threshold,
                           const int32_t *left, const int32_t *right, int64_t trees, const int32_t *roots,
                           int64_t nnormals, const double *leaf, const float *normals, double *sums);
/* out = (x - offset) / scale per column (sign of x - offset where scale <= 0), clamped to +-limit, in double,
 * rounded once to float32 (Kernels.scaleColumns); clamped[k] += values clamped in column k. Returns -1, the flat
 * index of the first NaN in x (out then holds no usable values), or -2 when out of memory. */
int64_t ab_scale_columns(int64_t rows, int64_t cols, const float *x, const double *offset, const double *scale,
                         double limit, float *out, double *clamped);
/* Unit-length slices of an outer x len x inner array and their gradient (normalize.c; Kernels.unitNormalize,
 * unitNormalizeBackward); the backward returns -1 when its scratch cannot be allocated. */
void ab_unit_normalize(int64_t outer, int64_t len, int64_t inner, const float *x, double floor, double *r, float *out);
int ab_unit_normalize_backward(int64_t outer, int64_t len, int64_t inner, const float *x, const float *g, const double *r,
                               float *gx);
/* GOAD's triplet centre hinge and its gradient (distance.c; Kernels.tripletHinge / tripletHingeBackward): cn (m)
 * and dc (m x f) are double scratch. */
double ab_triplet_hinge(int64_t rows, int64_t m, int64_t f, const float *z, const float *c, const float *zc, double margin,
                        double *cn, int32_t *nearest);
void ab_triplet_hinge_backward(int64_t rows, int64_t m, int64_t f, int64_t n, const float *z, const float *c,
                               const int32_t *nearest, double s, double *dc, float *gz);
/* exp exactly as V8's Math.exp (jsexp.c: fdlibm's algorithm); arrays through ab_js_exp_affine. */
double ab_js_exp(double x);
/* out[i] = exp(a x[i] + b) in double, Math.exp's bits (Kernels.expAffine); out may be x. */
void ab_js_exp_affine(int64_t n, double a, double b, const double *x, double *out);
/* out[i] += g[i] * exp(-b[i]), exp as ab_js_exp (AVX2 four doubles at a time when enabled; same bits). */
void ab_softplus_slope_accumulate(int64_t len, const float *g, const float *b, float *out);
/* log exactly as V8's Math.log (jsexp.c: fdlibm's e_log.c), one value and an array. */
double ab_js_log(double x);
void ab_js_log_array(int64_t n, const double *x, double *out);
/* Row log-softmax and its gradient with Math.exp / Math.log's bits (jsexp.c; Kernels.logSoftmax, logSoftmaxBackward). */
void ab_log_softmax(int64_t m, int64_t n, const float *x, float *out);
void ab_log_softmax_backward(int64_t m, int64_t n, const float *y, const float *g, float *gx);
void ab_log_sum_exp(int64_t m, int64_t n, const float *x, float *out);
void ab_log_sum_exp_backward(int64_t m, int64_t n, const float *x, const float *y, const float *g, float *gx);
/* Dropout keep-mask from a xoshiro128** state (rng.c; the stream of keepMaskInto in rng.ts). */
void ab_keep_mask(int32_t *state, int64_t n, double keep, float scale, float *out);
/* out[i] += the binary op's gradient term in double (elementwise.c; Kernels.accumulate). */
void ab_accumulate(int op, int64_t len, const float *g, const float *b, const float *r, float *out);
/* mse's forward sum and backward accumulation (elementwise.c; Kernels.squaredErrorSum, accumulateScaledDifference). */
double ab_squared_error_sum(int64_t len, const float *a, const float *b);
void ab_accumulate_scaled_difference(int64_t len, double c, const float *a, const float *b, float *out);
/* Gaussian corruption: out = base + c z (elementwise.c; Kernels.addScaled). */
void ab_add_scaled(int64_t len, double c, const double *z, const float *base, float *out);
/* A bias row added to every row, and a broadcast row's gradient (elementwise.c; Kernels.rowBroadcastAdd, columnAccumulate). */
void ab_row_broadcast_add(int64_t m, int64_t n, const float *row, const float *x, float *out);
/* Row sums in double, rounded once, and their gradient (elementwise.c; Kernels.rowSum, rowSumBackward). */
void ab_row_sum(int64_t m, int64_t n, const float *x, float *out);
void ab_row_sum_backward(int64_t m, int64_t n, const float *g, float *out);
void ab_column_accumulate(int64_t m, int64_t n, const float *g, int negate, float *out);
/* Standard normals from a xoshiro128** state by rng.ts's ziggurat (rng.c; the stream of normalsInto); stops
 * at a draw that needs the tail (returns its index), else returns n. */
int64_t ab_normals(int32_t *state, int64_t n, const double *w, const double *k, const double *f, double *out);
void ab_gather_rows(int64_t n, int64_t cols, const float *src, const int32_t *idx, float *dst);
void ab_adam_step_serial(int64_t len, float *w, const float *g, float *m, float *v, double step, double bc2sqrt,
                         double b1, double b2, double eps, double wd);
void ab_adam_step(int64_t len, float *w, const float *g, float *m, float *v, double step, double bc2sqrt, double b1,
                  double b2, double eps, double wd);

/* Thread-local scratch that grows as needed (64-byte aligned, never shrinks); one buffer per slot. */
enum { AB_SCRATCH_PACK_B = 0, AB_SCRATCH_PACK_A = 1, AB_SCRATCH_PARTIAL = 2, AB_SCRATCH_MLP = 3, AB_SCRATCH_GMM = 4,
       AB_SCRATCH_MLPW = 5, AB_SCRATCH_SLOTS = 6 };
float *ab_scratch(int slot, size_t floats);

#endif
