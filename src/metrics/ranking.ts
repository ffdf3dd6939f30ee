/** Threshold-free metrics of anomaly scores (higher = more anomalous) against 0/1 labels. */

function checkLengths(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): void {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
}

/**
 * Each class's scores, sorted ascending (1 = anomaly; any truthy label counts as 1). Sorting the two classes
 * apart with the typed arrays' native numeric sort is several times faster than one comparator sort of row
 * indices, which matters for millions of scored rows. `what` names the caller in errors; rows count from 1.
 */
export function sortedByClass(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): { anomalies: Float64Array; normals: Float64Array } {
  checkLengths(scores, labels, what);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const anomalies = new Float64Array(positives), normals = new Float64Array(scores.length - positives);
  for (let i = 0, p = 0, q = 0; i < scores.length; i++) {
    const s = scores[i];
    // A NaN would sort anywhere and make the metric silently meaningless.
    if (Number.isNaN(s)) throw new Error(`${what}: the score of row ${i + 1} is NaN`);
    if (labels[i]) anomalies[p++] = s; else normals[q++] = s;
  }
  return { anomalies: anomalies.sort(), normals: normals.sort() };
}

/** Area under the ROC curve (ties count one half: the Mann-Whitney statistic). NaN when a class is missing. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { anomalies: pos, normals: neg } = sortedByClass(scores, labels, 'auroc');
  const nPos = pos.length, nNeg = neg.length;
  if (nPos === 0 || nNeg === 0) return NaN;
  // For each anomaly, normal rows scored strictly below it count 1 and tied ones 1/2.
  let below = 0, upTo = 0, wins = 0;
  for (let i = 0; i < nPos; i++) {
    const s = pos[i];
    while (below < nNeg && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < nNeg && neg[upTo] <= s) upTo++;
    wins += below + (upTo - below) / 2;
  }
  return wins / (nPos * nNeg);
}

/**
 * Average precision (area under the precision-recall curve as a step function, as scikit-learn's
 * average_precision_score): sum over thresholds of (R_i - R_{i-1}) P_i, tied scores forming one threshold.
 * NaN when there is no anomaly.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { anomalies: pos, normals: neg } = sortedByClass(scores, labels, 'averagePrecision');
  if (pos.length === 0) return NaN;
  // Walk the distinct scores from high to low; each adds its anomalies' share of recall at its precision.
  let ip = pos.length - 1, iq = neg.length - 1, tp = 0, fp = 0, prevRecall = 0, ap = 0;
  while (ip >= 0) {
    const s = iq >= 0 && neg[iq] > pos[ip] ? neg[iq] : pos[ip];
    while (ip >= 0 && pos[ip] === s) { ip--; tp++; }
    while (iq >= 0 && neg[iq] === s) { iq--; fp++; }
    const recall = tp / pos.length;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}
