/**
 * A small numeric CSV reader for the bundled data sets and simple tables: header row, comma separated,
 * every value numeric. Errors name the file, line and column. (General tabular input with categorical
 * columns lives in the data layer's table reader.)
 */

export interface NumericTable {
  columns: string[];
  rows: number;
  cols: number;
  /** Row-major float32 values of the feature columns. */
  x: Float32Array;
  /** The label column, if one was requested. */
  labels: Uint8Array | null;
}

export interface NumericCsvOptions {
  /** Name of a 0/1 label column to split off; an error if it is missing. */
  labelColumn?: string;
  /** Used in error messages. */
  source?: string;
}

export function parseNumericCsv(text: string, o: NumericCsvOptions = {}): NumericTable {
  const src = o.source ?? 'input';
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new Error(`${src}: empty file (expected a header row)`);
  const header = lines[0].split(',').map((h) => h.trim());
  if (header.some((h) => h === '')) throw new Error(`${src}: line 1: empty column name in the header`);
  const labelIdx = o.labelColumn === undefined ? -1 : header.indexOf(o.labelColumn);
  if (o.labelColumn !== undefined && labelIdx < 0) {
    throw new Error(`${src}: label column "${o.labelColumn}" not found (columns: ${header.join(', ')})`);
  }
  const columns = header.filter((_, j) => j !== labelIdx);
  const rows = lines.length - 1, cols = columns.length;
  if (rows === 0) throw new Error(`${src}: no data rows after the header`);
  const x = new Float32Array(rows * cols);
  const labels = labelIdx >= 0 ? new Uint8Array(rows) : null;
  for (let i = 0; i < rows; i++) {
    const cells = lines[i + 1].split(',');
    if (cells.length !== header.length) {
      throw new Error(`${src}: line ${i + 2}: expected ${header.length} values, got ${cells.length}`);
    }
    let c = 0;
    for (let j = 0; j < cells.length; j++) {
      const raw = cells[j].trim();
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) {
        throw new Error(`${src}: line ${i + 2}, column "${header[j]}": expected a number, got "${raw}"`);
      }
      if (j === labelIdx) {
        if (v !== 0 && v !== 1) throw new Error(`${src}: line ${i + 2}, label column "${header[j]}": expected 0 or 1, got "${raw}"`);
        labels![i] = v;
      } else {
        x[i * cols + c++] = v;
      }
    }
  }
  return { columns, rows, cols, x, labels };
}
