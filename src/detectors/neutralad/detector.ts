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
 * Where this differs from the authors' code: every layer has a bias (theirs have none); no batch norm (their
 * Arrhythmia encoder has it); no weight decay or learning-rate schedule; the last epoch's weights are kept (their
 * runs report the epoch with the lowest training loss); and their loss is multiplied by the constant
 * 1 / (K log K), which changes neither Adam's steps (up to its epsilon) nor the ranking of scores.
 */
import * as z from '../../zod.js';
import { add, clampMin, concat, div, groupedDots, logSumExp, mean, mul, norm, reshape, scale, slice, sub, sum } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepTrainingConfig, type LossOutput, type StepContext } from '../deep/detector.js';
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
  ...deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs; default 200, fewer when that would exceed ~3,000 optimiser steps (at least 1)', batchSize: 'mini-batch rows, each giving K + 1 encoded views; default 128 (at most the training rows)' }),
});
export type NeutralAdParams = z.infer<typeof NeutralAdParamsSchema>;

export interface NeutralAdConfig extends DeepTrainingConfig {
  inputs: number; transformations: number; transformType: TransformType; transformNetwork: string; encoder: string;
  latentSize: number; temperature: number; auto: string[];
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
    return {
      inputs: d, transformations: p.transformations, transformType: p.transformType, transformNetwork, encoder, latentSize: latent,
      temperature: p.temperature, epochs, batchSize, learningRate: p.learningRate, auto,
    };
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
  rowLosses(x: Tensor): Tensor {
    return dclLoss(this.mlp('encoder').forward(this.views(x)), x.rows, this.config.temperature);
  }

  protected loss(batch: Tensor, _ctx: StepContext): LossOutput {
    return { loss: mean(this.rowLosses(batch)) };
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
