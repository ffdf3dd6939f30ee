/**
 * GOAD (Bergman and Hoshen, "Classification-Based Anomaly Detection for General Data", ICLR 2020), its
 * tabular form: M random affine transformations T_m(x) = W_m x + b_m of a row, a feature network f shared by
 * all of them, trained so that f(T_m x) lies nearest to the centre c_m of its own transformation; score =
 * -sum_m log P(m | T_m x) with P(m' | T_m x) = softmax over m' of -max(||f(T_m x) - c_m'||^2, eps).
 * Normal rows learned to be told apart by transformation get high probabilities; rows unlike the training
 * data do not.
 *
 * Training loss of a batch, as the authors' tabular code (opt_tc_tabular.py): cross-entropy of a classifier
 * head g(leaky_relu(f(T_m x))) over the M transformations, plus lambda times the triplet centre loss:
 * with c_m the batch mean of f(T_m x) over the batch's rows (differentiated through),
 *   mean over rows i and transformations m of max(0, ||z_im - c_m||^2 + s - min_{m' != m} ||z_im - c_m'||^2).
 * After training the centres are the means of f(T_m x) over every training row (the authors average the last
 * epoch's training-mode batch means; without batch norm the two differ only by the network's drift within
 * that epoch); they are saved in the model file.
 *
 * The transformations are a declared network "transforms", FC(d, M*r, none): its weight columns
 * [m*r, (m+1)*r) are W_m (entries N(0, 1) from the seed's 'transforms' stream, as the authors' code draws
 * them) and its bias the b_m (0 by default, as that code has none; N(0, 1) with affineBias). They act on
 * standardised columns, as the authors' loader feeds them (standardize, folded into that network's weight
 * and bias): on min-max scaled rows the offset W_m mean alone tells the transformations apart, and the
 * classifier then learns nothing about the rows (measured on the planted-plane test data: AUROC 0.83
 * without, 0.985 with). Training never updates the network (one phase over the features and classifier
 * networks), and it travels in the model file.
 *
 * A linear feature network is refused on standardised columns (unless affineBias): it maps the rows' mean,
 * 0, to f(0) under every transformation, so all centres would coincide (paper-configs.ts: what that did).
 *
 * Where this differs from the authors' code: every layer has a bias (the code's trunk has none), the
 * optimiser is the template's Adam with torch defaults (the code uses betas (0.5, 0.999)), initialisation
 * is Glorot-uniform (theirs Xavier-normal with gain sqrt 2), and there is no batch norm (the paper mentions
 * it; the published tabular code, netC1/netC5 in fcnet.py, has none).
 *
 * Defaults from the input width d (GOAD has only per-data-set settings; paper-configs.ts has them): M = 64
 * transformations (its KDDCUP setting; the score costs M^2 distances per row), r = clamp(d, 16, 64) values per
 * transformation (so that small d loses nothing; GOAD: 32 for d = 6 and 274, 64 for d = 120), F =
 * clamp(ceil(r / 2), 8, 64) features (GOAD: 8 for r = 32, 32 for r = 64), features network
 * FC(r,F,leaky_relu(0.2))-FC(F,F,none) (between GOAD's one-layer netC1 and five-layer netC5), margin s = 1,
 * lambda = 0.1, eps = 0; batch 64, learning rate 1e-3, GOAD's 25 epochs but at most ~2,000 steps.
 */
import { kernels } from '../../engine/backend/index.js';
import * as z from '../../zod.js';
import { add, leakyRelu, reshape, scale, stopGradient } from '../../engine/ops/index.js';
import { allocData, makeOutput, Tensor } from '../../engine/tensor.js';
import type { Rng } from '../../engine/rng.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepPhase, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { GOAD_PAPER_RUNS } from './paper-configs.js';

const positiveInt = (min: number) => z.number().check(z.int(), z.minimum(min));

