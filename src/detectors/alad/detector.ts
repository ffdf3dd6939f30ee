/**
 * ALAD, adversarially learned anomaly detection (Zenati, Romain, Foo, Lecouat and Chandrasekhar, ICDM 2018,
 * arXiv:1812.02288): EGBAD's BiGAN (egbad/detector.ts) with the cycle consistencies of ALICE (Li et al. 2017),
 * which make E and G approximate inverses of each other, and a score in a discriminator's feature space.
 *
 * Networks: generator G: z -> x, encoder E: x -> z, and three discriminators, each a feature network on a
 * concatenated pair plus a head (features -> one logit):
 * - D_xz on (x, z): (x, E(x)) real, (G(z), z) fake (the BiGAN game);
 * - D_xx on (x, x'): (x, x) real, (x, G(E(x))) fake (data-space cycle: ALICE's conditional-entropy term);
 * - D_zz on (z, z'): (z, z) real, (z, E(G(z))) fake (latent-space cycle; `dzz: false` leaves it out).
 * z ~ N(0, I). Each mini-batch takes two steps (the authors' order), on logits, every term a batch mean:
 * 1. 'discriminator' (updates the three D's; E and G outputs enter as constants): the sum of each D's
 *    BCE(real, 1) + BCE(fake, 0);
 * 2. 'generator' (updates G and E; the D's fixed): the same sums with the labels swapped, i.e. the authors'
 *    BCE(D_xz(G(z), z), 1) + BCE(D_xz(x, E(x)), 0) + BCE(D_xx(x, G(E(x))), 1) + BCE(D_xx(x, x), 0)
 *    + BCE(D_zz(z, E(G(z))), 1) + BCE(D_zz(z, z), 0). (Their separate G and E losses share the cycle terms
 *    and differ by terms the other does not depend on, so one Adam over both is the same update.)
 *
 * Score (the paper's best, "Features"): ||f_xx(x, x) - f_xx(x, G(E(x)))||_1 in D_xx's features
 * (`score: 'feature-matching'`, `norm: 'l2'` for the Euclidean norm); or `score: 'cross-entropy'` ("Logits"):
 * BCE(D_xx(x, G(E(x))), 1). Scoring uses no dropout.
 *
 * Not implemented: spectral normalisation (the paper uses it for some image data sets only; the authors'
 * tabular runs do not) and the batch norm in D_xz's x branch (the network notation has none). Choices where
 * the paper is silent, or ours:
 * - default networks from the input width d (ganWidths: latent c, hidden H): E, G and D_xz as egbad's;
 *   D_xx = FC(2d,H,lrelu)-Drop(0.8); D_zz = FC(2c,2c,lrelu)-Drop(0.8); heads FC(.,1,none); leaky ReLU slope
 *   0.2 and dropout 0.2 as the authors' KDD99 D_xx and D_zz; G's last layer linear (see egbad);
 * - no exponential moving average of the weights at scoring (the code uses EMA weights, decay 0.999): the
 *   final epoch's weights score;
 * - Adam with beta1 = 0.5 (the code's), learning rate 2e-4 by default (1e-5 in the paper configurations);
 * - early stopping (off by default) watches the mean score of held-out training rows, as the code's early
 *   stopping watches the mean feature-matching score of its validation rows.
 *
 * Published numbers are not recorded here (we could not check the paper's table); the protocol on KDD99 is
 * egbad's (DAGMM's split, 20% flagged), on Arrhythmia the anomaly classes as in the DAGMM paper.
 */
import * as z from '../../zod.js';
import { add, concat, stopGradient } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import type { ForwardOptions } from '../../nn/mlp.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { encoderGenerator, encoderGeneratorShape, pairDiscriminator } from '../egbad/detector.js';
import { discriminatorLoss, GAN_BETAS, ganNetworkShape, ganSchedule, realCrossEntropy, rowDistance, sampleLatent } from '../gan/common.js';
import { ALAD_PAPER_RUNS } from './paper-configs.js';

const dSpec = (what: string) => z.optional(z.string()).check(z.describe(what));

