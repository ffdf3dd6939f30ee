/**
 * What every autoencoder-shaped detector shares (ae, vae, advae, rda, ...): the network parameters of its
 * schema, the default networks and schedule from the input width (so the auto choices are made in one place),
 * and AutoencoderBase: one encoder and one decoder trained on mean squared reconstruction error, score = a
 * row's mean squared reconstruction error.
 *
 * Default networks, from the input width d: code L = clamp(floor(sqrt(d)), 1, 32); one hidden layer of
 * H = max(L + 1, ceil(d / 2)); encoder FC(d,H,act)-FC(H,k*L,none), decoder FC(L,H,act)-FC(H,d,none), where k
 * is how many values the encoder gives per code unit (1 for a plain autoencoder; 2 for a VAE's mean and
 * log-variance). Training: batch 64 (at most the rows), enough epochs for ~2,000 steps within [10, 200].
 */
import * as z from '../../zod.js';
import { mse } from '../../engine/ops/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { DeepDetector, deepTrainingShape, type DeepParams, type DeepTrainingConfig, type LossOutput, type StepContext } from '../deep/detector.js';

/** The schema fields for the networks; `encoder` describes what the encoder's last layer outputs. */
export function autoencoderNetworkShape(o: { encoder: string; decoder: string; latentSize: string }) {
  return {
    encoder: z.optional(z.string()).check(z.describe(o.encoder)),
    decoder: z.optional(z.string()).check(z.describe(o.decoder)),
    latentSize: z.optional(z.number().check(z.int(), z.minimum(1))).check(z.describe(o.latentSize)),
    hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default [max(code + 1, ceil(d / 2))]')),
    activation: z._default(z.enum(['tanh', 'sigmoid', 'relu', 'leaky_relu', 'softplus']), 'tanh').check(z.describe('activation of the hidden layers')),
  };
}

export interface AutoencoderNetworkParams {
  encoder?: string; decoder?: string; latentSize?: number; hidden?: number[];
  activation: 'tanh' | 'sigmoid' | 'relu' | 'leaky_relu' | 'softplus';
  epochs?: number; batchSize?: number;
}

export interface AutoencoderPlan { encoder: string; decoder: string; latent: number; epochs: number; batchSize: number; auto: string[] }

/**
 * Resolves the networks (given, or the defaults above) and the schedule for d features and `rows` rows.
 * `perCode` is k above: the encoder's output must be k times the decoder's input.
 */
export function planAutoencoder(what: string, p: AutoencoderNetworkParams, d: number, rows: number, perCode = 1, codeActivation = 'none'): AutoencoderPlan {
  const auto: string[] = [];
  let { encoder, decoder } = p;
  if ((encoder === undefined) !== (decoder === undefined)) throw new Error(`${what}: give both encoder and decoder, or neither`);
  if (encoder === undefined || decoder === undefined) {
    const latent = p.latentSize ?? Math.min(32, Math.max(1, Math.floor(Math.sqrt(d))));
    const hidden = p.hidden ?? [Math.max(latent + 1, Math.ceil(d / 2))];
    encoder = denseChain([d, ...hidden, perCode * latent], p.activation, codeActivation);
    decoder = denseChain([latent, ...[...hidden].reverse(), d], p.activation);
    auto.push('encoder', 'decoder');
  }
  const out = specOutputSize(parseNetworkSpec(encoder)), dec = parseNetworkSpec(decoder);
  const latent = specInputSize(dec);
  if (out !== perCode * latent) {
    throw new Error(perCode === 1
      ? `${what}: the decoder takes ${latent} inputs, the encoder's code has ${out}`
      : `${what}: the encoder outputs ${out} values; it must output ${perCode} per decoder input (${perCode} x ${latent} = ${perCode * latent})`);
  }
  if (specOutputSize(dec) !== d) throw new Error(`${what}: the decoder outputs ${specOutputSize(dec)} values, the data has ${d} features`);
  const batchSize = p.batchSize ?? Math.min(64, rows);
  if (p.batchSize === undefined) auto.push('batchSize');
  const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
  if (p.epochs === undefined) auto.push('epochs');
  return { encoder, decoder, latent, epochs, batchSize, auto };
}

