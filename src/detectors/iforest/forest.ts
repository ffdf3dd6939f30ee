/**
 * Isolation trees as flat typed arrays (all trees concatenated, children stored by global node index), so a
 * forest is a handful of tensors in the model file and scoring walks plain arrays. Building and scoring follow
 * Liu, Ting & Zhou (ICDM 2008) with scikit-learn's IsolationForest conventions (see detector.ts); with an
 * extension level, nodes split on random hyperplanes instead (Hariri, Carrasco Kind & Brunner, IEEE TKDE 2021;
 * see ../eif/detector.ts). Both kinds share the tree layout, subsampling, path lengths and the score.
 */
import { kernels } from '../../engine/backend/index.js';
import { hyperplaneDot } from '../../engine/backend/kernels.js';
import type { Rng } from '../../engine/rng.js';

export interface Forest {
  /**
   * Split of each node; -1 at a leaf. An axis-parallel forest: the feature split on. A hyperplane forest: the
   * row of `normals` holding the node's normal vector.
   */
  feature: Int32Array;
  /**
   * Split threshold (float32, like the rows it compares with): x[feature] <= threshold goes left; in a
   * hyperplane forest, x . normal <= threshold (projectRow) goes left.
   */
  threshold: Float32Array;
  /** Global index of the children; -1 at a leaf. Children come after their parent within the same tree. */
  left: Int32Array;
  right: Int32Array;
  /**
   * Training rows of the tree's subsample that reached the node (scikit-learn's n_node_samples). A hyperplane
   * can leave one side empty (the paper's algorithm allows it): such leaves have size 0.
   */
  size: Int32Array;
  /** First node (the root) of each tree; tree t spans [roots[t], roots[t + 1]) (the last tree ends at the node count). */
  roots: Int32Array;
  /** Rows each tree was grown on (psi): the normaliser c(psi). */
  samples: number;
  /** Hyperplane forests only: one normal vector per inner node, row-major [inner nodes, cols], float32. */
  normals?: Float32Array;
}

/** x . normal for row r of x and row k of the normals, in the scoring kernel's order (growing and scoring agree). */
export function projectRow(normals: Float32Array, k: number, x: Float32Array, r: number, cols: number): number {
  return hyperplaneDot(normals, k * cols, x, r * cols, cols);
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n), the average path length of an unsuccessful search in a binary search tree of n points: the
 * expected depth still to go below a leaf holding n rows. 2 H(n - 1) - 2 (n - 1) / n with the harmonic number
 * H(i) ~ ln(i) + Euler's gamma, as in the paper and scikit-learn's _average_path_length (which also
 * fixes c(n) = 0 for n <= 1 and c(2) = 1).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Height limit of a tree on psi rows: ceil(log2(max(psi, 2))) (the paper's l = ceiling(log2 psi); scikit-learn's max_depth). */
export function heightLimit(psi: number): number {
  return Math.ceil(Math.log2(Math.max(psi, 2)));
}

/**
 * scikit-learn's FEATURE_THRESHOLD: a feature whose range within a node is at most this is treated as
 * constant there (no split on it).
 */
const CONSTANT_RANGE = 1e-7;

export interface GrowOptions {
  trees: number;
  /** Rows per tree (psi), at most the rows available (without bootstrap). */
  samples: number;
  /** Features each tree may split on (drawn per tree without replacement; all when equal to cols). */
  features: number;
  bootstrap: boolean;
  rng: Rng;
  /**
   * Set: split on random hyperplanes whose normal has extensionLevel + 1 non-zero coordinates, drawn from
   * N(0, 1) on coordinates chosen uniformly (0 = axis-parallel, cols - 1 = fully extended); the hyperplane
   * passes through a point drawn uniformly in the bounding box of the node's rows. Unset: the axis-parallel
   * isolation-forest rule below.
   */
  extensionLevel?: number;
}

/**
 * Grows the forest. Per tree: psi rows without replacement (with, under bootstrap), a feature subset when
 * features < cols, then nodes split until the height limit, one row, or no feature varies: a feature is drawn
 * uniformly among the tree's features not yet found constant in the node, and the threshold uniformly in
 * [min, max) of that feature over the node's rows. With an extension level, nodes split until the height
 * limit or one row on a hyperplane (GrowOptions.extensionLevel), which may leave a side empty (the EIF paper's
 * Algorithm 2 does not redraw).
 */
