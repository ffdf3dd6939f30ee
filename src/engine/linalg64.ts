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
 * Dimension up to which symmetricEigen uses Jacobi rotations. Jacobi's sweeps cost ~10 x 4d^3 strided
 * operations (72 s at d = 1,000 here); Householder tridiagonalisation + QL costs ~9d^3 contiguous ones (about
 * 40x less at d = 1,000), with eigenvalues accurate to ~d eps ||A|| rather than Jacobi's relative accuracy on
 * small ones (what PCA divides by; it floors variances at 1e-10 of the largest, far above that error).
 */
export const JACOBI_MAX_DIM = 128;

/**
 * Eigen-decomposition of a symmetric d x d matrix (row-major; only its values are read, it is not modified):
 * A = sum_k values[k] v_k v_k^T with values in descending order and v_k the k-th row of `vectors` (d x d), each
 * of unit length with its largest-magnitude entry positive (a fixed sign, so results are reproducible).
 * Up to JACOBI_MAX_DIM, jacobiEigen; above, tridiagonalEigen. Throws on non-finite input.
 */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  return d <= JACOBI_MAX_DIM ? jacobiEigen(a, d) : tridiagonalEigen(a, d);
}

/** The input checked and symmetrised ((A + A^T) / 2), as a copy. */
function symmetricCopy(a: Float64Array, d: number, what: string): Float64Array {
  if (a.length !== d * d) throw new Error(`${what}: expected ${d} x ${d} = ${d * d} values, got ${a.length}`);
  const m = Float64Array.from(a);
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(m[i])) throw new Error(`${what}: non-finite entry at [${Math.floor(i / d)}, ${i % d}]`);
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j] + m[j * d + i]);
  return m;
}

/**
 * Eigenpairs in symmetricEigen's order and sign: values descending (ties by position), each vector's
 * largest-magnitude entry positive. `entry(c, r)` is entry r of the eigenvector of values[c].
 */
function sortedEigenpairs(raw: Float64Array, d: number, entry: (c: number, r: number) => number): { values: Float64Array; vectors: Float64Array } {
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => raw[j] - raw[i] || i - j);
  const values = new Float64Array(d), vectors = new Float64Array(d * d);
  order.forEach((col, k) => {
    values[k] = raw[col];
    let big = 0;
    for (let r = 0; r < d; r++) if (Math.abs(entry(col, r)) > Math.abs(entry(col, big))) big = r;
    const sign = entry(col, big) < 0 ? -1 : 1;
    for (let r = 0; r < d; r++) vectors[k * d + r] = sign * entry(col, r);
  });
  return { values, vectors };
}

/**
 * symmetricEigen by cyclic Jacobi rotations until no off-diagonal entry is significant against its diagonal pair
 * (|a_pq| <= eps sqrt(|a_pp a_qq|), or negligible against ||A||): O(d^3) per sweep, a handful of sweeps, and
 * accurate small eigenvalues of positive semi-definite matrices (what a covariance's inverse weights need).
 */
export function jacobiEigen(a: Float64Array, d: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const m = symmetricCopy(a, d, 'symmetricEigen'), v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
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
  const diag = Float64Array.from({ length: d }, (_, i) => m[i * d + i]);
  return sortedEigenpairs(diag, d, (c, r) => v[r * d + c]);
}

/** sqrt(a^2 + b^2) without overflow or underflow in the squares. */
function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b), big = x > y ? x : y, small = x > y ? y : x;
  if (big === 0) return 0;
  const r = small / big;
  return big * Math.sqrt(1 + r * r);
}

/**
 * symmetricEigen by Householder reduction to tridiagonal form, then the implicit QL iteration with Wilkinson's
 * shift on it, accumulating both transformations (Wilkinson & Reinsch, Handbook for Automatic Computation II,
 * 1971: tred2 and tql2, as in EISPACK). The transformation is kept transposed (row j of `w` holds column j),
 * so every inner loop runs along a row. At most MAX_QL_ITERATIONS iterations per eigenvalue.
 */
