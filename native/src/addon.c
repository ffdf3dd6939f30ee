/* Node-API bindings. Every function validates argument types and Float32Array lengths before touching
 * memory (the TypeScript wrapper checks too, with friendlier messages). */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aberrant.h"
#include "gmm.h"

#define MAXARGS 16
#include <stdint.h>

typedef struct {
  napi_env env;
  const char *kernel;
  napi_value argv[MAXARGS];
  size_t argc;
  int failed;
} args_t;

static void fail(args_t *A, const char *what, const char *arg) {
  if (A->failed) return;
  char msg[256];
  snprintf(msg, sizeof msg, "aberrant_native.%s: %s %s", A->kernel, arg, what);
  napi_throw_type_error(A->env, NULL, msg);
  A->failed = 1;
}

static int get_args(args_t *A, napi_env env, napi_callback_info info, const char *kernel, size_t want) {
  A->env = env;
  A->kernel = kernel;
  A->failed = 0;
  A->argc = MAXARGS;
  if (napi_get_cb_info(env, info, &A->argc, A->argv, NULL, NULL) != napi_ok || A->argc < want) {
    fail(A, "missing (too few arguments)", "argument");
    return 0;
  }
  return 1;
}

static int64_t get_int(args_t *A, size_t i, const char *name) {
  int64_t v = 0;
  if (A->failed) return 0;
  if (napi_get_value_int64(A->env, A->argv[i], &v) != napi_ok || v < 0) {
    fail(A, "must be a non-negative integer", name);
    return 0;
  }
  return v;
}

static double get_num(args_t *A, size_t i, const char *name) {
  double v = 0;
  if (A->failed) return 0;
  if (napi_get_value_double(A->env, A->argv[i], &v) != napi_ok) fail(A, "must be a number", name);
  return v;
}

static int get_bool(args_t *A, size_t i, const char *name) {
  bool v = false;
  if (A->failed) return 0;
  if (napi_get_value_bool(A->env, A->argv[i], &v) != napi_ok) fail(A, "must be a boolean", name);
  return v ? 1 : 0;
}

/* fail() for argument `name`, or `name[idx]` when idx >= 0 (formatted only on failure: these checks run
 * on every call, and small-network calls cost a few microseconds in all). */
static void fail_at(args_t *A, const char *what, const char *name, int64_t idx) {
  if (idx < 0) {
    fail(A, what, name);
    return;
  }
  char nm[48];
  snprintf(nm, sizeof nm, "%s[%lld]", name, (long long)idx);
  fail(A, what, nm);
}

/* Returns the data pointer of a Float32Array value with at least `need` elements (NULL if nullable and null);
 * idx >= 0 names it as element idx of array argument `name` in errors. */
static float *f32_at(args_t *A, napi_value v, const char *name, int64_t idx, int64_t need, int nullable) {
  if (A->failed) return NULL;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  /* the common case first: a typed array (one N-API call); null / undefined / others are sorted out after */
  if (napi_get_typedarray_info(A->env, v, &type, &len, &data, NULL, NULL) != napi_ok) {
    napi_valuetype t;
    if (napi_typeof(A->env, v, &t) != napi_ok) {
      fail_at(A, "is invalid", name, idx);
      return NULL;
    }
    if ((t == napi_null || t == napi_undefined) && nullable) return NULL;
    fail_at(A, "must be a Float32Array", name, idx);
    return NULL;
  }
  if (type != napi_float32_array) {
    fail_at(A, "must be a Float32Array", name, idx);
    return NULL;
  }
  if ((int64_t)len < need) {
    fail_at(A, "is too short for the given sizes", name, idx);
    return NULL;
  }
  return (float *)data;
}

static float *f32_of(args_t *A, napi_value v, const char *name, int64_t need, int nullable) {
  return f32_at(A, v, name, -1, need, nullable);
}

static float *get_f32(args_t *A, size_t i, const char *name, int64_t need, int nullable) {
  if (A->failed) return NULL;
  return f32_of(A, A->argv[i], name, need, nullable);
}

/* An Int32Array argument: data and length (NULL on failure). */
static int32_t *get_i32(args_t *A, size_t i, const char *name, size_t *len) {
  if (A->failed) return NULL;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(A->env, A->argv[i], &type, len, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array) {
    fail(A, "must be an Int32Array", name);
    return NULL;
  }
  return (int32_t *)data;
}

/* A JS array argument of length `want` (exactly); returns 1 on success. */
static int get_array(args_t *A, size_t i, const char *name, uint32_t want) {
  if (A->failed) return 0;
  bool is = false;
  uint32_t len = 0;
  if (napi_is_array(A->env, A->argv[i], &is) != napi_ok || !is) {
    fail(A, "must be an array", name);
    return 0;
  }
  if (napi_get_array_length(A->env, A->argv[i], &len) != napi_ok || len != want) {
    fail(A, "must have one entry per layer", name);
    return 0;
  }
  return 1;
}

/* Element e of the array argument i as a Float32Array (see f32_at). */
static float *elem_f32(args_t *A, size_t i, const char *name, uint32_t e, int64_t need, int nullable) {
  if (A->failed) return NULL;
  napi_value v;
  if (napi_get_element(A->env, A->argv[i], e, &v) != napi_ok) {
    fail_at(A, "is invalid", name, e);
    return NULL;
  }
  return f32_at(A, v, name, e, need, nullable);
}

static int valid_act(args_t *A, int64_t act) {
  if (!A->failed && act > AB_ACT_SOFTPLUS) fail(A, "is not a known activation code", "act");
  return !A->failed;
}

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gemm", 9)) return NULL;
  int ta = get_bool(&A, 0, "transA"), tb = get_bool(&A, 1, "transB");
  int64_t m = get_int(&A, 2, "m"), n = get_int(&A, 3, "n"), k = get_int(&A, 4, "k");
  const float *a = get_f32(&A, 5, "a", m * k, 0);
  const float *b = get_f32(&A, 6, "b", k * n, 0);
  int64_t beta = get_int(&A, 7, "beta");
  float *c = get_f32(&A, 8, "c", m * n, 0);
  if (!A.failed && beta > 1) fail(&A, "must be 0 or 1", "beta");
  if (A.failed) return NULL;
  ab_gemm(ta, tb, m, n, k, a, b, (int)beta, c, NULL);
  return NULL;
}

