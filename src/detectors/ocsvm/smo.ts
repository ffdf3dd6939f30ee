/**
 * The one-class SVM dual solved by SMO, as libsvm solves it (Chang & Lin, LIBSVM, `Solver` with `solve_one_class`;
 * our own code written from the algorithm):
 *
 *   min_a 1/2 a'Qa   s.t. 0 <= a_i <= 1, sum_i a_i = nu * l,   Q_ij = K(x_i, x_j).
 *
 * This is Schoelkopf et al.'s dual (a_i <= 1/(nu l), sum a_i = 1) multiplied by nu * l, the scaling libsvm and
 * scikit-learn report (dual_coef_ in [0, 1], offset_ = rho): decision f(x) = sum_i a_i K(x_i, x) - rho.
 * Start: the first floor(nu l) rows at a_i = 1, the next at the remainder. Working set: WSS2, the maximal
 * violator i and the j with the largest second-order decrease (Fan, Chen & Lin, JMLR 2005). Shrinking every
 * min(l, 1000) iterations, with one unshrink when the gap first falls below 10 tol; kernel columns in an LRU
 * cache of bounded memory; rho = mean gradient over free a_i (else the midpoint of the bounds). Kernel values
 * are float64 throughout (libsvm caches float32).
 */
import { kernels } from '../../engine/backend/index.js';

/** A symmetric kernel matrix over `size` rows, evaluated on demand. */
export interface KernelMatrix {
  readonly size: number;
  /** K(a, a). */
  diag(a: number): number;
  /** out[k] = K(a, rows[k]) for k in [from, to). */
  fill(a: number, rows: Int32Array, from: number, to: number, out: Float64Array): void;
}

/** RBF kernel exp(-gamma ||x - y||^2) over the rows of a row-major matrix (copied to float64). */
export class RbfKernelMatrix implements KernelMatrix {
  readonly size: number;
  private readonly x: Float64Array;
  private readonly sq: Float64Array;

  constructor(x: ArrayLike<number>, rows: number, readonly cols: number, readonly gamma: number) {
    this.size = rows;
    this.x = Float64Array.from(x as ArrayLike<number>);
    this.sq = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = i * cols; k < (i + 1) * cols; k++) s += this.x[k] * this.x[k];
      this.sq[i] = s;
    }
  }

  diag(): number { return 1; }

  fill(a: number, rows: Int32Array, from: number, to: number, out: Float64Array): void {
    const { x, sq, cols, gamma } = this, ao = a * cols, sa = sq[a];
    // The dot product written out here (not dotRows, which sees several array types) stays monomorphic: this
    // loop is nearly all of the exact solver's time.
    for (let k = from; k < to; k++) {
      const b = rows[k], bo = b * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += x[ao + c] * x[bo + c];
      out[k] = sa + sq[b] - 2 * dot;
    }
    const col = out.subarray(from, to);
    kernels().expAffine(to - from, -gamma, 0, col, col);
  }
}

/** The linear kernel x'y over the rows of a row-major matrix (no copy). */
export class LinearKernelMatrix implements KernelMatrix {
  constructor(private readonly x: Float32Array | Float64Array, readonly size: number, readonly cols: number) {}
  diag(a: number): number { return dotRows(this.x, a * this.cols, this.x, a * this.cols, this.cols); }
  fill(a: number, rows: Int32Array, from: number, to: number, out: Float64Array): void {
    const { x, cols } = this;
    for (let k = from; k < to; k++) out[k] = dotRows(x, a * cols, x, rows[k] * cols, cols);
  }
}

