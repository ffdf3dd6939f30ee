/** Parquet (flat columns) to a Table with hyparquet; browser-safe (it reads from an ArrayBuffer). */
import { parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import { makeTable, type Table } from '../table.js';
import { columnFromValues } from './typed-values.js';

export interface ParquetOptions { source?: string }

export async function parseParquet(buffer: ArrayBuffer, opts: ParquetOptions = {}): Promise<Table> {
  const source = opts.source ?? 'input.parquet';
  if (buffer.byteLength === 0) throw new Error(`${source}: empty file`);
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (e) {
    throw new Error(`${source}: not a readable Parquet file (${(e as Error).message})`, { cause: e });
  }
  const fields = parquetSchema(metadata).children;
  const nested = fields.find((f) => f.children.length > 0);
  if (nested) throw new Error(`${source}: column "${nested.element.name}" is nested; only flat columns can be read`);
  const names = fields.map((f) => f.element.name);
  const rows = Number(metadata.num_rows);
  if (rows === 0) throw new Error(`${source}: no data rows`);
  // Chunks arrive per column and row group; each lands at its rows in a per-column array.
  const values = new Map<string, unknown[]>(names.map((n) => [n, new Array<unknown>(rows)]));
  await parquetRead({
    file: buffer,
    metadata,
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      const out = values.get(columnName)!;
      for (let i = rowStart; i < Math.min(rowEnd, rows); i++) out[i] = columnData[i - rowStart];
    },
  });
  const columns = names.map((name) => {
    const vs = values.get(name)!;
    return columnFromValues(rows, (i) => vs[i], (i) => `${source} row ${i + 1}, column "${name}"`);
  });
  return makeTable(source, names, columns, rows);
}
