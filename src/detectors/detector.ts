/**
 * The detector contract (after scikit-learn's estimators and PyOD's BaseDetector).
 *
 * fit(data) infers a schema, fits the preprocessing pipeline on the training rows, trains the model, scores
 * the training rows (and held-out rows, for a hold-out threshold) and fixes the threshold once. Subclasses only
 * train on and score preprocessed float32 matrices; everything about thresholds, labels, probabilities, input
 * forms and model files lives here, identically for every detector.
 *
 * Higher score = more anomalous. predict(x) = score > threshold. predictProba: see scoreRank.
 */
import * as z from '../zod.js';
import { Rng } from '../engine/rng.js';
import { labelsFromColumn } from '../data/labels.js';
import { Preprocessor, SCALED_VALUE_LIMIT, type Transformed } from '../data/preprocess.js';
import { describeZodError, inferSchema, schemaFromJSON, schemaToJSON, type Schema } from '../data/schema.js';
import { selectRows, tableFromMatrix, tableFromRows, type Table } from '../data/table.js';
import { decodeModelFile, encodeModelFile, type NamedTensor } from '../io/model-file.js';
import { LIBRARY_VERSION } from '../version.js';
import type { CommonParamsSchema } from './params.js';
import { calibrate, describeThreshold, ScoreCalibrationSchema, scoreRank, type ScoreCalibration } from './threshold.js';

/** Anything a detector accepts as rows: a data-layer table, plain number[][], or a row-major typed matrix. */
export type DataInput = Table | ArrayLike<ArrayLike<number>> | { data: Float32Array | Float64Array; rows: number; cols: number };

export type CommonParams = z.infer<typeof CommonParamsSchema>;

export interface FitOptions {
  /** Column holding labels: excluded from the features (fit never looks at its values). */
  labelColumn?: string;
  /** Columns to leave out. */
  drop?: string[];
  categorical?: string[];
  numeric?: string[];
  /** Most distinct values a categorical column may have (default 100). */
  maxCategories?: number;
  /** Progress of training, for progress bars: done of total steps. */
  onProgress?: (done: number, total: number, info: string) => void;
}

const count = z.number().check(z.int(), z.minimum(0));
const TrainingInfoSchema = z.object({
  rows: count, holdoutRows: count, features: count, steps: count,
  seconds: z.number().check(z.minimum(0)), finishedAt: z.string(), backend: z.optional(z.string()),
});
export type TrainingInfo = z.infer<typeof TrainingInfoSchema>;

/** Parses with a schema; the error names the part of the model and every bad field. */
function checked<S extends z.ZodMiniType>(what: string, schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new Error(`${what} is malformed: ${describeZodError(r.error)}`);
}

/** A model as JSON: see Detector.toJSON. */
export interface ModelJSON { manifest: ReturnType<typeof decodeModelFile>['manifest']; tensors: { name: string; shape: number[]; data: number[] }[] }

export interface MatrixContext {
  /** Rng(params.seed): fork named streams from it. */
  rng: Rng;
  onProgress?: FitOptions['onProgress'];
}

/** What a detector saves beyond the common parts: its resolved configuration, small JSON state and weights. */
export interface DetectorModel { config: Record<string, unknown>; state: Record<string, unknown>; tensors: NamedTensor[] }

export function isTable(d: unknown): d is Table {
  return typeof d === 'object' && d !== null && 'names' in d && 'rowCount' in d && typeof (d as Table).column === 'function';
}

/** The row-major matrix a DataInput holds, if it is one ({data, rows, cols}). */
function matrixOf(data: DataInput): { data: Float32Array | Float64Array; rows: number; cols: number } | null {
  if (isTable(data) || !('data' in data && 'rows' in data && 'cols' in data) || Array.isArray(data)) return null;
  return data as { data: Float32Array | Float64Array; rows: number; cols: number };
}

/** Converts any DataInput to a table; plain matrices get columns f0..fN-1. */
export function toTable(data: DataInput, source = 'input'): Table {
  if (isTable(data)) return data;
  const m = matrixOf(data);
  if (m) {
    if (m.data.length !== m.rows * m.cols) throw new Error(`${source}: matrix has ${m.data.length} values, expected rows x cols = ${m.rows} x ${m.cols}`);
    return tableFromMatrix(m.data, m.rows, m.cols);
  }
  return tableFromRows(data as ArrayLike<ArrayLike<number>>);
}

/**
 * Preprocesses scoring data: a numeric matrix straight into the model's rows when the preprocessor allows
 * (Preprocessor.transformMatrix: the same values), else through a table. table() gives the table on demand,
 * for error messages that name a row.
 */
