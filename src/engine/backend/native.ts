/**
 * The native (C, AVX2/FMA, pthreads) backend behind Node-API. This is the Node-only part of the engine:
 * it locates build/Release/aberrant_native.node under the package root and wraps it as `Kernels`.
 * Every call validates sizes here first, so a wrong call throws a clear Error instead of touching memory
 * out of bounds (the addon checks the lengths again).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GmmKernels } from './gmm-kernels.js';
import type { AccCode, ActCode, BinCode, Kernels } from './kernels.js';
import { keepMaskInto, normalsInto, ZIGGURAT, zigguratTail } from '../rng.js';
import { Acc, accumulateInto, accumulateScaledDifferenceInto, addScaledInto, columnAccumulateInto, rowBroadcastAddInto, rowSumInto, rowSumBackwardInto, logSoftmaxInto, logSoftmaxBackwardInto, logSumExpInto, logSumExpBackwardInto, meanCrossProductsInto, scaleColumnsInto, knnLeafUpdateInto, transposeShiftInto, isolationPathSumsInto, unitNormalizeInto, unitNormalizeBackwardInto, squaredDistancesInto, squaredErrorSumOf, expAffineInto, tripletHingeInto, tripletHingeBackwardInto } from './kernels.js';

/** The raw addon interface (see native/src/addon.c). */
export interface NativeAddon {
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array,
    beta: number, c: Float32Array): void;
  denseForward(m: number, n: number, k: number, x: Float32Array, w: Float32Array, bias: Float32Array | null,
    act: number, alpha: number, out: Float32Array): void;
  denseBackward(m: number, n: number, k: number, x: Float32Array, w: Float32Array, y: Float32Array,
    dy: Float32Array, act: number, alpha: number, dpre: Float32Array, dx: Float32Array | null, dw: Float32Array,
    db: Float32Array | null): void;
  activation(act: number, alpha: number, len: number, x: Float32Array, out: Float32Array): void;
  activationGrad(act: number, alpha: number, len: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  binary(op: number, len: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  accumulate?(op: number, len: number, g: Float32Array, b: Float32Array | null, r: Float32Array | null, out: Float32Array): void;
  knnLeafUpdate?(na: number, n: number, k: number, cols: number, g: Float32Array, active: Int32Array, err: Float64Array,
    query: Float32Array, ref: Float32Array, leafRows: Int32Array, runs: Int32Array | null, qNorm: Float64Array, exclude: Int32Array | null,
    dist2: Float64Array, idx: Int32Array): void;
  meanCrossProducts?(rows: number, cols: number, x: Float32Array, mean: Float64Array, cov: Float64Array): void;
  transposeShift?(m: number, n: number, g: Float32Array, rowShift: Float32Array, colShift: Float32Array, out: Float32Array): void;
  /** exp as V8's Math.exp computes it (fdlibm's algorithm), for the kernels that use it; a test hook too. */
  jsExp?(n: number, x: Float64Array, out: Float64Array): void;
  expAffine?(n: number, a: number, b: number, x: Float64Array, out: Float64Array): void;
  scaleColumns?(rows: number, cols: number, x: Float32Array, offset: Float64Array, scale: Float64Array, limit: number, out: Float32Array, clamped: Float64Array): number;
  tripletHinge?(rows: number, m: number, f: number, z: Float32Array, c: Float32Array, zc: Float32Array, margin: number, nearest: Int32Array): number;
  tripletHingeBackward?(rows: number, m: number, f: number, n: number, z: Float32Array, c: Float32Array, nearest: Int32Array, s: number, gz: Float32Array): void;
  unitNormalize?(outer: number, len: number, inner: number, x: Float32Array, floor: number, r: Float64Array, out: Float32Array): void;
  unitNormalizeBackward?(outer: number, len: number, inner: number, x: Float32Array, g: Float32Array, r: Float64Array, gx: Float32Array): void;
  isolationPathSums?(rows: number, cols: number, x: Float32Array, feature: Int32Array, threshold: Float32Array,
    left: Int32Array, right: Int32Array, roots: Int32Array, leafLength: Float64Array, normals: Float32Array | null,
    sums: Float64Array): void;
  rowBroadcastAdd?(m: number, n: number, row: Float32Array, x: Float32Array, out: Float32Array): void;
  rowSum?(m: number, n: number, x: Float32Array, out: Float32Array): void;
  rowSumBackward?(m: number, n: number, g: Float32Array, out: Float32Array): void;
  jsLog?(n: number, x: Float64Array, out: Float64Array): void;
  logSoftmax?(m: number, n: number, x: Float32Array, out: Float32Array): void;
  logSoftmaxBackward?(m: number, n: number, y: Float32Array, g: Float32Array, gx: Float32Array): void;
  logSumExp?(m: number, n: number, x: Float32Array, out: Float32Array): void;
  logSumExpBackward?(m: number, n: number, x: Float32Array, y: Float32Array, g: Float32Array, gx: Float32Array): void;
  columnAccumulate?(m: number, n: number, g: Float32Array, negate: boolean, out: Float32Array): void;
  addScaled?(len: number, c: number, z: Float64Array, base: Float32Array, out: Float32Array): void;
  squaredErrorSum?(len: number, a: Float32Array, b: Float32Array): number;
  accumulateScaledDifference?(len: number, c: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  rowPairStats(m: number, n: number, x: Float32Array, y: Float32Array, out: Float32Array): void;
  rowCombine(m: number, n: number, x: Float32Array, y: Float32Array, ca: Float32Array, cb: Float32Array,
    accumulate: boolean, out: Float32Array): void;
  colSum(m: number, n: number, x: Float32Array, accumulate: boolean, out: Float32Array): void;
  gmmMoments: GmmKernels['moments'];
  gmmEnergy: GmmKernels['energy'];
  gmmBackwardAccumulate: GmmKernels['backwardAccumulate'];
  gmmBackwardApply: GmmKernels['backwardApply'];
  softmaxRows(m: number, n: number, x: Float32Array, log: boolean, out: Float32Array): void;
  mlpForward(m: number, sizes: Int32Array, weights: readonly Float32Array[], biases: readonly (Float32Array | null)[],
    acts: Int32Array, alpha: number, x: Float32Array, outs: readonly Float32Array[]): void;
  mlpBackward(m: number, sizes: Int32Array, weights: readonly Float32Array[], acts: Int32Array, alpha: number,
    x: Float32Array, outs: readonly Float32Array[], douts: readonly (Float32Array | null)[],
    dpres: readonly Float32Array[], dx: Float32Array | null, dws: readonly Float32Array[],
    dbs: readonly (Float32Array | null)[]): void;
  mlpLatentFeatures(m: number, sizes: Int32Array, weights: readonly Float32Array[],
    biases: readonly (Float32Array | null)[], acts: Int32Array, alpha: number, x: Float32Array, tap: number,
    nf: number, relAt: number, cosAt: number, floor: number, z: Float32Array): void;
  adamStep(len: number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, stepSize: number,
    bc2Sqrt: number, b1: number, b2: number, eps: number, wd: number): void;
  gatherRows(n: number, cols: number, src: Float32Array, idx: Int32Array, start: number, dst: Float32Array): void;
  keepMask(state: Int32Array, n: number, keep: number, scale: number, out: Float32Array): void;
  /** Draws until a draw needs the ziggurat's tail: returns its index (out there = its sign), or n when done. */
  normals?(state: Int32Array, n: number, w: Float64Array, k: Float64Array, f: Float64Array, out: Float64Array): number;
  squaredDistances64(m: number, n: number, k: number, x: Float32Array, v: Float32Array | Float64Array, out: Float64Array): void;
  threads(): number;
  setThreads(n: number): number;
  /** The SIMD path in use ('avx2' or 'scalar'); with an argument, switches path (for tests). */
  simd(level?: 'avx2' | 'scalar'): string;
}

function dim(kernel: string, name: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= 0x7fffffff)) {
    throw new Error(`native ${kernel}: ${name} must be a non-negative integer, got ${String(v)}`);
  }
}

