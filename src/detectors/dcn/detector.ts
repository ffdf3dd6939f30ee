/**
 * DCN, the Deep Clustering Network (Yang, Fu, Sidiropoulos and Hong, "Towards K-Means-friendly Spaces:
 * Simultaneous Deep Learning and Clustering", ICML 2017), as the DAGMM paper uses it for anomaly detection
 * (Zong et al., ICLR 2018, Section 4.2 and Appendix A): DAGMM's autoencoder regularised by k-means on its
 * codes; score = squared Euclidean distance from a row's code f(x) to the nearest cluster centre, so rows far
 * from every cluster of normal codes rank highest.
 *
 * Training (Yang et al., Section 4): greedy layer-wise pretraining of the autoencoder, then fine-tuning, as PAE
 * (pae.ts); in between, K centres M from k-means on the pretrained codes (k-means++ seeds, Lloyd's iterations;
 * src/gmm/kmeans.ts), with a count per centre = its cluster's size. Each fine-tuning mini-batch then takes
 *   (a) a network step (Adam) on mean over rows of ||x - g(f(x))||^2 + (lambda / 2) ||f(x) - M s(x)||^2,
 *       with s(x) the nearest centre of f(x) and M fixed;
 *   (b) assignments s = nearest centre of every row's code under the updated network;
 *   (c) centre steps: each row in turn adds 1 to its centre's count c_k and moves it by
 *       m_k <- m_k - (1 / c_k) (m_k - f(x)), the paper's adaptive per-centre learning rate; with counts that
 *       start at the k-means cluster sizes, each centre is the running mean of every code ever assigned to it.
 * Step (a) assigns with the current network (the shared training loop does not track row indices, so the
 * paper's stored assignment from the row's previous visit is recomputed; it is the minimiser over s of the same
 * objective). Steps (b) and (c) for a batch run once the network step on it is done, at the next call of the
 * loss or at the end of the epoch. Centres and counts are saved in the model file.
 */
import * as z from '../../zod.js';
import { add, mse, scale } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import { kmeans, nearestCentre } from '../../gmm/kmeans.js';
import { forEachBatchNoGrad } from '../../nn/batches.js';
import { parseNetworkSpec, specInputSize } from '../../nn/spec.js';
import { reconstructionParamsShape, registerReconstructionDetector } from '../ae/detector.js';
import { autoK } from '../dagmm/auto-config.js';
import { PaeDetector, pretrainEpochsShape, type PaeConfig } from '../dagmm-variants/pae.js';
import type { EpochStats, LossOutput, StepContext } from '../deep/detector.js';
import type { MatrixContext } from '../detector.js';
import { parseParams } from '../params.js';
import { DCN_PAPER_RUNS } from './paper-configs.js';

export const DcnParamsSchema = z.strictObject({
  ...reconstructionParamsShape(),
  ...pretrainEpochsShape,
  clusters: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64)))
    .check(z.describe('K, the number of k-means clusters of the codes; default 4 for >= 100,000 training rows, else 2 (DAGMM\'s K rule; the paper\'s K per data set)')),
  lambda: z._default(z.number().check(z.minimum(0)), 1)
    .check(z.describe('weight of the k-means term: loss per row = ||x - g(f(x))||^2 + (lambda / 2) ||f(x) - nearest centre||^2 (Yang et al. 2017); 0: the pretrained autoencoder with k-means on its codes')),
  kmeansIterations: z._default(z.number().check(z.int(), z.minimum(0)), 100)
    .check(z.describe('at most this many Lloyd iterations of the initial k-means on the pretrained codes (it stops earlier when no assignment changes)')),
});
export type DcnParams = z.infer<typeof DcnParamsSchema>;

export interface DcnConfig extends PaeConfig { clusters: number; lambda: number; kmeansIterations: number }

/** The width of the code f(x) (the decoder's input) of a configuration. */
function codeWidth(c: DcnConfig): number { return specInputSize(parseNetworkSpec(c.decoder)); }

/**
 * DCN's loss of a batch: the mean over rows of ||x - xr||^2 + (lambda / 2) ||z - m_s||^2, where s is the nearest
 * of the k centres (row-major [k, code width]) to each code z, taken as constants; also each term and s.
 */
