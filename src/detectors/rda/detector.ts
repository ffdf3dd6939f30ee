/**
 * The robust deep autoencoder (RDA): Zhou and Paffenroth, "Anomaly Detection with Robust Deep Autoencoders",
 * KDD 2017. The training rows are split as X = L_D + S, where L_D is what an autoencoder reconstructs and S is
 * sparse (the outliers and noise), by alternating (the paper's Algorithm 1; Algorithm 2 for l2,1):
 *
 *   L_D = X - S; train the autoencoder on L_D for `innerEpochs` epochs; L_D = D(E(L_D));
 *   S = prox_lambda(X - L_D), elementwise shrinkage (l1) or row-group shrinkage (l2,1);
 *   stop when c1 = ||X - L_D - S|| / ||X|| or c2 = ||LS - L_D - S|| / ||X|| (LS = L_D + S of the previous
 *   iteration, X at the start) is below `tolerance`, or after `outerIterations`.
 *
 * Rows in S are the ones the autoencoder is not fitted to, so anomalies in the training rows stop pulling the
 * autoencoder toward themselves: this is the detector for fitting on data that contains anomalies.
 *
 * Scores. For the training rows the paper's score is ||S_i||_2 (`sparseScores` after fit). A new row has no S;
 * `score: 'sparse'` gives it the S that one step of the same alternation gives it with the trained autoencoder
 * held fixed, starting from S = 0: ||prox_lambda(x - D(E(x)))||_2. Every row whose residual is within lambda
 * scores 0, as it gets S = 0 in training. The default, `score: 'reconstruction'`, is the mean squared
 * reconstruction error of the robustly trained autoencoder, because the contract needs a score that ranks:
 * a threshold by contamination c must flag c of the training rows and predictProba is a rank, but with the
 * sparse score most rows tie at 0 (on Thyroid ~96% of them), so the threshold would flag fewer rows than asked
 * and the tied rows would all get the same rank. For l2,1 the two scores order the rows the same way wherever
 * the sparse one is not 0 (||prox(r)|| = max(0, ||r|| - lambda)); RDA's gain is in training, not in the score.
 *
 * Default lambda (in the units of the scaled data: min-max by default, each feature's training range = 1): the
 * paper leaves lambda to the user (it sets how much of X is declared sparse). We fix a per-feature tolerance
 * of 0.1 of a feature's range, two to five times the per-feature error an autoencoder reaches on the normal
 * rows of smooth tabular data: l1 shrinks entries by lambda = 0.1; l2,1 shrinks a row's residual norm by
 * lambda = 0.1 * sqrt(d), the norm of a residual of 0.1 in every one of d features, so the same per-feature
 * tolerance holds at any width (a row's noise norm grows as sqrt(d)). Never tuned on labels.
 *
 * Schedule: `epochs` is the total budget, ae's default (~2,000 optimiser steps in [10, 200] epochs), split
 * into `outerIterations` (10) rounds of ceil(epochs / outerIterations) epochs, so rda costs about what ae does.
 * Adam starts afresh each round (the training loop's optimiser); each round forks its own random streams.
 * Default networks: ae's, from the input width (ae/network.ts).
 */
import * as z from '../../zod.js';
import type { Tensor } from '../../engine/tensor.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { progressLine, UNTRAINED_CONTROL, type EpochStats } from '../deep/detector.js';
import { AUTOENCODER_NETWORK_DOCS, AutoencoderBase, autoencoderNetworkShape, type AutoencoderConfig, autoencoderTrainingShape } from '../ae/network.js';
import { proxSparse, rowNorms, type SparseNorm } from './prox.js';
import { RDA_PAPER_RUNS } from './paper-configs.js';

/** The per-feature tolerance behind the default lambda, in scaled units (see the module comment). */
export const RDA_FEATURE_TOLERANCE = 0.1;

export const RdaParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...autoencoderNetworkShape(AUTOENCODER_NETWORK_DOCS),
  norm: z._default(z.enum(['l1', 'l21']), 'l21')
    .check(z.describe('sparsity norm of S: l21 (row groups: whole rows are anomalies) or l1 (single entries are corrupted)')),
  lambda: z.optional(z.number().check(z.gt(0)))
    .check(z.describe('shrinkage threshold of the proximal step, in scaled units; larger = fewer rows in S; default 0.1 (l1) or 0.1 * sqrt(d) (l21): a residual of 0.1 of the range in every feature')),
  outerIterations: z._default(z.number().check(z.int(), z.minimum(1)), 10)
    .check(z.describe('most alternations of autoencoder training and the proximal step (the paper\'s outer loop)')),
  innerEpochs: z.optional(z.number().check(z.int(), z.minimum(0)))
    .check(z.describe('autoencoder epochs per outer iteration (the paper\'s inner iterations); default ceil(epochs / outerIterations)')),
  tolerance: z._default(z.number().check(z.gt(0)), 1e-4)
    .check(z.describe('stop when ||X - L_D - S|| or the change of L_D + S, relative to ||X||, is below this (the paper\'s convergence check)')),
  score: z._default(z.enum(['sparse', 'reconstruction']), 'reconstruction')
    .check(z.describe('score of a row: reconstruction = mean squared reconstruction error of the robustly trained autoencoder; sparse = ||prox(x - AE(x))||_2, the row\'s S after one alternation step with the trained autoencoder (0 for rows within lambda: ties)')),
  ...autoencoderTrainingShape(1e-3, 'total training epochs over all outer iterations; default: ~2,000 optimiser steps, in [10, 200]'),
});
export type RdaParams = z.infer<typeof RdaParamsSchema>;