function need(kernel: string, name: string, arr: Float32Array, required: number): void {
  if (!(arr instanceof Float32Array)) throw new Error(`native ${kernel}: ${name} must be a Float32Array`);
  if (arr.length < required) {
    throw new Error(`native ${kernel}: ${name} has length ${arr.length}, needs at least ${required}`);
  }
}

function actCheck(kernel: string, act: number): void {
  if (!(Number.isInteger(act) && act >= 0 && act <= 5)) {
    throw new Error(`native ${kernel}: unknown activation code ${String(act)}`);
  }
}

/** Checks a layer stack's sizes (L + 1 non-negative integers) and activation codes (L). */
function stack(kernel: string, L: number, sizes: Int32Array, acts: Int32Array): void {
  if (!(sizes instanceof Int32Array) || sizes.length !== L + 1) {
    throw new Error(`native ${kernel}: sizes must be an Int32Array of length ${L + 1} (layers + 1)`);
  }
  if (!(acts instanceof Int32Array) || acts.length !== L) {
    throw new Error(`native ${kernel}: acts must be an Int32Array of length ${L} (one per layer)`);
  }
  for (let l = 0; l <= L; l++) dim(kernel, `sizes[${l}]`, sizes[l]);
  for (let l = 0; l < L; l++) actCheck(kernel, acts[l]);
}

function layers(kernel: string, name: string, arr: readonly unknown[], L: number): void {
  if (!Array.isArray(arr) || arr.length !== L) {
    throw new Error(`native ${kernel}: ${name} must be an array with one entry per layer (${L})`);
  }
}

export class NativeKernels implements Kernels {
  readonly name: 'native' | 'typescript' = 'native';

  /** The GMM loops in C (the addon checks every size and type itself). */
  readonly gmm: GmmKernels;

  constructor(readonly addon: NativeAddon) {
    this.gmm = {
      moments: addon.gmmMoments,
      energy: addon.gmmEnergy,
      backwardAccumulate: addon.gmmBackwardAccumulate,
      backwardApply: addon.gmmBackwardApply,
    };
  }

