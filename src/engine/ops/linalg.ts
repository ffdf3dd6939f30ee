import { choleskyJitter, type JitterPolicy, DEFAULT_JITTER } from '../linalg64.js';
import { allocData, makeOutput, shapeString, type Tensor } from '../tensor.js';

/** Batch layout of a [..., d, d] (or [..., d, n]) tensor. */
function batchOf(t: Tensor, op: string, square: boolean): { batch: number; r: number; c: number } {
  if (t.rank < 2) throw new Error(`${op}: needs a matrix or a batch of matrices, got shape ${shapeString(t.shape)}`);
  const r = t.shape[t.rank - 2], c = t.shape[t.rank - 1];
  if (square && r !== c) throw new Error(`${op}: matrices must be square, got shape ${shapeString(t.shape)}`);
  return { batch: r * c === 0 ? 0 : t.size / (r * c), r, c };
}

/** Per-matrix float64 copy. */
function toF64(x: Float32Array): Float64Array { return Float64Array.from(x); }

/** Solve L X = B for one lower-triangular L (d x d) and B (d x n), both float64 row-major, in place on B. */
function solveLower(l: Float64Array, lo: number, d: number, b: Float64Array, bo: number, n: number): void {
  for (let i = 0; i < d; i++) {
    const lii = l[lo + i * d + i];
    for (let j = 0; j < n; j++) {
      let s = b[bo + i * n + j];
      for (let p = 0; p < i; p++) s -= l[lo + i * d + p] * b[bo + p * n + j];
      b[bo + i * n + j] = s / lii;
    }
  }
}

/** Solve L^T X = B in place (L lower-triangular). */
function solveLowerT(l: Float64Array, lo: number, d: number, b: Float64Array, bo: number, n: number): void {
  for (let i = d - 1; i >= 0; i--) {
    const lii = l[lo + i * d + i];
    for (let j = 0; j < n; j++) {
      let s = b[bo + i * n + j];
      for (let p = i + 1; p < d; p++) s -= l[lo + p * d + i] * b[bo + p * n + j];
      b[bo + i * n + j] = s / lii;
    }
  }
}

/**
 * Cholesky factor L (lower) of each symmetric positive-definite matrix in a [..., d, d] batch, computed
 * in float64. Only the lower triangle of the input is read. A matrix that is not numerically
 * positive-definite is retried with growing diagonal jitter (see linalg64.choleskyJitter).
 * Gradient: the symmetric one (as PyTorch), dA = L^-T Phi(L^T dL) L^-1 symmetrised.
 */
export function cholesky(a: Tensor, jitter: JitterPolicy = DEFAULT_JITTER): Tensor {
  const { batch, r: d } = batchOf(a, 'cholesky', true);
  const a64 = toF64(a.data);
  // Symmetrise from the lower triangle so the factorisation never reads the upper one.
  for (let b = 0; b < batch; b++) {
    const o = b * d * d;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) a64[o + i * d + j] = a64[o + j * d + i];
  }
  const l64 = new Float64Array(a64.length);
  for (let b = 0; b < batch; b++) choleskyJitter(a64, b * d * d, d, l64, b * d * d, jitter);
  const out = allocData(a.size);
  for (let i = 0; i < out.length; i++) out[i] = l64[i];
  return makeOutput(out, a.shape, [a], (g) => {
    const ga = a.gradBuffer();
    const p = new Float64Array(d * d);
    for (let b = 0; b < batch; b++) {
      const o = b * d * d;
      // P = tril(L^T G), then symmetric with halved diagonal.
      for (let i = 0; i < d; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let q = 0; q < d; q++) s += l64[o + q * d + i] * g[o + q * d + j];
          p[i * d + j] = s;
        }
      }
      for (let i = 0; i < d; i++) {
        p[i * d + i] *= 0.5;
        for (let j = 0; j < i; j++) { p[i * d + j] *= 0.5; p[j * d + i] = p[i * d + j]; }
      }
      // S = L^-T P L^-1: Y = L^-T P, and as S is symmetric, S = S^T = L^-T Y^T.
      solveLowerT(l64, o, d, p, 0, d);
      const yt = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) yt[i * d + j] = p[j * d + i];
      solveLowerT(l64, o, d, yt, 0, d);
      // yt now holds S up to rounding: symmetrise.
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) ga[o + i * d + j] += 0.5 * (yt[i * d + j] + yt[j * d + i]);
      }
    }
  });
}