export interface RdaResolvedConfig extends AutoencoderConfig {
  /** epochs = innerEpochs x outerIterations: the most epochs training can take. */
  innerEpochs: number; outerIterations: number;
  norm: SparseNorm; lambda: number; tolerance: number; score: 'sparse' | 'reconstruction';
}

/** One outer iteration: the paper's two convergence measures and how much of X went into S. */
export interface RdaIteration { iteration: number; c1: number; c2: number; sparseRows: number; sparseEntries: number }

function frobenius(m: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return Math.sqrt(s);
}

export class RobustAutoencoderDetector extends AutoencoderBase<RdaParams, RdaResolvedConfig> {
  readonly name = 'rda';
  get scoreName(): string { return this.params.score === 'sparse' ? 'row norm of the sparse part' : 'reconstruction error'; }
  private s: Float32Array | null = null;
  private iterations: RdaIteration[] = [];

  constructor(params: z.input<typeof RdaParamsSchema> = {}) {
    super(parseParams('rda', RdaParamsSchema, params));
  }

  /** S of the last fit (training rows x features, scaled units); null after loading a model. */
  get sparsePart(): Float32Array | null { return this.s; }
  /** The paper's score of the training rows: ||S_i||_2 of the last fit. */
  get sparseScores(): Float64Array {
    if (!this.s) throw new Error('rda: no sparse part (fit the detector; it is not saved in model files)');
    const d = this.featureNames.length;
    return rowNorms(this.s, d, new Float64Array(this.s.length / d));
  }
  /** The outer iterations of the last fit. */
  get outerHistory(): readonly RdaIteration[] { return this.iterations; }

  protected configure(d: number, rows: number): RdaResolvedConfig {
    const p = this.params;
    // ae's networks and schedule; its epochs are the total budget, split over the outer iterations.
    const { epochs: total, auto, ...ae } = this.autoencoderConfig(d, rows);
    const innerEpochs = p.innerEpochs ?? Math.ceil(total / p.outerIterations);
    if (p.innerEpochs === undefined) auto.push('innerEpochs');
    const lambda = p.lambda ?? (p.norm === 'l1' ? RDA_FEATURE_TOLERANCE : RDA_FEATURE_TOLERANCE * Math.sqrt(d));
    if (p.lambda === undefined) auto.push('lambda');
    return {
      ...ae, epochs: innerEpochs * p.outerIterations, innerEpochs, outerIterations: p.outerIterations,
      norm: p.norm, lambda, tolerance: p.tolerance, score: p.score, auto,
    };
  }

  /** D(E(x)) of every row, into out. */
  private reconstructAll(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
    forEachBatchNoGrad(x, rows, cols, 8192, (t, start) => out.set(this.reconstruct(t, false).data, start * cols));
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config, n = rows * cols;
    const s = new Float32Array(n), l = new Float32Array(n), ld = new Float32Array(n), resid = new Float32Array(n);
    const ls = Float32Array.from(x);
    const xNorm = frobenius(x) || 1;
    const history: EpochStats[] = [];
    this.iterations = [];
    let steps = 0;
    for (let k = 1; k <= c.outerIterations; k++) {
      for (let i = 0; i < n; i++) l[i] = x[i] - s[i];
      const offset = history.length;
      const r = this.trainEpochs(l, rows, cols, ctx.rng.fork(`outer ${k}`), c.innerEpochs, ctx.onProgress
        ? (ep, st) => ctx.onProgress!(offset + ep, c.epochs, `outer ${k}/${c.outerIterations}, ${progressLine(st)}`)
        : undefined);
      steps += r.steps;
      for (const h of r.history) history.push({ ...h, epoch: offset + h.epoch });
      this.reconstructAll(l, rows, cols, ld);
      for (let i = 0; i < n; i++) resid[i] = x[i] - ld[i];
      proxSparse(c.norm, resid, cols, c.lambda, s);
      let e1 = 0, e2 = 0, entries = 0, sparseRows = 0;
      for (let i = 0; i < rows; i++) {
        let rowHas = false;
        for (let j = i * cols; j < (i + 1) * cols; j++) {
          e1 += (resid[j] - s[j]) ** 2;
          e2 += (ls[j] - ld[j] - s[j]) ** 2;
          ls[j] = ld[j] + s[j];
          if (s[j] !== 0) { entries++; rowHas = true; }
        }
        if (rowHas) sparseRows++;
      }
      const it = { iteration: k, c1: Math.sqrt(e1) / xNorm, c2: Math.sqrt(e2) / xNorm, sparseRows, sparseEntries: entries };
      this.iterations.push(it);
      if (it.c1 < c.tolerance || it.c2 < c.tolerance) break;
    }
    this.s = s;
    return { steps, history };
  }

  protected override scoreBatch(batch: Tensor, out: Float64Array): void {
    if (this.config.score === 'reconstruction') { super.scoreBatch(batch, out); return; }
    const x = batch.data, xr = this.reconstruct(batch, false).data, d = batch.cols;
    const r = new Float32Array(x.length);
    for (let i = 0; i < r.length; i++) r[i] = x[i] - xr[i];
    rowNorms(proxSparse(this.config.norm, r, d, this.config.lambda, r), d, out);
  }

  protected override importState(): void { this.s = null; this.iterations = []; }
}

registerDetector({
  name: 'rda',
  summary: 'Robust deep autoencoder: X = L_D + S, alternating autoencoder training on L_D = X - S with the l2,1 (rows) or l1 (entries) proximal step on S, so anomalies in the training rows go to S instead of the autoencoder; score = reconstruction error (option: ||prox(x - AE(x))||_2, the row\'s sparse part)',
  paper: 'Zhou & Paffenroth, KDD 2017',
  paramsSchema: RdaParamsSchema,
  quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2, outerIterations: 4 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: RDA_PAPER_RUNS,
  create: (p) => new RobustAutoencoderDetector(p),
});
