/**
 * RDP, random distance prediction (Wang, Pang, Shen and Ma, "Unsupervised Representation Learning by
 * Predicting Random Distances", IJCAI 2020), in its anomaly-detection form: a fixed random network eta (the
 * random projection) and a learnable network phi of the same shape, trained on normal rows so that
 *   - phi predicts the distances between pairs of rows in eta's space (the paper's L_rdp), and
 *   - phi(x) predicts eta(x) itself (the paper's auxiliary loss for anomaly detection, L_aux^ad, random
 *     network distillation).
 * Where the training rows never varied, phi keeps its random difference from eta, so rows off the normal
 * rows' span are predicted badly: score = the prediction error of a row.
 *
 * The loss of a batch, as the authors' code (RDP-Anomaly/model.py): each row x is paired with the row x' at the
 * same place in a random permutation of the batch (from the training loop's noise stream), and
 *   predictionWeight * mean over rows and units of (phi(x) - eta(x))^2
 *   + distanceWeight * mean over rows of (<n(eta x), n(eta x')> - <n(phi x), n(phi x')>)^2
 *   [+ reconstructionWeight * mean squared error of a decoder's reconstruction of x from phi(x)],
 * with n(v) = v / max(||v||_1, 1e-12) (the code's L1-normalised inner products as the "distance"). The
 * optional reconstruction term is the paper's auxiliary loss for clustering (an autoencoder on phi); off by
 * default, as in the paper's anomaly detection.
 *
 * Score (score: 'rdp', the default): the prediction error mean_k (phi(x) - eta(x))_k^2 plus the distance
 * error of the row against R reference rows drawn from the training rows at fit (seeded), the mean over them
 * of (<n(eta x), n(eta r)> - <n(phi x), n(phi r)>)^2. The authors' evaluation adds to the prediction error a pair
 * term with a random other row of the scored set (there unit by unit: the mean over k of
 * (n(eta x)_k n(eta x')_k - n(phi x)_k n(phi x')_k)^2), so a row's score would depend on what it is scored
 * with; fixed references keep it a function of the row, and the inner products are the ones training
 * predicts. The references' normalised eta and phi features (not the rows) are saved in the model file.
 * score 'prediction' is the prediction error alone.
 *
 * Networks, as the authors' code: eta = FC(d,K,leaky_relu(0.25)) with N(0, 2 / fan-in) weights (Kaiming
 * normal) and zero biases, drawn from the seed's 'target' stream and never trained; phi =
 * FC(d,K,leaky_relu(0.2))-Drop(0.9) (dropout 0.1 at the representation while training), He-uniform
 * initialised. K = clamp(2d, 8, 50) by default (the paper's 50 for its high-dimensional data; a JL-style
 * projection of a few features needs fewer). Training: Adam (the code: SGD with momentum 0.9, learning rate
 * 0.1, gradient norm clipped to 0.1), batch 192 as the code, ~2,000 steps within [10, 200] epochs.
 *
 * Omitted: the authors' "RDP tree" ensemble, which for 30 bootstrap samples of the data trains a model, drops
 * the 5% of rows it scores highest, retrains on the rest, 8 times, and averages the last models' scores;
 * it screens anomalies out of unlabelled training data, and this protocol trains on normal rows.
 */
import * as z from '../../zod.js';
import { abs, add, clampMin, div, mean, mse, mul, scale, square, stopGradient, sub, sum } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { takeRows } from '../../data/datasets/types.js';
import type { Mlp } from '../../nn/mlp.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepPhase, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';

