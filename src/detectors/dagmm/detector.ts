/**
 * DAGMM on the detector contract: parameters (one zod schema), configuration from the data's shape when not
 * given (auto-config.ts), training, energy scores, the low-dimensional space and per-feature reconstruction
 * error for reports, and model-file state.
 */
import * as z from '../../zod.js';
import { Rng } from '../../engine/rng.js';
import { Tape } from '../../engine/tensor.js';
import { gmmParamsFromJSON, gmmParamsToJSON, type GmmParams } from '../../gmm/gmm.js';
import type { NamedTensor } from '../../io/model-file.js';
import { Detector, type DetectorModel, type MatrixContext } from '../detector.js';
import { parseNetworkSpec, specParameterShapes } from '../../nn/spec.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { resolveDagmmConfig, type DagmmResolvedConfig } from './auto-config.js';
import { RECONSTRUCTION_FEATURES } from './features.js';
import { DagmmNetwork, rowBatches, scoreEnergies } from './network.js';
import { trainDagmm } from './train.js';

export const DagmmParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  compression: z.optional(z.string()).check(z.describe("compression network in the paper's notation, e.g. FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-FC(1,4,tanh)-FC(4,12,tanh)-FC(12,6,none); default: chosen from the data's shape")),
  estimation: z.optional(z.string()).check(z.describe('estimation network ending in softmax over K, e.g. FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax); default: FC(z,10,tanh)-Drop(0.5)-FC(10,K,softmax)')),
  latentSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64))).check(z.describe('size of the code z_c; default 1 for <= 128 features, else 2')),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default from the data shape')),
  gmmK: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(32))).check(z.describe('mixture components K; default 4 for >= 100,000 training rows, else 2')),
  epochs: z.optional(z.number().check(z.int(), z.minimum(0))).check(z.describe('training epochs; default: ~20,000 optimiser steps, at most 40M rows seen')),
  batchSize: z.optional(z.number().check(z.int(), z.minimum(2))).check(z.describe('mini-batch rows; default: largest power of two <= rows/1.5, in [32, 1024]')),
  learningRate: z._default(z.number().check(z.gt(0), z.maximum(1)), 1e-4).check(z.describe('Adam learning rate')),
  lambdaEnergy: z._default(z.number().check(z.minimum(0)), 0.1).check(z.describe('weight of the mean sample energy (lambda1)')),
  lambdaCov: z._default(z.number().check(z.minimum(0)), 0.005).check(z.describe('weight of the covariance penalty sum 1/Sigma_jj (lambda2)')),
  dropoutKeep: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.5).check(z.describe('keep probability of the estimation network dropout (the paper\'s Drop(0.5))')),
  estimationHidden: z._default(z.number().check(z.int(), z.minimum(1)), 10).check(z.describe('hidden width of the default estimation network')),
  reconstructionFeatures: z._default(z.array(z.enum(['relative-euclidean', 'cosine'])), [...RECONSTRUCTION_FEATURES])
    .check(z.describe('reconstruction features appended to z_c')),
});

export type DagmmParams = z.infer<typeof DagmmParamsSchema>;
export type DagmmParamsInput = z.input<typeof DagmmParamsSchema>;

export class DagmmDetector extends Detector<DagmmParams> {
  readonly name = 'dagmm';
  readonly scoreName = 'sample energy';
  private net: DagmmNetwork | null = null;
  private gmm: GmmParams | null = null;
  private config: DagmmResolvedConfig | null = null;

  constructor(params: DagmmParamsInput = {}) {
    super(parseParams('dagmm', DagmmParamsSchema, params));
  }

  resolvedConfig(): Record<string, unknown> {
    return this.config ? { ...this.config } : {};
  }

  get network(): DagmmNetwork {
    if (!this.net) throw new Error('dagmm: the detector is not fitted (call fit, or load a saved model)');
    return this.net;
  }

  get gmmParams(): GmmParams {
    if (!this.gmm) throw new Error('dagmm: the detector is not fitted (call fit, or load a saved model)');
    return this.gmm;
  }

