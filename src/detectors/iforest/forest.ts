/**
 * Isolation trees as flat typed arrays (all trees concatenated, children stored by global node index), so a
 * forest is a handful of tensors in the model file and scoring walks plain arrays. Building and scoring follow
 * Liu, Ting & Zhou (ICDM 2008) with scikit-learn's IsolationForest conventions (see detector.ts).
 */
import type { Rng } from '../../engine/rng.js';

export interface Forest {
  /** Split feature of each node; -1 at a leaf. */
  feature: Int32Array;
  /** Split threshold: x[feature] <= threshold goes left (float32, like the rows it compares with). */
  threshold: Float32Array;
  /** Global index of the children; -1 at a leaf. Children come after their parent within the same tree. */
  left: Int32Array;
  right: Int32Array;
  /** Training rows of the tree's subsample that reached the node (scikit-learn's n_node_samples). */
  size: Int32Array;
  /** First node (the root) of each tree; tree t spans [roots[t], roots[t + 1]) (the last tree ends at the node count). */
  roots: Int32Array;
  /** Rows each tree was grown on (psi): the normaliser c(psi). */
  samples: number;
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
}

/**
 * Grows the forest. Per tree: psi rows without replacement (with, under bootstrap), a feature subset when
 * features < cols, then nodes split until the height limit, one row, or no feature varies: a feature is drawn
 * uniformly among the tree's features not yet found constant in the node, and the threshold uniformly in
 * [min, max) of that feature over the node's rows.
 */
export function growForest(x: Float32Array, rows: number, cols: number, o: GrowOptions): Forest {
  const psi = o.samples, maxDepth = heightLimit(psi), maxNodes = 2 * psi - 1;
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
      let i = start, j = end - 1;
      while (i <= j) {
        if (x[sub[i] * cols + f] <= thr) i++;
        else { const v = sub[i]; sub[i] = sub[j]; sub[j] = v; j--; }
      }
      feature[node] = f; threshold[node] = thr;
      const l = newNode(i - start), r = newNode(end - i);
      left[node] = l; right[node] = r;
      stack[sp++] = r; stack[sp++] = i; stack[sp++] = end; stack[sp++] = depth + 1;
      stack[sp++] = l; stack[sp++] = start; stack[sp++] = i; stack[sp++] = depth + 1;
    }
  }
  return {
    feature: feature.slice(0, count), threshold: threshold.slice(0, count), left: left.slice(0, count),
    right: right.slice(0, count), size: size.slice(0, count), roots, samples: psi,
  };
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

/** Rows per block when scoring: a block of rows stays in cache while every tree walks it. */
const BLOCK = 256;

/**
 * The paper's anomaly score s(x, psi) = 2^(-E[h(x)] / c(psi)), E[h(x)] the mean path length over the trees
 * (scikit-learn's score_samples is its negative). In (0, 1]; near 1 = isolated early = anomalous.
 */
export function isolationScores(f: Forest, leafLength: Float64Array, x: Float32Array, rows: number, cols: number): Float64Array {
  const sums = new Float64Array(rows), { feature, threshold, left, right, roots } = f;
  for (let b = 0; b < rows; b += BLOCK) {
    const e = Math.min(rows, b + BLOCK);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      for (let r = b; r < e; r++) {
        const base = r * cols;
        let n = root;
        for (let ft = feature[n]; ft >= 0; ft = feature[n]) n = x[base + ft] <= threshold[n] ? left[n] : right[n];
        sums[r] += leafLength[n];
      }
    }
  }
  const scale = -1 / (roots.length * averagePathLength(f.samples));
  for (let r = 0; r < rows; r++) sums[r] = 2 ** (sums[r] * scale);
  return sums;
}

/**
 * Checks a forest read from a model file: consistent lengths, features in range, every tree's children inside
 * the tree and after their parent (so walks end), leaves without children, positive sizes.
 */
export function checkForest(f: Forest, cols: number, what: string): void {
  const n = f.feature.length;
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
      if (!(f.size[i] >= 1)) throw new Error(`${what}: node ${i} has size ${f.size[i]}`);
      if (leaf) {
        if (f.left[i] !== -1 || f.right[i] !== -1) throw new Error(`${what}: leaf node ${i} has children`);
        continue;
      }
      if (f.feature[i] >= cols) throw new Error(`${what}: node ${i} splits on feature ${f.feature[i]}, but there are ${cols} features`);
      if (!Number.isFinite(f.threshold[i])) throw new Error(`${what}: node ${i} has a non-finite threshold`);
      for (const c of [f.left[i], f.right[i]]) {
        if (!(c > i && c < end)) throw new Error(`${what}: node ${i} of tree ${t} has child ${c} outside (${i}, ${end})`);
      }
    }
  }
}
