/**
 * Turning scores into labels, for every detector (PyOD's rule: decided once, at fit time, from scores the
 * detector computed itself; higher score = more anomalous; a row is flagged when its score is > threshold).
 *
 * - contamination c: threshold = the (1 - c) quantile of the training scores, so a fraction c of the
 *   training rows is flagged (ties at the cut are all flagged or all not, so the fraction can differ slightly).
 * - quantile q: threshold = the q quantile of the training scores ("the 99th percentile of the training
 *   reconstruction errors"). The same rule as contamination 1 - q, said the other way round; both go through
 *   trainingQuantile, so {quantile: 0.99} and {contamination: 0.01} give the same threshold.
 * - value t: the threshold is t, as given.
 * - holdout f, quantile q: a fraction f of the training rows is held out of fitting, scored afterwards, and the
 *   threshold is their q quantile. Unlike training scores, held-out scores are not optimistically low.
 */
import * as z from '../zod.js';

export const ThresholdSpecSchema = z.union([
  z.strictObject({ contamination: z.number().check(z.gt(0), z.lt(0.5)) }),
  // Strict objects keep {quantile} and {holdout, quantile} apart: each rejects the other's keys.
  z.strictObject({ quantile: z.number().check(z.gt(0.5), z.lt(1)) }),
  z.strictObject({ value: z.number().check(z.refine(Number.isFinite, 'must be finite')) }),
  z.strictObject({ holdout: z.number().check(z.gt(0), z.lt(0.9)), quantile: z.number().check(z.gt(0), z.lt(1)) }),
]);
export type ThresholdSpec = z.infer<typeof ThresholdSpecSchema>;

export const DEFAULT_THRESHOLD: ThresholdSpec = { contamination: 0.1 };

export function describeThreshold(t: ThresholdSpec): string {
  if ('contamination' in t) return `contamination ${t.contamination}: the ${1 - t.contamination} quantile of training scores`;
  if ('value' in t) return `explicit value ${t.value}`;
  if (!('holdout' in t)) return `quantile ${t.quantile}: the ${t.quantile} quantile of training scores (the same as contamination ${Number((1 - t.quantile).toPrecision(12))})`;
  return `the ${t.quantile} quantile of scores on ${t.holdout * 100}% of training rows held out of fitting`;
}

/** Linear-interpolated quantile (numpy's default) of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty set');
  const pos = q * (n - 1), lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function sortedCopy(scores: ArrayLike<number>): Float64Array {
  return Float64Array.from(scores).sort();
}

/**
 * The calibration kept with a fitted detector: the threshold and 101 quantiles (0%, 1%, ..., 100%) of the
 * reference scores (held-out scores when there are any, else training scores) for predictProba.
 */
export const ScoreCalibrationSchema = z.strictObject({
  threshold: z.number(),
  spec: ThresholdSpecSchema,
  referenceQuantiles: z.array(z.number()).check(z.length(101)),
  reference: z.enum(['training', 'holdout']),
  referenceRows: z.number().check(z.int(), z.minimum(1)),
});
export type ScoreCalibration = z.infer<typeof ScoreCalibrationSchema>;

export function calibrate(spec: ThresholdSpec, trainScores: ArrayLike<number>, holdoutScores: ArrayLike<number> | null): ScoreCalibration {
  const ref = holdoutScores && holdoutScores.length > 0 ? holdoutScores : trainScores;
  const sorted = sortedCopy(ref);
  const trainingQuantile = (q: number) => quantileSorted(ref === trainScores ? sorted : sortedCopy(trainScores), q);
  let threshold: number;
  if ('contamination' in spec) threshold = trainingQuantile(1 - spec.contamination);
  else if ('value' in spec) threshold = spec.value;
  else if (!('holdout' in spec)) threshold = trainingQuantile(spec.quantile);
  else {
    if (!holdoutScores || holdoutScores.length === 0) throw new Error('holdout threshold: no held-out rows were scored');
    threshold = quantileSorted(sorted, spec.quantile);
  }
  const referenceQuantiles = Array.from({ length: 101 }, (_, i) => quantileSorted(sorted, i / 100));
  return { threshold, spec, referenceQuantiles, reference: ref === trainScores ? 'training' : 'holdout', referenceRows: ref.length };
}

/**
 * predictProba's meaning: the fraction of reference rows (held-out or training) that score below this row,
 * interpolated between the stored percentiles, in [0, 1]. It is a rank, not a calibrated probability that the
 * row is an anomaly: 0.99 means "more anomalous than 99% of the rows the model was calibrated on".
 */
export function scoreRank(c: ScoreCalibration, s: number): number {
  const q = c.referenceQuantiles;
  if (s <= q[0]) return 0;
  if (s >= q[q.length - 1]) return 1;
  let lo = 0, hi = q.length - 1;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (q[mid] <= s) lo = mid; else hi = mid; }
  const span = q[hi] - q[lo];
  return (lo + (span > 0 ? (s - q[lo]) / span : 0)) / (q.length - 1);
}
