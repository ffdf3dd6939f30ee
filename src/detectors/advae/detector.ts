/**
 * adVAE, the self-adversarial variational autoencoder (Wang, Du, Lin, Cui, Shen and Yang, "adVAE: A
 * self-adversarial variational autoencoder with Gaussian anomaly prior knowledge for anomaly detection",
 * Knowledge-Based Systems 190, 2020; arXiv:1903.00904). Three networks:
 *
 * - encoder E: x -> (mu, logvar) of q(z|x), z = mu + sigma * eps;
 * - generator (decoder) G: z -> x_r = G(z);
 * - Gaussian transformer T: (mu, logvar) -> (mu_T, logvar_T), z_T = mu_T + sigma_T * eps, x_Tr = G(z_T): latent
 *   codes of synthetic anomalies, "anomalous but near-normal" (the Gaussian anomaly prior: normal and anomalous
 *   latents are both Gaussian and overlap).
 *
 * E and G double as discriminators: G must tell z from z_T apart (its outputs for them differ by a margin), and
 * E must tell real rows from G's outputs (it encodes those far from the prior). With L_AE(a, b) = ||a - b||^2
 * (summed over features), KL(.) = KL(N(mu, sigma^2) || N(0, I)) of E's code for its input (summed over latent
 * dimensions), [v]^+ = max(0, v), and every term averaged over the batch's rows, each mini-batch takes the two
 * alternating steps of the paper, in this order:
 *
 * 1. 'generator' (updates T and G; E fixed, its code of x enters T as a constant, stopGradient):
 *      L_T = KL(N(mu, sigma^2) || N(mu_T, sigma_T^2))
 *      L_G = L_AE(x, x_r) + KL(E(x_r)) + [m_x - L_AE(x_r, x_Tr)]^+ + [m_z - KL(E(x_Tr))]^+
 *      loss = gamma * L_T + L_G
 *    T pulls z_T towards the normal code (KL) and so "misleads" G; G reconstructs x, makes E accept x_r as real
 *    and keeps x_Tr at least m_x from x_r and E's code of it at least m_z from the prior. Gradients pass through
 *    E (a fixed discriminator here) into G.
 * 2. 'encoder' (updates E; G and T fixed, recomputed after step 1's update):
 *      L_E = KL(E(x)) + lambda * L_AE(x, G(z)) + [m_z - KL(E(sg(x_r)))]^+ + [m_z - KL(E(sg(x_Tr)))]^+
 *    the VAE objective plus E's discrimination: real rows near the prior, G's outputs (inputs as constants,
 *    stopGradient) at least m_z away.
 *
 * Hyperparameters (the seed copy of the paper we worked from stops at the introduction, so the values of the
 * method section could not be checked against it; the loss terms follow the published method and the
 * authors' released networks, and every value below is a default we chose and document):
 * - mx (m_x) = 1: margin between x_r and x_Tr in squared distance; rows are min-max scaled to [0, 1], so 1 is
 *   a clear but reachable gap for a handful of features;
 * - mz (m_z) = 10: KL margin (nats) by which E pushes generated rows from the prior; above the KL of a real
 *   row's code (a few nats for codes of up to 32 dimensions), as IntroVAE's margin, which adVAE adopts;
 * - gamma = 1: weight of T's KL against G's loss in step 1 (only T feels it: G's parameters do not enter L_T);
 * - lambda = 10: weight of reconstruction in E's loss: the squared error of rows in [0, 1] is a fraction of a
 *   unit while the KL terms are in nats; 10 makes it a Gaussian log-likelihood of variance 0.05. With 1, E's
 *   real codes drifted to KL ~ m_z and reconstruction stalled (a planted-anomaly run ranked at AUROC 0.76; 0.99
 *   with 10);
 * - Adam for both steps at the same learning rate, 1e-3 (the authors' PyTorch defaults).
 *
 * Networks (default; the authors' code uses ReLU MLPs whose hidden widths scale with the input width): E and G
 * from ae's network-from-width rule (ae/networks.ts) with E's last layer giving 2 x code values (mu and logvar);
 * T as in the authors' code, FC(2c,2c,sigmoid)-FC(2c,2c,sigmoid)-FC(2c,2c,none) on the concatenated (mu, logvar).
 *
 * Score (the paper's): the reconstruction error ||x - mean_l G(mu + sigma * eps_l)||^2, the residual averaged over
 * `scoreDraws` latent draws (the authors' notebook: 1,000) before squaring. The draws eps_1..eps_L come from
 * Rng(seed).fork('score') and are the same for every row, so a row's score depends only on the model and the
 * row (not on batching, order or the other rows), and repeat calls agree.
 *
 * Stability (our choice): E's and T's logvar outputs pass through 10 tanh(. / 10), so sigma is in [e^-5, e^5]
 * (the public reimplementations clip sigma too); without it training can overflow exp() (see LOGVAR_BOUND).
 */
