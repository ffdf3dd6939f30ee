/**
 * ICL, internal contrastive learning (Shenkar and Wolf, "Anomaly Detection for Tabular Data with Internal
 * Contrastive Learning", ICLR 2022). Each row x of d features is cut into its m = d - k + 1 windows of k
 * consecutive features a_j = x[j..j+k-1] (no wraparound) and their complements b_j (the other d - k features).
 * A network G maps windows and a network F complements into one embedding space; for each row, the loss
 * matches each complement with its own window against the row's other windows (InfoNCE):
 *   L(x) = mean over j of -log( exp(<F(b_j), G(a_j)> / tau) / sum_l exp(<F(b_j), G(a_l)> / tau) ),
 * with the embeddings normalised as the authors' code does: first each embedding coordinate over the row's m
 * windows, then each embedding to unit length. Training minimises the mean of L over the batch; the anomaly
 * score of a row is L(x): in normal rows a part of the row tells which complement it belongs to, in
 * anomalous rows less so.
 *
 * Settings from the authors' code (the supplementary material of their OpenReview submission, as copied into
 * other repositories; read, not copied): k = 2 for d <= 40, 10 for d <= 160, d - 150 above (so at most 151
 * windows); u = 200; F = FC(d-k,u,tanh)-FC(u,2u,lrelu)-FC(2u,u,lrelu) and G =
 * FC(k,u/4,lrelu)-FC(u/4,u/2,lrelu)-FC(u/2,u,lrelu), leaky ReLU slope 0.2; tau 0.01; Adam, learning rate 1e-3; up
 * to 2,000 epochs, stopping once the epoch's mean loss is below 0.001 (d <= 40) or 0.01 (stopLoss); an ensemble of
 * floor(100 / (ln n + d)) + 1 models (n training rows), each on its own random permutation of the features
 * (none when there is one model), scores averaged (the authors sum them: the same ranking). Every window
 * serves as a negative (the authors sample at most 1,000; the rule above never gives more than 151 windows).
 *
 * An extreme value in one feature sends every embedding it enters one way, so the c windows whose complements
 * hold it cannot be told apart: the row's loss approaches (c log c) / m. That is far above a trained model's
 * normal rows (near 0 once the loss floor is reached), not necessarily above a barely trained model's.
 *
 * Where this differs: no batch norm (the authors normalise F's and G's hidden layers over the window axis),
 * every model trains in one loop on the same batches and training stops when every model's epoch loss is
 * below stopLoss (the authors train the models one after another, each stopping on its own), and
 * initialisation as torch's nn.Linear. The authors' batch size was not found; 64 is DeepOD's ICL default.
 * Epochs by default: at most 2,000 and at most ~20,000 optimiser steps (the loss floor usually ends training
 * earlier).
 */
import * as z from '../../zod.js';
import { add, groupedDots, logSumExp, mean, mul, reshape, scale, sub, sum, unitNormalize } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import { denseChain } from '../ae/network.js';
import { DeepDetector, deepTrainingShape, UNTRAINED_CONTROL, type DeepTrainingConfig, type EpochStats, type LossOutput, type StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { ICL_PAPER_RUNS } from './paper-configs.js';

const positiveInt = (min: number) => z.number().check(z.int(), z.minimum(min));

export const IclParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  kernelSize: z.optional(positiveInt(1)).check(z.describe('k, the width of the windows of consecutive features; default 2 for d <= 40, 10 for d <= 160, d - 150 above (the authors\' rule)')),
  hidden: z._default(positiveInt(4).check(z.maximum(4096)), 200).check(z.describe('u, the embedding width (F\'s widths u, 2u, u; G\'s u/4, u/2, u); the authors\' 200')),
  permutations: z.optional(positiveInt(1).check(z.maximum(64)))
    .check(z.describe('models in the ensemble, each on its own random permutation of the features; default floor(100 / (ln n + d)) + 1 for n training rows (the authors\' rule)')),
  temperature: z._default(z.number().check(z.gt(0), z.refine(Number.isFinite, 'must be finite')), 0.01).check(z.describe('tau of the contrastive loss (the authors\' 0.01)')),
  stopLoss: z.optional(z.number().check(z.minimum(0), z.refine(Number.isFinite, 'must be finite')))
    .check(z.describe('stop once every model\'s mean epoch loss is below this; default 0.001 for d <= 40, else 0.01 (the authors\'); 0: never')),
  ...deepTrainingShape({ learningRate: 1e-3, epochs: 'training epochs at most; default 2,000 (the authors\'), fewer when that would exceed ~20,000 optimiser steps (at least 1)', batchSize: 'mini-batch rows, each giving m windows; default 64 (at most the training rows)' }),
});
export type IclParams = z.infer<typeof IclParamsSchema>;

