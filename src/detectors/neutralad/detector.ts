/**
 * NeuTraL AD (Qiu, Pfrommer, Kloft, Mandt and Rudolph, "Neural Transformation Learning for Deep Anomaly Detection
 * Beyond Images", ICML 2021), its tabular form: K learnable transformations T_k (small MLPs M_k) and an encoder f
 * shared by the row and its K views, trained jointly on the deterministic contrastive loss (DCL). For a row x
 * with views x_k = T_k(x) and h(a, b) = exp(cos(f(a), f(b)) / tau),
 *   L(x) = sum_k -log( h(x_k, x) / (h(x_k, x) + sum_{l != k} h(x_k, x_l)) ),
 * which pulls each view towards the row it came from (the views keep the row's meaning) and pushes the views
 * apart from each other (the transformations differ). Training minimises the mean of L over the batch; the
 * anomaly score of a row is L(x) itself: rows unlike the training rows lose that balance.
 *
 * Transformations (transformType): 'residual' x + M_k(x) (the authors' tabular default), 'multiplicative'
 * sigmoid(M_k(x)) * x (their KDDCUP setting; the sigmoid is M_k's last activation), 'feedforward' M_k(x). Each
 * M_k is FC(d,h,relu)-...-FC(h,d) with transformLayers layers; the encoder is encoderLayers dense layers, ReLU
 * between them, the last linear to the latent size. Initialisation as torch's nn.Linear (the authors' PyTorch).
 *
 * Defaults from the input width d, as the authors' code (TabNets._make_nets) chooses them when a configuration
 * gives none: latent and encoder width 2d for d < 32, 32 and 64 for d up to 300, 64 and 256 above; transformation
 * width d; 11 transformations, 2-layer transformations and a 5-layer encoder (all four of their tabular
 * configurations); tau 0.1; batch 128 and learning rate 1e-3 (their Thyroid run), 200 epochs but at most about
 * 3,000 optimiser steps (their Thyroid run is 15 batches x 200 epochs).
 *
 * As the authors' code (boschresearch/NeuTraL-AD: models/TabNets.py, NeutralAD.py, Losses.py, utils.py's Patience,
 * evaluation/Experiments.py): no layer has a bias (bias false; their transformation layers never have one and their
 * encoders have enc_bias False in all four tabular configurations), so biases are held at zero and never updated;
 * Adam with L2 weight decay (their l2: 1e-5 on Thyroid and Arrhythmia, 0 on KDDCUP); the training loss is
 * multiplied by their constant 1 / (K ln K), which matters with weight decay (it sets the decay's weight against
 * the loss); an optional step schedule of the learning rate (their StepLR); and the weights kept are those of the
 * epoch after the fifth with the lowest mean training loss (<=: the later of equals), training stopping after 100
 * epochs without a new lowest (their Patience(100, use_train_loss=True), consulted from epoch 6): a rule on
 * training rows only. The score is the unscaled DCL (the same ranking).
 *
 * encoderBatchNorm adds their Arrhythmia encoder's batch norm (no affine parameters) after each hidden layer.
 *
 * Where this still differs: a trailing partial batch is trained on (their loader drops it).
 */
import * as z from '../../zod.js';
import { add, clampMin, concat, denseStack, div, groupedDots, logSumExp, mean, mul, norm, relu, reshape, scale, slice, sub, sum } from '../../engine/ops/index.js';
import { BatchNorm } from '../../engine/batchnorm.js';
import { Tensor } from '../../engine/tensor.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { TrainLoopOptions } from '../deep/train-loop.js';
import type { Mlp } from '../../nn/mlp.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { NEUTRALAD_PAPER_RUNS } from './paper-configs.js';

const positiveInt = (min: number) => z.number().check(z.int(), z.minimum(min));

export const TRANSFORM_TYPES = ['residual', 'multiplicative', 'feedforward'] as const;
export type TransformType = (typeof TRANSFORM_TYPES)[number];

