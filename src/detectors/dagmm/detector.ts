/**
 * DAGMM on the deep-detector template: parameters (one zod schema), configuration from the data's shape when
 * not given (auto-config.ts), the two networks, the loss, energy scores from the GMM fitted over the whole
 * training set after training, the low-dimensional space and per-feature reconstruction error for reports.
 */
import * as z from '../../zod.js';
import type { Tensor } from '../../engine/tensor.js';
import { gmmParamsFromJSON, gmmParamsToJSON, type GmmParams } from '../../gmm/gmm.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { Mlp } from '../../nn/mlp.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepPhase, type LossOutput, type StepContext } from '../deep/detector.js';
import type { InitScheme } from '../../nn/init.js';
import { resolveDagmmConfig, type DagmmResolvedConfig } from './auto-config.js';
import { RECONSTRUCTION_FEATURES } from './features.js';
import { DagmmNetwork, fitGmmParams, scoreEnergyBatch, type DagmmNetworkConfig } from './network.js';
import { DAGMM_PAPER_RUNS } from './paper-configs.js';
import { GMM_PARAMS_SOURCES, RunningGmm } from './running-gmm.js';
import { DAGMM_MIN_BATCH_ROWS, dagmmBatchLoss } from './train.js';

/**
 * TensorFlow 1's Adam: the paper names TensorFlow, and docs/dagmm-gaps.md decided on that principle, before any
 * result, that this is the default (it was torch's placement until 2026-12-01).
 */
export const DAGMM_ADAM_EPSILON: 'torch' | 'tf1' = 'tf1';

export const DagmmParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  compression: z.optional(z.string()).check(z.describe("compression network in the paper's notation, e.g. FC(6,12,tanh)-FC(12,4,tanh)-FC(4,1,none)-FC(1,4,tanh)-FC(4,12,tanh)-FC(12,6,none); default: chosen from the data's shape")),
  estimation: z.optional(z.string()).check(z.describe('estimation network ending in softmax over K, e.g. FC(3,10,tanh)-Drop(0.5)-FC(10,2,softmax); default: FC(z,10,tanh)-Drop(0.5)-FC(10,K,softmax)')),
  latentSize: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64))).check(z.describe('size of the code z_c; default 1 for <= 128 features, else 2')),
  hidden: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))).check(z.describe('encoder hidden widths (the decoder mirrors them); default from the data shape')),
  gmmK: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(32))).check(z.describe('mixture components K; default 4 for >= 100,000 training rows, else 2')),
  ...deepTrainingShape({
    learningRate: 1e-4,
    epochs: 'training epochs; default: ~20,000 optimiser steps, at most 40M rows seen',
    batchSize: 'mini-batch rows; default: largest power of two <= rows/1.5, in [32, 1024]',
  }),
  lambdaEnergy: z._default(z.number().check(z.minimum(0)), 0.1).check(z.describe('weight of the mean sample energy (lambda1)')),
  lambdaCov: z._default(z.number().check(z.minimum(0)), 0.005).check(z.describe('weight of the covariance penalty sum 1/Sigma_jj (lambda2)')),
  dropoutKeep: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.5).check(z.describe('keep probability of the estimation network dropout (the paper\'s Drop(0.5))')),
  estimationHidden: z._default(z.number().check(z.int(), z.minimum(1)), 10).check(z.describe('hidden width of the default estimation network')),
  reconstructionFeatures: z._default(z.array(z.enum(['relative-euclidean', 'cosine'])), [...RECONSTRUCTION_FEATURES])
    .check(z.describe('reconstruction features appended to z_c')),
  // Choices the paper leaves open (issue 10's study, docs/dagmm-gaps.md); unset = the default behaviour.
  init: z.optional(z.enum(['glorot-uniform', 'glorot-normal', 'torch-default']))
    .check(z.describe('initial weights: glorot-uniform with zero biases (default; TensorFlow\'s dense default), glorot-normal, or torch-default (nn.Linear\'s U(+-1/sqrt(fan_in)) weights and biases)')),
  adamEpsilon: z.optional(z.enum(['torch', 'tf1']))
    .check(z.describe('where Adam\'s epsilon enters: tf1 (default; TensorFlow 1\'s AdamOptimizer: eps added to sqrt(v), bias correction in the step size) or torch (eps added to sqrt of the bias-corrected v)')),
  epochMeaning: z.optional(z.enum(['passes', 'full-batches', 'steps']))
    .check(z.describe('what epochs count: passes (default; full passes over the training rows, trailing partial batch included), full-batches (passes without the trailing partial batch) or steps (optimiser steps, rounded up to whole passes)')),
  covEps: z.optional(z.number().check(z.gt(0), z.maximum(1)))
    .check(z.describe('diagonal term added to every covariance, in training and scoring; default 1e-6 (then growing jitter only if still not positive definite)')),
  gmmParams: z.optional(z.enum(GMM_PARAMS_SOURCES as ['whole-training-set', 'running-average', 'last-batch']))
    .check(z.describe('mixture parameters used to score: whole-training-set (default; one pass over the training rows after training), running-average (moving average of the training batches\' estimates, decay 0.99) or last-batch')),
});

