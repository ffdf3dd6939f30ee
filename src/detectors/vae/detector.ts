/**
 * Variational autoencoder (Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014) as an anomaly
 * detector (An and Cho, "Variational Autoencoder based Anomaly Detection using Reconstruction Probability",
 * SNU Data Mining Center, 2015): the encoder gives a diagonal Gaussian q(z|x) = N(mu, exp(logvar)) (its last
 * layer outputs 2L values, the L means then the L log-variances), z is sampled with the reparameterisation
 * z = mu + exp(logvar / 2) * eps, and the decoder maps z back to the features.
 *
 * Likelihood: p(x|z) = N(decoder(z), I/2), a Gaussian of fixed variance 1/2 per feature, so
 * -log p(x|z) = sum_j (x_j - xhat_j)^2 + (d/2) log(pi): the sum of squared errors up to a constant (the Keras
 * example the 002 article follows uses the same, MSE x the input width). Training minimises, averaged over
 * the batch's rows, SSE(x, decoder(z)) + beta * KL(q(z|x) || N(0, I)), with one z per row drawn from the
 * training loop's noise stream; beta = 1 is the negative ELBO.
 *
 * Scores (higher = more anomalous), from L = `samples` latent draws per row:
 * - 'reconstruction': the mean over the draws of the row's mean squared error per feature (An and Cho's
 *   expected reconstruction error; the autoencoder's score with the VAE's sampling);
 * - 'elbo': the negative ELBO, mean SSE over the draws + KL(q(z|x) || N(0, I)) (beta is a training weight and
 *   does not enter the score), up to the constant (d/2) log(pi).
 *
 * Scoring-seed rule: the draws are eps_1..eps_L ~ N(0, I_L), drawn once from Rng(seed).fork('vae scoring')
 * and shared by every row (common random numbers); row i uses z_il = mu_i + sigma_i * eps_l. A row's score
 * therefore depends only on the model and the row itself, not on which other rows are scored with it, how
 * they are batched or where the row stands. samples = 0 decodes the mean (z = mu): no sampling at all.
 */
import * as z from '../../zod.js';
import { add, gaussianKl, mean, mse, reparameterize, scale, slice } from '../../engine/ops/index.js';
import { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type LossOutput, type StepContext } from '../deep/detector.js';
import { autoencoderNetworkShape, planAutoencoder, rowSquaredError, autoencoderTrainingShape } from '../ae/network.js';
import { VAE_PAPER_RUNS } from './paper-configs.js';

export const VaeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...autoencoderNetworkShape({
    encoder: 'encoder in the paper\'s notation; its last layer outputs 2 x latent values (the means, then the log-variances), e.g. FC(6,3,tanh)-FC(3,4,none) for a 2-d latent; give it with decoder; default: from the input width',
    decoder: 'decoder from the latent, e.g. FC(2,3,tanh)-FC(3,6,none); must map the latent back to the input width',
    latentSize: 'latent width; default clamp(floor(sqrt(d)), 1, 32) for d features',
  }),
  beta: z._default(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')), 1)
    .check(z.describe('weight of the KL term in the training loss (beta-VAE); 1 is the negative ELBO')),
  samples: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1000)), 10)
    .check(z.describe('latent draws per row when scoring (the same draws for every row, from the seed); 0 decodes the mean')),
  score: z._default(z.enum(['reconstruction', 'elbo']), 'reconstruction')
    .check(z.describe('reconstruction: expected mean squared reconstruction error; elbo: negative ELBO (expected squared error + KL)')),
  ...autoencoderTrainingShape(1e-3, 'training epochs; default: ~2,000 optimiser steps, in [10, 200]'),
});
export type VaeParams = z.infer<typeof VaeParamsSchema>;

export interface VaeResolvedConfig { encoder: string; decoder: string; latent: number; epochs: number; batchSize: number; learningRate: number; auto: string[] }

export interface VaeObjective { loss: Tensor; reconstruction: Tensor; kl: Tensor }

/**
 * The training objective of one batch: encoded = [mu | logvar] per row ([rows, 2L]); one z per row from
 * rng (reparameterised, so gradients reach mu and logvar); mean over rows of SSE(x, decode(z)) + beta * KL.
 */
