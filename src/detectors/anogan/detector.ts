/**
 * AnoGAN (Schlegl, Seeboeck, Waldstein, Schmidt-Erfurth and Langs, "Unsupervised Anomaly Detection with
 * Generative Adversarial Networks to Guide Marker Discovery", IPMI 2017; arXiv:1703.05921). A GAN learns the
 * normal rows (generator G from N(0, I) latent codes, discriminator D; the shared cross-entropy losses of
 * gan/common.ts, non-saturating generator loss, Adam with beta1 0.5); a row is then scored by how well G can
 * produce it: a search in the latent space for the z whose G(z) is closest to the row.
 *
 * Scoring (the paper's Section 2.2): per row, `searchSteps` Adam steps (learning rate `searchRate`) on z
 * minimising L(z) = (1 - lambda) * ||x - G(z)||_1 + lambda * ||f(x) - f(G(z))||_1, the residual loss plus the
 * discrimination loss on D's intermediate features f (the paper's feature-matching variant), lambda 0.1 (the
 * paper's). Score = L at the final z. The rows of a scoring batch are searched together, each with its own z,
 * on the sum of their losses (so each row's gradient is its own: Adam is element-wise and rows do not mix), all
 * from one fixed seeded draw z0 (saved in the model file): a row's score depends only on the model and the
 * row, not on its batch. The paper uses 500 steps; the default 50 is a bound on scoring cost (the search is
 * ~50 forward/backward passes of G and f per row): measured ~1,100 rows per second with the defaults on 2,000
 * rows x 6 features (H = 32; niced on a 2-core machine under load ~13 from other benchmarks, so a lower bound).
 *
 * Ours (the paper is silent on tabular data): Adam for the search (the paper: backpropagation, optimiser not
 * named), learning rate 0.1 (Adam moves a coordinate by at most ~lr per step, so 50 steps reach 5 prior
 * standard deviations); G's last layer linear (not the paper's image tanh): the search must reach test rows
 * outside the training range without a saturating output killing its gradient, and the residual then
 * measures how far out they are. Networks: G FC(c,H,relu)-..-FC(H,d,none); D split as
 * discriminatorFeatures FC(d,H,lrelu)-.. (f, the layer the discrimination loss reads) and discriminatorHead
 * FC(H,1,none), latent width c as common.ts's ganWidths, one hidden layer H = max(32, 2d): the autoencoders'
 * bottleneck widths (H = 4 for 8 features) left G unable to cover even a planted 2-d plane (AUROC 0.73 against
 * 0.98 with 32 units, test/detectors/anogan.test.ts's data), so the players get room as fencegan's D does.
 */
import * as z from '../../zod.js';
import { abs, add, scale, stopGradient, sub, sum } from '../../engine/ops/index.js';
import { Adam } from '../../engine/optim.js';
import { Rng } from '../../engine/rng.js';
import { parameter, Tape, Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { checkNetwork, discriminatorLoss, GAN_BETAS, ganNetworkShape, ganSchedule, ganWidths, generatorLoss, sampleLatent } from '../gan/common.js';

export const AnoganParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  generator: z.optional(z.string()).check(z.describe('generator G from the latent width to the input width, e.g. FC(2,4,relu)-FC(4,6,none); default: from the input width')),
  discriminatorFeatures: z.optional(z.string()).check(z.describe('D\'s layers up to the features f the discrimination loss compares, e.g. FC(6,4,lrelu); default: from the input width')),
  discriminatorHead: z.optional(z.string()).check(z.describe('D\'s last layer(s) from the features to 1 logit, e.g. FC(4,1,none)')),
  lambda: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.1).check(z.describe('lambda: weight of the discrimination loss ||f(x) - f(G(z))||_1 against the residual ||x - G(z)||_1 (weight 1 - lambda)')),
  searchSteps: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 50).check(z.describe('Adam steps of the latent search per scored row; scoring cost grows linearly (default 50: ~1,100 rows/s on 2,000 x 6, niced on a busy machine; the paper uses 500)')),
  searchRate: z._default(z.number().check(z.gt(0), z.maximum(10)), 0.1).check(z.describe('learning rate of the latent search\'s Adam')),
  ...ganNetworkShape(2e-4),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('hidden widths of D\'s features (the generator mirrors them); default [max(32, 2d)]')),
});
export type AnoganParams = z.infer<typeof AnoganParamsSchema>;

