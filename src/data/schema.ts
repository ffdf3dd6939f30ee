/**
 * Schema inference: what kind each column is and whether it is a feature, the label, or left out.
 *
 * Rules, in order, for each column:
 * - kind: every non-missing value a number (or text spelling a plain decimal number) -> numeric; every
 *   non-missing value true/false/yes/no (any case) or a boolean -> boolean; otherwise categorical.
 *   `numeric` / `categorical` options force a kind (forcing numeric on a column with text is an error).
 * - the column named by `labelColumn` is the label (an error listing the columns if there is none such).
 * - columns in `drop` are dropped; a column with no values at all is dropped.
 * - with no `labelColumn`, a column named label, y, class, is_anomaly, anomaly, outlier or target is never
 *   used silently, as a feature or as the label: it is dropped and the first one is returned as
 *   `suggestedLabel`, so the caller can tell the user to pass it as the label.
 * - id-like columns are dropped: a column named id, uuid, index or *_id whose values are all distinct, and a
 *   categorical column whose values are all distinct over more than a handful (5) of rows (unless 90% of
 *   them are numbers: that is a numeric column with stray text, which the next rule reports).
 * - a categorical feature with more than `maxCategories` (100) levels is an error suggesting --drop: one-hot
 *   encoding it would add a column per level.
 * - a constant column is kept (it may vary in later data) and noted in `reason`.
 */
import * as z from '../zod.js';
import { quoteCell, type Cell, type Column, type Table } from './table.js';
import { parseNumberToken } from './readers/tokens.js';

export type ColumnKind = 'numeric' | 'categorical' | 'boolean';
export type ColumnRole = 'feature' | 'label' | 'dropped';

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  role: ColumnRole;
  /** Why a column is dropped, or a note on a kept one (constant). */
  reason?: string;
  /** The levels inferSchema saw in a categorical column, sorted (for display; a Preprocessor learns its own). */
  categories?: string[];
}

export interface Schema {
  columns: ColumnSchema[];
  labelColumn: string | null;
  /** A column that looks like a label, left out of the features because no label column was given. */
  suggestedLabel: string | null;
}

export interface InferSchemaOptions {
  labelColumn?: string;
  drop?: string[];
  categorical?: string[];
  numeric?: string[];
  /** Most levels a categorical feature may have; default 100. */
  maxCategories?: number;
}

export const LABEL_LIKE_NAMES: readonly string[] = ['label', 'y', 'class', 'is_anomaly', 'anomaly', 'outlier', 'target'];
const ID_LIKE_NAME = /^(id|uuid|index)$|_id$/i;
const HANDFUL = 5;
/** Most distinct values a numeric column with a label-like name may have and still be taken for a label. */
export const LABEL_MAX_CLASSES = 32;

/** A cell as a number: NaN when missing or not a plain number. */
export function cellNumber(c: Cell): number {
  if (typeof c === 'number') return c;
  if (typeof c === 'string') return parseNumberToken(c);
  return NaN;
}

/** A cell as a boolean: true/false/yes/no in any case; undefined when it is not one (null when missing). */
export function cellBoolean(c: Cell): boolean | null | undefined {
  if (c === null) return null;
  if (typeof c === 'boolean') return c;
  if (typeof c !== 'string') return undefined;
  const s = c.toLowerCase();
  if (s === 'true' || s === 'yes') return true;
  if (s === 'false' || s === 'no') return false;
  return undefined;
}

/** The category a cell names: text as written, numbers and booleans spelled by String(). */
export function categoryKey(c: string | number | boolean): string {
  return typeof c === 'string' ? c : String(c);
}

interface ColumnFacts {
  nonMissing: number;
  numericCount: number;
  allNumeric: boolean;
  allBoolean: boolean;
  /** First value that is not a number, for the error when numeric is forced. */
  firstText: { row: number; value: string } | null;
  /** The distinct category keys; for a numeric column only when asked (it costs a string per row). */
  distinct: Set<string> | null;
  /** The one value of a constant column. */
  constant: string | null;
}

