/**
 * The deep-detector template (after PyOD's BaseDeepLearningDetector). A deep detector declares
 *
 * - configure(features, rows): its resolved configuration for data of this shape (auto choices included),
 *   with at least epochs, batchSize and learningRate; it is saved in the model file;
 * - networks(config): its networks by name, in the paper's notation (src/nn/spec.ts);
 * - loss(batch, ctx): the training loss of one batch, minimised by one Adam over every network; or instead
 *   phases(config): several training phases per mini-batch (adversarial models), each a DeepPhase with its
 *   own loss, the networks it updates and its own optimiser (Adam by default, or RMSprop; its own learning
 *   rate), run in order on every batch (train-loop.ts); early stopping then watches loss() on the held-out
 *   rows, which the detector defines (the sum of its phases' losses, or one phase's);
 * - scoreBatch(batch, out): the anomaly scores of one batch (called without gradients);
 *
 * and optionally attach() (wrap the built networks, e.g. into DAGMM's network), inputWidth (networks over parts
 * of a row), beforeEpoch/afterEpoch, stopAfter (its own stopping rule), afterTraining(x) (e.g. DAGMM's GMM
 * parameters over the whole training set), exportState/importState (small JSON state beyond the weights) and
 * minBatchRows.
 *
 * The template owns the rest: building the networks (seeded initialisation), epochs, batching, shuffling,
 * progress, gradient clipping and early stopping (train-loop.ts), batched no-gradient scoring, and the
 * model file's weights (one named tensor per parameter, "<network>.<index>", shapes checked against the
 * declared networks before anything is copied). It keeps no global state.
 *
 * Seeding: every stream forks from the Rng the contract passes in (one per fit, from params.seed): 'init'
 * then the network's name for initial weights, and the train loop's 'shuffle', 'dropout', 'validation'.
 */
import * as z from '../../zod.js';
import { Rng } from '../../engine/rng.js';
import { Tensor } from '../../engine/tensor.js';
import type { AdamEpsilonPlacement } from '../../engine/optim.js';
import type { NamedTensor } from '../../io/model-file.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import type { InitScheme } from '../../nn/init.js';
import { Mlp } from '../../nn/mlp.js';
import { parseNetworkSpec, specInputSize, specParameterShapes } from '../../nn/spec.js';
import { Detector, type CommonParams, type DetectorModel, type MatrixContext } from '../detector.js';
import { denseLayersOf, pretrainLayerwise, type PretrainResult } from './pretrain.js';
import { trainLoop, type EarlyStopping, type EpochStats, type LossOutput, type OptimizerKind, type StepContext, type TrainingPhase, type TrainLoopOptions, type TrainLoopResult } from './train-loop.js';

export type { EpochStats, LossOutput, OptimizerKind, StepContext } from './train-loop.js';

/** One training phase of a multi-phase deep detector (see DeepDetector.phases). */
export interface DeepPhase {
  /** Names the phase in errors and in the history's terms ("<name>" and "<name>.<term>"). */
  name: string;
  /** The declared networks this phase updates; the others it uses stay fixed in this phase. */
  networks: readonly string[];
  loss(batch: Tensor, ctx: StepContext): LossOutput;
  /** Default 'adam'. */
  optimizer?: OptimizerKind;
  /** Default: the configuration's learningRate. */
  learningRate?: number;
  /** Adam's (beta1, beta2); default (0.9, 0.999). */
  betas?: readonly [number, number];
  /** Where Adam's epsilon enters: 'torch' (default) or 'tf1' (optim.ts). */
  adamEpsilonPlacement?: AdamEpsilonPlacement;
}

/** The training schedule every deep detector's resolved configuration carries. */
export interface DeepTrainingConfig { epochs: number; batchSize: number; learningRate: number }

/** Parameters every deep detector accepts (beyond the common ones). */
export interface DeepParams extends CommonParams {
  epochs?: number;
  batchSize?: number;
  learningRate: number;
  gradientClip?: number;
  earlyStopping?: EarlyStopping;
}

/**
 * The zod shape of the deep-training parameters, for a detector's schema: spread it and override a key to
 * change its description or default.
 */
