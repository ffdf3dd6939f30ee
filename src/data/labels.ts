/**
 * A label column as 0/1 (1 = anomaly), for evaluation and the benchmark harness. Accepted: numbers 0/1,
 * booleans (true/false/yes/no), or any values with `positive` naming the anomaly value (every other value
 * = 0; the value must occur, so a misspelt one is caught). A missing label is an error, never a silent 0.
 */
import { categoryKey, cellBoolean } from './schema.js';
import { quoteCell, type Table } from './table.js';

export function labelsFromColumn(table: Table, name: string, positive: string | null = null): Uint8Array {
  const col = table.column(name);
  const out = new Uint8Array(table.rowCount);
  let seenPositive = false;
  const seen = new Set<string>();
  for (let i = 0; i < table.rowCount; i++) {
    const c = col[i];
    const missing = c === null || (typeof c === 'number' && Number.isNaN(c));
    if (missing) throw new Error(`${table.where(i)}, label column "${name}": missing label`);
    if (positive !== null) {
      const key = categoryKey(c);
      out[i] = key === positive ? 1 : 0;
      seenPositive ||= key === positive;
      if (seen.size < 20) seen.add(key);
      continue;
    }
    const b = typeof c === 'number' || (typeof c === 'string' && (c === '0' || c === '1'))
      ? (Number(c) === 1 ? true : Number(c) === 0 ? false : undefined) : cellBoolean(c);
    if (b === undefined || b === null) {
      throw new Error(`${table.where(i)}, label column "${name}": expected 0/1 or true/false, got ${quoteCell(c)} (name the anomaly value with positive)`);
    }
    out[i] = b ? 1 : 0;
  }
  if (positive !== null && !seenPositive) {
    throw new Error(`${table.source}: label column "${name}" never has the positive value "${positive}" (values include: ${[...seen].join(', ')})`);
  }
  return out;
}
