/** CSV text to a Table in memory (browser-safe: papaparse, no Node built-ins). */
import type { Table } from '../table.js';
import { CsvRecordStream } from './csv-records.js';
import { CsvTableBuilder, type CsvOptions } from './csv-table.js';

export type { CsvOptions } from './csv-table.js';

export function parseCsv(text: string, opts: CsvOptions = {}): Table {
  const source = opts.source ?? 'input.csv';
  let asText: ReadonlySet<number> = new Set();
  for (;;) {
    const builder = new CsvTableBuilder(source, opts.header ?? true, asText);
    const records = new CsvRecordStream(source, opts.delimiter ?? ',', builder.onRecord);
    records.push(text);
    records.end();
    const result = builder.finish();
    if ('table' in result) return result.table;
    asText = result.retryAsText; // a column turned out to be text after numbers: read again keeping its spelling
  }
}