export function deepTrainingShape(o: { learningRate: number; epochs: string; batchSize: string }) {
  return {
    epochs: z.optional(z.number().check(z.int(), z.minimum(0))).check(z.describe(o.epochs)),
    batchSize: z.optional(z.number().check(z.int(), z.minimum(2))).check(z.describe(o.batchSize)),
    learningRate: z._default(z.number().check(z.gt(0), z.maximum(1)), o.learningRate).check(z.describe('Adam learning rate')),
    gradientClip: z.optional(z.number().check(z.gt(0)))
      .check(z.describe('scale gradients so that their global L2 norm is at most this before each step; default: no clipping')),
    earlyStopping: z.optional(z.strictObject({
      validation: z.number().check(z.gt(0), z.lt(0.5)),
      patience: z.number().check(z.int(), z.minimum(1)),
    })).check(z.describe('{validation: f, patience: p}: hold out a fraction f of the training rows, stop after p epochs without a lower loss on them and keep the best epoch\'s weights; default: off')),
  };
}

/** The progress message of one epoch. */
export function progressLine(s: EpochStats): string {
  return `loss ${s.loss.toFixed(4)}${s.validationLoss !== undefined ? `, held-out ${s.validationLoss.toFixed(4)}` : ''}`;
}

/** Rows per batch when scoring (no gradients, so only memory bounds it). */
const SCORE_BATCH = 8192;

export abstract class DeepDetector<P extends DeepParams, C extends DeepTrainingConfig> extends Detector<P> {
  /** A trailing training batch with fewer rows is skipped. */
  protected readonly minBatchRows: number = 1;
  protected readonly init: InitScheme = 'glorot-uniform';
  private nets: Map<string, Mlp> | null = null;
  /** Features the first network takes: the width of the preprocessed rows (0 until built). */
  protected inputs = 0;
  private cfg: C | null = null;
  private lastHistory: EpochStats[] = [];

  protected abstract configure(features: number, rows: number): C;
  protected abstract networks(config: C): Record<string, string>;
  /**
   * The loss of one batch: what a single-phase detector minimises and what early stopping watches on held-out
   * rows. A multi-phase detector trains with phases() instead and its loss() is only that held-out criterion
   * (e.g. the sum of its phases' losses, or one phase's).
   */
  protected abstract loss(batch: Tensor, ctx: StepContext): LossOutput;
  /** Several training phases per mini-batch, in order; null (default): one phase, loss() over every network. */
  protected phases(_config: C): readonly DeepPhase[] | null { return null; }
  /** Writes the scores of the rows of batch into out (batch.rows values). */
  protected abstract scoreBatch(batch: Tensor, out: Float64Array): void;

  /**
   * The width of the rows the detector takes, when no declared network takes them whole (e.g. networks over
   * parts of a row); null (default): the first declared network's input width.
   */
  protected inputWidth(_config: C): number | null { return null; }
  /** Called with freshly built (fit) or restored (load) networks, before anything uses them. */
  protected attach(_config: C, _nets: ReadonlyMap<string, Mlp>): void { /* nothing to wrap by default */ }
  protected beforeEpoch(_epoch: number): void { /* optional hook */ }
  protected afterEpoch(_stats: EpochStats): void { /* optional hook */ }
  /** True ends training after this epoch: a detector's own stopping rule (e.g. ICL's loss floor). Default: never. */
  protected stopAfter(_stats: EpochStats): boolean { return false; }
  /** After the last epoch, with every training row (e.g. statistics the scores need). */
  protected afterTraining(_x: Float32Array, _rows: number, _cols: number): void { /* optional hook */ }
  /** Optimiser settings beyond the schedule: L2 weight decay, parameters held fixed, a step learning-rate schedule (none by default). */
  protected optimiserSettings(_config: C): Pick<TrainLoopOptions, 'weightDecay' | 'frozen' | 'learningRateStep'> { return {}; }
  /** Small JSON state saved beside the weights. */
  protected exportState(): Record<string, unknown> { return {}; }
  protected importState(_state: Record<string, unknown>, _config: C): void { /* no state by default */ }

  /** The resolved configuration (after fit or load). */
  protected get config(): C {
    if (!this.cfg) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.cfg;
  }

