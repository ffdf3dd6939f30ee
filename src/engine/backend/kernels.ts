/**
 * The kernel contract shared by the pure-TypeScript backend (the oracle) and the native backend.
 * Kernels work on raw row-major Float32Arrays and never allocate their outputs: callers pass every
 * buffer, so the training loop can reuse them. All sizes are element counts.
 *
 * Determinism: for a given backend and thread count, every kernel must give bit-identical results
 * on identical inputs (fixed work partitions, no order-dependent atomics).
 */

import type { GmmKernels } from './gmm-kernels.js';

/** Activation codes; the numeric values are part of the native ABI. */
export const Act = {
  none: 0,
  tanh: 1,
  sigmoid: 2,
  relu: 3,
  leakyRelu: 4,
  softplus: 5,
} as const;
export type ActName = keyof typeof Act;
export type ActCode = (typeof Act)[ActName];

/** Elementwise binary codes (same-shape operands); numeric values are part of the native ABI. */
export const Bin = { add: 0, sub: 1, mul: 2, div: 3 } as const;
/** Kernels.accumulate's terms. */
export const Acc = { grad: 0, negGrad: 1, mul: 2, div: 3, divByB: 4, softplusSlope: 5, square: 6 } as const;
export type AccCode = (typeof Acc)[keyof typeof Acc];
export type BinName = keyof typeof Bin;
export type BinCode = (typeof Bin)[BinName];

export interface Kernels {
  readonly name: 'native' | 'typescript';
  /** Worker threads the kernels may use (1 for the TypeScript backend). */
  readonly threads: number;

