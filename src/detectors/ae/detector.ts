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
import { registerDetector } from '../register.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type LossOutput } from '../deep/detector.js';
import { defaultCodeWidth, defaultHidden, defaultSchedule, denseChain } from './networks.js';
import { AE_PAPER_RUNS } from './paper-configs.js';

export const AeParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  encoder: z.optional(z.string()).check(z.describe('encoder in the paper\'s notation, e.g. FC(6,3,tanh)-FC(3,2,none); give it with decoder; default: from the input width')),
  decoder: z.optional(z.string()).check(z.describe('decoder, e.g. FC(2,3,tanh)-FC(3,6,none); must map the code back to the input width')),
  latentSize: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe('code width; default clamp(floor(sqrt(d)), 1, 32) for d features')),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default [max(code + 1, ceil(d / 2))]')),
  activation: z._default(z.enum(['tanh', 'sigmoid', 'relu', 'leaky_relu', 'softplus']), 'tanh').check(z.describe('activation of the hidden layers')),
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
    const p = this.params, auto: string[] = [];
    let { encoder, decoder } = p;
    if ((encoder === undefined) !== (decoder === undefined)) throw new Error('ae: give both encoder and decoder, or neither');
    if (encoder === undefined || decoder === undefined) {
      const latent = p.latentSize ?? defaultCodeWidth(d);
      const widths = [d, ...(p.hidden ?? defaultHidden(d, latent)), latent];
      encoder = denseChain(widths, p.activation);
      decoder = denseChain([...widths].reverse(), p.activation);
      auto.push('encoder', 'decoder');
    }
    const code = specOutputSize(parseNetworkSpec(encoder));
    const dec = parseNetworkSpec(decoder);
    if (specInputSize(dec) !== code) throw new Error(`ae: the decoder takes ${specInputSize(dec)} inputs, the encoder's code has ${code}`);
    if (specOutputSize(dec) !== d) throw new Error(`ae: the decoder outputs ${specOutputSize(dec)} values, the data has ${d} features`);
    const { batchSize, epochs } = defaultSchedule(rows, p, auto);
    return { encoder, decoder, epochs, batchSize, learningRate: p.learningRate, auto };
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
    for (let i = 0; i < batch.rows; i++) {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) s += (x[j] - xr[j]) ** 2;
      out[i] = s / d;
    }
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