static napi_value js_dense_forward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "denseForward", 9)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n"), k = get_int(&A, 2, "k");
  const float *x = get_f32(&A, 3, "x", m * k, 0);
  const float *w = get_f32(&A, 4, "w", k * n, 0);
  const float *bias = get_f32(&A, 5, "bias", n, 1);
  int64_t act = get_int(&A, 6, "act");
  double alpha = get_num(&A, 7, "alpha");
  float *out = get_f32(&A, 8, "out", m * n, 0);
  if (!valid_act(&A, act)) return NULL;
  ab_epi ep = { bias, (int)act, (float)alpha };
  ab_gemm(0, 0, m, n, k, x, w, 0, out, &ep);
  return NULL;
}

static napi_value js_dense_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "denseBackward", 13)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n"), k = get_int(&A, 2, "k");
  const float *x = get_f32(&A, 3, "x", m * k, 0);
  const float *w = get_f32(&A, 4, "w", k * n, 0);
  const float *y = get_f32(&A, 5, "y", m * n, 0);
  const float *dy = get_f32(&A, 6, "dy", m * n, 0);
  int64_t act = get_int(&A, 7, "act");
  double alpha = get_num(&A, 8, "alpha");
  float *dpre = get_f32(&A, 9, "dpre", m * n, 0);
  float *dx = get_f32(&A, 10, "dx", m * k, 1);
  float *dw = get_f32(&A, 11, "dw", k * n, 0);
  float *db = get_f32(&A, 12, "db", n, 1);
  if (!valid_act(&A, act)) return NULL;
  ab_dense_backward(m, n, k, x, w, y, dy, (int)act, (float)alpha, dpre, dx, dw, db);
  return NULL;
}

static napi_value js_activation(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "activation", 5)) return NULL;
  int64_t act = get_int(&A, 0, "act");
  double alpha = get_num(&A, 1, "alpha");
  int64_t len = get_int(&A, 2, "len");
  const float *x = get_f32(&A, 3, "x", len, 0);
  float *out = get_f32(&A, 4, "out", len, 0);
  if (!valid_act(&A, act)) return NULL;
  ab_activation((int)act, (float)alpha, len, x, out);
  return NULL;
}

static napi_value js_activation_grad(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "activationGrad", 6)) return NULL;
  int64_t act = get_int(&A, 0, "act");
  double alpha = get_num(&A, 1, "alpha");
  int64_t len = get_int(&A, 2, "len");
  const float *y = get_f32(&A, 3, "y", len, 0);
  const float *dy = get_f32(&A, 4, "dy", len, 0);
  float *dx = get_f32(&A, 5, "dx", len, 0);
  if (!valid_act(&A, act)) return NULL;
  ab_activation_grad((int)act, (float)alpha, len, y, dy, dx);
  return NULL;
}

static napi_value js_binary(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "binary", 5)) return NULL;
  int64_t op = get_int(&A, 0, "op");
  int64_t len = get_int(&A, 1, "len");
  const float *a = get_f32(&A, 2, "a", len, 0);
  const float *b = get_f32(&A, 3, "b", len, 0);
  float *out = get_f32(&A, 4, "out", len, 0);
  if (!A.failed && op > AB_BIN_DIV) fail(&A, "is not a known binary op code", "op");
  if (A.failed) return NULL;
  ab_binary((int)op, len, a, b, out);
  return NULL;
}

static napi_value js_row_broadcast_add(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "rowBroadcastAdd", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *row = get_f32(&A, 2, "row", n, 0);
  const float *x = get_f32(&A, 3, "x", m * n, 0);
  float *out = get_f32(&A, 4, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_row_broadcast_add(m, n, row, x, out);
  return NULL;
}

static napi_value js_row_sum(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "rowSum", 4)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  float *out = get_f32(&A, 3, "out", m, 0);
  if (A.failed) return NULL;
  ab_row_sum(m, n, x, out);
  return NULL;
}

static napi_value js_row_sum_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "rowSumBackward", 4)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *g = get_f32(&A, 2, "g", m, 0);
  float *out = get_f32(&A, 3, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_row_sum_backward(m, n, g, out);
  return NULL;
}

static napi_value js_column_accumulate(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "columnAccumulate", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *g = get_f32(&A, 2, "g", m * n, 0);
  int negate = get_bool(&A, 3, "negate");
  float *out = get_f32(&A, 4, "out", n, 0);
  if (A.failed) return NULL;
  ab_column_accumulate(m, n, g, negate, out);
  return NULL;
}

static napi_value js_squared_error_sum(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "squaredErrorSum", 3)) return NULL;
  int64_t len = get_int(&A, 0, "len");
  const float *a = get_f32(&A, 1, "a", len, 0);
  const float *b = get_f32(&A, 2, "b", len, 0);
  if (A.failed) return NULL;
  napi_value result;
  napi_create_double(env, ab_squared_error_sum(len, a, b), &result);
  return result;
}

static napi_value js_accumulate_scaled_difference(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "accumulateScaledDifference", 5)) return NULL;
  int64_t len = get_int(&A, 0, "len");
  double c = get_num(&A, 1, "c");
  const float *a = get_f32(&A, 2, "a", len, 0);
  const float *b = get_f32(&A, 3, "b", len, 0);
  float *out = get_f32(&A, 4, "out", len, 0);
  if (A.failed) return NULL;
  ab_accumulate_scaled_difference(len, c, a, b, out);
  return NULL;
}

static napi_value js_accumulate(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "accumulate", 6)) return NULL;
  int64_t op = get_int(&A, 0, "op");
  int64_t len = get_int(&A, 1, "len");
  const float *g = get_f32(&A, 2, "g", len, 0);
  const float *b = get_f32(&A, 3, "b", len, op < 2);
  const float *r = get_f32(&A, 4, "r", len, op != 4);
  float *out = get_f32(&A, 5, "out", len, 0);
  if (!A.failed && (op < 0 || op > 6)) fail(&A, "is not a known accumulate op code", "op");
  if (A.failed) return NULL;
  ab_accumulate((int)op, len, g, b, r, out);
  return NULL;
}