function factsOf(col: Column, needDistinct: boolean): ColumnFacts {
  if (col instanceof Float64Array) {
    let nonMissing = 0, min = Infinity, max = -Infinity;
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (Number.isNaN(v)) continue;
      nonMissing++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let distinct: Set<string> | null = null;
    if (needDistinct) {
      distinct = new Set();
      for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i])) distinct.add(String(col[i]));
    }
    const constant = nonMissing > 0 && min === max ? String(min) : null;
    return { nonMissing, numericCount: nonMissing, allNumeric: true, allBoolean: false, firstText: null, distinct, constant };
  }
  const distinct = new Set<string>();
  let nonMissing = 0, numericCount = 0, allNumeric = true, allBoolean = true;
  let firstText: ColumnFacts['firstText'] = null;
  for (let i = 0; i < col.length; i++) {
    const c = col[i];
    if (c === null) continue;
    nonMissing++;
    distinct.add(categoryKey(c));
    if (!Number.isNaN(cellNumber(c))) numericCount++;
    else if (allNumeric) { allNumeric = false; firstText = { row: i, value: String(c) }; }
    if (allBoolean && cellBoolean(c) === undefined) allBoolean = false;
  }
  const constant = distinct.size === 1 ? [...distinct][0] : null;
  return { nonMissing, numericCount, allNumeric, allBoolean, firstText, distinct, constant };
}

/** Why a constant feature column is noted (it stays a feature). */
export function constantReason(value: string): string {
  return `constant: every value is ${value} (kept; it may vary in new data)`;
}

