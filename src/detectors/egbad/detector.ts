/**
 * EGBAD, efficient GAN-based anomaly detection (Zenati, Foo, Lecouat, Manek and Chandrasekhar, "Efficient
 * GAN-Based Anomaly Detection", ICLR 2018 workshop, arXiv:1802.06222): a BiGAN (Donahue et al., ICLR 2017; ALI,
 * Dumoulin et al. 2017) trained on normal rows, whose encoder replaces AnoGAN's per-row latent search.
 *
 * Networks: generator G: z -> x, encoder E: x -> z, discriminator D on the joint pair (x, z), declared as a
 * feature network f on concat(x, z) and a head (f -> one logit) so that f is a network output. z ~ N(0, I).
 *
 * Each mini-batch takes two steps (the authors' order), on logits, every term a batch mean:
 * 1. 'discriminator' (updates D; E(x) and G(z) enter as constants):
 *      L_D = BCE(D(x, E(x)), 1) + BCE(D(G(z), z), 0)
 * 2. 'generator' (updates G and E together; D fixed):
 *      L_GE = BCE(D(G(z), z), 1) + BCE(D(x, E(x)), 0)
 *    the BiGAN game with the labels swapped (the non-saturating form); G's term does not depend on E nor E's
 *    on G, so one Adam over both is the authors' two Adams at the same learning rate.
 *
 * Score (the paper's): A(x) = alpha ||x - G(E(x))||_1 + (1 - alpha) L_D(x), alpha = 0.9, with L_D either
 * - 'feature-matching' (default; the paper's better variant): ||f(x, E(x)) - f(G(E(x)), E(x))||_1, or
 * - 'cross-entropy': BCE(D(x, E(x)), 1) = log(1 + e^-logit), the paper's sigma(D(x, E(x)), 1) (the authors'
 *   code scores the reconstructed pair (G(E(x)), E(x)) instead; we follow the paper's formula).
 * `norm: 'l2'` puts Euclidean norms in both terms (the code's degree 2). Scoring uses no dropout.
 *
 * Choices where the paper is silent (ours, written down):
 * - default networks from the input width d (ganWidths: latent c, hidden H): E = FC(d,H,lrelu)-FC(H,c,none),
 *   G = FC(c,H,relu)-FC(H,d,none), f = FC(d+c,H,lrelu)-Drop(0.8), head FC(H,1,none); the activations and
 *   the 0.2 dropout in D are those of the authors' KDD99 networks, the leaky slope 0.2 the GAN convention
 *   (theirs is 0.1, kept in paper-configs.ts);
 * - G's last layer is linear, as the authors' KDD99 generator: rows are min-max scaled, and a linear output
 *   keeps the residual of a row outside the training range proportional to how far outside it is (a sigmoid
 *   would cap it);
 * - one training batch for both steps (the code draws a second, independently shuffled batch for step 2);
 * - no exponential moving average of the weights at scoring (the code scores with EMA weights, decay
 *   0.9999): scores come from the final epoch's weights;
 * - Adam with beta1 = 0.5 (the code's), learning rate 2e-4 by default (the paper's 1e-5 is for its KDD99
 *   schedule, in paper-configs.ts);
 * - early stopping (off by default) watches the mean score of held-out training rows.
 *
 * Published KDD99 numbers are not recorded here: we could not check the paper's table. Their protocol is
 * DAGMM's: 50% of the rows for training, the "normal." traffic as anomalies, the top 20% of test scores
 * flagged, precision/recall/F1; their loader one-hot encodes to 121 features, ours to 120.
 */
import * as z from '../../zod.js';
import { add, concat, neg, stopGradient } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import type { ForwardOptions } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { denseChain } from '../ae/network.js';
import { checkNetwork, discriminatorLoss, GAN_BETAS, ganNetworkShape, ganSchedule, ganWidths, generatorLoss, leakyFeatures, realCrossEntropy, rowDistance, sampleLatent } from '../gan/common.js';
import { EGBAD_PAPER_RUNS } from './paper-configs.js';

