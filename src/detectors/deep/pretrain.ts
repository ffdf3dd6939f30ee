/**
 * Greedy layer-wise pretraining of a mirrored autoencoder (stacked autoencoders: Bengio et al., NIPS 2006;
 * Vincent et al., JMLR 2010, without the input corruption), the "pretraining strategy" of the DAGMM paper's
 * PAE, PAE-GMM(-EM) and DAGMM-p baselines (Zong et al. 2018, Section 4.2 and Appendix A).
 *
 * The autoencoder is a chain of 2L dense layers in the paper's notation (one compression network, or an
 * encoder followed by a decoder); encoder layer i and its mirror, decoder layer 2L-1-i, map a -> b and b -> a.
 * Pair i is trained alone, as a shallow autoencoder act_m(act_i(h W_i + b_i) W_m + b_m) ~ h with mean squared
 * error, on h = the codes of the already trained encoder layers below it (the input rows for i = 0); then its
 * encoder layer turns h into the next pair's input. Each pair is trained in place on the network's own weight
 * tensors, so the assembled stack is exactly the trained pairs; every pair keeps the activations it has in the
 * network (the mirror of the first layer is the output layer). Dropout layers are skipped (identity).
 *
 * Training runs the shared loop (train-loop.ts: shuffled mini-batches, Adam, optional clipping) per pair, with
 * the named stream `layer <i+1>` forked from the given Rng, so pretraining is a pure function of the seed.
 */
import { dense, mse } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/rng.js';
import type { ActName } from '../../engine/backend/kernels.js';
import type { Tensor } from '../../engine/tensor.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { Mlp } from '../../nn/mlp.js';
import { DEFAULT_LEAKY_SLOPE, type LayerSpec } from '../../nn/spec.js';
import { trainLoop } from './train-loop.js';

type DenseSpec = Extract<LayerSpec, { kind: 'dense' }>;

/** One dense layer of a network: its spec and its (shared, trainable) weight and bias tensors. */
export interface DenseLayerRef { readonly spec: DenseSpec; readonly w: Tensor; readonly b: Tensor }

/** The dense layers of the given networks, in order, as one chain (e.g. denseLayersOf(encoder, decoder)). */
export function denseLayersOf(...nets: readonly Mlp[]): DenseLayerRef[] {
  return nets.flatMap((net) => net.layers.filter((l): l is DenseSpec => l.kind === 'dense')
    .map((spec, i) => ({ spec, w: net.weights[i], b: net.biases[i] })));
}

/** Encoder/mirror index pairs [i, 2L-1-i] of a mirrored chain; a clear error when the chain is not one. */
export function mirroredPairs(layers: readonly DenseLayerRef[], what = 'layer-wise pretraining'): [number, number][] {
  const n = layers.length;
  if (n < 2 || n % 2 !== 0) throw new Error(`${what}: needs an autoencoder of an even number of dense layers (encoder layers and their mirrors), got ${n}`);
  const pairs: [number, number][] = [];
  for (let i = 0; i < n / 2; i++) {
    const e = layers[i].spec, m = layers[n - 1 - i].spec;
    if (m.in !== e.out || m.out !== e.in) {
      throw new Error(`${what}: encoder layer ${i + 1} maps ${e.in} -> ${e.out} but its mirror, layer ${n - i}, maps ${m.in} -> ${m.out}; it must map ${e.out} -> ${e.in}`);
    }
    for (const [l, at] of [[e, i], [m, n - 1 - i]] as const) {
      if (l.activation === 'softmax') throw new Error(`${what}: layer ${at + 1} has a softmax; autoencoder layers are elementwise-activated`);
    }
    pairs.push([i, n - 1 - i]);
  }
  return pairs;
}

export interface PretrainOptions {
  /** Epochs per layer pair (0: nothing is trained). */
  epochs: number;
  batchSize: number;
  learningRate: number;
  gradientClip?: number;
  /** Who is pretraining, for errors and progress. */
  what?: string;
  /** Called after each epoch of each pair: pair (1-based), pairs, epoch, the epoch's mean loss. */
  onEpoch?: (pair: number, pairs: number, epoch: number, loss: number) => void;
}