export function dotRows(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/**
 * LRU cache of kernel columns over positions [0, len): a column is computed only as far as it is asked for
 * (the active set), extended later, and evicted least recently used first when the memory bound is reached
 * (libsvm's Cache). swap() follows the solver's permutation of positions.
 */
export class ColumnCache {
  private readonly cols: (Float64Array | null)[];
  private readonly lens: Int32Array;
  // Doubly linked LRU list over column indices; index `l` is the sentinel (next = oldest, prev = newest).
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private free: number;

  /** budgetEntries: float64 entries the cache may hold (at least two full columns, as libsvm). */
  constructor(private readonly l: number, budgetEntries: number) {
    this.cols = new Array<Float64Array | null>(l).fill(null);
    this.lens = new Int32Array(l);
    this.prev = new Int32Array(l + 1).fill(-1);
    this.next = new Int32Array(l + 1).fill(-1);
    this.prev[l] = l; this.next[l] = l;
    this.free = Math.max(budgetEntries, 2 * l);
  }

  private unlink(i: number): void {
    this.next[this.prev[i]] = this.next[i]; this.prev[this.next[i]] = this.prev[i];
  }

  private pushNewest(i: number): void {
    const s = this.l;
    this.prev[i] = this.prev[s]; this.next[i] = s;
    this.next[this.prev[s]] = i; this.prev[s] = i;
  }

  /**
   * The cached column i with at least len entries, and the position from which entries still have to be
   * computed (len if the column was complete).
   */
  get(i: number, len: number): { col: Float64Array; start: number } {
    const had = this.lens[i];
    if (had > 0) this.unlink(i);
    let col = this.cols[i];
    let start = len;
    if (len > had) {
      const more = len - had;
      while (this.free < more) {
        const old = this.next[this.l];
        this.unlink(old);
        this.free += this.lens[old];
        this.cols[old] = null; this.lens[old] = 0;
      }
      const grown = new Float64Array(len);
      if (col && had > 0) grown.set(col.subarray(0, had));
      col = grown; this.cols[i] = col;
      this.free -= more;
      this.lens[i] = len;
      start = had;
    }
    this.pushNewest(i);
    return { col: col!, start };
  }

  /** Swaps positions i and j in every cached column and the columns of i and j themselves. */
  swap(i: number, j: number): void {
    if (i === j) return;
    if (this.lens[i] > 0) this.unlink(i);
    if (this.lens[j] > 0) this.unlink(j);
    [this.cols[i], this.cols[j]] = [this.cols[j], this.cols[i]];
    [this.lens[i], this.lens[j]] = [this.lens[j], this.lens[i]];
    if (this.lens[i] > 0) this.pushNewest(i);
    if (this.lens[j] > 0) this.pushNewest(j);
    const lo = Math.min(i, j), hi = Math.max(i, j);
    for (let h = this.next[this.l]; h !== this.l;) {
      const nxt = this.next[h];
      const len = this.lens[h], c = this.cols[h]!;
      if (len > lo) {
        if (len > hi) { const t = c[lo]; c[lo] = c[hi]; c[hi] = t; } else {
          // The column covers only one of the two positions: drop it (libsvm does the same).
          this.unlink(h); this.free += len; this.cols[h] = null; this.lens[h] = 0;
        }
      }
      h = nxt;
    }
  }
}

export interface OneClassSolution {
  /** a_i per row, in the libsvm scaling: 0 <= a_i <= 1, sum = nu * l. */
  alpha: Float64Array;
  rho: number;
  /** 1/2 a'Qa at the solution. */
  objective: number;
  /** Working-set steps taken. */
  iterations: number;
  /** False when maxIterations ran out before the gap fell below tol. */
  converged: boolean;
  /** Maximal KKT violation m(a) - M(a) at the end (below tol when converged). */
  gap: number;
}

export interface SmoOptions {
  nu: number;
  /** Stopping tolerance on the maximal violation (libsvm's eps). */
  tol: number;
  /** Memory for cached kernel columns, in bytes. */
  cacheBytes: number;
  shrinking: boolean;
  /** Most working-set steps; default libsvm's max(10^7, 100 l). */
  maxIterations?: number;
}

const TAU = 1e-12;
const LOWER = 0, UPPER = 1, FREE = 2;

/** libsvm's starting point: floor(nu l) rows at 1, the next at the remainder, the rest at 0. */
export function initialAlpha(l: number, nu: number): Float64Array {
  const a = new Float64Array(l);
  const n = Math.floor(nu * l);
  for (let i = 0; i < n; i++) a[i] = 1;
  if (n < l) a[n] = nu * l - n;
  return a;
}

/**
 * libsvm's rho: the mean gradient over free a_i, else the midpoint of the bounds the bounded ones give. With no
 * a_i below 1 (nu = 1) every rho >= max G_i is optimal and libsvm's midpoint is infinite (scikit-learn then
 * refuses the fit): we take the finite bound, the smallest optimal rho.
 */
export function rhoFromGradient(alpha: ArrayLike<number>, g: ArrayLike<number>, upper?: ArrayLike<number>): number {
  let ub = Infinity, lb = -Infinity, nFree = 0, sumFree = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (alpha[i] >= (upper ? upper[i] : 1)) lb = Math.max(lb, g[i]);
    else if (alpha[i] <= 0) ub = Math.min(ub, g[i]);
    else { nFree++; sumFree += g[i]; }
  }
  if (nFree > 0) return sumFree / nFree;
  return ub === Infinity ? lb : lb === -Infinity ? ub : (ub + lb) / 2;
}

