/**
 * REPEN (Pang, Cao, Chen and Liu, "Learning Representations of Ultrahigh-dimensional Data for Random
 * Distance-based Outlier Detection", KDD 2018): a representation network phi trained with a triplet ranking
 * loss on triplets drawn by the pseudo-labels of a cheap detector, then scored by that detector in the
 * learned space.
 *
 * 1. Pseudo-labels: LeSiNN (lesinn.ts; E = 50 subsamples of S = 8 training rows, seeded) scores the training
 *    rows; rows above mean + 1.7321 sd of those scores (Cantelli's inequality at 1/4) are pseudo-outliers,
 *    the rest pseudo-inliers (if no score is that high, the 10 highest are the outliers, as the authors' code).
 * 2. Triplets, as the authors' code (rankod.py): an example from the inliers with probability proportional to
 *    (sum of the inliers' scores - its score), a positive uniformly from the other inliers, a negative from the
 *    outliers with probability proportional to its score; drawn from the training loop's noise stream, one
 *    triplet per row of each mini-batch (the batch's rows themselves are not used).
 * 3. Loss: mean over triplets of max(0, margin - (||phi(e) - phi(n)||^2 - ||phi(e) - phi(p)||^2)), margin
 *    1000 (the paper's; with it the hinge rarely closes, so training keeps pushing pseudo-outliers apart).
 * 4. Score: LeSiNN in the learned space, with the same E subsamples of training rows as in step 1 (the
 *    authors' code draws both from one seed): the members' representations are saved in the model file, and a
 *    row's score is the mean over subsamples of its distance to the nearest member's representation.
 *
 * Defaults: the paper's phi, one dense ReLU layer FC(d,K,relu) with K = 20 for every input width (the
 * paper's, for data of thousands to millions of features; not narrowed for narrow data: a random ReLU layer
 * zeroes about half its units per row, and on the planted-plane test data (d = 8) LeSiNN in an untrained
 * 8-unit layer ranked the anomalies at AUROC 0.90, in a 20-unit one at 0.99), batch 256, 30 epochs of
 * rows / batch steps (the authors' schedule). Adam at 1e-3 stands in for the authors' Adadelta (Keras: its
 * steps start near sqrt(1e-7) and grow slowly); with the margin of 1000 the hinge never closes on data of
 * this scale, the loss is the unbounded difference of squared distances, and larger steps followed the
 * triplets' sampling noise (planted data: AUROC 0.85 at 1e-2, 0.99 at 1e-3). REPEN learns from pseudo-labels
 * on the training rows themselves (it was built for unlabelled, contaminated data); trained on normal rows
 * only, its pseudo-outliers are the rarest normal rows. Early stopping is not offered: held-out rows carry
 * no triplets.
 */
import * as z from '../../zod.js';
import { mean, relu, slice, square, sub, sum } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { takeRows } from '../../data/datasets/types.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { lesinnScores, lesinnSubsamples } from './lesinn.js';

const { earlyStopping: _noEarlyStopping, ...training } = deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs of rows / batchSize triplet batches each; default 30 (the authors\')', batchSize: 'triplets per step; default 256 (the authors\'; at most the training rows)' });
void _noEarlyStopping;

export const RepenParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  representationSize: z.optional(z.number().check(z.int(), z.minimum(1)))
    .check(z.describe('K, the width of the learned representation; default 20 (the paper\'s, for every data set)')),
  network: z.optional(z.string())
    .check(z.describe('representation network phi in the paper\'s notation, d inputs to K outputs; default FC(d,K,relu) (the paper\'s one ReLU layer)')),
  ensembleSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10000)), 50)
    .check(z.describe('E, LeSiNN\'s number of random subsamples (pseudo-labels and score)')),
  subsampleSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10000)), 8)
    .check(z.describe('S, training rows per LeSiNN subsample (all rows when fewer)')),
  margin: z._default(z.number().check(z.gt(0), z.refine(Number.isFinite, 'must be finite')), 1000)
    .check(z.describe('triplet ranking loss margin on squared distances (the paper\'s 1000)')),
  cutoff: z._default(z.number().check(z.gt(0), z.refine(Number.isFinite, 'must be finite')), 1.7321)
    .check(z.describe('pseudo-outliers: training rows whose LeSiNN score exceeds mean + cutoff x sd (the paper\'s sqrt(3), Cantelli\'s bound 1/4)')),
  ...training,
});
export type RepenParams = z.infer<typeof RepenParamsSchema>;

export interface RepenConfig extends DeepTrainingConfig {
  network: string; representationSize: number; ensembleSize: number; subsampleSize: number; margin: number; cutoff: number; auto: string[];
}

