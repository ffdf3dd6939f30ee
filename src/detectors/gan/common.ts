/**
 * What the GAN-based detectors share (anogan, fanogan, egbad, alad, ganomaly, alocc, fencegan): default widths
 * from the input width, the schema fields for them, latent sampling, and the adversarial losses. Each detector
 * declares its own networks (paper notation) and training phases (DeepDetector.phases: one per player, each
 * updating only its networks); these are the pieces they would otherwise each write.
 *
 * Losses work on logits (bceWithLogits is stable where sigmoid saturates). Conventions: Goodfellow et al. 2014
 * (discriminator cross-entropy; the non-saturating generator loss), Salimans et al. 2016 (feature matching),
 * Arjovsky et al. 2017 and Gulrajani et al. 2017 (Wasserstein critic, gradient penalty), Radford et al. 2016
 * (Adam with beta1 = 0.5 for adversarial phases).
 */
import * as z from '../../zod.js';
import { add, bceWithLogits, mean, mul, neg, sqrt, square, sub, sum } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import type { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize, specOutputSize } from '../../nn/spec.js';
import { deepTrainingShape } from '../deep/detector.js';

/** Adam's betas for adversarial phases (DCGAN's; plain Adam's 0.9 momentum makes the two players oscillate). */
export const GAN_BETAS: readonly [number, number] = [0.5, 0.999];

export interface GanWidths { latent: number; hidden: number[]; auto: string[] }

/**
 * Latent width c = clamp(floor(sqrt(d)), 2, 32) and hidden widths [max(c + 1, ceil(d / 2))] for d features: the
 * autoencoders' rule (src/detectors/ae/network.ts), with at least 2 latent units (a 1-d latent space makes a
 * generator draw a curve through the data, which is rarely what normal rows look like).
 */
export function ganWidths(d: number, p: { latentSize?: number; hidden?: number[] }): GanWidths {
  const auto: string[] = [];
  const latent = p.latentSize ?? Math.min(32, Math.max(2, Math.floor(Math.sqrt(d))));
  if (p.latentSize === undefined) auto.push('latentSize');
  const hidden = p.hidden ?? [Math.max(latent + 1, Math.ceil(d / 2))];
  if (p.hidden === undefined) auto.push('hidden');
  return { latent, hidden, auto };
}

/** Schema fields for ganWidths and the schedule (defaults described; learning rate as given). */
export function ganNetworkShape(learningRate = 2e-4) {
  return {
    latentSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(1024))).check(z.describe('latent width c; default clamp(floor(sqrt(d)), 2, 32) for d features')),
    hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('hidden widths of every network (generators mirror them); default [max(c + 1, ceil(d / 2))]')),
    ...deepTrainingShape({ learningRate, epochs: 'training epochs; default: ~2,000 mini-batches, in [10, 200]', batchSize: 'mini-batch rows; default 64 (at most the training rows)' }),
  };
}

/** N(0, I) latent codes [rows, c], a constant (no gradient), from the stream given (the loop's, when training). */
export function sampleLatent(rows: number, c: number, rng: Rng): Tensor {
  const out = new Float32Array(rows * c);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return new Tensor(out, [rows, c]);
}

function filled(like: Tensor, v: number): Tensor { return new Tensor(new Float32Array(like.size).fill(v), like.shape); }

/** The discriminator's cross-entropy: mean BCE(D(real), 1) + mean BCE(D(fake), 0), on logits. */
export function discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return add(bceWithLogits(realLogits, filled(realLogits, 1)), bceWithLogits(fakeLogits, filled(fakeLogits, 0)));
}

/** The non-saturating generator loss: mean BCE(D(fake), 1) = mean -log sigmoid(logit). */
export function generatorLoss(fakeLogits: Tensor): Tensor {
  return bceWithLogits(fakeLogits, filled(fakeLogits, 1));
}

/** Feature matching: mean over features of (batch mean of real features - batch mean of fake features)^2. */
export function featureMatching(realFeatures: Tensor, fakeFeatures: Tensor): Tensor {
  return mean(square(sub(mean(realFeatures, 0), mean(fakeFeatures, 0))));
}

/** The Wasserstein critic's loss: mean C(fake) - mean C(real) (the critic maximises the gap). */
export function criticLoss(realScores: Tensor, fakeScores: Tensor): Tensor {
  return sub(mean(fakeScores), mean(realScores));
}

/** The Wasserstein generator's loss: -mean C(fake). */
export function wassersteinGeneratorLoss(fakeScores: Tensor): Tensor { return neg(mean(fakeScores)); }

/**
 * WGAN-GP's penalty (Gulrajani et al. 2017): mean over rows of (||d C(x^) / d x^||_2 - 1)^2 at x^ = e x + (1 - e)
 * x~, e ~ U(0, 1) per row. C must be a dense stack with one output; its input gradient is built as a graph of
 * differentiable ops (Mlp.inputGradient), so the penalty trains the critic's weights (second order). real and
 * fake are constants here (the critic's phase updates only the critic). A tiny epsilon keeps the norm's
 * gradient finite at a zero gradient.
 */
export function gradientPenalty(critic: Mlp, real: Tensor, fake: Tensor, rng: Rng): Tensor {
  if (real.rows !== fake.rows || real.cols !== fake.cols) throw new Error(`gradientPenalty: real rows are [${real.shape}], fake rows [${fake.shape}]`);
  const n = real.rows, d = real.cols, mix = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const e = rng.uniform();
    for (let j = i * d; j < (i + 1) * d; j++) mix[j] = e * real.data[j] + (1 - e) * fake.data[j];
  }
  const g = critic.inputGradient(new Tensor(mix, [n, d]));
  const norm = sqrt(add(sum(mul(g, g), 1), 1e-12));
  return mean(square(add(norm, -1)));
}