/**
 * X = L^-1 B for lower-triangular L [..., d, d] and B [..., d, n] (same batch), in float64.
 * Gradients: dB = L^-T dX, dL = -tril(dB X^T).
 */
export function triangularSolve(l: Tensor, b: Tensor): Tensor {
  const { batch, r: d } = batchOf(l, 'triangularSolve', true);
  const bb = batchOf(b, 'triangularSolve', false);
  if (bb.r !== d || bb.batch !== batch) {
    throw new Error(`triangularSolve: L ${shapeString(l.shape)} and B ${shapeString(b.shape)} do not match`);
  }
  const n = bb.c;
  const l64 = toF64(l.data);
  const x64 = toF64(b.data);
  for (let q = 0; q < batch; q++) solveLower(l64, q * d * d, d, x64, q * d * n, n);
  const out = allocData(b.size);
  for (let i = 0; i < out.length; i++) out[i] = x64[i];
  return makeOutput(out, b.shape, [l, b], (g) => {
    const gb64 = toF64(g);
    for (let q = 0; q < batch; q++) solveLowerT(l64, q * d * d, d, gb64, q * d * n, n);
    if (b.requiresGrad) { const gb = b.gradBuffer(); for (let i = 0; i < gb.length; i++) gb[i] += gb64[i]; }
    if (l.requiresGrad) {
      const gl = l.gradBuffer();
      for (let q = 0; q < batch; q++) {
        for (let i = 0; i < d; i++) {
          for (let j = 0; j <= i; j++) {
            let s = 0;
            for (let c = 0; c < n; c++) s += gb64[q * d * n + i * n + c] * x64[q * d * n + j * n + c];
            gl[q * d * d + i * d + j] -= s;
          }
        }
      }
    }
  });
}

/** log det of each matrix from its Cholesky factor: 2 sum log L_ii; shape [...]. */
export function logDetFromCholesky(l: Tensor): Tensor {
  const { batch, r: d } = batchOf(l, 'logDetFromCholesky', true);
  const out = allocData(batch);
  for (let q = 0; q < batch; q++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.log(l.data[q * d * d + i * d + i]);
    out[q] = 2 * s;
  }
  return makeOutput(out, l.shape.slice(0, -2), [l], (g) => {
    const gl = l.gradBuffer();
    for (let q = 0; q < batch; q++) {
      for (let i = 0; i < d; i++) gl[q * d * d + i * d + i] += (2 * g[q]) / l.data[q * d * d + i * d + i];
    }
  });
}

/** log det of symmetric positive-definite matrices, through Cholesky. */
export function logDet(a: Tensor): Tensor {
  return logDetFromCholesky(cholesky(a));
}

/** Diagonals of a [..., d, d] batch, shape [..., d]. */
export function diagonal(a: Tensor): Tensor {
  const { batch, r: d } = batchOf(a, 'diagonal', true);
  const out = allocData(batch * d);
  for (let q = 0; q < batch; q++) for (let i = 0; i < d; i++) out[q * d + i] = a.data[q * d * d + i * d + i];
  return makeOutput(out, a.shape.slice(0, -1), [a], (g) => {
    const ga = a.gradBuffer();
    for (let q = 0; q < batch; q++) for (let i = 0; i < d; i++) ga[q * d * d + i * d + i] += g[q * d + i];
  });
}
