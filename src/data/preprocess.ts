/**
 * Turns a Table into the float32 matrix a detector trains on, with everything learned from the training
 * rows only (medians, levels, scaling) and saved with the model, so new data is encoded the same way.
 *
 * - numeric: missing -> training median (or an error); then scaled. minmax: (x - min) / range; standard:
 *   (x - mean) / std (population std); none: x. A column constant on the training rows has no unit, so it
 *   encodes sign(x - constant), the rule of fitMinMax in scaling.ts. Values are rounded to float32 first.
 * - categorical: one-hot over the levels seen in training, sorted; missing is its own "(missing)" level when
 *   training had missing values. A level not seen in training is all zeros and counted in `unseen` (or an
 *   error with unseenCategory 'error').
 * - boolean: one-hot over false, true; missing -> the more frequent training value (false on a tie).
 */
import { kernels } from '../engine/backend/index.js';
import * as z from '../zod.js';
import { labelsFromColumn } from './labels.js';
import { categoryKey, cellBoolean, cellNumber, constantReason, describeZodError, featureColumns, type ColumnSchema, type Schema } from './schema.js';
import { defaultNames, makeTable, quoteCell, type Cell, type Column, type Table } from './table.js';

export type Scaling = 'minmax' | 'standard' | 'none';

export interface PreprocessOptions {
  scaling?: Scaling;
  unseenCategory?: 'ignore' | 'error';
  missing?: 'error' | 'impute';
  /** The label value that marks an anomaly, for labels() on a text label column. */
  positive?: string;
}

/**
 * What transform produced: the matrix, plus counts the caller should tell the user about: category values
 * not seen in training (encoded as all zeros), and numeric values clamped to +-SCALED_VALUE_LIMIT.
 */
export interface Transformed {
  x: Float32Array; rows: number; cols: number; unseen: number; clamped: number;
  /** The same counts per source column, for columns where they are not zero. */
  unseenByColumn: Record<string, number>; clampedByColumn: Record<string, number>;
}

/**
 * The largest magnitude a scaled numeric value may take. Training rows scale into [0, 1] (minmax) or a few
 * units (standard), so a value a million training ranges away is already as anomalous as anything can be;
 * clamping there keeps every detector's arithmetic finite in float32 (squares and sums of 1e6-sized values
 * over thousands of features stay far below 3.4e38), so a wild value saturates the score instead of
 * turning it into NaN. One rule, applied here, for every detector.
 */
export const SCALED_VALUE_LIMIT = 1e6;

/** The largest finite float32: training values beyond it cannot be represented by the models. */
const FLOAT32_MAX = 3.4028234663852886e38;

export const MISSING_LEVEL = '(missing)';

const numericFeature = z.object({
  kind: z.literal('numeric'), name: z.string(),
  /** The training median used for missing values (null: missing is an error). */
  impute: z.nullable(z.number()),
  offset: z.number(), scale: z.number().check(z.nonnegative()),
});
const categoricalFeature = z.object({ kind: z.literal('categorical'), name: z.string(), levels: z.array(z.string()).check(z.minLength(1)) });
const booleanFeature = z.object({ kind: z.literal('boolean'), name: z.string(), impute: z.nullable(z.boolean()) });
const feature = z.discriminatedUnion('kind', [numericFeature, categoricalFeature, booleanFeature]);
type Feature = z.infer<typeof feature>;

const preprocessorJson = z.object({
  format: z.literal('aberrant-preprocessor'),
  version: z.literal(1),
  scaling: z.enum(['minmax', 'standard', 'none']),
  unseenCategory: z.enum(['ignore', 'error']),
  missing: z.enum(['error', 'impute']),
  labelColumn: z.nullable(z.string()),
  positive: z.nullable(z.string()),
  features: z.array(feature).check(z.minLength(1)),
});
export type PreprocessorJSON = z.infer<typeof preprocessorJson>;

