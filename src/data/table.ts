/**
 * A columnar table of raw cells, what every reader returns and what schema inference and preprocessing read.
 * A column is either a Float64Array (all values numbers; NaN marks a missing value), which keeps a
 * 500k-row numeric column at 4 MB, or an array of cells (text, booleans, numbers mixed in), where null
 * marks a missing value. Readers keep text exactly as written so categories are never reformatted.
 */

export type Cell = number | string | boolean | null;
export type Column = Float64Array | readonly Cell[];

export interface Table {
  readonly names: readonly string[];
  readonly rowCount: number;
  /** Where the rows came from (a file name), used to start error messages. */
  readonly source: string;
  /** The column's values; throws naming the available columns when there is no such column. */
  column(name: string): Column;
  has(name: string): boolean;
  /** "data.csv row 12 (line 13)": where a row is, for error messages (row is 0-based here, 1-based in the text). */
  where(row: number): string;
}

class ColumnTable implements Table {
  readonly rowCount: number;
  private readonly byName = new Map<string, Column>();

  constructor(
    readonly source: string,
    readonly names: readonly string[],
    columns: readonly Column[],
    rowCount: number,
    /** 1-based line of each row in a text file, when the reader knew it. */
    readonly lines: Uint32Array | null,
    /** 0-based row of each row in the table it was selected from (null: itself). */
    readonly origin: Uint32Array | null,
  ) {
    if (columns.length !== names.length) throw new Error(`${source}: ${names.length} names for ${columns.length} columns`);
    names.forEach((name, j) => {
      if (this.byName.has(name)) throw new Error(`${source}: duplicate column name "${name}"`);
      if (columns[j].length !== rowCount) {
        throw new Error(`${source}: column "${name}" has ${columns[j].length} values, expected ${rowCount}`);
      }
      this.byName.set(name, columns[j]);
    });
    this.rowCount = rowCount;
  }

  column(name: string): Column {
    const c = this.byName.get(name);
    if (c === undefined) throw new Error(`${this.source}: no column "${name}" (columns: ${this.names.join(', ')})`);
    return c;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  where(row: number): string {
    const line = this.lines === null ? '' : ` (line ${this.lines[row]})`;
    return `${this.source} row ${(this.origin === null ? row : this.origin[row]) + 1}${line}`;
  }
}

/** Builds a table from finished columns (readers use this). */
export function makeTable(source: string, names: readonly string[], columns: readonly Column[], rowCount: number,
  lines: Uint32Array | null = null): Table {
  return new ColumnTable(source, names, columns, rowCount, lines, null);
}

export function defaultNames(cols: number): string[] {
  return Array.from({ length: cols }, (_, j) => `f${j}`);
}

function checkNames(names: readonly string[], cols: number, source: string): readonly string[] {
  if (names.length !== cols) throw new Error(`${source}: ${names.length} names given for ${cols} columns`);
  return names;
}

/** Rows of numbers (number[][] or typed rows); NaN is a missing value. Names default to f0..fN-1. */
export function tableFromRows(rows: ArrayLike<ArrayLike<number>>, names?: readonly string[]): Table {
  const source = 'rows';
  if (rows.length === 0) throw new Error(`${source}: no rows`);
  const cols = rows[0].length;
  const columns = Array.from({ length: cols }, () => new Float64Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.length !== cols) throw new Error(`${source}: row ${i + 1} has ${r.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) columns[j][i] = r[j];
  }
  return makeTable(source, checkNames(names ?? defaultNames(cols), cols, source), columns, rows.length);
}

/** A row-major matrix (rows x cols). */
export function tableFromMatrix(x: Float32Array | Float64Array, rows: number, cols: number, names?: readonly string[]): Table {
  const source = 'matrix';
  if (x.length !== rows * cols) throw new Error(`${source}: ${x.length} values, expected rows * cols = ${rows * cols}`);
  const columns = Array.from({ length: cols }, () => new Float64Array(rows));
  // Transposed in blocks of rows, so the block being read stays in cache while each column is written in runs.
  const block = 256;
  for (let start = 0; start < rows; start += block) {
    const end = Math.min(rows, start + block);
    for (let j = 0; j < cols; j++) {
      const c = columns[j];
      for (let i = start; i < end; i++) c[i] = x[i * cols + j];
    }
  }
  return makeTable(source, checkNames(names ?? defaultNames(cols), cols, source), columns, rows);
}

function isCell(v: unknown): v is Cell {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/**
 * One object per row; the columns are the union of keys in first-seen order, and a key a record lacks
 * (or holds undefined) is missing there. A column whose values are all numbers (or missing) is numeric.
 */
export function tableFromRecords(records: readonly Record<string, Cell>[], source = 'records'): Table {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
  const columns = names.map((name) => {
    const cells: Cell[] = new Array(records.length);
    let allNumbers = true;
    for (let i = 0; i < records.length; i++) {
      const v: unknown = records[i][name];
      if (v === undefined) { cells[i] = null; continue; }
      if (!isCell(v)) {
        throw new Error(`${source} row ${i + 1}, column "${name}": expected a number, string, boolean or null, got ${describeValue(v)}`);
      }
      cells[i] = v;
      if (v !== null && typeof v !== 'number') allNumbers = false;
    }
    return allNumbers ? Float64Array.from(cells, (v) => (v === null ? NaN : (v as number))) : cells;
  });
  return makeTable(source, names, columns, records.length);
}

/** A cell quoted for an error message, cut to `max` characters so a 100 kB field cannot flood the message. */
export function quoteCell(v: unknown, max = 60): string {
  const q = JSON.stringify(v) ?? String(v);
  return q.length <= max ? q : `${q.slice(0, max - 1)}…" (${q.length - 2} characters)`;
}

export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** The rows at the given (0-based) indices, in that order; error messages still point at the original rows. */
export function selectRows(table: Table, idx: ArrayLike<number>): Table {
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (!Number.isInteger(i) || i < 0 || i >= table.rowCount) {
      throw new Error(`selectRows: index ${i} out of range for ${table.rowCount} rows of ${table.source}`);
    }
  }
  const columns = table.names.map((name) => {
    const c = table.column(name);
    if (c instanceof Float64Array) {
      const out = new Float64Array(idx.length);
      for (let k = 0; k < idx.length; k++) out[k] = c[idx[k]];
      return out;
    }
    return Array.from({ length: idx.length }, (_, k) => c[idx[k]]);
  });
  const from = table instanceof ColumnTable ? table : null;
  const pick = (a: Uint32Array) => Uint32Array.from({ length: idx.length }, (_, k) => a[idx[k]]);
  const lines = from?.lines ? pick(from.lines) : null;
  const origin = from?.origin ? pick(from.origin) : Uint32Array.from(idx);
  return new ColumnTable(table.source, table.names, columns, idx.length, lines, origin);
}