  /**
   * C(m x n) = beta * C + op(A) op(B), beta in {0, 1}.
   * A is stored row-major as (transA ? k x m : m x k); B as (transB ? n x k : k x n).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, b: Float32Array, beta: 0 | 1, c: Float32Array): void;

  /** out(m x n) = act(x(m x k) w(k x n) + bias(n)); bias may be null; alpha is the leaky-relu slope. */
  denseForward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    bias: Float32Array | null, act: ActCode, alpha: number, out: Float32Array): void;

  /**
   * Backward of denseForward given y = its output and dy = dLoss/dy (both m x n).
   * dpre (m x n scratch, may alias dy) receives dy * act'(.); then dw (k x n) += x^T dpre,
   * db (n) += column sums of dpre (if db non-null), and dx (m x k) = dpre w^T (if dx non-null, overwritten).
   */
  denseBackward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    y: Float32Array, dy: Float32Array, act: ActCode, alpha: number, dpre: Float32Array,
    dx: Float32Array | null, dw: Float32Array, db: Float32Array | null): void;

  /** out[i] = act(x[i]) for i < len (out may alias x). */
  activation(act: ActCode, alpha: number, len: number, x: Float32Array, out: Float32Array): void;

  /** dx[i] = dy[i] * act'(at y[i] = act(x[i])), written from the output y; dx may alias dy. */
  activationGrad(act: ActCode, alpha: number, len: number, y: Float32Array, dy: Float32Array,
    dx: Float32Array): void;

  /** out[i] = a[i] op b[i] for i < len (out may alias a or b). */
  binary(op: BinCode, len: number, a: Float32Array, b: Float32Array, out: Float32Array): void;

  /**
   * out[i] += term for i < len, the term formed in double and the sum rounded once on the store (as a
   * TypeScript `out[i] += ...` does): Acc.grad g[i], Acc.negGrad -g[i], Acc.mul g[i] * b[i], Acc.div
   * g[i] / b[i], Acc.divByB -g[i] * r[i] / b[i] (r the quotient), Acc.softplusSlope g[i] * Math.exp(-b[i]) (the
   * backward of softplus's slope written from its output b; the native backend's exp is V8's algorithm, bit for
   * bit), Acc.square g[i] * (2 * b[i]) (square's backward). The binary ops' backward; bit-identical on every backend. b and r are read only by the ops that use them.
   */
  accumulate(op: AccCode, len: number, g: Float32Array, b: Float32Array | null, r: Float32Array | null, out: Float32Array): void;

  /** Sum over i < len of (a[i] - b[i])^2, each term and the running sum in double, in index order (mse's forward). */
  squaredErrorSum(len: number, a: Float32Array, b: Float32Array): number;

  /** out[i] += c * (a[i] - b[i]) for i < len, formed in double and rounded once on the store (mse's backward). */
  accumulateScaledDifference(len: number, c: number, a: Float32Array, b: Float32Array, out: Float32Array): void;

  /** out[i] = base[i] + c * z[i] for i < len, in double, rounded once on the store (Gaussian corruption of float32 rows). */
  addScaled(len: number, c: number, z: Float64Array, base: Float32Array, out: Float32Array): void;

  /** out[q * n + j] = row[j] + x[q * n + j] for q < m, j < n (a bias row added to every row; out may alias x). */
  rowBroadcastAdd(m: number, n: number, row: Float32Array, x: Float32Array, out: Float32Array): void;

  /**
   * out[j] += g[q * n + j] (negate: += -g[q * n + j]) for q = 0..m-1 in that order, j < n, each add in double and
   * rounded to float32 on every store, as the TypeScript loop does: a broadcast row's gradient.
   */
  columnAccumulate(m: number, n: number, g: Float32Array, negate: boolean, out: Float32Array): void;

  /** out[q] = sum_j x[q * n + j] for q < m: each row summed in double in index order, rounded once (a row sum). */
  rowSum(m: number, n: number, x: Float32Array, out: Float32Array): void;

  /** out[q * n + j] += g[q] for q < m, j < n, each add in double rounded on the store: a row sum's gradient. */
  rowSumBackward(m: number, n: number, g: Float32Array, out: Float32Array): void;

  /**
   * Row log-softmax of an m x n matrix: per row, mx = max, s = sum of exp(x - mx) in index order,
   * out = x - (mx + log(s)), in double with Math.exp / Math.log (the native backend computes both as V8 does, bit
   * for bit), rounded once on the store.
   */
  logSoftmax(m: number, n: number, x: Float32Array, out: Float32Array): void;

  /** Its gradient: gx += g - exp(y) * (row sum of g) for y = logSoftmax(x), in double, rounded on the store. */
  logSoftmaxBackward(m: number, n: number, y: Float32Array, g: Float32Array, gx: Float32Array): void;

  /**
   * Row log-sum-exp of an m x n matrix into out (m): mx = max of the row; mx itself when it is not finite, else
   * mx + log(sum of exp(x - mx) in index order), in double with Math.exp / Math.log's bits, rounded once.
   */
  logSumExp(m: number, n: number, x: Float32Array, out: Float32Array): void;

  /** Its gradient: gx += g[r] * exp(x - y[r]) for each row r whose y[r] = logSumExp is not -Infinity. */
  logSumExpBackward(m: number, n: number, x: Float32Array, y: Float32Array, g: Float32Array, gx: Float32Array): void;

  /**
   * Per-row pair statistics of x and y (both m x n): out (m x 4) row i = [sum x^2, sum y^2, sum x*y,
   * sum (x-y)^2], accumulated in float64 and stored as float32.
   */
  rowPairStats(m: number, n: number, x: Float32Array, y: Float32Array, out: Float32Array): void;

  /**
   * out[i][j] (+)= ca[i] * x[i][j] + cb[i] * y[i][j] for an m x n pair; accumulate adds to out instead of
   * overwriting. Used for the gradients of norms, dot products and distances.
   */
  rowCombine(m: number, n: number, x: Float32Array, y: Float32Array, ca: Float32Array,
    cb: Float32Array, accumulate: boolean, out: Float32Array): void;

  /** out[j] (+)= sum_i x[i][j] for an m x n matrix. */
  colSum(m: number, n: number, x: Float32Array, accumulate: boolean, out: Float32Array): void;

  /**
   * Fused forward of a stack of dense layers (one call for the whole stack, so a native backend can keep
   * each thread on a fixed block of rows through every layer with no synchronisation in between).
   * Layer l maps sizes[l] -> sizes[l+1] columns: outs[l] (m x sizes[l+1]) = act_l(in_l W_l + b_l), where
   * in_0 = x (m x sizes[0]) and in_l = outs[l-1]; weights[l] is sizes[l] x sizes[l+1]; biases[l] may be null.
   */
  mlpForward(m: number, sizes: Int32Array, weights: readonly Float32Array[], biases: readonly (Float32Array | null)[],
    acts: Int32Array, alpha: number, x: Float32Array, outs: readonly Float32Array[]): void;

  /**
   * Backward of mlpForward. douts[l] (m x sizes[l+1], or null) is dLoss/d outs[l] from outside the stack;
   * the kernel adds the gradient flowing back from layer l+1 itself. dpres[l] (m x sizes[l+1]) is scratch
   * that receives dLoss/d pre-activation of layer l. dws[l] += in_l^T dpre_l, dbs[l] (if non-null) += column
   * sums of dpre_l, and dx (m x sizes[0], if non-null) is overwritten with dLoss/dx. douts are not modified.
   */
  mlpBackward(m: number, sizes: Int32Array, weights: readonly Float32Array[], acts: Int32Array, alpha: number,
    x: Float32Array, outs: readonly Float32Array[], douts: readonly (Float32Array | null)[],
    dpres: readonly Float32Array[], dx: Float32Array | null, dws: readonly Float32Array[],
    dbs: readonly (Float32Array | null)[]): void;

  /**
   * Inference-only fused DAGMM latent code (no gradients): runs x through the stack exactly as mlpForward
   * does (sizes[L] must equal sizes[0]) and writes only z (m x (sizes[tap+1] + nf)): row i = [outs[tap] row i,
   * nf reconstruction-feature columns], where, with [xx, yy, xy, dd] = rowPairStats of (x, outs[L-1]) row i
   * (float32) and sx = sqrt(xx) in float64: column relAt (if >= 0) = sqrt(dd) / max(sx, floor), column cosAt
   * (if >= 0) = xy / max(sx sqrt(yy), floor^2), other feature columns 0. Per element this equals mlpForward,
   * rowPairStats and those formulas applied in sequence, so a native backend never writes the intermediate
   * layers or the reconstruction to memory.
   */
  mlpLatentFeatures(m: number, sizes: Int32Array, weights: readonly Float32Array[],
    biases: readonly (Float32Array | null)[], acts: Int32Array, alpha: number, x: Float32Array, tap: number,
    nf: number, relAt: number, cosAt: number, floor: number, z: Float32Array): void;

  /**
   * One Adam update of len weights in place (torch.optim.Adam): g' = g + wd w; m = b1 m + (1-b1) g';
   * v = b2 v + (1-b2) g'^2; w -= stepSize m / (sqrt(v) / bc2Sqrt + eps), with stepSize = lr / (1 - b1^t)
   * and bc2Sqrt = sqrt(1 - b2^t).
   */
  adamStep(len: number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, stepSize: number,
    bc2Sqrt: number, b1: number, b2: number, eps: number, wd: number): void;

  /**
   * Dropout mask from a xoshiro128** generator state (4 int32 words, advanced in place, one draw per
   * element): out[i] = scale if the draw, as an unsigned 32-bit integer, is below keep * 2^32, else 0.
   * Must consume and produce exactly the stream of rng.ts (keepMaskInto), so masks match across backends.
   */
  keepMask(state: Int32Array, n: number, keep: number, scale: number, out: Float32Array): void;

  /**
   * n standard normals into out from a xoshiro128** generator state (advanced in place) by rng.ts's ziggurat.
   * Must consume and produce exactly the stream of rng.ts (normalsInto), so noise matches across backends.
   */
  normals(state: Int32Array, n: number, out: Float64Array): void;

  /**
   * GOAD's triplet centre hinge (tripletHingeInto is the reference loop): rows feature vectors z (rows x f), row r
   * belonging to centre r % m of the centres c (m x f), and zc = z c^T (rows x m). For each row the nearest other
   * centre b minimises ||c_j||^2 - 2 zc_rj (first on ties); a row whose hinge h = ||z_r - c_own||^2 + margin -
   * ||z_r - c_b||^2 (distances summed in double from the differences) is positive adds h to the returned total
   * and gets nearest[r] = b, else -1. Every operation in double, in the reference loop's order.
   */
  tripletHinge(rows: number, m: number, f: number, z: Float32Array, c: Float32Array, zc: Float32Array, margin: number, nearest: Int32Array): number;

  /**
   * Its gradient into gz (rows x f), given s = 2 dL/dtotal / rows and the centres' rows per centre n: an active
   * row adds s (c_b - c_own), and every row of centre k gets dc_k / n, dc the centres' own gradient (double, in
   * row order); one double sum per element, rounded once on the store.
   */
  tripletHingeBackward(rows: number, m: number, f: number, n: number, z: Float32Array, c: Float32Array, nearest: Int32Array, s: number, gz: Float32Array): void;

  /**
   * out[i] = Math.exp(a * x[i] + b) for i < n, the product and the sum in double (as JavaScript evaluates them):
   * the RBF kernel's exp(-gamma d2) (a = -gamma, b = 0) and a log-sum-exp's shifted terms (a = -1, b = shift).
   * The native backend computes V8's exp bit for bit, four values at a time. out may be x.
   */
  expAffine(n: number, a: number, b: number, x: Float64Array, out: Float64Array): void;

  /**
   * The preprocessor's map of a row-major float32 matrix: out[i * cols + k] = (x - offset[k]) / scale[k] in double
   * (Math.sign(x - offset[k]) where scale[k] is not above 0), clamped to +-limit, rounded once to float32;
   * clamped[k] += the values clamped in column k. Returns -1, or the flat index of the first NaN in x (out is then
   * not usable: missing values are the caller's to fill). Identical on every backend (scaleColumnsInto).
   */
  scaleColumns(rows: number, cols: number, x: Float32Array, offset: Float64Array, scale: Float64Array, limit: number, out: Float32Array, clamped: Float64Array): number;

  /**
   * out[i * n + j] = sum over c = 0..k-1, in that order, of (x[i * k + c] - v[j * k + c])^2 in float64 (each term
   * and each partial sum rounded to double): squared distances between the m rows of x and the n rows of v
   * (the RBF kernel's; GOAD's to its float64 centres), identical on every backend (squaredDistancesInto is the
   * reference loop).
   */
  squaredDistances64(m: number, n: number, k: number, x: Float32Array, v: Float32Array | Float64Array, out: Float64Array): void;

  /**
   * out (n x m) = g^T shifted: out[j * m + i] = (g[i * n + j] + rowShift[i]) - colShift[j], each operation
   * rounded to float32 (transposeShiftInto is the reference loop; the same bits on every backend). The exact kNN
   * search's self-search turns one block of ||y||^2 - 2 x.y into the other side's ||x||^2 - 2 x.y with it.
   */
  transposeShift(m: number, n: number, g: Float32Array, rowShift: Float32Array, colShift: Float32Array, out: Float32Array): void;

  /**
   * One leaf's update of an exact k-nearest-neighbour search (src/neighbors/knn-search.ts; knnLeafUpdateInto is
   * the reference loop): for each of na queries u (query row active[u]) and each of the leaf's n rows j in order,
   * a row whose approximate value g[u * n + j] is at most limit = (dist2[last] - qNorm[q]) + err[u] (recomputed
   * after each insertion) and is not exclude[q] has its squared distance recomputed in float64 (terms in column
   * order) and enters the query's sorted list (dist2, idx: k per query, by distance, then index) if it precedes
   * the k-th entry. leafRows[j] is row j's reference index; query and ref are row-major float32 (cols wide).
   * runs (or null: every row alone) gives, for each j, how many rows from j on are equal to row j with rising
   * reference indices (1 for a row unlike the next): a row that passes the test has its distance computed once
   * for its whole run, whose rows then enter in index order until one cannot. The lists are the same as with
   * null (rows that fail the test could never enter), and duplicate rows cost one distance instead of many.
   */
  knnLeafUpdate(na: number, n: number, k: number, cols: number, g: Float32Array, active: Int32Array, err: Float64Array,
    query: Float32Array, ref: Float32Array, leafRows: Int32Array, runs: Int32Array | null, qNorm: Float64Array, exclude: Int32Array | null,
    dist2: Float64Array, idx: Int32Array): void;

  /**
   * Column means and centred cross-product sums of row-major float32 rows, in float64 (PCA's covariance before
   * its division): mean[j] = sum over rows of x[r, j] / rows; then, rows in order, c = x[r] - mean and
   * cov[i * cols + j] += c[i] * c[j] for j <= i (rows with c[i] = 0 skip row i). Only the lower triangle is
   * written; mean and cov are overwritten. meanCrossProductsInto is the reference loop.
   */
  meanCrossProducts(rows: number, cols: number, x: Float32Array, mean: Float64Array, cov: Float64Array): void;

  /**
   * Isolation-forest path sums (src/detectors/iforest/forest.ts; isolationPathSumsInto is the reference loop):
   * sums[r] = the sum over trees t in order of leafLength at the leaf row r of x (row-major float32, cols wide)
   * reaches from roots[t]. At node n, feature[n] < 0 is a leaf; otherwise the row goes to left[n] when its value
   * is at most threshold[n], else to right[n]. The value is x[r, feature[n]], or with normals (one row of cols per
   * hyperplane) the float64 dot product of row feature[n] of normals with the row, in hyperplaneDot's order.
   * Children must come after their parent (so every walk ends); the native backend checks every index first.
   */
  isolationPathSums(rows: number, cols: number, x: Float32Array, feature: Int32Array, threshold: Float32Array,
    left: Int32Array, right: Int32Array, roots: Int32Array, leafLength: Float64Array, normals: Float32Array | null,
    sums: Float64Array): void;

  /**
   * Unit-length slices (ops/normalize.ts; unitNormalizeInto is the reference loop): x is outer x len x inner
   * (row-major, float32) and each of its outer * inner slices along the middle axis is divided by its length, summed
   * in double in axis order and rounded to float32, or by floor where that length is below floor. r[o * inner + j]
   * receives each slice's divisor, negated where it was clamped (for the backward); out the quotients in float32.
   */
  unitNormalize(outer: number, len: number, inner: number, x: Float32Array, floor: number, r: Float64Array, out: Float32Array): void;

  /**
   * The gradient of unitNormalize (unitNormalizeBackwardInto is the reference loop): with r from the forward,
   * gx += g / |r| - x <g, x> / r^3 per slice (just g / |r| where r < 0, the clamped slices), <g, x> summed in
   * double in axis order, each element formed in double and rounded once on the store.
   */
  unitNormalizeBackward(outer: number, len: number, inner: number, x: Float32Array, g: Float32Array, r: Float64Array, gx: Float32Array): void;

  /** dst row i (cols wide) = src row idx[start + i], for i < n: assembles shuffled mini-batches. */
  gatherRows(n: number, cols: number, src: Float32Array, idx: Int32Array, start: number, dst: Float32Array): void;

  /** Optional accelerated GMM loops; ops fall back to the TypeScript ones (gmm-kernels.ts) when absent. */
  readonly gmm?: GmmKernels;

  /**
   * Optional row softmax over the last axis of an m x n matrix (log-softmax when log is true);
   * ops fall back to TypeScript when absent.
   */
  softmaxRows?(m: number, n: number, x: Float32Array, log: boolean, out: Float32Array): void;
}