const weight = (what: string, def: number) => z._default(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')), def).check(z.describe(what));

export const RdpParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  representationSize: z.optional(z.number().check(z.int(), z.minimum(1)))
    .check(z.describe('K, the width of the random projection and of the learned representation; default clamp(2d, 8, 50) for d features')),
  network: z.optional(z.string())
    .check(z.describe('learned network phi in the paper\'s notation, d inputs to K outputs; default FC(d,K,leaky_relu(0.2))-Drop(0.9) (the authors\')')),
  target: z.optional(z.string())
    .check(z.describe('random network eta (dense layers, d inputs to K outputs), weights drawn N(0, 2 / fan-in) and biases 0, never trained; default FC(d,K,leaky_relu(0.25)) (the authors\')')),
  predictionWeight: weight('weight of the prediction loss mean (phi(x) - eta(x))^2 (the paper\'s auxiliary loss for anomaly detection)', 1),
  distanceWeight: weight('weight of the random distance prediction loss (<n(eta x), n(eta x\')> - <n(phi x), n(phi x\')>)^2 over random pairs of batch rows', 1),
  reconstructionWeight: weight('weight of an autoencoder\'s reconstruction error from phi(x) (the paper\'s auxiliary loss for clustering); 0 (default): no decoder', 0),
  decoder: z.optional(z.string())
    .check(z.describe('decoder from phi(x) back to the row when reconstructionWeight > 0, K inputs to d outputs; default FC(K,d,none)')),
  score: z._default(z.enum(['rdp', 'prediction']), 'rdp')
    .check(z.describe('rdp: prediction error plus the distance error against the reference rows (the authors\' sum); prediction: the prediction error alone')),
  references: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(4096)), 64)
    .check(z.describe('training rows drawn (seeded) as the partners of the distance error in the score (all rows when fewer)')),
  ...deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs; default: ~2,000 optimiser steps, in [10, 200]', batchSize: 'mini-batch rows; default 192 (the authors\'; at most the training rows)' }),
});
export type RdpParams = z.infer<typeof RdpParamsSchema>;

export interface RdpConfig extends DeepTrainingConfig {
  network: string; target: string; decoder: string | null; representationSize: number;
  predictionWeight: number; distanceWeight: number; reconstructionWeight: number;
  score: 'rdp' | 'prediction'; references: number; auto: string[];
}

/** Rows divided by their L1 norms (at least 1e-12), as torch's F.normalize(p=1); differentiable. */
export function l1Normalize(v: Tensor): Tensor {
  return div(v, clampMin(sum(abs(v), 1, true), 1e-12));
}

/**
 * RDP's loss terms for rows with features phi (pred) and eta (target) [n, K] and their partners' (predP,
 * targetP): prediction = mean over values of (pred - target)^2; distance = mean over rows of
 * (<n(target), n(targetP)> - <n(pred), n(predP)>)^2.
 */
export function rdpLossTerms(pred: Tensor, target: Tensor, predP: Tensor, targetP: Tensor): { prediction: Tensor; distance: Tensor } {
  const dt = sum(mul(l1Normalize(target), l1Normalize(targetP)), 1), dp = sum(mul(l1Normalize(pred), l1Normalize(predP)), 1);
  return { prediction: mse(pred, target), distance: mean(square(sub(dt, dp))) };
}

/**
 * RDP scores from phi and eta features [rows, K] (row-major): mean_k (phi - eta)^2, plus, with references
 * (their L1-normalised phi and eta features, [R, K] each), the mean over them of
 * (<n(eta x), n(eta r)> - <n(phi x), n(phi r)>)^2. Float64 throughout.
 */
export function rdpScores(pred: Float32Array, target: Float32Array, rows: number, k: number, refs: { pred: Float64Array; target: Float64Array } | null, out: Float64Array): void {
  const np = new Float64Array(k), nt = new Float64Array(k), nRef = refs ? refs.pred.length / k : 0;
  for (let i = 0; i < rows; i++) {
    let e = 0, lp = 0, lt = 0;
    for (let a = 0; a < k; a++) {
      const p = pred[i * k + a], t = target[i * k + a];
      e += (p - t) ** 2; lp += Math.abs(p); lt += Math.abs(t);
    }
    let s = e / k;
    if (refs) {
      for (let a = 0; a < k; a++) { np[a] = pred[i * k + a] / Math.max(lp, 1e-12); nt[a] = target[i * k + a] / Math.max(lt, 1e-12); }
      let d = 0;
      for (let r = 0; r < nRef; r++) {
        let ip = 0, it = 0;
        for (let a = 0; a < k; a++) { ip += np[a] * refs.pred[r * k + a]; it += nt[a] * refs.target[r * k + a]; }
        d += (it - ip) ** 2;
      }
      s += d / nRef;
    }
    out[i] = s;
  }
}