static napi_value js_row_pair_stats(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "rowPairStats", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  const float *y = get_f32(&A, 3, "y", m * n, 0);
  float *out = get_f32(&A, 4, "out", m * 4, 0);
  if (A.failed) return NULL;
  ab_row_pair_stats(m, n, x, y, out);
  return NULL;
}

static napi_value js_row_combine(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "rowCombine", 8)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  const float *y = get_f32(&A, 3, "y", m * n, 0);
  const float *ca = get_f32(&A, 4, "ca", m, 0);
  const float *cb = get_f32(&A, 5, "cb", m, 0);
  int acc = get_bool(&A, 6, "accumulate");
  float *out = get_f32(&A, 7, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_row_combine(m, n, x, y, ca, cb, acc, out);
  return NULL;
}

static napi_value js_col_sum(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "colSum", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  int acc = get_bool(&A, 3, "accumulate");
  float *out = get_f32(&A, 4, "out", n, 0);
  if (A.failed) return NULL;
  ab_col_sum(m, n, x, acc, out);
  return NULL;
}

/* Same as get_f32 for Float64Array arguments (the GMM kernels' float64 buffers). */
static double *get_f64(args_t *A, size_t i, const char *name, int64_t need, int nullable) {
  if (A->failed) return NULL;
  napi_valuetype t;
  if (napi_typeof(A->env, A->argv[i], &t) != napi_ok) {
    fail(A, "is invalid", name);
    return NULL;
  }
  if (t == napi_null || t == napi_undefined) {
    if (!nullable) fail(A, "must be a Float64Array", name);
    return NULL;
  }
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(A->env, A->argv[i], &type, &len, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array) {
    fail(A, "must be a Float64Array", name);
    return NULL;
  }
  if ((int64_t)len < need) {
    fail(A, "is too short for the given sizes", name);
    return NULL;
  }
  return (double *)data;
}

static napi_value js_gmm_moments(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gmmMoments", 8)) return NULL;
  int64_t n = get_int(&A, 0, "n"), k = get_int(&A, 1, "k"), d = get_int(&A, 2, "d");
  const float *z = get_f32(&A, 3, "z", n * d, 0);
  const float *gamma = get_f32(&A, 4, "gamma", n * k, 0);
  double *s = get_f64(&A, 5, "s", k, 0);
  double *mu = get_f64(&A, 6, "mu", k * d, 0);
  double *cov = get_f64(&A, 7, "cov", k * d * d, 0);
  if (A.failed) return NULL;
  ab_gmm_moments(n, k, d, z, gamma, s, mu, cov);
  return NULL;
}

static napi_value js_gmm_energy(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gmmEnergy", 10)) return NULL;
  int64_t n = get_int(&A, 0, "n"), k = get_int(&A, 1, "k"), d = get_int(&A, 2, "d");
  const float *z = get_f32(&A, 3, "z", n * d, 0);
  const double *mu = get_f64(&A, 4, "mu", k * d, 0);
  const double *prec = get_f64(&A, 5, "prec", k * d * d, 0);
  const double *base = get_f64(&A, 6, "base", k, 0);
  double *energy = get_f64(&A, 7, "energy", n, 0);
  double *resp = get_f64(&A, 8, "resp", n * k, 1);
  double *w = get_f64(&A, 9, "w", n * k * d, 1);
  if (A.failed) return NULL;
  ab_gmm_energy(n, k, d, z, mu, prec, base, energy, resp && w ? resp : NULL, resp && w ? w : NULL);
  return NULL;
}

static napi_value js_gmm_backward_accumulate(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gmmBackwardAccumulate", 10)) return NULL;
  int64_t n = get_int(&A, 0, "n"), k = get_int(&A, 1, "k"), d = get_int(&A, 2, "d");
  const float *gE = get_f32(&A, 3, "gE", n, 0);
  const double *resp = get_f64(&A, 4, "resp", n * k, 0);
  const double *w = get_f64(&A, 5, "w", n * k * d, 0);
  double *gLogp = get_f64(&A, 6, "gLogp", k, 0);
  double *gMu = get_f64(&A, 7, "gMu", k * d, 0);
  double *gOuter = get_f64(&A, 8, "gOuter", k * d * d, 0);
  float *gz = get_f32(&A, 9, "gz", n * d, 1);
  if (A.failed) return NULL;
  ab_gmm_backward_accumulate(n, k, d, gE, resp, w, gLogp, gMu, gOuter, gz);
  return NULL;
}

static napi_value js_gmm_backward_apply(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gmmBackwardApply", 12)) return NULL;
  int64_t n = get_int(&A, 0, "n"), k = get_int(&A, 1, "k"), d = get_int(&A, 2, "d");
  const float *z = get_f32(&A, 3, "z", n * d, 0);
  const float *gamma = get_f32(&A, 4, "gamma", n * k, 0);
  const double *s = get_f64(&A, 5, "s", k, 0);
  const double *mu = get_f64(&A, 6, "mu", k * d, 0);
  const double *gMu = get_f64(&A, 7, "gMu", k * d, 0);
  const double *gSig = get_f64(&A, 8, "gSig", k * d * d, 0);
  const double *gS = get_f64(&A, 9, "gS", k, 0);
  float *gz = get_f32(&A, 10, "gz", n * d, 1);
  float *gGamma = get_f32(&A, 11, "gGamma", n * k, 1);
  if (A.failed) return NULL;
  ab_gmm_backward_apply(n, k, d, z, gamma, s, mu, gMu, gSig, gS, gz, gGamma);
  return NULL;
}