export interface AnoganConfig {
  generator: string; discriminatorFeatures: string; discriminatorHead: string; latent: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

export class AnoganDetector extends DeepDetector<AnoganParams, AnoganConfig> {
  readonly name = 'anogan';
  readonly scoreName = 'latent search loss';
  /** The search's start z0 ([c]), one seeded draw; set after training or loading. */
  private start: Float32Array | null = null;

  constructor(params: z.input<typeof AnoganParamsSchema> = {}) {
    super(parseParams('anogan', AnoganParamsSchema, params));
  }

  protected configure(d: number, rows: number): AnoganConfig {
    const p = this.params, w = ganWidths(d, p), auto = [...w.auto];
    const hidden = p.hidden ?? [Math.max(32, 2 * d)];
    let { generator, discriminatorFeatures, discriminatorHead } = p;
    if ((discriminatorFeatures === undefined) !== (discriminatorHead === undefined)) throw new Error('anogan: give both discriminatorFeatures and discriminatorHead, or neither');
    if (generator === undefined) { generator = denseChain([w.latent, ...[...hidden].reverse(), d], 'relu'); auto.push('generator'); }
    if (discriminatorFeatures === undefined || discriminatorHead === undefined) {
      discriminatorFeatures = denseChain([d, ...hidden], 'lrelu', 'lrelu');
      discriminatorHead = denseChain([hidden[hidden.length - 1], 1], 'lrelu');
      auto.push('discriminatorFeatures', 'discriminatorHead');
    }
    const latent = specInputSize(parseNetworkSpec(generator)), features = specOutputSize(parseNetworkSpec(discriminatorFeatures));
    checkNetwork('anogan', 'discriminatorFeatures', discriminatorFeatures, d, features);
    checkNetwork('anogan', 'discriminatorHead', discriminatorHead, features, 1);
    checkNetwork('anogan', 'generator', generator, latent, d);
    return { generator, discriminatorFeatures, discriminatorHead, latent, ...ganSchedule(p, rows, auto), learningRate: p.learningRate, auto };
  }

  /** D's features first: the template builds the first network on the input width. */
  protected networks(c: AnoganConfig): Record<string, string> {
    return { discriminatorFeatures: c.discriminatorFeatures, discriminatorHead: c.discriminatorHead, generator: c.generator };
  }

  /** D's logit. */
  private D(x: Tensor): Tensor { return this.mlp('discriminatorHead').forward(this.mlp('discriminatorFeatures').forward(x)); }

  /** The discriminator's cross-entropy on real rows and G(z) (a constant: G is fixed in this phase). */
  discriminatorLoss(x: Tensor, zs: Tensor): LossOutput {
    return { loss: discriminatorLoss(this.D(x), this.D(stopGradient(this.mlp('generator').forward(zs)))) };
  }

  /** The non-saturating generator loss -log D(G(z)) (D is only read). */
  generatorLoss(zs: Tensor): LossOutput { return { loss: generatorLoss(this.D(this.mlp('generator').forward(zs))) }; }