/** Reads a feature's cells by kind, naming the row and column of any value that does not fit. */
function numberAt(table: Table, name: string, col: Column, i: number): number {
  if (col instanceof Float64Array) return col[i];
  const c = col[i];
  if (c === null) return NaN;
  const v = cellNumber(c);
  if (Number.isNaN(v)) throw new Error(`${table.where(i)}, column "${name}": expected a number, got ${quoteCell(c)}`);
  return v;
}

function booleanAt(table: Table, name: string, col: Column, i: number): boolean | null {
  const c: Cell = col instanceof Float64Array ? (Number.isNaN(col[i]) ? null : col[i]) : col[i];
  const b = cellBoolean(c);
  if (b === undefined) throw new Error(`${table.where(i)}, column "${name}": expected true/false/yes/no, got ${quoteCell(c)}`);
  return b;
}

function keyAt(col: Column, i: number): string | null {
  if (col instanceof Float64Array) return Number.isNaN(col[i]) ? null : String(col[i]);
  const c = col[i];
  return c === null ? null : categoryKey(c);
}

function missingError(table: Table, name: string, i: number): Error {
  return new Error(`${table.where(i)}, column "${name}": missing value (the missing-value policy is "error"; fit with --param preprocessing.missing=impute to fill missing values in)`);
}

/** Which 32-bit word of a float64 holds its sign and exponent on this machine (1 on little-endian ones). */
const HIGH_WORD = new Uint8Array(Float64Array.of(-0).buffer)[7] === 0x80 ? 1 : 0;
/** Scratch for kthSmallest: one 16-bit digit's counts. */
const digitCounts = new Uint32Array(65536);

/**
 * The k-th smallest (0-based) of finite values, in O(n) even for the worst input: a most-significant-digit radix
 * select on the values' bits, 16 bits a pass, each pass over the values still tied with the answer. A double's
 * bits, with the sign bit flipped for positives and every bit for negatives, order as unsigned integers like the
 * numbers, -0 just below +0. selectKth's fallback.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  const n = values.length;
  if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new Error(`kthSmallest: k = ${k} outside 0..${n - 1}`);
  // The keys, high and low words apart: the candidates still tied with the answer on the digits read so far.
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  let m = n;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + HIGH_WORD], l = words[2 * i + 1 - HIGH_WORD];
    const negative = h >>> 31 === 1;
    hi[i] = negative ? ~h >>> 0 : (h ^ 0x80000000) >>> 0;
    lo[i] = negative ? ~l >>> 0 : l;
  }
  for (let pass = 0; pass < 4 && m > 1; pass++) {
    const word = pass < 2 ? hi : lo, shift = pass % 2 === 0 ? 16 : 0;
    digitCounts.fill(0);
    for (let i = 0; i < m; i++) digitCounts[(word[i] >>> shift) & 0xffff]++;
    let digit = 0;
    while (k >= digitCounts[digit]) k -= digitCounts[digit++];
    // Keep the candidates with that digit, in place (a prefix of the arrays).
    let kept = 0;
    for (let i = 0; i < m; i++) {
      if (((word[i] >>> shift) & 0xffff) === digit) { hi[kept] = hi[i]; lo[kept] = lo[i]; kept++; }
    }
    m = kept;
  }
  // Every remaining candidate has the same key (or there is one): undo the mapping.
  const h = hi[0], l = lo[0], negative = h >>> 31 === 0;
  const out = new Float64Array(1), outWords = new Uint32Array(out.buffer);
  outWords[HIGH_WORD] = negative ? ~h >>> 0 : (h ^ 0x80000000) >>> 0;
  outWords[1 - HIGH_WORD] = negative ? ~l >>> 0 : l;
  return out[0];
}

/**
 * The k-th smallest value (0-based), rearranging a: a quickselect (middle pivot, O(n) on typical columns, no copy)
 * that hands the part still to search to kthSmallest once it has scanned 8n values. A middle pivot alone goes
 * quadratic on some orders, among them an organ-pipe column (0, 1, ..., n/2, ..., 1): 24.6 s to fit 200,000 rows.
 * partitioned: whether a[<k] <= a[k] <= a[>k] holds on return (not after the fallback).
 */