export function dcnLoss(x: Tensor, xr: Tensor, code: Tensor, centres: Float64Array, k: number, lambda: number): { loss: Tensor; reconstruction: Tensor; clustering: Tensor; assignments: Int32Array } {
  const n = code.rows, w = code.cols;
  if (centres.length !== k * w) throw new Error(`DCN loss: ${centres.length} centre values for ${k} centres of width ${w}`);
  const assignments = new Int32Array(n), target = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    const s = nearestCentre(code.data, i, centres, k, w).index;
    assignments[i] = s;
    for (let a = 0; a < w; a++) target[i * w + a] = centres[s * w + a];
  }
  // mse averages over every value; per row we want sums over features (reconstruction) and code values.
  const reconstruction = scale(mse(xr, x), x.cols);
  const clustering = scale(mse(code, new Tensor(target, [n, w])), (lambda / 2) * w);
  return { loss: add(reconstruction, clustering), reconstruction, clustering, assignments };
}

/**
 * DCN's assignment and centre steps for one batch of codes [rows, width]: every row goes to its nearest centre
 * (ties: the first), then each row in order increments its centre's count and moves the centre by
 * 1 / count towards its code. Updates centres and counts in place; returns the assignments.
 */
export function updateCentres(codes: Float32Array, rows: number, width: number, centres: Float64Array, counts: Float64Array, k: number): Int32Array {
  const s = new Int32Array(rows);
  for (let i = 0; i < rows; i++) s[i] = nearestCentre(codes, i, centres, k, width).index;
  for (let i = 0; i < rows; i++) {
    const j = s[i], eta = 1 / ++counts[j];
    for (let a = 0; a < width; a++) centres[j * width + a] += eta * (codes[i * width + a] - centres[j * width + a]);
  }
  return s;
}

/** What the initial k-means did in the last fit (not saved in models). */
export interface KmeansSummary { iterations: number; converged: boolean; inertia: number; sizes: number[] }

interface BestCentres { loss: number; centres: Float64Array; counts: Float64Array }

export class DcnDetector extends PaeDetector<DcnParams, DcnConfig> {
  override readonly name: string = 'dcn';
  override readonly scoreName: string = 'squared distance to the nearest cluster centre';
  private centres: Float64Array | null = null;
  private counts: Float64Array | null = null;
  private km: KmeansSummary | null = null;
  /** The last training batch: its assignment and centre steps wait until the network step on it is done. */
  private pending: { x: Float32Array; rows: number } | null = null;
  /** Centres and counts after the epoch of lowest held-out loss (early stopping keeps that epoch's weights). */
  private best: BestCentres | null = null;

  constructor(params: z.input<typeof DcnParamsSchema> = {}) {
    super({}, parseParams('dcn', DcnParamsSchema, params));
  }

  /** The K cluster centres, row-major [K, code width] (a copy). */
  get clusterCentres(): Float64Array { return this.state().centres.slice(); }
  /** How many codes each centre has averaged (the k-means cluster sizes, plus every assignment since). */
  get clusterCounts(): Float64Array { return this.state().counts.slice(); }
  /** The initial k-means of the last fit (null after loading a model). */
  get kmeansSummary(): KmeansSummary | null { return this.km; }

  private state(): { centres: Float64Array; counts: Float64Array } {
    if (!this.centres || !this.counts) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return { centres: this.centres, counts: this.counts };
  }

  protected override configure(d: number, rows: number): DcnConfig {
    const c = super.configure(d, rows), p = this.params;
    return {
      ...c, clusters: p.clusters ?? autoK(rows), lambda: p.lambda, kmeansIterations: p.kmeansIterations,
      auto: p.clusters === undefined ? [...c.auto, 'clusters'] : c.auto,
    };
  }

  /** The codes f(x) of every row, row-major [rows, code width] (no gradients, dropout off). */
  embed(x: Float32Array, rows: number): Float32Array {
    const w = codeWidth(this.config), enc = this.mlp('encoder'), out = new Float32Array(rows * w);
    forEachBatchNoGrad(x, rows, x.length / rows, 8192, (t, start) => out.set(enc.forward(t).data, start * w));
    return out;
  }

