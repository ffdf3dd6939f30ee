/**
 * Columns from typed formats (JSON Lines, Arrow, Parquet): numbers, big integers, text, booleans and dates
 * become cells; anything nested (lists, structs, binary) is an error naming the column and row.
 */
import { describeValue, type Cell } from '../table.js';
import { ColumnBuilder } from './column-builder.js';

/** The cell for one typed value; `where` says where it is, only evaluated for the error. */
export function typedToCell(v: unknown, where: () => string): Cell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number': return Number.isFinite(v) ? v : null; // NaN in a float column is a missing value
    case 'bigint': return Number(v);
    case 'string': case 'boolean': return v;
  }
  if (v instanceof Date) return v.getTime(); // milliseconds since 1970, a usable numeric feature
  throw new Error(`${where()}: expected a number, string, boolean or null, got ${describeValue(v)}`);
}

/** One column from any indexable sequence of typed values. */
export function columnFromValues(length: number, get: (i: number) => unknown, where: (i: number) => string) {
  const b = new ColumnBuilder();
  for (let i = 0; i < length; i++) b.pushCell(typedToCell(get(i), () => where(i)));
  return b.finish();
}