export const NeutralAdParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  transformations: z._default(positiveInt(2).check(z.maximum(256)), 11)
    .check(z.describe('K, the number of learnable transformations (the authors\' 11)')),
  transformType: z._default(z.enum(TRANSFORM_TYPES), 'residual')
    .check(z.describe('residual: x + M_k(x) (the tabular default); multiplicative: sigmoid(M_k(x)) * x; feedforward: M_k(x)')),
  transformHidden: z.optional(positiveInt(1)).check(z.describe('hidden width of each transformation network M_k; default d')),
  transformLayers: z._default(positiveInt(1).check(z.maximum(16)), 2).check(z.describe('dense layers of each M_k (ReLU between them)')),
  encoderHidden: z.optional(positiveInt(1)).check(z.describe('hidden width of the encoder f; default 2d for d < 32, 64 for d <= 300, 256 above')),
  encoderLayers: z._default(positiveInt(1).check(z.maximum(16)), 5).check(z.describe('dense layers of the encoder (ReLU between them, the last linear)')),
  latentSize: z.optional(positiveInt(1)).check(z.describe('width of the encoder\'s output, where the cosine similarities are taken; default 2d for d < 32, 32 for d <= 300, 64 above')),
  temperature: z._default(z.number().check(z.gt(0), z.refine(Number.isFinite, 'must be finite')), 0.1)
    .check(z.describe('tau in h(a, b) = exp(cos(f(a), f(b)) / tau) (the paper\'s 0.1)')),
  bias: z._default(z.boolean(), false)
    .check(z.describe('dense layers with biases; default false, as the authors\' networks (biases held at zero, never updated)')),
  weightDecay: z._default(z.number().check(z.gte(0), z.lte(1)), 1e-5)
    .check(z.describe('Adam\'s L2 weight decay (torch\'s weight_decay) on the loss scaled by 1 / (K ln K); the authors\' 1e-5 (Thyroid, Arrhythmia), 0 on KDDCUP')),
  selection: z._default(z.enum(['lowest-training-loss', 'last']), 'lowest-training-loss')
    .check(z.describe('weights kept: lowest-training-loss = the epoch after the fifth with the lowest mean training loss, stopping after 100 epochs without a new lowest (the authors\' rule); last = the last epoch\'s')),
  encoderBatchNorm: z._default(z.boolean(), false)
    .check(z.describe('batch norm without affine parameters after each hidden layer of the encoder, before its ReLU (torch\'s BatchNorm1d: batch statistics in training, running ones when scoring); the authors\' Arrhythmia setting')),
  learningRateStep: z.optional(z.strictObject({ epochs: positiveInt(1), gamma: z.number().check(z.gt(0), z.lte(1)) }))
    .check(z.describe('{epochs, gamma}: multiply the learning rate by gamma after every `epochs` epochs (torch\'s StepLR; the authors\' Arrhythmia run halves it after 100); default: constant')),
  ...deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs; default 200, fewer when that would exceed ~3,000 optimiser steps (at least 1)', batchSize: 'mini-batch rows, each giving K + 1 encoded views; default 128 (at most the training rows)' }),
});

/** Epochs without a new lowest training loss after which training stops (the authors' Patience(100)). */
export const SELECTION_PATIENCE = 100;
/** Epochs before the authors' Patience is first consulted (their trainer checks it from epoch 6). */
export const SELECTION_FROM_EPOCH = 6;
export type NeutralAdParams = z.infer<typeof NeutralAdParamsSchema>;

export interface NeutralAdConfig extends DeepTrainingConfig {
  inputs: number; transformations: number; transformType: TransformType; transformNetwork: string; encoder: string;
  latentSize: number; temperature: number; auto: string[];
  /** Absent in model files written before these settings existed (then: biases trained, no decay, the last epoch). */
  bias?: boolean; weightDecay?: number; lossScale?: number; selection?: 'lowest-training-loss' | 'last'; encoderBatchNorm?: boolean;
  learningRateStep?: { epochs: number; gamma: number } | null;
}

/** The authors' fallback widths from the input width d: latent size and encoder hidden width. */
export function neutralAdWidths(d: number): { latent: number; hidden: number } {
  if (d < 32) return { latent: 2 * d, hidden: 2 * d };
  if (d <= 300) return { latent: 32, hidden: 64 };
  return { latent: 64, hidden: 256 };
}

/**
 * The DCL of each row from the encodings z [n*(K+1), D] of its views (row i*(K+1) + k; view 0 is the row
 * itself): [n], the sum over k = 1..K of log sum_{l != k} h(x_k, x_l) - log h(x_k, x_0), with h as above (the
 * sum over l != k includes the row itself, l = 0). Differentiable; the cosine of a zero encoding is taken as 0.
 */
