/**
 * Turns CSV records into a Table, shared by the in-memory parser (csv.ts) and the streaming file reader
 * (read-node.ts), which both run papaparse through {@link CsvRecordStream} and feed every record here.
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

/** What a finished parse gives: the table, or the columns to keep as text on a second parse. */
export type CsvResult = { table: Table } | { retryAsText: Set<number> };

export class CsvTableBuilder {
  private names: string[] | null = null;
  private columns: ColumnBuilder[] = [];
  private lines = new Uint32Array(1024);
  private rows = 0;
  private sawRecord = false;

  constructor(private readonly source: string, private readonly header: boolean,
    private readonly asText: ReadonlySet<number> = new Set()) {}

  /** One record, with the line it starts on (1-based). */
  readonly onRecord = (record: string[], line: number): void => {
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

  private headerNames(record: string[]): string[] {
    if (record.length === 1) {
      // One column whose name holds another common separator: almost surely the wrong delimiter.
      const sep = [';', '\t', '|'].find((c) => record[0].includes(c));
      if (sep) {
        const shown = sep === '\t' ? '\\t' : sep;
        throw new Error(`${this.source} line 1: the header reads as one column ${JSON.stringify(record[0].slice(0, 60))}; the file looks separated by "${shown}": pass that delimiter (--delimiter "${shown}")`);
      }
    }
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