export function selectKth(a: Float64Array, k: number): { value: number; partitioned: boolean } {
  let lo = 0, hi = a.length - 1, budget = 8 * a.length;
  while (lo < hi) {
    if (budget < 0) return { value: kthSmallest(a.subarray(lo, hi + 1), k - lo), partitioned: false };
    budget -= hi - lo + 1;
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // a[j+1..i-1] all equal the pivot
  }
  return { value: a[k], partitioned: true };
}

/** Columns Preprocessor.fitMatrix copies and fits at a time (a 32 MB buffer at 500,000 rows). */
const MATRIX_BLOCK = 8;

/** Values from which median() starts with a sampled band; below this a quickselect is as fast. */
const BAND_SELECT_MIN = 32768;
/** Evenly spaced values median() sorts to bracket the middle ones; the band is its middle +-BAND_HALF_WIDTH of them. */
const BAND_SAMPLE = 4096;
/** 128 of 4096 sample ranks is ~4 standard errors of a sampled median's rank (0.5 / sqrt(4096) of n). */
const BAND_HALF_WIDTH = 128;

/** Scratch for median() on one column, reused across the columns of a fit. */
export interface MedianScratch { band: Float64Array; sample: Float64Array }
export function medianScratch(rows: number): MedianScratch {
  return { band: new Float64Array(rows >= BAND_SELECT_MIN ? rows : 0), sample: new Float64Array(BAND_SAMPLE) };
}

/**
 * The median of values; for an even count, the mean of the two middle ones. On many values: two values from an
 * evenly spaced sample bracket the middle, one branch-free pass counts the values below the bracket and copies
 * those inside it to scratch, and the selection runs on that copy (about 6% of the values). Where the bracket
 * misses the middle (a sample unlike the column, e.g. a period matching its stride) it falls back to selecting on
 * all values. Any path gives the same number: the k-th smallest value does not depend on how it is found.
 * values may be rearranged.
 */
export function median(values: Float64Array, scratch: MedianScratch = medianScratch(values.length)): number {
  const n = values.length, h = n >> 1, lowK = n % 2 === 1 ? h : h - 1;
  if (n >= BAND_SELECT_MIN && scratch.band.length >= n) {
    const { band, sample } = scratch, s = sample.length, step = n / s;
    for (let i = 0; i < s; i++) sample[i] = values[Math.floor(i * step)];
    sample.sort();
    const c = Math.round((h / n) * s);
    const lo = sample[Math.max(0, c - BAND_HALF_WIDTH)], hi = sample[Math.min(s - 1, c + BAND_HALF_WIDTH)];
    let m = 0, below = 0;
    // Every value is written at band[m]; m moves on only for one inside [lo, hi]: no branch to mispredict.
    for (let i = 0; i < n; i++) {
      const v = values[i];
      band[m] = v;
      const under = +(v < lo), over = +(v > hi); // never both: lo <= hi
      below += under;
      m += 1 - (under + over);
    }
    if (below <= lowK && h < below + m) {
      if (lo === hi) return lo;
      return middleOf(band.subarray(0, m), lowK - below, h - below);
    }
  }
  return middleOf(values, lowK, h);
}

/** The mean of the lowK-th and k-th smallest values (lowK = k or k - 1), rearranging a. */
function middleOf(a: Float64Array, lowK: number, k: number): number {
  const upper = selectKth(a, k);
  if (lowK === k) return upper.value;
  let lower = -Infinity; // the largest value below position k, once partitioned
  if (upper.partitioned) for (let i = 0; i < k; i++) { if (a[i] > lower) lower = a[i]; }
  else lower = kthSmallest(a, lowK);
  return (lower + upper.value) / 2;
}

/** A numeric value on the model's scale, before clamping: float32 rounding as at fit time, unless the value is beyond float32 (then the clamp decides). */
function scaleNumeric(v: number, offset: number, scale: number): number {
  const vf = Math.fround(v);
  const d = (Number.isFinite(vf) ? vf : v) - offset;
  return scale > 0 ? d / scale : Math.sign(d);
}