export function dclLoss(zv: Tensor, n: number, temperature: number): Tensor {
  if (zv.rank !== 2 || zv.rows % n !== 0 || zv.rows / n < 3) throw new Error(`DCL: encodings [${zv.shape.join(', ')}] are not ${n} rows of at least 3 views`);
  const m = zv.rows / n;
  const unit = div(zv, clampMin(norm(zv, 1, true), 1e-12));
  const s = reshape(scale(groupedDots(unit, unit, n), 1 / temperature), [n, m, m]);
  const mask = new Float32Array(m * m);
  for (let k = 0; k < m; k++) mask[k * m + k] = -Infinity;
  // log of the denominator: over every other view l != k (the row itself included).
  const lse = logSumExp(add(s, new Tensor(mask, [m, m])));
  const pos = reshape(slice(s, 2, 0, 1), [n, m]);
  return sum(slice(sub(lse, pos), 1, 1, m), 1);
}

export class NeutralAdDetector extends DeepDetector<NeutralAdParams, NeutralAdConfig> {
  readonly name = 'neutralad';
  readonly scoreName = 'deterministic contrastive loss of the row\'s learned views';
  protected override readonly init = 'torch-default' as const;

  constructor(params: z.input<typeof NeutralAdParamsSchema> = {}) {
    super(parseParams('neutralad', NeutralAdParamsSchema, params));
  }