export const AladParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...encoderGeneratorShape,
  dxzFeatures: dSpec('D_xz\'s feature network on concat(x, z) (d + c inputs); default FC(d+c,H,lrelu)-Drop(0.8)'),
  dxzHead: dSpec('D_xz\'s head: features -> one logit; default FC(H,1,none)'),
  dxxFeatures: dSpec('D_xx\'s feature network on concat(x, x\') (2d inputs); its features carry the score; default FC(2d,H,lrelu)-Drop(0.8)'),
  dxxHead: dSpec('D_xx\'s head; default FC(H,1,none)'),
  dzzFeatures: dSpec('D_zz\'s feature network on concat(z, z\') (2c inputs); default FC(2c,2c,lrelu)-Drop(0.8)'),
  dzzHead: dSpec('D_zz\'s head; default FC(2c,1,none)'),
  dzz: z._default(z.boolean(), true).check(z.describe('train the latent-cycle discriminator D_zz (the full ALAD); false: the ablation without it')),
  score: z._default(z.enum(['feature-matching', 'cross-entropy']), 'feature-matching').check(z.describe('distance of D_xx\'s features of (x, x) and (x, G(E(x))), or BCE(D_xx(x, G(E(x))), 1)')),
  norm: z._default(z.enum(['l1', 'l2']), 'l1').check(z.describe('norm of the feature difference in the feature-matching score (the paper: l1)')),
  ...ganNetworkShape(2e-4),
});
export type AladParams = z.infer<typeof AladParamsSchema>;

export interface AladResolvedConfig {
  encoder: string; generator: string; latent: number;
  dxzFeatures: string; dxzHead: string; dxxFeatures: string; dxxHead: string;
  /** Absent without D_zz. */
  dzzFeatures?: string; dzzHead?: string;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

type Pair = 'dxz' | 'dxx' | 'dzz';

export class AladDetector extends DeepDetector<AladParams, AladResolvedConfig> {
  readonly name = 'alad';
  readonly scoreName = 'feature-matching distance in D_xx';

  constructor(params: z.input<typeof AladParamsSchema> = {}) {
    super(parseParams('alad', AladParamsSchema, params));
  }