export class Preprocessor {
  /** One name per output column: "dur", "service=http". */
  readonly featureNames: string[];
  private readonly sources: string[];
  private readonly levelIndex: (Map<string, number> | null)[];

  private constructor(private readonly state: PreprocessorJSON) {
    this.featureNames = [];
    this.sources = [];
    for (const f of state.features) {
      const outputs = f.kind === 'numeric' ? [f.name] : f.kind === 'boolean' ? [`${f.name}=false`, `${f.name}=true`]
        : f.levels.map((l) => `${f.name}=${l}`);
      for (const o of outputs) { this.featureNames.push(o); this.sources.push(f.name); }
    }
    this.levelIndex = state.features.map((f) => (f.kind === 'categorical' ? new Map(f.levels.map((l, k) => [l, k])) : null));
  }

  get cols(): number {
    return this.featureNames.length;
  }

  static fit(table: Table, schema: Schema, opts: PreprocessOptions = {}): Preprocessor {
    const scaling = opts.scaling ?? 'minmax', missing = opts.missing ?? 'impute';
    if (table.rowCount === 0) throw new Error(`${table.source}: no rows to fit the preprocessor on`);
    const wanted = featureColumns(schema);
    if (wanted.length === 0) throw new Error('the schema has no feature columns');
    checkColumns(table, wanted.map((c) => c.name));
    const rows = table.rowCount;
    let scratch: NumericScratch | null = null;
    const features = wanted.map((c): Feature => {
      const col = table.column(c.name);
      if (c.kind === 'numeric') {
        scratch ??= { present: new Float64Array(rows), median: medianScratch(rows) };
        const fitted = fitNumeric(table, c.name, col, scaling, missing, scratch);
        if (!fitted) throw new Error(`${table.source}, column "${c.name}": every training value is missing`);
        return fitted.feature;
      }
      if (c.kind === 'boolean') return fitBoolean(table, c.name, col, missing);
      return fitCategorical(table, c.name, col, missing);
    });
    return Preprocessor.ofFeatures(opts, schema.labelColumn, features);
  }

  /** The preprocessor of fitted features, with the options' defaults filled in. */
  private static ofFeatures(opts: PreprocessOptions, labelColumn: string | null, features: Feature[]): Preprocessor {
    return new Preprocessor({
      format: 'aberrant-preprocessor', version: 1, scaling: opts.scaling ?? 'minmax', unseenCategory: opts.unseenCategory ?? 'ignore',
      missing: opts.missing ?? 'impute', labelColumn, positive: opts.positive ?? null, features,
    });
  }

  /**
   * inferSchema and fit of a row-major numeric matrix read as a table (tableFromMatrix: columns f0..f{cols-1},
   * no column options), the same schema and preprocessor, without that table's float64 copy of every column
   * (200 MB at 500,000 x 50): MATRIX_BLOCK columns at a time are copied into one reused buffer and fitted there,
   * their schema facts (count, extremes) taken in the same pass. null where a column has no value at all (the
   * table path drops it and says why).
   */
  static fitMatrix(x: Float32Array | Float64Array, rows: number, cols: number, opts: PreprocessOptions = {}): { schema: Schema; preprocessor: Preprocessor } | null {
    const scaling = opts.scaling ?? 'minmax', missing = opts.missing ?? 'impute';
    if (x.length !== rows * cols) throw new Error(`matrix: ${x.length} values, expected rows * cols = ${rows * cols}`);
    if (rows === 0) throw new Error('matrix: no rows to fit the preprocessor on');
    if (cols === 0) return null;
    const names = defaultNames(cols), width = Math.min(MATRIX_BLOCK, cols);
    const block = new Float64Array(width * rows);
    const scratch: NumericScratch = { present: new Float64Array(rows), median: medianScratch(rows) };
    const columns: ColumnSchema[] = [], features: Feature[] = [];
    for (let j0 = 0; j0 < cols; j0 += width) {
      const w = Math.min(width, cols - j0);
      for (let i = 0; i < rows; i++) {
        const base = i * cols + j0;
        for (let b = 0; b < w; b++) block[b * rows + i] = x[base + b];
      }
      const views = Array.from({ length: w }, (_, b) => block.subarray(b * rows, (b + 1) * rows));
      const table = makeTable('matrix', names.slice(j0, j0 + w), views, rows);
      for (let b = 0; b < w; b++) {
        const name = names[j0 + b];
        const fitted = fitNumeric(table, name, views[b], scaling, missing, scratch);
        if (fitted === null) return null;
        // inferSchema's facts of a number column: constant when its present values' extremes are equal.
        const column: ColumnSchema = { name, kind: 'numeric', role: 'feature' };
        if (fitted.lo === fitted.hi) column.reason = constantReason(String(fitted.lo));
        columns.push(column);
        features.push(fitted.feature);
      }
    }
    return { schema: { columns, labelColumn: null, suggestedLabel: null }, preprocessor: Preprocessor.ofFeatures(opts, null, features) };
  }