function transformInput(pre: Preprocessor, data: DataInput): { t: Transformed; table: () => Table } {
  let table: Table | null = null;
  const tableOf = (): Table => (table ??= toTable(data, 'scoring data'));
  const m = matrixOf(data);
  const fast = m ? pre.transformMatrix(m.data, m.rows, m.cols) : null;
  return { t: fast ?? pre.transform(tableOf()), table: tableOf };
}

export abstract class Detector<P extends CommonParams = CommonParams> {
  /** Registry name, written into model files. */
  abstract readonly name: string;
  /** What the score is, e.g. 'sample energy'. */
  abstract readonly scoreName: string;

  protected preprocessor: Preprocessor | null = null;
  protected schema: Schema | null = null;
  protected calibration: ScoreCalibration | null = null;
  protected trainingInfo: TrainingInfo | null = null;
  private fitScores: Float64Array | null = null;

  constructor(readonly params: P) {}

  /** Trains on preprocessed rows (row-major, cols features). Returns optimiser steps taken. */
  protected abstract fitMatrix(x: Float32Array, rows: number, cols: number, ctx: MatrixContext): { steps: number };
  /** Scores preprocessed rows; higher = more anomalous. */
  protected abstract scoreMatrix(x: Float32Array, rows: number, cols: number): Float64Array;
  /** The fitted model's configuration, state and weights. */
  protected abstract exportModel(): DetectorModel;
  /** Restores what exportModel wrote (already checksummed and schema-checked). */
  protected abstract importModel(model: DetectorModel, features: number): void;
  /** The configuration the detector resolved at fit time (auto choices included), for display. */
  abstract resolvedConfig(): Record<string, unknown>;

  get fitted(): boolean { return this.calibration !== null; }

  private requireFitted(): { pre: Preprocessor; cal: ScoreCalibration } {
    if (!this.preprocessor || !this.calibration) throw new Error(`${this.name}: the detector is not fitted (call fit, or load a saved model)`);
    return { pre: this.preprocessor, cal: this.calibration };
  }

  get threshold(): number { return this.requireFitted().cal.threshold; }
  get thresholdRule(): string { return describeThreshold(this.requireFitted().cal.spec); }
  get featureNames(): readonly string[] { return this.requireFitted().pre.featureNames; }
  get dataSchema(): Schema | null { return this.schema; }
  get training(): TrainingInfo | null { return this.trainingInfo; }
  get preprocessing(): Preprocessor { return this.requireFitted().pre; }
  /**
   * The scores of the fitted rows from the last fit() (PyOD's decision_scores_), in their order; null after a
   * load (model files do not keep them).
   */
  get trainingScores(): Float64Array | null { return this.fitScores; }

