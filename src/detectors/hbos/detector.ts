/**
 * Histogram-based outlier score: Goldstein & Dengel, "Histogram-based Outlier Score (HBOS): A fast Unsupervised
 * Anomaly Detection Algorithm", KI-2012 poster and demo track. Features are treated as independent: one
 * histogram per feature, score = sum_f log2(1 / (density_f(x_f) + alpha)) (higher = rarer values).
 *
 * Conventions are PyOD 3.6.5's HBOS with static bins: nBins 10 equal-width bins over the training range
 * (numpy.histogram(density=True), a constant feature gets the range value +- 0.5), alpha 0.1 added to every
 * density, and for values outside the training range PyOD's tol rule: within tol x the outer bin's width they
 * score as that bin, farther out as the least dense bin. One deviation: a value exactly on an inner bin edge is
 * scored with the bin numpy.histogram counted it in (edges[k] <= x < edges[k+1]); PyOD looks it up with
 * np.digitize(right=True), i.e. in the bin below, which on discrete columns (whose values often sit on edges)
 * scores common values by the neighbouring, often empty, bin. And the library's clamp rule: a value at
 * +-SCALED_VALUE_LIMIT (a million training ranges away) beyond the training range scores +Infinity, which the
 * detector contract saturates, instead of the least dense bin's bounded score.
 * The fit makes no random choice.
 */
import * as z from '../../zod.js';
import { SCALED_VALUE_LIMIT } from '../../data/preprocess.js';
import type { DetectorModel } from '../detector.js';
import { Detector } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';

export const HbosParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  nBins: z._default(z.number().check(z.int(), z.minimum(2)), 10)
    .check(z.describe('equal-width bins per feature over its training range (PyOD\'s n_bins)')),
  alpha: z._default(z.number().check(z.gt(0), z.lt(1)), 0.1)
    .check(z.describe('added to every bin density before the log, in (0, 1): bounds the score of empty bins (PyOD\'s alpha)')),
  tol: z._default(z.number().check(z.gt(0), z.lt(1)), 0.5)
    .check(z.describe('values outside the training range by at most tol x the outer bin\'s width score as that bin, farther ones as the least dense bin, in (0, 1) (PyOD\'s tol)')),
});
export type HbosParams = z.infer<typeof HbosParamsSchema>;

/** What the model file holds: each feature's training range and bin counts. */
export interface HbosModel {
  bins: number;
  rows: number;
  /** Training minimum and maximum per feature (float32 values of the rows, so exact). */
  lo: Float32Array;
  hi: Float32Array;
  /** features x bins. */
  counts: Float32Array;
}

/** Bin edges and per-bin scores derived from a model: what scoring reads. */
export interface HbosTables {
  bins: number;
  /** features x (bins + 1), as numpy.histogram: edges[k] = k (hi - lo) / bins + lo, the last = hi. */
  edges: Float64Array;
  /** features x bins: -log2(density + alpha). */
  score: Float64Array;
  /** Per feature: the least dense bin's score (values far outside the range). */
  far: Float64Array;
  tol: number;
}

function featureEdges(lo: number, hi: number, bins: number, out: Float64Array, off: number): void {
  let a = lo, b = hi;
  if (a === b) { a -= 0.5; b += 0.5; }
  const step = (b - a) / bins;
  for (let k = 0; k < bins; k++) out[off + k] = k * step + a;
  out[off + bins] = b;
}

/** The bin holding x, edges[k] <= x < edges[k+1] (the last bin closed), for x within [edges[0], edges[bins]]. */
function binOf(edges: Float64Array, off: number, bins: number, x: number): number {
  const e0 = edges[off];
  let k = Math.floor(((x - e0) / (edges[off + bins] - e0)) * bins);
  if (!(k >= 0)) k = 0; else if (k > bins - 1) k = bins - 1;
  while (k > 0 && x < edges[off + k]) k--;
  while (k < bins - 1 && x >= edges[off + k + 1]) k++;
  return k;
}

/** Training ranges and bin counts of row-major float32 rows. */
export function fitHistograms(x: Float32Array, rows: number, cols: number, bins: number): HbosModel {
  const lo = new Float32Array(cols).fill(Infinity), hi = new Float32Array(cols).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) {
      const v = x[r * cols + f];
      if (v < lo[f]) lo[f] = v;
      if (v > hi[f]) hi[f] = v;
    }
  }
  const edges = new Float64Array(cols * (bins + 1)), counts = new Float32Array(cols * bins);
  for (let f = 0; f < cols; f++) featureEdges(lo[f], hi[f], bins, edges, f * (bins + 1));
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) counts[f * bins + binOf(edges, f * (bins + 1), bins, x[r * cols + f])]++;
  }
  return { bins, rows, lo, hi, counts };
}

