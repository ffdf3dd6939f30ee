/**
 * The plain autoencoder (replicator network): an MLP encoder to a narrow code and an MLP decoder back, trained
 * to reproduce normal rows (mean squared error); score = a row's mean squared reconstruction error, since
 * rows unlike the training data reconstruct badly. Hawkins, He, Williams and Baxter, "Outlier Detection Using
 * Replicator Neural Networks", DaWaK 2002; Aggarwal, Outlier Analysis (2nd ed., 2017), Section 3.5.
 *
 * Default networks and schedule: network.ts (shared with the VAE), with the encoder ending in the code.
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type LossOutput } from '../deep/detector.js';
import { AE_PAPER_RUNS } from './paper-configs.js';
import { autoencoderNetworkShape, planAutoencoder, rowSquaredError } from './network.js';

export const AeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...autoencoderNetworkShape({
    encoder: 'encoder in the paper\'s notation, e.g. FC(6,3,tanh)-FC(3,2,none); give it with decoder; default: from the input width',
    decoder: 'decoder, e.g. FC(2,3,tanh)-FC(3,6,none); must map the code back to the input width',
    latentSize: 'code width; default clamp(floor(sqrt(d)), 1, 32) for d features',
  }),
  ...deepTrainingShape({
    learningRate: 1e-3,
    epochs: 'training epochs; default: ~2,000 optimiser steps, in [10, 200]',
    batchSize: 'mini-batch rows; default 64 (at most the training rows)',
  }),
});
export type AeParams = z.infer<typeof AeParamsSchema>;

export interface AeResolvedConfig { encoder: string; decoder: string; epochs: number; batchSize: number; learningRate: number; auto: string[] }

export class AutoencoderDetector extends DeepDetector<AeParams, AeResolvedConfig> {
  readonly name = 'ae';
  readonly scoreName = 'reconstruction error';

  constructor(params: z.input<typeof AeParamsSchema> = {}) {
    super(parseParams('ae', AeParamsSchema, params));
  }

  protected configure(d: number, rows: number): AeResolvedConfig {
    const { encoder, decoder, epochs, batchSize, auto } = planAutoencoder('ae', this.params, d, rows);
    return { encoder, decoder, epochs, batchSize, learningRate: this.params.learningRate, auto };
  }

  protected networks(c: AeResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  private reconstruct(x: Tensor, training: boolean): Tensor {
    return this.mlp('decoder').forward(this.mlp('encoder').forward(x, { training }), { training });
  }

  protected loss(batch: Tensor): LossOutput {
    return { loss: mse(this.reconstruct(batch, true), batch) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const xr = this.reconstruct(batch, false).data, x = batch.data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) out[i] = rowSquaredError(x, xr, d, i) / d;
  }
}

registerDetector({
  name: 'ae',
  summary: 'Autoencoder (replicator network): MLP encoder and decoder trained on mean squared reconstruction error; score = a row\'s mean squared reconstruction error',
  paper: 'Hawkins et al., DaWaK 2002; Aggarwal, Outlier Analysis, 2017',
  paramsSchema: AeParamsSchema,
  quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: AE_PAPER_RUNS,
  create: (p) => new AutoencoderDetector(p),
});