/** Schema fields every encoder-generator GAN here shares (egbad, alad): E, G and D's dropout. */
export const encoderGeneratorShape = {
  encoder: z.optional(z.string()).check(z.describe('encoder E: x -> z in the paper\'s notation, e.g. FC(6,3,lrelu)-FC(3,2,none); default: from the input width')),
  generator: z.optional(z.string()).check(z.describe('generator G: z -> x, e.g. FC(2,3,relu)-FC(3,6,none); its input width is the latent width')),
  dropout: z._default(z.number().check(z.minimum(0), z.lt(1)), 0.2).check(z.describe('dropout probability after each hidden layer of the default discriminators (the authors\' KDD99 networks: 0.2)')),
};

export const EgbadParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...encoderGeneratorShape,
  discriminatorFeatures: z.optional(z.string()).check(z.describe('D\'s feature network f on concat(x, z) (d + c inputs); default FC(d+c,H,lrelu)-Drop(0.8)')),
  discriminatorHead: z.optional(z.string()).check(z.describe('D\'s head: f\'s output -> one logit; default FC(H,1,none)')),
  alpha: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.9).check(z.describe('weight of the reconstruction residual in the score (1 - alpha: the discriminator term); the paper\'s 0.9')),
  score: z._default(z.enum(['feature-matching', 'cross-entropy']), 'feature-matching').check(z.describe('the score\'s discriminator term: distance of D\'s features of (x, E(x)) and (G(E(x)), E(x)), or BCE(D(x, E(x)), 1)')),
  norm: z._default(z.enum(['l1', 'l2']), 'l1').check(z.describe('norm of the residual and of the feature difference in the score (the paper: l1)')),
  ...ganNetworkShape(2e-4),
});
export type EgbadParams = z.infer<typeof EgbadParamsSchema>;

export interface EgbadResolvedConfig {
  encoder: string; generator: string; discriminatorFeatures: string; discriminatorHead: string; latent: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

/** E and G given, or from the input width; checks that they fit the data and each other (errors call G `generatorName`). */
export function encoderGenerator(what: string, p: { encoder?: string; generator?: string; latentSize?: number; hidden?: number[] }, d: number, auto: string[], generatorName = 'generator'): { encoder: string; generator: string; latent: number; hidden: number[] } {
  const w = ganWidths(d, p);
  const latent = p.encoder !== undefined ? specOutputSize(parseNetworkSpec(p.encoder)) : p.generator !== undefined ? specInputSize(parseNetworkSpec(p.generator)) : w.latent;
  if (p.latentSize !== undefined && p.latentSize !== latent) throw new Error(`${what}: latentSize is ${p.latentSize}, but the given networks use a latent width of ${latent}`);
  const encoder = p.encoder ?? denseChain([d, ...w.hidden, latent], 'lrelu');
  const generator = p.generator ?? denseChain([latent, ...[...w.hidden].reverse(), d], 'relu');
  if (p.encoder === undefined) auto.push('encoder');
  if (p.generator === undefined) auto.push(generatorName);
  if (p.encoder === undefined && p.generator === undefined) auto.push(...w.auto);
  checkNetwork(what, 'encoder', encoder, d, latent);
  checkNetwork(what, generatorName, generator, latent, d);
  return { encoder, generator, latent, hidden: w.hidden };
}

/** A discriminator (features, head) on pairs of `inputs` values in all: given, or FC(inputs,H,lrelu)[-Drop]-...; head FC(H,1,none). */
export function pairDiscriminator(what: string, name: string, given: { features?: string; head?: string }, inputs: number, hidden: number[], dropout: number, auto: string[]): { features: string; head: string } {
  const features = given.features ?? leakyFeatures(inputs, hidden, dropout);
  if (given.features === undefined) auto.push(`${name}Features`);
  const width = specOutputSize(parseNetworkSpec(features));
  const head = given.head ?? `FC(${width},1,none)`;
  if (given.head === undefined) auto.push(`${name}Head`);
  checkNetwork(what, `${name}Features`, features, inputs, width);
  checkNetwork(what, `${name}Head`, head, width, 1);
  return { features, head };
}

export class EgbadDetector extends DeepDetector<EgbadParams, EgbadResolvedConfig> {
  readonly name = 'egbad';
  readonly scoreName = 'alpha * residual + (1 - alpha) * discriminator term';

  constructor(params: z.input<typeof EgbadParamsSchema> = {}) {
    super(parseParams('egbad', EgbadParamsSchema, params));
  }