/** Stable softplus and the activations, shared by the TypeScript kernels and scalar code. */
export function actScalar(act: ActCode, alpha: number, v: number): number {
  switch (act) {
    case Act.none: return v;
    case Act.tanh: return Math.tanh(v);
    case Act.sigmoid: return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    case Act.relu: return v > 0 ? v : 0;
    case Act.leakyRelu: return v > 0 ? v : alpha * v;
    case Act.softplus: return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    default: throw new Error(`unknown activation code ${String(act)}`);
  }
}

/** act'(pre) expressed through y = act(pre). */
export function actGradFromOutput(act: ActCode, alpha: number, y: number): number {
  switch (act) {
    case Act.none: return 1;
    case Act.tanh: return 1 - y * y;
    case Act.sigmoid: return y * (1 - y);
    case Act.relu: return y > 0 ? 1 : 0;
    case Act.leakyRelu: return y > 0 ? 1 : alpha;
    case Act.softplus: return -Math.expm1(-y); // sigmoid(pre) = 1 - exp(-softplus(pre))
    default: throw new Error(`unknown activation code ${String(act)}`);
  }
}

/** d act'(pre) / d y, the derivative of actGradFromOutput in y (zero for piecewise-linear activations). */
export function actGradGradFromOutput(act: ActCode, y: number): number {
  switch (act) {
    case Act.tanh: return -2 * y;
    case Act.sigmoid: return 1 - 2 * y;
    case Act.softplus: return Math.exp(-y);
    case Act.none: case Act.relu: case Act.leakyRelu: return 0;
    default: throw new Error(`unknown activation code ${String(act)}`);
  }
}