export function vaeObjective(x: Tensor, encoded: Tensor, decode: (z: Tensor) => Tensor, beta: number, rng: Rng): VaeObjective {
  const L = encoded.cols / 2;
  const mu = slice(encoded, 1, 0, L), logvar = slice(encoded, 1, L, 2 * L);
  // mse is the mean over rows and features; times the width it is the mean over rows of each row's SSE.
  const reconstruction = scale(mse(decode(reparameterize(mu, logvar, rng)), x), x.cols);
  const kl = mean(gaussianKl(mu, logvar));
  return { loss: beta === 0 ? reconstruction : add(reconstruction, scale(kl, beta)), reconstruction, kl };
}

export class VaeDetector extends DeepDetector<VaeParams, VaeResolvedConfig> {
  readonly name = 'vae';
  readonly scoreName: string;
  /** The scoring draws (see the scoring-seed rule above), made once per latent width. */
  private draws: { latent: number; eps: Float32Array } | null = null;

  constructor(params: z.input<typeof VaeParamsSchema> = {}) {
    super(parseParams('vae', VaeParamsSchema, params));
    this.scoreName = this.params.score === 'elbo' ? 'negative ELBO' : 'expected reconstruction error';
  }

  protected configure(d: number, rows: number): VaeResolvedConfig {
    const { encoder, decoder, latent, epochs, batchSize, auto } = planAutoencoder('vae', this.params, d, rows, 2);
    return { encoder, decoder, latent, epochs, batchSize, learningRate: this.params.learningRate, auto };
  }

  protected networks(c: VaeResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const f = { training: ctx.training, rng: ctx.rng };
    const o = vaeObjective(batch, this.mlp('encoder').forward(batch, f), (zz) => this.mlp('decoder').forward(zz, f), this.params.beta, ctx.rng);
    return { loss: o.loss, terms: { reconstruction: o.reconstruction, kl: o.kl } };
  }

  private scoringDraws(latent: number): Float32Array {
    if (this.draws?.latent !== latent) {
      const r = new Rng(this.params.seed).fork('vae scoring');
      this.draws = { latent, eps: Float32Array.from({ length: this.params.samples * latent }, () => r.normal()) };
    }
    return this.draws.eps;
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const n = batch.rows, d = batch.cols, x = batch.data;
    const h = this.mlp('encoder').forward(batch);
    const L = h.cols / 2, hd = h.data;
    const samples = this.params.samples, eps = this.scoringDraws(L);
    const zz = new Float32Array(n * L), sse = new Float64Array(n);
    for (let s = 0; s < Math.max(1, samples); s++) {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < L; k++) {
          const m = hd[i * 2 * L + k], sd = Math.exp(0.5 * hd[i * 2 * L + L + k]);
          zz[i * L + k] = samples === 0 ? m : m + sd * eps[s * L + k];
        }
      }
      const xr = this.mlp('decoder').forward(new Tensor(zz, [n, L])).data;
      for (let i = 0; i < n; i++) sse[i] += rowSquaredError(x, xr, d, i);
    }
    const draws = Math.max(1, samples);
    if (this.params.score === 'reconstruction') {
      for (let i = 0; i < n; i++) out[i] = sse[i] / (draws * d);
      return;
    }
    const kl = gaussianKl(slice(h, 1, 0, L), slice(h, 1, L, 2 * L)).data;
    for (let i = 0; i < n; i++) out[i] = sse[i] / draws + kl[i];
  }
}

registerDetector({
  name: 'vae',
  summary: 'Variational autoencoder: Gaussian encoder (mean, log-variance), reparameterised sampling, decoder; trained on squared error + beta x KL; score = expected reconstruction error over seeded latent draws, or the negative ELBO',
  paper: 'Kingma and Welling, ICLR 2014; An and Cho, SNU Data Mining Center technical report, 2015',
  paramsSchema: VaeParamsSchema,
  quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: VAE_PAPER_RUNS,
  create: (p) => new VaeDetector(p),
});