  /** The configuration fit() would use for data of this shape (for printing before training). */
  planConfig(features: number, rows: number): DagmmResolvedConfig {
    return resolveDagmmConfig({ features, rows }, this.params);
  }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const cfg = this.planConfig(cols, rows);
    const t = trainDagmm(
      { compression: cfg.compression, estimation: cfg.estimation, lambdaEnergy: cfg.lambdaEnergy, lambdaCov: cfg.lambdaCov, reconstructionFeatures: cfg.reconstructionFeatures },
      x, rows,
      {
        epochs: cfg.epochs, batchSize: cfg.batchSize, learningRate: cfg.learningRate, seed: this.params.seed,
        onEpoch: ctx.onProgress ? (ep, s) => ctx.onProgress!(ep, cfg.epochs, `loss ${s.loss.toFixed(4)}`) : undefined,
      },
    );
    this.net = t.net; this.gmm = t.gmm; this.config = cfg;
    return { steps: t.steps };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    const net = this.network;
    if (cols !== net.inputSize) throw new Error(`dagmm: data has ${cols} features, the model expects ${net.inputSize}`);
    return scoreEnergies(net, this.gmmParams, x, rows);
  }

  /**
   * The low-dimensional space the GMM sees (the paper's Figures 1 and 3): z = [z_c, reconstruction features]
   * per preprocessed row, with names.
   */
  embed(x: Float32Array, rows: number): { names: string[]; values: Float32Array } {
    const net = this.network;
    const out = new Float32Array(rows * (net.latentSize + net.features.length));
    const tape = new Tape({ grad: false });
    for (const { start, t } of rowBatches(x, rows, net.inputSize, 8192)) {
      tape.record(() => { const { z } = net.forward(t); out.set(z.data, start * z.cols); });
    }
    tape.release();
    const names = [...Array.from({ length: net.latentSize }, (_, i) => (net.latentSize === 1 ? 'z_c' : `z_c${i + 1}`)), ...net.features];
    return { names, values: out };
  }

  /** Per-feature squared reconstruction error (x_j - x'_j)^2 of preprocessed rows, row-major. */
  reconstructionErrors(x: Float32Array, rows: number): Float32Array {
    const net = this.network, d = net.inputSize;
    const out = new Float32Array(rows * d);
    const tape = new Tape({ grad: false });
    for (const { start, t } of rowBatches(x, rows, d, 8192)) {
      tape.record(() => {
        const { xr } = net.forward(t);
        for (let i = 0; i < t.rows * d; i++) { const e = t.data[i] - xr.data[i]; out[start * d + i] = e * e; }
      });
    }
    tape.release();
    return out;
  }

  protected exportModel(): DetectorModel {
    const net = this.network, cfg = this.config!;
    const nComp = net.compression.parameters().length;
    const tensors: NamedTensor[] = net.parameters().map((p, i) => ({
      name: i < nComp ? `compression.${i}` : `estimation.${i - nComp}`, shape: [...p.shape], data: p.data,
    }));
    return { config: { ...cfg }, state: { gmm: gmmParamsToJSON(this.gmmParams) }, tensors };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const cfg = model.config as unknown as DagmmResolvedConfig;
    if (typeof cfg.compression !== 'string' || typeof cfg.estimation !== 'string') throw new Error('dagmm model: config.resolved lacks the networks');
    // Check every tensor against the declared networks before building them: a few bytes of config could
    // otherwise declare layers of billions of weights.
    const expected = [
      ...specParameterShapes(parseNetworkSpec(cfg.compression)).map((shape, i) => ({ name: `compression.${i}`, shape })),
      ...specParameterShapes(parseNetworkSpec(cfg.estimation)).map((shape, i) => ({ name: `estimation.${i}`, shape })),
    ];
    const byName = new Map(model.tensors.map((t) => [t.name, t]));
    if (model.tensors.length !== expected.length) throw new Error(`dagmm model: ${model.tensors.length} weight tensors, the networks in config.resolved need ${expected.length}`);
    for (const e of expected) {
      const t = byName.get(e.name);
      if (!t) throw new Error(`dagmm model: weight tensor "${e.name}" is missing`);
      if (t.shape.join(',') !== e.shape.join(',')) throw new Error(`dagmm model: tensor "${e.name}" has shape [${t.shape.join(', ')}], the network in config.resolved needs [${e.shape.join(', ')}]`);
    }
    const net = new DagmmNetwork({
      compression: cfg.compression, estimation: cfg.estimation, lambdaEnergy: cfg.lambdaEnergy, lambdaCov: cfg.lambdaCov,
      reconstructionFeatures: cfg.reconstructionFeatures,
    }, new Rng(0));
    if (net.inputSize !== features) throw new Error(`dagmm model: the network takes ${net.inputSize} inputs but the preprocessing produces ${features}`);
    net.parameters().forEach((p, i) => p.data.set(byName.get(expected[i].name)!.data));
    const g = (model.state as { gmm?: Parameters<typeof gmmParamsFromJSON>[0] }).gmm;
    if (!g) throw new Error('dagmm model: GMM parameters are missing');
    let gmm: GmmParams;
    try { gmm = gmmParamsFromJSON(g); } catch (e) { throw new Error(`dagmm model: state.gmm: ${(e as Error).message.replace(/^GMM parameters: /, '')}`, { cause: e }); }
    if (gmm.k !== net.k || gmm.d !== net.latentSize + net.features.length) {
      throw new Error(`dagmm model: GMM has K=${gmm.k}, d=${gmm.d}; the network needs K=${net.k}, d=${net.latentSize + net.features.length}`);
    }
    this.net = net; this.gmm = gmm; this.config = cfg;
  }
}