export interface IclConfig extends DeepTrainingConfig {
  inputs: number; kernelSize: number; windows: number; hidden: number; permutations: number; context: string; window: string;
  temperature: number; stopLoss: number; auto: string[];
}

/** The authors' window width for d features. */
export function iclKernelSize(d: number): number {
  return d <= 40 ? 2 : d <= 160 ? 10 : d - 150;
}

/**
 * The columns of each window and its complement for a feature order `order` (order[q] = the column at
 * position q): window j is positions j..j+k-1; row-major [m, k] and [m, d - k].
 */
export function windowColumns(order: ArrayLike<number>, k: number): { window: Int32Array; context: Int32Array; windows: number } {
  const d = order.length, m = d - k + 1;
  if (!(k >= 1 && m >= 2)) throw new Error(`ICL: windows of ${k} of ${d} features leave fewer than 2 windows`);
  const window = new Int32Array(m * k), context = new Int32Array(m * (d - k));
  for (let j = 0; j < m; j++) {
    for (let q = 0; q < k; q++) window[j * k + q] = order[j + q];
    let c = 0;
    for (let q = 0; q < d; q++) if (q < j || q >= j + k) context[j * (d - k) + c++] = order[q];
  }
  return { window, context, windows: m };
}

/** Rows x [n, d] gathered into [n*m, w]: row i*m + j holds the columns cols[j*w..(j+1)*w) of row i. */
function gatherWindows(x: Float32Array, n: number, d: number, cols: Int32Array, m: number): Tensor {
  const w = cols.length / m, out = new Float32Array(n * m * w);
  for (let i = 0; i < n; i++) for (let t = 0; t < m * w; t++) out[i * m * w + t] = x[i * d + cols[t]];
  return new Tensor(out, [n * m, w]);
}

/** Embeddings [n*m, u] normalised as the authors': each coordinate over a row's m windows, then each row. */
function iclNormalise(e: Tensor, n: number): Tensor {
  const m = e.rows / n, u = e.cols;
  return unitNormalize(reshape(unitNormalize(reshape(e, [n, m, u]), 1, 1e-12), [n * m, u]), 1, 1e-12);
}

/**
 * ICL's loss per row [n] from the complements' embeddings F(b) and the windows' G(a) ([n*m, u] each, row
 * i*m + j): normalised as above, then the mean over j of logsumexp_l(S_jl) - S_jj with S = <F(b_j), G(a_l)> / tau.
 */
export function iclRowLosses(contextEmb: Tensor, windowEmb: Tensor, n: number, temperature: number): Tensor {
  if (contextEmb.rows !== windowEmb.rows || contextEmb.rows % n !== 0) throw new Error(`ICL loss: embeddings [${contextEmb.shape.join(', ')}] and [${windowEmb.shape.join(', ')}] are not ${n} rows of the same windows`);
  const m = contextEmb.rows / n;
  const s = scale(groupedDots(iclNormalise(contextEmb, n), iclNormalise(windowEmb, n), n), 1 / temperature);
  const eye = new Float32Array(m * m);
  for (let j = 0; j < m; j++) eye[j * m + j] = 1;
  const own = sum(mul(reshape(s, [n, m, m]), new Tensor(eye, [m, m])), 2);
  return mean(sub(reshape(logSumExp(s), [n, m]), own), 1);
}