/** A dense chain through the given widths in the paper's notation: `act` between layers, `lastAct` at the end. */
export function denseChain(widths: readonly number[], act: string, lastAct = 'none'): string {
  return widths.slice(1).map((w, i) => `FC(${widths[i]},${w},${i === widths.length - 2 ? lastAct : act})`).join('-');
}

/** Sum over the features of row i of (x - xr)^2, for row-major [rows, d] matrices. */
export function rowSquaredError(x: Float32Array, xr: Float32Array, d: number, i: number): number {
  let s = 0;
  for (let j = i * d; j < (i + 1) * d; j++) s += (x[j] - xr[j]) ** 2;
  return s;
}

/** The parameter descriptions of a plain autoencoder's networks (ae, rda, and the reconstruction variants). */
export const AUTOENCODER_NETWORK_DOCS = {
  encoder: 'encoder in the paper\'s notation, e.g. FC(6,3,tanh)-FC(3,2,none); give it with decoder; default: from the input width',
  decoder: 'decoder, e.g. FC(2,3,tanh)-FC(3,6,none); must map the code back to the input width',
  latentSize: 'code width; default clamp(floor(sqrt(d)), 1, 32) for d features',
};

/** The schedule parameters of the autoencoder family, with its defaults described (spread into a schema). */
export function autoencoderTrainingShape(learningRate = 1e-3, epochs = 'training epochs; default: ~2,000 optimiser steps, in [10, 200]') {
  return deepTrainingShape({ learningRate, epochs, batchSize: 'mini-batch rows; default 64 (at most the training rows)' });
}

/** The resolved configuration every autoencoder detector starts from. */
export interface AutoencoderConfig extends DeepTrainingConfig { encoder: string; decoder: string; auto: string[] }

/** A deep detector whose networks are one encoder and one decoder, trained on mean squared reconstruction error. */
export abstract class AutoencoderBase<P extends DeepParams & AutoencoderNetworkParams, C extends AutoencoderConfig> extends DeepDetector<P, C> {
  /** Activation of the code layer in the default networks (a sparse autoencoder's KL needs codes in (0, 1)). */
  protected readonly codeActivation: 'none' | 'sigmoid' = 'none';

  /** Networks and the default schedule for d features and this many training rows; `auto` names the defaults used. */
  protected autoencoderConfig(d: number, rows: number): AutoencoderConfig {
    const { encoder, decoder, epochs, batchSize, auto } = planAutoencoder(this.name, this.params, d, rows, 1, this.codeActivation);
    return { encoder, decoder, epochs, batchSize, learningRate: this.params.learningRate, auto };
  }

  protected networks(c: C): Record<string, string> {
    return { encoder: c.encoder, decoder: c.decoder };
  }

  /** decoder(encoder(x)); training turns on dropout and batch-norm training statistics where the specs have them. */
  protected reconstruct(x: Tensor, training: boolean): Tensor {
    return this.mlp('decoder').forward(this.mlp('encoder').forward(x, { training }), { training });
  }

  protected loss(batch: Tensor, _ctx: StepContext): LossOutput {
    return { loss: mse(this.reconstruct(batch, true), batch) };
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const x = batch.data, xr = this.reconstruct(batch, false).data, d = batch.cols;
    for (let i = 0; i < batch.rows; i++) out[i] = rowSquaredError(x, xr, d, i) / d;
  }

  /**
   * Per-feature squared reconstruction error (x_j - x'_j)^2 of preprocessed rows (from transform()), row-major:
   * the report's per-feature contributions, and the paper's per-sample reconstruction error (its row sums).
   */
  reconstructionErrors(x: Float32Array, rows: number): Float32Array {
    const d = this.inputs;
    if (x.length !== rows * d) throw new Error(`${this.name}: ${x.length} values are not ${rows} rows of ${d} features`);
    const out = new Float32Array(rows * d);
    forEachBatchNoGrad(x, rows, d, 8192, (t, start) => {
      const xr = this.reconstruct(t, false).data;
      for (let i = 0; i < t.rows * d; i++) { const e = t.data[i] - xr[i]; out[start * d + i] = e * e; }
    });
    return out;
  }
}