  /**
   * transform() of a row-major numeric matrix, without building a column table: for a preprocessor whose features
   * are all numeric and named f0..f{cols-1} in order (what a matrix fitted as one gets). The same values and counts,
   * reading the rows in order. null where that does not hold, or where a value needs the table path's error (a
   * missing value under the "error" policy), so the caller falls back to transform().
   */
  transformMatrix(m: Float32Array | Float64Array, rows: number, cols: number): Transformed | null {
    const fs = this.state.features;
    if (cols !== fs.length || m.length !== rows * cols) return null;
    const offset = new Float64Array(cols), scale = new Float64Array(cols), impute = new Float64Array(cols);
    for (let k = 0; k < cols; k++) {
      const f = fs[k];
      if (f.kind !== 'numeric' || f.name !== `f${k}`) return null;
      offset[k] = f.offset; scale[k] = f.scale; impute[k] = f.impute ?? NaN;
    }
    const x = new Float32Array(rows * cols);
    let clampedAt = new Float64Array(cols);
    // A float32 value is its own float32 rounding (and one beyond float32 is infinite either way), so scaleNumeric
    // reduces to (v - offset) / scale: the backend's kernel, unless a value is missing.
    if (!(m instanceof Float32Array) || kernels().scaleColumns(rows, cols, m, offset, scale, SCALED_VALUE_LIMIT, x, clampedAt) >= 0) {
      clampedAt = new Float64Array(cols);
      for (let i = 0; i < rows; i++) {
        const base = i * cols;
        for (let k = 0; k < cols; k++) {
          let v = m[base + k];
          if (v !== v) {
            v = impute[k];
            if (v !== v) return null; // no imputation value: the table path names the row and column
          }
          let scaled = scaleNumeric(v, offset[k], scale[k]);
          if (scaled > SCALED_VALUE_LIMIT) { scaled = SCALED_VALUE_LIMIT; clampedAt[k]++; } else if (scaled < -SCALED_VALUE_LIMIT) { scaled = -SCALED_VALUE_LIMIT; clampedAt[k]++; }
          x[base + k] = scaled;
        }
      }
    }
    let clamped = 0;
    const clampedByColumn: Record<string, number> = {};
    for (let k = 0; k < cols; k++) if (clampedAt[k] > 0) { clamped += clampedAt[k]; clampedByColumn[fs[k].name] = clampedAt[k]; }
    return { x, rows, cols, unseen: 0, clamped, unseenByColumn: {}, clampedByColumn };
  }

