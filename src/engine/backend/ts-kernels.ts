import { keepMaskInto, normalsInto } from '../rng.js';
import { type AccCode, accumulateInto, accumulateScaledDifferenceInto, addScaledInto, columnAccumulateInto, rowBroadcastAddInto, rowSumInto, rowSumBackwardInto, logSoftmaxInto, logSoftmaxBackwardInto, logSumExpInto, logSumExpBackwardInto, meanCrossProductsInto, scaleColumnsInto, knnLeafUpdateInto, transposeShiftInto, isolationPathSumsInto, unitNormalizeInto, unitNormalizeBackwardInto, Act, type ActCode, actGradFromOutput, actScalar, Bin, type BinCode, type Kernels, squaredDistancesInto, squaredErrorSumOf, expAffineInto, tripletHingeInto, tripletHingeBackwardInto } from './kernels.js';

/**
 * Pure-TypeScript kernels: run anywhere (Node, browsers) and serve as the oracle for the native ones.
 * Loops are written for clarity first, then for the JIT (i-p-j order, hoisted row offsets).
 */
export class TsKernels implements Kernels {
  readonly name: 'native' | 'typescript' = 'typescript';
  readonly threads: number = 1;

  private scratchA = new Float32Array(0);
  private scratchB = new Float32Array(0);

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, b: Float32Array, beta: 0 | 1, c: Float32Array): void {
    if (beta === 0) c.fill(0, 0, m * n);
    if (m === 0 || n === 0 || k === 0) return;
    // Bring both operands to row-major (A: m x k, B: k x n) so the inner loop is contiguous.
    let A = a, B = b;
    if (transA) {
      if (this.scratchA.length < m * k) this.scratchA = new Float32Array(m * k);
      A = this.scratchA;
      for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) A[i * k + p] = a[p * m + i];
    }
    if (transB) {
      if (this.scratchB.length < k * n) this.scratchB = new Float32Array(k * n);
      B = this.scratchB;
      for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) B[p * n + j] = b[j * k + p];
    }
    // Four rows of C at a time share each row of B.
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
      for (let p = 0; p < k; p++) {
        const v0 = A[a0 + p], v1 = A[a1 + p], v2 = A[a2 + p], v3 = A[a3 + p];
        const bp = p * n;
        for (let j = 0; j < n; j++) {
          const bv = B[bp + j];
          c[c0 + j] += v0 * bv; c[c1 + j] += v1 * bv; c[c2 + j] += v2 * bv; c[c3 + j] += v3 * bv;
        }
      }
    }
    for (; i < m; i++) {
      const ci = i * n, ai = i * k;
      for (let p = 0; p < k; p++) {
        const v = A[ai + p], bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += v * B[bp + j];
      }
    }
  }

  denseForward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    bias: Float32Array | null, act: ActCode, alpha: number, out: Float32Array): void {
    this.gemm(false, false, m, n, k, x, w, 0, out);
    for (let i = 0; i < m; i++) {
      const o = i * n;
      for (let j = 0; j < n; j++) {
        const pre = bias ? out[o + j] + bias[j] : out[o + j];
        out[o + j] = act === Act.none ? pre : actScalar(act, alpha, pre);
      }
    }
  }

  denseBackward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    y: Float32Array, dy: Float32Array, act: ActCode, alpha: number, dpre: Float32Array,
    dx: Float32Array | null, dw: Float32Array, db: Float32Array | null): void {
    this.activationGrad(act, alpha, m * n, y, dy, dpre);
    this.gemm(true, false, k, n, m, x, dpre, 1, dw);
    if (db) this.colSum(m, n, dpre, true, db);
    if (dx) this.gemm(false, true, m, k, n, dpre, w, 0, dx);
  }

  activation(act: ActCode, alpha: number, len: number, x: Float32Array, out: Float32Array): void {
    for (let i = 0; i < len; i++) out[i] = actScalar(act, alpha, x[i]);
  }

  activationGrad(act: ActCode, alpha: number, len: number, y: Float32Array, dy: Float32Array,
    dx: Float32Array): void {
    if (act === Act.none) {
      if (dx !== dy) dx.set(dy.subarray(0, len));
      return;
    }
    for (let i = 0; i < len; i++) dx[i] = dy[i] * actGradFromOutput(act, alpha, y[i]);
  }

  binary(op: BinCode, len: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
    switch (op) {
      case Bin.add: for (let i = 0; i < len; i++) out[i] = a[i] + b[i]; break;
      case Bin.sub: for (let i = 0; i < len; i++) out[i] = a[i] - b[i]; break;
      case Bin.mul: for (let i = 0; i < len; i++) out[i] = a[i] * b[i]; break;
      case Bin.div: for (let i = 0; i < len; i++) out[i] = a[i] / b[i]; break;
      default: throw new Error(`unknown binary op code ${String(op)}`);
    }
  }

  accumulate(op: AccCode, len: number, g: Float32Array, b: Float32Array | null, r: Float32Array | null, out: Float32Array): void {
    accumulateInto(op, len, g, b, r, out);
  }

  squaredErrorSum(len: number, a: Float32Array, b: Float32Array): number { return squaredErrorSumOf(len, a, b); }

  addScaled(len: number, c: number, z: Float64Array, base: Float32Array, out: Float32Array): void { addScaledInto(len, c, z, base, out); }

  rowBroadcastAdd(m: number, n: number, row: Float32Array, x: Float32Array, out: Float32Array): void { rowBroadcastAddInto(m, n, row, x, out); }
  rowSum(m: number, n: number, x: Float32Array, out: Float32Array): void { rowSumInto(m, n, x, out); }
  rowSumBackward(m: number, n: number, g: Float32Array, out: Float32Array): void { rowSumBackwardInto(m, n, g, out); }
  logSoftmax(m: number, n: number, x: Float32Array, out: Float32Array): void { logSoftmaxInto(m, n, x, out); }
  logSoftmaxBackward(m: number, n: number, y: Float32Array, g: Float32Array, gx: Float32Array): void { logSoftmaxBackwardInto(m, n, y, g, gx); }
  logSumExp(m: number, n: number, x: Float32Array, out: Float32Array): void { logSumExpInto(m, n, x, out); }
  logSumExpBackward(m: number, n: number, x: Float32Array, y: Float32Array, g: Float32Array, gx: Float32Array): void { logSumExpBackwardInto(m, n, x, y, g, gx); }

  columnAccumulate(m: number, n: number, g: Float32Array, negate: boolean, out: Float32Array): void { columnAccumulateInto(m, n, g, negate, out); }

  accumulateScaledDifference(len: number, c: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
    accumulateScaledDifferenceInto(len, c, a, b, out);
  }

  rowPairStats(m: number, n: number, x: Float32Array, y: Float32Array, out: Float32Array): void {
    for (let i = 0; i < m; i++) {
      let xx = 0, yy = 0, xy = 0, dd = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) {
        const xv = x[o + j], yv = y[o + j], d = xv - yv;
        xx += xv * xv; yy += yv * yv; xy += xv * yv; dd += d * d;
      }
      out[i * 4] = xx; out[i * 4 + 1] = yy; out[i * 4 + 2] = xy; out[i * 4 + 3] = dd;
    }
  }

  rowCombine(m: number, n: number, x: Float32Array, y: Float32Array, ca: Float32Array,
    cb: Float32Array, accumulate: boolean, out: Float32Array): void {
    for (let i = 0; i < m; i++) {
      const a = ca[i], b = cb[i], o = i * n;
      if (accumulate) for (let j = 0; j < n; j++) out[o + j] += a * x[o + j] + b * y[o + j];
      else for (let j = 0; j < n; j++) out[o + j] = a * x[o + j] + b * y[o + j];
    }
  }

  colSum(m: number, n: number, x: Float32Array, accumulate: boolean, out: Float32Array): void {
    if (!accumulate) out.fill(0, 0, n);
    for (let i = 0; i < m; i++) {
      const o = i * n;
      for (let j = 0; j < n; j++) out[j] += x[o + j];
    }
  }

  mlpForward(m: number, sizes: Int32Array, weights: readonly Float32Array[], biases: readonly (Float32Array | null)[],
    acts: Int32Array, alpha: number, x: Float32Array, outs: readonly Float32Array[]): void {
    let input = x;
    for (let l = 0; l < weights.length; l++) {
      this.denseForward(m, sizes[l + 1], sizes[l], input, weights[l], biases[l], acts[l] as ActCode, alpha, outs[l]);
      input = outs[l];
    }
  }

  mlpBackward(m: number, sizes: Int32Array, weights: readonly Float32Array[], acts: Int32Array, alpha: number,
    x: Float32Array, outs: readonly Float32Array[], douts: readonly (Float32Array | null)[],
    dpres: readonly Float32Array[], dx: Float32Array | null, dws: readonly Float32Array[],
    dbs: readonly (Float32Array | null)[]): void {
    const L = weights.length;
    // g holds dLoss/d outs[l]; the layer above writes it into dpres[l-1]'s slot before the activation is applied.
    let g: Float32Array | null = douts[L - 1];
    for (let l = L - 1; l >= 0; l--) {
      const n = sizes[l + 1], k = sizes[l];
      const dpre = dpres[l];
      if (g) this.activationGrad(acts[l] as ActCode, alpha, m * n, outs[l], g, dpre);
      else dpre.fill(0, 0, m * n);
      const input = l > 0 ? outs[l - 1] : x;
      this.gemm(true, false, k, n, m, input, dpre, 1, dws[l]);
      const db = dbs[l];
      if (db) this.colSum(m, n, dpre, true, db);
      if (l > 0) {
        // Gradient into outs[l-1]: from this layer, plus anything from outside the stack.
        const below = dpres[l - 1];
        this.gemm(false, true, m, k, n, dpre, weights[l], 0, below);
        const extra = douts[l - 1];
        if (extra) this.binary(Bin.add, m * k, below, extra, below);
        g = below;
      } else if (dx) {
        this.gemm(false, true, m, k, n, dpre, weights[l], 0, dx);
      }
    }
  }

  mlpLatentFeatures(m: number, sizes: Int32Array, weights: readonly Float32Array[],
    biases: readonly (Float32Array | null)[], acts: Int32Array, alpha: number, x: Float32Array, tap: number,
    nf: number, relAt: number, cosAt: number, floor: number, z: Float32Array): void {
    const L = weights.length;
    if (L === 0 || m === 0) return;
    if (sizes[L] !== sizes[0]) throw new Error('mlpLatentFeatures: the stack must end with as many columns as it starts with');
    const outs = Array.from({ length: L }, (_, l) => new Float32Array(m * sizes[l + 1]));
    this.mlpForward(m, sizes, weights, biases, acts, alpha, x, outs);
    const stats = new Float32Array(m * 4);
    this.rowPairStats(m, sizes[0], x, outs[L - 1], stats);
    const lat = sizes[tap + 1], w = lat + nf, zc = outs[tap], fl2 = floor * floor;
    for (let i = 0; i < m; i++) {
      const o = i * w;
      for (let j = 0; j < lat; j++) z[o + j] = zc[i * lat + j];
      for (let q = 0; q < nf; q++) z[o + lat + q] = 0;
      const xx = stats[i * 4], yy = stats[i * 4 + 1], xy = stats[i * 4 + 2], dd = stats[i * 4 + 3];
      const sx = Math.sqrt(xx);
      if (relAt >= 0) z[o + lat + relAt] = Math.sqrt(dd) / (sx > floor ? sx : floor);
      if (cosAt >= 0) { const q2 = sx * Math.sqrt(yy); z[o + lat + cosAt] = xy / (q2 > fl2 ? q2 : fl2); }
    }
  }

  adamStep(len: number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, stepSize: number,
    bc2Sqrt: number, b1: number, b2: number, eps: number, wd: number): void {
    for (let i = 0; i < len; i++) {
      const gi = wd ? g[i] + wd * w[i] : g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
    }
  }

  gatherRows(n: number, cols: number, src: Float32Array, idx: Int32Array, start: number, dst: Float32Array): void {
    for (let i = 0; i < n; i++) {
      const r = idx[start + i];
      if (!(r >= 0 && (r + 1) * cols <= src.length)) throw new Error(`gatherRows: row index ${r} is out of range`);
      dst.set(src.subarray(r * cols, (r + 1) * cols), i * cols);
    }
  }

  keepMask(state: Int32Array, n: number, keep: number, scale: number, out: Float32Array): void {
    keepMaskInto(state, n, keep, scale, out);
  }

  normals(state: Int32Array, n: number, out: Float64Array): void {
    normalsInto(state, n, out);
  }

  knnLeafUpdate(na: number, n: number, k: number, cols: number, g: Float32Array, active: Int32Array, err: Float64Array,
    query: Float32Array, ref: Float32Array, leafRows: Int32Array, runs: Int32Array | null, qNorm: Float64Array, exclude: Int32Array | null,
    dist2: Float64Array, idx: Int32Array): void {
    knnLeafUpdateInto(na, n, k, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, dist2, idx);
  }

  transposeShift(m: number, n: number, g: Float32Array, rowShift: Float32Array, colShift: Float32Array, out: Float32Array): void {
    transposeShiftInto(m, n, g, rowShift, colShift, out);
  }

  isolationPathSums(rows: number, cols: number, x: Float32Array, feature: Int32Array, threshold: Float32Array,
    left: Int32Array, right: Int32Array, roots: Int32Array, leafLength: Float64Array, normals: Float32Array | null,
    sums: Float64Array): void {
    isolationPathSumsInto(rows, cols, x, feature, threshold, left, right, roots, leafLength, normals, sums);
  }

  unitNormalize(outer: number, len: number, inner: number, x: Float32Array, floor: number, r: Float64Array, out: Float32Array): void {
    unitNormalizeInto(outer, len, inner, x, floor, r, out);
  }

  unitNormalizeBackward(outer: number, len: number, inner: number, x: Float32Array, g: Float32Array, r: Float64Array, gx: Float32Array): void {
    unitNormalizeBackwardInto(outer, len, inner, x, g, r, gx);
  }

  meanCrossProducts(rows: number, cols: number, x: Float32Array, mean: Float64Array, cov: Float64Array): void {
    meanCrossProductsInto(rows, cols, x, mean, cov);
  }

  expAffine(n: number, a: number, b: number, x: Float64Array, out: Float64Array): void { expAffineInto(n, a, b, x, out); }

  scaleColumns(rows: number, cols: number, x: Float32Array, offset: Float64Array, scale: Float64Array, limit: number, out: Float32Array, clamped: Float64Array): number {
    return scaleColumnsInto(rows, cols, x, offset, scale, limit, out, clamped);
  }

  tripletHinge(rows: number, m: number, f: number, z: Float32Array, c: Float32Array, zc: Float32Array, margin: number, nearest: Int32Array): number {
    return tripletHingeInto(rows, m, f, z, c, zc, margin, nearest);
  }

  tripletHingeBackward(rows: number, m: number, f: number, n: number, z: Float32Array, c: Float32Array, nearest: Int32Array, s: number, gz: Float32Array): void {
    tripletHingeBackwardInto(rows, m, f, n, z, c, nearest, s, gz);
  }

  squaredDistances64(m: number, n: number, k: number, x: Float32Array, v: Float32Array | Float64Array, out: Float64Array): void {
    squaredDistancesInto(m, n, k, x, v, out);
  }
}
