/**
 * The autoencoder every reconstruction detector shares (ae, rda, ...): the parameter shape that describes its
 * networks, the rule that sizes them from the input width when they are not given, the default schedule, and
 * AutoencoderBase (networks, loss = mean squared reconstruction error, score = a row's mean squared error).
 *
 * Default networks, from the input width d: code L = clamp(floor(sqrt(d)), 1, 32); one hidden layer of
 * H = max(L + 1, ceil(d / 2)); encoder FC(d,H,act)-FC(H,L,none), decoder FC(L,H,act)-FC(H,d,none).
 * Default schedule: batch 64 (at most the rows), enough epochs for ~2,000 steps within [10, 200].
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { DeepDetector, type DeepParams, type DeepTrainingConfig, type LossOutput } from '../deep/detector.js';

/** The zod shape of the network parameters, for a detector's schema (spread it). */
export const autoencoderNetworkShape = {
  encoder: z.optional(z.string()).check(z.describe('encoder in the paper\'s notation, e.g. FC(6,3,tanh)-FC(3,2,none); give it with decoder; default: from the input width')),
  decoder: z.optional(z.string()).check(z.describe('decoder, e.g. FC(2,3,tanh)-FC(3,6,none); must map the code back to the input width')),
  latentSize: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe('code width; default clamp(floor(sqrt(d)), 1, 32) for d features')),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default [max(code + 1, ceil(d / 2))]')),
  activation: z._default(z.enum(['tanh', 'sigmoid', 'relu', 'leaky_relu', 'softplus']), 'tanh').check(z.describe('activation of the hidden layers')),
};

export interface AutoencoderNetworkParams {
  encoder?: string;
  decoder?: string;
  latentSize?: number;
  hidden?: number[];
  activation: string;
}

/**
 * The encoder and decoder for d features: the given specs (checked to fit together and the data) or the
 * default from the width; `auto` names what was chosen here. `what` prefixes errors (the detector's name).
 */
export function autoencoderNetworks(what: string, d: number, p: AutoencoderNetworkParams): { encoder: string; decoder: string; auto: string[] } {
  let { encoder, decoder } = p;
  const auto: string[] = [];
  if ((encoder === undefined) !== (decoder === undefined)) throw new Error(`${what}: give both encoder and decoder, or neither`);
  if (encoder === undefined || decoder === undefined) {
    const latent = p.latentSize ?? Math.min(32, Math.max(1, Math.floor(Math.sqrt(d))));
    const hidden = p.hidden ?? [Math.max(latent + 1, Math.ceil(d / 2))];
    const widths = [d, ...hidden, latent], act = p.activation;
    const fc = (a: number, b: number, last: boolean) => `FC(${a},${b},${last ? 'none' : act})`;
    encoder = widths.slice(1).map((w, i) => fc(widths[i], w, i === widths.length - 2)).join('-');
    const back = [...widths].reverse();
    decoder = back.slice(1).map((w, i) => fc(back[i], w, i === back.length - 2)).join('-');
    auto.push('encoder', 'decoder');
  }
  const code = specOutputSize(parseNetworkSpec(encoder));
  const dec = parseNetworkSpec(decoder);
  if (specInputSize(dec) !== code) throw new Error(`${what}: the decoder takes ${specInputSize(dec)} inputs, the encoder's code has ${code}`);
  if (specOutputSize(dec) !== d) throw new Error(`${what}: the decoder outputs ${specOutputSize(dec)} values, the data has ${d} features`);
  return { encoder, decoder, auto };
}

/** decoder(encoder(x)); training turns on dropout and batch-norm training statistics where the specs have them. */
export function reconstruct(encoder: Mlp, decoder: Mlp, x: Tensor, training: boolean): Tensor {
  return decoder.forward(encoder.forward(x, { training }), { training });
}

/** Writes each row's mean squared difference between x and its reconstruction xr (rows of d values) into out. */
export function rowMeanSquaredError(x: ArrayLike<number>, xr: ArrayLike<number>, d: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += (x[j] - xr[j]) ** 2;
    out[i] = s / d;
  }
}

/** The resolved configuration every autoencoder detector starts from. */
export interface AutoencoderConfig extends DeepTrainingConfig { encoder: string; decoder: string; auto: string[] }

/** A deep detector whose networks are one encoder and one decoder, trained on mean squared reconstruction error. */
export abstract class AutoencoderBase<P extends DeepParams & AutoencoderNetworkParams, C extends AutoencoderConfig> extends DeepDetector<P, C> {
  /** Networks and the default schedule for d features and this many training rows; `auto` names the defaults used. */
  protected autoencoderConfig(d: number, rows: number): AutoencoderConfig {
    const p = this.params;
    const { encoder, decoder, auto } = autoencoderNetworks(this.name, d, p);
    const batchSize = p.batchSize ?? Math.min(64, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return { encoder, decoder, epochs, batchSize, learningRate: p.learningRate, auto };
  }

  protected networks(c: C): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  protected reconstruct(x: Tensor, training: boolean): Tensor {
    return reconstruct(this.mlp('encoder'), this.mlp('decoder'), x, training);
  }

  protected loss(batch: Tensor): LossOutput {
    return { loss: mse(this.reconstruct(batch, true), batch) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    rowMeanSquaredError(batch.data, this.reconstruct(batch, false).data, batch.cols, out);
  }
}