  mlpForward(m: number, sizes: Int32Array, weights: readonly Float32Array[], biases: readonly (Float32Array | null)[],
    acts: Int32Array, alpha: number, x: Float32Array, outs: readonly Float32Array[]): void {
    const K = 'mlpForward', L = weights.length;
    if (L === 0) return;
    dim(K, 'm', m);
    stack(K, L, sizes, acts);
    layers(K, 'biases', biases, L); layers(K, 'outs', outs, L);
    need(K, 'x', x, m * sizes[0]);
    for (let l = 0; l < L; l++) {
      const k = sizes[l], n = sizes[l + 1];
      need(K, `weights[${l}]`, weights[l], k * n);
      const b = biases[l];
      if (b) need(K, `biases[${l}]`, b, n);
      need(K, `outs[${l}]`, outs[l], m * n);
    }
    this.addon.mlpForward(m, sizes, weights, biases, acts, alpha, x, outs);
  }

  mlpLatentFeatures(m: number, sizes: Int32Array, weights: readonly Float32Array[],
    biases: readonly (Float32Array | null)[], acts: Int32Array, alpha: number, x: Float32Array, tap: number,
    nf: number, relAt: number, cosAt: number, floor: number, z: Float32Array): void {
    const K = 'mlpLatentFeatures', L = weights.length;
    if (L === 0) return;
    dim(K, 'm', m);
    stack(K, L, sizes, acts);
    layers(K, 'biases', biases, L);
    if (!(Number.isInteger(tap) && tap >= 0 && tap < L)) throw new Error(`native ${K}: tap must be a layer index, got ${String(tap)}`);
    if (!(Number.isInteger(nf) && nf >= 0 && nf <= 64)) throw new Error(`native ${K}: nf must be an integer in [0, 64], got ${String(nf)}`);
    for (const [name, v] of [['relAt', relAt], ['cosAt', cosAt]] as const) {
      if (!(v === -1 || (Number.isInteger(v) && v >= 0 && v < nf))) throw new Error(`native ${K}: ${name} must be -1 or a feature column below nf, got ${String(v)}`);
    }
    if (sizes[L] !== sizes[0]) throw new Error(`native ${K}: the stack must end with as many columns as it starts with`);
    need(K, 'x', x, m * sizes[0]);
    need(K, 'z', z, m * (sizes[tap + 1] + nf));
    for (let l = 0; l < L; l++) {
      need(K, `weights[${l}]`, weights[l], sizes[l] * sizes[l + 1]);
      const b = biases[l];
      if (b) need(K, `biases[${l}]`, b, sizes[l + 1]);
    }
    this.addon.mlpLatentFeatures(m, sizes, weights, biases, acts, alpha, x, tap, nf, relAt, cosAt, floor, z);
  }

  mlpBackward(m: number, sizes: Int32Array, weights: readonly Float32Array[], acts: Int32Array, alpha: number,
    x: Float32Array, outs: readonly Float32Array[], douts: readonly (Float32Array | null)[],
    dpres: readonly Float32Array[], dx: Float32Array | null, dws: readonly Float32Array[],
    dbs: readonly (Float32Array | null)[]): void {
    const K = 'mlpBackward', L = weights.length;
    if (L === 0) return;
    dim(K, 'm', m);
    stack(K, L, sizes, acts);
    layers(K, 'outs', outs, L); layers(K, 'douts', douts, L); layers(K, 'dpres', dpres, L);
    layers(K, 'dws', dws, L); layers(K, 'dbs', dbs, L);
    need(K, 'x', x, m * sizes[0]);
    if (dx) need(K, 'dx', dx, m * sizes[0]);
    for (let l = 0; l < L; l++) {
      const k = sizes[l], n = sizes[l + 1];
      need(K, `weights[${l}]`, weights[l], k * n);
      need(K, `outs[${l}]`, outs[l], m * n);
      const d = douts[l];
      if (d) need(K, `douts[${l}]`, d, m * n);
      need(K, `dpres[${l}]`, dpres[l], m * n);
      need(K, `dws[${l}]`, dws[l], k * n);
      const b = dbs[l];
      if (b) need(K, `dbs[${l}]`, b, n);
    }
    this.addon.mlpBackward(m, sizes, weights, acts, alpha, x, outs, douts, dpres, dx, dws, dbs);
  }

  adamStep(len: number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, stepSize: number,
    bc2Sqrt: number, b1: number, b2: number, eps: number, wd: number): void {
    const K = 'adamStep';
    dim(K, 'len', len);
    need(K, 'w', w, len); need(K, 'g', g, len); need(K, 'm', m, len); need(K, 'v', v, len);
    this.addon.adamStep(len, w, g, m, v, stepSize, bc2Sqrt, b1, b2, eps, wd);
  }