import * as z from '../../zod.js';
import { activation, add, concat, gaussianKl, mean, reparameterize, scale, slice, square, stopGradient, sub, sum, tanh } from '../../engine/ops/index.js';
import { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import { denseChain, planAutoencoder, autoencoderTrainingShape } from '../ae/network.js';
import { ADVAE_PAPER_RUNS } from './paper-configs.js';

export const AdvaeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  encoder: z.optional(z.string()).check(z.describe('encoder E in the paper\'s notation, ending in 2 x code values (mu then logvar), e.g. FC(6,3,relu)-FC(3,4,none); give it with decoder; default: from the input width')),
  decoder: z.optional(z.string()).check(z.describe('generator G, from the code back to the input width, e.g. FC(2,3,relu)-FC(3,6,none)')),
  transformer: z.optional(z.string()).check(z.describe('Gaussian transformer T, from 2 x code (mu, logvar) to 2 x code (mu_T, logvar_T); default FC(2c,2c,sigmoid)-FC(2c,2c,sigmoid)-FC(2c,2c,none)')),
  latentSize: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe('code width c; default clamp(floor(sqrt(d)), 1, 32) for d features')),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the generator mirrors them); default [max(c + 1, ceil(d / 2))]')),
  activation: z._default(z.enum(['tanh', 'sigmoid', 'relu', 'leaky_relu', 'softplus']), 'relu').check(z.describe('activation of E\'s and G\'s hidden layers (the authors use ReLU)')),
  mx: z._default(z.number().check(z.gt(0)), 1).check(z.describe('m_x: margin between G(z) and G(z_T), squared distance over the features')),
  mz: z._default(z.number().check(z.gt(0)), 10).check(z.describe('m_z: KL margin (nats) by which E pushes generated rows away from the prior')),
  gamma: z._default(z.number().check(z.minimum(0)), 1).check(z.describe('gamma: weight of the transformer\'s KL L_T against the generator\'s loss in step 1')),
  lambda: z._default(z.number().check(z.minimum(0)), 10).check(z.describe('lambda: weight of the reconstruction term in the encoder\'s loss (step 2)')),
  scoreDraws: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10000)), 10)
    .check(z.describe('latent draws per row whose reconstructions are averaged for the score (the same fixed draws for every row; the authors used 1,000)')),
  ...autoencoderTrainingShape(1e-3, 'training epochs; default: ~2,000 mini-batches, in [10, 200]'),
});
export type AdvaeParams = z.infer<typeof AdvaeParamsSchema>;

export interface AdvaeResolvedConfig {
  encoder: string; decoder: string; transformer: string; latent: number;
  epochs: number; batchSize: number; learningRate: number; auto: string[];
}

/**
 * logvar = LOGVAR_BOUND * tanh(raw / LOGVAR_BOUND): sigma stays within [e^-5, e^5]. The hinges reward E for
 * codes far from the prior, and an unbounded logvar let exp() overflow to NaN mid-training (Thyroid, 1,000
 * epochs); smooth, and the identity near 0 where real codes live.
 */
const LOGVAR_BOUND = 10;

/** The two Gaussians' parameters packed side by side ([rows, 2c]: mu then logvar). */
function split(h: Tensor, c: number): { mu: Tensor; logvar: Tensor } {
  return { mu: slice(h, 1, 0, c), logvar: scale(tanh(scale(slice(h, 1, c, 2 * c), 1 / LOGVAR_BOUND)), LOGVAR_BOUND) };
}

/** Per-row squared distance ||a - b||^2 over the features ([rows]). */
export function squaredDistance(a: Tensor, b: Tensor): Tensor { return sum(square(sub(a, b)), 1); }

/** Batch mean of the hinge [m - v]^+ of per-row values v. */
export function meanHinge(m: number, v: Tensor): Tensor { return mean(activation(add(scale(v, -1), m), 'relu')); }

export class AdvaeDetector extends DeepDetector<AdvaeParams, AdvaeResolvedConfig> {
  readonly name = 'advae';
  readonly scoreName = 'reconstruction error';
  /** The fixed standard-normal draws of the score ([scoreDraws, c]), from the seed; set when networks are built. */
  private scoreNoise: Float32Array | null = null;

  constructor(params: z.input<typeof AdvaeParamsSchema> = {}) {
    super(parseParams('advae', AdvaeParamsSchema, params));
  }

  protected configure(d: number, rows: number): AdvaeResolvedConfig {
    const p = this.params;
    const plan = planAutoencoder('advae', p, d, rows, 2);
    const { encoder, decoder, latent: c, batchSize, epochs } = plan;
    const auto = plan.auto;
    let { transformer } = p;
    if (transformer === undefined) { transformer = denseChain([2 * c, 2 * c, 2 * c, 2 * c], 'sigmoid'); auto.push('transformer'); }
    const tr = parseNetworkSpec(transformer);
    if (specInputSize(tr) !== 2 * c || specOutputSize(tr) !== 2 * c) {
      throw new Error(`advae: the transformer maps ${specInputSize(tr)} to ${specOutputSize(tr)} values; it needs ${2 * c} to ${2 * c} (mu and logvar of the code)`);
    }
    return { encoder, decoder, transformer, latent: c, epochs, batchSize, learningRate: p.learningRate, auto };
  }

