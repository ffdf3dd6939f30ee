/**
 * The proximal operators of RDA's sparse part (Zhou & Paffenroth 2017, Section 3): the step that, given the
 * residual R = X - D(E(L_D)), sets S = argmin_S lambda * ||S|| + 1/2 ||S - R||_F^2.
 */

/** l1 (elementwise) shrinkage: out = sign(r) * max(|r| - lambda, 0). */
export function shrinkL1(r: ArrayLike<number>, lambda: number, out: Float32Array = new Float32Array(r.length)): Float32Array {
  for (let i = 0; i < r.length; i++) {
    const v = r[i];
    out[i] = v > lambda ? v - lambda : v < -lambda ? v + lambda : 0;
  }
  return out;
}

/**
 * l2,1 row-group shrinkage: each row of r (rows of cols values) scaled by max(0, 1 - lambda / ||row||_2), so
 * a row whose norm is at most lambda becomes zero and any other keeps its direction with norm ||row|| - lambda.
 */
export function shrinkL21Rows(r: ArrayLike<number>, cols: number, lambda: number, out: Float32Array = new Float32Array(r.length)): Float32Array {
  for (let i = 0; i * cols < r.length; i++) {
    let ss = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) ss += r[j] * r[j];
    const n = Math.sqrt(ss), f = n > lambda ? 1 - lambda / n : 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) out[j] = f * r[j];
  }
  return out;
}

export type SparseNorm = 'l1' | 'l21';

/** The proximal step of the chosen norm on a row-major matrix of cols columns. */
export function proxSparse(norm: SparseNorm, r: ArrayLike<number>, cols: number, lambda: number, out?: Float32Array): Float32Array {
  return norm === 'l1' ? shrinkL1(r, lambda, out) : shrinkL21Rows(r, cols, lambda, out);
}

/** Euclidean norm of each row (rows of cols values), written into out. */
export function rowNorms(m: ArrayLike<number>, cols: number, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) {
    let ss = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) ss += m[j] * m[j];
    out[i] = Math.sqrt(ss);
  }
  return out;
}
