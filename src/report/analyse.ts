/** Everything the plots and tables derive from the input, computed once and shared by the HTML and SVG output. */
import { confusionAt, curvesFromSortedClasses, stepArea, trapezoidArea, type Confusion, type PrecisionRecallCurve, type RocCurve } from '../metrics/curves.js';
import { paddedRange } from './scale.js';
import type { ReportInput } from './types.js';
import { validateReportInput } from './validate.js';

export interface Evaluation {
  confusion: Confusion;
  anomalies: number;
  /** Curves and areas need both classes; null (with `note` saying why) otherwise. */
  curves: { roc: RocCurve; pr: PrecisionRecallCurve; auroc: number; averagePrecision: number } | null;
  note: string | null;
}

export interface ReportAnalysis {
  n: number;
  /** Score range for the x axes: covers every score and the threshold, widened when all are equal. */
  scoreRange: [number, number];
  /** Scores ascending (the empirical CDF). */
  sortedScores: Float64Array;
  flaggedCount: number;
  /** Rows drawn in the anomaly colour: labelled anomalies when labels exist, flagged rows otherwise. */
  highlight: Uint8Array;
  highlightName: string;
  /** Scores of each class, ascending, when labelled. */
  byClass: { normal: Float64Array; anomaly: Float64Array } | null;
  evaluation: Evaluation | null;
}

/** Two ascending arrays merged into one ascending array. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

export function analyseReport(input: ReportInput): ReportAnalysis {
  validateReportInput(input);
  const { scores, threshold } = input;
  const n = scores.length;
  const flagged = new Uint8Array(n);
  let flaggedCount = 0;
  for (let i = 0; i < n; i++) if (scores[i] > threshold) { flagged[i] = 1; flaggedCount++; }
  const range = (sorted: Float64Array): [number, number] => paddedRange(Math.min(sorted[0], threshold), Math.max(sorted[n - 1], threshold));
  const labels = input.labels ?? null;
  if (!labels) {
    const sortedScores = Float64Array.from(scores).sort();
    return { n, scoreRange: range(sortedScores), sortedScores, flaggedCount, highlight: flagged, highlightName: 'flagged', byClass: null, evaluation: null };
  }
  let anomalies = 0;
  for (let i = 0; i < n; i++) anomalies += labels[i];
  const normal = new Float64Array(n - anomalies), anomaly = new Float64Array(anomalies);
  for (let i = 0, a = 0, b = 0; i < n; i++) { if (labels[i]) anomaly[a++] = scores[i]; else normal[b++] = scores[i]; }
  normal.sort(); anomaly.sort();
  const sortedScores = mergeSorted(normal, anomaly);
  const scoreRange = range(sortedScores);
  const bothClasses = anomalies > 0 && anomalies < n;
  // AUROC and AP are the areas of these curves, which equal auroc() and averagePrecision() in ranking.ts
  // (tested on tied data); taking them from the curves avoids two index sorts, most of the time at 200k rows.
  const curves = bothClasses ? curvesFromSortedClasses(anomaly, normal) : null;
  const evaluation: Evaluation = {
    confusion: confusionAt(scores, labels, threshold),
    anomalies,
    curves: curves
      ? { ...curves, auroc: trapezoidArea(curves.roc.fpr, curves.roc.tpr), averagePrecision: stepArea(curves.pr) }
      : null,
    note: bothClasses ? null : `The labels hold ${anomalies === 0 ? 'no anomalies' : 'only anomalies'}, so ROC and precision-recall curves are undefined.`,
  };
  return { n, scoreRange, sortedScores, flaggedCount, highlight: labels, highlightName: 'labelled anomaly', byClass: { normal, anomaly }, evaluation };
}
