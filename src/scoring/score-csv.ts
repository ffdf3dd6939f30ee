/**
 * The scored-rows CSV every front end writes (`aberrant score`, the web app's download): row (1-based),
 * score, label (1 = score > threshold) and proba (the rank). One definition, so the files compare byte for byte.
 */

export const SCORE_CSV_HEADER = 'row,score,label,proba';

/** One line (with its newline) for row index `i` (0-based). Numbers print as JavaScript's shortest round trip. */
export function scoreCsvLine(i: number, score: number, label: number, proba: number): string {
  return `${i + 1},${score},${label},${proba}\n`;
}

/** The whole file for rows scored at once (small and medium data; the CLI streams with scoreCsvLine). */
export function scoresToCsv(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>, rank: ArrayLike<number>): string {
  const lines: string[] = [`${SCORE_CSV_HEADER}\n`];
  for (let i = 0; i < scores.length; i++) lines.push(scoreCsvLine(i, scores[i], isAnomaly[i], rank[i]));
  return lines.join('');
}
