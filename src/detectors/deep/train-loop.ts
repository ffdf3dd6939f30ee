/**
 * The training loop every deep detector shares (after PyOD's BaseDeepLearningDetector.fit): epochs of
 * shuffled mini-batches, Adam, optional global-norm gradient clipping, optional early stopping on rows held
 * out of the *training* rows, per-epoch statistics for progress. No global state: everything it needs comes
 * in through its arguments, so it can run in a worker thread.
 *
 * Phases: a model may declare several training phases (adversarial models: a generator step, then a
 * discriminator step). Each has its own loss, the parameters it updates and its own optimiser (Adam or
 * RMSprop, own learning rate); on every mini-batch they run in order, each on a fresh forward pass that sees
 * the updates of the phases before it, with all gradients zeroed first (a phase's backward pass also fills
 * the gradients of networks it only reads; they never reach another phase). Without phases the model's
 * loss() is one phase over every parameter with Adam at the loop's learning rate: the same arithmetic, in the
 * same order, as before phases existed.
 *
 * Randomness: named streams forked from the given Rng ('shuffle' for the batch order, 'dropout' for anything
 * the loss draws, 'validation' for the early-stopping hold-out); forks are pure functions of (seed, name), so
 * adding a stream never changes the others.
 */
import { kernels } from '../../engine/backend/index.js';
import { Adam, clipGradNorm, Rmsprop, type AdamEpsilonPlacement, type Optimizer } from '../../engine/optim.js';
import type { Rng } from '../../engine/rng.js';
import { Tape, Tensor } from '../../engine/tensor.js';
import { assertFiniteMatrix } from '../../engine/validate.js';
import { takeRows } from '../../data/datasets/types.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';

/** What the loss of one batch may use besides the rows. */
export interface StepContext {
  /** True while training (dropout on); false when the loss is evaluated on validation rows. */
  training: boolean;
  /** The stream for dropout masks and other noise in the loss. */
  rng: Rng;
  /** 1-based epoch. */
  epoch: number;
}

export interface LossOutput {
  /** The scalar minimised. */
  loss: Tensor;
  /** Named scalar parts of the loss, averaged per epoch for progress and history. */
  terms?: Record<string, Tensor>;
}

export type OptimizerKind = 'adam' | 'rmsprop';

/** One training phase of a mini-batch: its loss, the parameters its optimiser updates, that optimiser. */
export interface TrainingPhase {
  /** Names the phase in errors and in the epoch statistics' terms. */
  name: string;
  /** Updated by this phase only (others it reads stay fixed); each must be one of the model's parameters. */
  parameters: readonly Tensor[];
  loss(batch: Tensor, ctx: StepContext): LossOutput;
  /** Default 'adam' (torch defaults); 'rmsprop' as torch.optim.RMSprop (WGAN-style critics). */
  optimizer?: OptimizerKind;
  /** Default: the loop's learningRate. */
  learningRate?: number;
  /** Adam's (beta1, beta2); default (0.9, 0.999). GANs use beta1 0.5 (Radford et al. 2016). */
  betas?: readonly [number, number];
  /** Where Adam's epsilon enters (optim.ts AdamEpsilonPlacement); default 'torch'. */
  adamEpsilonPlacement?: AdamEpsilonPlacement;
}

export interface Trainable {
  /** Every trainable parameter (early stopping snapshots them). */
  parameters(): readonly Tensor[];
  /**
   * The loss of a batch: a single-phase model's training loss; with phases, what early stopping watches on
   * the held-out rows (without it: the sum of the phases' losses).
   */
  loss?(batch: Tensor, ctx: StepContext): LossOutput;
  /** Several phases per mini-batch, run in order; default: one phase, loss() over every parameter. */
  phases?: readonly TrainingPhase[];
  beforeEpoch?(epoch: number): void;
  afterEpoch?(stats: EpochStats): void;
  /** After afterEpoch: true ends training after this epoch (a model's own stopping rule, e.g. a loss floor). */
  stopAfter?(stats: EpochStats): boolean;
}

export interface EarlyStopping {
  /** Fraction of the training rows held out to measure the loss after each epoch. */
  validation: number;
  /** Stop after this many epochs without a lower validation loss; the best epoch's weights are kept. */
  patience: number;
}

export interface TrainLoopOptions {
  /** Who is training, for error messages (e.g. "DAGMM"). */
  what: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** A trailing batch with fewer rows is skipped (DAGMM needs 2 rows for a covariance). Default 1. */
  minBatchRows?: number;
  /** Scale the gradients so that their global L2 norm is at most this, before each step. */
  gradientClip?: number;
  earlyStopping?: EarlyStopping;
  onEpoch?: (epoch: number, stats: EpochStats) => void;
  /** L2 weight decay of every optimiser (torch's weight_decay: wd * w added to the gradient). Default 0. */
  weightDecay?: number;
  /** Parameters no optimiser updates (e.g. biases held at zero for bias-free networks); they still get gradients. */
  frozen?: ReadonlySet<Tensor>;
  /** Multiply every optimiser's learning rate by gamma after each `epochs` epochs (torch's StepLR). */
  learningRateStep?: { epochs: number; gamma: number };
}