export class IclDetector extends DeepDetector<IclParams, IclConfig> {
  readonly name = 'icl';
  readonly scoreName = 'internal contrastive loss of the row\'s windows';
  protected override readonly init = 'torch-default' as const;
  private orders: Int32Array[] | null = null;
  private cols: { window: Int32Array; context: Int32Array }[] = [];

  constructor(params: z.input<typeof IclParamsSchema> = {}) {
    super(parseParams('icl', IclParamsSchema, params));
  }

  /** The feature order of each model (a copy). */
  get featureOrders(): Int32Array[] { return this.state().map((o) => o.slice()); }

  private state(): Int32Array[] {
    if (!this.orders) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return this.orders;
  }

  protected configure(d: number, rows: number): IclConfig {
    const p = this.params, auto: string[] = [];
    const k = p.kernelSize ?? iclKernelSize(d);
    if (p.kernelSize === undefined) auto.push('kernelSize');
    if (d < 3) throw new Error(`${this.name}: needs at least 3 features (a window, its complement and another window), got ${d}`);
    if (k > d - 1) throw new Error(`${this.name}: kernelSize ${k} leaves fewer than 2 windows of ${d} features (at most ${d - 1})`);
    const u = p.hidden;
    const permutations = p.permutations ?? Math.floor(100 / (Math.log(rows) + d)) + 1;
    if (p.permutations === undefined) auto.push('permutations');
    const stopLoss = p.stopLoss ?? (d <= 40 ? 0.001 : 0.01);
    if (p.stopLoss === undefined) auto.push('stopLoss');
    const batchSize = p.batchSize ?? Math.min(64, rows);
    if (p.batchSize === undefined) auto.push('batchSize');
    const epochs = p.epochs ?? Math.max(1, Math.min(2000, Math.floor(20000 / Math.ceil(rows / batchSize))));
    if (p.epochs === undefined) auto.push('epochs');
    return {
      inputs: d, kernelSize: k, windows: d - k + 1, hidden: u, permutations,
      context: `FC(${d - k},${u},tanh)-${denseChain([u, 2 * u, u], 'leaky_relu(0.2)', 'leaky_relu(0.2)')}`,
      window: denseChain([k, Math.floor(u / 4), Math.floor(u / 2), u], 'leaky_relu(0.2)', 'leaky_relu(0.2)'),
      temperature: p.temperature, stopLoss, epochs, batchSize, learningRate: p.learningRate, auto,
    };
  }

  protected override inputWidth(c: IclConfig): number {
    if (!(Number.isInteger(c.inputs) && c.inputs >= 3)) throw new Error(`config.resolved.inputs must be an integer of at least 3, got ${String(c.inputs)}`);
    return c.inputs;
  }

  protected networks(c: IclConfig): Record<string, string> {
    if (!(Number.isInteger(c.permutations) && c.permutations >= 1 && c.permutations <= 64)) throw new Error(`config.resolved.permutations must be an integer in [1, 64], got ${String(c.permutations)}`);
    const nets: Record<string, string> = {};
    for (let q = 1; q <= c.permutations; q++) { nets[`context${q}`] = c.context; nets[`window${q}`] = c.window; }
    return nets;
  }

  private setOrders(orders: Int32Array[], k: number): void {
    this.orders = orders;
    this.cols = orders.map((o) => windowColumns(o, k));
  }

  /** Per-row loss [n] of model q (1-based) on rows x [n, d]. */
  modelRowLosses(x: Tensor, q: number): Tensor {
    const c = this.config, m = c.windows, n = x.rows, cols = this.cols[q - 1];
    if (!cols) throw new Error(`${this.name}: no model ${q} (the ensemble has ${c.permutations})`);
    const ctxEmb = this.mlp(`context${q}`).forward(gatherWindows(x.data, n, x.cols, cols.context, m));
    const winEmb = this.mlp(`window${q}`).forward(gatherWindows(x.data, n, x.cols, cols.window, m));
    return iclRowLosses(ctxEmb, winEmb, n, c.temperature);
  }

