/**
 * ROC and precision-recall curves and the confusion matrix at a threshold, for anomaly scores (higher = more
 * anomalous) against 0/1 labels (1 = anomaly).
 *
 * Both curves walk the distinct scores from high to low; each distinct score is one point (rows flagged:
 * score >= that value), so tied rows enter together as one step. With that grouping the trapezoid area under
 * the ROC points equals auroc() (ties counting one half) and the step sum of the PR points equals
 * averagePrecision() in ranking.ts.
 */

import { sortedByClass } from './ranking.js';

export interface RocCurve {
  /** False-positive rate per point, from 0 (nothing flagged) up to 1. */
  fpr: Float64Array;
  /** True-positive rate per point. */
  tpr: Float64Array;
  /** Score at or above which rows are flagged for each point; the first point is +Infinity. */
  thresholds: Float64Array;
}

export interface PrecisionRecallCurve {
  /** Precision per point; the first point (nothing flagged) has precision 1 by convention. */
  precision: Float64Array;
  /** Recall per point, from 0 up to 1. */
  recall: Float64Array;
  /** Score at or above which rows are flagged for each point; the first point is +Infinity. */
  thresholds: Float64Array;
}

export interface Confusion {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** TP / (TP + FP); 0 when nothing is flagged. */
  precision: number;
  /** TP / (TP + FN); 0 when there are no anomalies. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
}

function checkInput(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): void {
  // `what` names the metric for library callers; the row numbers are 1-based, as a user counts them.
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new Error(`${what}: the score of row ${i + 1} is ${scores[i]}; scores must be finite`);
    const l = labels[i];
    if (l !== 0 && l !== 1) throw new Error(`${what}: the label of row ${i + 1} is ${l}; labels must be 0 or 1`);
  }
}

/** Cumulative true and false positives at each distinct score, high to low, after a (0, 0) start. */
interface ThresholdWalk { thresholds: Float64Array; tp: Float64Array; fp: Float64Array; positives: number; negatives: number }

/** Walks both ascending arrays from their high ends, one step per distinct score. */
function walkThresholds(pos: Float64Array, neg: Float64Array): ThresholdWalk {
  const positives = pos.length, negatives = neg.length;
  const thresholds = [Infinity], tp = [0], fp = [0];
  let ip = positives - 1, iq = negatives - 1, t = 0, f = 0;
  while (ip >= 0 || iq >= 0) {
    const s = Math.max(ip >= 0 ? pos[ip] : -Infinity, iq >= 0 ? neg[iq] : -Infinity);
    while (ip >= 0 && pos[ip] === s) { ip--; t++; }
    while (iq >= 0 && neg[iq] === s) { iq--; f++; }
    thresholds.push(s); tp.push(t); fp.push(f);
  }
  return { thresholds: Float64Array.from(thresholds), tp: Float64Array.from(tp), fp: Float64Array.from(fp), positives, negatives };
}

function rocFromWalk(w: ThresholdWalk, what: string): RocCurve {
  if (w.positives === 0 || w.negatives === 0) {
    throw new Error(`${what}: needs both classes, got ${w.positives} anomalies and ${w.negatives} normal rows`);
  }
  const m = w.thresholds.length;
  const fpr = new Float64Array(m), tpr = new Float64Array(m);
  for (let i = 0; i < m; i++) { fpr[i] = w.fp[i] / w.negatives; tpr[i] = w.tp[i] / w.positives; }
  return { fpr, tpr, thresholds: w.thresholds };
}

function prFromWalk(w: ThresholdWalk, what: string): PrecisionRecallCurve {
  if (w.positives === 0) throw new Error(`${what}: needs at least one anomaly (label 1)`);
  const m = w.thresholds.length;
  const precision = new Float64Array(m), recall = new Float64Array(m);
  precision[0] = 1;
  for (let i = 1; i < m; i++) { recall[i] = w.tp[i] / w.positives; precision[i] = w.tp[i] / (w.tp[i] + w.fp[i]); }
  return { precision, recall, thresholds: w.thresholds };
}

/** ROC curve: one point per distinct score plus the (0, 0) start. Needs both classes. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  checkInput(scores, labels, 'ROC curve');
  const { anomalies, normals } = sortedByClass(scores, labels, 'ROC curve');
  return rocFromWalk(walkThresholds(anomalies, normals), 'ROC curve');
}

/** Precision-recall curve: one point per distinct score plus the (recall 0, precision 1) start. Needs an anomaly. */
export function precisionRecallCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): PrecisionRecallCurve {
  checkInput(scores, labels, 'precision-recall curve');
  const { anomalies, normals } = sortedByClass(scores, labels, 'precision-recall curve');
  return prFromWalk(walkThresholds(anomalies, normals), 'precision-recall curve');
}

/** Both curves from one sort and one walk (half the work of calling the two functions). Needs both classes. */
export function rankingCurves(scores: ArrayLike<number>, labels: ArrayLike<number>): { roc: RocCurve; pr: PrecisionRecallCurve } {
  checkInput(scores, labels, 'ranking curves');
  const { anomalies, normals } = sortedByClass(scores, labels, 'ranking curves');
  const w = walkThresholds(anomalies, normals);
  return { roc: rocFromWalk(w, 'ranking curves'), pr: prFromWalk(w, 'ranking curves') };
}

/**
 * Both curves from each class's scores already sorted ascending (a caller that sorted them for its own use
 * skips a second sort). Needs both classes.
 */
export function curvesFromSortedClasses(anomalyScores: Float64Array, normalScores: Float64Array): { roc: RocCurve; pr: PrecisionRecallCurve } {
  for (const [a, what] of [[anomalyScores, 'anomaly'], [normalScores, 'normal']] as const) {
    for (let i = 1; i < a.length; i++) {
      if (!(a[i - 1] <= a[i])) throw new Error(`curvesFromSortedClasses: ${what} scores are not ascending at index ${i}`);
    }
  }
  const w = walkThresholds(anomalyScores, normalScores);
  return { roc: rocFromWalk(w, 'curvesFromSortedClasses'), pr: prFromWalk(w, 'curvesFromSortedClasses') };
}

/** Trapezoid area under a curve given by its points (x ascending), e.g. the ROC curve's AUROC. */
export function trapezoidArea(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`trapezoidArea: ${x.length} x values but ${y.length} y values`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** Step area of a PR curve: sum of (R_i - R_{i-1}) P_i, which is average precision. */
export function stepArea(curve: PrecisionRecallCurve): number {
  let area = 0;
  for (let i = 1; i < curve.recall.length; i++) area += (curve.recall[i] - curve.recall[i - 1]) * curve.precision[i];
  return area;
}

/** Confusion matrix when rows with score > threshold are flagged as anomalies. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  checkInput(scores, labels, 'confusion matrix');
  if (Number.isNaN(threshold)) throw new Error('metrics: the threshold is NaN');
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] > threshold;
    if (labels[i]) { if (flagged) tp++; else fn++; } else if (flagged) fp++; else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn, precision, recall, f1 };
}