export function growForest(x: Float32Array, rows: number, cols: number, o: GrowOptions): Forest {
  const hyper = o.extensionLevel !== undefined;
  if (hyper && !(Number.isInteger(o.extensionLevel) && o.extensionLevel! >= 0 && o.extensionLevel! < cols)) {
    throw new Error(`extension level must be an integer in [0, ${cols - 1}] for ${cols} features, got ${o.extensionLevel}`);
  }
  const psi = o.samples, maxDepth = heightLimit(psi);
  // Without empty sides a tree has at most 2 psi - 1 nodes; with them, at most a full tree of maxDepth levels.
  const maxNodes = hyper ? 2 ** (maxDepth + 1) - 1 : 2 * psi - 1;
  const total = o.trees * maxNodes;
  const feature = new Int32Array(total), threshold = new Float32Array(total);
  const left = new Int32Array(total), right = new Int32Array(total), size = new Int32Array(total);
  const roots = new Int32Array(o.trees);
  // pool: a permutation of the rows whose first psi entries are the tree's subsample after a partial
  // Fisher-Yates shuffle (any permutation shuffled this way gives a uniform subset, so it carries over trees).
  const pool = o.bootstrap ? null : Int32Array.from({ length: rows }, (_, i) => i);
  const allFeatures = Int32Array.from({ length: cols }, (_, i) => i);
  const sub = new Int32Array(psi), treeFeatures = new Int32Array(o.features), candidates = new Int32Array(o.features);
  // Stack of nodes to split: index, first and end position in sub, depth.
  const stack = new Int32Array(4 * maxNodes);
  // Hyperplane splits: the normals of inner nodes (at most half of a tree's nodes), the coordinates in use.
  const nonZero = hyper ? o.extensionLevel! + 1 : 0;
  let normals = hyper ? new Float32Array(o.trees * ((maxNodes - 1) / 2) * cols) : null, inner = 0;
  const coords = Int32Array.from({ length: cols }, (_, i) => i);
  let count = 0;
  for (let t = 0; t < o.trees; t++) {
    if (pool) {
      for (let i = 0; i < psi; i++) {
        const j = i + o.rng.int(rows - i);
        const v = pool[i]; pool[i] = pool[j]; pool[j] = v;
        sub[i] = pool[i];
      }
    } else {
      for (let i = 0; i < psi; i++) sub[i] = o.rng.int(rows);
    }
    if (o.features < cols) {
      for (let i = 0; i < o.features; i++) {
        const j = i + o.rng.int(cols - i);
        const v = allFeatures[i]; allFeatures[i] = allFeatures[j]; allFeatures[j] = v;
        treeFeatures[i] = allFeatures[i];
      }
    } else {
      treeFeatures.set(allFeatures.subarray(0, o.features));
    }
    roots[t] = count;
    const newNode = (n: number): number => {
      feature[count] = -1; left[count] = -1; right[count] = -1; threshold[count] = 0; size[count] = n;
      return count++;
    };
    let sp = 0;
    stack[sp++] = newNode(psi); stack[sp++] = 0; stack[sp++] = psi; stack[sp++] = 0;
    while (sp > 0) {
      const depth = stack[--sp], end = stack[--sp], start = stack[--sp], node = stack[--sp];
      if (depth >= maxDepth || end - start < 2) continue;
      let i: number;
      if (normals) {
        // The normal's non-zero coordinates (a partial Fisher-Yates draw), their N(0, 1) values, and the
        // intercept point p uniform in the rows' range on those coordinates: threshold = p . normal.
        const k = inner++, no = k * cols;
        let thr = 0;
        for (let a = 0; a < nonZero; a++) {
          const b = a + o.rng.int(cols - a);
          const c = coords[a]; coords[a] = coords[b]; coords[b] = c;
          const j = coords[a];
          let lo = Infinity, hi = -Infinity;
          for (let r = start; r < end; r++) {
            const v = x[sub[r] * cols + j];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          const w = Math.fround(o.rng.normal());
          normals[no + j] = w;
          thr += w * (lo + o.rng.uniform() * (hi - lo));
        }
        const t = Math.fround(thr);
        i = start;
        let j = end - 1;
        while (i <= j) {
          if (projectRow(normals, k, x, sub[i], cols) <= t) i++;
          else { const v = sub[i]; sub[i] = sub[j]; sub[j] = v; j--; }
        }
        feature[node] = k; threshold[node] = t;
      } else {
        candidates.set(treeFeatures);
        let remaining = o.features, f = -1, lo = 0, hi = 0;
        while (remaining > 0) {
          const k = o.rng.int(remaining);
          const c = candidates[k];
          lo = Infinity; hi = -Infinity;
          for (let i = start; i < end; i++) {
            const v = x[sub[i] * cols + c];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          if (hi > lo + CONSTANT_RANGE) { f = c; break; }
          candidates[k] = candidates[--remaining];
        }
        if (f < 0) continue;
        // Uniform in [lo, hi), in float32 like the rows; a draw that rounds up to hi moves to lo (scikit-learn
        // does the same), so both sides get rows.
        let thr = Math.fround(lo + o.rng.uniform() * (hi - lo));
        if (thr >= hi) thr = lo;
        i = start;
        let j = end - 1;
        while (i <= j) {
          if (x[sub[i] * cols + f] <= thr) i++;
          else { const v = sub[i]; sub[i] = sub[j]; sub[j] = v; j--; }
        }
        feature[node] = f; threshold[node] = thr;
      }
      const l = newNode(i - start), r = newNode(end - i);
      left[node] = l; right[node] = r;
      stack[sp++] = r; stack[sp++] = i; stack[sp++] = end; stack[sp++] = depth + 1;
      stack[sp++] = l; stack[sp++] = start; stack[sp++] = i; stack[sp++] = depth + 1;
    }
  }
  const forest: Forest = {
    feature: feature.slice(0, count), threshold: threshold.slice(0, count), left: left.slice(0, count),
    right: right.slice(0, count), size: size.slice(0, count), roots, samples: psi,
  };
  if (normals) { normals = normals.slice(0, inner * cols); forest.normals = normals; }
  return forest;
}

/** Path length contributed by each leaf: its depth plus c(rows in it) (0 at inner nodes). */
export function leafPathLengths(f: Forest): Float64Array {
  const out = new Float64Array(f.feature.length), depth = new Int32Array(f.feature.length);
  // Children come after their parent, so one forward pass sees every parent's depth first.
  for (const r of f.roots) depth[r] = 0;
  for (let i = 0; i < f.feature.length; i++) {
    if (f.left[i] < 0) { out[i] = depth[i] + averagePathLength(f.size[i]); continue; }
    depth[f.left[i]] = depth[i] + 1;
    depth[f.right[i]] = depth[i] + 1;
  }
  return out;
}

/**
 * The paper's anomaly score s(x, psi) = 2^(-E[h(x)] / c(psi)), E[h(x)] the mean path length over the trees
 * (scikit-learn's score_samples is its negative). In (0, 1]; near 1 = isolated early = anomalous. The walks are
 * Kernels.isolationPathSums (C on the native backend; the same sums on every backend).
 */
export function isolationScores(f: Forest, leafLength: Float64Array, x: Float32Array, rows: number, cols: number): Float64Array {
  const sums = new Float64Array(rows);
  kernels().isolationPathSums(rows, cols, x, f.feature, f.threshold, f.left, f.right, f.roots, leafLength, f.normals ?? null, sums);
  const scale = -1 / (f.roots.length * averagePathLength(f.samples));
  for (let r = 0; r < rows; r++) sums[r] = 2 ** (sums[r] * scale);
  return sums;
}

/**
 * Checks a forest read from a model file: consistent lengths, features (or normal vectors) in range, every tree's
 * children inside the tree and after their parent (so walks end), leaves without children, positive sizes (a
 * hyperplane forest's leaves may be empty).
 */
export function checkForest(f: Forest, cols: number, what: string): void {
  const n = f.feature.length;
  const splits = f.normals ? f.normals.length / cols : cols;
  if (f.normals) {
    if (!Number.isInteger(splits)) throw new Error(`${what}: the normal vectors hold ${f.normals.length} values, not a multiple of the ${cols} features`);
    const bad = f.normals.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${what}: normal vector value ${bad} is not finite (${f.normals[bad]})`);
  }
  if (f.threshold.length !== n || f.left.length !== n || f.right.length !== n || f.size.length !== n) {
    throw new Error(`${what}: the node arrays (feature, threshold, left, right, size) differ in length`);
  }
  if (f.roots.length < 1 || f.roots[0] !== 0) throw new Error(`${what}: roots must start at node 0`);
  if (!(Number.isInteger(f.samples) && f.samples >= 1)) throw new Error(`${what}: samples per tree must be a positive integer, got ${f.samples}`);
  for (let t = 0; t < f.roots.length; t++) {
    const start = f.roots[t], end = t + 1 < f.roots.length ? f.roots[t + 1] : n;
    if (!(end > start)) throw new Error(`${what}: tree ${t} has no nodes (roots must increase)`);
    for (let i = start; i < end; i++) {
      const leaf = f.feature[i] < 0;
      if (!(f.size[i] >= (leaf && f.normals ? 0 : 1))) throw new Error(`${what}: node ${i} has size ${f.size[i]}`);
      if (leaf) {
        if (f.left[i] !== -1 || f.right[i] !== -1) throw new Error(`${what}: leaf node ${i} has children`);
        continue;
      }
      if (f.feature[i] >= splits) {
        throw new Error(f.normals ? `${what}: node ${i} uses normal vector ${f.feature[i]}, but there are ${splits}` : `${what}: node ${i} splits on feature ${f.feature[i]}, but there are ${cols} features`);
      }
      if (!Number.isFinite(f.threshold[i])) throw new Error(`${what}: node ${i} has a non-finite threshold`);
      for (const c of [f.left[i], f.right[i]]) {
        if (!(c > i && c < end)) throw new Error(`${what}: node ${i} of tree ${t} has child ${c} outside (${i}, ${end})`);
      }
    }
  }
}