  protected loss(batch: Tensor, _ctx: StepContext): LossOutput {
    const terms: Record<string, Tensor> = {};
    let total: Tensor | null = null;
    for (let q = 1; q <= this.config.permutations; q++) {
      const l = mean(this.modelRowLosses(batch, q));
      terms[`model${q}`] = l;
      total = total ? add(total, l) : l;
    }
    return { loss: scale(total!, 1 / this.config.permutations), terms };
  }

  /** The authors' stopping rule: every model's mean epoch loss below stopLoss. */
  protected override stopAfter(s: EpochStats): boolean {
    const c = this.config;
    if (!(c.stopLoss > 0)) return false;
    for (let q = 1; q <= c.permutations; q++) if (!(s.terms[`model${q}`] < c.stopLoss)) return false;
    return true;
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    const c = this.config, rng = ctx.rng.fork('permutations');
    const identity = Int32Array.from({ length: cols }, (_, i) => i);
    this.setOrders(Array.from({ length: c.permutations }, () => (c.permutations > 1 ? rng.permutation(cols) : identity)), c.kernelSize);
    return super.train(x, rows, cols, ctx);
  }

  protected scoreBatch(batch: Tensor, out: Float64Array): void {
    const c = this.config, d = batch.cols, step = Math.max(1, Math.floor(16384 / c.windows));
    for (let s = 0; s < batch.rows; s += step) {
      const n = Math.min(step, batch.rows - s), x = new Tensor(batch.data.subarray(s * d, (s + n) * d), [n, d]);
      const acc = new Float64Array(n);
      for (let q = 1; q <= c.permutations; q++) {
        const l = this.modelRowLosses(x, q).data;
        for (let i = 0; i < n; i++) acc[i] += l[i];
      }
      for (let i = 0; i < n; i++) out[s + i] = acc[i] / c.permutations;
    }
  }

  protected override exportState(): Record<string, unknown> {
    return { featureOrders: this.state().map((o) => Array.from(o)) };
  }

  protected override importState(state: Record<string, unknown>, config: IclConfig): void {
    const what = `${this.name} model`, v = state.featureOrders, d = config.inputs;
    if (!Array.isArray(v)) throw new Error(`${what}: state.featureOrders is missing or not an array`);
    if (v.length !== config.permutations) throw new Error(`${what}: state.featureOrders has ${v.length} orders; the ensemble has ${config.permutations} models`);
    const orders = v.map((o, q) => {
      if (!Array.isArray(o) || o.length !== d) throw new Error(`${what}: state.featureOrders[${q}] is not an order of ${d} features`);
      const seen = new Set<number>();
      for (const j of o) {
        if (!(Number.isInteger(j) && (j as number) >= 0 && (j as number) < d) || seen.has(j as number)) throw new Error(`${what}: state.featureOrders[${q}] is not a permutation of 0..${d - 1}`);
        seen.add(j as number);
      }
      return Int32Array.from(o as number[]);
    });
    this.setOrders(orders, config.kernelSize);
  }
}

registerDetector({
  name: 'icl',
  summary: 'ICL: two networks embed each window of k consecutive features and its complement; trained so that every complement picks out its own window among the row\'s windows (InfoNCE); score = that loss of the row',
  paper: 'Shenkar and Wolf, ICLR 2022',
  paramsSchema: IclParamsSchema,
  // Enough training that normal rows score well below the rows with one extreme value (see the doc comment).
  quickParams: { epochs: 25, hidden: 16, permutations: 2, batchSize: 32, learningRate: 3e-3 },
  untrainedControl: UNTRAINED_CONTROL,
  paperConfigs: ICL_PAPER_RUNS,
  create: (p) => new IclDetector(p),
});