  gatherRows(n: number, cols: number, src: Float32Array, idx: Int32Array, start: number, dst: Float32Array): void {
    const K = 'gatherRows';
    dim(K, 'n', n); dim(K, 'cols', cols); dim(K, 'start', start);
    if (!(idx instanceof Int32Array)) throw new Error(`native ${K}: idx must be an Int32Array`);
    if (idx.length < start + n) {
      throw new Error(`native ${K}: idx has length ${idx.length}, needs at least start + n = ${start + n}`);
    }
    need(K, 'src', src, 0); need(K, 'dst', dst, n * cols);
    // The addon checks every row index (and throws a RangeError naming the first bad one) before copying.
    this.addon.gatherRows(n, cols, src, idx, start, dst);
  }

  keepMask(state: Int32Array, n: number, keep: number, scale: number, out: Float32Array): void {
    const K = 'keepMask';
    if (!(state instanceof Int32Array) || state.length < 4) {
      throw new Error(`native ${K}: state must be an Int32Array of 4 xoshiro128** words`);
    }
    dim(K, 'n', n); need(K, 'out', out, n);
    // Small masks: the N-API call costs more than the TypeScript loop (same stream either way).
    if (n < 64) keepMaskInto(state, n, keep, scale, out);
    else this.addon.keepMask(state, n, keep, scale, out);
  }

  normals(state: Int32Array, n: number, out: Float64Array): void {
    const K = 'normals';
    if (!(state instanceof Int32Array) || state.length < 4) {
      throw new Error(`native ${K}: state must be an Int32Array of 4 xoshiro128** words`);
    }
    dim(K, 'n', n);
    if (!(out instanceof Float64Array) || out.length < n) throw new Error(`native ${K}: out must be a Float64Array of at least ${n} values`);
    // Small draws cost less in TypeScript than the N-API call; an addon built before this kernel lacks it.
    if (n < 64 || typeof this.addon.normals !== 'function') { normalsInto(state, n, out); return; }
    // The addon stops at each draw that needs the tail beyond R (about 1 in 4,000), which is drawn here with
    // V8's log, as normalsInto draws it, then continues: the stream stays bit-exact.
    for (let done = 0; done < n;) {
      const at = done + this.addon.normals(state, n - done, ZIGGURAT.w, ZIGGURAT.k, ZIGGURAT.f, out.subarray(done, n));
      if (at >= n) break;
      out[at] = out[at] * zigguratTail(state);
      done = at + 1;
    }
  }

  knnLeafUpdate(na: number, n: number, k: number, cols: number, g: Float32Array, active: Int32Array, err: Float64Array,
    query: Float32Array, ref: Float32Array, leafRows: Int32Array, runs: Int32Array | null, qNorm: Float64Array, exclude: Int32Array | null,
    dist2: Float64Array, idx: Int32Array): void {
    const K = 'knnLeafUpdate';
    dim(K, 'na', na); dim(K, 'n', n); dim(K, 'k', k); dim(K, 'cols', cols);
    need(K, 'g', g, na * n);
    if (!(active instanceof Int32Array) || active.length < na) throw new Error(`native ${K}: active must be an Int32Array of at least ${na} values`);
    if (!(err instanceof Float64Array) || err.length < na) throw new Error(`native ${K}: err must be a Float64Array of at least ${na} values`);
    if (!(leafRows instanceof Int32Array) || leafRows.length < n) throw new Error(`native ${K}: leafRows must be an Int32Array of at least ${n} values`);
    if (!(qNorm instanceof Float64Array) || !(dist2 instanceof Float64Array) || !(idx instanceof Int32Array)) throw new Error(`native ${K}: qNorm and dist2 must be Float64Arrays, idx an Int32Array`);
    if (exclude !== null && !(exclude instanceof Int32Array)) throw new Error(`native ${K}: exclude must be an Int32Array or null`);
    if (runs !== null && (!(runs instanceof Int32Array) || runs.length < n)) throw new Error(`native ${K}: runs must be an Int32Array of at least ${n} values, or null`);
    // The addon checks every index it follows (query rows, reference rows, run ends) against the arrays' lengths.
    if (typeof this.addon.knnLeafUpdate !== 'function' || na * n < 256) knnLeafUpdateInto(na, n, k, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, dist2, idx);
    else this.addon.knnLeafUpdate(na, n, k, cols, g, active, err, query, ref, leafRows, runs, qNorm, exclude, dist2, idx);
  }

  transposeShift(m: number, n: number, g: Float32Array, rowShift: Float32Array, colShift: Float32Array, out: Float32Array): void {
    const K = 'transposeShift';
    dim(K, 'm', m); dim(K, 'n', n);
    need(K, 'g', g, m * n); need(K, 'out', out, m * n);
    if (!(rowShift instanceof Float32Array) || rowShift.length < m || !(colShift instanceof Float32Array) || colShift.length < n) {
      throw new Error(`native ${K}: rowShift and colShift must be Float32Arrays of at least m = ${m} and n = ${n} values`);
    }
    if (typeof this.addon.transposeShift !== 'function' || m * n < 256) transposeShiftInto(m, n, g, rowShift, colShift, out);
    else this.addon.transposeShift(m, n, g, rowShift, colShift, out);
  }