/** The reference loops of Kernels.accumulate (TypeScript backend; native fallback for small arrays). */
export function accumulateInto(op: AccCode, len: number, g: Float32Array, b: Float32Array | null, r: Float32Array | null, out: Float32Array): void {
  switch (op) {
    case Acc.grad: for (let i = 0; i < len; i++) out[i] += g[i]; return;
    case Acc.negGrad: for (let i = 0; i < len; i++) out[i] += -g[i]; return;
    case Acc.mul: { const bb = b!; for (let i = 0; i < len; i++) out[i] += g[i] * bb[i]; return; }
    case Acc.div: { const bb = b!; for (let i = 0; i < len; i++) out[i] += g[i] / bb[i]; return; }
    case Acc.divByB: { const bb = b!, rr = r!; for (let i = 0; i < len; i++) out[i] += -g[i] * rr[i] / bb[i]; return; }
    case Acc.softplusSlope: { const bb = b!; for (let i = 0; i < len; i++) out[i] += g[i] * Math.exp(-bb[i]); return; }
    case Acc.square: { const bb = b!; for (let i = 0; i < len; i++) out[i] += g[i] * (2 * bb[i]); return; }
  }
}

/** The reference loop of Kernels.squaredErrorSum. */
export function squaredErrorSumOf(len: number, a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < len; i++) { const d = a[i] - b[i]; s += d * d; }
  return s;
}