export const GoadParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  transformations: z._default(positiveInt(2).check(z.maximum(4096)), 64)
    .check(z.describe('M, the number of random affine transformations (classes); scoring costs M^2 distances per row')),
  transformDim: z.optional(positiveInt(1))
    .check(z.describe('r, the output width of each transformation T_m(x) = W_m x + b_m; default clamp(d, 16, 64) for d features')),
  featureSize: z.optional(positiveInt(1))
    .check(z.describe('F, the width of the features f(T_m x) the centres live in; default clamp(ceil(r / 2), 8, 64)')),
  network: z.optional(z.string())
    .check(z.describe('feature network f in the paper\'s notation, from r inputs to F features, e.g. FC(16,8,leaky_relu(0.2))-FC(8,8,none); default FC(r,F,leaky_relu(0.2))-FC(F,F,none)')),
  standardize: z._default(z.boolean(), true)
    .check(z.describe('transform standardised columns, (x - mean) / sd over the training rows, as GOAD\'s loader does (folded into the transformations); without it a min-max scaled row\'s offset W_m mean alone tells the transformations apart')),
  affineBias: z._default(z.boolean(), false)
    .check(z.describe('draw the offsets b_m from N(0, 1) too (the paper\'s affine form); default: b_m = 0, as the authors\' tabular code')),
  margin: z._default(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')), 1)
    .check(z.describe('s, the triplet centre loss margin (GOAD\'s tabular default 1)')),
  lambda: z._default(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')), 0.1)
    .check(z.describe('weight of the triplet centre loss beside the cross-entropy (GOAD\'s 0.1)')),
  eps: z._default(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')), 0)
    .check(z.describe('squared distances below eps count as eps in the score (GOAD\'s eps, default 0)')),
  ...deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs; default GOAD\'s 25, fewer when that would exceed ~2,000 optimiser steps (at least 1)', batchSize: 'mini-batch rows, each giving M transformed rows; default 64 (at most the training rows)' }),
});
export type GoadParams = z.infer<typeof GoadParamsSchema>;

export interface GoadConfig extends DeepTrainingConfig {
  inputs: number; transformations: number; transformDim: number; featureSize: number; network: string;
  standardize: boolean; affineBias: boolean; margin: number; lambda: number; eps: number; auto: string[];
}

/** The leaky-ReLU slope before the classifier head (GOAD's LeakyReLU(0.2)). */
const HEAD_SLOPE = 0.2;

/**
 * The triplet centre loss of features z [n*M, F] (row i*M + m = f(T_m x_i)): with c_m the mean over the n rows
 * of z_im, the mean over (i, m) of max(0, ||z_im - c_m||^2 + margin - min_{m' != m} ||z_im - c_m'||^2).
 * Differentiable through z and the centres (the minimum's gradient goes to the nearest other centre).
 * One op with its own backward: as a chain of tensor ops it made a dozen passes over the [n*M, M] distances
 * per step, about half of GOAD's training time at M = 64. The batch centres are float64 sums here; the rest is
 * one gemm (z c^T) and the backend's Kernels.tripletHinge / tripletHingeBackward (the nearest other centre from
 * ||c||^2 - 2 z.c, the hinge's two distances summed in float64 from the differences).
 */
export function tripletCentreLoss(z: Tensor, n: number, m: number, margin: number): Tensor {
  const f = z.cols, rows = n * m;
  if (z.rows !== rows) throw new Error(`triplet centre loss: ${z.rows} feature rows are not ${n} rows x ${m} transformations`);
  if (m < 2) throw new Error('triplet centre loss: needs at least 2 transformations');
  const zd = z.data, acc = new Float64Array(m * f), mf = m * f;
  for (let i = 0; i < n; i++) {
    const zo = i * mf;
    for (let q = 0; q < mf; q++) acc[q] += zd[zo + q];
  }
  const c = allocData(m * f, false);
  for (let j = 0; j < m * f; j++) c[j] = acc[j] / n;
  const zc = allocData(rows * m, false);
  kernels().gemm(false, true, rows, m, f, zd, c, 0, zc);
  // nearest[r]: the nearest other centre of row r while its hinge is active, else -1 (no gradient).
  const nearest = new Int32Array(rows);
  const total = kernels().tripletHinge(rows, m, f, zd, c, zc, margin, nearest);
  const out = allocData(1, false);
  out[0] = total / rows;
  return makeOutput(out, [], [z], (g) => {
    // d/dz_r of the hinge: 2(z_r - c_k) - 2(z_r - c_b) = 2(c_b - c_k); d/dc_k = -2(z_r - c_k), d/dc_b = 2(z_r - c_b);
    // and c_m = mean_i z_im passes dL/dc_m / n to every row of transformation m.
    kernels().tripletHingeBackward(rows, m, f, n, zd, c, nearest, (2 * g[0]) / rows, z.gradBuffer());
  });
}