/** Redraws a dense network's weights from N(0, 2 / fan-in) and zeroes its biases (Kaiming-normal, torch's). */
export function drawKaimingNormal(net: Mlp, rng: Rng): void {
  net.weights.forEach((w, l) => {
    const sd = Math.sqrt(2 / w.shape[0]);
    for (let i = 0; i < w.data.length; i++) w.data[i] = rng.normal() * sd;
    net.biases[l].data.fill(0);
  });
}

/** Checks that a spec maps d inputs to K outputs; names the parameter. */
function checkShape(what: string, param: string, spec: string, inputs: number, outputs: number): void {
  const l = parseNetworkSpec(spec);
  if (specInputSize(l) !== inputs || specOutputSize(l) !== outputs) {
    throw new Error(`${what}: ${param} "${spec}" maps ${specInputSize(l)} inputs to ${specOutputSize(l)} outputs; it must map ${inputs} to ${outputs}`);
  }
}

export class RdpDetector extends DeepDetector<RdpParams, RdpConfig> {
  readonly name = 'rdp';
  readonly scoreName: string;
  protected override readonly init = 'he-uniform' as const;
  private refs: { pred: Float64Array; target: Float64Array } | null = null;
  private refRows: Int32Array | null = null;

  constructor(params: z.input<typeof RdpParamsSchema> = {}) {
    const p = parseParams('rdp', RdpParamsSchema, params);
    super(p);
    this.scoreName = p.score === 'rdp' ? 'random distance prediction error' : 'prediction error mean (phi(x) - eta(x))^2';
  }