  fit(data: DataInput, options: FitOptions = {}): this {
    const t0 = performance.now();
    const spec = this.params.threshold;
    const matrix = matrixOf(data);
    // A plain matrix (no hold-out, no column options) is fitted without a float64 table of its columns:
    // Preprocessor.fitMatrix gives the schema and preprocessor the table would; the table is made only to name
    // a row in an error. A numeric list naming the matrix's own columns changes nothing (they are numbers);
    // another name is the table path's error.
    const ownColumn = (name: string): boolean => /^f(0|[1-9][0-9]*)$/.test(name) && Number(name.slice(1)) < (matrix?.cols ?? 0);
    const columnOptions = options.labelColumn !== undefined || [options.drop, options.categorical].some((o) => (o?.length ?? 0) > 0)
      || !(options.numeric ?? []).every(ownColumn);
    const direct = matrix && matrix.rows >= 2 && matrix.data.length === matrix.rows * matrix.cols && !('holdout' in spec) && !columnOptions
      ? Preprocessor.fitMatrix(matrix.data, matrix.rows, matrix.cols, this.params.preprocessing) : null;
    let table: Table | null = null;
    const tableOf = (): Table => (table ??= toTable(data, 'training data'));
    const rng = new Rng(this.params.seed);
    let schema: Schema, pre: Preprocessor, fitTable: Table | (() => Table) = tableOf, holdTable: Table | null = null;
    if (direct) ({ schema, preprocessor: pre } = direct);
    else {
      const all = tableOf();
      if (all.rowCount < 2) throw new Error(`${this.name}: need at least 2 training rows, got ${all.rowCount}`);
      schema = inferSchema(all, {
        labelColumn: options.labelColumn, drop: options.drop, categorical: options.categorical, numeric: options.numeric, maxCategories: options.maxCategories,
      });
      fitTable = all;
      if ('holdout' in spec) {
        const perm = rng.fork('holdout').permutation(all.rowCount);
        const nHold = Math.max(1, Math.round(spec.holdout * all.rowCount));
        if (all.rowCount - nHold < 2) throw new Error(`${this.name}: holding out ${nHold} of ${all.rowCount} rows leaves too few to fit`);
        holdTable = selectRows(all, perm.subarray(0, nHold));
        fitTable = selectRows(all, perm.subarray(nHold));
      }
      pre = Preprocessor.fit(fitTable, schema, this.params.preprocessing);
    }
    const whole = holdTable === null ? matrix : null; // the fitted rows are the input's
    const m = (whole && pre.transformMatrix(whole.data, whole.rows, whole.cols)) ?? pre.transform(typeof fitTable === 'function' ? fitTable() : fitTable);
    // The model gets the root stream (forks are pure functions of seed and name, so the hold-out above is
    // independent of it); DAGMM's initialisation, shuffling and dropout have always forked from Rng(seed).
    const { steps } = this.fitMatrix(m.x, m.rows, m.cols, { rng, onProgress: options.onProgress });
    const trainScores = this.finiteScores(this.scoreMatrix(m.x, m.rows, m.cols), fitTable);
    let holdScores: Float64Array | null = null;
    if (holdTable) { const h = pre.transform(holdTable); holdScores = this.finiteScores(this.scoreMatrix(h.x, h.rows, h.cols), holdTable); }
    this.preprocessor = pre;
    this.schema = schema;
    this.calibration = calibrate(spec, trainScores, holdScores);
    this.fitScores = trainScores;
    this.trainingInfo = {
      rows: m.rows, holdoutRows: holdTable?.rowCount ?? 0, features: m.cols, steps,
      seconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(),
    };
    return this;
  }

  /** Preprocesses rows with the fitted pipeline: float32 matrix ready for the model. */
  transform(data: DataInput): Transformed {
    return transformInput(this.requireFitted().pre, data).t;
  }

  /** Anomaly scores, higher = more anomalous. */
  scoreSamples(data: DataInput): Float64Array {
    return this.scoreDetailed(data).scores;
  }

  /**
   * Scores plus what preprocessing had to do to the rows: `unseen` category values (encoded as all zeros)
   * and `clamped` numeric values (beyond SCALED_VALUE_LIMIT training ranges), for callers that report them.
   */
  scoreDetailed(data: DataInput): { scores: Float64Array } & Omit<Transformed, 'x' | 'rows' | 'cols'> {
    const { t: { x, rows, cols, ...counts }, table } = transformInput(this.requireFitted().pre, data);
    return { scores: this.finiteScores(this.scoreMatrix(x, rows, cols), table), ...counts };
  }

  /** Scores of rows already preprocessed by transform(). */
  scoreTransformed(x: Float32Array, rows: number): Float64Array {
    return this.finiteScores(this.scoreMatrix(x, rows, this.requireFitted().pre.featureNames.length), null);
  }

