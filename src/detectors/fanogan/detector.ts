/**
 * f-AnoGAN (Schlegl, Seeboeck, Waldstein, Langs and Schmidt-Erfurth, "f-AnoGAN: Fast unsupervised anomaly
 * detection with generative adversarial networks", Medical Image Analysis 54, 2019). AnoGAN without the
 * latent search: an encoder E learns the inverse of a trained generator, so a row's score is one pass.
 *
 * Two stages (train() runs the template's loop twice, as dagmm-variants/pae.ts does):
 * 1. WGAN-GP (Gulrajani et al. 2017) on the normal rows, each mini-batch: `nCritic` critic phases, each
 *    L_C = mean C(G(z)) - mean C(x) + lambda_gp * GP (criticLoss, gradientPenalty of gan/common.ts, lambda_gp
 *    10), then one generator phase L_G = -mean C(G(z)). The paper's n_critic critic updates per generator
 *    update are here `nCritic` repeated critic phases on the same real mini-batch, each with fresh z and fresh
 *    interpolation weights (WGAN-GP draws a new real batch per critic step; the template's phases share the
 *    batch), and each with its own Adam state over the critic's weights (the template gives each phase its
 *    optimiser; they see gradients of the same distribution). Adam (lr 1e-4, betas (0, 0.9)): Gulrajani's.
 * 2. The encoder, with G and C frozen (the phase updates E only), on one of the paper's losses (`mode`):
 *    izi: ||x - G(E(x))||^2 / d; ziz: ||z - E(G(z))||^2 / c for z ~ N(0, I); izi_f (the paper's best, default):
 *    izi + kappa ||f(x) - f(G(E(x)))||^2 / n_f, f = the critic's last hidden layer (n_f units), kappa 1.
 *    Batch means of these per-row values. Adam with plain betas (0.9, 0.999): not an adversarial phase.
 *
 * Score (the paper's, whatever the encoder's training mode): A(x) = ||x - G(E(x))||^2 / d + kappa ||f(x) -
 * f(G(E(x)))||^2 / n_f.
 *
 * Ours (the paper's networks are convolutional; tabular data is not in it): G FC(c,H,relu)-..-FC(H,d,none),
 * E FC(d,H,lrelu)-..-FC(H,c,none), C FC(d,H,lrelu)-..-FC(H,1,none) with c from gan/common.ts's ganWidths and
 * H = max(32, 2d) (as anogan: bottleneck widths leave G too little room); G's and E's last layers linear
 * (rows and N(0, I) codes are unbounded; the paper's tanh matches images in [-1, 1]). The critic is one network
 * (gradientPenalty needs its exact input gradient as one dense stack); f is read with Mlp.forward's tap.
 * `encoderEpochs` defaults to `epochs` (paper silent on tabular schedules).
 */
import * as z from '../../zod.js';
import { add, mean, mse, scale, square, stopGradient, sub } from '../../engine/ops/index.js';
import { Tape, Tensor } from '../../engine/tensor.js';
import type { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize } from '../../nn/spec.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, progressLine, UNTRAINED_CONTROL, type DeepPhase, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { checkNetwork, criticLoss, ganNetworkShape, ganSchedule, ganWidths, gradientPenalty, sampleLatent, wassersteinGeneratorLoss } from '../gan/common.js';

/** Gulrajani et al.'s Adam betas for WGAN-GP. */
const WGAN_GP_BETAS: readonly [number, number] = [0, 0.9];

export const FanoganParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  generator: z.optional(z.string()).check(z.describe('generator G from the latent width to the input width, e.g. FC(2,32,relu)-FC(32,6,none); default: from the input width')),
  critic: z.optional(z.string()).check(z.describe('critic C from the input width to 1 value, at least 2 dense layers (f = its last hidden layer), e.g. FC(6,32,lrelu)-FC(32,1,none); default: from the input width')),
  encoder: z.optional(z.string()).check(z.describe('encoder E from the input width to the latent width, e.g. FC(6,32,lrelu)-FC(32,2,none); default: from the input width')),
  mode: z._default(z.enum(['izi', 'ziz', 'izi_f']), 'izi_f').check(z.describe('the encoder\'s training loss: izi (row -> code -> row), ziz (code -> row -> code), izi_f (izi plus kappa times the critic-feature residual)')),
  kappa: z._default(z.number().check(z.minimum(0)), 1).check(z.describe('kappa: weight of the critic-feature residual in izi_f and in the score')),
  lambdaGp: z._default(z.number().check(z.minimum(0)), 10).check(z.describe('lambda_gp: weight of the gradient penalty in the critic\'s loss')),
  nCritic: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 5).check(z.describe('critic phases per generator phase on each mini-batch')),
  encoderEpochs: z.optional(z.number().check(z.int(), z.minimum(0))).check(z.describe('epochs of the encoder stage (G and C frozen); default: epochs')),
  ...ganNetworkShape(1e-4),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('hidden widths of the critic and the encoder (the generator mirrors them); default [max(32, 2d)]')),
});
export type FanoganParams = z.infer<typeof FanoganParamsSchema>;