  isolationPathSums(rows: number, cols: number, x: Float32Array, feature: Int32Array, threshold: Float32Array,
    left: Int32Array, right: Int32Array, roots: Int32Array, leafLength: Float64Array, normals: Float32Array | null,
    sums: Float64Array): void {
    const K = 'isolationPathSums';
    dim(K, 'rows', rows); dim(K, 'cols', cols); need(K, 'x', x, rows * cols);
    const nodes = feature instanceof Int32Array ? feature.length : 0;
    if (!(feature instanceof Int32Array) || !(left instanceof Int32Array) || !(right instanceof Int32Array) || !(roots instanceof Int32Array)) throw new Error(`native ${K}: feature, left, right and roots must be Int32Arrays`);
    need(K, 'threshold', threshold, nodes);
    if (left.length < nodes || right.length < nodes) throw new Error(`native ${K}: left and right need at least ${nodes} values (one per node)`);
    if (!(leafLength instanceof Float64Array) || leafLength.length < nodes) throw new Error(`native ${K}: leafLength must be a Float64Array of at least ${nodes} values`);
    if (normals !== null && !(normals instanceof Float32Array)) throw new Error(`native ${K}: normals must be a Float32Array or null`);
    if (!(sums instanceof Float64Array) || sums.length < rows) throw new Error(`native ${K}: sums must be a Float64Array of at least ${rows} values`);
    // The addon checks every node's split and children before walking; one tree over a few rows costs less here.
    if (typeof this.addon.isolationPathSums !== 'function' || rows * roots.length < 512) isolationPathSumsInto(rows, cols, x, feature, threshold, left, right, roots, leafLength, normals, sums);
    else this.addon.isolationPathSums(rows, cols, x, feature, threshold, left, right, roots, leafLength, normals, sums);
  }

