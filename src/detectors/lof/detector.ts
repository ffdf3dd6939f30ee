/**
 * Local outlier factor: Breunig, Kriegel, Ng & Sander, "LOF: Identifying Density-Based Local Outliers", SIGMOD
 * 2000. With N_k(x) the k nearest reference rows of x and k-dist(o) the distance from o to its own k-th
 * neighbour: reach-dist(x, o) = max(d(x, o), k-dist(o)); lrd(x) = 1 / mean_{o in N_k(x)} reach-dist(x, o);
 * LOF(x) = mean_{o in N_k(x)} lrd(o) / lrd(x). About 1 inside a cluster, large where x is sparser than its
 * neighbours; higher = more anomalous.
 *
 * Conventions are scikit-learn 1.2's LocalOutlierFactor(novelty=True): n_neighbors 20, Euclidean distance,
 * lrd = 1 / (mean reach-dist + 1e-10) (its guard for rows with more than k duplicates), score =
 * -score_samples(x) = LOF(x) for new rows, and the training rows' scores = -negative_outlier_factor_ (their
 * neighbours are the other training rows, see ../knn/reference.ts). Like scikit-learn, k is clamped to
 * reference rows - 1 when there are not enough rows (resolvedConfig().nNeighbors is the k used).
 * The model holds the reference rows, their k-distances and lrds; those two are kept in float32 (as written to
 * the model file) from the fit on, so a loaded model scores exactly as the fitted one.
 */
import * as z from '../../zod.js';
import { kNearest, selfExclusion, type Neighbors } from '../../neighbors/knn-search.js';
import type { DetectorModel } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { maxSamplesParam, NeighborDetector, type Reference } from '../knn/reference.js';

/** scikit-learn's guard: lrd = 1 / (mean reach distance + LRD_GUARD). */
export const LRD_GUARD = 1e-10;

export const LofParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nNeighbors: z._default(z.number().check(z.int(), z.minimum(1)), 20)
    .check(z.describe('neighbours k (scikit-learn\'s n_neighbors); clamped to reference rows - 1 as scikit-learn does')),
  maxSamples: maxSamplesParam,
});
export type LofParams = z.infer<typeof LofParamsSchema>;

/** What LOF keeps per reference row. */
export interface LofModel {
  /** Neighbours used (after the clamp). */
  k: number;
  /** Distance of each reference row to its k-th neighbour among the other reference rows. */
  kDistance: Float32Array;
  /** Local reachability density of each reference row. */
  lrd: Float32Array;
}

/** lrd of each query from its neighbours among the reference rows. */
function queryLrd(nb: Neighbors, rows: number, kDistance: Float32Array): Float64Array {
  const k = nb.k, out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) s += Math.max(nb.distances[j], kDistance[nb.indices[j]]);
    out[i] = 1 / (s / k + LRD_GUARD);
  }
  return out;
}

/** LOF of each query: the mean of lrd(o) / lrd(query) over its neighbours o. */
function lofScores(nb: Neighbors, queryLrds: ArrayLike<number>, lrd: Float32Array): Float64Array {
  const k = nb.k, rows = queryLrds.length, out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) s += lrd[nb.indices[j]] / queryLrds[i];
    out[i] = s / k;
  }
  return out;
}

/** Fits LOF on reference rows: k-distances and lrds (float32) and the reference rows' own LOF. */
export function fitLof(ref: Reference, nNeighbors: number): { model: LofModel; scores: Float64Array } {
  const n = ref.rows, k = Math.max(1, Math.min(nNeighbors, n - 1));
  const nb = kNearest(ref.x, n, ref.x, n, ref.cols, k, { exclude: selfExclusion(n) });
  const kDistance = new Float32Array(n);
  for (let i = 0; i < n; i++) kDistance[i] = nb.distances[i * k + k - 1];
  const lrd = Float32Array.from(queryLrd(nb, n, kDistance));
  return { model: { k, kDistance, lrd }, scores: lofScores(nb, lrd, lrd) };
}