static napi_value js_softmax_rows(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "softmaxRows", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  int lg = get_bool(&A, 3, "log");
  float *out = get_f32(&A, 4, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_softmax_rows(m, n, x, lg, out);
  return NULL;
}

#define MLP_MAX_LAYERS 256

/* Reads sizes (Int32Array, L+1 entries >= 0) and acts (Int32Array, L entries); L = length of the array
 * argument `arr`. Returns L, or -1 on failure. */
static int mlp_shape(args_t *A, size_t isizes, size_t iacts, size_t arr, const char *arrname, int64_t *sizes,
                     int *acts) {
  if (A->failed) return -1;
  bool is = false;
  uint32_t L = 0;
  if (napi_is_array(A->env, A->argv[arr], &is) != napi_ok || !is) {
    fail(A, "must be an array", arrname);
    return -1;
  }
  napi_get_array_length(A->env, A->argv[arr], &L);
  if (L < 1 || L > MLP_MAX_LAYERS) {
    fail(A, "must hold 1 to 256 layers", arrname);
    return -1;
  }
  size_t ns = 0, na = 0;
  const int32_t *s = get_i32(A, isizes, "sizes", &ns);
  const int32_t *a = get_i32(A, iacts, "acts", &na);
  if (A->failed) return -1;
  if (ns != (size_t)L + 1) {
    fail(A, "must have one more entry than there are layers", "sizes");
    return -1;
  }
  if (na != (size_t)L) {
    fail(A, "must have one entry per layer", "acts");
    return -1;
  }
  for (uint32_t l = 0; l <= L; l++) {
    if (s[l] < 0) {
      fail(A, "must be non-negative", "sizes");
      return -1;
    }
    sizes[l] = s[l];
  }
  for (uint32_t l = 0; l < L; l++) {
    if (a[l] < 0 || a[l] > AB_ACT_SOFTPLUS) {
      fail(A, "holds an unknown activation code", "acts");
      return -1;
    }
    acts[l] = a[l];
  }
  return (int)L;
}

static napi_value js_mlp_forward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "mlpForward", 8)) return NULL;
  int64_t sizes[MLP_MAX_LAYERS + 1];
  int acts[MLP_MAX_LAYERS];
  const float *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];
  float *outs[MLP_MAX_LAYERS];
  int64_t m = get_int(&A, 0, "m");
  const int L = mlp_shape(&A, 1, 4, 2, "weights", sizes, acts);
  if (L < 0) return NULL;
  double alpha = get_num(&A, 5, "alpha");
  const float *x = get_f32(&A, 6, "x", m * sizes[0], 0);
  if (!get_array(&A, 3, "biases", (uint32_t)L) || !get_array(&A, 7, "outs", (uint32_t)L)) return NULL;
  for (int l = 0; l < L; l++) {
    w[l] = elem_f32(&A, 2, "weights", (uint32_t)l, sizes[l] * sizes[l + 1], 0);
    b[l] = elem_f32(&A, 3, "biases", (uint32_t)l, sizes[l + 1], 1);
    outs[l] = elem_f32(&A, 7, "outs", (uint32_t)l, m * sizes[l + 1], 0);
  }
  if (A.failed) return NULL;
  ab_mlp_forward(m, L, sizes, w, b, acts, (float)alpha, x, outs);
  return NULL;
}

static napi_value js_mlp_latent_features(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "mlpLatentFeatures", 13)) return NULL;
  int64_t sizes[MLP_MAX_LAYERS + 1];
  int acts[MLP_MAX_LAYERS];
  const float *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];
  int64_t m = get_int(&A, 0, "m");
  const int L = mlp_shape(&A, 1, 4, 2, "weights", sizes, acts);
  if (L < 0) return NULL;
  double alpha = get_num(&A, 5, "alpha");
  const float *x = get_f32(&A, 6, "x", m * sizes[0], 0);
  const int64_t tap = get_int(&A, 7, "tap"), nf = get_int(&A, 8, "nf");
  const double rel = get_num(&A, 9, "relAt"), cos = get_num(&A, 10, "cosAt"), floor = get_num(&A, 11, "floor");
  if (A.failed) return NULL;
  if (tap >= L) { fail(&A, "must be a layer index", "tap"); return NULL; }
  if (sizes[L] != sizes[0]) { fail(&A, "must end with as many columns as it starts with", "sizes"); return NULL; }
  if (nf > 64) { fail(&A, "must be at most 64", "nf"); return NULL; }
  if (!(rel == -1 || (rel >= 0 && rel < (double)nf && rel == (double)(int)rel))) {
    fail(&A, "must be -1 or a feature column below nf", "relAt");
    return NULL;
  }
  if (!(cos == -1 || (cos >= 0 && cos < (double)nf && cos == (double)(int)cos))) {
    fail(&A, "must be -1 or a feature column below nf", "cosAt");
    return NULL;
  }
  float *z = get_f32(&A, 12, "z", m * (sizes[tap + 1] + nf), 0);
  if (!get_array(&A, 3, "biases", (uint32_t)L)) return NULL;
  for (int l = 0; l < L; l++) {
    w[l] = elem_f32(&A, 2, "weights", (uint32_t)l, sizes[l] * sizes[l + 1], 0);
    b[l] = elem_f32(&A, 3, "biases", (uint32_t)l, sizes[l + 1], 1);
  }
  if (A.failed) return NULL;
  ab_mlp_latent_features(m, L, sizes, w, b, acts, (float)alpha, x, (int)tap, (int)nf, (int)rel, (int)cos, floor, z);
  return NULL;
}

static napi_value js_mlp_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "mlpBackward", 12)) return NULL;
  int64_t sizes[MLP_MAX_LAYERS + 1];
  int acts[MLP_MAX_LAYERS];
  const float *w[MLP_MAX_LAYERS], *outs[MLP_MAX_LAYERS], *douts[MLP_MAX_LAYERS];
  float *dpres[MLP_MAX_LAYERS], *dws[MLP_MAX_LAYERS], *dbs[MLP_MAX_LAYERS];
  int64_t m = get_int(&A, 0, "m");
  const int L = mlp_shape(&A, 1, 3, 2, "weights", sizes, acts);
  if (L < 0) return NULL;
  double alpha = get_num(&A, 4, "alpha");
  const float *x = get_f32(&A, 5, "x", m * sizes[0], 0);
  float *dx = get_f32(&A, 9, "dx", m * sizes[0], 1);
  if (!get_array(&A, 6, "outs", (uint32_t)L) || !get_array(&A, 7, "douts", (uint32_t)L) ||
      !get_array(&A, 8, "dpres", (uint32_t)L) || !get_array(&A, 10, "dws", (uint32_t)L) ||
      !get_array(&A, 11, "dbs", (uint32_t)L))
    return NULL;
  for (int l = 0; l < L; l++) {
    const int64_t k = sizes[l], n = sizes[l + 1];
    w[l] = elem_f32(&A, 2, "weights", (uint32_t)l, k * n, 0);
    outs[l] = elem_f32(&A, 6, "outs", (uint32_t)l, m * n, 0);
    douts[l] = elem_f32(&A, 7, "douts", (uint32_t)l, m * n, 1);
    dpres[l] = elem_f32(&A, 8, "dpres", (uint32_t)l, m * n, 0);
    dws[l] = elem_f32(&A, 10, "dws", (uint32_t)l, k * n, 0);
    dbs[l] = elem_f32(&A, 11, "dbs", (uint32_t)l, n, 1);
  }
  if (A.failed) return NULL;
  ab_mlp_backward(m, L, sizes, w, acts, (float)alpha, x, outs, douts, dpres, dx, dws, dbs);
  return NULL;
}

