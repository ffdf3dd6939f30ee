/** CSV text to a Table in memory (browser-safe: csv-parse's browser build, no Node built-ins). */
import { parse } from 'csv-parse/browser/esm/sync';
import type { Table } from '../table.js';
import { CsvTableBuilder, csvError, csvParseOptions, type CsvOptions } from './csv-table.js';

export type { CsvOptions } from './csv-table.js';

export function parseCsv(text: string, opts: CsvOptions = {}): Table {
  const source = opts.source ?? 'input.csv';
  let asText: ReadonlySet<number> = new Set();
  for (;;) {
    const builder = new CsvTableBuilder(source, opts.header ?? true, asText);
    try {
      parse(text, csvParseOptions(opts.delimiter ?? ',', builder.onRecord));
    } catch (e) {
      throw csvError(e, source, builder.lastRecordLine);
    }
    const result = builder.finish();
    if ('table' in result) return result.table;
    asText = result.retryAsText;
  }
}