  /** A declared network (after fit or load). */
  protected mlp(name: string): Mlp {
    const net = this.nets?.get(name);
    if (!net) throw new Error(this.nets ? `${this.name}: no network "${name}" (declared: ${[...this.nets.keys()].join(', ')})` : `${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return net;
  }

  /** Per-epoch statistics of the last fit (empty after loading a model). */
  get history(): readonly EpochStats[] { return this.lastHistory; }

  resolvedConfig(): Record<string, unknown> { return this.cfg ? { ...this.cfg } as Record<string, unknown> : {}; }

  /** The configuration fit() would use for data of this shape (for printing before training). */
  planConfig(features: number, rows: number): C { return this.configure(features, rows); }

  /** Builds the declared networks; the first one takes the preprocessed features as input (unless inputWidth says otherwise). */
  private build(config: C, features: number, rng: Rng): Map<string, Mlp> {
    const specs = Object.entries(this.networks(config));
    if (specs.length === 0) throw new Error(`${this.name}: declares no networks`);
    const nets = new Map<string, Mlp>();
    for (const [name, spec] of specs) {
      if (typeof spec !== 'string') throw new Error(`${this.name}: network "${name}" has no spec in the configuration`);
      nets.set(name, new Mlp(parseNetworkSpec(spec), this.init, rng.fork(name)));
    }
    const [first, firstSpec] = specs[0];
    const own = this.inputWidth(config);
    const inputs = own ?? specInputSize(parseNetworkSpec(firstSpec));
    if (inputs !== features) {
      throw new Error(own === null ? `${this.name}: the ${first} network takes ${inputs} inputs, but the preprocessed data has ${features} features` : `${this.name}: the configuration is for ${inputs} features, but the preprocessed data has ${features}`);
    }
    this.attach(config, nets);
    this.inputs = inputs;
    return nets;
  }

  private parameters(nets: Map<string, Mlp>): { name: string; p: Tensor }[] {
    return [...nets].flatMap(([n, net]) => net.parameters().map((p, i) => ({ name: `${n}.${i}`, p })));
  }

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    const config = this.configure(cols, rows);
    const nets = this.build(config, cols, ctx.rng.fork('init'));
    // loss() reaches the networks through mlp(), so they are in place before the first step.
    this.nets = nets; this.cfg = config;
    const r = this.train(x, rows, cols, ctx);
    this.lastHistory = r.history;
    this.afterTraining(x, rows, cols);
    return { steps: r.steps };
  }

  /**
   * Trains the built networks on the training rows: by default one run of the training loop with the
   * configuration's schedule. A detector that alternates training with other steps (e.g. RDA's proximal step)
   * overrides this and calls trainEpochs more than once.
   */
  protected train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const total = this.config.epochs;
    return this.trainEpochs(x, rows, cols, ctx.rng, total, ctx.onProgress ? (ep, s) => ctx.onProgress!(ep, total, progressLine(s)) : undefined);
  }

  /** One run of the shared training loop (loss or phases, hooks, batching, clipping, early stopping) over rows x. */
  protected trainEpochs(x: Float32Array, rows: number, cols: number, rng: Rng, epochs: number, onEpoch?: (epoch: number, stats: EpochStats) => void): TrainLoopResult {
    const config = this.config, nets = this.nets!;
    const params = this.parameters(nets).map((e) => e.p);
    const phases = this.phases(config)?.map((ph): TrainingPhase => ({
      name: ph.name, optimizer: ph.optimizer, learningRate: ph.learningRate, betas: ph.betas, adamEpsilonPlacement: ph.adamEpsilonPlacement, loss: (b, s) => ph.loss(b, s),
      parameters: ph.networks.map((n) => {
        if (!nets.has(n)) throw new Error(`${this.name}: training phase "${ph.name}" updates network "${n}", which is not declared (declared: ${[...nets.keys()].join(', ')})`);
        return nets.get(n)!.parameters();
      }).flat(),
    }));
    return trainLoop({
      parameters: () => params,
      loss: (b, s) => this.loss(b, s),
      phases,
      beforeEpoch: (e) => this.beforeEpoch(e),
      afterEpoch: (s) => this.afterEpoch(s),
      stopAfter: (s) => this.stopAfter(s),
    }, x, rows, cols, rng, {
      what: this.name, epochs, batchSize: config.batchSize, learningRate: config.learningRate,
      minBatchRows: this.minBatchRows, gradientClip: this.params.gradientClip, earlyStopping: this.params.earlyStopping, onEpoch,
      ...this.optimiserSettings(config),
    });
  }

  /**
   * Greedy layer-wise pretraining (pretrain.ts) of declared networks taken together as one mirrored autoencoder
   * (e.g. ['compression'], or ['encoder', 'decoder']), in place, with this detector's batch size, learning rate
   * and gradient clipping, from the named stream 'pretrain'. Progress counts epochs over every stage of the fit:
   * `before` epochs come before the pretraining, `after` epochs after it.
   */
  protected pretrainNetworks(networks: readonly string[], x: Float32Array, rows: number, cols: number, ctx: MatrixContext,
    epochsPerLayer: number, progress: { before: number; after: number } = { before: 0, after: 0 }): PretrainResult {
    const c = this.config, onProgress = ctx.onProgress;
    const layers = denseLayersOf(...networks.map((n) => this.mlp(n)));
    const total = progress.before + (layers.length / 2) * epochsPerLayer + progress.after;
    return pretrainLayerwise(layers, x, rows, cols, ctx.rng.fork('pretrain'), {
      epochs: epochsPerLayer, batchSize: c.batchSize, learningRate: c.learningRate, gradientClip: this.params.gradientClip, what: `${this.name} pretraining`,
      onEpoch: onProgress ? (p, ps, ep, loss) => onProgress(progress.before + (p - 1) * epochsPerLayer + ep, Math.round(total), `pretraining layer pair ${p}/${ps}, loss ${loss.toFixed(4)}`) : undefined,
    });
  }

  /**
   * A held-out criterion for multi-phase detectors whose phases' losses are not comparable over epochs (GANs):
   * the mean score of the held-out training rows (no gradient).
   */
  protected meanScoreLoss(x: Tensor): LossOutput {
    const s = new Float64Array(x.rows);
    this.scoreBatch(x, s);
    return { loss: new Tensor(Float32Array.of(s.reduce((a, b) => a + b, 0) / x.rows), [1]) };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.nets) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    if (cols !== this.inputs) throw new Error(`${this.name}: data has ${cols} features, the model expects ${this.inputs}`);
    const out = new Float64Array(rows);
    forEachBatchNoGrad(x, rows, cols, SCORE_BATCH, (t, start) => this.scoreBatch(t, out.subarray(start, start + t.rows)));
    return out;
  }

  protected exportModel(): DetectorModel {
    const tensors: NamedTensor[] = this.parameters(this.nets ?? new Map()).map(({ name, p }) => ({ name, shape: [...p.shape], data: p.data }));
    return { config: { ...this.config } as Record<string, unknown>, state: this.exportState(), tensors };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const config = model.config as unknown as C;
    const what = `${this.name} model`;
    // Check every tensor against the declared networks before building them (shapes come from the network
    // notation alone): a few bytes of configuration could otherwise declare layers of billions of weights.
    let expected: { name: string; shape: number[] }[];
    try {
      expected = Object.entries(this.networks(config)).flatMap(([n, spec]) => {
        if (typeof spec !== 'string') throw new Error(`network "${n}" has no spec in config.resolved`);
        return specParameterShapes(parseNetworkSpec(spec)).map((shape, i) => ({ name: `${n}.${i}`, shape }));
      });
    } catch (e) { throw new Error(`${what}: ${(e as Error).message}`, { cause: e }); }
    const byName = new Map(model.tensors.map((t) => [t.name, t]));
    if (model.tensors.length !== expected.length) throw new Error(`${what}: ${model.tensors.length} weight tensors, the networks in config.resolved need ${expected.length}`);
    for (const { name, shape } of expected) {
      const t = byName.get(name);
      if (!t) throw new Error(`${what}: weight tensor "${name}" is missing`);
      if (t.shape.join(',') !== shape.join(',')) throw new Error(`${what}: tensor "${name}" has shape [${t.shape.join(', ')}], the network in config.resolved needs [${shape.join(', ')}]`);
    }
    let nets: Map<string, Mlp>;
    try { nets = this.build(config, features, new Rng(0)); } catch (e) { throw new Error(`${what}: ${(e as Error).message}`, { cause: e }); }
    for (const { name, p } of this.parameters(nets)) p.data.set(byName.get(name)!.data);
    this.importState(model.state, config);
    this.nets = nets; this.cfg = config; this.lastHistory = [];
  }
}

/** The control of every deep detector's benchmark: the same seed (so the same initial networks), no epochs. */
export const UNTRAINED_CONTROL = {
  params: { epochs: 0 },
  description: 'the same detector and seed with 0 training epochs (the initial networks; anything fitted after training, such as DAGMM\'s GMM parameters, is still fitted on the training rows), same splits',
};
