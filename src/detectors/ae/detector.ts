/**
 * The plain autoencoder (replicator network): an MLP encoder to a narrow code and an MLP decoder back, trained
 * to reproduce normal rows (mean squared error); score = a row's mean squared reconstruction error, since
 * rows unlike the training data reconstruct badly. Hawkins, He, Williams and Baxter, "Outlier Detection Using
 * Replicator Neural Networks", DaWaK 2002; Aggarwal, Outlier Analysis (2nd ed., 2017), Section 3.5.
 *
 * Default networks, from the input width d: code L = clamp(floor(sqrt(d)), 1, 32); one hidden layer of
 * H = max(L + 1, ceil(d / 2)); encoder FC(d,H,act)-FC(H,L,none), decoder FC(L,H,act)-FC(H,d,none).
 * Training: batch 64 (at most the rows), enough epochs for ~2,000 steps within [10, 200].
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector, type DetectorEntry } from '../register.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type LossOutput, type StepContext } from '../deep/detector.js';
import { AE_PAPER_RUNS } from './paper-configs.js';

/** The parameters of every reconstruction detector (networks and schedule), for their schemas to spread. */
export function reconstructionParamsShape(learningRate = 1e-3) {
  return {
    ...CommonParamsSchema.shape,
    encoder: z.optional(z.string()).check(z.describe('encoder in the paper\'s notation, e.g. FC(6,3,tanh)-FC(3,2,none); give it with decoder; default: from the input width')),
    decoder: z.optional(z.string()).check(z.describe('decoder, e.g. FC(2,3,tanh)-FC(3,6,none); must map the code back to the input width')),
    latentSize: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe('code width; default clamp(floor(sqrt(d)), 1, 32) for d features')),
    hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default [max(code + 1, ceil(d / 2))]')),
    activation: z._default(z.enum(['tanh', 'sigmoid', 'relu', 'leaky_relu', 'softplus']), 'tanh').check(z.describe('activation of the hidden layers')),
    ...deepTrainingShape({
      learningRate,
      epochs: 'training epochs; default: ~2,000 optimiser steps, in [10, 200]',
      batchSize: 'mini-batch rows; default 64 (at most the training rows)',
    }),
  };
}

export const AeParamsSchema = z.strictObject(reconstructionParamsShape());
export type AeParams = z.infer<typeof AeParamsSchema>;

export interface AeResolvedConfig { encoder: string; decoder: string; epochs: number; batchSize: number; learningRate: number; auto: string[] }

/**
 * The body every reconstruction detector shares (ae, dae, sae, cae): the networks from the input width (or
 * given), the schedule, and the score (a row's mean squared reconstruction error of the clean input). A
 * subclass sets its name and parameters, may change the code layer's activation, and overrides loss().
 */
export abstract class ReconstructionDetector<P extends AeParams> extends DeepDetector<P, AeResolvedConfig> {
  readonly scoreName = 'reconstruction error';
  /** Activation of the code layer in the default networks (SAE's KL needs codes in (0, 1)). */
  protected readonly codeActivation: 'none' | 'sigmoid' = 'none';

  protected configure(d: number, rows: number): AeResolvedConfig {
    const p = this.params, auto: string[] = [];
    let { encoder, decoder } = p;
    if ((encoder === undefined) !== (decoder === undefined)) throw new Error(`${this.name}: give both encoder and decoder, or neither`);
    if (encoder === undefined || decoder === undefined) {
      const latent = p.latentSize ?? Math.min(32, Math.max(1, Math.floor(Math.sqrt(d))));
      const hidden = p.hidden ?? [Math.max(latent + 1, Math.ceil(d / 2))];
      const widths = [d, ...hidden, latent], act = p.activation;
      const fc = (a: number, b: number, last: string | null) => `FC(${a},${b},${last ?? act})`;
      encoder = widths.slice(1).map((w, i) => fc(widths[i], w, i === widths.length - 2 ? this.codeActivation : null)).join('-');
      const back = [...widths].reverse();
      decoder = back.slice(1).map((w, i) => fc(back[i], w, i === back.length - 2 ? 'none' : null)).join('-');
      auto.push('encoder', 'decoder');
    }
    const code = specOutputSize(parseNetworkSpec(encoder));
    const dec = parseNetworkSpec(decoder);
    if (specInputSize(dec) !== code) throw new Error(`${this.name}: the decoder takes ${specInputSize(dec)} inputs, the encoder's code has ${code}`);
    if (specOutputSize(dec) !== d) throw new Error(`${this.name}: the decoder outputs ${specOutputSize(dec)} values, the data has ${d} features`);
    const batchSize = p.batchSize ?? Math.min(64, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return { encoder, decoder, epochs, batchSize, learningRate: p.learningRate, auto };
  }

  protected networks(c: AeResolvedConfig): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  protected reconstruct(x: Tensor, training: boolean): Tensor {
    return this.mlp('decoder').forward(this.mlp('encoder').forward(x, { training }), { training });
  }

  protected loss(batch: Tensor, _ctx: StepContext): LossOutput {
    return { loss: mse(this.reconstruct(batch, true), batch) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const xr = this.reconstruct(batch, false).data, x = batch.data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) s += (x[j] - xr[j]) ** 2;
      out[i] = s / d;
    }
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