  /** K centres by k-means on the (pretrained) codes; each count starts at its cluster's size. */
  protected override beforeFineTuning(x: Float32Array, rows: number, _cols: number, ctx: MatrixContext): void {
    const c = this.config;
    if (rows < c.clusters) throw new Error(`${this.name}: ${rows} training rows cannot form ${c.clusters} clusters; use fewer clusters`);
    let r;
    try {
      r = kmeans(this.embed(x, rows), rows, codeWidth(c), c.clusters, ctx.rng.fork('kmeans'), { maxIterations: c.kmeansIterations });
    } catch (e) { throw new Error(`${this.name}: ${(e as Error).message}`, { cause: e }); }
    this.centres = r.centres; this.counts = r.sizes.slice();
    this.km = { iterations: r.iterations, converged: r.converged, inertia: r.inertia, sizes: Array.from(r.sizes) };
  }

  protected override train(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number; history: EpochStats[] } {
    this.pending = null; this.best = null;
    const r = super.train(x, rows, cols, ctx);
    this.flushCentreSteps();
    // afterEpoch sets it during super.train (TypeScript cannot see that).
    const best = this.best as BestCentres | null;
    if (best) { this.centres = best.centres; this.counts = best.counts; }
    this.best = null;
    return r;
  }

  /** Steps (b) and (c) for the last training batch, with the network its step left. */
  private flushCentreSteps(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const { centres, counts } = this.state();
    updateCentres(this.embed(p.x, p.rows), p.rows, codeWidth(this.config), centres, counts, this.config.clusters);
  }

  protected override loss(batch: Tensor, ctx: StepContext): LossOutput {
    this.flushCentreSteps();
    const c = this.config, { centres } = this.state();
    const code = this.mlp('encoder').forward(batch, { training: ctx.training });
    const xr = this.mlp('decoder').forward(code, { training: ctx.training });
    const r = dcnLoss(batch, xr, code, centres, c.clusters, c.lambda);
    if (ctx.training) this.pending = { x: batch.data.slice(), rows: batch.rows };
    return { loss: r.loss, terms: { reconstruction: r.reconstruction, clustering: r.clustering } };
  }

  protected override afterEpoch(stats: EpochStats): void {
    this.flushCentreSteps();
    if (stats.validationLoss !== undefined && stats.validationLoss < (this.best?.loss ?? Infinity)) {
      const { centres, counts } = this.state();
      this.best = { loss: stats.validationLoss, centres: centres.slice(), counts: counts.slice() };
    }
  }

  protected override scoreBatch(batch: Tensor, out: Float64Array): void {
    const { centres } = this.state(), code = this.mlp('encoder').forward(batch), w = code.cols, k = this.config.clusters;
    for (let i = 0; i < batch.rows; i++) out[i] = nearestCentre(code.data, i, centres, k, w).sqDist;
  }

  protected override exportState(): Record<string, unknown> {
    const { centres, counts } = this.state();
    return { centres: Array.from(centres), counts: Array.from(counts) };
  }

  protected override importState(state: Record<string, unknown>, config: DcnConfig): void {
    const what = `${this.name} model`, k = config.clusters, w = codeWidth(config);
    const read = (key: string, n: number, min: number): Float64Array => {
      const v = state[key];
      if (!Array.isArray(v)) throw new Error(`${what}: state.${key} is missing or not an array`);
      if (v.length !== n) throw new Error(`${what}: state.${key} has ${v.length} values; ${k} clusters${key === 'centres' ? ` of code width ${w}` : ''} need ${n}`);
      v.forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || x < min) throw new Error(`${what}: state.${key}[${i}] = ${String(x)} is not a finite number${min > -Infinity ? ` >= ${min}` : ''}`);
      });
      return Float64Array.from(v as number[]);
    };
    if (!(Number.isInteger(k) && k >= 1)) throw new Error(`${what}: config.resolved.clusters must be a positive integer, got ${String(k)}`);
    this.centres = read('centres', k * w, -Infinity);
    this.counts = read('counts', k, 0);
    this.km = null; this.pending = null; this.best = null;
  }
}

registerReconstructionDetector({
  name: 'dcn',
  summary: 'Deep Clustering Network, the DAGMM paper\'s DCN baseline: a layer-wise pretrained autoencoder fine-tuned on reconstruction plus a k-means term on its codes (k-means++ start, per-batch nearest-centre assignments, centre steps of 1/count); score = squared distance from a row\'s code to the nearest centre',
  paper: 'Yang et al., ICML 2017; Zong et al., ICLR 2018 (Section 4.2, Appendix A)',
  paramsSchema: DcnParamsSchema,
  paperConfigs: DCN_PAPER_RUNS,
  create: (p) => new DcnDetector(p),
});
