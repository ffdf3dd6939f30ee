/**
 * Scoring rows that arrive as text field/value pairs, one batch at a time (a Redis stream entry, a form post),
 * so that one bad row does not fail its neighbours. Text is read the way the file readers read a CSV cell
 * (the same missing-value tokens, the same number syntax), so a row scores as `aberrant score` scores the
 * same line of a CSV file; and each row is read on its own terms, so its result never depends on the batch.
 */
import type { Detector } from '../detectors/detector.js';
import { makeTable, type Cell, type Column, type Table } from '../data/table.js';
import { isMissingToken, parseNumberToken } from '../data/readers/tokens.js';
import { labelScores } from './score-rows.js';

/** One row: raw column name -> text, as a stream entry carries it. Fields the model does not read are ignored. */
export type TextRecord = Readonly<Record<string, string>>;

export type RecordResult =
  | { ok: true; score: number; isAnomaly: boolean; rank: number }
  | { ok: false; error: string };

export interface ScoredRecords {
  /** One per record, in order. */
  results: RecordResult[];
  /** The batch could not be read or scored in one piece and was redone row by row. */
  fellBack: boolean;
}

interface Input { name: string; kind: 'numeric' | 'boolean' | 'categorical'; levels: Set<string> | null }

const inputsCache = new WeakMap<Detector, Input[]>();

function inputsOf(det: Detector): Input[] {
  let inputs = inputsCache.get(det);
  if (!inputs) {
    inputs = det.preprocessing.toJSON().features.map((f) => ({ name: f.name, kind: f.kind, levels: f.kind === 'categorical' ? new Set(f.levels) : null }));
    inputsCache.set(det, inputs);
  }
  return inputs;
}

/**
 * A category as the training file spelled it: text as written when that is a level; else, for text that
 * spells a number, the number (a CSV column of numbers gets levels String(number): "01" was read as 1).
 */
function categoryCell(t: string, levels: Set<string>): Cell {
  if (levels.has(t)) return t;
  const v = parseNumberToken(t);
  return !Number.isNaN(v) && levels.has(String(v)) ? v : t;
}

/**
 * The model's raw columns of text records as a table. An absent field is a missing value, as an empty CSV
 * field is (the model's missing-value policy then imputes it or names it); a value that does not fit its
 * column is kept as text, so the preprocessor's validation names the row, the column and the value.
 */
export function tableFromTextRecords(det: Detector, records: readonly TextRecord[], source = 'records'): Table {
  const inputs = inputsOf(det), n = records.length;
  const columns: Column[] = inputs.map((f) => {
    if (f.kind === 'numeric') {
      const nums = new Float64Array(n);
      let cells: Cell[] | null = null;
      for (let i = 0; i < n; i++) {
        const t = Object.hasOwn(records[i], f.name) ? records[i][f.name] : '';
        const v = isMissingToken(t) ? NaN : parseNumberToken(t);
        if (Number.isNaN(v) && !isMissingToken(t)) cells ??= Array.from(nums.subarray(0, i), (x) => (Number.isNaN(x) ? null : x));
        if (cells) cells.push(Number.isNaN(v) ? (isMissingToken(t) ? null : t) : v);
        else nums[i] = v;
      }
      return cells ?? nums;
    }
    return records.map((r): Cell => {
      const t = Object.hasOwn(r, f.name) ? r[f.name] : '';
      if (isMissingToken(t)) return null;
      return f.levels ? categoryCell(t, f.levels) : t;
    });
  });
  return makeTable(source, inputs.map((f) => f.name), columns, n);
}

/** An entry sharing no field with the model is a producer writing to the wrong stream, not a row of missing values. */
function unrelated(det: Detector, r: TextRecord): string | null {
  const inputs = inputsOf(det);
  if (inputs.some((f) => Object.hasOwn(r, f.name))) return null;
  const names = inputs.slice(0, 10).map((f) => `"${f.name}"`).join(', ') + (inputs.length > 10 ? ', ...' : '');
  const got = Object.keys(r).slice(0, 10).map((k) => `"${k}"`).join(', ');
  return `has none of the model's columns (${names}); its fields are ${got || 'none'}`;
}

/**
 * Scores, labels and ranks of text records: one preprocessing and one scoring call for the batch. When the
 * batch call fails (a value that does not fit, a missing value the model refuses), each record is read
 * alone, the good ones are still scored together, and each bad one gets the library's error message.
 * `names` label the records in error messages (e.g. stream entry ids; default "record <n>").
 */
export function scoreTextRecords(det: Detector, records: readonly TextRecord[], names?: readonly string[]): ScoredRecords {
  const name = (i: number): string => names?.[i] ?? `record ${i + 1}`;
  const results: RecordResult[] = new Array<RecordResult>(records.length);
  const good: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const why = unrelated(det, records[i]);
    if (why) results[i] = { ok: false, error: `${name(i)}: ${why}` };
    else good.push(i);
  }
  if (good.length === 0) return { results, fellBack: false };
  const cols = det.featureNames.length;
  let fellBack = good.length < records.length;
  let x: Float32Array, rows: number[];
  try {
    const table = tableFromTextRecords(det, good.map((i) => records[i]), 'batch');
    x = det.preprocessing.transform(table).x;
    rows = good;
  } catch {
    fellBack = true;
    const parts: Float32Array[] = [];
    rows = [];
    for (const i of good) {
      try {
        parts.push(det.preprocessing.transform(tableFromTextRecords(det, [records[i]], name(i))).x);
        rows.push(i);
      } catch (e) {
        // A one-row table says "<name> row 1, column ..."; the row number is noise here.
        const m = (e as Error).message, prefix = `${name(i)} row 1`;
        results[i] = { ok: false, error: m.startsWith(prefix) ? name(i) + m.slice(prefix.length) : m };
      }
    }
    x = new Float32Array(rows.length * cols);
    parts.forEach((p, k) => x.set(p, k * cols));
  }
  if (rows.length === 0) return { results, fellBack };
  let scores: Float64Array;
  try { scores = det.scoreTransformed(x, rows.length); } catch {
    // Scoring refused the batch: score each row alone, so only the row that breaks it is an error.
    fellBack = true;
    scores = new Float64Array(rows.length).fill(NaN);
    rows.forEach((i, k) => {
      try { scores[k] = det.scoreTransformed(x.slice(k * cols, (k + 1) * cols), 1)[0]; } catch (e) { results[i] = { ok: false, error: `${name(i)}: ${(e as Error).message}` }; }
    });
  }
  const kept = rows.map((_, k) => k).filter((k) => !Number.isNaN(scores[k]));
  const finalScores = Float64Array.from(kept, (k) => scores[k]);
  const { isAnomaly, rank } = labelScores(det, finalScores);
  kept.forEach((k, j) => { results[rows[k]] = { ok: true, score: finalScores[j], isAnomaly: isAnomaly[j] === 1, rank: rank[j] }; });
  return { results, fellBack };
}
