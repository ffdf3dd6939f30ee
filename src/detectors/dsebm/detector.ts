/**
 * Deep Structured Energy Based Models, fully connected (Zhai, Cheng, Lu and Zhang, "Deep Structured Energy
 * Based Models for Anomaly Detection", ICML 2016, Section 3; the DAGMM paper's DSEBM-e and DSEBM-r baselines,
 * Zong et al. 2018). One model, one training loss, two registered scores:
 *
 * - the energy, for x of d (preprocessed) features,
 *     E(x) = 1/2 ||x - b'||^2 - sum_j h_j(x),
 *   where h is the declared energy network (dense layers, paper notation) and h_j its outputs. With a softplus
 *   last layer (the paper's configurations, and the defaults here) sum_j h_j = sum_j softplus(W_j^T h_{L-1}(x)
 *   + b_j), which is Zhai et al.'s form: the Gaussian-RBM free energy with its hidden layer made deep. b' is a
 *   learned vector of d values. dsebm-e scores E(x): low energy = high model density;
 * - the reconstruction r(x) = x - dE/dx = b' + d(sum_j h_j)/dx; dsebm-r scores ||x - r(x)||^2 = ||dE/dx||^2.
 *
 * Training: denoising score matching (Vincent 2011), as in the paper: x~ = x + sigma * eps, eps ~ N(0, I)
 * from the training loop's noise stream; loss = mean over the batch of ||x - r(x~)||^2 (its minimiser makes
 * dE/dx~ = x~ - E[x | x~], i.e. E = sigma^2 (-log q_sigma) + const for the sigma-smoothed data density q_sigma).
 * Held-out rows (early stopping) are corrupted the same way: the criterion is defined on corrupted rows.
 * The loss needs dE/dx inside the graph and then its gradient wrt the weights: dE/dx is built by hand as a
 * forward graph of differentiable ops (the engine's mlpInputGradient: one reverse sweep of transposed weight
 * products and activation slopes), so the ordinary reverse pass differentiates it.
 *
 * sigma (the paper gives no value for these data sets): 0.1 in scaled units, a tenth of a min-max scaled
 * feature's training range, dae's Gaussian default; small enough that q_sigma keeps the structure of the
 * normal rows, large enough that the energy is learned between them.
 *
 * b' is stored as the weight column of a one-unit linear network "visible" FC(d,1,none) (so the template owns
 * its initialisation, training and model-file tensor); that network's bias is unused (no loss sees it: it
 * stays at its initial 0).
 *
 * Default network (no `network` given): the default autoencoder's encoder from the input width (../ae/network.ts)
 * with softplus layers, FC(d,H,softplus)-FC(H,L,softplus), as the DAGMM paper built its DSEBM networks from
 * DAGMM's encoders; schedule as the autoencoders (learning rate 3e-3, see the schema).
 */
import * as z from '../../zod.js';
import { add, mean, reshape, scale, square, sub, sum } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec, specInputSize } from '../../nn/spec.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, UNTRAINED_CONTROL, type DeepTrainingConfig, type LossOutput, type StepContext } from '../deep/detector.js';
import { autoencoderTrainingShape, planAutoencoder, rowSquaredError } from '../ae/network.js';
import { corrupt } from '../dae/detector.js';
import { DSEBM_PAPER_RUNS } from './paper-configs.js';

export const DsebmParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  network: z.optional(z.string()).check(z.describe('energy network h in the paper\'s notation, dense layers only, e.g. FC(6,12,softplus)-FC(12,4,softplus)-FC(4,1,softplus); E(x) = 1/2 ||x - b\'||^2 - sum of its outputs; default: FC(d,H,softplus)-FC(H,L,softplus) with the autoencoders\' widths from the input width d')),
  sigma: z._default(z.number().check(z.gt(0), z.refine(Number.isFinite, 'must be finite')), 0.1)
    .check(z.describe('standard deviation of the Gaussian corruption of denoising score matching, in scaled units')),
  // The score-matching loss is small (d sigma^2 for an identity r) and its gradients smaller still: with the
  // autoencoders' 1e-3, ~2,000 steps left the loss on the planted-plane training rows (test/support/planted.ts)
  // at 0.12, five times what 3e-3 reaches (0.023; seed 1, default network).
  ...autoencoderTrainingShape(3e-3),
});
export type DsebmParams = z.infer<typeof DsebmParamsSchema>;

export interface DsebmConfig extends DeepTrainingConfig { network: string; sigma: number; auto: string[] }

export type DsebmScore = 'energy' | 'reconstruction';

/** The registered names and their scores. */
export const DSEBM_VARIANTS = { 'dsebm-e': 'energy', 'dsebm-r': 'reconstruction' } as const satisfies Record<string, DsebmScore>;
export type DsebmName = keyof typeof DSEBM_VARIANTS;