export interface EpochStats {
  epoch: number;
  /** Mean training loss over the epoch's batches (with phases: the sum of the phases' losses). */
  loss: number;
  /** Mean loss terms; with several phases also each phase's loss as "<phase>" and its terms as "<phase>.<term>". */
  terms: Record<string, number>;
  /** Mean loss on the held-out rows (early stopping only; with phases: see Trainable.loss). */
  validationLoss?: number;
}

export interface TrainLoopResult {
  steps: number;
  /** Epochs run (fewer than asked when early stopping stopped). */
  epochs: number;
  seconds: number;
  history: EpochStats[];
  /** The epoch whose weights were kept (early stopping), else the last. */
  bestEpoch: number;
  trainingRows: number;
  validationRows: number;
}

/** Splits rows into training and held-out rows for early stopping (a random subset of the training rows). */
function holdOut(x: Float32Array, rows: number, cols: number, e: EarlyStopping, minRows: number, rng: Rng, what: string) {
  if (!(e.validation > 0 && e.validation < 1)) throw new Error(`${what}: early stopping needs a validation fraction in (0, 1), got ${e.validation}`);
  if (!(Number.isInteger(e.patience) && e.patience >= 1)) throw new Error(`${what}: early stopping needs a patience of at least 1 epoch, got ${e.patience}`);
  const nVal = Math.round(e.validation * rows);
  if (nVal < minRows || rows - nVal < minRows) {
    throw new Error(`${what}: early stopping holds out ${nVal} of ${rows} training rows; need at least ${minRows} on each side`);
  }
  const perm = rng.fork('validation').permutation(rows);
  return {
    train: takeRows(x, cols, perm.subarray(nVal)), trainRows: rows - nVal,
    val: takeRows(x, cols, perm.subarray(0, nVal)), valRows: nVal,
  };
}

interface ResolvedPhase { name: string; params: readonly Tensor[]; loss: TrainingPhase['loss']; opt: Optimizer }

/** The model's phases with their optimisers; a single-phase model is one phase over every parameter. */
function resolvePhases(model: Trainable, params: readonly Tensor[], o: TrainLoopOptions): ResolvedPhase[] {
  const wd = o.weightDecay ?? 0;
  if (!(wd >= 0 && Number.isFinite(wd))) throw new Error(`${o.what}: weight decay must be a finite number >= 0, got ${o.weightDecay}`);
  const decay = wd > 0 ? { weightDecay: wd } : {};
  const updated = (ps: readonly Tensor[], phase: string): readonly Tensor[] => {
    const frozen = o.frozen;
    if (!frozen || frozen.size === 0) return ps;
    const kept = ps.filter((p) => !frozen.has(p));
    if (kept.length === 0) throw new Error(`${o.what}: ${phase} has only frozen parameters to update`);
    return kept;
  };
  if (!model.phases) {
    if (!model.loss) throw new Error(`${o.what}: declares neither a loss nor training phases`);
    const loss = model.loss.bind(model);
    const ps = updated(params, 'the loss');
    return [{ name: 'loss', params: ps, loss, opt: new Adam(ps, { lr: o.learningRate, ...decay }) }];
  }
  if (model.phases.length === 0) throw new Error(`${o.what}: declares an empty list of training phases`);
  const all = new Set(params), names = new Set<string>();
  return model.phases.map((ph) => {
    if (names.has(ph.name)) throw new Error(`${o.what}: training phase "${ph.name}" is declared twice`);
    names.add(ph.name);
    if (ph.parameters.length === 0) throw new Error(`${o.what}: training phase "${ph.name}" updates no parameters`);
    if (ph.parameters.some((p) => !all.has(p))) throw new Error(`${o.what}: training phase "${ph.name}" updates a parameter that is not one of the model's`);
    const lr = ph.learningRate ?? o.learningRate;
    if ((ph.betas || ph.adamEpsilonPlacement) && (ph.optimizer ?? 'adam') !== 'adam') throw new Error(`${o.what}: training phase "${ph.name}" sets Adam's ${ph.betas ? 'betas' : 'epsilon placement'} but uses ${ph.optimizer}`);
    const ps = updated(ph.parameters, `training phase "${ph.name}"`);
    const opt = (ph.optimizer ?? 'adam') === 'adam'
      ? new Adam(ps, { lr, ...decay, ...(ph.betas ? { beta1: ph.betas[0], beta2: ph.betas[1] } : {}), ...(ph.adamEpsilonPlacement ? { epsilonPlacement: ph.adamEpsilonPlacement } : {}) })
      : new Rmsprop(ps, { lr, ...decay });
    return { name: ph.name, params: ps, loss: ph.loss, opt };
  });
}

