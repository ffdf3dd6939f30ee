/**
 * k-nearest-neighbour distance: Ramaswamy, Rastogi & Shim, "Efficient Algorithms for Mining Outliers from Large
 * Data Sets", SIGMOD 2000 (score = distance to the k-th nearest neighbour, method 'largest'); Angiulli & Pizzuti,
 * "Fast Outlier Detection in High Dimensional Spaces", PKDD 2002 (the mean distance to the k nearest, 'mean').
 * Rows far from their neighbours are anomalies; higher = more anomalous.
 *
 * Conventions and defaults are PyOD's KNN (Zhao et al., JMLR 2019): n_neighbors 5, method largest | mean |
 * median, Euclidean distance; training rows' scores use the other training rows (PyOD's decision_scores_, see
 * reference.ts), new rows their k nearest training rows. nNeighbors must be below the number of reference rows,
 * as PyOD's fit requires (scikit-learn's kneighbors refuses n_neighbors >= n_samples_fit). The search is exact
 * (src/neighbors/knn-search.ts); the model holds the reference rows.
 */
import * as z from '../../zod.js';
import { kNearest, type Neighbors } from '../../neighbors/knn-search.js';
import type { DetectorModel } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { maxSamplesParam, NeighborDetector, type Reference } from './reference.js';

export const KnnParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nNeighbors: z._default(z.number().check(z.int(), z.minimum(1)), 5)
    .check(z.describe('neighbours k (PyOD\'s n_neighbors); must be below the reference rows')),
  method: z._default(z.enum(['largest', 'mean', 'median']), 'largest')
    .check(z.describe('largest = distance to the k-th nearest neighbour (Ramaswamy et al. 2000); mean = mean distance to the k nearest (Angiulli & Pizzuti 2002); median = their median (PyOD\'s method)')),
  maxSamples: maxSamplesParam,
});
export type KnnParams = z.infer<typeof KnnParamsSchema>;
export type KnnMethod = KnnParams['method'];

/** The score of each query from its k sorted neighbour distances (numpy.median for median: mean of the middle two when k is even). */
export function knnScores(nb: Neighbors, rows: number, method: KnnMethod): Float64Array {
  const k = nb.k, d = nb.distances, out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const b = i * k;
    if (method === 'largest') out[i] = d[b + k - 1];
    else if (method === 'median') out[i] = k % 2 ? d[b + (k - 1) / 2] : (d[b + k / 2 - 1] + d[b + k / 2]) / 2;
    else {
      let s = 0;
      for (let j = 0; j < k; j++) s += d[b + j];
      out[i] = s / k;
    }
  }
  return out;
}

export class KnnDetector extends NeighborDetector<KnnParams> {
  readonly name = 'knn';
  readonly scoreName: string;

  constructor(params: z.input<typeof KnnParamsSchema> = {}) {
    super(parseParams('knn', KnnParamsSchema, params));
    this.scoreName = {
      largest: `distance to the ${this.params.nNeighbors}-th nearest training row`,
      mean: `mean distance to the ${this.params.nNeighbors} nearest training rows`,
      median: `median distance to the ${this.params.nNeighbors} nearest training rows`,
    }[this.params.method];
  }

  resolvedConfig(): Record<string, unknown> {
    return this.reference ? { nNeighbors: this.params.nNeighbors, method: this.params.method, referenceRows: this.reference.rows } : {};
  }

  private checkK(refRows: number): void {
    const k = this.params.nNeighbors;
    if (k >= refRows) throw new Error(`knn: nNeighbors (${k}) must be below the ${refRows} reference rows (a training row's neighbours are the other rows); lower nNeighbors`);
  }

  protected fitReference(ref: Reference, x: Float32Array, rows: number, position: Int32Array): Float64Array {
    this.checkK(ref.rows);
    const nb = kNearest(ref.x, ref.rows, x, rows, ref.cols, this.params.nNeighbors, { exclude: position });
    return knnScores(nb, rows, this.params.method);
  }

  protected scoreNew(x: Float32Array, rows: number, cols: number): Float64Array {
    const ref = this.reference!;
    return knnScores(kNearest(ref.x, ref.rows, x, rows, cols, this.params.nNeighbors), rows, this.params.method);
  }

  protected exportModel(): DetectorModel {
    return { config: this.resolvedConfig(), state: {}, tensors: [this.referenceTensor()] };
  }

  protected importModel(model: DetectorModel, features: number): void {
    if (model.tensors.length !== 1) throw new Error('knn model: expected exactly one tensor, "reference"');
    this.reference = this.importReference(model.tensors, features, this.params.nNeighbors + 1);
  }
}

registerDetector({
  name: 'knn',
  summary: 'k-nearest-neighbour distance (exact search): score = distance to the k-th nearest training row (or the mean / median of the k distances); k = 5',
  paper: 'Ramaswamy et al., SIGMOD 2000; Angiulli & Pizzuti, PKDD 2002',
  paramsSchema: KnnParamsSchema,
  quickParams: {},
  seedFree: 'exact neighbour search makes no random choice (only maxSamples below the training rows draws a subsample)',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new KnnDetector(p),
});
