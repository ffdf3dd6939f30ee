/**
 * Fence GAN (Ngo, Winarto, Kou, Park, Akram and Lee, "Fence GAN: Towards Better Anomaly Detection", ICTAI 2019;
 * arXiv:1904.01209). A GAN whose generator does not imitate the data but fences it in: its samples are pushed
 * to where the discriminator is undecided (the encirclement loss) and spread out (the dispersion loss), so
 * they lie on the boundary of the data; the discriminator, trained on real rows against that fence, is the
 * detector. With D(.) = sigmoid of the discriminator's logit, G(z) for z ~ N(0, I) and batch means:
 *
 * - discriminator (phase 'discriminator', G fixed): L_D = mean -log D(x) + gamma * mean -log(1 - D(G(z)))
 *   (cross-entropy with the generated rows weighted by gamma: a small gamma lets D call the fence's rows real
 *   enough that they do not push the boundary into the data);
 * - generator (phase 'generator', D fixed): L_G = L_encirclement + beta * L_dispersion with
 *   L_encirclement = mean BCE(D(G(z)), alpha) = mean -[alpha log D(G(z)) + (1 - alpha) log(1 - D(G(z)))]
 *   (smallest where D(G(z)) = alpha) and L_dispersion = 1 / mean_i ||G(z_i) - mu||_2, mu the batch mean of
 *   G(z) (larger when the fence's rows bunch up).
 *
 * The paper writes the encirclement loss as mean log|alpha - D(G(z))|, which has the same minimiser but no
 * lower bound (its gradient is infinite at alpha); the authors' code trains the generator on cross-entropy
 * against the target alpha, which we follow (finite, and the usual GAN arithmetic on logits).
 *
 * Score: 1 - D(x) = 1 / (1 + e^logit), the probability that x is not a normal row (the paper thresholds D(x)),
 * for rows inside the region D was trained on: the box spanned, feature by feature, by the training rows and
 * the fence (G's rows for FENCE_DRAWS fixed latent draws after training). Beyond it D has seen nothing and a
 * piecewise-linear network extrapolates: along some directions its logit grows without bound, and it would
 * call a row a million ranges away normal. So the score adds the row's Euclidean distance to the box (0
 * inside it; ours, the paper is silent): continuous at the box, the paper's score inside, and a row further out
 * than 1 (a whole feature range) ranks above every row inside whatever D extrapolates.
 *
 * Hyperparameters: alpha = 0.5, beta = 30, gamma = 0.1, the defaults of the authors' code (main.py; the paper
 * uses alpha 0.1 / gamma 0.1 on MNIST and 0.5 / 0.5 on CIFAR-10, beta 30 and 10). The KDD99 values live in an
 * archive of the authors' repository (KDD99_Final.zip) that we could not read, so none is claimed for it.
 * Adam with beta1 = 0.5 for both players (the authors' code; GAN_BETAS), one learning rate for both (the
 * authors use separate ones per data set; paper silent on tabular data).
 *
 * Networks (ours; the paper's KDD99 networks are in the unreadable archive): G FC(c,H,relu)-..-FC(H,d,none),
 * D FC(d,H,lrelu)-..-FC(H,1,none) with the GAN widths of common.ts (c latent, H hidden). G's last layer is
 * linear: the fence must be able to lie outside the training rows' [0, 1] range, which a sigmoid forbids.
 * The authors pretrain D for some epochs before the adversarial epochs; we do not (the paper does not make it
 * part of the method).
 */
import * as z from '../../zod.js';
import { add, bceWithLogits, mean, norm, reciprocal, scale, stopGradient, sub } from '../../engine/ops/index.js';
import { Rng } from '../../engine/rng.js';
import { Tape, Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec, specInputSize } from '../../nn/spec.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { boxDistance, boxFromState, boxState, checkNetwork, GAN_BETAS, ganNetworkShape, ganSchedule, ganWidths, sampleLatent, spanOf, type TrainingBox } from '../gan/common.js';

export const FenceganParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  generator: z.optional(z.string()).check(z.describe('generator G from the latent width to the input width, e.g. FC(2,4,relu)-FC(4,6,none); default: from the input width')),
  discriminator: z.optional(z.string()).check(z.describe('discriminator D from the input width to 1 logit, e.g. FC(6,4,lrelu)-FC(4,1,none); default: from the input width')),
  alpha: z._default(z.number().check(z.gt(0), z.lt(1)), 0.5).check(z.describe('alpha: the discriminator output the generator aims its rows at (the fence\'s level)')),
  beta: z._default(z.number().check(z.minimum(0)), 30).check(z.describe('beta: weight of the dispersion loss 1 / (mean distance of generated rows to their centre)')),
  gamma: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.1).check(z.describe('gamma: weight of the generated rows in the discriminator\'s cross-entropy')),
  ...ganNetworkShape(1e-3),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('hidden widths of both networks (the generator mirrors them); default: generator [max(c + 1, ceil(d / 2))], discriminator [max(16, 2d), max(16, 2d)]')),
});
export type FenceganParams = z.infer<typeof FenceganParamsSchema>;

