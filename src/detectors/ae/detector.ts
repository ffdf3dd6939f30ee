/**
 * The plain autoencoder (replicator network): an MLP encoder to a narrow code and an MLP decoder back, trained
 * to reproduce normal rows (mean squared error); score = a row's mean squared reconstruction error, since
 * rows unlike the training data reconstruct badly. Hawkins, He, Williams and Baxter, "Outlier Detection Using
 * Replicator Neural Networks", DaWaK 2002; Aggarwal, Outlier Analysis (2nd ed., 2017), Section 3.5.
 *
 * Default networks from the input width (network.ts, shared with the other reconstruction detectors).
 * Training: batch 64 (at most the rows), enough epochs for ~2,000 steps within [10, 200].
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type LossOutput } from '../deep/detector.js';
import { autoencoderNetworkShape, autoencoderNetworks, reconstruct, rowMeanSquaredError } from './network.js';
import { AE_PAPER_RUNS } from './paper-configs.js';

export const AeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...autoencoderNetworkShape,
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
    const p = this.params;
    const { encoder, decoder, auto } = autoencoderNetworks('ae', d, p);
    const batchSize = p.batchSize ?? Math.min(64, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return { encoder, decoder, epochs, batchSize, learningRate: p.learningRate, auto };
  }

  protected networks(c: AeResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  private reconstruct(x: Tensor, training: boolean): Tensor {
    return reconstruct(this.mlp('encoder'), this.mlp('decoder'), x, training);
  }

  protected loss(batch: Tensor): LossOutput {
    return { loss: mse(this.reconstruct(batch, true), batch) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    rowMeanSquaredError(batch.data, this.reconstruct(batch, false).data, batch.cols, out);
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