// -------------------------------------------------------------------------------------------------------------
// Schedule, network specs and per-row distances (egbad, ganomaly, alad, fencegan, alocc, anogan, fanogan).
// -------------------------------------------------------------------------------------------------------------

/**
 * The deep detectors' default schedule (ae/network.ts's rule): batch 64 (at most the rows) and enough epochs
 * for ~2,000 mini-batches, within [10, 200]; given values are kept. Names the defaults used in `auto`.
 */
export function ganSchedule(p: { epochs?: number; batchSize?: number }, rows: number, auto: string[]): { epochs: number; batchSize: number } {
  const batchSize = p.batchSize ?? Math.max(1, Math.min(64, rows));
  if (p.batchSize === undefined) auto.push('batchSize');
  const epochs = p.epochs ?? Math.min(200, Math.max(10, Math.ceil(2000 / Math.ceil(rows / batchSize))));
  if (p.epochs === undefined) auto.push('epochs');
  return { epochs, batchSize };
}

/** Checks a network spec's input and output widths (the error names the detector, the network and both widths); returns the spec. */
export function checkNetwork(what: string, name: string, spec: string, inputs: number, outputs: number): string {
  const layers = parseNetworkSpec(spec), i = specInputSize(layers), o = specOutputSize(layers);
  if (i !== inputs || o !== outputs) throw new Error(`${what}: the ${name} network maps ${i} to ${o} values; it needs ${inputs} to ${outputs}`);
  return spec;
}

/**
 * A discriminator's feature network: FC(in, h, lrelu) per hidden width, each followed by dropout with drop
 * probability `dropout` (written Drop(1 - dropout): the notation's keep probability) when it is above 0.
 */
export function leakyFeatures(inputs: number, hidden: readonly number[], dropout: number): string {
  if (hidden.length === 0) throw new Error('a discriminator needs at least one hidden layer (its features)');
  const keep = Math.round((1 - dropout) * 1e6) / 1e6;
  return hidden.map((h, i) => `FC(${i === 0 ? inputs : hidden[i - 1]},${h},lrelu)${dropout > 0 ? `-Drop(${keep})` : ''}`).join('-');
}

/** ||a_i - b_i|| of row i of two row-major matrices with `cols` columns: 'l1' (sum of |.|) or 'l2' (Euclidean). */
export function rowDistance(a: Float32Array, b: Float32Array, cols: number, i: number, norm: 'l1' | 'l2'): number {
  let s = 0;
  if (norm === 'l1') for (let j = i * cols; j < (i + 1) * cols; j++) s += Math.abs(a[j] - b[j]);
  else { for (let j = i * cols; j < (i + 1) * cols; j++) s += (a[j] - b[j]) ** 2; s = Math.sqrt(s); }
  return s;
}

/** BCE(sigmoid(logit), 1) = -log sigmoid(logit) = log(1 + e^-logit), without overflow for any finite logit. */
export function realCrossEntropy(logit: number): number {
  return logit > 0 ? Math.log1p(Math.exp(-logit)) : -logit + Math.log1p(Math.exp(logit));
}

/**
 * The box a discriminator was trained in: per feature, the smallest and largest value of the rows it saw.
 * Beyond it a piecewise-linear discriminator extrapolates (its logit can grow without bound along some
 * directions, calling a row a million ranges away normal), so detectors that score with D add the distance to
 * this box (0 inside).
 */
export interface TrainingBox { lo: Float64Array; hi: Float64Array }

/** The per-feature span of row-major matrices ([rows, d] each) taken together. */
export function spanOf(d: number, ...ms: Float32Array[]): TrainingBox {
  const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
  for (const m of ms) {
    for (let k = 0; k < m.length; k++) { const j = k % d; if (m[k] < lo[j]) lo[j] = m[k]; if (m[k] > hi[j]) hi[j] = m[k]; }
  }
  return { lo, hi };
}

/** Euclidean distance from the row x[at .. at + d) to the box (0 inside). */
export function boxDistance(x: Float32Array, at: number, box: TrainingBox): number {
  let d2 = 0;
  for (let j = 0; j < box.lo.length; j++) {
    const v = x[at + j], e = v < box.lo[j] ? box.lo[j] - v : v > box.hi[j] ? v - box.hi[j] : 0;
    d2 += e * e;
  }
  return Math.sqrt(d2);
}

/** The box as model-file state, and back (checked: d finite numbers each, low <= high). */
export function boxState(box: TrainingBox): Record<string, unknown> {
  return { boxLow: Array.from(box.lo), boxHigh: Array.from(box.hi) };
}

export function boxFromState(what: string, state: Record<string, unknown>, d: number): TrainingBox {
  const ok = (v: unknown): v is number[] => Array.isArray(v) && v.length === d && v.every((e) => typeof e === 'number' && Number.isFinite(e));
  if (!ok(state.boxLow) || !ok(state.boxHigh) || state.boxLow.some((v, j) => v > (state.boxHigh as number[])[j])) {
    throw new Error(`${what} model: state.boxLow and state.boxHigh must be ${d} finite numbers each, low <= high`);
  }
  return { lo: Float64Array.from(state.boxLow), hi: Float64Array.from(state.boxHigh) };
}