export type DagmmParams = z.infer<typeof DagmmParamsSchema>;
/** What a DAGMM-based detector's parameters have at least (a variant may fix the network or the features). */
export type DagmmBaseParams = Omit<DagmmParams, 'compression' | 'reconstructionFeatures'> & Partial<Pick<DagmmParams, 'compression' | 'reconstructionFeatures'>>;

/** GMM parameters saved as state.gmm, checked against the K and d a network needs; errors start with `what`. */
export function gmmStateFromJSON(what: string, state: Record<string, unknown>, k: number, d: number): GmmParams {
  const g = (state as { gmm?: Parameters<typeof gmmParamsFromJSON>[0] }).gmm;
  if (!g) throw new Error(`${what}: GMM parameters are missing`);
  let gmm: GmmParams;
  try { gmm = gmmParamsFromJSON(g); } catch (e) { throw new Error(`${what}: state.gmm: ${(e as Error).message.replace(/^GMM parameters: /, '')}`, { cause: e }); }
  if (gmm.k !== k || gmm.d !== d) throw new Error(`${what}: GMM has K=${gmm.k}, d=${gmm.d}; the network needs K=${k}, d=${d}`);
  return gmm;
}
export type DagmmParamsInput = z.input<typeof DagmmParamsSchema>;

/**
 * DAGMM, and the base of the paper's variants (src/detectors/dagmm-variants): a subclass with its own schema
 * passes its parsed parameters as `parsed`, may extend the resolved configuration (C), the network's
 * configuration (networkConfig) and the training (train, phases).
 */
export class DagmmDetector<P extends DagmmBaseParams = DagmmParams, C extends DagmmResolvedConfig = DagmmResolvedConfig> extends DeepDetector<P, C> {
  readonly name: string = 'dagmm';
  readonly scoreName: string = 'sample energy';
  /** DAGMM_MIN_BATCH_ROWS, or the batch size under epochMeaning 'full-batches' (set by configure). */
  protected override minBatchRows: number = DAGMM_MIN_BATCH_ROWS;
  protected override readonly init: InitScheme;
  private net: DagmmNetwork | null = null;
  private gmm: GmmParams | null = null;
  private running: RunningGmm | null = null;

  constructor(params: DagmmParamsInput = {}, parsed?: P) {
    super(parsed ?? parseParams('dagmm', DagmmParamsSchema, params) as P);
    this.init = this.params.init ?? 'glorot-uniform';
  }

  get network(): DagmmNetwork {
    if (!this.net) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.net;
  }

  get gmmParams(): GmmParams {
    if (!this.gmm) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.gmm;
  }

  /** Subclasses extending C override this and add their fields. */
  protected configure(features: number, rows: number): C {
    const c = resolveDagmmConfig({ features, rows }, { reconstructionFeatures: [...RECONSTRUCTION_FEATURES], ...this.params });
    const p = this.params;
    const meaning = p.epochMeaning ?? 'passes';
    this.minBatchRows = meaning === 'full-batches' ? Math.max(DAGMM_MIN_BATCH_ROWS, c.batchSize) : DAGMM_MIN_BATCH_ROWS;
    if (meaning === 'steps') {
      // Batches of one pass (a trailing batch of one row is skipped), then whole passes covering the steps.
      const b = Math.min(c.batchSize, rows), perPass = Math.floor(rows / b) + (rows % b >= DAGMM_MIN_BATCH_ROWS ? 1 : 0);
      c.epochs = Math.ceil(c.epochs / Math.max(1, perPass));
    }
    // Recorded only when set, so default configurations (and model files) are unchanged.
    const opts = { init: p.init, epochMeaning: p.epochMeaning, covEps: p.covEps, gmmParams: p.gmmParams };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
    // Always recorded: its default changed (torch before 2026-12-01), so a file without it was trained by torch's Adam.
    (c as unknown as Record<string, unknown>).adamEpsilon = p.adamEpsilon ?? DAGMM_ADAM_EPSILON;
    return c as C;
  }