export function hbosTables(m: HbosModel, alpha: number, tol: number): HbosTables {
  const { bins } = m, cols = m.lo.length;
  const edges = new Float64Array(cols * (bins + 1)), score = new Float64Array(cols * bins), far = new Float64Array(cols);
  for (let f = 0; f < cols; f++) {
    const e = f * (bins + 1);
    featureEdges(m.lo[f], m.hi[f], bins, edges, e);
    let worst = -Infinity;
    for (let k = 0; k < bins; k++) {
      // numpy's density: count / width / total, in that order.
      const density = m.counts[f * bins + k] / (edges[e + k + 1] - edges[e + k]) / m.rows;
      const s = -Math.log2(density + alpha);
      score[f * bins + k] = s;
      if (s > worst) worst = s;
    }
    far[f] = worst;
  }
  return { bins, edges, score, far, tol };
}

/** Sum over features of the bin scores of each row (see the module comment for values outside the range). */
export function hbosScores(t: HbosTables, x: Float32Array, rows: number, cols: number): Float64Array {
  const { bins, edges, score, far, tol } = t, out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let f = 0; f < cols; f++) {
      const v = x[r * cols + f], e = f * (bins + 1), first = edges[e], last = edges[e + bins];
      if (v < first) {
        if (first - v <= (edges[e + 1] - first) * tol) s += score[f * bins];
        else s += Math.abs(v) >= SCALED_VALUE_LIMIT ? Infinity : far[f];
      } else if (v > last) {
        if (v - last <= (last - edges[e + bins - 1]) * tol) s += score[f * bins + bins - 1];
        else s += Math.abs(v) >= SCALED_VALUE_LIMIT ? Infinity : far[f];
      } else {
        s += score[f * bins + binOf(edges, e, bins, v)];
      }
    }
    out[r] = s;
  }
  return out;
}

export class HbosDetector extends Detector<HbosParams> {
  readonly name = 'hbos';
  readonly scoreName = 'sum over features of log2(1 / (histogram density + alpha))';
  private model: HbosModel | null = null;
  private tables: HbosTables | null = null;

  constructor(params: z.input<typeof HbosParamsSchema> = {}) {
    super(parseParams('hbos', HbosParamsSchema, params));
  }

  /** Training ranges and bin counts. */
  get histograms(): HbosModel | null { return this.model; }

  resolvedConfig(): Record<string, unknown> {
    return this.model ? { nBins: this.model.bins, alpha: this.params.alpha, tol: this.params.tol, rows: this.model.rows } : {};
  }

  private setModel(m: HbosModel): void {
    this.model = m;
    this.tables = hbosTables(m, this.params.alpha, this.params.tol);
  }

  protected fitMatrix(x: Float32Array, rows: number, cols: number): { steps: number } {
    this.setModel(fitHistograms(x, rows, cols, this.params.nBins));
    return { steps: 0 };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.tables) throw new Error('hbos: the detector is not fitted');
    return hbosScores(this.tables, x, rows, cols);
  }

  protected exportModel(): DetectorModel {
    const m = this.model!, d = m.lo.length, range = new Float32Array(2 * d);
    for (let f = 0; f < d; f++) { range[2 * f] = m.lo[f]; range[2 * f + 1] = m.hi[f]; }
    return {
      config: this.resolvedConfig(),
      state: { rows: m.rows },
      tensors: [{ name: 'range', shape: [d, 2], data: range }, { name: 'counts', shape: [d, m.bins], data: m.counts }],
    };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = 'hbos model', bins = this.params.nBins;
    const rows = (model.state as { rows?: unknown }).rows;
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new Error(`${what}: state.rows must be a positive integer`);
    const range = model.tensors.find((t) => t.name === 'range'), counts = model.tensors.find((t) => t.name === 'counts');
    if (!range || !counts || model.tensors.length !== 2) throw new Error(`${what}: expected exactly the tensors range and counts`);
    if (range.shape.length !== 2 || range.shape[0] !== features || range.shape[1] !== 2) throw new Error(`${what}: tensor "range" has shape [${range.shape.join(', ')}], expected [${features}, 2]`);
    if (counts.shape.length !== 2 || counts.shape[0] !== features || counts.shape[1] !== bins) throw new Error(`${what}: tensor "counts" has shape [${counts.shape.join(', ')}], expected [${features}, ${bins}] (nBins ${bins})`);
    const lo = new Float32Array(features), hi = new Float32Array(features);
    for (let f = 0; f < features; f++) {
      lo[f] = range.data[2 * f]; hi[f] = range.data[2 * f + 1];
      if (!(Number.isFinite(lo[f]) && Number.isFinite(hi[f]) && lo[f] <= hi[f])) throw new Error(`${what}: feature ${f} has range [${lo[f]}, ${hi[f]}]`);
    }
    const bad = counts.data.findIndex((c) => !(Number.isInteger(c) && c >= 0));
    if (bad >= 0) throw new Error(`${what}: counts must be non-negative integers (entry ${bad} is ${counts.data[bad]})`);
    this.setModel({ bins, rows, lo, hi, counts: counts.data });
  }
}

registerDetector({
  name: 'hbos',
  summary: 'Histogram-based outlier score: one equal-width histogram per feature; score = sum of log2(1 / (density + alpha))',
  paper: 'Goldstein & Dengel, KI 2012',
  paramsSchema: HbosParamsSchema,
  quickParams: {},
  seedFree: 'histograms make no random choice',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new HbosDetector(p),
});
