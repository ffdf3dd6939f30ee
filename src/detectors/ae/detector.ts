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
import { registerAlias, registerDetector, type DetectorEntry } from '../register.js';
import { UNTRAINED_CONTROL } from '../deep/detector.js';
import { AUTOENCODER_NETWORK_DOCS, AutoencoderBase, autoencoderNetworkShape, autoencoderTrainingShape, type AutoencoderConfig } from './network.js';
import { AE_PAPER_RUNS } from './paper-configs.js';

/** The parameters of every reconstruction detector (networks and schedule), for their schemas to spread. */
export function reconstructionParamsShape(learningRate = 1e-3) {
  return {
    ...CommonParamsSchema.shape,
    ...autoencoderNetworkShape(AUTOENCODER_NETWORK_DOCS),
    ...autoencoderTrainingShape(learningRate),
  };
}

export const AeParamsSchema = z.strictObject(reconstructionParamsShape());
export type AeParams = z.infer<typeof AeParamsSchema>;

export type AeResolvedConfig = AutoencoderConfig;

/**
 * What every reconstruction detector shares (ae, dae, sae, cae): the autoencoder base with the default
 * networks and schedule, and the score (a row's mean squared reconstruction error of the clean input). A
 * subclass sets its name and parameters, may change the code layer's activation, and overrides loss().
 */
export abstract class ReconstructionDetector<P extends AeParams> extends AutoencoderBase<P, AeResolvedConfig> {
  readonly scoreName = 'reconstruction error';

  protected configure(d: number, rows: number): AeResolvedConfig {
    return this.autoencoderConfig(d, rows);
  }
}

export class AutoencoderDetector extends ReconstructionDetector<AeParams> {
  readonly name = 'ae';

  constructor(params: z.input<typeof AeParamsSchema> = {}) {
    super(parseParams('ae', AeParamsSchema, params));
  }
}

/** Registers a reconstruction detector with ae's fast-fit parameters and the deep detectors' untrained control. */
export function registerReconstructionDetector(entry: Omit<DetectorEntry, 'quickParams' | 'untrainedControl'>): void {
  registerDetector({ ...entry, quickParams: { epochs: 20, batchSize: 32, learningRate: 1e-2 }, untrainedControl: UNTRAINED_CONTROL });
}

registerReconstructionDetector({
  name: 'ae',
  summary: 'Autoencoder (replicator network): MLP encoder and decoder trained on mean squared reconstruction error; score = a row\'s mean squared reconstruction error',
  paper: 'Hawkins et al., DaWaK 2002; Aggarwal, Outlier Analysis, 2017',
  paramsSchema: AeParamsSchema,
  paperConfigs: AE_PAPER_RUNS,
  create: (p) => new AutoencoderDetector(p),
});

registerAlias('e2e-ae', 'ae', {
  summary: 'The DAGMM paper\'s E2E-AE baseline: DAGMM\'s compression network trained end to end on reconstruction alone, score = reconstruction error; that is ae with its paper configurations (models are saved as ae)',
  paper: 'Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
});
