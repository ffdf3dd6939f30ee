/**
 * Turns CSV records into a Table, shared by the in-memory parser (csv.ts) and the streaming file reader
 * (read-node.ts), which both run csv-parse with {@link csvParseOptions} and feed every record here.
 */
import { makeTable, defaultNames, type Table } from '../table.js';
import { ColumnBuilder } from './column-builder.js';

export interface CsvOptions {
  /** Names the input in error messages (a file name). */
  source?: string;
  /** Field separator; default ",". */
  delimiter?: string;
  /** Whether the first record names the columns; default true (otherwise f0..fN-1). */
  header?: boolean;
}

/** csv-parse's context for a record: the line the record ends on (1-based). */
interface RecordContext { lines: number }

export function csvParseOptions(delimiter: string, onRecord: (record: string[], ctx: RecordContext) => void) {
  return {
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true, // field counts are checked by CsvTableBuilder, to say which line is ragged
    // Records are consumed here and never accumulated by csv-parse (returning undefined drops them).
    on_record: (record: string[], ctx: RecordContext): undefined => { onRecord(record, ctx); return undefined; },
  };
}

/** What a finished parse gives: the table, or the columns to keep as text on a second parse. */
export type CsvResult = { table: Table } | { retryAsText: Set<number> };

export class CsvTableBuilder {
  private names: string[] | null = null;
  private columns: ColumnBuilder[] = [];
  private lines = new Uint32Array(1024);
  private rows = 0;
  /** The line the last record ended on (0 before any). */
  lastRecordLine = 0;
  private sawRecord = false;

  constructor(private readonly source: string, private readonly header: boolean,
    private readonly asText: ReadonlySet<number> = new Set()) {}

  readonly onRecord = (record: string[], ctx: RecordContext): void => {
    const line = this.startLine(record, ctx.lines);
    if (!this.sawRecord) {
      this.sawRecord = true;
      this.names = this.header ? this.headerNames(record) : defaultNames(record.length);
      this.columns = this.names.map((_, j) => new ColumnBuilder(this.asText.has(j)));
      if (this.header) return;
    }
    if (record.length !== this.columns.length) {
      throw new Error(`${this.source} line ${line}: expected ${this.columns.length} fields, got ${record.length}`);
    }
    for (let j = 0; j < record.length; j++) this.columns[j].pushToken(record[j]);
    if (this.rows === this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.rows++] = line;
  };

  /** csv-parse reports the line a record ends on; a quoted field can span lines, so count back over its newlines. */
  private startLine(record: string[], endLine: number): number {
    let start = endLine;
    if (endLine - this.lastRecordLine > 1) {
      for (const f of record) for (let k = f.indexOf('\n'); k >= 0; k = f.indexOf('\n', k + 1)) start--;
    }
    this.lastRecordLine = endLine;
    return start;
  }

  private headerNames(record: string[]): string[] {
    const first = new Map<string, number>();
    record.forEach((name, j) => {
      if (name === '') throw new Error(`${this.source} line 1: column ${j + 1} has an empty name in the header`);
      const k = first.get(name);
      if (k !== undefined) throw new Error(`${this.source} line 1: duplicate column name "${name}" (columns ${k + 1} and ${j + 1})`);
      first.set(name, j);
    });
    return record;
  }

  finish(): CsvResult {
    if (!this.sawRecord) throw new Error(`${this.source}: empty file`);
    if (this.rows === 0) throw new Error(`${this.source}: no data rows (only a header line)`);
    const lost = new Set<number>();
    this.columns.forEach((c, j) => { if (c.lost) lost.add(j); });
    if (lost.size > 0) return { retryAsText: new Set([...lost, ...this.asText]) };
    const columns = this.columns.map((c) => c.finish());
    return { table: makeTable(this.source, this.names!, columns, this.rows, this.lines.slice(0, this.rows)) };
  }
}

interface CsvParseError { code?: string; lines?: number; index?: number; message: string }

/**
 * csv-parse's errors restated with the input's name and what to do about them; other errors pass through.
 * csv-parse reports an unclosed quote at the end of the file, so `lastRecordLine` (the line the last good
 * record ended on) points at the record that opened it instead.
 */
export function csvError(e: unknown, source: string, lastRecordLine: number): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const { code, lines, index } = e as CsvParseError;
  if (typeof code !== 'string' || !/^(CSV_|INVALID_)/.test(code)) return e;
  const field = typeof index === 'number' ? `, field ${index + 1}` : '';
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new Error(`${source} line ${lastRecordLine + 1}: malformed quotes: this record opens a quoted field that is never closed (the file ends inside it)`);
    case 'INVALID_OPENING_QUOTE':
      return new Error(`${source} line ${lines}${field}: malformed quotes: a quote inside an unquoted field (quote the whole field and double the quotes inside it)`);
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new Error(`${source} line ${lines}${field}: malformed quotes: text after a closing quote (double the quotes inside a quoted field)`);
    default:
      return new Error(`${source} line ${lines}: ${e.message}`);
  }
}
