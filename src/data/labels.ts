/**
 * A label column as 0/1 (1 = anomaly), for evaluation and the benchmark harness. Accepted: numbers 0/1,
 * booleans (true/false/yes/no), or text with `positive` naming the anomaly value (every other value = 0).
 * Anything else is an error naming the row and value; a missing label is an error, never a silent 0.
 */
import { cellBoolean } from './schema.js';
import type { Table } from './table.js';

export function labelsFromColumn(table: Table, column: string, positive?: string): Uint8Array {
  const col = table.column(column);
  const out = new Uint8Array(table.rowCount);
  for (let i = 0; i < table.rowCount; i++) {
    const v = col[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) throw new Error(`${table.where(i)}, column "${column}": label is missing`);
    if (positive !== undefined) { out[i] = String(v) === positive ? 1 : 0; continue; }
    if (typeof v === 'number' || (typeof v === 'string' && /^\s*[01](\.0*)?\s*$/.test(v))) {
      const n = Number(v);
      if (n === 0 || n === 1) { out[i] = n; continue; }
    }
    const b = cellBoolean(v);
    if (b === true || b === false) { out[i] = b ? 1 : 0; continue; }
    throw new Error(`${table.where(i)}, column "${column}": expected a label 0/1 or true/false, got "${String(v)}" (use --positive <value> for text labels)`);
  }
  return out;
}