  protected override phases(): DeepPhase[] {
    const c = this.config.latent;
    return [
      { name: 'discriminator', networks: ['discriminatorFeatures', 'discriminatorHead'], betas: GAN_BETAS, loss: (x, ctx) => this.discriminatorLoss(x, sampleLatent(x.rows, c, ctx.rng)) },
      { name: 'generator', networks: ['generator'], betas: GAN_BETAS, loss: (x, ctx) => this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)) },
    ];
  }

  /** Early stopping's held-out criterion: the sum of both players' losses. */
  protected loss(x: Tensor, ctx: StepContext): LossOutput {
    const c = this.config.latent;
    return { loss: add(this.discriminatorLoss(x, sampleLatent(x.rows, c, ctx.rng)).loss, this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)).loss) };
  }

  protected override afterTraining(): void {
    this.start = sampleLatent(1, this.config.latent, new Rng(this.params.seed).fork('anogan search start')).data;
  }

  protected override exportState(): Record<string, unknown> { return { searchStart: Array.from(this.start!) }; }

  protected override importState(state: Record<string, unknown>, config: AnoganConfig): void {
    const s = state.searchStart;
    if (!Array.isArray(s) || s.length !== config.latent || !s.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`anogan model: state.searchStart must be ${config.latent} finite numbers (the latent search's start)`);
    }
    this.start = Float32Array.from(s as number[]);
  }

  /**
   * L(z) per row ([rows]): (1 - lambda) ||x - G(z)||_1 + lambda ||fx - f(G(z))||_1, fx = f(x) a constant.
   */
  searchLoss(x: Tensor, fx: Tensor, zs: Tensor): Tensor {
    const g = this.mlp('generator').forward(zs), lambda = this.params.lambda;
    const residual = sum(abs(sub(x, g)), 1), discrimination = sum(abs(sub(fx, this.mlp('discriminatorFeatures').forward(g))), 1);
    return add(scale(residual, 1 - lambda), scale(discrimination, lambda));
  }

  /** The latent search of every row of the batch (each its own z from z0); score = the loss at the final z. */
  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const n = batch.rows, c = this.config.latent, z0 = this.start!;
    // Copies: the search's tape reuses its buffers on every step, the enclosing scoring tape's live on.
    const x = new Tensor(batch.data.slice(), batch.shape);
    const fx = new Tensor(this.mlp('discriminatorFeatures').forward(x).data.slice(), [n, specOutputSize(this.mlp('discriminatorFeatures').layers)]);
    const init = new Float32Array(n * c);
    for (let i = 0; i < n; i++) init.set(z0, i * c);
    const zs = parameter(init, [n, c]), opt = new Adam([zs], { lr: this.params.searchRate });
    const tape = new Tape();
    try {
      for (let s = 0; s < this.params.searchSteps; s++) {
        tape.record(() => { opt.zeroGrad(); tape.backward(sum(this.searchLoss(x, fx, zs))); });
        opt.step();
      }
      const final = new Tape({ grad: false });
      final.record(() => { const l = this.searchLoss(x, fx, zs).data; for (let i = 0; i < n; i++) out[i] = l[i]; });
      final.release();
    } finally {
      tape.release();
      // The search's backward passes also filled the networks' weight gradients; they are not training's.
      for (const net of ['generator', 'discriminatorFeatures', 'discriminatorHead']) for (const p of this.mlp(net).parameters()) p.grad = null;
    }
  }
}

registerDetector({
  name: 'anogan',
  summary: 'AnoGAN: a GAN (generator G, discriminator D, cross-entropy) on the normal rows; each scored row searches the latent space (searchSteps Adam steps from one fixed draw) for the z minimising (1 - lambda) ||x - G(z)||_1 + lambda ||f(x) - f(G(z))||_1 (f: D\'s features); score = that loss',
  paper: 'Schlegl et al., IPMI 2017 (arXiv:1703.05921)',
  slowScoring: 'each scored row runs a latent search (searchSteps Adam steps through G and D): ~1,100 rows/s with the defaults on 2,000 x 6 rows (niced, busy 2-core machine); docs/benchmarks.md\'s "score s" column has it beside every other detector',
  paramsSchema: AnoganParamsSchema,
  quickParams: { epochs: 20, batchSize: 32, learningRate: 5e-3, searchSteps: 20 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new AnoganDetector(p),
});