/** A numeric column of at most LABEL_MAX_CLASSES distinct integers. */
function looksLikeClasses(col: Column, facts: ColumnFacts): boolean {
  if (facts.distinct === null || facts.distinct.size > LABEL_MAX_CLASSES) return false;
  for (let i = 0; i < col.length; i++) {
    const v = typeof col[i] === 'number' ? col[i] as number : cellNumber(col[i] as Cell);
    if (!Number.isNaN(v) && !Number.isInteger(v)) return false;
  }
  return true;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkNamed(table: Table, names: readonly string[] | undefined, option: string): void {
  const unknown = (names ?? []).filter((n) => !table.has(n));
  if (unknown.length > 0) {
    throw new Error(`${table.source}: no column ${unknown.map((n) => `"${n}"`).join(', ')} (given as ${option}); columns: ${table.names.join(', ')}`);
  }
}

export function inferSchema(table: Table, opts: InferSchemaOptions = {}): Schema {
  const label = opts.labelColumn ?? null;
  checkNamed(table, label === null ? [] : [label], 'labelColumn');
  checkNamed(table, opts.drop, 'drop');
  checkNamed(table, opts.categorical, 'categorical');
  checkNamed(table, opts.numeric, 'numeric');
  const drop = new Set(opts.drop), forcedCategorical = new Set(opts.categorical), forcedNumeric = new Set(opts.numeric);
  const both = [...forcedCategorical].filter((n) => forcedNumeric.has(n));
  if (both.length > 0) throw new Error(`column "${both[0]}" is given as both categorical and numeric`);
  if (label !== null && drop.has(label)) throw new Error(`column "${label}" is given as the label and also dropped`);
  const maxCategories = opts.maxCategories ?? 100;

  let suggestedLabel: string | null = null;
  const columns = table.names.map((name): ColumnSchema => {
    // A column the user gives as numeric or categorical is a feature, whatever its name.
    const labelLikeName = label === null && !forcedNumeric.has(name) && !forcedCategorical.has(name) && LABEL_LIKE_NAMES.includes(name.toLowerCase());
    const facts = factsOf(table.column(name), forcedCategorical.has(name) || ID_LIKE_NAME.test(name) || labelLikeName);
    if (forcedNumeric.has(name) && !facts.allNumeric) {
      const t = facts.firstText!;
      throw new Error(`column "${name}" is given as numeric, but ${table.where(t.row)} has ${quoteCell(t.value)}`);
    }
    const kind: ColumnKind = forcedCategorical.has(name) ? 'categorical'
      : facts.allNumeric ? 'numeric' : facts.allBoolean ? 'boolean' : 'categorical';
    const col: ColumnSchema = { name, kind, role: 'feature' };
    if (name === label) return { ...col, role: 'label' };
    if (drop.has(name)) return { ...col, role: 'dropped', reason: 'dropped on request (--drop)' };
    if (facts.nonMissing === 0) return { ...col, role: 'dropped', reason: 'every value is missing' };
    // A label holds classes: text, booleans or a few integers. A measurement named y or target stays a feature.
    if (labelLikeName && (kind !== 'numeric' || looksLikeClasses(table.column(name), facts))) {
      suggestedLabel ??= name;
      return { ...col, role: 'dropped', reason: `looks like a label column; kept out of the features (pass --label-column ${name} to use it as the label, or --drop ${name})` };
    }
    // A column the user names as categorical is used as one, never dropped as id-like.
    const allDistinct = !forcedCategorical.has(name) && facts.distinct !== null && facts.distinct.size === facts.nonMissing;
    if (allDistinct && ID_LIKE_NAME.test(name) && facts.nonMissing > 1) {
      return { ...col, role: 'dropped', reason: `id-like: named like an id and all ${facts.nonMissing} values are distinct` };
    }
    // A mostly numeric column with stray text is not an id: it falls through to the error that points at the text.
    if (allDistinct && kind === 'categorical' && facts.nonMissing > HANDFUL && facts.numericCount < 0.9 * facts.nonMissing) {
      return { ...col, role: 'dropped', reason: `id-like: all ${facts.nonMissing} values are distinct text` };
    }
    if (kind === 'categorical') {
      const distinct = facts.distinct!; // categorical columns always have their keys counted
      if (distinct.size > maxCategories) {
        // A numeric column with a few stray text values ends up here: say where the text is.
        const t = facts.firstText;
        const hint = t !== null && facts.numericCount >= 0.9 * facts.nonMissing
          ? `; ${facts.numericCount} of its ${facts.nonMissing} values are numbers, so check ${table.where(t.row)}: ${quoteCell(t.value)}` : '';
        throw new Error(`column "${name}" has ${distinct.size} distinct values, more than maxCategories (${maxCategories}) for a categorical feature: drop it (--drop ${name}), or raise the limit (--max-categories ${distinct.size}; maxCategories in the library)${hint}`);
      }
      col.categories = [...distinct].sort(byText);
    }
    if (facts.constant !== null) col.reason = constantReason(facts.constant);
    return col;
  });
  if (!columns.some((c) => c.role === 'feature')) {
    throw new Error(`${table.source}: no feature columns left (${columns.map((c) => `${c.name}: ${c.reason ?? c.role}`).join('; ')})`);
  }
  return { columns, labelColumn: label, suggestedLabel };
}

/** The feature columns, in table order. */
export function featureColumns(schema: Schema): ColumnSchema[] {
  return schema.columns.filter((c) => c.role === 'feature');
}

const columnSchemaJson = z.object({
  name: z.string().check(z.minLength(1)),
  kind: z.enum(['numeric', 'categorical', 'boolean']),
  role: z.enum(['feature', 'label', 'dropped']),
  reason: z.optional(z.string()),
  categories: z.optional(z.array(z.string())),
});

const schemaJson = z.object({
  format: z.literal('aberrant-schema'),
  version: z.literal(1),
  columns: z.array(columnSchemaJson).check(z.minLength(1)),
  labelColumn: z.nullable(z.string()),
  suggestedLabel: z.nullable(z.string()),
});

export type SchemaJSON = z.infer<typeof schemaJson>;

export function schemaToJSON(schema: Schema): SchemaJSON {
  return { format: 'aberrant-schema', version: 1, ...structuredClone(schema) };
}

/** One line per problem: "columns.2.kind: Invalid option: ...". */
export function describeZodError(e: z.core.$ZodError): string {
  return e.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export function schemaFromJSON(json: unknown): Schema {
  const r = schemaJson.safeParse(json);
  if (!r.success) throw new Error(`invalid schema JSON: ${describeZodError(r.error)}`);
  const { columns, labelColumn, suggestedLabel } = r.data;
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new Error(`invalid schema JSON: duplicate column "${c.name}"`);
    names.add(c.name);
  }
  const labels = columns.filter((c) => c.role === 'label').map((c) => c.name);
  if (labels.length > 1 || (labels[0] ?? null) !== labelColumn) {
    throw new Error(`invalid schema JSON: labelColumn is ${JSON.stringify(labelColumn)} but the label-role columns are [${labels.join(', ')}]`);
  }
  return { columns, labelColumn, suggestedLabel };
}