/**
 * REPEN's pseudo-labels: indices of rows whose score exceeds mean + cutoff * sd (population sd), the rest
 * inliers; when none does, the 10 highest scores (at most rows - 2, ties by index) are the outliers.
 */
export function pseudoLabels(scores: ArrayLike<number>, cutoff: number): { inliers: Int32Array; outliers: Int32Array } {
  const n = scores.length;
  let mu = 0, v = 0;
  for (let i = 0; i < n; i++) mu += scores[i];
  mu /= n;
  for (let i = 0; i < n; i++) v += (scores[i] - mu) ** 2;
  const th = mu + cutoff * Math.sqrt(v / n);
  let out = Array.from({ length: n }, (_, i) => i).filter((i) => scores[i] > th);
  if (out.length === 0) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    out = order.slice(0, Math.max(1, Math.min(10, n - 2))).sort((a, b) => a - b);
  }
  const isOut = new Uint8Array(n);
  for (const i of out) isOut[i] = 1;
  const inliers: number[] = [];
  for (let i = 0; i < n; i++) if (!isOut[i]) inliers.push(i);
  return { inliers: Int32Array.from(inliers), outliers: Int32Array.from(out) };
}

/**
 * Sampling weights of the triplets' examples (inlier i: sum of the inliers' scores - its score) and negatives
 * (outlier j: its score), each normalised to sum 1 (uniform when every weight is 0).
 */
export function tripletWeights(scores: ArrayLike<number>, inliers: Int32Array, outliers: Int32Array): { example: Float64Array; negative: Float64Array } {
  let total = 0;
  for (const i of inliers) total += scores[i];
  const norm = (w: Float64Array) => {
    const s = w.reduce((a, b) => a + b, 0);
    return s > 0 ? w.map((v) => v / s) : w.fill(1 / w.length);
  };
  return {
    example: norm(Float64Array.from(inliers, (i) => total - scores[i])),
    negative: norm(Float64Array.from(outliers, (j) => scores[j])),
  };
}

/** Triplet ranking loss of representations [n, K]: mean max(0, margin - (||e - n||^2 - ||e - p||^2)). */
export function tripletRankingLoss(e: Tensor, p: Tensor, n: Tensor, margin: number): Tensor {
  const pos = sum(square(sub(e, p)), 1), neg = sum(square(sub(e, n)), 1);
  return mean(relu(sub(margin, sub(neg, pos))));
}

/** Cumulative sums of weights summing to 1, for inverse-CDF draws. */
function cumulative(w: Float64Array): Float64Array {
  const c = new Float64Array(w.length);
  let s = 0;
  w.forEach((v, i) => { s += v; c[i] = s; });
  return c;
}

/** An index drawn with the weights whose cumulative sums are c. */
function drawIndex(c: Float64Array, rng: Rng): number {
  const u = rng.uniform() * c[c.length - 1];
  let lo = 0, hi = c.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (c[mid] > u) hi = mid; else lo = mid + 1; }
  return lo;
}

interface TripletPool { x: Float32Array; cols: number; inliers: Int32Array; outliers: Int32Array; example: Float64Array; negative: Float64Array }

export class RepenDetector extends DeepDetector<RepenParams, RepenConfig> {
  readonly name = 'repen';
  readonly scoreName = 'LeSiNN score in the learned representation';
  private members: Int32Array | null = null;
  private memberCodes: Float64Array | null = null;
  private pool: TripletPool | null = null;
  private lastPseudo: { inliers: number; outliers: Int32Array } | null = null;

  constructor(params: z.input<typeof RepenParamsSchema> = {}) {
    super(parseParams('repen', RepenParamsSchema, params));
  }

  /** How many training rows the last fit took as pseudo-inliers and pseudo-outliers (null after loading). */
  get pseudoLabelCounts(): { inliers: number; outliers: number } | null {
    return this.lastPseudo && { inliers: this.lastPseudo.inliers, outliers: this.lastPseudo.outliers.length };
  }

  /**
   * The rows the last fit took as pseudo-outliers, as indices into its training rows (null after loading):
   * with labels at hand, how many of them are anomalies says what the triplets taught (bench/repen-pseudo-labels.ts).
   */
  get pseudoOutlierRows(): Int32Array | null { return this.lastPseudo && this.lastPseudo.outliers.slice(); }