  transform(table: Table): Transformed {
    checkColumns(table, this.state.features.map((f) => f.name));
    const rows = table.rowCount, cols = this.cols;
    const x = new Float32Array(rows * cols);
    let unseen = 0, clamped = 0, at = 0;
    const unseenByColumn: Record<string, number> = {}, clampedByColumn: Record<string, number> = {};
    this.state.features.forEach((f, k) => {
      const col = table.column(f.name);
      if (f.kind === 'numeric') {
        const clampedBefore = clamped;
        for (let i = 0; i < rows; i++) {
          let v = numberAt(table, f.name, col, i);
          if (Number.isNaN(v)) {
            if (f.impute === null) throw missingError(table, f.name, i);
            v = f.impute;
          }
          let scaled = scaleNumeric(v, f.offset, f.scale);
          if (scaled > SCALED_VALUE_LIMIT) { scaled = SCALED_VALUE_LIMIT; clamped++; } else if (scaled < -SCALED_VALUE_LIMIT) { scaled = -SCALED_VALUE_LIMIT; clamped++; }
          x[i * cols + at] = scaled;
        }
        if (clamped > clampedBefore) clampedByColumn[f.name] = clamped - clampedBefore;
        at += 1;
      } else if (f.kind === 'boolean') {
        for (let i = 0; i < rows; i++) {
          let b = booleanAt(table, f.name, col, i);
          if (b === null) {
            if (f.impute === null) throw missingError(table, f.name, i);
            b = f.impute;
          }
          x[i * cols + at + (b ? 1 : 0)] = 1;
        }
        at += 2;
      } else {
        const index = this.levelIndex[k]!;
        const unseenBefore = unseen;
        for (let i = 0; i < rows; i++) {
          const key = keyAt(col, i);
          if (key === null && this.state.missing === 'error') throw missingError(table, f.name, i);
          const level = index.get(key ?? MISSING_LEVEL);
          if (level !== undefined) { x[i * cols + at + level] = 1; continue; }
          if (this.state.unseenCategory === 'error') {
            const shown = f.levels.slice(0, 10).join(', ') + (f.levels.length > 10 ? ', ...' : '');
            throw new Error(`${table.where(i)}, column "${f.name}": ${key === null ? 'a missing value' : `category "${key}"`} was not seen in training (levels: ${shown})`);
          }
          unseen++;
        }
        if (unseen > unseenBefore) unseenByColumn[f.name] = unseen - unseenBefore;
        at += f.levels.length;
      }
    });
    return { x, rows, cols, unseen, clamped, unseenByColumn, clampedByColumn };
  }

  /**
   * The label column as 0/1 (1 = anomaly). Accepts 0/1, true/false (yes/no), or with `positive` any values,
   * where the positive value marks an anomaly (it must occur, so a misspelt value is caught).
   */
  labels(table: Table, opts: { positive?: string } = {}): Uint8Array {
    const name = this.state.labelColumn;
    if (name === null) throw new Error('the preprocessor has no label column (infer the schema with labelColumn)');
    checkColumns(table, [name]);
    return labelsFromColumn(table, name, opts.positive ?? this.state.positive);
  }

  /** The table column an output column comes from. */
  sourceColumnOf(featureIndex: number): string {
    this.checkIndex(featureIndex);
    return this.sources[featureIndex];
  }

  /** A scaled numeric value back in the column's raw units (one-hot values are returned as they are). */
  inverseValue(featureIndex: number, scaledValue: number): number {
    this.checkIndex(featureIndex);
    const f = this.state.features.find((g) => g.name === this.sources[featureIndex])!;
    if (f.kind !== 'numeric') return scaledValue;
    return f.scale > 0 ? f.offset + scaledValue * f.scale : f.offset;
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.cols) throw new Error(`feature index ${i} out of range (0..${this.cols - 1})`);
  }

  toJSON(): PreprocessorJSON {
    return structuredClone(this.state);
  }

  static fromJSON(json: unknown): Preprocessor {
    const r = preprocessorJson.safeParse(json);
    if (!r.success) throw new Error(`invalid preprocessor JSON: ${describeZodError(r.error)}`);
    const names = new Set<string>();
    for (const f of r.data.features) {
      if (names.has(f.name)) throw new Error(`invalid preprocessor JSON: duplicate feature column "${f.name}"`);
      names.add(f.name);
    }
    return new Preprocessor(r.data);
  }
}

/** Every column the preprocessor needs must be in the table: one error naming all that are not. */
function checkColumns(table: Table, names: string[]): void {
  const absent = names.filter((n) => !table.has(n));
  if (absent.length > 0) {
    throw new Error(`${table.source} does not match the preprocessor: missing column${absent.length > 1 ? 's' : ''} ${absent.map((n) => `"${n}"`).join(', ')} (the table has: ${table.names.join(', ')})`);
  }
}