  expAffine(n: number, a: number, b: number, x: Float64Array, out: Float64Array): void {
    const K = 'expAffine';
    dim(K, 'n', n);
    for (const [name, arr] of [['x', x], ['out', out]] as const) {
      if (!(arr instanceof Float64Array) || arr.length < n) throw new Error(`native ${K}: ${name} must be a Float64Array of at least ${n} values`);
    }
    if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`native ${K}: a and b must be numbers`);
    if (n < 64 || typeof this.addon.expAffine !== 'function') expAffineInto(n, a, b, x, out);
    else this.addon.expAffine(n, a, b, x, out);
  }

  scaleColumns(rows: number, cols: number, x: Float32Array, offset: Float64Array, scale: Float64Array, limit: number, out: Float32Array, clamped: Float64Array): number {
    const K = 'scaleColumns';
    dim(K, 'rows', rows); dim(K, 'cols', cols);
    need(K, 'x', x, rows * cols); need(K, 'out', out, rows * cols);
    for (const [name, arr] of [['offset', offset], ['scale', scale], ['clamped', clamped]] as const) {
      if (!(arr instanceof Float64Array) || arr.length < cols) throw new Error(`native ${K}: ${name} must be a Float64Array of at least ${cols} values`);
    }
    if (typeof limit !== 'number') throw new Error(`native ${K}: limit must be a number`);
    if (rows * cols < 256 || typeof this.addon.scaleColumns !== 'function') return scaleColumnsInto(rows, cols, x, offset, scale, limit, out, clamped);
    return this.addon.scaleColumns(rows, cols, x, offset, scale, limit, out, clamped);
  }

  tripletHinge(rows: number, m: number, f: number, z: Float32Array, c: Float32Array, zc: Float32Array, margin: number, nearest: Int32Array): number {
    const K = 'tripletHinge';
    dim(K, 'rows', rows); dim(K, 'm', m); dim(K, 'f', f);
    need(K, 'z', z, rows * f); need(K, 'c', c, m * f); need(K, 'zc', zc, rows * m);
    if (!(nearest instanceof Int32Array) || nearest.length < rows) throw new Error(`native ${K}: nearest must be an Int32Array of at least ${rows} values`);
    if (rows > 0 && m < 2) throw new Error(`native ${K}: m must be at least 2, got ${m}`);
    if (rows * m < 256 || typeof this.addon.tripletHinge !== 'function') return tripletHingeInto(rows, m, f, z, c, zc, margin, nearest);
    return this.addon.tripletHinge(rows, m, f, z, c, zc, margin, nearest);
  }

  tripletHingeBackward(rows: number, m: number, f: number, n: number, z: Float32Array, c: Float32Array, nearest: Int32Array, s: number, gz: Float32Array): void {
    const K = 'tripletHingeBackward';
    dim(K, 'rows', rows); dim(K, 'm', m); dim(K, 'f', f); dim(K, 'n', n);
    need(K, 'z', z, rows * f); need(K, 'c', c, m * f); need(K, 'gz', gz, rows * f);
    if (!(nearest instanceof Int32Array) || nearest.length < rows) throw new Error(`native ${K}: nearest must be an Int32Array of at least ${rows} values`);
    if (rows * f < 256 || typeof this.addon.tripletHingeBackward !== 'function') tripletHingeBackwardInto(rows, m, f, n, z, c, nearest, s, gz);
    else this.addon.tripletHingeBackward(rows, m, f, n, z, c, nearest, s, gz);
  }

  unitNormalize(outer: number, len: number, inner: number, x: Float32Array, floor: number, r: Float64Array, out: Float32Array): void {
    const K = 'unitNormalize', size = outer * len * inner;
    dim(K, 'outer', outer); dim(K, 'len', len); dim(K, 'inner', inner); dim(K, 'size', size);
    need(K, 'x', x, size); need(K, 'out', out, size);
    if (!(r instanceof Float64Array) || r.length < outer * inner) throw new Error(`native ${K}: r must be a Float64Array of at least ${outer * inner} values`);
    if (typeof this.addon.unitNormalize !== 'function' || size < 1024) unitNormalizeInto(outer, len, inner, x, floor, r, out);
    else this.addon.unitNormalize(outer, len, inner, x, floor, r, out);
  }

  unitNormalizeBackward(outer: number, len: number, inner: number, x: Float32Array, g: Float32Array, r: Float64Array, gx: Float32Array): void {
    const K = 'unitNormalizeBackward', size = outer * len * inner;
    dim(K, 'outer', outer); dim(K, 'len', len); dim(K, 'inner', inner); dim(K, 'size', size);
    need(K, 'x', x, size); need(K, 'g', g, size); need(K, 'gx', gx, size);
    if (!(r instanceof Float64Array) || r.length < outer * inner) throw new Error(`native ${K}: r must be a Float64Array of at least ${outer * inner} values`);
    if (typeof this.addon.unitNormalizeBackward !== 'function' || size < 1024) unitNormalizeBackwardInto(outer, len, inner, x, g, r, gx);
    else this.addon.unitNormalizeBackward(outer, len, inner, x, g, r, gx);
  }

  meanCrossProducts(rows: number, cols: number, x: Float32Array, mean: Float64Array, cov: Float64Array): void {
    const K = 'meanCrossProducts';
    dim(K, 'rows', rows); dim(K, 'cols', cols); need(K, 'x', x, rows * cols);
    if (!(mean instanceof Float64Array) || mean.length < cols) throw new Error(`native ${K}: mean must be a Float64Array of at least ${cols} values`);
    if (!(cov instanceof Float64Array) || cov.length < cols * cols) throw new Error(`native ${K}: cov must be a Float64Array of at least ${cols * cols} values`);
    if (typeof this.addon.meanCrossProducts !== 'function' || rows * cols < 4096) meanCrossProductsInto(rows, cols, x, mean, cov);
    else this.addon.meanCrossProducts(rows, cols, x, mean, cov);
  }

  squaredDistances64(m: number, n: number, k: number, x: Float32Array, v: Float32Array | Float64Array, out: Float64Array): void {
    const K = 'squaredDistances64';
    dim(K, 'm', m); dim(K, 'n', n); dim(K, 'k', k);
    need(K, 'x', x, m * k);
    if (v instanceof Float64Array) { if (v.length < n * k) throw new Error(`native ${K}: v has length ${v.length}, needs at least ${n * k}`); } else need(K, 'v', v, n * k);
    if (!(out instanceof Float64Array) || out.length < m * n) throw new Error(`native ${K}: out must be a Float64Array of at least ${m * n} values`);
    // An addon built before this kernel existed lacks it: the reference loop gives the same values.
    if (typeof this.addon.squaredDistances64 !== 'function' || m * n * k < 4096) squaredDistancesInto(m, n, k, x, v, out);
    else this.addon.squaredDistances64(m, n, k, x, v, out);
  }

  softmaxRows(m: number, n: number, x: Float32Array, log: boolean, out: Float32Array): void {
    dim('softmaxRows', 'm', m); dim('softmaxRows', 'n', n);
    need('softmaxRows', 'x', x, m * n); need('softmaxRows', 'out', out, m * n);
    this.addon.softmaxRows(m, n, x, log, out);
  }

  get threads(): number {
    return this.addon.threads();
  }

  /** Sets the worker thread count (>= 1) and returns the value in effect. */
  setThreads(n: number): number {
    dim('setThreads', 'n', n);
    return this.addon.setThreads(Math.max(1, n));
  }

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, b: Float32Array, beta: 0 | 1, c: Float32Array): void {
    dim('gemm', 'm', m); dim('gemm', 'n', n); dim('gemm', 'k', k);
    need('gemm', 'a', a, m * k); need('gemm', 'b', b, k * n); need('gemm', 'c', c, m * n);
    if (beta !== 0 && beta !== 1) throw new Error(`native gemm: beta must be 0 or 1, got ${String(beta)}`);
    this.addon.gemm(transA, transB, m, n, k, a, b, beta, c);
  }

  denseForward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    bias: Float32Array | null, act: ActCode, alpha: number, out: Float32Array): void {
    dim('denseForward', 'm', m); dim('denseForward', 'n', n); dim('denseForward', 'k', k);
    need('denseForward', 'x', x, m * k); need('denseForward', 'w', w, k * n);
    if (bias) need('denseForward', 'bias', bias, n);
    need('denseForward', 'out', out, m * n);
    actCheck('denseForward', act);
    this.addon.denseForward(m, n, k, x, w, bias, act, alpha, out);
  }

  denseBackward(m: number, n: number, k: number, x: Float32Array, w: Float32Array,
    y: Float32Array, dy: Float32Array, act: ActCode, alpha: number, dpre: Float32Array,
    dx: Float32Array | null, dw: Float32Array, db: Float32Array | null): void {
    const K = 'denseBackward';
    dim(K, 'm', m); dim(K, 'n', n); dim(K, 'k', k);
    need(K, 'x', x, m * k); need(K, 'w', w, k * n); need(K, 'y', y, m * n); need(K, 'dy', dy, m * n);
    need(K, 'dpre', dpre, m * n); need(K, 'dw', dw, k * n);
    if (dx) need(K, 'dx', dx, m * k);
    if (db) need(K, 'db', db, n);
    actCheck(K, act);
    this.addon.denseBackward(m, n, k, x, w, y, dy, act, alpha, dpre, dx, dw, db);
  }

  activation(act: ActCode, alpha: number, len: number, x: Float32Array, out: Float32Array): void {
    dim('activation', 'len', len); need('activation', 'x', x, len); need('activation', 'out', out, len);
    actCheck('activation', act);
    this.addon.activation(act, alpha, len, x, out);
  }

  activationGrad(act: ActCode, alpha: number, len: number, y: Float32Array, dy: Float32Array,
    dx: Float32Array): void {
    const K = 'activationGrad';
    dim(K, 'len', len); need(K, 'y', y, len); need(K, 'dy', dy, len); need(K, 'dx', dx, len);
    actCheck(K, act);
    this.addon.activationGrad(act, alpha, len, y, dy, dx);
  }

  binary(op: BinCode, len: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
    dim('binary', 'len', len); need('binary', 'a', a, len); need('binary', 'b', b, len);
    need('binary', 'out', out, len);
    if (!(Number.isInteger(op) && op >= 0 && op <= 3)) throw new Error(`native binary: unknown op code ${String(op)}`);
    this.addon.binary(op, len, a, b, out);
  }

  accumulate(op: AccCode, len: number, g: Float32Array, b: Float32Array | null, r: Float32Array | null, out: Float32Array): void {
    const K = 'accumulate';
    if (!(Number.isInteger(op) && op >= 0 && op <= 6)) throw new Error(`native ${K}: unknown op code ${String(op)}`);
    dim(K, 'len', len); need(K, 'g', g, len); need(K, 'out', out, len);
    if (op >= Acc.mul) need(K, 'b', b!, len);
    if (op === Acc.divByB) need(K, 'r', r!, len);
    // Small arrays: the N-API call costs more than the loop; an addon built before this kernel lacks it.
    if (len < 256 || typeof this.addon.accumulate !== 'function') accumulateInto(op, len, g, b, r, out);
    else this.addon.accumulate(op, len, g, b, r, out);
  }

  rowBroadcastAdd(m: number, n: number, row: Float32Array, x: Float32Array, out: Float32Array): void {
    const K = 'rowBroadcastAdd';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'row', row, n); need(K, 'x', x, m * n); need(K, 'out', out, m * n);
    if (m * n < 256 || typeof this.addon.rowBroadcastAdd !== 'function') rowBroadcastAddInto(m, n, row, x, out);
    else this.addon.rowBroadcastAdd(m, n, row, x, out);
  }
  rowSum(m: number, n: number, x: Float32Array, out: Float32Array): void {
    const K = 'rowSum';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'out', out, m);
    if (m * n < 256 || typeof this.addon.rowSum !== 'function') rowSumInto(m, n, x, out);
    else this.addon.rowSum(m, n, x, out);
  }

  rowSumBackward(m: number, n: number, g: Float32Array, out: Float32Array): void {
    const K = 'rowSumBackward';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'g', g, m); need(K, 'out', out, m * n);
    if (m * n < 256 || typeof this.addon.rowSumBackward !== 'function') rowSumBackwardInto(m, n, g, out);
    else this.addon.rowSumBackward(m, n, g, out);
  }
  logSoftmax(m: number, n: number, x: Float32Array, out: Float32Array): void {
    const K = 'logSoftmax';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'out', out, m * n);
    if (m * n < 64 || typeof this.addon.logSoftmax !== 'function') logSoftmaxInto(m, n, x, out);
    else this.addon.logSoftmax(m, n, x, out);
  }

  logSoftmaxBackward(m: number, n: number, y: Float32Array, g: Float32Array, gx: Float32Array): void {
    const K = 'logSoftmaxBackward';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'y', y, m * n); need(K, 'g', g, m * n); need(K, 'gx', gx, m * n);
    if (m * n < 64 || typeof this.addon.logSoftmaxBackward !== 'function') logSoftmaxBackwardInto(m, n, y, g, gx);
    else this.addon.logSoftmaxBackward(m, n, y, g, gx);
  }
  logSumExp(m: number, n: number, x: Float32Array, out: Float32Array): void {
    const K = 'logSumExp';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'out', out, m);
    if (m * n < 64 || typeof this.addon.logSumExp !== 'function') logSumExpInto(m, n, x, out);
    else this.addon.logSumExp(m, n, x, out);
  }

  logSumExpBackward(m: number, n: number, x: Float32Array, y: Float32Array, g: Float32Array, gx: Float32Array): void {
    const K = 'logSumExpBackward';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'y', y, m); need(K, 'g', g, m); need(K, 'gx', gx, m * n);
    if (m * n < 64 || typeof this.addon.logSumExpBackward !== 'function') logSumExpBackwardInto(m, n, x, y, g, gx);
    else this.addon.logSumExpBackward(m, n, x, y, g, gx);
  }




  columnAccumulate(m: number, n: number, g: Float32Array, negate: boolean, out: Float32Array): void {
    const K = 'columnAccumulate';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'g', g, m * n); need(K, 'out', out, n);
    if (m * n < 256 || typeof this.addon.columnAccumulate !== 'function') columnAccumulateInto(m, n, g, negate, out);
    else this.addon.columnAccumulate(m, n, g, negate, out);
  }

  addScaled(len: number, c: number, z: Float64Array, base: Float32Array, out: Float32Array): void {
    const K = 'addScaled';
    dim(K, 'len', len); need(K, 'base', base, len); need(K, 'out', out, len);
    if (!(z instanceof Float64Array) || z.length < len) throw new Error(`native ${K}: z must be a Float64Array of at least ${len} values`);
    if (len < 256 || typeof this.addon.addScaled !== 'function') addScaledInto(len, c, z, base, out);
    else this.addon.addScaled(len, c, z, base, out);
  }

  squaredErrorSum(len: number, a: Float32Array, b: Float32Array): number {
    const K = 'squaredErrorSum';
    dim(K, 'len', len); need(K, 'a', a, len); need(K, 'b', b, len);
    // Small arrays: the N-API call costs more than the loop; an addon built before this kernel lacks it.
    return len < 256 || typeof this.addon.squaredErrorSum !== 'function' ? squaredErrorSumOf(len, a, b) : this.addon.squaredErrorSum(len, a, b);
  }

  accumulateScaledDifference(len: number, c: number, a: Float32Array, b: Float32Array, out: Float32Array): void {
    const K = 'accumulateScaledDifference';
    dim(K, 'len', len); need(K, 'a', a, len); need(K, 'b', b, len); need(K, 'out', out, len);
    if (len < 256 || typeof this.addon.accumulateScaledDifference !== 'function') accumulateScaledDifferenceInto(len, c, a, b, out);
    else this.addon.accumulateScaledDifference(len, c, a, b, out);
  }

  rowPairStats(m: number, n: number, x: Float32Array, y: Float32Array, out: Float32Array): void {
    const K = 'rowPairStats';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'y', y, m * n); need(K, 'out', out, m * 4);
    this.addon.rowPairStats(m, n, x, y, out);
  }

  rowCombine(m: number, n: number, x: Float32Array, y: Float32Array, ca: Float32Array,
    cb: Float32Array, accumulate: boolean, out: Float32Array): void {
    const K = 'rowCombine';
    dim(K, 'm', m); dim(K, 'n', n); need(K, 'x', x, m * n); need(K, 'y', y, m * n);
    need(K, 'ca', ca, m); need(K, 'cb', cb, m); need(K, 'out', out, m * n);
    this.addon.rowCombine(m, n, x, y, ca, cb, accumulate, out);
  }

  colSum(m: number, n: number, x: Float32Array, accumulate: boolean, out: Float32Array): void {
    dim('colSum', 'm', m); dim('colSum', 'n', n); need('colSum', 'x', x, m * n); need('colSum', 'out', out, n);
    this.addon.colSum(m, n, x, accumulate, out);
  }
}

