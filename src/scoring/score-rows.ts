/**
 * Scoring rows with a fitted detector the way every front end reports it (the CLI's `score`, the HTTP
 * server, the stream worker): score, is_anomaly (score > threshold) and rank. One function, so the front
 * ends cannot drift apart.
 */
import type { DataInput, Detector } from '../detectors/detector.js';
import type { Transformed } from '../data/preprocess.js';

export interface ScoredRows extends Omit<Transformed, 'x' | 'rows' | 'cols'> {
  /** Higher = more anomalous; always finite. */
  scores: Float64Array;
  /** 1 where score > the model's threshold. */
  isAnomaly: Uint8Array;
  /** Fraction of the model's calibration rows scoring below the row, in [0, 1] (Detector.rankScores). */
  rank: Float64Array;
}

/** Labels and ranks for scores already computed with `det`. */
export function labelScores(det: Detector, scores: Float64Array): { isAnomaly: Uint8Array; rank: Float64Array } {
  const t = det.threshold;
  return { isAnomaly: Uint8Array.from(scores, (s) => (s > t ? 1 : 0)), rank: det.rankScores(scores) };
}

/** Scores, labels and ranks of raw rows, with what preprocessing had to do (unseen categories, clamped values). */
export function scoreRows(det: Detector, data: DataInput): ScoredRows {
  const detailed = det.scoreDetailed(data);
  return { ...detailed, ...labelScores(det, detailed.scores) };
}

export type InputKind = 'numeric' | 'boolean' | 'categorical';

/** The raw columns a fitted model reads, in the order its preprocessing encodes them, with their kinds. */
export function modelInputs(det: Detector): { name: string; kind: InputKind }[] {
  return det.preprocessing.toJSON().features.map((f) => ({ name: f.name, kind: f.kind }));
}