static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "adamStep", 11)) return NULL;
  int64_t len = get_int(&A, 0, "len");
  float *w = get_f32(&A, 1, "w", len, 0);
  const float *g = get_f32(&A, 2, "g", len, 0);
  float *m = get_f32(&A, 3, "m", len, 0);
  float *v = get_f32(&A, 4, "v", len, 0);
  double step = get_num(&A, 5, "stepSize"), bc2 = get_num(&A, 6, "bc2Sqrt"), b1 = get_num(&A, 7, "b1");
  double b2 = get_num(&A, 8, "b2"), eps = get_num(&A, 9, "eps"), wd = get_num(&A, 10, "wd");
  if (A.failed) return NULL;
  ab_adam_step(len, w, g, m, v, step, bc2, b1, b2, eps, wd);
  return NULL;
}

static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "gatherRows", 6)) return NULL;
  int64_t n = get_int(&A, 0, "n"), cols = get_int(&A, 1, "cols");
  const float *src = get_f32(&A, 2, "src", 0, 0);
  size_t nidx = 0, nsrc = 0;
  const int32_t *idx = get_i32(&A, 3, "idx", &nidx);
  int64_t start = get_int(&A, 4, "start");
  float *dst = get_f32(&A, 5, "dst", n * cols, 0);
  if (A.failed) return NULL;
  if (start + n > (int64_t)nidx) {
    fail(&A, "is too short for start + n", "idx");
    return NULL;
  }
  napi_typedarray_type type;
  napi_get_typedarray_info(env, A.argv[2], &type, &nsrc, NULL, NULL, NULL);
  const int64_t rows = cols > 0 ? (int64_t)nsrc / cols : INT64_MAX;
  for (int64_t i = 0; i < n; i++) {
    const int32_t r = idx[start + i];
    if (r < 0 || r >= rows) {
      char msg[160];
      snprintf(msg, sizeof msg, "aberrant_native.gatherRows: row index %d (idx[%lld]) is out of range [0, %lld)",
               (int)r, (long long)(start + i), (long long)(cols > 0 ? rows : 0));
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  }
  ab_gather_rows(n, cols, src, idx + start, dst);
  return NULL;
}

static napi_value js_keep_mask(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "keepMask", 5)) return NULL;
  size_t ns = 0;
  int32_t *state = get_i32(&A, 0, "state", &ns);
  int64_t n = get_int(&A, 1, "n");
  double keep = get_num(&A, 2, "keep"), scale = get_num(&A, 3, "scale");
  float *out = get_f32(&A, 4, "out", n, 0);
  if (A.failed) return NULL;
  if (ns < 4) {
    fail(&A, "must have 4 elements", "state");
    return NULL;
  }
  ab_keep_mask(state, n, keep, (float)scale, out);
  return NULL;
}

static napi_value js_normals(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "normals", 6)) return NULL;
  size_t ns = 0;
  int32_t *state = get_i32(&A, 0, "state", &ns);
  int64_t n = get_int(&A, 1, "n");
  const double *w = get_f64(&A, 2, "w", 256, 0);
  const double *k = get_f64(&A, 3, "k", 256, 0);
  const double *f = get_f64(&A, 4, "f", 257, 0);
  double *out = get_f64(&A, 5, "out", n, 0);
  if (A.failed) return NULL;
  if (ns < 4) {
    fail(&A, "must have 4 elements", "state");
    return NULL;
  }
  napi_value r;
  napi_create_double(env, (double)ab_normals(state, n, w, k, f, out), &r);
  return r;
}

static napi_value js_add_scaled(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "addScaled", 5)) return NULL;
  int64_t len = get_int(&A, 0, "len");
  double c = get_num(&A, 1, "c");
  const double *z = get_f64(&A, 2, "z", len, 0);
  const float *base = get_f32(&A, 3, "base", len, 0);
  float *out = get_f32(&A, 4, "out", len, 0);
  if (A.failed) return NULL;
  ab_add_scaled(len, c, z, base, out);
  return NULL;
}

static napi_value js_sq_dist64(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "squaredDistances64", 6)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n"), k = get_int(&A, 2, "k");
  const float *x = get_f32(&A, 3, "x", m * k, 0);
  /* v: a Float32Array or a Float64Array of the n vectors */
  napi_typedarray_type vtype;
  const int v64 = !A.failed && napi_get_typedarray_info(env, A.argv[4], &vtype, NULL, NULL, NULL, NULL) == napi_ok && vtype == napi_float64_array;
  const float *v = v64 ? NULL : get_f32(&A, 4, "v", n * k, 0);
  const double *vd = v64 ? get_f64(&A, 4, "v", n * k, 0) : NULL;
  double *out = get_f64(&A, 5, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_sq_dist64(m, n, k, x, v, vd, out);
  return NULL;
}

static napi_value js_mean_cross_products(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "meanCrossProducts", 5)) return NULL;
  int64_t rows = get_int(&A, 0, "rows"), cols = get_int(&A, 1, "cols");
  const float *x = get_f32(&A, 2, "x", rows * cols, 0);
  double *mean = get_f64(&A, 3, "mean", cols, 0);
  double *cov = get_f64(&A, 4, "cov", cols * cols, 0);
  if (A.failed) return NULL;
  ab_mean_cross_products(rows, cols, x, mean, cov);
  return NULL;
}