export interface FanoganConfig {
  generator: string; critic: string; encoder: string; latent: number; features: number; encoderEpochs: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

export class FanoganDetector extends DeepDetector<FanoganParams, FanoganConfig> {
  readonly name = 'fanogan';
  readonly scoreName = 'izi_f anomaly score';
  /** Which stage train() runs: the WGAN-GP, then the encoder. */
  private stage: 'gan' | 'encoder' = 'gan';

  constructor(params: z.input<typeof FanoganParamsSchema> = {}) {
    super(parseParams('fanogan', FanoganParamsSchema, params));
  }

  protected configure(d: number, rows: number): FanoganConfig {
    const p = this.params, w = ganWidths(d, p), auto = [...w.auto];
    const hidden = p.hidden ?? [Math.max(32, 2 * d)];
    let { generator, critic, encoder } = p;
    if (critic === undefined) { critic = denseChain([d, ...hidden, 1], 'lrelu'); auto.push('critic'); }
    const layers = parseNetworkSpec(critic).flatMap((l) => (l.kind === 'dense' ? [l] : []));
    if (layers.length < 2) throw new Error(`fanogan: the critic ${critic} needs at least 2 dense layers (its last hidden layer is the feature map f)`);
    checkNetwork('fanogan', 'critic', critic, d, 1);
    if (generator === undefined) { generator = denseChain([w.latent, ...[...hidden].reverse(), d], 'relu'); auto.push('generator'); }
    const latent = specInputSize(parseNetworkSpec(generator));
    checkNetwork('fanogan', 'generator', generator, latent, d);
    if (encoder === undefined) { encoder = denseChain([d, ...hidden, latent], 'lrelu'); auto.push('encoder'); }
    checkNetwork('fanogan', 'encoder', encoder, d, latent);
    const s = ganSchedule(p, rows, auto);
    if (p.encoderEpochs === undefined) auto.push('encoderEpochs');
    const features = layers[layers.length - 2].out;
    return { generator, critic, encoder, latent, features, encoderEpochs: p.encoderEpochs ?? s.epochs, ...s, learningRate: p.learningRate, auto };
  }

  /** The critic first: the template builds the first network on the input width. */
  protected networks(c: FanoganConfig): Record<string, string> {
    return { critic: c.critic, generator: c.generator, encoder: c.encoder };
  }

  /** C(x) and f(x), the critic's last hidden layer (read with the tap; gradients flow through both). */
  criticWithFeatures(x: Tensor): { score: Tensor; features: Tensor } {
    const C: Mlp = this.mlp('critic'), at = C.weights.length - 2;
    let features: Tensor | null = null;
    const score = C.forward(x, { tap: (i, out) => { if (i === at) features = out; } });
    return { score, features: features! };
  }

  /** L_C = mean C(G(z)) - mean C(x) + lambda_gp * GP (G(z) a constant; GP's interpolation weights from rng). */
  criticLoss(x: Tensor, zs: Tensor, ctx: Pick<StepContext, 'rng'>): LossOutput {
    const C = this.mlp('critic'), fake = stopGradient(this.mlp('generator').forward(zs));
    const w = criticLoss(C.forward(x), C.forward(fake)), gp = gradientPenalty(C, x, fake, ctx.rng);
    return { loss: add(w, scale(gp, this.params.lambdaGp)), terms: { wasserstein: w, penalty: gp } };
  }

  /** L_G = -mean C(G(z)) (the critic is only read). */
  generatorLoss(zs: Tensor): LossOutput { return { loss: wassersteinGeneratorLoss(this.mlp('critic').forward(this.mlp('generator').forward(zs))) }; }

