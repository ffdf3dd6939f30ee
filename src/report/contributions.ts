/**
 * Per-feature contributions to a row's score, as the report's top-anomalies table shows them (and the
 * scoring server's `?explain=1`): one computation, shared, so both always say the same thing.
 */
import type { Table } from '../data/table.js';
import type { Detector } from '../detectors/detector.js';
import type { Preprocessor } from '../data/preprocess.js';

export interface Contribution { feature: string; value: number | string; contribution: number }

/** Detectors that expose per-feature squared reconstruction errors (DAGMM and the autoencoders). */
export interface Reconstructs { reconstructionErrors(x: Float32Array, rows: number): Float32Array }

export function hasReconstruction(d: unknown): d is Reconstructs {
  return typeof (d as Reconstructs).reconstructionErrors === 'function';
}

export const CONTRIBUTION_METHOD = 'per-feature squared reconstruction error (x_j - x\'_j)^2 on the preprocessed row, as a share of the row\'s total; the value shown is the raw value of the source column';
/** Contributions listed per row unless the caller asks for another number. */
export const DEFAULT_CONTRIBUTIONS_PER_ROW = 5;

export const NO_CONTRIBUTIONS = 'not available for this detector';

/**
 * Contributions of one row from the detector's per-feature reconstruction errors (`errors`, rows x cols,
 * row-major): the `perRow` largest shares of the row's total error, largest first, each with the raw value
 * of its source column in `table`.
 */
export function contributionsFromErrors(pre: Preprocessor, table: Table, errors: Float32Array, row: number, perRow: number): Contribution[] {
  const names = pre.featureNames, d = names.length, e = errors.subarray(row * d, (row + 1) * d);
  const total = e.reduce((a, b) => a + b, 0) || 1;
  return Array.from(e.keys()).sort((a, b) => e[b] - e[a]).slice(0, perRow).map((j) => {
    const raw = table.column(pre.sourceColumnOf(j))[row];
    return { feature: names[j], value: raw === null || (typeof raw === 'number' && Number.isNaN(raw)) ? '(missing)' : typeof raw === 'boolean' ? String(raw) : raw, contribution: e[j] / total };
  });
}

/**
 * How a detector explains rows of `table` (already preprocessed into `x`): the method sentence and a function
 * giving one row's contributions (empty when the detector has no per-feature errors).
 */
export function featureContributions(det: Detector, table: Table, x: Float32Array, rows: number, perRow: number): { method: string; of: (row: number) => Contribution[] } {
  if (!hasReconstruction(det)) return { method: NO_CONTRIBUTIONS, of: () => [] };
  const errors = det.reconstructionErrors(x, rows);
  return { method: CONTRIBUTION_METHOD, of: (row) => contributionsFromErrors(det.preprocessing, table, errors, row, perRow) };
}