  protected configure(d: number, rows: number): EgbadResolvedConfig {
    const p = this.params, auto: string[] = [];
    const { encoder, generator, latent, hidden } = encoderGenerator('egbad', p, d, auto);
    const D = pairDiscriminator('egbad', 'discriminator', { features: p.discriminatorFeatures, head: p.discriminatorHead }, d + latent, hidden, p.dropout, auto);
    const { epochs, batchSize } = ganSchedule(p, rows, auto);
    return { encoder, generator, discriminatorFeatures: D.features, discriminatorHead: D.head, latent, epochs, batchSize, learningRate: p.learningRate, auto };
  }

  protected networks(c: EgbadResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, generator: c.generator, discriminatorFeatures: c.discriminatorFeatures, discriminatorHead: c.discriminatorHead };
  }

  /** D on the pair (x, z): its features and logits. */
  private discriminate(x: Tensor, zz: Tensor, o: ForwardOptions): { features: Tensor; logits: Tensor } {
    const features = this.mlp('discriminatorFeatures').forward(concat([x, zz], 1), o);
    return { features, logits: this.mlp('discriminatorHead').forward(features, o) };
  }

  /** Step 1: D tells (x, E(x)) from (G(z), z); E and G fixed. */
  discriminatorLoss(x: Tensor, ctx: StepContext): LossOutput {
    const o = { training: ctx.training, rng: ctx.rng }, zz = sampleLatent(x.rows, this.config.latent, ctx.rng);
    const ex = stopGradient(this.mlp('encoder').forward(x, o)), gz = stopGradient(this.mlp('generator').forward(zz, o));
    return { loss: discriminatorLoss(this.discriminate(x, ex, o).logits, this.discriminate(gz, zz, o).logits) };
  }

  /** Step 2: G and E fool D (swapped labels); D fixed. */
  generatorEncoderLoss(x: Tensor, ctx: StepContext): LossOutput {
    const o = { training: ctx.training, rng: ctx.rng }, zz = sampleLatent(x.rows, this.config.latent, ctx.rng);
    const real = this.discriminate(x, this.mlp('encoder').forward(x, o), o), fake = this.discriminate(this.mlp('generator').forward(zz, o), zz, o);
    // BCE(l, 0) = BCE(-l, 1).
    const generator = generatorLoss(fake.logits), encoder = generatorLoss(neg(real.logits));
    return { loss: add(generator, encoder), terms: { generator, encoder } };
  }

  protected override phases(): DeepPhase[] {
    return [
      { name: 'discriminator', networks: ['discriminatorFeatures', 'discriminatorHead'], betas: GAN_BETAS, loss: (x, ctx) => this.discriminatorLoss(x, ctx) },
      { name: 'generator', networks: ['generator', 'encoder'], betas: GAN_BETAS, loss: (x, ctx) => this.generatorEncoderLoss(x, ctx) },
    ];
  }

  /** Early stopping's criterion on held-out training rows: their mean score (no gradient; training uses the phases). */
  protected loss(x: Tensor): LossOutput { return this.meanScoreLoss(x); }

  protected scoreBatch(x: Tensor, out: Float64Array): void {
    const { alpha, norm, score } = this.params, o = { training: false }, d = x.cols;
    const ex = this.mlp('encoder').forward(x, o), rec = this.mlp('generator').forward(ex, o);
    const real = this.discriminate(x, ex, o);
    const recon = score === 'feature-matching' ? this.discriminate(rec, ex, o).features : null;
    const h = real.features.cols;
    for (let i = 0; i < x.rows; i++) {
      const dis = recon ? rowDistance(real.features.data, recon.data, h, i, norm) : realCrossEntropy(real.logits.data[i]);
      out[i] = alpha * rowDistance(x.data, rec.data, d, i, norm) + (1 - alpha) * dis;
    }
  }
}

registerDetector({
  name: 'egbad',
  summary: 'Efficient GAN-based anomaly detection: a BiGAN (generator G, encoder E, discriminator D on (x, z) pairs) trained on normal rows; score = alpha ||x - G(E(x))||_1 + (1 - alpha) x (D\'s feature-matching distance or cross-entropy)',
  paper: 'Zenati et al., ICLR 2018 workshop (arXiv:1802.06222)',
  paramsSchema: EgbadParamsSchema,
  quickParams: { epochs: 30, batchSize: 32, learningRate: 2e-3 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: EGBAD_PAPER_RUNS,
  create: (p) => new EgbadDetector(p),
});