/** Maximal violation max_{a_i<u_i} -G_i + max_{a_j>0} G_j (<= 0 at an exact optimum); bounds u_i 1 unless given. */
export function kktGap(alpha: ArrayLike<number>, g: ArrayLike<number>, upper?: ArrayLike<number>): number {
  let up = -Infinity, low = -Infinity;
  for (let i = 0; i < alpha.length; i++) {
    if (alpha[i] < (upper ? upper[i] : 1)) up = Math.max(up, -g[i]);
    if (alpha[i] > 0) low = Math.max(low, g[i]);
  }
  return up + low;
}

export function libsvmMaxIterations(l: number): number { return Math.max(10_000_000, 100 * l); }

/** Solves the one-class dual for the kernel matrix q (see the module comment). */
export function solveOneClassSmo(q: KernelMatrix, o: SmoOptions): OneClassSolution {
  const l = q.size;
  if (!(o.nu > 0 && o.nu <= 1)) throw new Error(`one-class SVM: nu must be in (0, 1], got ${o.nu}`);
  const eps = o.tol, maxIter = o.maxIterations ?? libsvmMaxIterations(l);
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  const alpha = initialAlpha(l, o.nu);
  const qd = new Float64Array(l);
  for (let i = 0; i < l; i++) qd[i] = q.diag(i);
  const status = new Uint8Array(l);
  const setStatus = (i: number): void => { status[i] = alpha[i] >= 1 ? UPPER : alpha[i] <= 0 ? LOWER : FREE; };
  for (let i = 0; i < l; i++) setStatus(i);
  const cache = new ColumnCache(l, Math.floor(o.cacheBytes / 8));
  const column = (i: number, len: number): Float64Array => {
    const { col, start } = cache.get(i, len);
    if (start < len) q.fill(perm[i], perm, start, len, col);
    return col;
  };

  // G = Q a; Gbar = sum over a_j at the upper bound of C_j Q_j (for rebuilding shrunk gradients).
  const g = new Float64Array(l), gBar = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    if (status[i] === LOWER) continue;
    const qi = column(i, l), ai = alpha[i];
    for (let j = 0; j < l; j++) g[j] += ai * qi[j];
    if (status[i] === UPPER) for (let j = 0; j < l; j++) gBar[j] += qi[j];
  }

  let active = l, unshrink = false;

  const swapIndex = (i: number, j: number): void => {
    cache.swap(i, j);
    let t: number;
    t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    t = qd[i]; qd[i] = qd[j]; qd[j] = t;
    t = g[i]; g[i] = g[j]; g[j] = t;
    t = status[i]; status[i] = status[j]; status[j] = t;
    t = alpha[i]; alpha[i] = alpha[j]; alpha[j] = t;
    t = gBar[i]; gBar[i] = gBar[j]; gBar[j] = t;
  };

  const reconstructGradient = (): void => {
    if (active === l) return;
    for (let j = active; j < l; j++) g[j] = gBar[j];
    let nFree = 0;
    for (let j = 0; j < active; j++) if (status[j] === FREE) nFree++;
    if (nFree * l > 2 * active * (l - active)) {
      for (let i = active; i < l; i++) {
        const qi = column(i, active);
        for (let j = 0; j < active; j++) if (status[j] === FREE) g[i] += alpha[j] * qi[j];
      }
    } else {
      for (let i = 0; i < active; i++) {
        if (status[i] !== FREE) continue;
        const qi = column(i, l), ai = alpha[i];
        for (let j = active; j < l; j++) g[j] += ai * qi[j];
      }
    }
  };

  const beShrunk = (i: number, gMax1: number, gMax2: number): boolean =>
    status[i] === UPPER ? -g[i] > gMax1 : status[i] === LOWER ? g[i] > gMax2 : false;

  const doShrinking = (): void => {
    let gMax1 = -Infinity, gMax2 = -Infinity;
    for (let i = 0; i < active; i++) {
      if (status[i] !== UPPER && -g[i] >= gMax1) gMax1 = -g[i];
      if (status[i] !== LOWER && g[i] >= gMax2) gMax2 = g[i];
    }
    if (!unshrink && gMax1 + gMax2 <= eps * 10) {
      unshrink = true;
      reconstructGradient();
      active = l;
    }
    for (let i = 0; i < active; i++) {
      if (!beShrunk(i, gMax1, gMax2)) continue;
      active--;
      while (active > i) {
        if (!beShrunk(active, gMax1, gMax2)) { swapIndex(i, active); break; }
        active--;
      }
    }
  };

  let wsI = -1, wsJ = -1, lastGap = Infinity;
  /** WSS2; false when the active set satisfies the stopping condition. */
  const selectWorkingSet = (): boolean => {
    let gMax = -Infinity, iMax = -1;
    for (let t = 0; t < active; t++) if (status[t] !== UPPER && -g[t] >= gMax) { gMax = -g[t]; iMax = t; }
    const qi = iMax >= 0 ? column(iMax, active) : null;
    let gMax2 = -Infinity, jMin = -1, objMin = Infinity;
    for (let j = 0; j < active; j++) {
      if (status[j] === LOWER) continue;
      const gj = g[j];
      if (gj >= gMax2) gMax2 = gj;
      const diff = gMax + gj;
      if (diff > 0) {
        const quad = qd[iMax] + qd[j] - 2 * qi![j];
        const obj = -(diff * diff) / (quad > 0 ? quad : TAU);
        if (obj <= objMin) { jMin = j; objMin = obj; }
      }
    }
    lastGap = gMax + gMax2;
    if (lastGap < eps || jMin === -1) return false;
    wsI = iMax; wsJ = jMin;
    return true;
  };

  let iter = 0, counter = Math.min(l, 1000) + 1, converged = false;
  while (iter < maxIter) {
    if (--counter === 0) {
      counter = Math.min(l, 1000);
      if (o.shrinking) doShrinking();
    }
    if (!selectWorkingSet()) {
      reconstructGradient();
      active = l;
      if (!selectWorkingSet()) { converged = true; break; }
      counter = 1;
    }
    iter++;
    const i = wsI, j = wsJ;
    const qi = column(i, active), qj = column(j, active);
    const oldI = alpha[i], oldJ = alpha[j];
    let quad = qd[i] + qd[j] - 2 * qi[j];
    if (quad <= 0) quad = TAU;
    const delta = (g[i] - g[j]) / quad, sum = oldI + oldJ;
    let ai = oldI - delta, aj = oldJ + delta;
    if (sum > 1) { if (ai > 1) { ai = 1; aj = sum - 1; } } else if (aj < 0) { aj = 0; ai = sum; }
    if (sum > 1) { if (aj > 1) { aj = 1; ai = sum - 1; } } else if (ai < 0) { ai = 0; aj = sum; }
    alpha[i] = ai; alpha[j] = aj;
    const dI = ai - oldI, dJ = aj - oldJ;
    for (let k = 0; k < active; k++) g[k] += qi[k] * dI + qj[k] * dJ;
    const upI = status[i] === UPPER, upJ = status[j] === UPPER;
    setStatus(i); setStatus(j);
    if (upI !== (status[i] === UPPER)) {
      const c = column(i, l), s = upI ? -1 : 1;
      for (let k = 0; k < l; k++) gBar[k] += s * c[k];
    }
    if (upJ !== (status[j] === UPPER)) {
      const c = column(j, l), s = upJ ? -1 : 1;
      for (let k = 0; k < l; k++) gBar[k] += s * c[k];
    }
  }
  if (!converged) {
    reconstructGradient();
    active = l;
    lastGap = kktGap(alpha, g);
  }

  let objective = 0;
  for (let i = 0; i < l; i++) objective += alpha[i] * g[i];
  const rho = rhoFromGradient(alpha, g);
  const out = new Float64Array(l);
  for (let i = 0; i < l; i++) out[perm[i]] = alpha[i];
  return { alpha: out, rho, objective: objective / 2, iterations: iter, converged, gap: lastGap };
}
