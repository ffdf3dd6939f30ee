/**
 * The sparse autoencoder: the autoencoder (src/detectors/ae) with a sigmoid code layer whose mean activation
 * over a batch, per unit, is pulled toward a small target rate rho by the penalty beta * sum_j KL(rho || rho_j)
 * (Bernoulli KL; rho_j = the unit's mean activation over the batch). Ng, "Sparse autoencoder", CS294A lecture
 * notes, Stanford, 2011. The penalised layer is the code (the encoder's output), which must be sigmoid so that
 * rho_j lies in (0, 1). Score = the mean squared reconstruction error.
 *
 * beta: Ng's notes (beta = 3) weigh the KL against 0.5 * the *summed* squared error of [0, 1] pixels, i.e.
 * beta = 6 / d in our mean-squared units, with an overcomplete hidden layer where sparsity is the only
 * bottleneck. Here the code is already narrow and the inputs are min-max scaled, where a trained
 * reconstruction error is a few 1e-3 per value; KL(0.05 || 0.5) = 0.49 per unit, so beta = 1e-3 makes the
 * penalty of an uninformative code comparable to (not dominant over) that error (Thyroid, seed 1, defaults:
 * 0.8e-3 against 8e-2 in the first epoch, 0.2e-3 against 5e-3 in the last): a regulariser on the code, not
 * a replacement for reconstruction.
 */
import * as z from '../../zod.js';
import { add, clampMin, log, mean, mse, scale, sub, sum } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec } from '../../nn/spec.js';
import { reconstructionParamsShape, ReconstructionDetector, registerReconstructionDetector, type AeResolvedConfig } from '../ae/detector.js';
import { SIGMOID_CODE_PAPER_RUNS } from '../ae/paper-configs.js';
import type { LossOutput } from '../deep/detector.js';
import { parseParams } from '../params.js';

export const SaeParamsSchema = z.strictObject({
  // A sigmoid code trains slower than ae's linear one: with ae's 1e-3, ~2,000 steps left the reconstruction
  // error of planted-plane data (test/detectors/reconstruction.test.ts) 15 times ae's; 3e-3 closes the gap.
  ...reconstructionParamsShape(3e-3),
  rho: z._default(z.number().check(z.gt(0), z.lt(1)), 0.05).check(z.describe('target mean activation of each code unit')),
  beta: z._default(z.number().check(z.minimum(0)), 1e-3).check(z.describe('weight of the sparsity penalty sum_j KL(rho || mean activation of code unit j), added to the mean squared error')),
});
export type SaeParams = z.infer<typeof SaeParamsSchema>;

/** Keeps the logs finite when a sigmoid saturates in float32. */
const EPS = 1e-6;

/** sum_j KL(rho || rho_j) with rho_j the mean of column j of code (values in (0, 1)); differentiable. */
export function sparsityPenalty(code: Tensor, rho: number): Tensor {
  const r = mean(code, 0);
  // KL(rho || r) = rho log rho + (1 - rho) log(1 - rho) - rho log r - (1 - rho) log(1 - r).
  const constant = rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho);
  const cross = add(scale(log(clampMin(r, EPS)), rho), scale(log(clampMin(sub(1, r), EPS)), 1 - rho));
  return sub(constant * code.cols, sum(cross));
}

export class SparseAutoencoderDetector extends ReconstructionDetector<SaeParams> {
  readonly name = 'sae';
  protected override readonly codeActivation = 'sigmoid';

  constructor(params: z.input<typeof SaeParamsSchema> = {}) {
    super(parseParams('sae', SaeParamsSchema, params));
  }

  protected override configure(d: number, rows: number): AeResolvedConfig {
    const c = super.configure(d, rows);
    const code = parseNetworkSpec(c.encoder).filter((l) => l.kind === 'dense').at(-1)!;
    if (code.kind === 'dense' && code.activation !== 'sigmoid') {
      throw new Error(`sae: the encoder's code layer must be sigmoid (the KL penalty needs activations in (0, 1)), got ${code.activation}`);
    }
    return c;
  }

  protected override loss(batch: Tensor): LossOutput {
    const code = this.mlp('encoder').forward(batch, { training: true });
    const reconstruction = mse(this.mlp('decoder').forward(code, { training: true }), batch);
    const sparsity = sparsityPenalty(code, this.params.rho);
    return { loss: add(reconstruction, scale(sparsity, this.params.beta)), terms: { reconstruction, sparsity } };
  }
}

registerReconstructionDetector({
  name: 'sae',
  summary: 'Sparse autoencoder: the ae networks with a sigmoid code whose mean activations are pulled toward rho by a KL penalty; score = mean squared reconstruction error',
  paper: 'Ng, CS294A lecture notes, 2011',
  paramsSchema: SaeParamsSchema,
  paperConfigs: SIGMOID_CODE_PAPER_RUNS,
  create: (p) => new SparseAutoencoderDetector(p),
});
