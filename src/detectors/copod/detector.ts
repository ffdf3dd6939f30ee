/**
 * COPOD: Li, Zhao, Botta, Ionescu & Hu, "COPOD: Copula-Based Outlier Detection", ICDM 2020. The empirical copula
 * of the training rows gives per-feature left and right tail probabilities (the same empirical CDFs as ECOD,
 * see ../ecod/ecdf.ts); u = -log(tail probability).
 *
 * The score is PyOD 3.6.5's COPOD: sum over features of max(u_skew, (u_left + u_right) / 2), u_skew the right tail
 * for positive skewness, the left for negative, both added for zero. The paper's Algorithm 1 takes instead the
 * largest of the three sums over features (left, right, skewness-corrected): that is ECOD's `combine: 'paper'`,
 * which ECOD's paper (the extended version of this one) kept. Parameter-free; the model holds the training values
 * sorted per feature. No random choice.
 */
import * as z from '../../zod.js';
import { CommonParamsSchema, parseParams } from '../params.js';
import { registerDetector } from '../register.js';
import { EcdfTailDetector } from '../ecod/detector.js';

export const CopodParamsSchema = z.strictObject({ ...CommonParamsSchema.shape });
export type CopodParams = z.infer<typeof CopodParamsSchema>;

export class CopodDetector extends EcdfTailDetector<CopodParams> {
  readonly name = 'copod';
  readonly scoreName = 'sum of -log empirical copula tail probabilities';
  protected readonly combination = 'copod' as const;

  constructor(params: z.input<typeof CopodParamsSchema> = {}) {
    super(parseParams('copod', CopodParamsSchema, params));
  }
}

registerDetector({
  name: 'copod',
  summary: 'Copula-based outlier detection: per-feature empirical tail probabilities; score = sum of max(skewness-chosen tail, mean of both tails) in -log',
  paper: 'Li et al., ICDM 2020',
  paramsSchema: CopodParamsSchema,
  quickParams: {},
  seedFree: 'empirical CDFs make no random choice',
  untrainedControl: null,
  paperConfigs: {},
  create: (p) => new CopodDetector(p),
});
