/**
 * GANomaly (Akcay, Atapour-Abarghouei and Breckon, "GANomaly: Semi-Supervised Anomaly Detection via Adversarial
 * Training", ACCV 2018, arXiv:1805.06725): an adversarially trained autoencoder that encodes its own output
 * again and scores a row by how far the two codes are apart.
 *
 * Networks: the generator is encoder G_E: x -> z and decoder G_D: z -> x^ = G(x); a second encoder E: x^ -> z^
 * (same shape as G_E, its own weights); a discriminator D, declared as a feature network f (x -> features)
 * and a head (features -> one logit).
 *
 * Each mini-batch takes two steps (the authors' order: generator, then discriminator):
 * 1. 'generator' (updates G_E, G_D and E; D fixed):
 *      L = w_adv L_adv + w_con L_con + w_enc L_enc, with
 *      L_adv = mean (f(x) - f(G(x)))^2        (feature matching in D's features, row by row)
 *      L_con = mean |x - G(x)|                 (contextual loss, L1)
 *      L_enc = mean (G_E(x) - E(G(x)))^2       (encoder loss)
 *    defaults w_adv = 1, w_con = 50, w_enc = 1 (the paper's). The paper writes these as norms; the means over
 *    the batch's elements are what the authors' code computes (the same minimiser up to constant factors).
 * 2. 'discriminator' (updates D; G(x) enters as a constant): BCE(D(x), 1) + BCE(D(G(x)), 0).
 *
 * Score: the paper's A(x) = ||G_E(x) - E(G(x))||_1 (sum over the latent units; `scoreNorm: 'l1'`, default);
 * the authors' code uses the mean squared difference instead (`scoreNorm: 'squared'`). The paper then
 * min-max scales the scores over the test set; we do not (a monotone map, and it would use test statistics).
 * Scoring runs in evaluation mode (no dropout; our networks have no batch norm).
 *
 * Choices where the paper is silent for tabular data (it uses DCGAN convolutions with batch norm):
 * - default networks from the input width d (ganWidths: latent c, hidden H): G_E and E = FC(d,H,lrelu)-
 *   FC(H,c,none), G_D = FC(c,H,relu)-FC(H,d,none), f = FC(d,H,lrelu) (D mirrors G_E, as in the paper), head
 *   FC(H,1,none); leaky ReLU slope 0.2 as the paper's; no batch norm (the network notation has none) and no
 *   dropout by default;
 * - G_D's last layer is linear (the paper's tanh is for images in [-1, 1]; rows are min-max scaled and a
 *   linear output keeps residuals of rows outside the training range unbounded);
 * - D's loss is the plain sum of the two cross-entropies (the code halves it; Adam is scale-invariant), and D
 *   is not re-initialised when its loss falls below 1e-5 (the code does): training is the same every run;
 * - Adam with beta1 = 0.5 and learning rate 2e-4 (the authors' code defaults);
 * - early stopping (off by default) watches the generator's loss on held-out training rows.
 */
import * as z from '../../zod.js';
import { abs, add, concat, mean, scale, slice, square, stopGradient, sub } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { encoderGenerator, pairDiscriminator } from '../egbad/detector.js';
import { checkNetwork, discriminatorLoss, GAN_BETAS, ganNetworkShape, ganSchedule } from '../gan/common.js';

export const GanomalyParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  encoder: z.optional(z.string()).check(z.describe('G_E: x -> z in the paper\'s notation, e.g. FC(6,3,lrelu)-FC(3,2,none); default: from the input width')),
  decoder: z.optional(z.string()).check(z.describe('G_D: z -> x, e.g. FC(2,3,relu)-FC(3,6,none)')),
  reencoder: z.optional(z.string()).check(z.describe('E: G(x) -> z (the second encoder); default: the same shape as G_E')),
  discriminatorFeatures: z.optional(z.string()).check(z.describe('D\'s feature network f: x -> features; default FC(d,H,lrelu)')),
  discriminatorHead: z.optional(z.string()).check(z.describe('D\'s head: features -> one logit; default FC(H,1,none)')),
  dropout: z._default(z.number().check(z.minimum(0), z.lt(1)), 0).check(z.describe('dropout probability after each hidden layer of the default discriminator')),
  wAdv: z._default(z.number().check(z.minimum(0)), 1).check(z.describe('w_adv: weight of the feature-matching (adversarial) loss')),
  wCon: z._default(z.number().check(z.minimum(0)), 50).check(z.describe('w_con: weight of the L1 reconstruction (contextual) loss')),
  wEnc: z._default(z.number().check(z.minimum(0)), 1).check(z.describe('w_enc: weight of the latent (encoder) loss')),
  scoreNorm: z._default(z.enum(['l1', 'squared']), 'l1').check(z.describe('score ||G_E(x) - E(G(x))||: l1 (sum of |.|, the paper) or squared (mean of squares, the authors\' code)')),
  ...ganNetworkShape(2e-4),
});
export type GanomalyParams = z.infer<typeof GanomalyParamsSchema>;

