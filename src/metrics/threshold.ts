/**
 * Metrics of the paper's protocol: flag the top-k scores (k = round(ratio * n)) as anomalies and measure
 * precision, recall and F1 on the anomaly class.
 *
 * Ties at the cut: when the k-th and (k+1)-th highest scores are equal, exactly k rows are still flagged,
 * and the rows tied at the cut are treated as chosen uniformly at random among themselves; the counts are
 * their expected values (so a tie group of t rows with a anomalies, of which s places are left, contributes
 * s * a / t expected true positives). This never flags more or fewer than k rows, unlike "score strictly
 * above the percentile", which silently flags fewer rows when many scores tie (KDDCUP has many duplicates).
 */

export interface TopKResult {
  k: number;
  /** Expected true positives among the k flagged rows. */
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Rows tied at the cut (0 when the cut falls between distinct scores). */
  tiedAtCut: number;
}

export function topKMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): TopKResult {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`topKMetrics: ${n} scores but ${labels.length} labels`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new Error(`topKMetrics: k must be an integer in [0, ${n}], got ${k}`);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`topKMetrics: score ${i} is NaN`);
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] ? 1 : 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0, tied = 0;
  if (k > 0) {
    const cut = scores[order[k - 1]];
    // Rows strictly above the cut are flagged; rows equal to it share the remaining places.
    let above = 0, aboveTp = 0, eq = 0, eqTp = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (s > cut) { above++; aboveTp += labels[i] ? 1 : 0; } else if (s === cut) { eq++; eqTp += labels[i] ? 1 : 0; }
    }
    const places = k - above;
    tp = aboveTp + (places * eqTp) / eq;
    tied = places < eq ? eq : 0;
  }
  const precision = k > 0 ? tp / k : 0;
  const recall = positives > 0 ? tp / positives : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { k, truePositives: tp, precision, recall, f1, tiedAtCut: tied };
}

/** k for a flagged fraction: round(ratio * n). */
export function flaggedCount(ratio: number, n: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`ratio must be in [0, 1], got ${ratio}`);
  return Math.round(ratio * n);
}