/** The reference loop of Kernels.addScaled. */
export function addScaledInto(len: number, c: number, z: Float64Array, base: Float32Array, out: Float32Array): void {
  for (let i = 0; i < len; i++) out[i] = base[i] + c * z[i];
}

/** The reference loop of Kernels.logSoftmax. */
export function logSoftmaxInto(m: number, n: number, x: Float32Array, out: Float32Array): void {
  for (let r = 0; r < m; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - mx);
    const l = mx + Math.log(s);
    for (let j = 0; j < n; j++) out[o + j] = x[o + j] - l;
  }
}

/** The reference loop of Kernels.logSoftmaxBackward. */
export function logSoftmaxBackwardInto(m: number, n: number, y: Float32Array, g: Float32Array, gx: Float32Array): void {
  for (let r = 0; r < m; r++) {
    const o = r * n;
    let gs = 0;
    for (let j = 0; j < n; j++) gs += g[o + j];
    for (let j = 0; j < n; j++) gx[o + j] += g[o + j] - Math.exp(y[o + j]) * gs;
  }
}

/** The reference loop of Kernels.logSumExp. */
export function logSumExpInto(m: number, n: number, x: Float32Array, out: Float32Array): void {
  for (let r = 0; r < m; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    if (!Number.isFinite(mx)) { out[r] = mx; continue; }
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - mx);
    out[r] = mx + Math.log(s);
  }
}