  protected networks(c: AdvaeResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder, transformer: c.transformer };
  }

  protected override attach(c: AdvaeResolvedConfig): void {
    const rng = new Rng(this.params.seed).fork('score'), noise = new Float32Array(this.params.scoreDraws * c.latent);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    this.scoreNoise = noise;
  }

  /** E's code of x: mu and logvar. */
  private encode(x: Tensor): { mu: Tensor; logvar: Tensor } { return split(this.mlp('encoder').forward(x), this.config.latent); }

  /** T's anomalous code for a (constant) normal code. */
  private anomalousCode(mu: Tensor, logvar: Tensor): { mu: Tensor; logvar: Tensor } {
    return split(this.mlp('transformer').forward(concat([stopGradient(mu), stopGradient(logvar)], 1)), this.config.latent);
  }

  /** KL(E(x) || N(0, I)) per row. */
  private priorKl(x: Tensor): Tensor { const q = this.encode(x); return gaussianKl(q.mu, q.logvar); }

  /** Step 1: T and G against E's discrimination (E fixed). */
  generatorLoss(x: Tensor, ctx: StepContext): LossOutput {
    const p = this.params, q = this.encode(x);
    const mu = stopGradient(q.mu), logvar = stopGradient(q.logvar);
    const t = this.anomalousCode(mu, logvar);
    const G = this.mlp('decoder');
    const xr = G.forward(reparameterize(mu, logvar, ctx.rng)), xTr = G.forward(reparameterize(t.mu, t.logvar, ctx.rng));
    const lT = mean(gaussianKl(mu, logvar, t.mu, t.logvar));
    const rec = mean(squaredDistance(x, xr)), real = mean(this.priorKl(xr));
    const apart = meanHinge(p.mx, squaredDistance(xr, xTr)), fake = meanHinge(p.mz, this.priorKl(xTr));
    const lG = add(add(rec, real), add(apart, fake));
    return { loss: add(scale(lT, p.gamma), lG), terms: { transformer: lT, reconstruction: rec, realKl: real, separation: apart, fakeKl: fake } };
  }

  /** Step 2: E separates real rows from G's outputs while reconstructing (G and T fixed). */
  encoderLoss(x: Tensor, ctx: StepContext): LossOutput {
    const p = this.params, q = this.encode(x), G = this.mlp('decoder');
    const xr = G.forward(reparameterize(q.mu, q.logvar, ctx.rng));
    const t = this.anomalousCode(q.mu, q.logvar);
    const xTr = stopGradient(G.forward(reparameterize(stopGradient(t.mu), stopGradient(t.logvar), ctx.rng)));
    const kl = mean(gaussianKl(q.mu, q.logvar)), rec = mean(squaredDistance(x, xr));
    const fakeR = meanHinge(p.mz, this.priorKl(stopGradient(xr))), fakeT = meanHinge(p.mz, this.priorKl(xTr));
    return { loss: add(add(kl, scale(rec, p.lambda)), add(fakeR, fakeT)), terms: { kl, reconstruction: rec, fakeReconstructionKl: fakeR, fakeTransformedKl: fakeT } };
  }

  protected override phases(): DeepPhase[] {
    return [
      { name: 'generator', networks: ['transformer', 'decoder'], loss: (x, ctx) => this.generatorLoss(x, ctx) },
      { name: 'encoder', networks: ['encoder'], loss: (x, ctx) => this.encoderLoss(x, ctx) },
    ];
  }

  /** Early stopping's held-out criterion: the sum of both steps' losses (training uses the phases). */
  protected loss(x: Tensor, ctx: StepContext): LossOutput {
    return { loss: add(this.generatorLoss(x, ctx).loss, this.encoderLoss(x, ctx).loss) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const c = this.config.latent, n = batch.rows, d = batch.cols, L = this.params.scoreDraws, noise = this.scoreNoise!;
    const { mu, logvar } = this.encode(batch);
    const m = mu.data, lv = logvar.data, G = this.mlp('decoder');
    const avg = new Float64Array(n * d), zs = new Float32Array(n * c);
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) zs[i * c + j] = m[i * c + j] + Math.exp(0.5 * lv[i * c + j]) * noise[l * c + j];
      const xr = G.forward(new Tensor(zs, [n, c])).data;
      for (let k = 0; k < n * d; k++) avg[k] += xr[k];
    }
    const x = batch.data;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = i * d; k < (i + 1) * d; k++) s += (x[k] - avg[k] / L) ** 2;
      out[i] = s;
    }
  }
}

registerDetector({
  name: 'advae',
  summary: 'Self-adversarial VAE: encoder E, generator G and Gaussian transformer T trained in two alternating steps per mini-batch (T and G against E\'s discrimination of transformed latents; E separating real latents from generated ones while reconstructing); score = reconstruction error averaged over fixed latent draws',
  paper: 'Wang et al., Knowledge-Based Systems 190, 2020 (arXiv:1903.00904)',
  paramsSchema: AdvaeParamsSchema,
  quickParams: { epochs: 30, batchSize: 32, learningRate: 1e-2, scoreDraws: 4 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: ADVAE_PAPER_RUNS,
  create: (p) => new AdvaeDetector(p),
});