/**
 * Cross-entropy of logits [n*M, M] against the transformation of each row (row i*M + m has class m): the
 * backend's log-softmax, then -mean_r of row r's own entry; the backward feeds that one entry per row to the
 * log-softmax's backward kernel.
 */
export function transformationCrossEntropy(logits: Tensor, n: number, m: number): Tensor {
  const rows = n * m;
  if (logits.rows !== rows || logits.cols !== m) throw new Error(`transformation cross-entropy: logits [${logits.shape.join(', ')}] are not [${rows}, ${m}]`);
  const ls = allocData(rows * m, false);
  kernels().logSoftmax(rows, m, logits.data, ls);
  let s = 0;
  for (let r = 0; r < rows; r++) s += ls[r * m + (r % m)];
  const out = allocData(1, false);
  out[0] = -s / rows;
  return makeOutput(out, [], [logits], (g) => {
    const gy = allocData(rows * m), v = -g[0] / rows;
    for (let r = 0; r < rows; r++) gy[r * m + (r % m)] = v;
    kernels().logSoftmaxBackward(rows, m, ls, gy, logits.gradBuffer());
  });
}

/**
 * GOAD's score of rows from their features z [rows*M, F] (row-major as above) and the centres [M*F]:
 * -sum_m log softmax_{m'}(-max(||z_im - c_m'||^2, eps))[m], in float64, written into out. The squared
 * distances come from Kernels.squaredDistances64 (float64, columns in order: the same values on every backend).
 */
export function goadScores(z: Float32Array, rows: number, m: number, f: number, centres: Float64Array, eps: number, out: Float64Array): void {
  // Distances of at most ~2^20 transformed rows x centres at a time (8 MiB of float64).
  const per = Math.max(1, Math.floor((1 << 20) / (m * m)));
  const dist = new Float64Array(Math.min(rows, per) * m * m), own = new Float64Array(Math.min(rows, per) * m);
  for (let i0 = 0; i0 < rows; i0 += per) {
    const n = Math.min(per, rows - i0);
    const len = n * m * m;
    kernels().squaredDistances64(n * m, m, f, z.subarray(i0 * m * f, (i0 + n) * m * f), centres, dist);
    // -log P(k) = d_k + log sum_j exp(-d_j) = (d_k - lo) + log sum_j exp(lo - d_j), lo the row's smallest d.
    // Each row is shifted to d - lo in place, then one exp(-(d - lo)) over the block: -(d - lo) is lo - d exactly.
    for (let o = 0; o < len; o += m) {
      let lo = Infinity;
      for (let j = 0; j < m; j++) {
        const d = Math.max(dist[o + j], eps);
        dist[o + j] = d;
        if (d < lo) lo = d;
      }
      for (let j = 0; j < m; j++) dist[o + j] -= lo;
    }
    for (let r = 0; r < n * m; r++) own[r] = dist[r * m + (r % m)];
    kernels().expAffine(len, -1, 0, dist, dist);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < m; k++) {
        const o = (i * m + k) * m;
        let se = 0;
        for (let j = 0; j < m; j++) se += dist[o + j];
        s += own[i * m + k] + Math.log(se);
      }
      out[i0 + i] = s;
    }
  }
}