export function trainLoop(model: Trainable, x: Float32Array, rows: number, cols: number, rng: Rng, o: TrainLoopOptions): TrainLoopResult {
  assertFiniteMatrix(x, rows, cols, 'training data');
  if (!(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw new Error(`batch size must be a positive integer, got ${o.batchSize}`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new Error(`epochs must be a non-negative integer, got ${o.epochs}`);
  const minRows = o.minBatchRows ?? 1;
  const step = o.learningRateStep;
  if (step && !(Number.isInteger(step.epochs) && step.epochs >= 1 && step.gamma > 0 && Number.isFinite(step.gamma))) {
    throw new Error(`${o.what}: the learning-rate step needs a whole number of epochs >= 1 and a positive finite gamma, got ${step.epochs} and ${step.gamma}`);
  }
  let val: { x: Float32Array; rows: number } | null = null;
  if (o.earlyStopping) {
    const h = holdOut(x, rows, cols, o.earlyStopping, minRows, rng, o.what);
    x = h.train; rows = h.trainRows; val = { x: h.val, rows: h.valRows };
  }
  const params = model.parameters();
  const batch = Math.min(o.batchSize, rows);
  const phases = resolvePhases(model, params, o);
  // Named terms: a single phase keeps its own names (unchanged history for single-loss detectors).
  const named = phases.length === 1 ? (_ph: string, k: string) => k : (ph: string, k: string) => `${ph}.${k}`;
  const tape = new Tape();
  const shuffle = rng.fork('shuffle'), noise = rng.fork('dropout');
  const buf = new Float32Array(batch * cols);
  const perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  const t0 = performance.now();
  const history: EpochStats[] = [];
  let steps = 0, best = Infinity, bestEpoch = 0, bestWeights: Float32Array[] | null = null;
  for (let ep = 0; ep < o.epochs; ep++) {
    model.beforeEpoch?.(ep + 1);
    shuffle.shuffle(perm);
    let sl = 0, nb = 0;
    const sums: Record<string, number> = {};
    for (let s = 0; s < rows; s += batch) {
      const n = Math.min(batch, rows - s);
      if (n < minRows && s > 0) break;
      kernels().gatherRows(n, cols, x, perm, s, buf);
      const xb = new Tensor(n === batch ? buf : buf.subarray(0, n * cols), [n, cols]);
      steps++;
      for (const ph of phases) {
        // Zero every gradient: the previous phase's backward pass filled those of networks it only read.
        for (const p of params) p.zeroGrad();
        const l = tape.record(() => ph.loss(xb, { training: true, rng: noise, epoch: ep + 1 }));
        tape.backward(l.loss);
        if (o.gradientClip !== undefined) clipGradNorm(ph.params, o.gradientClip);
        ph.opt.step();
        // Read the values now: the next phase's recording releases this one's tensors.
        const lv = l.loss.item();
        if (!Number.isFinite(lv)) throw new Error(`${o.what} training diverged at epoch ${ep + 1}, step ${steps}${phases.length > 1 ? ` (phase ${ph.name})` : ''}: loss ${lv}`);
        sl += lv;
        if (phases.length > 1) sums[ph.name] = (sums[ph.name] ?? 0) + lv;
        for (const [k, t] of Object.entries(l.terms ?? {})) sums[named(ph.name, k)] = (sums[named(ph.name, k)] ?? 0) + t.item();
      }
      nb++;
    }
    const stats: EpochStats = { epoch: ep + 1, loss: sl / nb, terms: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / nb])) };
    if (val) stats.validationLoss = validationLoss(model.loss ? [model.loss.bind(model)] : phases.map((p) => p.loss), val.x, val.rows, cols, batch, minRows, noise, ep + 1);
    history.push(stats);
    model.afterEpoch?.(stats);
    o.onEpoch?.(ep + 1, stats);
    if (val && o.earlyStopping) {
      if (stats.validationLoss! < best) {
        best = stats.validationLoss!; bestEpoch = ep + 1; bestWeights = params.map((p) => p.data.slice());
      } else if (ep + 1 - bestEpoch >= o.earlyStopping.patience) break;
    }
    if (model.stopAfter?.(stats)) break;
    if (step && (ep + 1) % step.epochs === 0) for (const ph of phases) ph.opt.scaleLearningRate(step.gamma);
  }
  tape.release();
  // Early stopping keeps the weights of the epoch with the lowest validation loss.
  if (bestWeights) params.forEach((p, i) => p.data.set(bestWeights![i]));
  return {
    steps, epochs: history.length, seconds: (performance.now() - t0) / 1000, history,
    bestEpoch: bestWeights ? bestEpoch : history.length, trainingRows: rows, validationRows: val?.rows ?? 0,
  };
}

/** Mean over held-out rows of the summed given losses, dropout off, no gradients; weighted by batch rows. */
function validationLoss(losses: readonly TrainingPhase['loss'][], x: Float32Array, rows: number, cols: number, batch: number, minRows: number, rng: Rng, epoch: number): number {
  let sum = 0, n = 0;
  forEachBatchNoGrad(x, rows, cols, batch, (t, start) => {
    if (t.rows < minRows && start > 0) return;
    for (const loss of losses) sum += loss(t, { training: false, rng, epoch }).loss.item() * t.rows;
    n += t.rows;
  });
  return sum / n;
}