  protected configure(d: number, rows: number): RepenConfig {
    const p = this.params, auto: string[] = [];
    let network = p.network, k = p.representationSize;
    if (network === undefined) {
      k ??= 20;
      network = `FC(${d},${k},relu)`;
      auto.push('network');
    }
    const l = parseNetworkSpec(network);
    if (specInputSize(l) !== d) throw new Error(`${this.name}: the network takes ${specInputSize(l)} inputs, the data has ${d} features`);
    if (k !== undefined && specOutputSize(l) !== k) throw new Error(`${this.name}: the network outputs ${specOutputSize(l)} values, but representationSize is ${k}`);
    if (p.representationSize === undefined) auto.push('representationSize');
    const batchSize = p.batchSize ?? Math.min(256, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? 30;
    if (p.epochs === undefined) auto.push('epochs');
    return {
      network, representationSize: specOutputSize(l), ensembleSize: p.ensembleSize, subsampleSize: p.subsampleSize,
      margin: p.margin, cutoff: p.cutoff, epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected networks(c: RepenConfig): Record<string, string> {
    return { representation: c.network };
  }

  /** The representations phi(x) of preprocessed rows, [rows, K] (no gradients). */
  represent(x: Float32Array, rows: number): Float32Array {
    const k = this.config.representationSize, out = new Float32Array(rows * k), net = this.mlp('representation');
    forEachBatchNoGrad(x, rows, x.length / rows, 8192, (t, start) => out.set(net.forward(t).data, start * k));
    return out;
  }

  /** LeSiNN pseudo-labels of the training rows and the triplet sampling weights, then the training loop. */
  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config;
    this.members = lesinnSubsamples(rows, c.ensembleSize, c.subsampleSize, ctx.rng.fork('lesinn'));
    const scores = new Float64Array(rows);
    lesinnScores(x, rows, cols, takeRows(x, cols, this.members), c.ensembleSize, scores);
    const { inliers, outliers } = pseudoLabels(scores, c.cutoff);
    this.pool = { x, cols, inliers, outliers, ...tripletWeights(scores, inliers, outliers) };
    this.lastPseudo = { inliers: inliers.length, outliers };
    try {
      return super.train(x, rows, cols, ctx);
    } finally {
      this.pool = null;
    }
  }

  /** batch.rows triplets drawn by the pseudo-labels (the batch's rows only set how many). */
  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const pool = this.pool;
    if (!pool) throw new Error(`${this.name}: triplets are drawn only while training`);
    const n = batch.rows, { cols, inliers, outliers } = pool;
    const ce = cumulative(pool.example), cn = cumulative(pool.negative);
    const idx = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const e = drawIndex(ce, ctx.rng);
      let q = e;
      if (inliers.length > 1) while (q === e) q = ctx.rng.int(inliers.length);
      idx[i] = inliers[e]; idx[n + i] = inliers[q]; idx[2 * n + i] = outliers[drawIndex(cn, ctx.rng)];
    }
    const z = this.mlp('representation').forward(new Tensor(takeRows(pool.x, cols, idx), [3 * n, cols]), { training: ctx.training, rng: ctx.rng });
    return { loss: tripletRankingLoss(slice(z, 0, 0, n), slice(z, 0, n, 2 * n), slice(z, 0, 2 * n, 3 * n), this.config.margin) };
  }

  /** The scoring ensemble: the LeSiNN members' representations under the trained network. */
  protected override afterTraining(x: Float32Array, _rows: number, cols: number): void {
    const m = this.members!;
    this.memberCodes = Float64Array.from(this.represent(takeRows(x, cols, m), m.length));
    this.members = null;
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const c = this.config, codes = this.codes();
    lesinnScores(this.mlp('representation').forward(batch).data, batch.rows, c.representationSize, codes, c.ensembleSize, out);
  }

  private codes(): Float64Array {
    if (!this.memberCodes) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.memberCodes;
  }

  protected override exportState(): Record<string, unknown> {
    return { members: Array.from(this.codes()) };
  }

  protected override importState(state: Record<string, unknown>, config: RepenConfig): void {
    const what = `${this.name} model`, k = config.representationSize, e = config.ensembleSize;
    for (const [key, v] of [['representationSize', k], ['ensembleSize', e]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${what}: config.resolved.${key} must be a positive integer, got ${String(v)}`);
    }
    const v = state.members;
    if (!Array.isArray(v)) throw new Error(`${what}: state.members is missing or not an array`);
    if (v.length === 0 || v.length % (k * e) !== 0) throw new Error(`${what}: state.members has ${v.length} values; ${e} subsamples of representations of width ${k} need a positive multiple of ${k * e}`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what}: state.members[${i}] = ${String(x)} is not a finite number`);
    });
    this.memberCodes = Float64Array.from(v as number[]);
    this.lastPseudo = null;
  }
}

registerDetector({
  name: 'repen',
  summary: 'REPEN: a representation trained with a triplet ranking loss on triplets drawn by LeSiNN pseudo-labels (pseudo-outliers pushed away from inliers); score = LeSiNN (mean distance to the nearest member of random subsamples of training rows) in the learned space',
  paper: 'Pang, Cao, Chen and Liu, KDD 2018',
  paramsSchema: RepenParamsSchema,
  quickParams: { epochs: 10, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new RepenDetector(p),
});