static napi_value js_isolation_path_sums(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "isolationPathSums", 11)) return NULL;
  int64_t rows = get_int(&A, 0, "rows"), cols = get_int(&A, 1, "cols");
  const float *x = get_f32(&A, 2, "x", rows * cols, 0);
  size_t nodes = 0, nl = 0, nr = 0, trees = 0;
  const int32_t *feature = get_i32(&A, 3, "feature", &nodes);
  const float *threshold = get_f32(&A, 4, "threshold", (int64_t)nodes, 0);
  const int32_t *left = get_i32(&A, 5, "left", &nl);
  const int32_t *right = get_i32(&A, 6, "right", &nr);
  const int32_t *roots = get_i32(&A, 7, "roots", &trees);
  const double *leaf = get_f64(&A, 8, "leafLength", (int64_t)nodes, 0);
  const float *normals = get_f32(&A, 9, "normals", 0, 1);
  double *sums = get_f64(&A, 10, "sums", rows, 0);
  if (A.failed) return NULL;
  if (nl < nodes || nr < nodes) {
    napi_throw_range_error(env, NULL, "aberrant_native.isolationPathSums: left or right is shorter than feature");
    return NULL;
  }
  /* Every node followed is checked first: splits in range, children after their parent (so walks end). */
  int64_t splits = cols;
  size_t nnormals = 0;
  if (normals) {
    napi_typedarray_type ty;
    napi_get_typedarray_info(env, A.argv[9], &ty, &nnormals, NULL, NULL, NULL);
    splits = cols > 0 ? (int64_t)nnormals / cols : 0;
  }
  for (size_t t = 0; t < trees; t++) {
    if (roots[t] < 0 || (size_t)roots[t] >= nodes) {
      napi_throw_range_error(env, NULL, "aberrant_native.isolationPathSums: a root is out of range of the nodes");
      return NULL;
    }
  }
  for (size_t i = 0; i < nodes; i++) {
    if (feature[i] < 0) continue;
    if (feature[i] >= splits) {
      napi_throw_range_error(env, NULL, "aberrant_native.isolationPathSums: a node splits on a feature (or normal) out of range");
      return NULL;
    }
    if (left[i] <= (int64_t)i || (size_t)left[i] >= nodes || right[i] <= (int64_t)i || (size_t)right[i] >= nodes) {
      napi_throw_range_error(env, NULL, "aberrant_native.isolationPathSums: a node's child is not after it within the nodes");
      return NULL;
    }
  }
  if (ab_isolation_path_sums(rows, cols, x, feature, threshold, left, right, (int64_t)trees, roots,
                             (int64_t)nnormals, leaf, normals, sums) != 0)
    napi_throw_error(env, NULL, "aberrant_native.isolationPathSums: out of memory for the padded normals and row copies");
  return NULL;
}

static napi_value js_unit_normalize(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "unitNormalize", 7)) return NULL;
  int64_t outer = get_int(&A, 0, "outer"), len = get_int(&A, 1, "len"), inner = get_int(&A, 2, "inner");
  const float *x = get_f32(&A, 3, "x", outer * len * inner, 0);
  double floor = get_num(&A, 4, "floor");
  double *r = get_f64(&A, 5, "r", outer * inner, 0);
  float *out = get_f32(&A, 6, "out", outer * len * inner, 0);
  if (A.failed) return NULL;
  ab_unit_normalize(outer, len, inner, x, floor, r, out);
  return NULL;
}

static napi_value js_unit_normalize_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "unitNormalizeBackward", 7)) return NULL;
  int64_t outer = get_int(&A, 0, "outer"), len = get_int(&A, 1, "len"), inner = get_int(&A, 2, "inner");
  const float *x = get_f32(&A, 3, "x", outer * len * inner, 0);
  const float *g = get_f32(&A, 4, "g", outer * len * inner, 0);
  const double *r = get_f64(&A, 5, "r", outer * inner, 0);
  float *gx = get_f32(&A, 6, "gx", outer * len * inner, 0);
  if (A.failed) return NULL;
  if (ab_unit_normalize_backward(outer, len, inner, x, g, r, gx) != 0)
    napi_throw_error(env, NULL, "aberrant_native.unitNormalizeBackward: out of memory for its scratch");
  return NULL;
}

static napi_value js_scale_columns(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "scaleColumns", 8)) return NULL;
  int64_t rows = get_int(&A, 0, "rows"), cols = get_int(&A, 1, "cols");
  const float *x = get_f32(&A, 2, "x", rows * cols, 0);
  const double *offset = get_f64(&A, 3, "offset", cols, 0);
  const double *scale = get_f64(&A, 4, "scale", cols, 0);
  double limit = get_num(&A, 5, "limit");
  float *out = get_f32(&A, 6, "out", rows * cols, 0);
  double *clamped = get_f64(&A, 7, "clamped", cols, 0);
  if (A.failed) return NULL;
  int64_t first = ab_scale_columns(rows, cols, x, offset, scale, limit, out, clamped);
  if (first == -2) { napi_throw_error(env, NULL, "aberrant_native.scaleColumns: out of memory for its counts"); return NULL; }
  napi_value r;
  if (napi_create_double(env, (double)first, &r) != napi_ok) return NULL;
  return r;
}

static napi_value js_js_exp(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "jsExp", 3)) return NULL;
  int64_t n = get_int(&A, 0, "n");
  const double *x = get_f64(&A, 1, "x", n, 0);
  double *out = get_f64(&A, 2, "out", n, 0);
  if (A.failed) return NULL;
  ab_js_exp_affine(n, 1.0, 0.0, x, out); /* 1 x + 0: x itself (-0 becomes +0, whose exp is the same 1) */
  return NULL;
}

static napi_value js_exp_affine(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "expAffine", 5)) return NULL;
  int64_t n = get_int(&A, 0, "n");
  double a = get_num(&A, 1, "a"), b = get_num(&A, 2, "b");
  const double *x = get_f64(&A, 3, "x", n, 0);
  double *out = get_f64(&A, 4, "out", n, 0);
  if (A.failed) return NULL;
  ab_js_exp_affine(n, a, b, x, out);
  return NULL;
}

