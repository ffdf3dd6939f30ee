/** JSON Lines (one JSON object per line) to a Table; browser-safe. JSON null is a missing value. */
import { makeTable, describeValue, type Table } from '../table.js';
import { ColumnBuilder } from './column-builder.js';
import { typedToCell } from './typed-values.js';

export interface JsonLinesOptions { source?: string }

/** Collects objects line by line: columns are the keys in first-seen order; a key a line lacks is missing there. */
export class JsonLinesBuilder {
  private readonly columns = new Map<string, ColumnBuilder>();
  private lines = new Uint32Array(1024);
  private rows = 0;

  constructor(private readonly source: string) {}

  /** One line of the file (lineNo 1-based); blank lines are skipped. */
  pushLine(text: string, lineNo: number): void {
    if (text.trim() === '') return;
    const at = `${this.source} line ${lineNo}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
      throw new Error(`${at}: not valid JSON: ${shown}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${at}: expected a JSON object, got ${describeValue(value)}`);
    }
    for (const [key, v] of Object.entries(value)) {
      let column = this.columns.get(key);
      if (column === undefined) {
        column = new ColumnBuilder();
        for (let i = 0; i < this.rows; i++) column.pushMissing();
        this.columns.set(key, column);
      }
      column.pushCell(typedToCell(v, () => `${at}, field "${key}"`));
    }
    this.rows++;
    for (const column of this.columns.values()) if (column.length < this.rows) column.pushMissing();
    if (this.rows > this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.rows - 1] = lineNo;
  }

  finish(): Table {
    if (this.rows === 0) throw new Error(`${this.source}: empty file (no JSON objects)`);
    const names = [...this.columns.keys()];
    const columns = [...this.columns.values()].map((c) => c.finish());
    return makeTable(this.source, names, columns, this.rows, this.lines.slice(0, this.rows));
  }
}

export function parseJsonLines(text: string, opts: JsonLinesOptions = {}): Table {
  const builder = new JsonLinesBuilder(opts.source ?? 'input.jsonl');
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) builder.pushLine(lines[k], k + 1);
  return builder.finish();
}