  protected networks(c: C): Record<string, string> {
    return { compression: c.compression, estimation: c.estimation };
  }

  /** The DagmmNetwork configuration from the resolved one (variants set the objective or encoderOnly). */
  protected networkConfig(c: C): DagmmNetworkConfig {
    return {
      compression: c.compression, estimation: c.estimation, lambdaEnergy: c.lambdaEnergy, lambdaCov: c.lambdaCov,
      reconstructionFeatures: c.reconstructionFeatures, ...(this.params.covEps !== undefined ? { covEps: this.params.covEps } : {}),
    };
  }

  /** One phase over both networks with TF1's Adam (the default); 'torch' is the template's default Adam. */
  protected override phases(_c: C): readonly DeepPhase[] | null {
    if ((this.params.adamEpsilon ?? DAGMM_ADAM_EPSILON) === 'torch') return null;
    return [{ name: 'loss', networks: ['compression', 'estimation'], adamEpsilonPlacement: 'tf1', loss: (b, ctx) => this.loss(b, ctx) }];
  }

  protected override attach(c: C, nets: ReadonlyMap<string, Mlp>): void {
    this.net = new DagmmNetwork(this.networkConfig(c), { compression: nets.get('compression')!, estimation: nets.get('estimation')! });
  }

  /** GMM parameters fitted after training (e.g. by EM in a variant), used by scoring and saved in the model. */
  protected setGmmParams(p: GmmParams): void { this.gmm = p; }

  protected loss(batch: Tensor, ctx: StepContext): LossOutput {
    const running = ctx.training ? this.running : null;
    return dagmmBatchLoss(this.network, batch, ctx, running ? (p) => running.update(p) : undefined);
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: Parameters<DeepDetector<P, C>['train']>[3]): ReturnType<DeepDetector<P, C>['train']> {
    const src = this.params.gmmParams ?? 'whole-training-set';
    this.running = src === 'whole-training-set' ? null : new RunningGmm(src);
    return super.train(x, rows, cols, ctx);
  }

  /**
   * The paper scores with mixture parameters over the whole training set, not a batch's (default); gmmParams
   * 'running-average' / 'last-batch' use the estimates kept during training (whole set when no step ran).
   */
  protected override afterTraining(x: Float32Array, rows: number): void {
    const kept = this.running?.params() ?? null;
    this.running = null;
    this.gmm = kept ?? fitGmmParams(this.network, x, rows);
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    scoreEnergyBatch(this.network, this.gmmParams, batch, out);
  }

  /**
   * The low-dimensional space the GMM sees (the paper's Figures 1 and 3): z = [z_c, reconstruction features]
   * per preprocessed row, with names.
   */
  embed(x: Float32Array, rows: number): { names: string[]; values: Float32Array } {
    const net = this.network;
    const out = new Float32Array(rows * (net.latentSize + net.features.length));
    forEachBatchNoGrad(x, rows, net.inputSize, 8192, (t, start) => { const z = net.latent(t); out.set(z.data, start * z.cols); });
    const names = [...Array.from({ length: net.latentSize }, (_, i) => (net.latentSize === 1 ? 'z_c' : `z_c${i + 1}`)), ...net.features];
    return { names, values: out };
  }

  /** Per-feature squared reconstruction error (x_j - x'_j)^2 of preprocessed rows, row-major. */
  reconstructionErrors(x: Float32Array, rows: number): Float32Array {
    const net = this.network, d = net.inputSize;
    const out = new Float32Array(rows * d);
    forEachBatchNoGrad(x, rows, d, 8192, (t, start) => {
      const { xr } = net.forward(t);
      for (let i = 0; i < t.rows * d; i++) { const e = t.data[i] - xr.data[i]; out[start * d + i] = e * e; }
    });
    return out;
  }

  protected override exportState(): Record<string, unknown> {
    return { gmm: gmmParamsToJSON(this.gmmParams) };
  }

  protected override importState(state: Record<string, unknown>): void {
    const net = this.network;
    this.gmm = gmmStateFromJSON(`${this.name} model`, state, net.k, net.latentSize + net.features.length);
  }
}

registerDetector({
  name: 'dagmm',
  summary: 'Deep Autoencoding Gaussian Mixture Model: autoencoder + reconstruction features feeding a GMM estimation network, trained end to end; score = sample energy',
  paper: 'Zong et al., ICLR 2018',
  paramsSchema: DagmmParamsSchema,
  quickParams: { epochs: 5, batchSize: 64 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: DAGMM_PAPER_RUNS,
  create: (p) => new DagmmDetector(p),
});