  /**
   * The finite-score rule, the same for every detector: inputs are clamped by the preprocessor, so an
   * infinite score can only mean "beyond anything": it saturates to +-Number.MAX_VALUE. NaN has no such
   * reading; it is an error naming the row, never a printed score.
   */
  private finiteScores(scores: Float64Array, table: Table | (() => Table) | null): Float64Array {
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (Number.isFinite(s)) continue;
      if (s === Infinity) scores[i] = Number.MAX_VALUE;
      else if (s === -Infinity) scores[i] = -Number.MAX_VALUE;
      else {
        const t = typeof table === 'function' ? table() : table;
        throw new Error(`${this.name}: ${t ? t.where(i) : `row ${i + 1}`} got no valid score (the model computed NaN); the model may be degenerate: refit it`);
      }
    }
    return scores;
  }

  /** 1 where score > threshold, else 0. */
  predict(data: DataInput): Uint8Array {
    const t = this.threshold;
    return Uint8Array.from(this.scoreSamples(data), (s) => (s > t ? 1 : 0));
  }

  /**
   * Fraction of calibration rows (held-out rows, else training rows) scoring below each row, in [0, 1]:
   * a rank, not the probability that the row is an anomaly.
   */
  predictProba(data: DataInput): Float64Array {
    return this.rankScores(this.scoreSamples(data));
  }

  /** predictProba for scores already computed (no second scoring pass). */
  rankScores(scores: ArrayLike<number>): Float64Array {
    const cal = this.requireFitted().cal;
    return Float64Array.from(scores, (s) => scoreRank(cal, s));
  }

  /** Labels of a table's label column as 0/1 (for evaluation). */
  labelsOf(data: Table, labelColumn: string, positive?: string): Uint8Array {
    return labelsFromColumn(data, labelColumn, positive ?? null);
  }

  /** The whole fitted detector as one model file (see docs/model-file.md). */
  toBytes(createdAt = new Date().toISOString()): Uint8Array {
    const { pre, cal } = this.requireFitted();
    const model = this.exportModel();
    return encodeModelFile({
      libraryVersion: LIBRARY_VERSION, createdAt, detector: this.name,
      config: { params: JSON.parse(JSON.stringify(this.params)) as Record<string, unknown>, resolved: model.config },
      preprocessing: pre.toJSON() as unknown as Record<string, unknown>,
      threshold: { ...cal } as unknown as Record<string, unknown>,
      training: { ...this.trainingInfo } as Record<string, unknown>,
      schema: this.schema ? schemaToJSON(this.schema) as unknown as Record<string, unknown> : null,
      state: model.state,
    }, model.tensors);
  }

  /**
   * The fitted detector as plain JSON (the model file's manifest plus weights as number arrays; float32
   * values survive JSON exactly). loadDetector accepts it and validates it like a file.
   */
  toJSON(): ModelJSON {
    const { manifest, tensors } = decodeModelFile(this.toBytes());
    return { manifest, tensors: [...tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: Array.from(t.data) })) };
  }

  /** Restores the common parts and the detector's own from a decoded model file (used by loadDetector). */
  restoreFrom(manifest: ReturnType<typeof decodeModelFile>['manifest'], tensors: Map<string, NamedTensor>): this {
    const pre = Preprocessor.fromJSON(manifest.preprocessing);
    const cal = checked(`${this.name} model: threshold`, ScoreCalibrationSchema, manifest.threshold);
    for (let i = 1; i < cal.referenceQuantiles.length; i++) {
      if (!(cal.referenceQuantiles[i] >= cal.referenceQuantiles[i - 1])) throw new Error(`${this.name} model: threshold.referenceQuantiles is not sorted at ${i}`);
    }
    const training = checked(`${this.name} model: training`, TrainingInfoSchema, manifest.training);
    const resolved = (manifest.config as { resolved?: Record<string, unknown> }).resolved;
    if (!resolved || typeof resolved !== 'object') throw new Error(`${this.name} model: config.resolved is missing`);
    this.importModel({ config: resolved, state: manifest.state, tensors: [...tensors.values()] }, pre.featureNames.length);
    this.refuseNaNModel(pre.featureNames.length);
    this.preprocessor = pre;
    this.schema = manifest.schema ? schemaFromJSON(manifest.schema) : null;
    this.calibration = cal;
    this.trainingInfo = training;
    return this;
  }

  /**
   * A model whose weights make scores NaN is refused at load, not discovered when scoring: probe rows at the
   * centre, the corners of the training range and the clamp limits must all score without NaN.
   */
  private refuseNaNModel(cols: number): void {
    const probes = [0, 1, -1, SCALED_VALUE_LIMIT, -SCALED_VALUE_LIMIT];
    const x = new Float32Array(probes.length * cols);
    probes.forEach((v, i) => x.fill(v, i * cols, (i + 1) * cols));
    let scores: Float64Array;
    try { scores = this.scoreMatrix(x, probes.length, cols); } catch (e) {
      throw new Error(`${this.name} model: the weights cannot score (${(e as Error).message})`, { cause: e });
    }
    const bad = scores.findIndex((v) => Number.isNaN(v));
    if (bad >= 0) throw new Error(`${this.name} model: the weights (tensors) give NaN scores for a row of ${probes[bad]}s; the file is corrupt or was not written by a trained model`);
  }

  /** Why the fitted detector is configured as it is, in a sentence, where it chose something itself (auto); else null. */
  explain(): string | null { return null; }

  /** A summary for inspect and reports. */
  describe(): Record<string, unknown> {
    const { pre, cal } = this.requireFitted();
    return {
      detector: this.name, scoreName: this.scoreName, params: this.params, resolved: this.resolvedConfig(),
      threshold: cal.threshold, thresholdRule: describeThreshold(cal.spec), features: pre.featureNames.length,
      training: this.trainingInfo, ...(this.explain() ? { explanation: this.explain() } : {}),
    };
  }
}

export { decodeModelFile };
