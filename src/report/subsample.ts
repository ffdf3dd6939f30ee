/**
 * Deterministic subsampling for scatter plots: every anomaly is kept, and a seeded uniform sample of the
 * other rows fills the remaining budget, so the same input always draws the same picture.
 */
import { Rng } from '../engine/rng.js';

export interface Subsample {
  /** Row indices kept, ascending. */
  rows: Uint32Array;
  /** True when some rows were left out. */
  subsampled: boolean;
}

/**
 * Keeps every row with isAnomaly[i] = 1 plus a seeded uniform sample of the others: maxPoints minus the
 * anomalies, but never fewer than maxPoints / 4, so the normal cloud stays visible when anomalies are many.
 */
export function subsampleRows(isAnomaly: Uint8Array, maxPoints: number, seed = 1): Subsample {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) throw new Error(`subsampleRows: maxPoints must be a positive integer, got ${maxPoints}`);
  const n = isAnomaly.length;
  let anomalies = 0;
  for (let i = 0; i < n; i++) anomalies += isAnomaly[i] ? 1 : 0;
  const normals = n - anomalies;
  const budget = Math.min(normals, Math.max(maxPoints - anomalies, Math.floor(maxPoints / 4)));
  if (budget === normals) return { rows: Uint32Array.from({ length: n }, (_, i) => i), subsampled: false };
  // Selection sampling: walk the normal rows once, taking each with probability (still needed) / (still left).
  const rng = new Rng(seed);
  const rows = new Uint32Array(anomalies + budget);
  let kept = 0, needed = budget, left = normals;
  for (let i = 0; i < n; i++) {
    if (isAnomaly[i]) { rows[kept++] = i; continue; }
    if (rng.uniform() * left < needed) { rows[kept++] = i; needed--; }
    left--;
  }
  return { rows, subsampled: true };
}
