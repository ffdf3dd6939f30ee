/** Threshold-free metrics of anomaly scores (higher = more anomalous) against 0/1 labels. */

function checkLengths(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): void {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
}

/** Area under the ROC curve (ties count one half: the Mann-Whitney statistic). */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(scores, labels, 'auroc');
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0, rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let q = i; q <= j; q++) if (labels[idx[q]]) { pos++; rankSum += avgRank; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Average precision (area under the precision-recall curve as a step function, as scikit-learn's
 * average_precision_score): sum over thresholds of (R_i - R_{i-1}) P_i, tied scores forming one threshold.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(scores, labels, 'averagePrecision');
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] ? 1 : 0;
  if (pos === 0) return NaN;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0, seen = 0, prevRecall = 0, ap = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let q = i; q <= j; q++) { seen++; tp += labels[idx[q]] ? 1 : 0; }
    const recall = tp / pos, precision = tp / seen;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}