/** Buffers fitNumeric reuses across the columns of one fit (not a fresh 4 MB pair per column at 500,000 rows). */
interface NumericScratch { present: Float64Array; median: MedianScratch }

/** A numeric column's feature and its present values' extremes; null when every value is missing. */
function fitNumeric(table: Table, name: string, col: Column, scaling: Scaling, missing: 'error' | 'impute', scratch: NumericScratch): { feature: Feature; lo: number; hi: number } | null {
  const rows = table.rowCount;
  const present = scratch.present;
  // Standard scaling needs the values in row order after the median has rearranged present.
  const isMissing = scaling === 'standard' ? new Uint8Array(rows) : null;
  const numbers = col instanceof Float64Array ? col : null;
  let count = 0, firstMissing = -1, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < rows; i++) {
    const v = numbers ? numbers[i] : numberAt(table, name, col, i);
    if (v !== v) { if (firstMissing < 0) firstMissing = i; if (isMissing) isMissing[i] = 1; continue; }
    if (!(Math.abs(v) <= FLOAT32_MAX)) {
      throw new Error(`${table.where(i)}, column "${name}": training value ${v} is beyond the range the models compute in (about +-3.4e38); remove the row or rescale the column`);
    }
    present[count++] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (firstMissing >= 0 && missing === 'error') throw missingError(table, name, firstMissing);
  if (count === 0) return null;
  if (!isMissing) {
    // Min-max needs only the extremes of the float32 values the model sees; fround is monotonic and the imputed
    // median lies between them, so they are fround of the present values' extremes (lo, hi above).
    const impute = missing === 'impute' ? median(present.subarray(0, count), scratch.median) : null;
    if (scaling === 'none') return { feature: { kind: 'numeric', name, impute, offset: 0, scale: 1 }, lo, hi };
    const min = Math.fround(lo);
    return { feature: { kind: 'numeric', name, impute, offset: min, scale: Math.fround(hi) - min }, lo, hi };
  }
  // The values the model sees, rounded to float32; missing ones are filled in once the median is known.
  const v = new Float32Array(rows);
  if (count === rows) v.set(present.subarray(0, rows));
  else for (let i = 0, p = 0; i < rows; i++) v[i] = isMissing[i] ? NaN : present[p++];
  const impute = missing === 'impute' ? median(present.subarray(0, count), scratch.median) : null;
  if (count < rows) for (let i = 0; i < rows; i++) if (isMissing[i]) v[i] = impute!;
  let mean = 0;
  for (let i = 0; i < rows; i++) mean += v[i];
  mean /= rows;
  let ss = 0;
  for (let i = 0; i < rows; i++) ss += (v[i] - mean) ** 2;
  return { feature: { kind: 'numeric', name, impute, offset: mean, scale: Math.sqrt(ss / rows) }, lo, hi };
}

function fitBoolean(table: Table, name: string, col: Column, missing: 'error' | 'impute'): Feature {
  let trues = 0, falses = 0;
  for (let i = 0; i < table.rowCount; i++) {
    const b = booleanAt(table, name, col, i);
    if (b === null) { if (missing === 'error') throw missingError(table, name, i); } else if (b) trues++; else falses++;
  }
  return { kind: 'boolean', name, impute: missing === 'impute' ? trues > falses : null };
}

function fitCategorical(table: Table, name: string, col: Column, missing: 'error' | 'impute'): Feature {
  const levels = new Set<string>();
  let sawMissing = false;
  for (let i = 0; i < table.rowCount; i++) {
    const key = keyAt(col, i);
    if (key !== null) levels.add(key);
    else if (missing === 'error') throw missingError(table, name, i);
    else sawMissing = true;
  }
  const sorted = [...levels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sawMissing) sorted.push(MISSING_LEVEL);
  return { kind: 'categorical', name, levels: sorted };
}