static napi_value js_triplet_hinge(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "tripletHinge", 8)) return NULL;
  int64_t rows = get_int(&A, 0, "rows"), m = get_int(&A, 1, "m"), f = get_int(&A, 2, "f");
  const float *z = get_f32(&A, 3, "z", rows * f, 0);
  const float *c = get_f32(&A, 4, "c", m * f, 0);
  const float *zc = get_f32(&A, 5, "zc", rows * m, 0);
  double margin = get_num(&A, 6, "margin");
  size_t nn = 0;
  int32_t *nearest = get_i32(&A, 7, "nearest", &nn);
  if (A.failed) return NULL;
  if ((int64_t)nn < rows) { fail(&A, "is shorter than rows", "nearest"); return NULL; }
  if (m > 0 && rows > 0 && m < 2) { fail(&A, "must be at least 2", "m"); return NULL; }
  double *cn = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
  if (!cn) { napi_throw_error(env, NULL, "aberrant_native.tripletHinge: out of memory for its scratch"); return NULL; }
  napi_value result;
  napi_create_double(env, ab_triplet_hinge(rows, m, f, z, c, zc, margin, cn, nearest), &result);
  free(cn);
  return result;
}

static napi_value js_triplet_hinge_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "tripletHingeBackward", 9)) return NULL;
  int64_t rows = get_int(&A, 0, "rows"), m = get_int(&A, 1, "m"), f = get_int(&A, 2, "f"), n = get_int(&A, 3, "n");
  const float *z = get_f32(&A, 4, "z", rows * f, 0);
  const float *c = get_f32(&A, 5, "c", m * f, 0);
  size_t nn = 0;
  const int32_t *nearest = get_i32(&A, 6, "nearest", &nn);
  double s = get_num(&A, 7, "s");
  float *gz = get_f32(&A, 8, "gz", rows * f, 0);
  if (A.failed) return NULL;
  if ((int64_t)nn < rows) { fail(&A, "is shorter than rows", "nearest"); return NULL; }
  for (int64_t r = 0; r < rows; r++) {
    if (nearest[r] >= m || nearest[r] < -1) { fail(&A, "holds a centre index out of range", "nearest"); return NULL; }
  }
  double *dc = malloc((size_t)(m * f > 0 ? m * f : 1) * sizeof(double));
  if (!dc) { napi_throw_error(env, NULL, "aberrant_native.tripletHingeBackward: out of memory for its scratch"); return NULL; }
  ab_triplet_hinge_backward(rows, m, f, n, z, c, nearest, s, dc, gz);
  free(dc);
  return NULL;
}

static napi_value js_js_log(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "jsLog", 3)) return NULL;
  int64_t n = get_int(&A, 0, "n");
  const double *x = get_f64(&A, 1, "x", n, 0);
  double *out = get_f64(&A, 2, "out", n, 0);
  if (A.failed) return NULL;
  ab_js_log_array(n, x, out);
  return NULL;
}

static napi_value js_log_softmax(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "logSoftmax", 4)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  float *out = get_f32(&A, 3, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_log_softmax(m, n, x, out);
  return NULL;
}

static napi_value js_log_softmax_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "logSoftmaxBackward", 5)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *y = get_f32(&A, 2, "y", m * n, 0);
  const float *g = get_f32(&A, 3, "g", m * n, 0);
  float *gx = get_f32(&A, 4, "gx", m * n, 0);
  if (A.failed) return NULL;
  ab_log_softmax_backward(m, n, y, g, gx);
  return NULL;
}

static napi_value js_log_sum_exp(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "logSumExp", 4)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  float *out = get_f32(&A, 3, "out", m, 0);
  if (A.failed) return NULL;
  ab_log_sum_exp(m, n, x, out);
  return NULL;
}

static napi_value js_log_sum_exp_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "logSumExpBackward", 6)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *x = get_f32(&A, 2, "x", m * n, 0);
  const float *y = get_f32(&A, 3, "y", m, 0);
  const float *g = get_f32(&A, 4, "g", m, 0);
  float *gx = get_f32(&A, 5, "gx", m * n, 0);
  if (A.failed) return NULL;
  ab_log_sum_exp_backward(m, n, x, y, g, gx);
  return NULL;
}

