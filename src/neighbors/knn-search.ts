/**
 * Exact k-nearest-neighbour search (Euclidean) of query rows against reference rows: brute force in blocks
 * through the engine's gemm, with whole blocks skipped where a bound proves they hold no neighbour.
 *
 * Blocks: the reference rows are split recursively in two along the line through two far rows (see build)
 * into leaves of at most leafSize rows; each leaf has a centre c and a radius r (the largest float64 distance of
 * a member from c). Queries are routed down the same splits and taken in leaf order, so a block of queries lies
 * close together. For a query block, leaves are visited nearest first and a query skips a leaf when
 * ||x - c|| - r exceeds its current k-th distance (triangle inequality); a leaf no query needs is never
 * multiplied. On clustered data most leaves are skipped; on structureless high-dimensional data none
 * are, and the cost is that of plain brute force (queries x reference x (d + 1) multiply-adds).
 *
 * The reference rows' own neighbours (a fit's leave-one-out search) take each leaf's rows as a query block, and
 * one block of products serves both leaves of a pair: see searchSelf. Where no leaf is skipped that halves the
 * multiply-adds.
 *
 * Distances: for a query block and a leaf, g = ||y||^2 - 2 x.y in float32 (one gemm on augmented rows [x, 1]
 * and [-2y, ||y||^2]), so ||x - y||^2 ~ ||x||^2 + g. That expansion cancels badly for near rows, so it only
 * decides which rows can be neighbours: with E a rigorous bound on its float32 error (Higham's gamma_{d+1}
 * over the absolute terms), a row whose approximate distance exceeds the current k-th exact one by more than E
 * cannot enter. Every other row's squared distance is recomputed exactly, sum of (x_a - y_a)^2 in float64 over
 * a = 0..d-1, and kept in a sorted list of k per query. The leaf bounds are made safe the same way. So the
 * result is exactly the k smallest (float64 distance, reference index) pairs, whatever the backend, its
 * rounding or the visiting order: ties go to the lower index, and a duplicate of a query at another index is
 * a neighbour at distance 0 (scikit-learn's semantics).
 *
 * Memory: the index (a permutation, leaf centres and radii), one queryBlock x leafSize float32 block and the
 * results (k per query); never queries x reference. A self-search also keeps a copy of the rows in leaf order and
 * a bit per pair of leaves.
 */
import { kernels } from '../engine/backend/index.js';
import { distinctRows } from '../data/distinct-rows.js';

export interface Neighbors {
  /** Neighbours per query. */
  k: number;
  /** Reference row indices, [queries, k] row-major, nearest first (ties: lower index first). */
  indices: Int32Array;
  /** Euclidean distances in float64, [queries, k], ascending. */
  distances: Float64Array;
  /** Query-reference pairs screened (queries x reference rows without any leaf skipped). */
  evaluatedPairs: number;
  /** Entries the gemm computed: evaluatedPairs, less the half of each block a self-search used for both leaves. */
  multipliedPairs: number;
}

export interface SearchOptions {
  /**
   * The reference row each query must not count as its own neighbour (-1: none), e.g. the identity map when
   * the queries are the reference rows themselves (scikit-learn's kneighbors(X=None)). Only that index is
   * excluded: a duplicate of the row at another index is a neighbour at distance 0.
   */
  exclude?: Int32Array;
  /** Queries per gemm block (default QUERY_BLOCK; a self-search takes one leaf's rows at a time instead). */
  queryBlock?: number;
  /**
   * Whether a search of the reference rows among themselves (the same array, exclude the identity) computes each
   * block of distances once for both leaves (default true; false: the plain search, for comparisons).
   */
  symmetric?: boolean;
}

/**
 * Default sizes: a 512 x 256 float32 block is 512 KiB. Smaller leaves are skipped more often on clustered data
 * (measured: 28% of the pairs evaluated at 256 against 88% at 1024 on 20 clusters, 20,000 x 50, with the
 * benchmark since folded into bench/classical-throughput.ts) and cost up to a third more on structureless data,
 * where nothing is skipped.
 */
export const QUERY_BLOCK = 512;
export const LEAF_SIZE = 256;

/** Squared Euclidean distance of query row i and reference row j in float64, summed over a = 0..cols-1. */
export function exactSqDist(q: Float32Array, i: number, ref: Float32Array, j: number, cols: number): number {
  let s = 0;
  const qi = i * cols, rj = j * cols;
  for (let a = 0; a < cols; a++) { const v = q[qi + a] - ref[rj + a]; s += v * v; }
  return s;
}