/**
 * Sets the transformation network to T_m(x) = W_m s(x) + b_m for every m at once: W (all W_m side by side,
 * [d, M*r]) with N(0, 1) entries, b with N(0, 1) entries when affineBias (else 0), and s(x) = (x - mean) / sd
 * the column standardisation of the training rows x when standardize (columns constant there keep sd 1),
 * folded into the network's weight W / sd and bias b - (mean / sd) W.
 */
export function drawTransformations(net: Mlp, o: { affineBias: boolean; standardize: boolean }, rng: Rng, x: Float32Array, rows: number): void {
  const w = net.weights[0].data, b = net.biases[0].data, d = net.weights[0].shape[0], k = b.length;
  for (let i = 0; i < w.length; i++) w[i] = rng.normal();
  for (let i = 0; i < k; i++) b[i] = o.affineBias ? rng.normal() : 0;
  if (!o.standardize) return;
  const mu = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) sd[j] += (x[i * d + j] - mu[j]) ** 2;
  for (let j = 0; j < d; j++) { sd[j] = Math.sqrt(sd[j] / rows); if (!(sd[j] > 0)) sd[j] = 1; }
  const shift = new Float64Array(k);
  for (let j = 0; j < d; j++) {
    for (let c = 0; c < k; c++) { const v = w[j * k + c] / sd[j]; w[j * k + c] = v; shift[c] += mu[j] * v; }
  }
  for (let c = 0; c < k; c++) b[c] -= shift[c];
}

export class GoadDetector extends DeepDetector<GoadParams, GoadConfig> {
  readonly name = 'goad';
  readonly scoreName = 'transformation log-likelihood -sum_m log P(m | T_m x)';
  private centres: Float64Array | null = null;

  constructor(params: z.input<typeof GoadParamsSchema> = {}) {
    super(parseParams('goad', GoadParamsSchema, params));
  }

  /** The centres c_m, row-major [M, F] (a copy). */
  get transformationCentres(): Float64Array { return this.state().slice(); }

  private state(): Float64Array {
    if (!this.centres) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.centres;
  }