/** The reference loop of Kernels.logSumExpBackward. */
export function logSumExpBackwardInto(m: number, n: number, x: Float32Array, y: Float32Array, g: Float32Array, gx: Float32Array): void {
  for (let r = 0; r < m; r++) {
    const o = r * n, l = y[r];
    if (l === -Infinity) continue;
    for (let j = 0; j < n; j++) gx[o + j] += g[r] * Math.exp(x[o + j] - l);
  }
}

/** The reference loop of Kernels.rowSum. */
export function rowSumInto(m: number, n: number, x: Float32Array, out: Float32Array): void {
  for (let q = 0; q < m; q++) {
    let s = 0;
    for (let j = q * n, e = j + n; j < e; j++) s += x[j];
    out[q] = s;
  }
}

/** The reference loop of Kernels.rowSumBackward. */
export function rowSumBackwardInto(m: number, n: number, g: Float32Array, out: Float32Array): void {
  for (let q = 0; q < m; q++) {
    const gv = g[q];
    for (let j = q * n, e = j + n; j < e; j++) out[j] += gv;
  }
}

/** The reference loop of Kernels.rowBroadcastAdd. */
export function rowBroadcastAddInto(m: number, n: number, row: Float32Array, x: Float32Array, out: Float32Array): void {
  for (let q = 0; q < m * n; q += n) for (let j = 0; j < n; j++) out[q + j] = row[j] + x[q + j];
}

/** The reference loop of Kernels.columnAccumulate. */
export function columnAccumulateInto(m: number, n: number, g: Float32Array, negate: boolean, out: Float32Array): void {
  if (negate) for (let q = 0; q < m * n; q += n) for (let j = 0; j < n; j++) out[j] += -g[q + j];
  else for (let q = 0; q < m * n; q += n) for (let j = 0; j < n; j++) out[j] += g[q + j];
}

/** The reference loop of Kernels.accumulateScaledDifference. */
export function accumulateScaledDifferenceInto(len: number, c: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < len; i++) out[i] += c * (a[i] - b[i]);
}

/** The reference loop of Kernels.meanCrossProducts. */
export function meanCrossProductsInto(rows: number, cols: number, x: Float32Array, mean: Float64Array, cov: Float64Array): void {
  const c = new Float64Array(cols);
  mean.fill(0, 0, cols); cov.fill(0, 0, cols * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) mean[j] += x[r * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) c[j] = x[base + j] - mean[j];
    for (let i = 0; i < cols; i++) {
      const ci = c[i], row = i * cols;
      if (ci === 0) continue;
      for (let j = 0; j <= i; j++) cov[row + j] += ci * c[j];
    }
  }
}

