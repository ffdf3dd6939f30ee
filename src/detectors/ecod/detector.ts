/**
 * ECOD: Li, Zhao, Hu, Botta, Ionescu & Chen, "ECOD: Unsupervised Outlier Detection Using Empirical Cumulative
 * Distribution Functions", IEEE TKDE 2022. Outliers sit in the tails: each feature's empirical CDF gives a
 * left and a right tail probability, u = -log(tail probability), and the row's score adds them over the
 * features, taking per feature the tail the feature's skewness points to where that is larger.
 *
 * Default `combine: 'pyod'` is PyOD 3.6.5's ECOD: sum over features of max(u_left, u_right, u_skew) (u_skew the
 * right tail for positive skewness, the left for negative, both added for zero). `combine: 'paper'` is the
 * paper's Algorithm 1: max(O_left, O_right, O_auto) of the three sums over features (O_auto: left tail where
 * skewness < 0, right otherwise). The ECDFs are those of the training rows plus the scored row (see ecdf.ts);
 * PyOD's decision_function appends the whole scored batch instead, so its scores depend on the batch; it gives
 * ours for a batch of one row, except that our skewness is the training rows' alone. Parameter-free; the
 * model holds the training values sorted per feature (4 x rows x features bytes). No random choice.
 */
import * as z from '../../zod.js';
import type { DetectorModel } from '../detector.js';
import { Detector, type CommonParams } from '../detector.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { checkSortedColumns, columnSkewness, ecdfScores, fitEcdf, type EcdfModel, type TailCombination } from './ecdf.js';

/** What ECOD and COPOD share: the sorted training columns and their scoring; subclasses pick the tail combination. */
export abstract class EcdfTailDetector<P extends CommonParams> extends Detector<P> {
  private model: EcdfModel | null = null;
  protected abstract readonly combination: TailCombination;

  /** Sorted training columns and skewness per feature. */
  get ecdf(): EcdfModel | null { return this.model; }

  resolvedConfig(): Record<string, unknown> {
    return this.model ? { combination: this.combination, rows: this.model.rows, skewness: Array.from(this.model.skewness) } : {};
  }

  protected fitMatrix(x: Float32Array, rows: number, cols: number): { steps: number } {
    this.model = fitEcdf(x, rows, cols);
    return { steps: 0 };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.model) throw new Error(`${this.name}: the detector is not fitted`);
    return ecdfScores(this.model, this.combination, x, rows, cols);
  }

  protected exportModel(): DetectorModel {
    const m = this.model!;
    return { config: this.resolvedConfig(), state: {}, tensors: [{ name: 'sorted', shape: [m.cols, m.rows], data: m.sorted }] };
  }

  protected importModel(model: DetectorModel, features: number): void {
    const what = `${this.name} model`;
    const t = model.tensors.find((x) => x.name === 'sorted');
    if (!t || model.tensors.length !== 1) throw new Error(`${what}: expected exactly one tensor, "sorted"`);
    if (t.shape.length !== 2 || t.shape[0] !== features || !(t.shape[1] >= 1)) throw new Error(`${what}: tensor "sorted" has shape [${t.shape.join(', ')}], expected [${features}, training rows]`);
    const rows = t.shape[1];
    checkSortedColumns(t.data, rows, features, what);
    this.model = { rows, cols: features, sorted: t.data, skewness: columnSkewness(t.data, rows, features) };
  }
}

export const EcodParamsSchema = z.strictObject({
  ...CommonParamsSchema.shape,
  combine: z._default(z.enum(['pyod', 'paper']), 'pyod')
    .check(z.describe('pyod = sum over features of max(left, right, skewness-chosen tail) (PyOD\'s ECOD); paper = max of the three sums over features (the ECOD paper\'s Algorithm 1)')),
});
export type EcodParams = z.infer<typeof EcodParamsSchema>;

export class EcodDetector extends EcdfTailDetector<EcodParams> {
  readonly name = 'ecod';
  readonly scoreName = 'sum of -log empirical tail probabilities';
  protected readonly combination: TailCombination;

  constructor(params: z.input<typeof EcodParamsSchema> = {}) {
    super(parseParams('ecod', EcodParamsSchema, params));
    this.combination = this.params.combine === 'pyod' ? 'ecod' : 'paper';
  }
}

registerDetector({
  name: 'ecod',
  summary: 'Empirical-CDF outlier detection: per-feature tail probabilities from the training values; score = sum of -log tail probability, skewness-aware',
  paper: 'Li et al., IEEE TKDE 2022',
  paramsSchema: EcodParamsSchema,
  quickParams: {},
  seedFree: 'empirical CDFs make no random choice',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new EcodDetector(p),
});