export class LofDetector extends NeighborDetector<LofParams> {
  readonly name = 'lof';
  readonly scoreName = 'local outlier factor';
  protected override readonly extraPerRow = 2;
  private model: LofModel | null = null;

  constructor(params: z.input<typeof LofParamsSchema> = {}) {
    super(parseParams('lof', LofParamsSchema, params));
  }

  /** k used, k-distances and lrds of the reference rows. */
  get fittedModel(): LofModel | null { return this.model; }

  resolvedConfig(): Record<string, unknown> {
    return this.model && this.reference ? { nNeighbors: this.model.k, referenceRows: this.reference.rows } : {};
  }

  protected fitReference(ref: Reference, x: Float32Array, rows: number, position: Int32Array): Float64Array {
    const { model, scores: refScores } = fitLof(ref, this.params.nNeighbors);
    this.model = model;
    if (ref.rows === rows) return refScores;
    // Training rows left out of the reference set are scored as new rows.
    const out = new Float64Array(rows), rest: number[] = [];
    for (let i = 0; i < rows; i++) { if (position[i] >= 0) out[i] = refScores[position[i]]; else rest.push(i); }
    const xr = new Float32Array(rest.length * ref.cols);
    rest.forEach((r, p) => xr.set(x.subarray(r * ref.cols, (r + 1) * ref.cols), p * ref.cols));
    const s = this.scoreNew(xr, rest.length, ref.cols);
    rest.forEach((r, p) => { out[r] = s[p]; });
    return out;
  }

  protected scoreNew(x: Float32Array, rows: number, cols: number): Float64Array {
    const ref = this.reference!, m = this.model!;
    const nb = kNearest(ref.x, ref.rows, x, rows, cols, m.k);
    return lofScores(nb, queryLrd(nb, rows, m.kDistance), m.lrd);
  }

  protected exportModel(): DetectorModel {
    const m = this.model!, n = m.lrd.length;
    return {
      config: this.resolvedConfig(), state: { k: m.k },
      tensors: [this.referenceTensor(), { name: 'kDistance', shape: [n], data: m.kDistance }, { name: 'lrd', shape: [n], data: m.lrd }],
    };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = 'lof model';
    const k = (model.state as { k?: unknown }).k;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new Error(`${what}: state.k must be an integer >= 1`);
    if (model.tensors.length !== 3) throw new Error(`${what}: expected exactly the tensors reference, kDistance, lrd`);
    const ref = this.importReference(model.tensors, features, k + 1);
    const vec = (name: string, ok: (v: number) => boolean, rule: string): Float32Array => {
      const t = model.tensors.find((v) => v.name === name);
      if (!t || t.shape.length !== 1 || t.shape[0] !== ref.rows) throw new Error(`${what}: expected a tensor "${name}" of shape [${ref.rows}]`);
      const bad = t.data.findIndex((v) => !ok(v));
      if (bad >= 0) throw new Error(`${what}: tensor "${name}" holds ${t.data[bad]} at ${bad}; it must be ${rule}`);
      return t.data;
    };
    const kDistance = vec('kDistance', (v) => v >= 0 && Number.isFinite(v), 'finite and >= 0');
    const lrd = vec('lrd', (v) => v > 0 && Number.isFinite(v), 'finite and > 0');
    this.reference = ref;
    this.model = { k, kDistance, lrd };
  }
}

registerDetector({
  name: 'lof',
  summary: 'Local outlier factor in novelty mode (exact neighbour search): score = mean lrd of the k nearest training rows over the row\'s own lrd (reachability density); k = 20',
  paper: 'Breunig et al., SIGMOD 2000',
  paramsSchema: LofParamsSchema,
  quickParams: {},
  seedFree: 'exact neighbour search makes no random choice (only maxSamples below the training rows draws a subsample)',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new LofDetector(p),
});