  protected configure(d: number, rows: number): AladResolvedConfig {
    const p = this.params, auto: string[] = [];
    const { encoder, generator, latent: c, hidden } = encoderGenerator('alad', p, d, auto);
    const xz = pairDiscriminator('alad', 'dxz', { features: p.dxzFeatures, head: p.dxzHead }, d + c, hidden, p.dropout, auto);
    const xx = pairDiscriminator('alad', 'dxx', { features: p.dxxFeatures, head: p.dxxHead }, 2 * d, hidden, p.dropout, auto);
    if (!p.dzz && (p.dzzFeatures !== undefined || p.dzzHead !== undefined)) throw new Error('alad: dzzFeatures/dzzHead are given but dzz is false');
    const zz = p.dzz ? pairDiscriminator('alad', 'dzz', { features: p.dzzFeatures, head: p.dzzHead }, 2 * c, [2 * c], p.dropout, auto) : null;
    const { epochs, batchSize } = ganSchedule(p, rows, auto);
    return {
      encoder, generator, latent: c, dxzFeatures: xz.features, dxzHead: xz.head, dxxFeatures: xx.features, dxxHead: xx.head,
      ...(zz ? { dzzFeatures: zz.features, dzzHead: zz.head } : {}), epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected networks(c: AladResolvedConfig): Record<string, string> {
    const nets: Record<string, string> = { encoder: c.encoder, generator: c.generator, dxzFeatures: c.dxzFeatures, dxzHead: c.dxzHead, dxxFeatures: c.dxxFeatures, dxxHead: c.dxxHead };
    if (c.dzzFeatures !== undefined || c.dzzHead !== undefined) Object.assign(nets, { dzzFeatures: c.dzzFeatures, dzzHead: c.dzzHead });
    return nets;
  }

  private get withDzz(): boolean { return this.config.dzzFeatures !== undefined; }

  /** A discriminator on the pair (a, b): its features and logits. */
  private discriminate(D: Pair, a: Tensor, b: Tensor, o: ForwardOptions): { features: Tensor; logits: Tensor } {
    const features = this.mlp(`${D}Features`).forward(concat([a, b], 1), o);
    return { features, logits: this.mlp(`${D}Head`).forward(features, o) };
  }

  /** Each discriminator's logits on its real and fake pairs (E and G as given: constants or not). */
  private logits(x: Tensor, zz: Tensor, ex: Tensor, gz: Tensor, rec: Tensor, rz: Tensor | null, o: ForwardOptions) {
    const L = (D: Pair, a: Tensor, b: Tensor) => this.discriminate(D, a, b, o).logits;
    return {
      xz: { real: L('dxz', x, ex), fake: L('dxz', gz, zz) },
      xx: { real: L('dxx', x, x), fake: L('dxx', x, rec) },
      zz: rz ? { real: L('dzz', zz, zz), fake: L('dzz', zz, rz) } : null,
    };
  }

  /** Step 1: the three discriminators (E and G fixed). */
  discriminatorLoss(x: Tensor, ctx: StepContext): LossOutput {
    const o = { training: ctx.training, rng: ctx.rng }, zz = sampleLatent(x.rows, this.config.latent, ctx.rng);
    const E = this.mlp('encoder'), G = this.mlp('generator');
    const ex = stopGradient(E.forward(x, o)), gz = stopGradient(G.forward(zz, o)), rec = stopGradient(G.forward(ex, o));
    const l = this.logits(x, zz, ex, gz, rec, this.withDzz ? stopGradient(E.forward(gz, o)) : null, o);
    const terms: Record<string, Tensor> = { xz: discriminatorLoss(l.xz.real, l.xz.fake), xx: discriminatorLoss(l.xx.real, l.xx.fake) };
    if (l.zz) terms.zz = discriminatorLoss(l.zz.real, l.zz.fake);
    return { loss: Object.values(terms).reduce((a, b) => add(a, b)), terms };
  }

  /** Step 2: G and E fool all three (labels swapped; the discriminators fixed). */
  generatorEncoderLoss(x: Tensor, ctx: StepContext): LossOutput {
    const o = { training: ctx.training, rng: ctx.rng }, zz = sampleLatent(x.rows, this.config.latent, ctx.rng);
    const E = this.mlp('encoder'), G = this.mlp('generator');
    const ex = E.forward(x, o), gz = G.forward(zz, o);
    const l = this.logits(x, zz, ex, gz, G.forward(ex, o), this.withDzz ? E.forward(gz, o) : null, o);
    const terms: Record<string, Tensor> = { xz: discriminatorLoss(l.xz.fake, l.xz.real), xx: discriminatorLoss(l.xx.fake, l.xx.real) };
    if (l.zz) terms.zz = discriminatorLoss(l.zz.fake, l.zz.real);
    return { loss: Object.values(terms).reduce((a, b) => add(a, b)), terms };
  }

  protected override phases(config: AladResolvedConfig): DeepPhase[] {
    const ds = ['dxzFeatures', 'dxzHead', 'dxxFeatures', 'dxxHead', ...(config.dzzFeatures !== undefined ? ['dzzFeatures', 'dzzHead'] : [])];
    return [
      { name: 'discriminator', networks: ds, betas: GAN_BETAS, loss: (x, ctx) => this.discriminatorLoss(x, ctx) },
      { name: 'generator', networks: ['generator', 'encoder'], betas: GAN_BETAS, loss: (x, ctx) => this.generatorEncoderLoss(x, ctx) },
    ];
  }

  /** Early stopping's criterion on held-out training rows: their mean score (no gradient; training uses the phases). */
  protected loss(x: Tensor): LossOutput { return this.meanScoreLoss(x); }

  protected scoreBatch(x: Tensor, out: Float64Array): void {
    const o = { training: false }, rec = this.mlp('generator').forward(this.mlp('encoder').forward(x, o), o);
    const fake = this.discriminate('dxx', x, rec, o);
    if (this.params.score === 'cross-entropy') {
      for (let i = 0; i < x.rows; i++) out[i] = realCrossEntropy(fake.logits.data[i]);
      return;
    }
    const real = this.discriminate('dxx', x, x, o).features, h = real.cols;
    for (let i = 0; i < x.rows; i++) out[i] = rowDistance(real.data, fake.features.data, h, i, this.params.norm);
  }
}

registerDetector({
  name: 'alad',
  summary: 'Adversarially learned anomaly detection: BiGAN (G, E, D_xz) with cycle-consistency discriminators D_xx (x vs G(E(x))) and D_zz (z vs E(G(z))); score = L1 distance of D_xx\'s features of (x, x) and (x, G(E(x)))',
  paper: 'Zenati et al., ICDM 2018 (arXiv:1812.02288)',
  paramsSchema: AladParamsSchema,
  quickParams: { epochs: 20, batchSize: 64, learningRate: 5e-3 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: ALAD_PAPER_RUNS,
  create: (p) => new AladDetector(p),
});