export interface PretrainedPair {
  /** Dense layer indices (0-based, in the chain) of the encoder layer and its mirror. */
  layers: [number, number];
  /** Mean squared reconstruction error of the pair's input rows before and after its training. */
  initialLoss: number;
  finalLoss: number;
  /** Copies of the weights and biases right after the pair's training: [encoder w, encoder b, mirror w, mirror b]. */
  weights: Float32Array[];
  steps: number;
}

export interface PretrainResult { pairs: PretrainedPair[]; steps: number; seconds: number }

function act(l: DenseSpec): ActName { return l.activation as ActName; }
function slope(l: DenseSpec): number { return l.slope ?? DEFAULT_LEAKY_SLOPE; }

function layer(x: Tensor, r: DenseLayerRef): Tensor { return dense(x, r.w, r.b, act(r.spec), slope(r.spec)); }

/** Mean squared error of the shallow autoencoder of a pair over all rows h (no gradients). */
function pairLoss(h: Float32Array, rows: number, enc: DenseLayerRef, mir: DenseLayerRef, batch: number): number {
  let s = 0;
  forEachBatchNoGrad(h, rows, enc.spec.in, batch, (t) => { s += mse(layer(layer(t, enc), mir), t).item() * t.rows; });
  return s / rows;
}

/** The codes of one (trained) encoder layer for every row. */
function codes(h: Float32Array, rows: number, enc: DenseLayerRef, batch: number): Float32Array {
  const out = new Float32Array(rows * enc.spec.out);
  forEachBatchNoGrad(h, rows, enc.spec.in, batch, (t, start) => out.set(layer(t, enc).data, start * enc.spec.out));
  return out;
}

/**
 * Pretrains the mirrored chain `layers` in place on rows x [rows, cols], pair by pair from the outside in.
 * Returns each pair's losses and a copy of its trained weights.
 */
export function pretrainLayerwise(layers: readonly DenseLayerRef[], x: Float32Array, rows: number, cols: number, rng: Rng, o: PretrainOptions): PretrainResult {
  const what = o.what ?? 'layer-wise pretraining';
  const pairs = mirroredPairs(layers, what);
  if (layers[0].spec.in !== cols) throw new Error(`${what}: the autoencoder takes ${layers[0].spec.in} inputs, the data has ${cols}`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new Error(`${what}: epochs per layer must be a non-negative integer, got ${o.epochs}`);
  const t0 = performance.now();
  const out: PretrainedPair[] = [];
  let h = x, steps = 0;
  const scoreBatch = 8192;
  for (const [p, [ei, mi]] of pairs.entries()) {
    const enc = layers[ei], mir = layers[mi], width = enc.spec.in;
    const params = [enc.w, enc.b, mir.w, mir.b];
    const initialLoss = o.epochs > 0 ? pairLoss(h, rows, enc, mir, scoreBatch) : NaN;
    let pairSteps = 0;
    if (o.epochs > 0) {
      const r = trainLoop({ parameters: () => params, loss: (b) => ({ loss: mse(layer(layer(b, enc), mir), b) }) }, h, rows, width, rng.fork(`layer ${p + 1}`), {
        what: `${what} (layers ${ei + 1} and ${mi + 1})`, epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, gradientClip: o.gradientClip,
        onEpoch: o.onEpoch ? (ep, s) => o.onEpoch!(p + 1, pairs.length, ep, s.loss) : undefined,
      });
      pairSteps = r.steps;
    }
    steps += pairSteps;
    out.push({
      layers: [ei, mi], initialLoss, finalLoss: o.epochs > 0 ? pairLoss(h, rows, enc, mir, scoreBatch) : NaN,
      weights: params.map((t) => t.data.slice()), steps: pairSteps,
    });
    if (p + 1 < pairs.length && o.epochs > 0) h = codes(h, rows, enc, scoreBatch);
  }
  return { pairs: out, steps, seconds: (performance.now() - t0) / 1000 };
}