/** Search each distinct query row once when there are at most this fraction as many distinct rows as rows. */
export const DEDUPLICATE_BELOW = 0.8;

/** Identity exclusion map 0..n-1, for searching the reference rows among themselves. */
export function selfExclusion(n: number): Int32Array {
  const e = new Int32Array(n);
  for (let i = 0; i < n; i++) e[i] = i;
  return e;
}

function sqNorms(x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let a = 0; a < cols; a++) { const v = x[i * cols + a]; s += v * v; }
    out[i] = s;
  }
  return out;
}

/**
 * Bound on |fl32(||y||^2 - 2 x.y) - (||y||^2 - 2 x.y)| for the augmented gemm, any summation order, with or
 * without FMA: gamma_{cols+1} (2 sum |x_a y_a| + ||y||^2) <= gamma (||x||^2 + 2 ||y||^2), plus the float32
 * rounding of ||y||^2. 2^-23 is twice the unit roundoff (room for gamma's 1 / (1 - n u)); the absolute term
 * covers subnormals flushed to zero by SIMD code.
 */
function expansionError(cols: number, qNorm: number, maxRefNorm: number): number {
  return (cols + 2) * 2 ** -23 * (qNorm + 2.0000002 * maxRefNorm) + (cols + 2) * 1e-37;
}

/** A reference set prepared for exact k-nearest-neighbour queries (see the module comment). */
export class NeighborIndex {
  readonly rows: number;
  readonly cols: number;
  readonly leafSize: number;
  private readonly ref: Float32Array;
  private readonly norms: Float64Array;
  /** Reference rows in leaf order; leaf l holds perm[leafStart[l] .. leafStart[l + 1]). */
  private readonly perm: Int32Array;
  private readonly leafStart: number[] = [0];
  /** Leaf centres as augmented gemm rows [-2c, ||c||^2] (float32), and radii (float64, from the float32 centre). */
  private readonly centres: Float32Array;
  /** Reference rows in leaf order as augmented gemm rows [-2y, ||y||^2] (float32), built on the first search. */
  private augmented: Float32Array | null = null;
  private readonly radii: Float64Array;
  private readonly maxLeafNorm: Float64Array;
  /**
   * In leaf order: how many rows from each position on equal it with rising indices, within its leaf (see
   * Kernels.knnLeafUpdate); null when no row equals the next one.
   */
  private readonly runs: Int32Array | null;
  private centreNormMax = 0;
  /** Split nodes for routing queries: direction, threshold, children (>= 0: node, < 0: leaf -1 - code). */
  private readonly split: { direction: Float64Array[]; threshold: number[]; left: number[]; right: number[] } = { direction: [], threshold: [], left: [], right: [] };