export interface FenceganConfig {
  generator: string; discriminator: string; latent: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

function constant(like: Tensor, v: number): Tensor { return new Tensor(new Float32Array(like.size).fill(v), like.shape); }

/** L_dispersion = 1 / mean_i ||g_i - mu||_2 over the rows g_i of a batch (mu their mean; tiny epsilon at 0). */
export function dispersionLoss(g: Tensor): Tensor {
  return reciprocal(add(mean(norm(sub(g, mean(g, 0, true)), 1)), 1e-12));
}

/** Latent draws whose generated rows, with the training rows, span the box where D's output is trusted. */
const FENCE_DRAWS = 2048;

export class FenceganDetector extends DeepDetector<FenceganParams, FenceganConfig> {
  readonly name = 'fencegan';
  readonly scoreName = '1 - D(x)';
  /** The box of the training rows and the fence (see the doc comment); set after training or loading. */
  private box: TrainingBox | null = null;

  constructor(params: z.input<typeof FenceganParamsSchema> = {}) {
    super(parseParams('fencegan', FenceganParamsSchema, params));
  }

  protected configure(d: number, rows: number): FenceganConfig {
    const p = this.params, w = ganWidths(d, p), auto = [...w.auto];
    let { generator, discriminator } = p;
    if (generator === undefined) { generator = denseChain([w.latent, ...[...w.hidden].reverse(), d], 'relu'); auto.push('generator'); }
    if (discriminator === undefined) {
      const h = p.hidden ?? [Math.max(16, 2 * d), Math.max(16, 2 * d)];
      discriminator = denseChain([d, ...h, 1], 'lrelu'); auto.push('discriminator');
    }
    const latent = specInputSize(parseNetworkSpec(generator));
    checkNetwork('fencegan', 'generator', generator, latent, d);
    checkNetwork('fencegan', 'discriminator', discriminator, d, 1);
    return { generator, discriminator, latent, ...ganSchedule(p, rows, auto), learningRate: p.learningRate, auto };
  }

  /** The discriminator first: the template builds the first network on the input width. */
  protected networks(c: FenceganConfig): Record<string, string> {
    return { discriminator: c.discriminator, generator: c.generator };
  }

  /** L_D on real rows and generated rows (constants: the generator is fixed in this phase). */
  discriminatorLoss(x: Tensor, zs: Tensor): LossOutput {
    const D = this.mlp('discriminator'), real = D.forward(x), fake = D.forward(stopGradient(this.mlp('generator').forward(zs)));
    const r = bceWithLogits(real, constant(real, 1)), f = bceWithLogits(fake, constant(fake, 0));
    return { loss: add(r, scale(f, this.params.gamma)), terms: { real: r, generated: f } };
  }

  /** L_G = encirclement + beta * dispersion (D is only read). */
  generatorLoss(zs: Tensor): LossOutput {
    const g = this.mlp('generator').forward(zs), logits = this.mlp('discriminator').forward(g);
    const enc = bceWithLogits(logits, constant(logits, this.params.alpha)), disp = dispersionLoss(g);
    return { loss: add(enc, scale(disp, this.params.beta)), terms: { encirclement: enc, dispersion: disp } };
  }

  protected override phases(): DeepPhase[] {
    const c = this.config.latent;
    return [
      { name: 'discriminator', networks: ['discriminator'], betas: GAN_BETAS, loss: (x, ctx) => this.discriminatorLoss(x, sampleLatent(x.rows, c, ctx.rng)) },
      { name: 'generator', networks: ['generator'], betas: GAN_BETAS, loss: (x, ctx) => this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)) },
    ];
  }

  /** Early stopping's held-out criterion: the sum of both players' losses. */
  protected loss(x: Tensor, ctx: StepContext): LossOutput {
    const c = this.config.latent;
    return { loss: add(this.discriminatorLoss(x, sampleLatent(x.rows, c, ctx.rng)).loss, this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)).loss) };
  }

  /** The box of the training rows and the fence's rows for fixed latent draws (from the seed). */
  protected override afterTraining(x: Float32Array, _rows: number, cols: number): void {
    const zs = sampleLatent(FENCE_DRAWS, this.config.latent, new Rng(this.params.seed).fork('fence box'));
    const g = new Tape({ grad: false }).record(() => this.mlp('generator').forward(zs).data.slice());
    this.box = spanOf(cols, x, g);
  }

  protected override exportState(): Record<string, unknown> { return boxState(this.box!); }

  protected override importState(state: Record<string, unknown>): void { this.box = boxFromState('fencegan', state, this.inputs); }

  /** 1 - D(x) = 1 / (1 + e^logit), plus the distance to the box. */
  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const l = this.mlp('discriminator').forward(batch).data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) out[i] = 1 / (1 + Math.exp(l[i])) + boxDistance(batch.data, i * d, this.box!);
  }
}

registerDetector({
  name: 'fencegan',
  summary: 'Fence GAN: a generator trained to put its rows on the boundary of the data (encirclement: D(G(z)) towards alpha; dispersion: spread around their centre) and a discriminator trained on real rows against that fence, generated rows weighted by gamma; score = 1 - D(x)',
  paper: 'Ngo et al., ICTAI 2019 (arXiv:1904.01209)',
  paramsSchema: FenceganParamsSchema,
  quickParams: { epochs: 30, batchSize: 32, learningRate: 5e-3 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new FenceganDetector(p),
});
