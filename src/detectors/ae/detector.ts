/**
 * The plain autoencoder (replicator network): an MLP encoder to a narrow code and an MLP decoder back, trained
 * to reproduce normal rows (mean squared error); score = a row's mean squared reconstruction error, since
 * rows unlike the training data reconstruct badly. Hawkins, He, Williams and Baxter, "Outlier Detection Using
 * Replicator Neural Networks", DaWaK 2002; Aggarwal, Outlier Analysis (2nd ed., 2017), Section 3.5.
 *
 * Default networks from the input width and the default schedule: network.ts, shared with the other
 * reconstruction detectors.
 */
import * as z from '../../zod.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { deepTrainingShape, UNTRAINED_CONTROL } from '../deep/detector.js';
import { AUTOENCODER_NETWORK_DOCS, AutoencoderBase, autoencoderNetworkShape, type AutoencoderConfig } from './network.js';
import { AE_PAPER_RUNS } from './paper-configs.js';

export const AeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  ...autoencoderNetworkShape(AUTOENCODER_NETWORK_DOCS),
  ...deepTrainingShape({
    learningRate: 1e-3,
    epochs: 'training epochs; default: ~2,000 optimiser steps, in [10, 200]',
    batchSize: 'mini-batch rows; default 64 (at most the training rows)',
  }),
});
export type AeParams = z.infer<typeof AeParamsSchema>;

export type AeResolvedConfig = AutoencoderConfig;

export class AutoencoderDetector extends AutoencoderBase<AeParams, AeResolvedConfig> {
  readonly name = 'ae';
  readonly scoreName = 'reconstruction error';

  constructor(params: z.input<typeof AeParamsSchema> = {}) {
    super(parseParams('ae', AeParamsSchema, params));
  }

  protected configure(d: number, rows: number): AeResolvedConfig {
    return this.autoencoderConfig(d, rows);
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