export function tridiagonalEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const w = symmetricCopy(a, n, 'symmetricEigen'), dg = new Float64Array(n), e = new Float64Array(n);
  householderTridiagonal(w, n, dg, e);
  tridiagonalQl(w, n, dg, e);
  return sortedEigenpairs(dg, n, (c, r) => w[c * n + r]);
}

const MAX_QL_ITERATIONS = 30;

/**
 * Reduces the symmetric w (n x n) to tridiagonal form Q^T A Q: diagonal in dg, subdiagonal in e[1..n-1] (e[0] =
 * 0), and Q^T in w. Householder reflections from the last row up, each scaled by its row's 1-norm.
 */
function householderTridiagonal(w: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  // Notation: Q[k][j] (the transformation) lives at w[j * n + k].
  for (let j = 0; j < n; j++) dg[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(dg[k]);
    if (scale === 0) { // row i is already reduced
      e[i] = dg[i - 1];
      for (let j = 0; j < i; j++) { dg[j] = w[j * n + i - 1]; w[j * n + i] = 0; w[i * n + j] = 0; }
    } else {
      for (let k = 0; k < i; k++) { dg[k] /= scale; h += dg[k] * dg[k]; }
      let f = dg[i - 1], g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      dg[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A u / h, accumulated over the lower triangle of the part still to reduce.
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = dg[j];
        w[i * n + j] = f;
        g = e[j] + w[row + j] * f;
        for (let k = j + 1; k < i; k++) { const v = w[row + k]; g += v * dg[k]; e[k] += v * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * dg[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * dg[j];
      // A -= u q^T + q u^T
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = dg[j]; g = e[j];
        for (let k = j; k < i; k++) w[row + k] -= f * e[k] + g * dg[k];
        dg[j] = w[row + i - 1];
        w[row + i] = 0;
      }
    }
    dg[i] = h;
  }
  // Accumulate the reflections into Q.
  for (let i = 0; i < n - 1; i++) {
    const ri = i * n, next = (i + 1) * n;
    w[ri + n - 1] = w[ri + i];
    w[ri + i] = 1;
    const h = dg[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) dg[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[row + k];
        for (let k = 0; k <= i; k++) w[row + k] -= g * dg[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) { dg[j] = w[j * n + n - 1]; w[j * n + n - 1] = 0; }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Eigenvalues of the tridiagonal (dg, e) into dg, and the eigenvectors (rows of w, which holds Q^T on entry)
 * by implicit QL steps with Wilkinson's shift, deflating where a subdiagonal entry is below eps times the largest
 * |dg| + |e|.
 */
function tridiagonalQl(w: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  const eps = 2.220446049250313e-16;
  // Negligible against the whole tridiagonal, not only the part seen so far (tred2 / tql2's running maximum): a
  // block of zeros ahead of the rest (a rank-one matrix) would otherwise let denormal subdiagonals rotate on, and
  // rotations from denormal lengths are not orthogonal.
  let f = 0, tst1 = 0;
  for (let i = 0; i < n; i++) tst1 = Math.max(tst1, Math.abs(dg[i]) + Math.abs(e[i]));
  for (let l = 0; l < n; l++) {
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) throw new Error(`symmetricEigen: eigenvalue ${l} did not converge in ${MAX_QL_ITERATIONS} QL iterations`);
        // Wilkinson's shift from the leading 2 x 2 block.
        let g = dg[l], p = (dg[l + 1] - g) / (2 * e[l]), r = hypot(p, 1);
        if (p < 0) r = -r;
        dg[l] = e[l] / (p + r);
        dg[l + 1] = e[l] * (p + r);
        const dl1 = dg[l + 1];
        let h = g - dg[l];
        for (let i = l + 2; i < n; i++) dg[i] -= h;
        f += h;
        // The implicit QL sweep from m up to l, its plane rotations applied to the eigenvectors.
        p = dg[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]; h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r; c = p / r;
          p = c * dg[i] - s * g;
          dg[i + 1] = h + s * (c * g + s * dg[i]);
          const a = i * n, b = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const vb = w[b + k], va = w[a + k];
            w[b + k] = s * va + c * vb;
            w[a + k] = c * va - s * vb;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        dg[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    dg[l] += f;
    e[l] = 0;
  }
}