  protected configure(d: number, rows: number): RdpConfig {
    const p = this.params, auto: string[] = [];
    let k = p.representationSize;
    if (k === undefined) {
      const given = p.network ?? p.target;
      k = given !== undefined ? specOutputSize(parseNetworkSpec(given)) : Math.min(50, Math.max(8, 2 * d));
      auto.push('representationSize');
    }
    const network = p.network ?? `FC(${d},${k},leaky_relu(0.2))-Drop(0.9)`;
    const target = p.target ?? `FC(${d},${k},leaky_relu(0.25))`;
    if (p.network === undefined) auto.push('network');
    if (p.target === undefined) auto.push('target');
    checkShape(this.name, 'network', network, d, k);
    checkShape(this.name, 'target', target, d, k);
    if (parseNetworkSpec(target).some((l) => l.kind === 'dropout')) throw new Error(`${this.name}: the target "${target}" has a Drop layer; the random projection is fixed`);
    let decoder: string | null = null;
    if (p.reconstructionWeight > 0) {
      decoder = p.decoder ?? `FC(${k},${d},none)`;
      if (p.decoder === undefined) auto.push('decoder');
      checkShape(this.name, 'decoder', decoder, k, d);
    }
    const batchSize = p.batchSize ?? Math.min(192, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return {
      network, target, decoder, representationSize: k, predictionWeight: p.predictionWeight, distanceWeight: p.distanceWeight,
      reconstructionWeight: p.reconstructionWeight, score: p.score, references: p.references, epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected networks(c: RdpConfig): Record<string, string> {
    return { predictor: c.network, target: c.target, ...(c.decoder !== null ? { decoder: c.decoder } : {}) };
  }

  /** One phase over the learned networks: the target stays as drawn. */
  protected override phases(c: RdpConfig): readonly DeepPhase[] {
    return [{ name: 'predict', networks: c.decoder !== null ? ['predictor', 'decoder'] : ['predictor'], loss: (b, ctx) => this.loss(b, ctx) }];
  }

  /** phi(x) and eta(x) of rows x [n, d] (eta without gradient). */
  represent(x: Tensor, training = false, rng?: Rng): { pred: Tensor; target: Tensor } {
    return { pred: this.mlp('predictor').forward(x, { training, rng }), target: stopGradient(this.mlp('target').forward(x)) };
  }

  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const c = this.config, n = batch.rows, d = batch.cols;
    const partner = new Tensor(takeRows(batch.data, d, ctx.rng.permutation(n)), [n, d]);
    const a = this.represent(batch, ctx.training, ctx.rng), b = this.represent(partner, ctx.training, ctx.rng);
    const { prediction, distance } = rdpLossTerms(a.pred, a.target, b.pred, b.target);
    let loss = add(scale(prediction, c.predictionWeight), scale(distance, c.distanceWeight));
    const terms: Record<string, Tensor> = { prediction, distance };
    if (c.decoder !== null) {
      const reconstruction = mse(this.mlp('decoder').forward(a.pred, { training: ctx.training, rng: ctx.rng }), batch);
      loss = add(loss, scale(reconstruction, c.reconstructionWeight));
      terms.reconstruction = reconstruction;
    }
    return { loss, terms };
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    drawKaimingNormal(this.mlp('target'), ctx.rng.fork('target'));
    const r = Math.min(rows, this.config.references);
    this.refRows = ctx.rng.fork('references').permutation(rows).slice(0, r);
    return super.train(x, rows, cols, ctx);
  }

  /** The reference rows' normalised features, with the trained networks. */
  protected override afterTraining(x: Float32Array, _rows: number, cols: number): void {
    const idx = this.refRows!, k = this.config.representationSize;
    const pred = new Float64Array(idx.length * k), target = new Float64Array(idx.length * k);
    forEachBatchNoGrad(takeRows(x, cols, idx), idx.length, cols, 8192, (t) => {
      const f = this.represent(t), np = l1Normalize(f.pred).data, nt = l1Normalize(f.target).data;
      for (let i = 0; i < np.length; i++) { pred[i] = np[i]; target[i] = nt[i]; }
    });
    this.refs = { pred, target };
    this.refRows = null;
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const c = this.config, f = this.represent(batch);
    rdpScores(f.pred.data, f.target.data, batch.rows, c.representationSize, c.score === 'rdp' ? this.references() : null, out);
  }

  private references(): { pred: Float64Array; target: Float64Array } {
    if (!this.refs) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.refs;
  }

  protected override exportState(): Record<string, unknown> {
    const r = this.references();
    return { referencePredicted: Array.from(r.pred), referenceTarget: Array.from(r.target) };
  }

  protected override importState(state: Record<string, unknown>, config: RdpConfig): void {
    const what = `${this.name} model`, k = config.representationSize;
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`${what}: config.resolved.representationSize must be a positive integer, got ${String(k)}`);
    const read = (key: string, n?: number): Float64Array => {
      const v = state[key];
      if (!Array.isArray(v)) throw new Error(`${what}: state.${key} is missing or not an array`);
      if (v.length === 0 || v.length % k !== 0 || (n !== undefined && v.length !== n)) {
        throw new Error(`${what}: state.${key} has ${v.length} values; it needs ${n !== undefined ? n : `a positive multiple of the representation size ${k}`}`);
      }
      v.forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what}: state.${key}[${i}] = ${String(x)} is not a finite number`);
      });
      return Float64Array.from(v as number[]);
    };
    const pred = read('referencePredicted');
    this.refs = { pred, target: read('referenceTarget', pred.length) };
  }
}

registerDetector({
  name: 'rdp',
  summary: 'Random distance prediction: a learned network phi trained to predict a fixed random network eta\'s features and the distances between rows in eta\'s space; score = phi\'s prediction error (plus its distance error against reference rows)',
  paper: 'Wang, Pang, Shen and Ma, IJCAI 2020',
  paramsSchema: RdpParamsSchema,
  quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new RdpDetector(p),
});