  protected configure(d: number, rows: number): GoadConfig {
    const p = this.params, auto: string[] = [];
    let r: number, f: number, network: string;
    if (p.network !== undefined) {
      const layers = parseNetworkSpec(p.network);
      r = specInputSize(layers); f = specOutputSize(layers); network = p.network;
      if (p.transformDim !== undefined && p.transformDim !== r) throw new Error(`${this.name}: the network takes ${r} inputs, but transformDim is ${p.transformDim}`);
      if (p.featureSize !== undefined && p.featureSize !== f) throw new Error(`${this.name}: the network outputs ${f} features, but featureSize is ${p.featureSize}`);
    } else {
      r = p.transformDim ?? Math.min(64, Math.max(16, d));
      f = p.featureSize ?? Math.min(64, Math.max(8, Math.ceil(r / 2)));
      network = denseChain([r, f, f], `leaky_relu(${HEAD_SLOPE})`);
      auto.push('network');
      if (p.transformDim === undefined) auto.push('transformDim');
      if (p.featureSize === undefined) auto.push('featureSize');
    }
    // A linear f maps the mean of standardised rows, 0, to one point for every m: all centres would coincide.
    if (p.standardize && !p.affineBias && parseNetworkSpec(network).every((l) => l.kind !== 'dense' || l.activation === 'none')) {
      throw new Error(`${this.name}: the network "${network}" is linear; on standardised columns every transformation's centre would be the same point f(0). Add a nonlinear layer, or set affineBias`);
    }
    const batchSize = p.batchSize ?? Math.min(64, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.max(1, Math.min(25, Math.floor(2000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return {
      inputs: d, transformations: p.transformations, transformDim: r, featureSize: f, network, standardize: p.standardize, affineBias: p.affineBias,
      margin: p.margin, lambda: p.lambda, eps: p.eps, epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected networks(c: GoadConfig): Record<string, string> {
    return {
      transforms: `FC(${this.inputsFor(c)},${c.transformations * c.transformDim},none)`,
      features: c.network,
      classifier: `FC(${c.featureSize},${c.transformations},none)`,
    };
  }

  /** The input width d the transformations take (saved in the configuration: the first network needs it). */
  private inputsFor(c: GoadConfig): number {
    if (!(Number.isInteger(c.inputs) && c.inputs > 0)) throw new Error(`config.resolved.inputs must be a positive integer, got ${String(c.inputs)}`);
    return c.inputs;
  }

  protected override phases(): readonly DeepPhase[] {
    return [{ name: 'classifier', networks: ['features', 'classifier'], loss: (b, ctx) => this.loss(b, ctx) }];
  }

  /** Features f(T_m x) of rows x [n, d]: [n*M, F], row i*M + m (the transformations take no gradient). */
  features(x: Tensor, training = false, rng?: Rng): Tensor {
    const c = this.config, n = x.rows;
    const t = stopGradient(this.mlp('transforms').forward(x));
    return this.mlp('features').forward(reshape(t, [n * c.transformations, c.transformDim]), { training, rng });
  }

  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const c = this.config, n = batch.rows, m = c.transformations;
    const zf = this.features(batch, ctx.training, ctx.rng);
    const logits = this.mlp('classifier').forward(leakyRelu(zf, HEAD_SLOPE), { training: ctx.training, rng: ctx.rng });
    const ce = transformationCrossEntropy(logits, n, m);
    const tc = tripletCentreLoss(zf, n, m, c.margin);
    return { loss: add(ce, scale(tc, c.lambda)), terms: { crossEntropy: ce, tripletCentre: tc } };
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    drawTransformations(this.mlp('transforms'), this.config, ctx.rng.fork('transforms'), x, rows);
    return super.train(x, rows, cols, ctx);
  }

  /** Rows per forward pass outside training: M transformed rows each, about 65,536 transformed rows in all. */
  private chunkRows(): number { return Math.max(1, Math.floor(65536 / this.config.transformations)); }

  /** The centres: the mean features of every training row under each transformation. */
  protected override afterTraining(x: Float32Array, rows: number, cols: number): void {
    const c = this.config, m = c.transformations, f = c.featureSize, acc = new Float64Array(m * f);
    forEachBatchNoGrad(x, rows, cols, this.chunkRows(), (t) => {
      const zd = this.features(t).data;
      for (let r = 0; r < t.rows * m; r++) for (let a = 0; a < f; a++) acc[(r % m) * f + a] += zd[r * f + a];
    });
    for (let i = 0; i < acc.length; i++) acc[i] /= rows;
    this.centres = acc;
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const c = this.config, d = batch.cols, step = this.chunkRows();
    for (let s = 0; s < batch.rows; s += step) {
      const n = Math.min(step, batch.rows - s);
      const z = this.features(new Tensor(batch.data.subarray(s * d, (s + n) * d), [n, d])).data;
      goadScores(z, n, c.transformations, c.featureSize, this.state(), c.eps, out.subarray(s, s + n));
    }
  }

  protected override exportState(): Record<string, unknown> {
    return { centres: Array.from(this.state()) };
  }

  protected override importState(state: Record<string, unknown>, config: GoadConfig): void {
    const what = `${this.name} model`, n = config.transformations * config.featureSize;
    const v = state.centres;
    if (!Array.isArray(v)) throw new Error(`${what}: state.centres is missing or not an array`);
    if (v.length !== n) throw new Error(`${what}: state.centres has ${v.length} values; ${config.transformations} transformations of ${config.featureSize} features need ${n}`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what}: state.centres[${i}] = ${String(x)} is not a finite number`);
    });
    this.centres = Float64Array.from(v as number[]);
  }
}

registerDetector({
  name: 'goad',
  summary: 'GOAD: a feature network trained to tell which of M random affine transformations a row went through (cross-entropy plus a triplet centre loss); score = -sum_m log P(m | T_m x), P from distances to the transformations\' feature centres',
  paper: 'Bergman and Hoshen, ICLR 2020',
  paramsSchema: GoadParamsSchema,
  quickParams: { epochs: 10, transformations: 8, batchSize: 32, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: GOAD_PAPER_RUNS,
  create: (p) => new GoadDetector(p),
});