static napi_value js_knn_leaf_update(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "knnLeafUpdate", 15)) return NULL;
  int64_t na = get_int(&A, 0, "na"), n = get_int(&A, 1, "n"), k = get_int(&A, 2, "k"), cols = get_int(&A, 3, "cols");
  const float *g = get_f32(&A, 4, "g", na * n, 0);
  size_t nact = 0, nrows = 0, nexc = 0, nidx = 0;
  const int32_t *active = get_i32(&A, 5, "active", &nact);
  const double *err = get_f64(&A, 6, "err", na, 0);
  const float *query = get_f32(&A, 7, "query", 0, 0);
  const float *ref = get_f32(&A, 8, "ref", 0, 0);
  const int32_t *leaf_rows = get_i32(&A, 9, "leafRows", &nrows);
  size_t nruns = 0;
  napi_valuetype rt = napi_undefined;
  if (!A.failed) napi_typeof(env, A.argv[10], &rt);
  const int32_t *runs = (rt == napi_null || rt == napi_undefined) ? NULL : get_i32(&A, 10, "runs", &nruns);
  const double *qnorm = get_f64(&A, 11, "qNorm", 0, 0);
  napi_valuetype t = napi_undefined;
  if (!A.failed) napi_typeof(env, A.argv[12], &t);
  const int32_t *exclude = (t == napi_null || t == napi_undefined) ? NULL : get_i32(&A, 12, "exclude", &nexc);
  double *dist2 = get_f64(&A, 13, "dist2", 0, 0);
  int32_t *idx = get_i32(&A, 14, "idx", &nidx);
  if (A.failed) return NULL;
  if ((int64_t)nact < na || (int64_t)nrows < n || k < 1 || cols < 1) {
    napi_throw_range_error(env, NULL, "aberrant_native.knnLeafUpdate: active or leafRows is shorter than na or n, or k or cols is below 1");
    return NULL;
  }
  /* Every index followed is checked before anything is written. */
  size_t lq = 0, lr = 0, ln = 0, ld = 0;
  napi_typedarray_type ty;
  napi_get_typedarray_info(env, A.argv[7], &ty, &lq, NULL, NULL, NULL);
  napi_get_typedarray_info(env, A.argv[8], &ty, &lr, NULL, NULL, NULL);
  napi_get_typedarray_info(env, A.argv[11], &ty, &ln, NULL, NULL, NULL);
  napi_get_typedarray_info(env, A.argv[13], &ty, &ld, NULL, NULL, NULL);
  const int64_t queries = (int64_t)lq / cols, refs = (int64_t)lr / cols;
  for (int64_t u = 0; u < na; u++) {
    const int64_t qi = active[u];
    if (qi < 0 || qi >= queries || qi >= (int64_t)ln || (qi + 1) * k > (int64_t)ld || (qi + 1) * k > (int64_t)nidx ||
        (exclude && qi >= (int64_t)nexc)) {
      napi_throw_range_error(env, NULL, "aberrant_native.knnLeafUpdate: an active query index is out of range of query, qNorm, dist2, idx or exclude");
      return NULL;
    }
  }
  for (int64_t j = 0; j < n; j++) {
    if (leaf_rows[j] < 0 || leaf_rows[j] >= refs) {
      napi_throw_range_error(env, NULL, "aberrant_native.knnLeafUpdate: a leafRows index is out of range of ref");
      return NULL;
    }
    if (runs && ((int64_t)nruns < n || runs[j] < 1 || runs[j] > n - j)) {
      napi_throw_range_error(env, NULL, "aberrant_native.knnLeafUpdate: runs is shorter than n, or a run is empty or passes the leaf's end");
      return NULL;
    }
  }
  ab_knn_leaf_update(na, n, k, cols, g, active, err, query, ref, leaf_rows, runs, qnorm, exclude, dist2, idx);
  return NULL;
}

static napi_value js_transpose_shift(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "transposeShift", 6)) return NULL;
  int64_t m = get_int(&A, 0, "m"), n = get_int(&A, 1, "n");
  const float *g = get_f32(&A, 2, "g", m * n, 0);
  const float *row_shift = get_f32(&A, 3, "rowShift", m, 0);
  const float *col_shift = get_f32(&A, 4, "colShift", n, 0);
  float *out = get_f32(&A, 5, "out", m * n, 0);
  if (A.failed) return NULL;
  ab_transpose_shift(m, n, g, row_shift, col_shift, out);
  return NULL;
}

static napi_value js_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, ab_threads(), &r);
  return r;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  args_t A;
  if (!get_args(&A, env, info, "setThreads", 1)) return NULL;
  int64_t n = get_int(&A, 0, "n");
  if (A.failed) return NULL;
  napi_value r;
  napi_create_int32(env, ab_set_threads(n > 1024 ? 1024 : (int)n), &r);
  return r;
}

/* simd(): current path; simd("scalar") / simd("avx2") switches (for tests); returns the path in use. */
static napi_value js_simd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) {
    char buf[16] = { 0 };
    size_t len = 0;
    if (napi_get_value_string_utf8(env, argv[0], buf, sizeof buf, &len) == napi_ok) {
      if (strcmp(buf, "scalar") == 0) ab_simd = 0;
      else if (strcmp(buf, "avx2") == 0) ab_simd_init();
    }
  }
  napi_value r;
  napi_create_string_utf8(env, ab_simd ? "avx2" : "scalar", NAPI_AUTO_LENGTH, &r);
  return r;
}

NAPI_MODULE_INIT() {
  static int inited = 0;
  if (!inited) {
    ab_simd_init();
    inited = 1;
  }
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
    { "gemm", js_gemm },
    { "denseForward", js_dense_forward },
    { "denseBackward", js_dense_backward },
    { "activation", js_activation },
    { "activationGrad", js_activation_grad },
    { "binary", js_binary },
    { "accumulate", js_accumulate },
    { "squaredErrorSum", js_squared_error_sum },
    { "rowBroadcastAdd", js_row_broadcast_add },
    { "rowSum", js_row_sum },
    { "rowSumBackward", js_row_sum_backward },
    { "columnAccumulate", js_column_accumulate },
    { "addScaled", js_add_scaled },
    { "accumulateScaledDifference", js_accumulate_scaled_difference },
    { "rowPairStats", js_row_pair_stats },
    { "rowCombine", js_row_combine },
    { "colSum", js_col_sum },
    { "gmmMoments", js_gmm_moments },
    { "gmmEnergy", js_gmm_energy },
    { "gmmBackwardAccumulate", js_gmm_backward_accumulate },
    { "gmmBackwardApply", js_gmm_backward_apply },
    { "softmaxRows", js_softmax_rows },
    { "mlpForward", js_mlp_forward },
    { "mlpBackward", js_mlp_backward },
    { "mlpLatentFeatures", js_mlp_latent_features },
    { "adamStep", js_adam_step },
    { "gatherRows", js_gather_rows },
    { "keepMask", js_keep_mask },
    { "normals", js_normals },
    { "squaredDistances64", js_sq_dist64 },
    { "meanCrossProducts", js_mean_cross_products },
    { "knnLeafUpdate", js_knn_leaf_update },
    { "transposeShift", js_transpose_shift },
    { "isolationPathSums", js_isolation_path_sums },
    { "jsExp", js_js_exp },
    { "expAffine", js_exp_affine },
    { "scaleColumns", js_scale_columns },
    { "tripletHinge", js_triplet_hinge },
    { "tripletHingeBackward", js_triplet_hinge_backward },
    { "jsLog", js_js_log },
    { "logSoftmax", js_log_softmax },
    { "logSoftmaxBackward", js_log_softmax_backward },
    { "logSumExp", js_log_sum_exp },
    { "logSumExpBackward", js_log_sum_exp_backward },
    { "unitNormalize", js_unit_normalize },
    { "unitNormalizeBackward", js_unit_normalize_backward },
    { "threads", js_threads },
    { "setThreads", js_set_threads },
    { "simd", js_simd },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  return exports;
}