  protected configure(d: number, rows: number): NeutralAdConfig {
    const p = this.params, auto: string[] = [], w = neutralAdWidths(d);
    const latent = p.latentSize ?? w.latent, hidden = p.encoderHidden ?? w.hidden, th = p.transformHidden ?? d;
    if (p.latentSize === undefined) auto.push('latentSize');
    if (p.encoderHidden === undefined) auto.push('encoderHidden');
    if (p.transformHidden === undefined) auto.push('transformHidden');
    const transformNetwork = denseChain([d, ...Array<number>(p.transformLayers - 1).fill(th), d], 'relu', p.transformType === 'multiplicative' ? 'sigmoid' : 'none');
    const encoder = denseChain([d, ...Array<number>(p.encoderLayers - 1).fill(hidden), latent], 'relu');
    const batchSize = p.batchSize ?? Math.min(128, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.max(1, Math.min(200, Math.floor(3000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    if (p.earlyStopping && p.selection !== 'last') throw new Error(`${this.name}: earlyStopping keeps the epoch with the lowest held-out loss; it needs selection 'last', got '${p.selection}'`);
    const K = p.transformations;
    return {
      inputs: d, transformations: K, transformType: p.transformType, transformNetwork, encoder, latentSize: latent,
      temperature: p.temperature, epochs, batchSize, learningRate: p.learningRate, auto,
      bias: p.bias, weightDecay: p.weightDecay, lossScale: 1 / (K * Math.log(K)), selection: p.selection, encoderBatchNorm: p.encoderBatchNorm,
      learningRateStep: p.learningRateStep ?? null,
    };
  }

  private best: { loss: number; epoch: number; weights: Float32Array[] } | null = null;
  /** The encoder's batch norms, one per hidden layer (encoderBatchNorm), else none. */
  private norms: BatchNorm[] = [];

  /** What the kept epoch restores: every weight and the batch norms' running statistics. */
  private weights(): Float32Array[] {
    return [
      ...Object.keys(this.networks(this.config)).flatMap((n) => this.mlp(n).parameters().map((p) => p.data)),
      ...this.norms.flatMap((b) => [b.runningMean, b.runningVar]),
    ];
  }

  protected override attach(c: NeutralAdConfig, nets: ReadonlyMap<string, Mlp>): void {
    if (c.bias === false) for (const net of nets.values()) for (const b of net.biases) b.data.fill(0);
    const enc = nets.get('encoder')!;
    this.norms = c.encoderBatchNorm ? enc.weights.slice(0, -1).map((w) => new BatchNorm(w.cols, { affine: false })) : [];
  }

  /** The encoder: the fused network, or layer by layer with batch norm before each hidden ReLU. */
  private encode(x: Tensor, training: boolean): Tensor {
    const enc = this.mlp('encoder');
    if (this.norms.length === 0) return enc.forward(x);
    let h = x;
    enc.weights.forEach((w, i) => {
      h = denseStack(h, [{ w, b: enc.biases[i], act: 'none' }], 0)[0];
      if (i < this.norms.length) h = relu(this.norms[i].forward(h, training));
    });
    return h;
  }

  protected override exportState(): Record<string, unknown> {
    return this.norms.length ? { batchNorms: this.norms.map((b) => ({ runningMean: Array.from(b.runningMean), runningVar: Array.from(b.runningVar) })) } : {};
  }

  protected override importState(state: Record<string, unknown>, c: NeutralAdConfig): void {
    const what = `${this.name} model`, v = state.batchNorms;
    if (!c.encoderBatchNorm) {
      if (v !== undefined) throw new Error(`${what}: state.batchNorms is present but config.resolved.encoderBatchNorm is not true`);
      return;
    }
    if (!Array.isArray(v) || v.length !== this.norms.length) throw new Error(`${what}: state.batchNorms must be ${this.norms.length} entries (one per hidden encoder layer), got ${Array.isArray(v) ? v.length : typeof v}`);
    v.forEach((e: unknown, i) => {
      const b = this.norms[i];
      for (const key of ['runningMean', 'runningVar'] as const) {
        const a = (e as Record<string, unknown> | null)?.[key];
        if (!Array.isArray(a) || a.length !== b.features || !a.every((x) => typeof x === 'number' && Number.isFinite(x) && (key === 'runningMean' || x >= 0))) {
          throw new Error(`${what}: state.batchNorms[${i}].${key} must be ${b.features} finite numbers${key === 'runningVar' ? ' >= 0' : ''}`);
        }
        b[key].set(a as number[]);
      }
    });
  }

  protected override optimiserSettings(c: NeutralAdConfig): Pick<TrainLoopOptions, 'weightDecay' | 'frozen' | 'learningRateStep'> {
    const frozen = c.bias === false ? new Set(Object.keys(this.networks(c)).flatMap((n) => this.mlp(n).biases)) : undefined;
    return { weightDecay: c.weightDecay ?? 0, frozen, learningRateStep: c.learningRateStep ?? undefined };
  }

  protected override beforeEpoch(epoch: number): void { if (epoch === 1) this.best = null; }

  protected override afterEpoch(s: EpochStats): void {
    if (this.config.selection !== 'lowest-training-loss' || s.epoch < SELECTION_FROM_EPOCH) return;
    if (!this.best || s.loss <= this.best.loss) this.best = { loss: s.loss, epoch: s.epoch, weights: this.weights().map((a) => a.slice()) };
  }

  protected override stopAfter(s: EpochStats): boolean {
    return this.best !== null && s.epoch - this.best.epoch >= SELECTION_PATIENCE;
  }

  protected override afterTraining(): void {
    if (this.best) this.weights().forEach((a, i) => a.set(this.best!.weights[i]));
    this.best = null;
  }

  protected networks(c: NeutralAdConfig): Record<string, string> {
    if (!(Number.isInteger(c.transformations) && c.transformations >= 2)) throw new Error(`config.resolved.transformations must be an integer of at least 2, got ${String(c.transformations)}`);
    const nets: Record<string, string> = {};
    for (let k = 1; k <= c.transformations; k++) nets[`transform${k}`] = c.transformNetwork;
    nets.encoder = c.encoder;
    return nets;
  }

  /** The row and its K views, [n*(K+1), d] with row i*(K+1) + k (view 0 = the row). */
  views(x: Tensor): Tensor {
    const c = this.config, parts = [x];
    for (let k = 1; k <= c.transformations; k++) {
      const mk = this.mlp(`transform${k}`).forward(x);
      parts.push(c.transformType === 'residual' ? add(x, mk) : c.transformType === 'multiplicative' ? mul(mk, x) : mk);
    }
    return reshape(concat(parts, 1), [x.rows * (c.transformations + 1), x.cols]);
  }

  /** Per-row DCL of rows x [n, d]: [n]. */
  rowLosses(x: Tensor, training = false): Tensor {
    return dclLoss(this.encode(this.views(x), training), x.rows, this.config.temperature);
  }

  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const l = mean(this.rowLosses(batch, ctx.training)), k = this.config.lossScale;
    return { loss: k === undefined ? l : scale(l, k) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const s = this.rowLosses(batch).data;
    for (let i = 0; i < batch.rows; i++) out[i] = s[i];
  }
}

registerDetector({
  name: 'neutralad',
  summary: 'NeuTraL AD: K learnable transformations and a shared encoder trained on the deterministic contrastive loss (each view close to its row, views apart from each other); score = that loss of the row',
  paper: 'Qiu, Pfrommer, Kloft, Mandt and Rudolph, ICML 2021',
  paramsSchema: NeutralAdParamsSchema,
  quickParams: { epochs: 10, transformations: 4, batchSize: 32, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: NEUTRALAD_PAPER_RUNS,
  create: (p) => new NeutralAdDetector(p),
});