  constructor(ref: Float32Array, rows: number, cols: number, leafSize = LEAF_SIZE) {
    if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) throw new Error(`k-nearest neighbours: need at least one reference row and one column, got ${rows} x ${cols}`);
    if (ref.length < rows * cols) throw new Error('k-nearest neighbours: the reference matrix is shorter than rows x cols');
    if (!Number.isInteger(leafSize) || leafSize < 1) throw new Error(`k-nearest neighbours: leafSize must be an integer >= 1, got ${leafSize}`);
    this.ref = ref; this.rows = rows; this.cols = cols; this.leafSize = leafSize;
    this.norms = sqNorms(ref, rows, cols);
    this.perm = selfExclusion(rows);
    this.build(0, rows);
    const leaves = this.leafStart.length - 1, w = cols + 1;
    this.centres = new Float32Array(leaves * w);
    this.radii = new Float64Array(leaves);
    this.maxLeafNorm = new Float64Array(leaves);
    const c = new Float64Array(cols);
    for (let l = 0; l < leaves; l++) {
      const s = this.leafStart[l], e = this.leafStart[l + 1];
      c.fill(0);
      for (let p = s; p < e; p++) for (let a = 0; a < cols; a++) c[a] += ref[this.perm[p] * cols + a];
      const cf = Float32Array.from(c, (v) => v / (e - s));
      let cn = 0, r = 0, mx = 0;
      for (let a = 0; a < cols; a++) { cn += cf[a] * cf[a]; this.centres[l * w + a] = -2 * cf[a]; }
      this.centres[l * w + cols] = cn;
      this.centreNormMax = Math.max(this.centreNormMax, cn);
      for (let p = s; p < e; p++) {
        r = Math.max(r, exactSqDist(ref, this.perm[p], cf, 0, cols));
        mx = Math.max(mx, this.norms[this.perm[p]]);
      }
      // sqrt and the sums are rounded in float64: a relative margin keeps the radius an upper bound.
      this.radii[l] = Math.sqrt(r) * (1 + 1e-12);
      this.maxLeafNorm[l] = mx;
    }
    this.runs = this.equalRuns();
  }

  /**
   * Runs of equal rows in leaf order. A leaf's rows come sorted by their projection on the last split, ties by
   * index, so equal rows sit together in rising index order (a row with the same projection but other values
   * ends a run). Duplicated rows are common in tables (KDDCUP's attack traffic: thousands of copies of a row),
   * and without runs every copy costs an exact distance for every query that meets it.
   */
  private equalRuns(): Int32Array | null {
    const { ref, cols, perm } = this, runs = new Int32Array(this.rows).fill(1);
    let any = false;
    for (let l = this.leafStart.length - 2; l >= 0; l--) {
      const s = this.leafStart[l];
      for (let p = this.leafStart[l + 1] - 2; p >= s; p--) {
        const a = perm[p] * cols, b = perm[p + 1] * cols;
        if (perm[p] > perm[p + 1]) continue;
        let same = true;
        for (let c = 0; c < cols && same; c++) same = ref[a + c] === ref[b + c];
        if (same) { runs[p] = runs[p + 1] + 1; any = true; }
      }
    }
    return any ? runs : null;
  }

  /**
   * Splits perm[s..e) in two until pieces fit a leaf; returns the node code. The split direction joins two far
   * rows (the farthest from the centroid, and the farthest from that one), as ball trees are built, so that in
   * any dimension clusters fall on one side; the cut is the middle of the rows' projections on it, at least a
   * quarter leaf from either end so leaves stay large enough for gemm.
   */
  private build(s: number, e: number): number {
    if (e - s <= this.leafSize) { this.leafStart.push(e); return -this.leafStart.length + 1; }
    const { ref, cols, perm } = this, len = e - s;
    const c = new Float64Array(cols);
    for (let p = s; p < e; p++) for (let a = 0; a < cols; a++) c[a] += ref[perm[p] * cols + a];
    for (let a = 0; a < cols; a++) c[a] /= len;
    const farthest = (from: (r: number) => number): number => {
      let best = perm[s], far = -1;
      for (let p = s; p < e; p++) { const v = from(perm[p]); if (v > far) { far = v; best = perm[p]; } }
      return best;
    };
    const p1 = farthest((r) => { let t = 0; for (let a = 0; a < cols; a++) { const v = ref[r * cols + a] - c[a]; t += v * v; } return t; });
    const p2 = farthest((r) => exactSqDist(ref, r, ref, p1, cols));
    const dir = new Float64Array(cols);
    for (let a = 0; a < cols; a++) dir[a] = ref[p2 * cols + a] - ref[p1 * cols + a];
    const proj = new Float64Array(len);
    let lo = Infinity, hi = -Infinity;
    for (let p = 0; p < len; p++) {
      const r = perm[s + p];
      let t = 0;
      for (let a = 0; a < cols; a++) t += dir[a] * ref[r * cols + a];
      proj[p] = t;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const at = Array.from({ length: len }, (_, p) => p).sort((u, v) => proj[u] - proj[v] || perm[s + u] - perm[s + v]);
    const sorted = Int32Array.from(at, (p) => perm[s + p]);
    perm.set(sorted, s);
    const middle = lo + (hi - lo) / 2;
    let cut = 0;
    while (cut < len && proj[at[cut]] < middle) cut++;
    const least = Math.min(Math.ceil(this.leafSize / 4), len >> 1);
    cut = Math.min(Math.max(cut, least), len - least);
    const node = this.split.direction.length;
    // Identical rows (hi = lo) go to either side by position; queries then descend by the same threshold.
    this.split.direction.push(dir); this.split.threshold.push(proj[at[cut]]);
    this.split.left.push(0); this.split.right.push(0);
    this.split.left[node] = this.build(s, s + cut);
    this.split.right[node] = this.build(s + cut, e);
    return node;
  }

  /** [-2y, ||y||^2] of every reference row in leaf order: leaf l's gemm operand is a slice, never rebuilt per query block. */
  private augmentedRows(): Float32Array {
    if (this.augmented) return this.augmented;
    const { ref, cols, perm, rows } = this, w = cols + 1, out = new Float32Array(rows * w);
    for (let p = 0; p < rows; p++) {
      const rj = perm[p] * cols, o = p * w;
      for (let a = 0; a < cols; a++) out[o + a] = -2 * ref[rj + a];
      out[o + cols] = this.norms[perm[p]];
    }
    return (this.augmented = out);
  }

  /** Leaf a row descends to (a grouping heuristic: any leaf would give the same result). */
  private route(x: Float32Array, i: number): number {
    if (this.split.direction.length === 0) return 0;
    let node = 0;
    for (;;) {
      const dir = this.split.direction[node];
      let t = 0;
      for (let a = 0; a < this.cols; a++) t += dir[a] * x[i * this.cols + a];
      const next = t < this.split.threshold[node] ? this.split.left[node] : this.split.right[node];
      if (next < 0) return -1 - next;
      node = next;
    }
  }

  /** The k nearest reference rows of every query row of query [queryRows, cols] (row-major float32); equal query rows are searched once. */
  search(query: Float32Array, queryRows: number, k: number, o: SearchOptions = {}): Neighbors {
    const { cols, rows: refRows } = this;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k-nearest neighbours: k must be an integer >= 1, got ${k}`);
    if (query.length < queryRows * cols) throw new Error('k-nearest neighbours: the query matrix is shorter than rows x cols');
    const exclude = o.exclude;
    if (exclude && exclude.length !== queryRows) throw new Error(`k-nearest neighbours: exclude has ${exclude.length} entries for ${queryRows} queries`);
    const available = refRows - (exclude ? 1 : 0);
    if (k > available) {
      throw new Error(`k-nearest neighbours: asked for ${k} neighbours but there are only ${refRows} reference rows${exclude ? ' (each row is not its own neighbour)' : ''}; need k <= ${available}`);
    }
    if (queryRows === 0) return { k, indices: new Int32Array(0), distances: new Float64Array(0), evaluatedPairs: 0, multipliedPairs: 0 };
    const groups = distinctRows(query, queryRows, cols);
    if (groups.count > DEDUPLICATE_BELOW * queryRows) {
      // The shared blocks keep a bit per pair of leaves: up to 64 MiB of them (5.9 million rows at 256 a leaf).
      const leaves = this.leafStart.length - 1;
      const self = o.symmetric !== false && query === this.ref && queryRows === refRows && exclude !== undefined && isIdentity(exclude) && leaves * leaves <= 2 ** 29;
      return self ? this.searchSelf(k) : this.searchRows(query, queryRows, k, o);
    }
    // Equal query rows have equal lists: search each distinct row once. With an exclusion map, k + 1 neighbours
    // without it, and each query drops its own excluded index (the k nearest without one row are the k + 1
    // nearest less that row, or the first k when it is not among them).
    const kk = exclude ? k + 1 : k, distinct = new Float32Array(groups.count * cols);
    kernels().gatherRows(groups.count, cols, query, groups.first, 0, distinct);
    const nb = this.searchRows(distinct, groups.count, kk, { queryBlock: o.queryBlock });
    const indices = new Int32Array(queryRows * k), distances = new Float64Array(queryRows * k);
    for (let i = 0; i < queryRows; i++) {
      const from = groups.groupOf[i] * kk, ex = exclude ? exclude[i] : -1;
      let t = 0, dropped = false;
      for (let p = 0; p < kk && t < k; p++) {
        if (!dropped && nb.indices[from + p] === ex) { dropped = true; continue; }
        indices[i * k + t] = nb.indices[from + p]; distances[i * k + t] = nb.distances[from + p]; t++;
      }
    }
    return { k, indices, distances, evaluatedPairs: nb.evaluatedPairs, multipliedPairs: nb.multipliedPairs };
  }

  /**
   * Lower bounds lb[t * leaves + l] on the squared distance from each of m queries (augmented rows qa, squared norms
   * qNorm[offset + t]) to each leaf, ||x - c||^2 >= ||x||^2 + g - E, through g; minLb per leaf over the queries, and
   * leafOrder sorted by it (nearest first).
   */
  private leafBounds(m: number, qa: Float32Array, qNorm: Float64Array, offset: number, g: Float32Array, lb: Float64Array, minLb: Float64Array, leafOrder: number[]): void {
    const leaves = this.leafStart.length - 1, cols = this.cols;
    kernels().gemm(false, true, m, leaves, cols + 1, qa, this.centres, 0, g);
    minLb.fill(Infinity);
    for (let t = 0; t < m; t++) {
      const qn = qNorm[offset + t], err = expansionError(cols, qn, this.centreNormMax);
      for (let l = 0; l < leaves; l++) {
        // Margins for float64 rounding of the sqrt, the difference and the square.
        const gap = Math.sqrt(Math.max(0, qn + g[t * leaves + l] - err)) * (1 - 2 ** -50) - this.radii[l];
        const v = gap > 0 ? gap * gap * (1 - 1e-12) : 0;
        lb[t * leaves + l] = v;
        if (v < minLb[l]) minLb[l] = v;
      }
    }
    leafOrder.sort((u, v) => minLb[u] - minLb[v] || u - v);
  }

  /** search() row by row: every query row searched on its own. */
  private searchRows(query: Float32Array, queryRows: number, k: number, o: SearchOptions): Neighbors {
    const { cols, ref, perm } = this, exclude = o.exclude;
    const dist2 = new Float64Array(queryRows * k).fill(Infinity), idx = new Int32Array(queryRows * k).fill(-1);
    const leaves = this.leafStart.length - 1, w = cols + 1;
    const bq = Math.max(1, Math.min(o.queryBlock ?? QUERY_BLOCK, queryRows));
    const qNorm = sqNorms(query, queryRows, cols);
    // Queries in leaf order (a counting sort on the leaf each descends to).
    const leafOf = new Int32Array(queryRows), count = new Int32Array(leaves + 1);
    for (let i = 0; i < queryRows; i++) { leafOf[i] = this.route(query, i); count[leafOf[i] + 1]++; }
    for (let l = 0; l < leaves; l++) count[l + 1] += count[l];
    const order = new Int32Array(queryRows);
    for (let i = 0; i < queryRows; i++) order[count[leafOf[i]]++] = i;

    const qa = new Float32Array(bq * w), qact = new Float32Array(bq * w), ra = this.augmentedRows();
    const errs = new Float64Array(bq);
    // The block's rows, norms, excluded indices and lists, contiguous (in row order they are scattered).
    const qb = new Float32Array(bq * cols), qNormB = new Float64Array(bq), exB = exclude ? new Int32Array(bq) : null;
    const d2B = new Float64Array(bq * k), idxB = new Int32Array(bq * k);
    const g = new Float32Array(bq * Math.max(this.leafSize, leaves));
    const lb = new Float64Array(bq * leaves), minLb = new Float64Array(leaves), active = new Int32Array(bq);
    const leafOrder = Array.from({ length: leaves }, (_, l) => l);
    const gemm = kernels();
    let evaluated = 0;
    for (let b0 = 0; b0 < queryRows; b0 += bq) {
      const m = Math.min(bq, queryRows - b0);
      for (let t = 0; t < m; t++) {
        const qi = order[b0 + t];
        qa.set(query.subarray(qi * cols, (qi + 1) * cols), t * w);
        qa[t * w + cols] = 1;
        qb.set(query.subarray(qi * cols, (qi + 1) * cols), t * cols);
        qNormB[t] = qNorm[qi];
        if (exB) exB[t] = exclude![qi];
      }
      d2B.fill(Infinity, 0, m * k); idxB.fill(-1, 0, m * k);
      this.leafBounds(m, qa, qNormB, 0, g, lb, minLb, leafOrder);
      for (const l of leafOrder) {
        // Queries that may still find a neighbour in leaf l (<=: a row at the k-th distance with a lower index).
        let na = 0;
        for (let t = 0; t < m; t++) if (lb[t * leaves + l] <= d2B[t * k + k - 1]) active[na++] = t;
        if (na === 0) {
          // Leaves come by their smallest bound: once no query needs one because every bound is beyond every
          // query's k-th distance, no later leaf is needed either.
          let worst = 0;
          for (let t = 0; t < m; t++) worst = Math.max(worst, d2B[t * k + k - 1]);
          if (minLb[l] > worst) break;
          continue;
        }
        const s = this.leafStart[l], n = this.leafStart[l + 1] - s;
        gemm.gatherRows(na, w, qa, active, 0, qact);
        gemm.gemm(false, true, na, n, w, qact, ra.subarray(s * w, (s + n) * w), 0, g);
        evaluated += na * n;
        for (let u = 0; u < na; u++) errs[u] = expansionError(cols, qNormB[active[u]], this.maxLeafNorm[l]);
        // Row y can enter only if ||x||^2 + g - err <= the current k-th squared distance; candidates are
        // recomputed exactly (Kernels.knnLeafUpdate: the same loop in C on the native backend).
        gemm.knnLeafUpdate(na, n, k, cols, g, active, errs, qb, ref, perm.subarray(s, s + n), this.runs?.subarray(s, s + n) ?? null, qNormB, exB, d2B, idxB);
      }
      for (let t = 0; t < m; t++) {
        const o = order[b0 + t] * k;
        dist2.set(d2B.subarray(t * k, (t + 1) * k), o); idx.set(idxB.subarray(t * k, (t + 1) * k), o);
      }
    }
    const distances = new Float64Array(queryRows * k);
    for (let t = 0; t < distances.length; t++) distances[t] = Math.sqrt(dist2[t]);
    return { k, indices: idx, distances, evaluatedPairs: evaluated, multipliedPairs: evaluated };
  }

  /**
   * The reference rows' own neighbours (exclude: the identity). Leaf by leaf, each leaf's rows are the query
   * block, visiting leaves nearest first as searchRows does. Where most of the block's rows need a later leaf B,
   * the whole block against B is multiplied once and serves both sides: the block's rows take B's rows as
   * candidates, and B's rows take the block's through the transposed values, shifted to B's side
   * (||x||^2 - 2 x.y = g + ||x||^2 - ||y||^2), and B never meets this leaf again. The exact recomputation is the
   * same, so the lists are those of searchRows, bit for bit; on data where no leaf is skipped, half the
   * multiply-adds. The queries' lists and a copy of their rows are kept in leaf order, so that B's rows, a
   * different leaf at every block, are contiguous in memory (in row order they miss the cache at every block).
   */
  private searchSelf(k: number): Neighbors {
    const { cols, ref, perm, rows: n, norms } = this, leaves = this.leafStart.length - 1, w = cols + 1;
    // Position p in leaf order is query row perm[p]: its values, squared norm, excluded index (itself) and list.
    const xp = new Float32Array(n * cols), gemm = kernels();
    gemm.gatherRows(n, cols, ref, perm, 0, xp);
    const normsP = Float64Array.from(perm, (r) => norms[r]), norms32 = Float32Array.from(normsP), position = selfExclusion(n);
    const dist2 = new Float64Array(n * k).fill(Infinity), idx = new Int32Array(n * k).fill(-1);
    const ra = this.augmentedRows(), size = this.leafSize, runs = this.runs;
    const qa = new Float32Array(size * w), qact = new Float32Array(size * w);
    const g = new Float32Array(size * Math.max(size, leaves)), gt = new Float32Array(size * size);
    const lb = new Float64Array(size * leaves), minLb = new Float64Array(leaves);
    const active = new Int32Array(size), errs = new Float64Array(size);
    // covered bit a * leaves + b: leaf a's rows have met every row of leaf b.
    const covered = new Uint32Array(Math.ceil((leaves * leaves) / 32));
    const cover = (a: number, b: number): void => { const bit = a * leaves + b; covered[bit >>> 5] |= 1 << (bit & 31); };
    const leafOrder = Array.from({ length: leaves }, (_, l) => l);
    let evaluated = 0, multiplied = 0;
    const leafBlock = (a: number): number => {
      const sa = this.leafStart[a], na = this.leafStart[a + 1] - sa;
      for (let t = 0; t < na; t++) {
        qa.set(xp.subarray((sa + t) * cols, (sa + t + 1) * cols), t * w);
        qa[t * w + cols] = 1;
      }
      return na;
    };
    // The queries at positions active[0..na) take the nb rows from position sb on as candidates, values [na, nb].
    const update = (values: Float32Array, active: Int32Array, na: number, sb: number, nb: number): void => {
      gemm.knnLeafUpdate(na, nb, k, cols, values, active, errs, xp, ref, perm.subarray(sb, sb + nb),
        runs?.subarray(sb, sb + nb) ?? null, normsP, perm, dist2, idx);
    };
    const leafPositions = (s: number, m: number): Int32Array => position.subarray(s, s + m);
    // First every leaf against itself: each row starts the main pass with a k-th distance from its own leaf.
    for (let a = 0; a < leaves; a++) {
      const sa = this.leafStart[a], na = leafBlock(a);
      gemm.gemm(false, true, na, na, w, qa, ra.subarray(sa * w, (sa + na) * w), 0, g);
      evaluated += na * na; multiplied += na * na;
      for (let t = 0; t < na; t++) errs[t] = expansionError(cols, normsP[sa + t], this.maxLeafNorm[a]);
      update(g, leafPositions(sa, na), na, sa, na);
      cover(a, a);
    }
    for (let a = 0; a < leaves; a++) {
      const sa = this.leafStart[a], na = leafBlock(a);
      this.leafBounds(na, qa, normsP, sa, g, lb, minLb, leafOrder);
      for (const b of leafOrder) {
        let nact = 0;
        for (let t = 0; t < na; t++) if (lb[t * leaves + b] <= dist2[(sa + t) * k + k - 1]) active[nact++] = t;
        if (nact === 0) {
          let worst = 0;
          for (let t = 0; t < na; t++) worst = Math.max(worst, dist2[(sa + t) * k + k - 1]);
          if (minLb[b] > worst) break;
          continue;
        }
        const bit = a * leaves + b;
        if (covered[bit >>> 5] & (1 << (bit & 31))) continue;
        const sb = this.leafStart[b], nb = this.leafStart[b + 1] - sb, rb = ra.subarray(sb * w, (sb + nb) * w);
        if (b > a && 2 * nact >= na) {
          // The whole block, for both leaves.
          gemm.gemm(false, true, na, nb, w, qa, rb, 0, g);
          evaluated += 2 * na * nb; multiplied += na * nb;
          let maxA = 0;
          for (let t = 0; t < na; t++) { errs[t] = expansionError(cols, normsP[sa + t], this.maxLeafNorm[b]); maxA = Math.max(maxA, normsP[sa + t]); }
          update(g, leafPositions(sa, na), na, sb, nb);
          gemm.transposeShift(na, nb, g, norms32.subarray(sa, sa + na), norms32.subarray(sb, sb + nb), gt);
          // The gemm's bound for the block, plus the shift's roundings: the norms to float32, then the sum and the
          // difference (|g + ||x||^2| <= 2 ||x||^2 + 2 ||y||^2 + E, the result <= 2 ||x||^2 + 3 ||y||^2 + E), each
          // within 2^-24 of its value.
          const maxB = this.maxLeafNorm[b], e = expansionError(cols, maxA, maxB);
          for (let u = 0; u < nb; u++) errs[u] = e + 2 ** -21 * (e + maxA + maxB);
          update(gt, leafPositions(sb, nb), nb, sa, na);
          cover(b, a);
          continue;
        }
        gemm.gatherRows(nact, w, qa, active, 0, qact);
        gemm.gemm(false, true, nact, nb, w, qact, rb, 0, g);
        evaluated += nact * nb; multiplied += nact * nb;
        for (let u = 0; u < nact; u++) {
          active[u] += sa;
          errs[u] = expansionError(cols, normsP[active[u]], this.maxLeafNorm[b]);
        }
        update(g, active, nact, sb, nb);
      }
    }
    // Back to row order.
    const indices = new Int32Array(n * k), distances = new Float64Array(n * k);
    for (let p = 0; p < n; p++) {
      const o = perm[p] * k;
      for (let t = 0; t < k; t++) { indices[o + t] = idx[p * k + t]; distances[o + t] = Math.sqrt(dist2[p * k + t]); }
    }
    return { k, indices, distances, evaluatedPairs: evaluated, multipliedPairs: multiplied };
  }
}

function isIdentity(map: Int32Array): boolean {
  for (let i = 0; i < map.length; i++) if (map[i] !== i) return false;
  return true;
}

/**
 * The k nearest reference rows of every query row (see the module comment); builds a NeighborIndex for one
 * search. ref is [refRows, cols] and query [queryRows, cols], both row-major float32; they may be the same array.
 */
export function kNearest(ref: Float32Array, refRows: number, query: Float32Array, queryRows: number, cols: number, k: number, o: SearchOptions & { leafSize?: number } = {}): Neighbors {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k-nearest neighbours: k must be an integer >= 1, got ${k}`);
  if (ref.length < refRows * cols || query.length < queryRows * cols) throw new Error('k-nearest neighbours: a matrix is shorter than rows x cols');
  return new NeighborIndex(ref, refRows, cols, o.leafSize).search(query, queryRows, k, o);
}
