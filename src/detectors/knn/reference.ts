/**
 * What the neighbour detectors (knn, lof) share: the model is the reference set of training rows itself
 * (optionally a seeded subsample of them), searched exactly by src/neighbors/knn-search.ts.
 *
 * Training scores follow PyOD's decision_scores_ and scikit-learn's negative_outlier_factor_: a training row's
 * neighbours are the other reference rows (never itself; a duplicate at another index counts, at distance 0).
 * fit() hands the training matrix to scoreMatrix right after fitMatrix, so that call gets the scores computed
 * during the fit; any later call scores its rows as new rows, so a training row scored again is its own
 * nearest neighbour (as PyOD's decision_function(X_train) and scikit-learn's score_samples(X_train)).
 */
import * as z from '../../zod.js';
import { MAX_MODEL_FILE_BYTES } from '../../io/model-file.js';
import type { NamedTensor } from '../../io/model-file.js';
import type { Rng } from '../../engine/rng.js';
import { Detector, type CommonParams, type MatrixContext } from '../detector.js';

export const maxSamplesParam = z.optional(z.number().check(z.int(), z.minimum(2)))
  .check(z.describe('reference rows the model keeps: when there are more training rows, a seeded uniform subsample of this many (without replacement); default all (as PyOD and scikit-learn). Rows not kept are scored against the kept ones'));

/** The reference set: rows kept from the training matrix. */
export interface Reference {
  x: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Refuses, before any search, a reference set whose model file could not be read back (MAX_MODEL_FILE_BYTES);
 * extraPerRow: float32 values stored per reference row beside the row (LOF: k-distance and lrd).
 */
export function checkModelSize(name: string, rows: number, cols: number, extraPerRow: number, maxSamples: number | undefined): void {
  const perRow = 4 * (cols + extraPerRow);
  // A margin for the manifest (preprocessing, calibration quantiles): 1/64 of the limit.
  const fits = Math.floor((MAX_MODEL_FILE_BYTES - MAX_MODEL_FILE_BYTES / 64) / perRow);
  if (rows <= fits) return;
  throw new Error(`${name}: the model keeps its reference rows, and ${rows} rows x ${cols} features would take ${(rows * perRow / 2 ** 30).toFixed(2)} GiB, more than a model file may hold (${MAX_MODEL_FILE_BYTES / 2 ** 30} GiB); set maxSamples to at most ${fits}${maxSamples === undefined ? '' : ` (it is ${maxSamples})`} to keep a seeded subsample`);
}

/**
 * Reference rows for a fit: all rows, or maxSamples of them drawn without replacement (kept in training order).
 * position[i] = the reference index of training row i, or -1 when it was not kept.
 */
export function chooseReference(x: Float32Array, rows: number, cols: number, maxSamples: number | undefined, rng: Rng): { ref: Reference; position: Int32Array } {
  const position = new Int32Array(rows);
  if (maxSamples === undefined || maxSamples >= rows) {
    for (let i = 0; i < rows; i++) position[i] = i;
    return { ref: { x, rows, cols }, position };
  }
  const keep = rng.permutation(rows).subarray(0, maxSamples).sort();
  position.fill(-1);
  const sub = new Float32Array(maxSamples * cols);
  keep.forEach((r, p) => { position[r] = p; sub.set(x.subarray(r * cols, (r + 1) * cols), p * cols); });
  return { ref: { x: sub, rows: maxSamples, cols }, position };
}

export abstract class NeighborDetector<P extends CommonParams & { nNeighbors: number; maxSamples?: number }> extends Detector<P> {
  protected reference: Reference | null = null;
  /** Scores of the training matrix computed by the fit, handed to fit's own scoreMatrix call. */
  private pending: { x: Float32Array; scores: Float64Array } | null = null;
  /** Float32 values per reference row stored beside it (for the size check). */
  protected readonly extraPerRow: number = 0;

  /** The reference rows the model keeps. */
  get referenceRows(): Reference | null { return this.reference; }

  /** Fits on the reference set; returns the scores of all training rows (position: see chooseReference). */
  protected abstract fitReference(ref: Reference, x: Float32Array, rows: number, position: Int32Array): Float64Array;
  /** Scores new rows against the fitted reference set. */
  protected abstract scoreNew(x: Float32Array, rows: number, cols: number): Float64Array;

  protected fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number } {
    this.pending = null;
    checkModelSize(this.name, Math.min(rows, this.params.maxSamples ?? rows), cols, this.extraPerRow, this.params.maxSamples);
    const { ref, position } = chooseReference(x, rows, cols, this.params.maxSamples, ctx.rng.fork('reference'));
    this.reference = ref;
    // Handed to fit's own scoreMatrix call below, so trainingScores (the base's) exclude each row itself.
    const fitScores = this.fitReference(ref, x, rows, position);
    this.pending = { x, scores: fitScores };
    return { steps: 0 };
  }

  protected scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array {
    if (!this.reference) throw new Error(`${this.name}: the detector is not fitted`);
    const p = this.pending;
    if (p && p.x === x && p.scores.length === rows) { this.pending = null; return p.scores; }
    return this.scoreNew(x, rows, cols);
  }

  protected referenceTensor(): NamedTensor {
    const r = this.reference!;
    return { name: 'reference', shape: [r.rows, r.cols], data: r.x };
  }

  /** The reference rows from a model's tensors, checked: shape [rows, features], finite values, enough rows. */
  protected importReference(tensors: NamedTensor[], features: number, minRows: number): Reference {
    const what = `${this.name} model`;
    const t = tensors.find((v) => v.name === 'reference');
    if (!t) throw new Error(`${what}: tensor "reference" is missing`);
    if (t.shape.length !== 2 || t.shape[1] !== features || !(t.shape[0] >= minRows)) {
      throw new Error(`${what}: tensor "reference" has shape [${t.shape.join(', ')}], expected [rows >= ${minRows}, ${features}]`);
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${what}: tensor "reference" holds ${t.data[bad]} at ${bad}, not a finite value`);
    return { x: t.data, rows: t.shape[0], cols: features };
  }
}