/** The package root: walk up from this file until a package.json named "aberrant" is found. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'aberrant') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

let cached: NativeKernels | null | undefined;
let loadError: string | null = null;

/** Path of the addon binary (whether or not it exists), or null if the package root can't be found. */
export function nativeAddonPath(): string | null {
  const root = packageRoot();
  return root ? join(root, 'build', 'Release', 'aberrant_native.node') : null;
}

/**
 * Loads the native kernels once. Returns null (never throws) when the addon is not built or fails to
 * load; `nativeLoadError()` then says why.
 */
export function loadNativeKernels(): NativeKernels | null {
  if (cached !== undefined) return cached;
  cached = null;
  const file = nativeAddonPath();
  if (!file) {
    loadError = 'package root (package.json named "aberrant") not found';
  } else if (!existsSync(file)) {
    loadError = `native addon not built (${file} is missing; run npm run build:native)`;
  } else {
    try {
      const addon = createRequire(import.meta.url)(file) as NativeAddon;
      cached = new NativeKernels(addon);
    } catch (e) {
      loadError = `native addon failed to load: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return cached;
}

/** Why loadNativeKernels() returned null (null if it loaded or was not tried yet). */
export function nativeLoadError(): string | null {
  return loadError;
}

/** Sets the native worker thread count (>= 1); returns the count in effect, or null without the addon. */
export function setNativeThreads(n: number): number | null {
  const k = loadNativeKernels();
  return k ? k.setThreads(n) : null;
}
