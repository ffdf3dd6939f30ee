/** Arrow IPC (file or stream format, e.g. .arrow/.feather v2) to a Table; browser-safe. */
import { tableFromIPC } from 'apache-arrow';
import { makeTable, type Table } from '../table.js';
import { columnFromValues } from './typed-values.js';

export interface ArrowOptions { source?: string }

export function parseArrowIpc(bytes: Uint8Array | ArrayBuffer, opts: ArrowOptions = {}): Table {
  const source = opts.source ?? 'input.arrow';
  let arrow;
  try {
    arrow = tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (e) {
    throw new Error(`${source}: not a readable Arrow IPC file (${(e as Error).message})`, { cause: e });
  }
  const names = arrow.schema.fields.map((f) => f.name);
  if (names.length === 0) throw new Error(`${source}: empty file (no columns)`);
  if (arrow.numRows === 0) throw new Error(`${source}: no data rows`);
  const columns = arrow.schema.fields.map((field, j) => {
    const vector = arrow.getChildAt(j)!;
    return columnFromValues(arrow.numRows, (i) => vector.get(i),
      (i) => `${source} row ${i + 1}, column "${field.name}" (Arrow type ${field.type})`);
  });
  return makeTable(source, names, columns, arrow.numRows);
}