/** The reference loop of Kernels.knnLeafUpdate. */
export function knnLeafUpdateInto(na: number, n: number, k: number, cols: number, g: Float32Array, active: Int32Array,
  err: Float64Array, query: Float32Array, ref: Float32Array, leafRows: Int32Array, runs: Int32Array | null, qNorm: Float64Array,
  exclude: Int32Array | null, dist2: Float64Array, idx: Int32Array): void {
  for (let u = 0; u < na; u++) {
    const qi = active[u], base = qi * k, last = base + k - 1, e = err[u], self = exclude ? exclude[qi] : -1, qo = qi * cols;
    let limit = dist2[last] - qNorm[qi] + e;
    const gi = u * n;
    for (let j = 0; j < n; j++) {
      if (!(g[gi + j] <= limit)) continue;
      // The run's rows are equal, so one distance serves them all (from row j's values).
      const end = runs ? j + runs[j] : j + 1, ro = leafRows[j] * cols;
      let d = 0;
      for (let a = 0; a < cols; a++) { const v = query[qo + a] - ref[ro + a]; d += v * v; }
      for (let t = j; t < end; t++) {
        const r = leafRows[t];
        if (r === self) continue;
        // Indices rise along the run: once one row cannot enter, no later one can.
        if (!(d < dist2[last] || (d === dist2[last] && r < idx[last]))) break;
        // Sorted by (distance, index): insert after every entry that precedes (d, r).
        let p = k - 1;
        while (p > 0 && (dist2[base + p - 1] > d || (dist2[base + p - 1] === d && idx[base + p - 1] > r))) {
          dist2[base + p] = dist2[base + p - 1]; idx[base + p] = idx[base + p - 1]; p--;
        }
        dist2[base + p] = d; idx[base + p] = r;
      }
      limit = dist2[last] - qNorm[qi] + e;
      j = end - 1;
    }
  }
}

/** The reference loop of Kernels.transposeShift. */
export function transposeShiftInto(m: number, n: number, g: Float32Array, rowShift: Float32Array, colShift: Float32Array, out: Float32Array): void {
  for (let i = 0; i < m; i++) {
    const gi = i * n, r = rowShift[i];
    for (let j = 0; j < n; j++) out[j * m + i] = Math.fround(g[gi + j] + r) - colShift[j];
  }
}

/** The reference loop of Kernels.tripletHinge. */
export function tripletHingeInto(rows: number, m: number, f: number, z: Float32Array, c: Float32Array, zc: Float32Array, margin: number, nearest: Int32Array): number {
  const cn = new Float64Array(m);
  for (let j = 0; j < m; j++) { let s = 0; for (let a = 0; a < f; a++) s += c[j * f + a] * c[j * f + a]; cn[j] = s; }
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const k = r % m, zo = r * f, o = r * m;
    // ||z_r||^2 is the same for every centre: the nearest is the smallest ||c_j||^2 - 2 z_r.c_j, j != k.
    let best = -1, bv = Infinity;
    for (let j = 0; j < k; j++) { const d = cn[j] - 2 * zc[o + j]; if (d < bv) { bv = d; best = j; } }
    for (let j = k + 1; j < m; j++) { const d = cn[j] - 2 * zc[o + j]; if (d < bv) { bv = d; best = j; } }
    if (best < 0) { nearest[r] = -1; continue; } // every candidate NaN
    let pos = 0, neg = 0;
    for (let a = 0; a < f; a++) {
      const u = z[zo + a] - c[k * f + a], v = z[zo + a] - c[best * f + a];
      pos += u * u; neg += v * v;
    }
    const h = pos + margin - neg;
    if (h > 0) { total += h; nearest[r] = best; } else nearest[r] = -1;
  }
  return total;
}

/** The reference loop of Kernels.tripletHingeBackward. */
export function tripletHingeBackwardInto(rows: number, m: number, f: number, n: number, z: Float32Array, c: Float32Array, nearest: Int32Array, s: number, gz: Float32Array): void {
  const dc = new Float64Array(m * f);
  for (let r = 0; r < rows; r++) {
    const b = nearest[r];
    if (b < 0) continue;
    const k = r % m, zo = r * f;
    for (let a = 0; a < f; a++) {
      dc[k * f + a] -= s * (z[zo + a] - c[k * f + a]);
      dc[b * f + a] += s * (z[zo + a] - c[b * f + a]);
    }
  }
  for (let r = 0; r < rows; r++) {
    const b = nearest[r], k = r % m, zo = r * f;
    for (let a = 0; a < f; a++) {
      const own = b < 0 ? 0 : s * (c[b * f + a] - c[k * f + a]);
      gz[zo + a] += own + dc[k * f + a] / n;
    }
  }
}

/** The reference loop of Kernels.scaleColumns. */
export function scaleColumnsInto(rows: number, cols: number, x: Float32Array, offset: Float64Array, scale: Float64Array, limit: number, out: Float32Array, clamped: Float64Array): number {
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let k = 0; k < cols; k++) {
      const v = x[base + k];
      if (v !== v) return base + k;
      const d = v - offset[k];
      let s = scale[k] > 0 ? d / scale[k] : Math.sign(d);
      if (s > limit) { s = limit; clamped[k]++; } else if (s < -limit) { s = -limit; clamped[k]++; }
      out[base + k] = s;
    }
  }
  return -1;
}

/** The reference loop of Kernels.expAffine. */
export function expAffineInto(n: number, a: number, b: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) out[i] = Math.exp(a * x[i] + b);
}

