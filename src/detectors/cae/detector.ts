/**
 * The contractive autoencoder: the autoencoder (src/detectors/ae) trained on reconstruction plus
 * lambda * ||J_f(x)||_F^2, the squared Frobenius norm of the encoder's Jacobian at each training row
 * (averaged over the batch), so the code is locally insensitive to directions the data does not vary in.
 * Rifai, Vincent, Muller, Glorot and Bengio, "Contractive Auto-Encoders: Explicit Invariance During Feature
 * Extraction", ICML 2011. The Jacobian is exact for the whole (multi-layer) encoder (the engine's
 * contractivePenalty) and the gradient flows through it. As in the paper the code layer is sigmoid; unlike
 * the paper the decoder is not tied to the encoder's weights (the template's two networks). Score = the mean
 * squared reconstruction error.
 *
 * lambda: the paper weighs the penalty against a reconstruction error summed over the d inputs; ours is the
 * mean over them. On min-max scaled rows a trained error is a few 1e-3 per value, and ||J||_F^2 of the
 * default sigmoid-coded encoder is ~0.1 per row (Thyroid, seed 1, defaults: 0.17 in the first epoch, 0.04
 * in the last), so lambda = 1e-2 makes the penalty a tenth or so of the trained loss: it shapes the code
 * without flattening it.
 */
import * as z from '../../zod.js';
import { add, mean, mse, scale } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { reconstructionParamsShape, ReconstructionDetector, registerReconstructionDetector } from '../ae/detector.js';
import { SIGMOID_CODE_PAPER_RUNS } from '../ae/paper-configs.js';
import type { LossOutput } from '../deep/detector.js';
import { parseParams } from '../params.js';

export const CaeParamsSchema = z.strictObject({
  // A sigmoid code trains slower than ae's linear one: with ae's 1e-3, ~2,000 steps left the reconstruction
  // error of planted-plane data (test/detectors/reconstruction.test.ts) 15 times ae's; 3e-3 closes the gap.
  ...reconstructionParamsShape(3e-3),
  lambda: z._default(z.number().check(z.minimum(0)), 1e-2).check(z.describe('weight of the contractive penalty: the mean over the batch of ||d code / d x||_F^2, added to the mean squared error')),
});
export type CaeParams = z.infer<typeof CaeParamsSchema>;

export class ContractiveAutoencoderDetector extends ReconstructionDetector<CaeParams> {
  readonly name = 'cae';
  protected override readonly codeActivation = 'sigmoid';

  constructor(params: z.input<typeof CaeParamsSchema> = {}) {
    super(parseParams('cae', CaeParamsSchema, params));
  }

  protected override loss(batch: Tensor): LossOutput {
    const encoder = this.mlp('encoder');
    const reconstruction = mse(this.reconstruct(batch, true), batch);
    const contractive = mean(encoder.contractivePenalty(batch));
    return { loss: add(reconstruction, scale(contractive, this.params.lambda)), terms: { reconstruction, contractive } };
  }
}

registerReconstructionDetector({
  name: 'cae',
  summary: 'Contractive autoencoder: the ae networks (sigmoid code) trained on reconstruction plus lambda times the squared Frobenius norm of the encoder\'s exact Jacobian; score = mean squared reconstruction error',
  paper: 'Rifai et al., ICML 2011',
  paramsSchema: CaeParamsSchema,
  paperConfigs: SIGMOID_CODE_PAPER_RUNS,
  create: (p) => new ContractiveAutoencoderDetector(p),
});
