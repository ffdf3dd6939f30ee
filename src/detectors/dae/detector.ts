/**
 * The denoising autoencoder: the autoencoder (src/detectors/ae) trained to reconstruct each clean row from a
 * corrupted copy of it, so the code must capture the dependencies between features rather than copy them.
 * Vincent, Larochelle, Bengio and Manzagol, "Extracting and Composing Robust Features with Denoising
 * Autoencoders", ICML 2008. Corruption is applied while training only ('masking': each value set to 0, the
 * paper's destruction, with probability noiseLevel; 'gaussian': noise of standard deviation noiseLevel added,
 * in scaled units); masks and noise come from the training loop's seeded 'dropout' stream. Score = the mean
 * squared reconstruction error of the clean row. Networks and schedule: as ae.
 */
import * as z from '../../zod.js';
import { kernels } from '../../engine/backend/index.js';
import { fillGaussian, mse } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import { AeParamsSchema, ReconstructionDetector, registerReconstructionDetector } from '../ae/detector.js';
import { reconstructionPaperRuns } from '../ae/paper-configs.js';
import type { LossOutput, StepContext } from '../deep/detector.js';
import { parseParams } from '../params.js';

export type Corruption = 'masking' | 'gaussian';

export const DaeParamsSchema = z.strictObject({
  ...AeParamsSchema.shape,
  noise: z._default(z.enum(['masking', 'gaussian']), 'masking')
    .check(z.describe('training corruption: masking sets each input value to 0 with probability noiseLevel; gaussian adds N(0, noiseLevel^2) noise (scaled units)')),
  // Vincent et al. found 10-25% destruction best on their benchmarks; 0.1 keeps most of a narrow row intact.
  noiseLevel: z._default(z.number().check(z.minimum(0)), 0.1)
    .check(z.describe('masking: fraction of values set to 0 (below 1); gaussian: the noise standard deviation')),
});
export type DaeParams = z.infer<typeof DaeParamsSchema>;

/** A corrupted copy of x (a constant: no gradient flows into the corruption). */
export function corrupt(x: Tensor, noise: Corruption, level: number, rng: Rng): Tensor {
  const out = new Float32Array(x.size), d = x.data;
  // The backend's kernels draw the streams of rng.fillKeepMask and rng.fillNormal (natively, on that backend).
  if (noise === 'masking') {
    kernels().keepMask(rng.state, x.size, 1 - level, 1, out);
    for (let i = 0; i < out.length; i++) out[i] *= d[i];
  } else {
    fillGaussian(rng, out, x.size, level, d);
  }
  return new Tensor(out, x.shape);
}

export class DenoisingAutoencoderDetector extends ReconstructionDetector<DaeParams> {
  readonly name = 'dae';

  constructor(params: z.input<typeof DaeParamsSchema> = {}) {
    const p = parseParams('dae', DaeParamsSchema, params);
    if (p.noise === 'masking' && p.noiseLevel >= 1) throw new Error(`dae: invalid parameters\n  noiseLevel: a masking fraction must be below 1, got ${p.noiseLevel}`);
    super(p);
  }

  /** Reconstruct the corrupted rows, compare with the clean ones; held-out (validation) rows are not corrupted. */
  protected override loss(batch: Tensor, ctx: StepContext): LossOutput {
    const input = ctx.training ? corrupt(batch, this.params.noise, this.params.noiseLevel, ctx.rng) : batch;
    return { loss: mse(this.reconstruct(input, true), batch) };
  }
}

registerReconstructionDetector({
  name: 'dae',
  summary: 'Denoising autoencoder: the ae networks trained to reconstruct each clean row from a masked or noisy copy; score = the clean row\'s mean squared reconstruction error',
  paper: 'Vincent et al., ICML 2008',
  paramsSchema: DaeParamsSchema,
  paperConfigs: reconstructionPaperRuns('Zong et al. 2018: the E2E-AE networks and schedule (DAGMM\'s compression network), trained denoising'),
  create: (p) => new DenoisingAutoencoderDetector(p),
});
