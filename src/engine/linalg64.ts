/**
 * Small dense linear algebra in float64 for d x d matrices (GMM covariances), row-major.
 * These are plain functions over Float64Arrays; ops/linalg.ts wraps them as differentiable ops.
 */

/** In-place-free Cholesky: L (lower, zero above) with A = L L^T. Returns false if A is not positive-definite. */
export function choleskyInto(a: Float64Array, aOff: number, d: number, l: Float64Array, lOff: number, jitter = 0): boolean {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[aOff + i * d + j] + (i === j ? jitter : 0);
      for (let p = 0; p < j; p++) s -= l[lOff + i * d + p] * l[lOff + j * d + p];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return false;
        l[lOff + i * d + i] = Math.sqrt(s);
      } else {
        l[lOff + i * d + j] = s / l[lOff + j * d + j];
      }
    }
    for (let j = i + 1; j < d; j++) l[lOff + i * d + j] = 0;
  }
  return true;
}

export interface JitterPolicy {
  /** First jitter tried after a failure, relative to the mean diagonal magnitude. */
  initial: number;
  /** Multiplier per retry. */
  growth: number;
  /** Retries before giving up with an error. */
  maxTries: number;
}

export const DEFAULT_JITTER: JitterPolicy = { initial: 1e-6, growth: 10, maxTries: 6 };

/**
 * Cholesky with retries: if A is not numerically positive-definite, add growing multiples of the
 * identity (scaled by the mean |diagonal|) until it is. Returns the jitter that was added (0 if none).
 * Throws if A has non-finite entries or still fails after maxTries.
 */
export function choleskyJitter(a: Float64Array, aOff: number, d: number, l: Float64Array, lOff: number,
  policy: JitterPolicy = DEFAULT_JITTER): number {
  if (choleskyInto(a, aOff, d, l, lOff, 0)) return 0;
  let scale = 0;
  for (let i = 0; i < d; i++) {
    const v = a[aOff + i * d + i];
    if (!Number.isFinite(v)) throw new Error(`cholesky: matrix has a non-finite diagonal entry (${v}) at [${i}, ${i}]`);
    scale += Math.abs(v);
  }
  for (let i = 0; i < d * d; i++) {
    if (!Number.isFinite(a[aOff + i])) throw new Error(`cholesky: matrix has a non-finite entry at [${Math.floor(i / d)}, ${i % d}]`);
  }
  scale = scale / d || 1;
  let jitter = policy.initial * scale;
  for (let t = 0; t < policy.maxTries; t++, jitter *= policy.growth) {
    if (choleskyInto(a, aOff, d, l, lOff, jitter)) return jitter;
  }
  throw new Error(`cholesky: matrix is not positive-definite even with diagonal jitter ${jitter / policy.growth}`);
}

/** Solves L x = b in place (L lower-triangular d x d at lOff; b a d-vector at bOff with stride). */
export function forwardSubst(l: Float64Array, lOff: number, d: number, b: Float64Array, bOff: number, stride = 1): void {
  for (let i = 0; i < d; i++) {
    let s = b[bOff + i * stride];
    for (let p = 0; p < i; p++) s -= l[lOff + i * d + p] * b[bOff + p * stride];
    b[bOff + i * stride] = s / l[lOff + i * d + i];
  }
}

/** Solves L^T x = b in place (L lower-triangular). */
export function backSubstT(l: Float64Array, lOff: number, d: number, b: Float64Array, bOff: number, stride = 1): void {
  for (let i = d - 1; i >= 0; i--) {
    let s = b[bOff + i * stride];
    for (let p = i + 1; p < d; p++) s -= l[lOff + p * d + i] * b[bOff + p * stride];
    b[bOff + i * stride] = s / l[lOff + i * d + i];
  }
}

/** A^{-1} from its Cholesky factor, written to inv (d x d). */
export function inverseFromCholesky(l: Float64Array, lOff: number, d: number, inv: Float64Array, invOff: number): void {
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < d; r++) inv[invOff + r * d + c] = r === c ? 1 : 0;
    forwardSubst(l, lOff, d, inv, invOff + c, d);
    backSubstT(l, lOff, d, inv, invOff + c, d);
  }
}

/** log det A = 2 sum log L_ii. */
export function logDetFromCholesky(l: Float64Array, lOff: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[lOff + i * d + i]);
  return 2 * s;
}