/** Checks an energy network spec: dense layers only, no softmax (dE/dx is built for plain dense stacks). */
function checkEnergyNetwork(what: string, spec: string): void {
  const layers = parseNetworkSpec(spec);
  if (layers.some((l) => l.kind === 'dropout')) throw new Error(`${what}: the energy network "${spec}" has a Drop layer; DSEBM's energy network takes dense layers only`);
  if (layers.some((l) => l.kind === 'dense' && l.activation === 'softmax')) throw new Error(`${what}: the energy network "${spec}" has a softmax layer; use softplus (the paper's) or another pointwise activation`);
}

export class DsebmDetector extends DeepDetector<DsebmParams, DsebmConfig> {
  readonly name: DsebmName;
  readonly scoreName: string;
  readonly score: DsebmScore;

  constructor(name: DsebmName, params: z.input<typeof DsebmParamsSchema> = {}) {
    const p = parseParams(name, DsebmParamsSchema, params);
    if (p.network !== undefined) {
      try { checkEnergyNetwork(name, p.network); } catch (e) { throw new Error(`${name}: invalid parameters\n  network: ${(e as Error).message}`, { cause: e }); }
    }
    super(p);
    this.name = name;
    this.score = DSEBM_VARIANTS[name];
    this.scoreName = this.score === 'energy' ? 'energy E(x)' : 'reconstruction error ||x - r(x)||^2';
  }

  protected configure(d: number, rows: number): DsebmConfig {
    const plan = planAutoencoder(this.name, { activation: 'softplus', epochs: this.params.epochs, batchSize: this.params.batchSize }, d, rows, 1, 'softplus');
    const auto = plan.auto.filter((k) => k !== 'encoder' && k !== 'decoder');
    const network = this.params.network ?? plan.encoder;
    if (this.params.network === undefined) auto.unshift('network');
    checkEnergyNetwork(this.name, network);
    return { network, sigma: this.params.sigma, epochs: plan.epochs, batchSize: plan.batchSize, learningRate: this.params.learningRate, auto };
  }

  protected networks(c: DsebmConfig): Record<string, string> {
    checkEnergyNetwork(this.name, c.network);
    return { energy: c.network, visible: `FC(${specInputSize(parseNetworkSpec(c.network))},1,none)` };
  }

  /** b' as a [1, d] row: the visible network's weight column. */
  private visibleBias(): Tensor {
    const w = this.mlp('visible').weights[0];
    return reshape(w, [1, w.shape[0]]);
  }

  /** E(x) = 1/2 ||x - b'||^2 - sum_j h_j(x) per row ([rows]) of preprocessed rows; differentiable. */
  energy(x: Tensor): Tensor {
    const quadratic = scale(sum(square(sub(x, this.visibleBias())), 1), 0.5);
    return sub(quadratic, sum(this.mlp('energy').forward(x), 1));
  }

  /** r(x) = x - dE/dx = b' + d(sum_j h_j)/dx per row ([rows, d]); differentiable wrt the weights. */
  reconstruction(x: Tensor): Tensor {
    return add(this.visibleBias(), this.mlp('energy').inputGradient(x));
  }

  /** Denoising score matching: the mean over rows of ||x - r(x + sigma eps)||^2. */
  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const noisy = corrupt(batch, 'gaussian', this.config.sigma, ctx.rng);
    return { loss: mean(sum(square(sub(batch, this.reconstruction(noisy))), 1)) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    if (this.score === 'energy') {
      out.set(this.energy(batch).data);
      return;
    }
    const x = batch.data, r = this.reconstruction(batch).data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) out[i] = rowSquaredError(x, r, d, i);
  }
}

const SUMMARIES: Record<DsebmName, string> = {
  'dsebm-e': 'Deep structured energy-based model (fully connected): energy E(x) = 1/2||x - b\'||^2 - sum of a softplus network\'s outputs, trained by denoising score matching; score = the energy',
  'dsebm-r': 'Deep structured energy-based model (fully connected), trained by denoising score matching; score = the reconstruction error ||x - r(x)||^2 with r(x) = x - dE/dx',
};

for (const name of Object.keys(DSEBM_VARIANTS) as DsebmName[]) {
  registerDetector({
    name,
    summary: SUMMARIES[name],
    paper: 'Zhai et al., ICML 2016; baseline in Zong et al., ICLR 2018',
    paramsSchema: DsebmParamsSchema,
    quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2 },
    untrainedControl: UNTRAINED_CONTROL,
    paperConfigs: DSEBM_PAPER_RUNS[name],
    create: (p) => new DsebmDetector(name, p),
  });
}
