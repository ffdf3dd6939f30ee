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

/**
 * Eigen-decomposition of a symmetric d x d matrix (row-major; only its values are read, it is not modified):
 * A = sum_k values[k] v_k v_k^T with values in descending order and v_k the k-th row of `vectors` (d x d), each
 * of unit length with its largest-magnitude entry positive (a fixed sign, so results are reproducible).
 * Cyclic Jacobi rotations until no off-diagonal entry is significant against its diagonal pair
 * (|a_pq| <= eps sqrt(|a_pp a_qq|), or negligible against ||A||): O(d^3) per sweep, a handful of sweeps, and accurate small eigenvalues
 * of positive semi-definite matrices (what a covariance's inverse weights need). Throws on non-finite input.
 */
export function symmetricEigen(a: Float64Array, d: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== d * d) throw new Error(`symmetricEigen: expected ${d} x ${d} = ${d * d} values, got ${a.length}`);
  const m = Float64Array.from(a), v = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(m[i])) throw new Error(`symmetricEigen: non-finite entry at [${Math.floor(i / d)}, ${i % d}]`);
  for (let i = 0; i < d; i++) {
    v[i * d + i] = 1;
    for (let j = 0; j < i; j++) m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j] + m[j * d + i]);
  }
  const eps = 2.220446049250313e-16;
  let norm = 0;
  for (let i = 0; i < d * d; i++) norm += m[i] * m[i];
  // Entries below eps^2 ||A||_F move no eigenvalue by more than that; treating them as zero ends the sweeps
  // when a diagonal entry is exactly 0 (the relative test alone would keep rotating them).
  const negligible = eps * eps * Math.sqrt(norm);
  let rotated = true, sweep = 0;
  for (; rotated && sweep < maxSweeps; sweep++) {
    rotated = false;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (apq === 0) continue;
        const app = m[p * d + p], aqq = m[q * d + q];
        if (Math.abs(apq) <= eps * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) <= negligible) {
          m[p * d + q] = m[q * d + p] = 0;
          continue;
        }
        rotated = true;
        // The rotation J (c, s) in the (p, q) plane with (J^T A J)_pq = 0; t = tan of the smaller angle.
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        m[p * d + p] = app - t * apq;
        m[q * d + q] = aqq + t * apq;
        m[p * d + q] = m[q * d + p] = 0;
        for (let r = 0; r < d; r++) {
          if (r !== p && r !== q) {
            const arp = m[r * d + p], arq = m[r * d + q];
            const np = c * arp - s * arq, nq = s * arp + c * arq;
            m[r * d + p] = m[p * d + r] = np;
            m[r * d + q] = m[q * d + r] = nq;
          }
          const vrp = v[r * d + p], vrq = v[r * d + q];
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  if (rotated) throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps`);
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[j * d + j] - m[i * d + i] || i - j);
  const values = new Float64Array(d), vectors = new Float64Array(d * d);
  order.forEach((col, k) => {
    values[k] = m[col * d + col];
    let big = 0;
    for (let r = 0; r < d; r++) if (Math.abs(v[r * d + col]) > Math.abs(v[big * d + col])) big = r;
    const sign = v[big * d + col] < 0 ? -1 : 1;
    for (let r = 0; r < d; r++) vectors[k * d + r] = sign * v[r * d + col];
  });
  return { values, vectors };
}