/** The reference loop of Kernels.squaredDistances64 (the TypeScript backend's, and the native one's for small calls). */
export function squaredDistancesInto(m: number, n: number, k: number, x: ArrayLike<number>, v: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let j = 0; j < n; j++) {
      const vo = j * k;
      let s = 0;
      for (let c = 0; c < k; c++) { const d = x[xo + c] - v[vo + c]; s += d * d; }
      out[i * n + j] = s;
    }
  }
}

/**
 * The hyperplane projection of Kernels.isolationPathSums, w . x over cols terms from offsets wo and xo: float64
 * products (exact for float32 values) summed in four partial sums, term j into sum j mod 4 in index order, then
 * (s0 + s2) + (s1 + s3). The order is the one a 4-wide SIMD accumulator gives, so the native kernel vectorises it.
 */
export function hyperplaneDot(w: Float32Array, wo: number, x: Float32Array, xo: number, cols: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
  for (; j + 3 < cols; j += 4) {
    s0 += w[wo + j] * x[xo + j];
    s1 += w[wo + j + 1] * x[xo + j + 1];
    s2 += w[wo + j + 2] * x[xo + j + 2];
    s3 += w[wo + j + 3] * x[xo + j + 3];
  }
  if (j < cols) s0 += w[wo + j] * x[xo + j];
  if (j + 1 < cols) s1 += w[wo + j + 1] * x[xo + j + 1];
  if (j + 2 < cols) s2 += w[wo + j + 2] * x[xo + j + 2];
  return (s0 + s2) + (s1 + s3);
}

/** Rows per block of isolationPathSumsInto: a block stays in cache while every tree walks it. */
const ISOLATION_BLOCK = 256;

/** The reference loop of Kernels.isolationPathSums. */
export function isolationPathSumsInto(rows: number, cols: number, x: Float32Array, feature: Int32Array,
  threshold: Float32Array, left: Int32Array, right: Int32Array, roots: Int32Array, leafLength: Float64Array,
  normals: Float32Array | null, sums: Float64Array): void {
  sums.fill(0, 0, rows);
  for (let b = 0; b < rows; b += ISOLATION_BLOCK) {
    const e = Math.min(rows, b + ISOLATION_BLOCK);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      for (let r = b; r < e; r++) {
        const base = r * cols;
        let n = root;
        if (normals) {
          for (let k = feature[n]; k >= 0; k = feature[n]) n = hyperplaneDot(normals, k * cols, x, base, cols) <= threshold[n] ? left[n] : right[n];
        } else {
          for (let f = feature[n]; f >= 0; f = feature[n]) n = x[base + f] <= threshold[n] ? left[n] : right[n];
        }
        sums[r] += leafLength[n];
      }
    }
  }
}

/** The reference loop of Kernels.unitNormalize. */
export function unitNormalizeInto(outer: number, len: number, inner: number, x: Float32Array, floor: number, r: Float64Array, out: Float32Array): void {
  r.fill(0, 0, outer * inner);
  for (let o = 0; o < outer; o++) {
    const ro = o * inner, base = o * len * inner;
    // Each slice's squared length, its axis in order; the loops run over the contiguous inner axis.
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) { const v = x[row + j]; r[ro + j] += v * v; }
    }
    for (let j = 0; j < inner; j++) {
      const n = Math.fround(Math.sqrt(r[ro + j]));
      r[ro + j] = n < floor ? -floor : n;
    }
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) out[row + j] = x[row + j] / Math.abs(r[ro + j]);
    }
  }
}

/** The reference loop of Kernels.unitNormalizeBackward. */
export function unitNormalizeBackwardInto(outer: number, len: number, inner: number, x: Float32Array, g: Float32Array, r: Float64Array, gx: Float32Array): void {
  const c = new Float64Array(inner), inv = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const ro = o * inner, base = o * len * inner;
    c.fill(0);
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) c[j] += g[row + j] * x[row + j];
    }
    // d(x / q)/dx = (I - x x^T / q^2) / q: g / q - x <g, x> / q^3 (g / q alone where q is the clamp).
    for (let j = 0; j < inner; j++) {
      const q = r[ro + j];
      if (q < 0) { c[j] = 0; inv[j] = 1 / -q; } else { c[j] = c[j] / (q * q * q); inv[j] = 1 / q; }
    }
    for (let l = 0; l < len; l++) {
      const row = base + l * inner;
      for (let j = 0; j < inner; j++) { const k = row + j; gx[k] += g[k] * inv[j] - x[k] * c[j]; }
    }
  }
}