  /** The per-row izi_f residuals: ||x - G(E(x))||^2 / d and ||f(x) - f(G(E(x)))||^2 / n_f ([rows] each). */
  residuals(x: Tensor): { row: Tensor; feature: Tensor } {
    const xr = this.mlp('generator').forward(this.mlp('encoder').forward(x));
    const fx = this.criticWithFeatures(x).features, fr = this.criticWithFeatures(xr).features;
    return { row: mean(square(sub(x, xr)), 1), feature: mean(square(sub(fx, fr)), 1) };
  }

  /** The encoder's loss in the configured mode (batch means); G and C are read, only E is updated. */
  encoderLoss(x: Tensor, ctx: Pick<StepContext, 'rng'>): LossOutput {
    if (this.params.mode === 'ziz') {
      const zs = sampleLatent(x.rows, this.config.latent, ctx.rng);
      return { loss: mse(this.mlp('encoder').forward(this.mlp('generator').forward(zs)), zs) };
    }
    const r = this.residuals(x), izi = mean(r.row);
    if (this.params.mode === 'izi') return { loss: izi };
    const feat = mean(r.feature);
    return { loss: add(izi, scale(feat, this.params.kappa)), terms: { izi: izi, feature: feat } };
  }

  protected override phases(): DeepPhase[] {
    if (this.stage === 'encoder') return [{ name: 'encoder', networks: ['encoder'], loss: (x, ctx) => this.encoderLoss(x, ctx) }];
    const c = this.config.latent;
    const critic = (k: number): DeepPhase => ({
      name: `critic${k}`, networks: ['critic'], betas: WGAN_GP_BETAS, loss: (x, ctx) => this.criticLoss(x, sampleLatent(x.rows, c, ctx.rng), ctx),
    });
    return [
      ...Array.from({ length: this.params.nCritic }, (_, k) => critic(k + 1)),
      { name: 'generator', networks: ['generator'], betas: WGAN_GP_BETAS, loss: (x, ctx) => this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)) },
    ];
  }

  /** Early stopping's held-out criterion: the stage's losses (critic + generator, or the encoder's). */
  protected loss(x: Tensor, ctx: StepContext): LossOutput {
    if (this.stage === 'encoder') return this.encoderLoss(x, ctx);
    const c = this.config.latent;
    return { loss: add(this.criticLoss(x, sampleLatent(x.rows, c, ctx.rng), ctx).loss, this.generatorLoss(sampleLatent(x.rows, c, ctx.rng)).loss) };
  }

  /** The WGAN-GP, then the encoder; the history lists both stages' epochs in order. */
  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config, total = c.epochs + c.encoderEpochs, on = ctx.onProgress;
    this.stage = 'gan';
    const gan = this.trainEpochs(x, rows, cols, ctx.rng, c.epochs, on ? (ep, s) => on(ep, total, `WGAN-GP, ${progressLine(s)}`) : undefined);
    this.stage = 'encoder';
    const enc = this.trainEpochs(x, rows, cols, ctx.rng, c.encoderEpochs, on ? (ep, s) => on(c.epochs + ep, total, `encoder (${this.params.mode}), ${progressLine(s)}`) : undefined);
    return { steps: gan.steps + enc.steps, history: [...gan.history, ...enc.history.map((s) => ({ ...s, epoch: s.epoch + gan.epochs }))] };
  }

  /** A(x) = ||x - G(E(x))||^2 / d + kappa ||f(x) - f(G(E(x)))||^2 / n_f. */
  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const r = this.residuals(batch), a = r.row.data, b = r.feature.data, k = this.params.kappa;
    for (let i = 0; i < batch.rows; i++) out[i] = a[i] + k * b[i];
  }

  /** The score's two parts per row (no gradients), for tests and reports. */
  scoreParts(x: Tensor): { row: Float32Array; feature: Float32Array } {
    return new Tape({ grad: false }).record(() => { const r = this.residuals(x); return { row: r.row.data.slice(), feature: r.feature.data.slice() }; });
  }
}

registerDetector({
  name: 'fanogan',
  summary: 'f-AnoGAN: a WGAN-GP (critic C, generator G; nCritic critic phases per generator phase) on the normal rows, then an encoder E trained with G and C frozen to invert G (mode izi, ziz or izi_f); score = ||x - G(E(x))||^2 / d + kappa ||f(x) - f(G(E(x)))||^2 / n_f, f = C\'s last hidden layer (one pass, no latent search)',
  paper: 'Schlegl et al., Medical Image Analysis 2019',
  paramsSchema: FanoganParamsSchema,
  quickParams: { epochs: 15, batchSize: 32, learningRate: 1e-3 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: {},
  create: (p) => new FanoganDetector(p),
});