export interface GanomalyResolvedConfig {
  encoder: string; decoder: string; reencoder: string; discriminatorFeatures: string; discriminatorHead: string; latent: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

export class GanomalyDetector extends DeepDetector<GanomalyParams, GanomalyResolvedConfig> {
  readonly name = 'ganomaly';
  readonly scoreName = 'latent distance ||G_E(x) - E(G(x))||';

  constructor(params: z.input<typeof GanomalyParamsSchema> = {}) {
    super(parseParams('ganomaly', GanomalyParamsSchema, params));
  }

  protected configure(d: number, rows: number): GanomalyResolvedConfig {
    const p = this.params, auto: string[] = [];
    const { encoder, generator: decoder, latent, hidden } = encoderGenerator('ganomaly', { ...p, generator: p.decoder }, d, auto, 'decoder');
    const reencoder = p.reencoder ?? encoder;
    if (p.reencoder === undefined) auto.push('reencoder');
    checkNetwork('ganomaly', 'reencoder', reencoder, d, latent);
    const D = pairDiscriminator('ganomaly', 'discriminator', { features: p.discriminatorFeatures, head: p.discriminatorHead }, d, hidden, p.dropout, auto);
    const { epochs, batchSize } = ganSchedule(p, rows, auto);
    return {
      encoder, decoder, reencoder, discriminatorFeatures: D.features, discriminatorHead: D.head, latent,
      epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected networks(c: GanomalyResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder, reencoder: c.reencoder, discriminatorFeatures: c.discriminatorFeatures, discriminatorHead: c.discriminatorHead };
  }

  /** G_E(x), G(x) = G_D(G_E(x)) and E(G(x)). */
  private generate(x: Tensor, training: boolean): { code: Tensor; rec: Tensor; recode: Tensor } {
    const o = { training };
    const code = this.mlp('encoder').forward(x, o), rec = this.mlp('decoder').forward(code, o);
    return { code, rec, recode: this.mlp('reencoder').forward(rec, o) };
  }

  /** Step 1: the generator (G_E, G_D, E) against a fixed D. */
  generatorLoss(x: Tensor, ctx: StepContext): LossOutput {
    const p = this.params, { code, rec, recode } = this.generate(x, ctx.training);
    // f(x) and f(G(x)) in one pass, rows stacked; f(x) is a constant here (D is fixed in this step).
    const f = this.mlp('discriminatorFeatures').forward(concat([x, rec], 0), { training: ctx.training, rng: ctx.rng });
    const n = x.rows, fx = stopGradient(slice(f, 0, 0, n)), fr = slice(f, 0, n, 2 * n);
    const adversarial = mean(square(sub(fx, fr))), contextual = mean(abs(sub(x, rec))), encoder = mean(square(sub(code, recode)));
    const loss = add(add(scale(adversarial, p.wAdv), scale(contextual, p.wCon)), scale(encoder, p.wEnc));
    return { loss, terms: { adversarial, contextual, encoder } };
  }

  /** Step 2: D tells x from G(x) (G fixed). */
  discriminatorLoss(x: Tensor, ctx: StepContext): LossOutput {
    const rec = stopGradient(this.generate(x, ctx.training).rec);
    const o = { training: ctx.training, rng: ctx.rng };
    const logit = (t: Tensor) => this.mlp('discriminatorHead').forward(this.mlp('discriminatorFeatures').forward(t, o), o);
    return { loss: discriminatorLoss(logit(x), logit(rec)) };
  }

  protected override phases(): DeepPhase[] {
    return [
      { name: 'generator', networks: ['encoder', 'decoder', 'reencoder'], betas: GAN_BETAS, loss: (x, ctx) => this.generatorLoss(x, ctx) },
      { name: 'discriminator', networks: ['discriminatorFeatures', 'discriminatorHead'], betas: GAN_BETAS, loss: (x, ctx) => this.discriminatorLoss(x, ctx) },
    ];
  }

  /** Early stopping's criterion on held-out training rows: the generator's loss (training uses the phases). */
  protected loss(x: Tensor, ctx: StepContext): LossOutput { return this.generatorLoss(x, ctx); }

  protected scoreBatch(x: Tensor, out: Float64Array): void {
    const { code, recode } = this.generate(x, false), c = code.cols, a = code.data, b = recode.data, l1 = this.params.scoreNorm === 'l1';
    for (let i = 0; i < x.rows; i++) {
      let s = 0;
      for (let j = i * c; j < (i + 1) * c; j++) s += l1 ? Math.abs(a[j] - b[j]) : (a[j] - b[j]) ** 2;
      out[i] = l1 ? s : s / c;
    }
  }
}

registerDetector({
  name: 'ganomaly',
  summary: 'GANomaly: encoder-decoder-encoder generator trained adversarially (feature matching in D\'s features + 50 x L1 reconstruction + latent consistency); score = ||G_E(x) - E(G(x))||_1 between the code of x and the code of its reconstruction',
  paper: 'Akcay, Atapour-Abarghouei and Breckon, ACCV 2018 (arXiv:1805.06725)',
  paramsSchema: GanomalyParamsSchema,
  quickParams: { epochs: 20, batchSize: 64, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new GanomalyDetector(p),
});
